"""The `lantern` command line as a user runs it: clear errors, nothing lost."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from leads.settings import REPO_ROOT, Settings
from leads.store import scan
from tests.conftest import LANTERN, Demo, lantern, run_crawl, write_jsonl


def _commands() -> list[tuple[str, ...]]:
    """Every command path the console script offers, read from the app itself."""
    import typer

    from lantern.cli import app

    def walk(group: Any, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = []
        for name, command in group.commands.items():
            found.append((*prefix, name))
            if hasattr(command, "commands"):  # a group of verbs
                found += walk(command, (*prefix, name))
        return found

    return walk(typer.main.get_command(app), ())


def test_help_is_available_on_every_command() -> None:
    commands = _commands()
    assert ("collect", "mastodon") in commands and ("guestworker", "ingest") in commands
    assert {("case", "export"), ("case", "verify"), ("audit", "verify"), ("hold", "add"),
            ("retention", "run"), ("case", "deconflict"), ("deconflict", "conflicts"),
            ("hub", "serve"), ("hub", "agency", "add"), ("serve",), ("users", "add"),
            ("calibration",), ("assess",), ("tips", "ingest"), ("tips", "relink")
            } <= set(commands)  # fmt: skip
    assert len(commands) == 70
    for command in commands:
        result = lantern(*command, "--help")
        assert result.returncode == 0 and b"Usage" in result.stdout, command


def test_extract_reports_each_bad_line_and_processes_the_rest(tmp_path: Path) -> None:
    rows: list[Any] = [
        {"id": "a", "text": "100% real, incall, call seven oh two five five five oh one four two"},
        {"id": "empty", "text": ""},
        b"\x00\x01\xfe\xff garbage\n",
        b'{"id": "bad-utf8", "text": "caf\xe9"}\n',
        {"id": "no-text", "body": "where is the text"},
        {"id": "huge", "text": "word " * 220_000},
        {"id": "b", "text": "Hiring: we keep your passport"},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    result = lantern("extract", str(source))
    assert result.returncode == 0
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["a", "empty", "huge", "b"]
    assert out[0]["tier"] in ("low", "medium") and out[1]["score"] == 0
    errors = result.stderr.decode()
    assert "line 3: skipped" in errors and "line 4: skipped: invalid UTF-8" in errors
    assert "line 5 (id no-text): skipped: no 'text'" in errors
    assert "Traceback" not in errors


def test_extract_fails_only_when_nothing_could_be_read() -> None:
    result = lantern("extract", stdin=b"not json\n\xff\xfe\n")
    assert result.returncode == 1
    assert b"line 1: skipped" in result.stderr and b"line 2: skipped" in result.stderr


def test_unreachable_elasticsearch_is_one_clear_line() -> None:
    result = lantern("score", "--batch-id", "x", env={"ES_URL": "http://127.0.0.1:9"})
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "Elasticsearch unreachable at http://127.0.0.1:9" in err and "Traceback" not in err


def test_missing_chromium_is_a_clear_error(demo: Demo) -> None:
    result = run_crawl(
        "demo-jobs",
        "no-chromium",
        demo,
        "--no-index",
        env={"LANTERN_CHROMIUM_PATH": "/nonexistent/chromium"},
    )
    assert result.returncode == 2
    assert "needs JavaScript but Chromium is missing at /nonexistent/chromium" in result.stderr


def test_broken_profile_is_a_clear_error(tmp_path: Path, demo: Demo) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: broken\nname: x\n")
    result = run_crawl(str(bad), "broken", demo, "--no-index")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("crawl: broken.yaml: family")


def test_index_command_dead_letters_invalid_records(
    tmp_path: Path, es: Any, settings: Settings
) -> None:
    good: dict[str, Any] = {
        "id": "cli-good",
        "text": "ad",
        "provenance": {
            "source_id": "cli",
            "url": "http://example.test/1",
            "final_url": "http://example.test/1",
            "fetched_at": "2026-11-01T00:00:00Z",
            "sha256": "a" * 64,
            "batch_id": "cli",
            "crawler_version": "t",
            "http_status": 200,
        },
    }
    bad = {**good, "id": "cli-bad", "provenance": {**good["provenance"], "sha256": "short"}}
    source = write_jsonl(tmp_path / "raw.jsonl", [good, bad, b"{oops\n"])
    result = lantern("index", str(source), "--kind", "raw")
    assert result.returncode == 0, result.stderr.decode()
    err = result.stderr.decode()
    assert "raw.jsonl:2: provenance.sha256" in err and "raw.jsonl:3: not valid JSON" in err
    assert "1 indexed, 2 dead letters" in err
    letters = {
        d["record_id"] for d in scan(es, settings, "deadletters", {"term": {"stage": "index"}})
    }
    assert {"raw.jsonl:2", "raw.jsonl:3"} <= letters


def test_extract_streams_before_its_input_ends() -> None:
    proc = subprocess.Popen(
        [LANTERN, "extract"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO_ROOT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        # More than one pipeline batch (256), small enough that neither pipe fills up.
        for i in range(300):
            line = {"id": str(i), "text": f"ad {i}: call (702) 555-01{i % 100:02d}"}
            proc.stdin.write(json.dumps(line).encode() + b"\n")
        proc.stdin.flush()
        first = proc.stdout.readline()  # arrives while stdin is still open
        assert json.loads(first)["id"] == "0"
    finally:
        proc.stdin.close()
        rest = proc.stdout.read().decode().splitlines()
        proc.wait(timeout=120)
    assert len(rest) == 299 and json.loads(rest[-1])["id"] == "299"


def test_extract_names_a_missing_model_in_one_line() -> None:
    result = lantern("extract", "--model", "no_such_spacy_model_pkg", stdin=b"")
    assert result.returncode == 2
    assert b"spaCy model 'no_such_spacy_model_pkg' is not installed" in result.stderr
    assert b"Traceback" not in result.stderr
