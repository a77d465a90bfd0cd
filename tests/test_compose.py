"""docker-compose.yml is valid (checked by Debian's docker-compose) and pins the same
versions the local scripts run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib.metadata import version

import pytest
import yaml

from lantern.local.elasticsearch import ES_VERSION
from leads.settings import REPO_ROOT

SECRETS = {
    "ELASTIC_PASSWORD": "test-elastic",
    "KIBANA_PASSWORD": "test-kibana",
    "KIBANA_ENCRYPTION_KEY": "x" * 32,
    "POSTGRES_PASSWORD": "test-postgres",
    "AIRFLOW_FERNET_KEY": "test-fernet",
    "AIRFLOW_JWT_SECRET": "test-jwt",
}


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is missing: `make install` installs it (apt docker-compose)")
    return subprocess.run(
        [binary, "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_compose_file_is_valid_and_has_the_whole_stack() -> None:
    result = _config(SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {
        "elasticsearch",
        "kibana",
        "postgres",
        "redis",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
        "deconfliction-hub",
        "workspace",
        "kibana-objects",
    } <= set(services)
    assert services["workspace"]["entrypoint"][:2] == ["lantern", "serve"]
    assert "--secure" in services["workspace"]["entrypoint"]
    setup = services["kibana-objects"]["command"][0]
    assert "saved_objects/_import" in setup and "lantern kibana --prefix" in setup
    assert '"success":true' in setup  # a failed import is not taken for a good one
    hub = services["deconfliction-hub"]
    assert hub["entrypoint"][:3] == ["lantern", "hub", "serve"]
    assert hub["environment"]["LANTERN_HUB_INDEX_PREFIX"] == "lantern-hub"
    assert "hub-var:/opt/lantern/hub" in hub["volumes"][0]  # its key outlives the container
    es_env = services["elasticsearch"]["environment"]
    assert es_env["xpack.security.enabled"] == "true"
    worker = services["airflow-worker"]["environment"]
    assert worker["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    connection = json.loads(worker["AIRFLOW_CONN_LANTERN_ELASTICSEARCH"])
    assert connection["host"] == "elasticsearch" and connection["password"] == "test-elastic"
    assert (
        "postgresql"
        in services["airflow-scheduler"]["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    )


def test_compose_refuses_to_start_without_secrets() -> None:
    result = _config({k: v for k, v in SECRETS.items() if k != "ELASTIC_PASSWORD"})
    assert result.returncode != 0
    assert "ELASTIC_PASSWORD" in result.stderr


def test_compose_versions_equal_the_local_ones() -> None:
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    assert services["elasticsearch"]["image"].endswith(f":{ES_VERSION}")
    assert services["kibana"]["image"].endswith(f":{ES_VERSION}")
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert f"FROM apache/airflow:{version('apache-airflow')}-python3.11" in dockerfile
    assert version("elasticsearch").split(".")[0] == ES_VERSION.split(".")[0]
