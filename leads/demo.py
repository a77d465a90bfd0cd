"""``lantern demo``: the bundled boards, crawled and scored through real Airflow."""

from __future__ import annotations

import json
import os
import sys
import urllib.request

from crawlers.profiles import registered_profiles
from crawlers.replay import JetstreamReplay, SocialReplay
from leads.airflow_local import airflow_env, prepare, run_dag
from leads.settings import Settings, get_settings


def _demo_server_running(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__hits", timeout=2) as resp:
            json.load(resp)
            return True
    except (OSError, ValueError):
        return False


# The registered demo social sources (crawlers/sources/social.yaml) point here.
REPLAY_PORT, JETSTREAM_PORT = 8766, 8767


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def demo_environment(settings: Settings, port: int) -> dict[str, str]:
    """Environment that lets the collectors reach the loopback demo servers and nothing
    else."""
    host = f"127.0.0.1:{port}"
    replay = [f"127.0.0.1:{REPLAY_PORT}", f"127.0.0.1:{JETSTREAM_PORT}"]
    allowed = sorted({*settings.allowed_private_hosts, host, *replay})
    base_urls = {p.id: f"http://{host}" for p in registered_profiles() if p.id.startswith("demo-")}
    return {
        "LANTERN_ALLOWED_PRIVATE_HOSTS": ",".join(allowed),
        "LANTERN_BASE_URLS": json.dumps(base_urls),
    }


def run_demo(port: int = 8765, top: int = 10) -> None:
    settings = get_settings()
    server = None
    if _demo_server_running(port):
        print(f"using the demo boards already served on 127.0.0.1:{port}")
    else:
        from crawlers.demosite.server import serve

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
    os.environ.update(demo_environment(settings, port))
    get_settings.cache_clear()
    env = airflow_env(get_settings())
    try:
        print("preparing Airflow (SQLite metadata DB, site pools) …", flush=True)
        prepare(env)
        drop = get_settings().guestworker_path
        if not drop.is_dir() or not any(drop.iterdir()):
            from leads.guestworker.samples import write_sample_set

            write_sample_set(drop)
            print(f"wrote sample DOL guest-worker files (fictional) to {drop}")
        families = sorted({p.family for p in registered_profiles() if p.enabled})
        dags = [*(f"lantern_collect_{f}" for f in families), "lantern_collect_social"]
        for dag_id in [*dags, "lantern_guestworker"]:
            print(f"running DAG {dag_id} through Airflow …", flush=True)
            result = run_dag(dag_id, env)
            if result.returncode != 0:
                print((result.stdout or "")[-4000:], file=sys.stderr)
                raise SystemExit(f"demo: DAG {dag_id} failed (exit {result.returncode})")
            print(f"  {dag_id}: success", flush=True)
        # Outside a scheduler the leads asset triggers nothing: run linking explicitly.
        print("running DAG lantern_link through Airflow …", flush=True)
        result = run_dag("lantern_link", env)
        if result.returncode != 0:
            print((result.stdout or "")[-4000:], file=sys.stderr)
            raise SystemExit(f"demo: DAG lantern_link failed (exit {result.returncode})")
        print("  lantern_link: success", flush=True)
    finally:
        if server is not None:
            server.shutdown()
        for replay in replays:
            replay.stop()
