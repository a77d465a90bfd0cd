"""Airflow helpers: the pools Lantern's DAGs run in (one per site, one per kind of
social source), and running those DAGs through real Airflow on this machine (SQLite
metadata DB) for ``make demo`` and the tests. Production runs the same DAGs on the
compose stack (Postgres, CeleryExecutor).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from leads.settings import REPO_ROOT, Settings


def airflow_env(settings: Settings, home: Path | None = None) -> dict[str, str]:
    home = home or settings.data_dir / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        }
    )
    return env


def pools() -> list[dict[str, object]]:
    """One pool per site and one per kind of social source, so politeness and the
    platforms' rate limits hold however many workers run."""
    from crawlers.profiles import registered_profiles
    from crawlers.social.registry import COLLECTABLE, load_kinds

    sites: list[dict[str, object]] = [
        {
            "name": pool_name(p.id),
            "slots": 1,
            "description": f"politeness pool for {p.name}",
            "include_deferred": False,
        }
        for p in registered_profiles()
    ]
    kinds = load_kinds()
    social: list[dict[str, object]] = [
        {
            "name": social_pool(kind),
            "slots": kinds[kind].pool_slots,
            "description": f"rate-limit pool for {kind} sources "
            f"({kinds[kind].min_interval}s between requests per host in each slot)",
            "include_deferred": False,
        }
        for kind in COLLECTABLE
    ]
    return sites + social


def social_pool(kind: str) -> str:
    """The pool that caps concurrent collectors of one social kind across workers."""
    return f"social-{kind.replace('_', '-')}"


def pool_name(profile_id: str) -> str:
    """The politeness pool of one site (one slot: the site's own concurrency applies)."""
    return f"site-{profile_id}"


def _airflow(args: list[str], env: dict[str, str], quiet: bool) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).with_name("airflow"))
    return subprocess.run(
        [exe, *args],
        env=env,
        text=True,
        check=False,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
    )


def prepare(env: dict[str, str], quiet: bool = True) -> None:
    """Migrates the metadata DB and creates the site pools (both idempotent)."""
    for args in (["db", "migrate"],):
        result = _airflow(args, env, quiet)
        if result.returncode:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{(result.stdout or '')[-3000:]}")
    pool_file = Path(env["AIRFLOW_HOME"]) / "pools.json"
    pool_file.write_text(json.dumps({p["name"]: p for p in pools()}))
    result = _airflow(["pools", "import", str(pool_file)], env, quiet)
    if result.returncode:
        raise RuntimeError(f"airflow pools import failed:\n{(result.stdout or '')[-3000:]}")


def run_dag(
    dag_id: str, env: dict[str, str], quiet: bool = True
) -> subprocess.CompletedProcess[str]:
    """One complete DAG run, in-process (``airflow dags test``)."""
    return _airflow(["dags", "test", dag_id], env, quiet)
