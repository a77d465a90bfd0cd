"""Start and stop a local single-node Elasticsearch for development, the demo and tests.

The distribution is Elastic's minimal zip from Maven Central (fetched with ``mvn``,
checked against its published SHA-1, cached in ``.cache/``). Elasticsearch refuses to
run as root, so when we are root it runs as the unprivileged user ``lantern-es``.
Loopback only, bounded heap, single node. ``up`` is a no-op when a node already answers.

    python -m lantern.local.elasticsearch up|down|status

Its port, heap, folder and download cache come from the settings (``LANTERN_ES_PORT``,
``LANTERN_ES_HEAP``, ``LANTERN_ES_HOME``, ``LANTERN_CACHE_DIR``); with ``ES_URL`` set,
Lantern uses that cluster and ``up`` starts nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from leads.settings import Settings, get_settings

ES_VERSION = "8.19.21"
ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES_VERSION}:zip"
ES_USER = "lantern-es"
JAVA_CANDIDATES = (
    os.environ.get("ES_JAVA_HOME", ""),  # Elasticsearch's own variable, not ours
    "/usr/lib/jvm/java-17-openjdk-amd64",
    "/usr/lib/jvm/temurin-25-jdk-amd64",
)


class LocalEsError(RuntimeError):
    pass


def _url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.es_port}"


def _health(settings: Settings) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"{_url(settings)}/_cluster/health", timeout=2) as resp:
            return dict(json.load(resp))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _java_home() -> str:
    for candidate in JAVA_CANDIDATES:
        if candidate and Path(candidate, "bin", "java").exists():
            return candidate
    raise LocalEsError("no Java 17+ found: install openjdk-17-jre-headless or set ES_JAVA_HOME")


def fetch_distribution(settings: Settings) -> Path:
    """The cached zip, downloaded through Maven on first use and checked by SHA-1."""
    target = settings.cache_dir / f"elasticsearch-{ES_VERSION}.zip"
    if target.exists():
        return target
    if not shutil.which("mvn"):
        raise LocalEsError(
            "Maven ('mvn') is needed once to fetch Elasticsearch: apt-get install maven"
        )
    print(f"fetching Elasticsearch {ES_VERSION} from Maven Central …", flush=True)
    subprocess.run(
        ["mvn", "-q", "-B", "dependency:get", f"-Dartifact={ARTIFACT}", "-Dtransitive=false"],
        check=True,
    )
    m2 = Path.home() / ".m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch"
    source = m2 / ES_VERSION / f"elasticsearch-{ES_VERSION}.zip"
    expected = (source.with_suffix(".zip.sha1")).read_text().split()[0]
    actual = hashlib.sha1(source.read_bytes()).hexdigest()
    if actual != expected:
        raise LocalEsError(f"{source}: SHA-1 {actual} does not match published {expected}")
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return target


def _ensure_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(ES_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ES_USER],
            check=True,
        )
        return pwd.getpwnam(ES_USER)


def _install(zip_path: Path, run_dir: Path) -> Path:
    home = run_dir / f"elasticsearch-{ES_VERSION}"
    if not (home / "bin" / "elasticsearch").exists():
        run_dir.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(run_dir)
        for script in (home / "bin").iterdir():
            script.chmod(0o755)
    for sub in ("data", "logs"):
        (run_dir / sub).mkdir(exist_ok=True)
    return home


def up(settings: Settings, timeout: float = 180.0) -> None:
    if settings.es_url_is_set:
        print(f"ES_URL is set ({settings.es_url}): not starting a local node")
        return
    if _health(settings):
        print(f"Elasticsearch already running at {_url(settings)}")
        return
    run_dir, heap, port = settings.es_home_path, settings.es_heap, settings.es_port
    home = _install(fetch_distribution(settings), run_dir)
    user = _ensure_user()
    if user is not None:
        subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(run_dir)], check=True)
    pidfile = run_dir / "es.pid"
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "ES_JAVA_HOME": _java_home(),
        "ES_JAVA_OPTS": f"-Xms{heap} -Xmx{heap}",
        "HOME": str(run_dir),
    }
    cmd = [
        str(home / "bin" / "elasticsearch"),
        "-d",
        "-p",
        str(pidfile),
        "-Ediscovery.type=single-node",
        "-Enetwork.host=127.0.0.1",
        f"-Ehttp.port={port}",
        "-Etransport.port=0",
        "-Ecluster.name=lantern-local",
        f"-Epath.data={run_dir / 'data'}",
        f"-Epath.logs={run_dir / 'logs'}",
        # A nearly full developer disk must not turn our indices read-only mid-test.
        "-Ecluster.routing.allocation.disk.threshold_enabled=false",
        "-Eaction.destructive_requires_name=false",
        # Loopback-only development node; the compose stack runs with security on.
        "-Expack.security.enabled=false",
    ]
    if user is not None:
        cmd = ["runuser", "-u", ES_USER, "--", *cmd]
    print(f"starting Elasticsearch {ES_VERSION} on {_url(settings)} (heap {heap}) …", flush=True)
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = _health(settings)
        if health and health.get("status") in ("green", "yellow"):
            print(f"Elasticsearch is up at {_url(settings)} (status {health['status']})")
            return
        time.sleep(1)
    raise LocalEsError(
        f"Elasticsearch did not become healthy in {timeout:.0f}s; see {run_dir}/logs"
    )


def down(settings: Settings, timeout: float = 60.0) -> None:
    pidfile = settings.es_home_path / "es.pid"
    if not pidfile.exists():
        print("no local Elasticsearch pid file: nothing to stop")
        return
    pid = int(pidfile.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pidfile.unlink(missing_ok=True)
        print("local Elasticsearch was not running")
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            pidfile.unlink(missing_ok=True)
            print("local Elasticsearch stopped")
            return
        time.sleep(0.5)
    raise LocalEsError(f"Elasticsearch (pid {pid}) did not stop within {timeout:.0f}s")


def main(argv: list[str]) -> int:
    actions = {"up": up, "down": down}
    if len(argv) != 1 or argv[0] not in (*actions, "status"):
        print("usage: python -m lantern.local.elasticsearch up|down|status", file=sys.stderr)
        return 2
    settings = get_settings()
    try:
        if argv[0] == "status":
            health = _health(settings)
            print(json.dumps(health) if health else f"no Elasticsearch at {_url(settings)}")
            return 0 if health else 1
        actions[argv[0]](settings)
    except (LocalEsError, subprocess.CalledProcessError) as exc:
        print(f"es-{argv[0]}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
