"""``lantern demo``: the bundled boards, crawled and scored through real Airflow."""

from __future__ import annotations

import json
import os
import sys
import urllib.request

from crawlers.profiles import registered_profiles
from leads.airflow_local import airflow_env, prepare, run_dag
from leads.settings import Settings, get_settings


def _demo_server_running(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__hits", timeout=2) as resp:
            json.load(resp)
            return True
    except (OSError, ValueError):
        return False


def demo_environment(settings: Settings, port: int) -> dict[str, str]:
    """Environment that lets the crawlers reach the loopback demo server and nothing else."""
    host = f"127.0.0.1:{port}"
    allowed = sorted({*settings.allowed_private_hosts, host})
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
    os.environ.update(demo_environment(settings, port))
    get_settings.cache_clear()
    env = airflow_env(get_settings())
    try:
        print("preparing Airflow (SQLite metadata DB, site pools) …", flush=True)
        prepare(env)
        families = sorted({p.family for p in registered_profiles() if p.enabled})
        for family in families:
            dag_id = f"lantern_collect_{family}"
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
