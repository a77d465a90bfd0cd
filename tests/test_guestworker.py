"""Guest-worker data end to end on generated files in the real DOL layouts: ingest into
Elasticsearch with a manifest, employer resolution across files and years, planted
risk cases found with their reasons, bombs and broken files refused, the CLI and the
DAG through real Airflow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demo.guestworker_samples import write_bad_files, write_sample_set
from lantern.jobs.guestworker import labor_indicators
from lantern.local.airflow import airflow_env, prepare, run_dag
from leads.guestworker.employers import assess_all, write_employers
from leads.guestworker.ingest import ingest, load_records
from leads.guestworker.readers import FileError, assert_defused, check_zip
from leads.settings import Settings

LANTERN = str(Path(sys.executable).with_name("lantern"))


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sample_set(tmp_path_factory.mktemp("dol"))


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_bad_files(tmp_path_factory.mktemp("bad"))


@pytest.fixture(scope="module")
def loaded(es: Any, settings: Settings, samples: dict[str, Path]) -> Iterator[dict[str, Any]]:
    # A crawled job ad that shares the renamed successor's phone: the employer links to it.
    es.index(
        index=settings.index("leads"),
        id="gw-test-ad",
        document={
            "id": "gw-test-ad",
            "url": "http://127.0.0.1/jobs/job/1",
            "selectors": ["phone:+12295550144"],
            "snippet": "Apple pickers wanted, housing provided",
        },
        refresh=True,
    )
    report = ingest(es, settings, list(samples.values()))
    assessed = assess_all(load_records(es, settings), labor_indicators)
    result = write_employers(es, settings, assessed, labor_indicators)
    yield {"report": report, "result": result}


def data_rows(path: Path) -> int:
    """The data rows of a sample file, read without Lantern's readers."""
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return len(data["jobs"] if isinstance(data, dict) else data)
    if path.suffix == ".csv":
        return len([line for line in path.read_text(encoding="utf-8").splitlines()[1:] if line])
    import openpyxl

    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return sum(1 for row in sheet.iter_rows(min_row=2, values_only=True) if any(row))


def flags_cli(test_env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [LANTERN, "guestworker", "flags", "--out", "-", *args],
        env={**os.environ, **test_env},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def by_name(employers: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [e for e in employers if name in e["aliases"] or e["employer"] == name]
    assert len(found) == 1, f"{name}: {[e['employer'] for e in found]}"
    return found[0]


def flag_ids(employer: dict[str, Any]) -> set[str]:
    return {f["flag"] for f in employer["flags"]}


def test_every_file_is_loaded_and_recorded(
    es: Any, settings: Settings, loaded: dict[str, Any], samples: dict[str, Path]
) -> None:
    files = {f.file: f for f in loaded["report"].files}
    assert {p.name for p in samples.values()} == set(files)
    # Counts in = rows loaded + rows failed, file by file (the sample files are clean).
    rows = {p.name: data_rows(p) for p in samples.values()}
    assert {n: (f.status, f.rows_loaded, f.rows_failed) for n, f in files.items()} == {
        n: ("loaded", count, 0) for n, count in rows.items()
    }
    datasets = {f.dataset for f in files.values()}
    assert datasets == {"h2a", "h2b", "whd", "debarment", "job_orders"}
    manifest = es.search(index=settings.index("gw-files"), size=50)["hits"]["hits"]
    assert {h["_source"]["file"] for h in manifest} >= set(files)
    # The same file again is recognised by its SHA-256 and not loaded twice.
    again = ingest(es, settings, [samples[next(iter(samples))]])
    assert again.files[0].status == "already loaded"


def test_planted_cases_are_flagged_with_reasons(
    loaded: dict[str, Any], test_env: dict[str, str]
) -> None:
    employers = flags_cli(test_env)
    for e in employers:
        assert set(e) >= {"employer", "aliases", "case_numbers", "risk", "flags", "sources"}
        assert all(f["reason"] for f in e["flags"])

    successor = by_name(employers, "Fakename Harvest Group LLC")
    assert "debarred_match" in flag_ids(successor)
    reason = next(f["reason"] for f in successor["flags"] if f["flag"] == "debarred_match")
    assert "likely successor of debarred" in reason and "the same phone (229) 555-0144" in reason
    assert "job_text_indicators" in flag_ids(successor)
    assert successor["risk"] >= 60

    original = by_name(employers, "Fakename Orchards LLC")
    assert {"debarred_match", "whd_h2_violations"} <= flag_ids(original)
    assert {s["dataset"] for s in original["sources"]} >= {"h2a", "whd"}

    assert "housing_shortfall" in flag_ids(by_name(employers, "Example Berry Farm Inc"))
    assert "wage_below_minimum" in flag_ids(by_name(employers, "Sample Citrus Co"))
    assert "foreign_recruiter" in flag_ids(by_name(employers, "Example Landscaping LLC"))
    assert any("shared_agent" in flag_ids(e) for e in employers)
    assert any("shared_housing" in flag_ids(e) for e in employers)
    assert any("labor_contractor" in flag_ids(e) for e in employers)
    assert any("deduction_terms" in flag_ids(e) for e in employers)

    clean = by_name(employers, "Big Valley Produce, Inc.")
    years = {s["fiscal_year"] for s in clean["sources"]}
    assert years >= {2019, 2024}  # one employer across layouts and years
    assert "Big Valley Farms" in clean["aliases"]
    assert clean["risk"] < 35 and not flag_ids(clean) & {
        "debarred_match",
        "whd_h2_violations",
        "housing_shortfall",
        "wage_below_minimum",
    }

    high = flags_cli(test_env, "--min-risk", "60")
    assert high and all(e["risk"] >= 60 for e in high)
    assert "Big Valley Produce, Inc." not in {e["employer"] for e in high}


def test_employers_index_keeps_records_matches_and_ad_links(
    es: Any, settings: Settings, loaded: dict[str, Any]
) -> None:
    hits = es.search(
        index=settings.index("gw-employers"),
        query={"term": {"aliases.raw": "Fakename Harvest Group LLC"}},
    )["hits"]["hits"]
    doc = hits[0]["_source"]
    assert doc["sources"] and doc["flag_ids"]
    assert {"lead_id": "gw-test-ad", "url": "http://127.0.0.1/jobs/job/1",
            "via": "phone:+12295550144"} in doc["ads"]  # fmt: skip
    clean = es.search(
        index=settings.index("gw-employers"),
        query={"term": {"aliases.raw": "BIG VALLEY PRODUCE INC"}},
    )["hits"]["hits"][0]["_source"]
    assert clean["matches"] and all(m["reasons"] for m in clean["matches"])
    orders = es.search(
        index=settings.index("gw-joborders"), query={"term": {"employer_id": doc["id"]}}
    )["hits"]["hits"]
    assert orders and orders[0]["_source"]["categories"]
    # Nothing changed: a second resolution rewrites no employer.
    assessed = assess_all(load_records(es, settings), labor_indicators)
    assert write_employers(es, settings, assessed, labor_indicators)["written"] == 0


def test_bombs_and_broken_files_are_refused_and_recorded(
    es: Any, settings: Settings, bad: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert_defused()
    with pytest.raises(FileError, match="zip bomb"):
        check_zip(bad["zip_bomb"])
    report = ingest(es, settings, list(bad.values()))
    files = {f.file: f for f in report.files}
    reasons = {name: files[p.name].error or "" for name, p in bad.items()}
    assert all(files[p.name].status == "refused" for p in bad.values())
    assert "zip bomb" in reasons["zip_bomb"]
    assert "unsafe XML" in reasons["xml_bomb"]
    assert "corrupted" in reasons["corrupted"] or "not a valid workbook" in reasons["corrupted"]
    assert "EMPLOYER_NAME missing" in reasons["renamed_columns"]
    assert "not a valid workbook" in reasons["not_a_workbook"]
    err = capsys.readouterr().err
    assert all(p.name in err for p in bad.values())
    for path in bad.values():
        entry = es.search(index=settings.index("gw-files"), query={"term": {"file": path.name}})[
            "hits"
        ]["hits"][0]["_source"]
        assert entry["status"] == "refused" and entry["error"]
        stored = es.count(index=settings.index("gw-records"), query={"term": {"file": path.name}})
        assert stored["count"] == 0


def test_bad_rows_are_named_and_the_rest_loaded(
    es: Any, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "whd_rows.csv"
    path.write_text(
        "case_id,legal_name,st_cd,cty_nm,h2a_violtn_cnt\n"
        "9001,Demo Packing LLC,GA,Tifton,2\n"
        "9002,Other Demo Farm Inc,GA,Tifton,many\n"
        "9003,Third Demo Farm Inc,FL,Immokalee,0\n",
        encoding="utf-8",
    )
    report = ingest(es, settings, [path]).files[0]
    assert (report.status, report.rows_loaded, report.rows_failed) == ("loaded", 2, 1)
    letters = es.search(
        index=settings.index("deadletters"),
        query={"term": {"record_id": "whd_rows.csv:3"}},
    )["hits"]["hits"]
    assert "row 3, column h2a_violtn_cnt" in letters[0]["_source"]["reason"]


def test_a_file_left_half_loaded_is_reloaded_from_scratch(
    es: Any, settings: Settings, tmp_path: Path
) -> None:
    from leads.guestworker.ingest import sha256_of

    path = tmp_path / "whd_half.csv"
    path.write_text(
        "case_id,legal_name,st_cd\n8001,Half Demo Farm LLC,GA\n8002,Half Demo Two Inc,FL\n",
        encoding="utf-8",
    )
    sha = sha256_of(path)
    es.index(
        index=settings.index("gw-files"),
        id=sha,
        document={"id": sha, "file": path.name, "sha256": sha, "status": "loading"},
        refresh=True,
    )
    es.index(
        index=settings.index("gw-records"),
        id="stale-row",
        document={"id": "stale-row", "dataset": "whd", "file": path.name, "file_sha256": sha},
        refresh=True,
    )
    report = ingest(es, settings, [path]).files[0]
    assert report.status == "loaded" and report.rows_loaded == 2
    count = es.count(index=settings.index("gw-records"), query={"term": {"file_sha256": sha}})
    assert count["count"] == 2  # the stale row is gone, nothing doubled


def test_guestworker_dag_loads_only_new_files(
    es: Any, settings: Settings, loaded: dict[str, Any], samples: dict[str, Path], tmp_path: Path
) -> None:
    from demo.guestworker_samples import write_job_orders_json

    drop = tmp_path / "drop"
    drop.mkdir()
    for path in samples.values():  # already loaded by the fixture: skipped
        (drop / path.name).write_bytes(path.read_bytes())
    write_job_orders_json(drop / "seasonaljobs_2024-12-01.json", seed=11)
    env = airflow_env(settings, tmp_path / "airflow")
    env["LANTERN_GUESTWORKER_DIR"] = str(drop)
    prepare(env)
    result = run_dag("lantern_guestworker", env)
    out = result.stdout or ""
    assert result.returncode == 0, out[-4000:]
    assert "1 new file(s)" in out
    assert "seasonaljobs_2024-12-01.json: loaded" in out
    assert "lantern guestworker summary" in out


def test_new_rows_re_resolve_only_the_employers_they_touch(
    es: Any, settings: Settings, loaded: dict[str, Any], tmp_path: Path
) -> None:
    from leads.guestworker.employers import resolve_changed

    def employer(alias: str) -> dict[str, Any]:
        es.indices.refresh(index=settings.index("gw-employers"))
        query = {"term": {"aliases.raw": alias}}
        return es.search(index=settings.index("gw-employers"), query=query)["hits"]["hits"][0][
            "_source"
        ]

    berry, big = employer("Example Berry Farm Inc"), employer("BIG VALLEY PRODUCE INC")
    total = es.count(index=settings.index("gw-records"))["count"]
    path = tmp_path / "whd_update.csv"
    path.write_text(
        "case_id,legal_name,st_cd,cty_nm,h2a_violtn_cnt,h2a_bw_atp_amt\n"
        "7001,EXAMPLE BERRY FARM INC.,FL,Plant City,6,12000\n",
        encoding="utf-8",
    )
    report = ingest(es, settings, [path])
    result = resolve_changed(es, settings, report.record_ids, labor_indicators)
    assert 0 < result["records"] < total  # a part of the records, not all of them
    assert result["written"] == 1 and result["deleted"] == 0  # only the one it joins
    after = employer("Example Berry Farm Inc")
    assert after["id"] == berry["id"] and "whd_h2_violations" in after["flag_ids"]
    assert employer("BIG VALLEY PRODUCE INC")["updated_at"] == big["updated_at"]  # untouched


def test_ingest_cli_reports_every_file_and_fails_only_when_nothing_loads(
    loaded: dict[str, Any], test_env: dict[str, str], bad: dict[str, Path], tmp_path: Path
) -> None:
    good = tmp_path / "whd_cli.csv"
    good.write_text("case_id,legal_name,st_cd\n6001,Cli Demo Farm LLC,GA\n", encoding="utf-8")
    env = {**os.environ, **test_env}
    run = [LANTERN, "guestworker", "ingest"]
    mixed = subprocess.run(
        [*run, str(bad["corrupted"]), str(good)], env=env, capture_output=True, text=True
    )
    assert mixed.returncode == 0, mixed.stderr[-2000:]
    assert "corrupted.xlsx" in mixed.stderr and '"status": "refused"' in mixed.stderr
    assert '"file": "whd_cli.csv"' in mixed.stderr and "guestworker_summary" in mixed.stderr
    only_bad = subprocess.run([*run, str(bad["xml_bomb"])], env=env, capture_output=True, text=True)
    assert only_bad.returncode == 1 and "unsafe XML" in only_bad.stderr
