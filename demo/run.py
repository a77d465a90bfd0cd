"""The demo: the bundled boards and social replays crawled, collected, scored and linked
through real Airflow, then the top leads and riskiest guest-worker employers printed."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import urllib.request
from datetime import datetime
from typing import Any

from demo import PROFILES_DIR, SOURCES_DIR
from demo.replay import JetstreamReplay, SocialReplay
from lantern.local.airflow import airflow_env, prepare, run_dag
from leads.settings import Settings, get_settings
from leads.text import one_line

# The demo's social sources (demo/sources/social.yaml) point here.
REPLAY_PORT, JETSTREAM_PORT = 8766, 8767
HUB_PORT = 8768  # the demo's deconfliction hub


def _demo_server_running(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__hits", timeout=2) as resp:
            json.load(resp)
            return True
    except (OSError, ValueError):
        return False


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def demo_environment(settings: Settings, port: int) -> dict[str, str]:
    """Settings that point Lantern at the demo's profiles and sources, and let the
    collectors reach the loopback demo servers and nothing else."""
    host = f"127.0.0.1:{port}"
    replay = [f"127.0.0.1:{REPLAY_PORT}", f"127.0.0.1:{JETSTREAM_PORT}"]
    allowed = sorted({*settings.allowed_private_hosts, host, *replay})
    profiles = sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))
    return {
        "LANTERN_PROFILES_DIR": str(PROFILES_DIR),
        "LANTERN_SOURCES_DIR": str(SOURCES_DIR),
        "LANTERN_ALLOWED_PRIVATE_HOSTS": ",".join(allowed),
        "LANTERN_BASE_URLS": json.dumps({p: f"http://{host}" for p in profiles}),
    }


def _run(dag_id: str, env: dict[str, str]) -> None:
    print(f"running DAG {dag_id} through Airflow …", flush=True)
    result = run_dag(dag_id, env)
    if result.returncode != 0:
        print((result.stdout or "")[-4000:], file=sys.stderr)
        raise SystemExit(f"demo: DAG {dag_id} failed (exit {result.returncode})")
    print(f"  {dag_id}: success", flush=True)


def run_demo(port: int = 8765, top: int = 10) -> None:
    from crawlers.profiles import registered_profiles

    os.environ.update(demo_environment(get_settings(), port))
    get_settings.cache_clear()
    settings = get_settings()
    server = None
    if _demo_server_running(port):
        print(f"using the demo boards already served on 127.0.0.1:{port}")
    else:
        from demo.boards.server import serve

        server, _ = serve(port)
        print(f"serving the demo boards on http://127.0.0.1:{port}/")
    replays: list[SocialReplay | JetstreamReplay] = []
    if _port_open(REPLAY_PORT) or _port_open(JETSTREAM_PORT):
        print(f"using the social replay already served on ports {REPLAY_PORT}/{JETSTREAM_PORT}")
    else:
        replays = [SocialReplay(port=REPLAY_PORT).start(), JetstreamReplay(JETSTREAM_PORT).start()]
        print(
            f"serving the social replay (Mastodon, Bluesky, Telegram) on "
            f"http://127.0.0.1:{REPLAY_PORT}/ and Jetstream on ws://127.0.0.1:{JETSTREAM_PORT}/"
        )
    env = airflow_env(settings)
    try:
        print("preparing Airflow (SQLite metadata DB, site pools) …", flush=True)
        prepare(env)
        drop = settings.guestworker_path
        if not drop.is_dir() or not any(drop.iterdir()):
            from demo.guestworker_samples import write_sample_set

            write_sample_set(drop)
            print(f"wrote sample DOL guest-worker files (fictional) to {drop}")
        families = sorted({p.family for p in registered_profiles() if p.enabled})
        for dag_id in [*(f"lantern_collect_{f}" for f in families), "lantern_collect_social"]:
            _run(dag_id, env)
        _run("lantern_guestworker", env)
        # Outside a scheduler the leads asset triggers nothing: run linking explicitly.
        _run("lantern_link", env)
    finally:
        if server is not None:
            server.shutdown()
        for replay in replays:
            replay.stop()
    _print_results(settings, top)
    _case_demo(settings)
    _assessment_demo(settings)
    _workspace_logins(settings)


def _workspace_logins(settings: Settings) -> None:
    """Demo accounts for the workspace, one per role, with a password made for this run
    (never a password written down in the code: the demo's cluster may not be a toy)."""
    import secrets

    from leads.store import connect, ensure_indices
    from leads.users import UserError, add_user, set_password

    es = connect(settings)
    ensure_indices(es, settings)
    password = "demo-" + secrets.token_urlsafe(12)
    for role in ("analyst", "investigator", "supervisor", "auditor"):
        try:
            add_user(es, settings, f"demo-{role}", role, password, "demo")
        except UserError:
            set_password(es, settings, f"demo-{role}", password, "demo")
    print(
        "\nThe workspace: `make serve`, then open "
        f"http://{settings.workspace_host}:{settings.workspace_port}/ and sign in as "
        f"demo-analyst, demo-investigator, demo-supervisor or demo-auditor with the "
        f"password {password} (made for this run; demo accounts on fictional data)."
    )


# The demo region: the planted network passes through it, and so do guest workers.
DEMO_REGION = "CA"


def _assessment_demo(settings: Settings) -> None:
    """Sample tips (one shares the planted phone), then the region's threat assessment
    for the quarter of its newest ad: both editions, HTML and PDF."""
    from demo.tips import write_sample_tips
    from leads.assessment.periods import parse_period
    from leads.store import connect

    es = connect(settings)
    es.indices.refresh(index=settings.index("leads"))
    newest = es.search(
        index=settings.index("leads"),
        size=0,
        query={"term": {"states": DEMO_REGION}},
        aggs={"newest": {"max": {"field": "seen_at"}}},
    )["aggregations"]["newest"]["value_as_string"]
    anchor = datetime.fromisoformat(newest.replace("Z", "+00:00"))
    period = parse_period(f"{anchor.year}-Q{(anchor.month - 1) // 3 + 1}").label
    tips = write_sample_tips(settings.data_dir / "demo-tips" / "sample_tips.jsonl", anchor)
    print("\nTips from a hotline, 911, a partner and a complaint (fictional), linked:")
    _lantern("tips", "ingest", str(tips), errors=True)
    print(f"\nThe threat assessment of {DEMO_REGION} for {period}, both editions:")
    folder = settings.assessments_path / "demo"
    for edition in ("full", "shareable"):
        for suffix in ("html", "pdf"):
            out = folder / f"assessment-{DEMO_REGION}-{period}-{edition}.{suffix}"
            extra = ["--shareable"] if edition == "shareable" else []
            _lantern(
                "assess", "--region", DEMO_REGION, "--period", period, "--out", str(out), *extra
            )


def _lantern(
    *args: str, env: dict[str, str] | None = None, who: str = "", errors: bool = False
) -> str:
    """One ``lantern`` command as a user types it, printed, run, its output shown."""
    shown = " ".join(f"'{a}'" if " " in a else a for a in args)
    print(f"{who}$ lantern {shown}", flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "lantern", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    print((result.stdout or "").rstrip())
    if errors and result.returncode == 0 and result.stderr:
        print(result.stderr.rstrip())  # the one-line refusals a user would see
    if result.returncode != 0:
        print((result.stderr or "")[-2000:], file=sys.stderr)
        raise SystemExit(f"demo: lantern {args[0]} {args[1]} failed")
    return result.stdout or ""


def _case_demo(settings: Settings) -> None:
    """The investigator's next steps on the planted network: a case, a subject with its
    note, the evidence package and its check."""
    from demo.boards.generator import PLANTED_PHONE

    phone = f"phone:+1{PLANTED_PHONE}"
    print("\nA case on the planted network (one phone, six ads):")
    case_id = _lantern(
        "case", "new", "--title", "Planted network (demo)", "--agency", "Demo Task Force"
    ).strip()
    _lantern("case", "add", case_id, phone, "--why", "one phone behind six names")
    _lantern(
        "case",
        "promote",
        case_id,
        phone,
        "--note",
        "The same phone advertises six different women in five states within ten days.",
    )
    package = settings.data_dir / "cases" / f"{case_id.replace(':', '_')}.zip"
    _lantern("case", "export", case_id, "--out", str(package))
    _lantern("case", "verify", str(package))
    _deconfliction_demo(settings, case_id, phone)


def _deconfliction_demo(settings: Settings, case_id: str, phone: str) -> None:
    """A regional hub and a second agency that holds one of the planted phones: the
    conflict shown from both sides, while the hub sees pseudonyms only."""
    import shutil

    from lantern.hub.store import HUB_KINDS
    from leads.store import connect, delete_where, drop_indices, ensure_indices

    hub_env = {
        "LANTERN_HUB_DIR": str(settings.data_dir / "demo-hub"),
        "LANTERN_HUB_INDEX_PREFIX": "lantern-demo-hub",
        "LANTERN_HUB_PORT": str(HUB_PORT),
        "LANTERN_USER": "hub.operator",
    }
    # The demo's hub starts empty each time (a real hub keeps its pointers, of course).
    hub_settings = Settings(hub_index_prefix="lantern-demo-hub").hub_side()
    es = connect(hub_settings)
    drop_indices(es, hub_settings, HUB_KINDS)
    # ... and so does the agencies' memory of it (what went to it, under which key).
    for prefix in (settings.index_prefix, "lantern-demo-neighbor"):
        agency = settings.model_copy(update={"index_prefix": prefix})
        ensure_indices(es, agency)
        delete_where(
            es, agency, "deconfliction", {"term": {"hub_url": f"http://127.0.0.1:{HUB_PORT}"}}
        )
    shutil.rmtree(settings.data_dir / "demo-hub", ignore_errors=True)
    # A fixed key for the demo's hub, so every demo run (and every clone on this node)
    # proves with the key the agencies trusted first. A real hub makes a random one.
    seed = settings.data_dir / "demo-hub" / "oprf-seed"
    seed.parent.mkdir(parents=True, exist_ok=True)
    seed.write_bytes(hashlib.sha256(b"lantern demo hub, never a real one").digest())
    seed.chmod(0o600)
    print("\nDeconfliction through a regional hub (pseudonyms only):")
    keys = {}
    for name, contact in (
        ("Demo Task Force", "Demo Task Force desk, 555-0100"),
        ("Neighbor County Sheriff (demo)", "Det. Val Fictional, 555-0177"),
    ):
        out = _lantern(
            "hub", "agency", "add", name, "--contact", contact, env=hub_env, who="[hub operator] "
        )
        keys[name] = next(x for x in out.splitlines() if x.startswith("api key: "))[9:]
    log = (settings.data_dir / "demo-hub.log").open("wb")
    hub = subprocess.Popen(
        [sys.executable, "-m", "lantern", "hub", "serve"],
        env={**os.environ, **hub_env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{HUB_PORT}/healthz", hub)
        url = f"http://127.0.0.1:{HUB_PORT}"
        ours = {"LANTERN_HUB_URL": url, "LANTERN_HUB_API_KEY": keys["Demo Task Force"]}
        theirs = {
            "LANTERN_HUB_URL": url,
            "LANTERN_HUB_API_KEY": keys["Neighbor County Sheriff (demo)"],
            "LANTERN_INDEX_PREFIX": "lantern-demo-neighbor",
            "LANTERN_DATA_DIR": str(settings.data_dir / "demo-neighbor"),
            "LANTERN_USER": "val.fictional",
        }
        _lantern("case", "deconflict", case_id, env=ours, who="[Demo Task Force] ")
        neighbor = "[Neighbor County] "
        other = _lantern(
            "case",
            "new",
            "--title",
            "Tip about a phone (demo)",
            "--agency",
            "Neighbor County Sheriff (demo)",
            env=theirs,
            who=neighbor,
        ).strip()
        _lantern(
            "case",
            "add",
            other,
            phone,
            "--entered",
            "--why",
            "a fictional hotline tip names this phone",
            env=theirs,
            who=neighbor,
        )
        _lantern(
            "case",
            "promote",
            other,
            phone,
            "--note",
            "The tip says this phone arranges dates for a minor.",
            env=theirs,
            who=neighbor,
        )
        _lantern("case", "deconflict", other, env=theirs, who=neighbor)
        _lantern("deconflict", "conflicts", env=ours, who="[Demo Task Force] ")
    finally:
        hub.terminate()
        hub.wait(timeout=30)
        log.close()


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"demo: the hub stopped at start-up (exit {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"demo: the hub did not answer at {url}")


def _print_results(settings: Settings, top: int) -> None:
    from lantern.cli.options import elasticsearch
    from lantern.cli.pipeline import print_leads
    from leads.batches import top_leads

    es = elasticsearch(settings)
    print()
    print_leads(top_leads(es, settings, top))
    _print_risky_employers(es, settings)
    print(
        "\nLook further:\n"
        f"  curl -s '{settings.es_url}/{settings.index('leads')}/_search?q=tier:high&size=5'\n"
        f"  curl -s '{settings.es_url}/{settings.index('deadletters')}/_search'\n"
        "  Kibana (docker compose up): data view on "
        f"'{settings.index('leads')}', filter tier:high, map on 'places'.\n"
        "  Saved objects: kibana/README.md",
        file=sys.stderr,
    )


def _print_risky_employers(es: Any, settings: Settings, size: int = 5) -> None:
    hits = es.search(
        index=settings.index("gw-employers"),
        size=size,
        query={"range": {"risk": {"gte": 35}}},
        sort=[{"risk": "desc"}],
    )["hits"]["hits"]
    if hits:
        print("\nGuest-worker employers at medium or high risk:")
    for hit in hits:
        e = hit["_source"]
        name = one_line(e["employer"], 200)
        print(f"{e['risk']:4d} {e['tier']:<7} {name}  ({len(e['sources'])} records)")
        for f in e["flags"]:
            print(f"     - {f['flag']}: {one_line(f['reason'])}")
