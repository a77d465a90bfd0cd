"""Shared fixtures: a real Elasticsearch (started by `make es-up`), the real demo
server on 127.0.0.1, and crawls run as subprocesses exactly as Airflow runs them.

Each test module works under an index prefix and a data folder of its own (the
module-scoped ``test_env``), so no module sees another's documents, and its indices
are dropped when it ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demo import PROFILES_DIR, SOURCES_DIR
from leads.settings import REPO_ROOT, Settings, get_settings

TESTS = Path(__file__).resolve().parent
DEVSET = sorted((TESTS / "devset").glob("*.jsonl"))  # the labeled texts rules are tuned on
HELDOUT = TESTS / "heldout" / "heldout.jsonl"  # labeled texts nobody tuned on
# The evaluation corpus (tests/corpus/LABELING.md): split once by tests/corpus/split.py.
CORPUS_DEV = sorted((TESTS / "corpus" / "dev").glob("*.jsonl"))  # tuned on
CORPUS_TEST = sorted((TESTS / "corpus" / "test").glob("*.jsonl"))  # only measured
CORPUS_FRESH = sorted((TESTS / "corpus" / "fresh").glob("*.jsonl"))  # after the freeze


@dataclass
class Demo:
    base_url: str
    host: str
    boards: Any

    def hits(self, path: str) -> int:
        with self.boards.lock:
            return int(self.boards.hits.get(path, 0))


@pytest.fixture(scope="session")
def demo() -> Iterator[Demo]:
    from demo.boards.server import serve

    server, boards = serve(0)
    port = server.server_address[1]
    yield Demo(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", boards)
    server.shutdown()


@pytest.fixture(scope="module", autouse=True)
def test_env(
    demo: Demo, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, str]]:
    """The environment of one test module and the processes it starts: its own index
    prefix and data folder, and the demo's profiles and sources (Lantern ships
    disabled examples only)."""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    data = tmp_path_factory.mktemp(f"lantern-data-{module}")
    env = {
        "LANTERN_INDEX_PREFIX": f"lantern-test-{module.replace('_', '-')}-{uuid.uuid4().hex[:6]}",
        "LANTERN_DATA_DIR": str(data),
        "LANTERN_PROFILES_DIR": str(PROFILES_DIR),
        "LANTERN_SOURCES_DIR": str(SOURCES_DIR),
        "LANTERN_ALLOWED_PRIVATE_HOSTS": demo.host,
        "LANTERN_BASE_URLS": json.dumps(
            {"demo-classifieds": demo.base_url, "demo-jobs": demo.base_url}
        ),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def settings(test_env: dict[str, str]) -> Settings:
    return get_settings()


@pytest.fixture(scope="module")
def es(settings: Settings) -> Iterator[Any]:
    from leads.store import StoreError, connect, drop_indices, ensure_indices

    try:
        client = connect(settings)
    except StoreError as exc:  # real components or nothing: never skip silently
        pytest.fail(f"{exc}. Run `make es-up` (make test does) or set ES_URL.")
    ensure_indices(client, settings)
    yield client
    drop_indices(client, settings)


LANTERN = str(Path(sys.executable).with_name("lantern"))


def lantern(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The console script as a user runs it, with this module's environment (+ ``env``)."""
    return subprocess.run(
        [LANTERN, *args],
        input=stdin,
        capture_output=True,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
        check=False,
    )


def run_crawl(
    profile: str, batch_id: str, demo: Demo, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "crawlers.run",
        profile,
        "--batch-id",
        batch_id,
        "--base-url",
        demo.base_url,
        *args,
    ]
    return subprocess.run(
        cmd,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        text=True,
        capture_output=True,
        timeout=600,
        check=False,
    )


@dataclass
class CrawlResult:
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    count_after_first: int
    count_after_second: int
    robots_fetches: int  # robots.txt requests the two crawls made


@pytest.fixture(scope="module")
def classifieds_crawl(es: Any, settings: Settings, demo: Demo) -> CrawlResult:
    from leads.store import count

    query = {"term": {"provenance.source_id": "demo-classifieds"}}
    robots_before = demo.hits("/robots.txt")
    first = run_crawl("demo-classifieds", "test-batch-1", demo)
    assert first.returncode == 0, first.stderr[-3000:]
    after_first = count(es, settings, "raw", query)
    second = run_crawl("demo-classifieds", "test-batch-2", demo)
    assert second.returncode == 0, second.stderr[-3000:]
    after_second = count(es, settings, "raw", query)
    robots = demo.hits("/robots.txt") - robots_before
    return CrawlResult(first, second, after_first, after_second, robots)


@pytest.fixture(scope="module")
def jobs_crawl(es: Any, settings: Settings, demo: Demo) -> subprocess.CompletedProcess[str]:
    result = run_crawl("demo-jobs", "test-jobs-1", demo)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    with path.open("wb") as fh:
        for row in rows:
            fh.write(row if isinstance(row, bytes) else json.dumps(row).encode() + b"\n")
    return path
