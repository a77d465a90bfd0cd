"""Case files on the crawled demo board and a real Elasticsearch: pulls are frozen
snapshots, subjects need a reasonable-suspicion note, every action is in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from demo.boards.generator import PLANTED_PHONE
from lantern.jobs.scoring import score_batch
from leads.audit import events
from leads.cases import CaseError, add, get_case, items, new_case, promote, refresh
from leads.linking import link
from leads.settings import Settings
from leads.store import scan
from tests.conftest import CrawlResult, lantern

PHONE = f"phone:+1{PLANTED_PHONE}"


@pytest.fixture(scope="module")
def linked(classifieds_crawl: CrawlResult, es: Any, settings: Settings) -> None:
    raws = scan(es, settings, "raw", {"match_all": {}}, source=["provenance.batch_id"])
    for batch in {d["provenance"]["batch_id"] for d in raws}:
        score_batch(es, settings, batch)
        link(es, settings, batch)


def test_a_case_closes_and_reopens_with_a_reason(es: Any, settings: Settings) -> None:
    from leads.cases import set_status

    case = new_case(es, settings, "Closing", "Close Test Unit", "ana.test")
    with pytest.raises(CaseError, match="needs a reason"):
        set_status(es, settings, case, "closed", " ", "ana.test")
    set_status(es, settings, case, "closed", "referred to the state attorney", "ana.test")
    assert get_case(es, settings, case.id).status == "closed"
    with pytest.raises(CaseError, match="already closed"):
        set_status(es, settings, get_case(es, settings, case.id), "closed", "again", "ana.test")
    set_status(es, settings, get_case(es, settings, case.id), "open", "new ads", "ana.test")
    assert get_case(es, settings, case.id).status == "open"
    trail = [e["action"] for e in events(es, settings, {"term": {"case_id": case.id}})]
    assert trail == ["case.new", "case.close", "case.reopen"]


def test_case_numbers_run_per_agency_and_year(es: Any, settings: Settings) -> None:
    year = datetime.now(UTC).year
    a1 = new_case(es, settings, "Numbering one", "Demo County Sheriff", "ana.test")
    a2 = new_case(es, settings, "Numbering two", "Demo County Sheriff", "ana.test")
    b1 = new_case(es, settings, "Elsewhere", "Fictional State Police", "bo.test")
    assert (a1.number, a2.number) == (f"C-{year}-0001", f"C-{year}-0002")
    assert b1.number == f"C-{year}-0001" and b1.id != a1.id
    with pytest.raises(CaseError, match="several cases"):
        get_case(es, settings, a1.number)  # two agencies hold that number
    assert get_case(es, settings, a2.number).id == a2.id


def test_a_selector_pull_brings_its_network_frozen(
    linked: None, es: Any, settings: Settings
) -> None:
    case = new_case(es, settings, "Planted network", "Pull Test Unit", "ana.test")
    added = add(es, settings, case, PHONE, "ana.test", why="one phone, many names")
    leads = [i for i in added if i.kind == "lead"]
    assert len(leads) == 6  # the planted network, nothing else
    root = next(i for i in added if i.key == f"selector:{PHONE}")
    assert root.via is None and all(i.via == PHONE for i in added if i is not root)
    assert {i.role for i in added} == {"holding"}  # nothing is a subject by being pulled
    lead = leads[0]
    assert lead.snapshot["raw"]["provenance"]["warc"]["record_id"]  # evidence reference
    assert root.snapshot["profile"]["doc_count"] == 6

    # A later crawl changes the lead in the index; the case keeps what it pulled.
    es.update(
        index=settings.index("leads"), id=lead.ref, doc={"title": "changed later"}, refresh=True
    )
    kept = {i.key: i for i in items(es, settings, case)}[lead.key]
    assert kept.snapshot == lead.snapshot and kept.snapshot_sha256 == lead.snapshot_sha256
    assert add(es, settings, case, PHONE, "ana.test") == []  # held items keep their snapshot

    # The lead moved on, and so did the network drawn around the phone (it lists titles).
    moved = sorted([lead.key, f"selector:{PHONE}"])
    shown = refresh(es, settings, case, "ana.test")
    assert shown.changed == moved and shown.new == [] and shown.added == []
    applied = refresh(es, settings, case, "ana.test", apply=True)
    assert sorted(i.key.split("#")[0] for i in applied.added) == moved
    after = {i.key: i for i in items(es, settings, case)}
    assert after[lead.key].snapshot_sha256 == lead.snapshot_sha256  # the first stays
    newer = next(i for i in applied.added if i.kind == "lead")
    assert newer.snapshot["lead"]["title"] == "changed later"


def test_subjects_need_a_note_and_leads_are_never_subjects(
    linked: None, es: Any, settings: Settings
) -> None:
    case = new_case(es, settings, "Promotion rules", "Promote Test Unit", "ana.test")
    added = add(es, settings, case, PHONE, "ana.test")
    lead = next(i for i in added if i.kind == "lead")
    with pytest.raises(CaseError, match="never a subject"):
        promote(es, settings, case, lead.key, "a long enough note about this lead", "ana.test")
    with pytest.raises(CaseError, match="reasonable-suspicion note"):
        promote(es, settings, case, PHONE, "", "ana.test")
    note = "The same phone advertises six women in five states within ten days."
    subject = promote(es, settings, case, PHONE, note, "ana.test")
    assert subject.role == "subject" and subject.promotion is not None
    assert (subject.promotion.by, subject.promotion.note) == ("ana.test", note)
    stored = {i.key: i for i in items(es, settings, case)}
    assert stored[f"selector:{PHONE}"].role == "subject"
    assert stored[lead.key].role == "holding"


def test_the_case_verbs_and_their_chain_of_custody(linked: None, es: Any) -> None:
    env = {"LANTERN_USER": "cli.investigator"}
    made = lantern("case", "new", "--title", "CLI case", "--agency", "CLI Test Unit", env=env)
    assert made.returncode == 0, made.stderr.decode()
    case_id = made.stdout.decode().strip()
    # Several agencies in this index hold that number: the full id names the case.
    ambiguous = lantern("case", "show", case_id.split(":", 1)[1], env=env)
    assert ambiguous.returncode == 2 and b"give the full id" in ambiguous.stderr
    number = case_id
    assert lantern("case", "add", number, PHONE, "--why", "planted", env=env).returncode == 0
    refused = lantern("case", "promote", number, PHONE, env=env)
    assert refused.returncode == 2 and b"reasonable-suspicion note" in refused.stderr
    note = "Six ads for six different women share this one phone."
    assert lantern("case", "promote", number, PHONE, "--note", note, env=env).returncode == 0
    shown = lantern("case", "show", number, env=env).stdout.decode()
    assert "subjects (1):" in shown and note in shown and "holding bin (" in shown
    assert case_id in lantern("case", "list", env=env).stdout.decode()
    from leads.settings import get_settings

    trail = events(es, get_settings(), {"term": {"case_id": case_id}})
    assert [(e["action"], e["outcome"]) for e in trail] == [
        ("case.new", "ok"),
        ("case.add", "ok"),
        ("case.promote", "refused"),
        ("case.promote", "ok"),
        ("case.show", "ok"),
    ]
    assert {e["user"] for e in trail} == {"cli.investigator"}
    assert trail[3]["reason"] == note
    assert lantern("audit", "verify", env=env).returncode == 0


def test_money_and_worksheet_of_a_case(
    linked: None, es: Any, settings: Settings, tmp_path: Any
) -> None:
    import openpyxl

    case = new_case(es, settings, "Money", "Money Test Unit", "ana.test")
    add(es, settings, case, PHONE, "ana.test")
    money = lantern("case", "money", case.id).stdout.decode()
    assert "revenue estimate: $" in money and "method: ads per day × stated prices" in money
    out = tmp_path / "worksheet.xlsx"
    made = lantern("case", "worksheet", case.id, "--format", "xlsx", "--out", str(out))
    assert made.returncode == 0, made.stderr.decode()
    book = openpyxl.load_workbook(out)
    rows = [[c.value for c in r] for r in book["worksheet"].iter_rows(min_row=2)]
    assert any(r[0] == PHONE and "porting" in (r[4] or "") for r in rows)
    assert not [c for r in book["items"].iter_rows() for c in r if c.data_type == "f"]
    drafts = lantern("case", "worksheet", case.id, "--preservation").stdout.decode()
    assert "18 U.S.C. § 2703(f)" in drafts and PLANTED_PHONE[-4:] in drafts


def test_an_employer_pull_brings_its_dol_records(
    es: Any, settings: Settings, tmp_path: Any
) -> None:
    from demo.guestworker_samples import write_sample_set
    from lantern.jobs.guestworker import ingest_files

    files = sorted(write_sample_set(tmp_path / "dol").values())
    ingest_files(es, settings, files)
    debarred = next(
        e for e in scan(es, settings, "gw-employers", {"match_all": {}})
        if e["tier"] == "high" and len(e.get("sources") or []) >= 2
    )  # fmt: skip
    case = new_case(es, settings, "Employer", "Employer Test Unit", "ana.test")
    added = add(es, settings, case, f"employer:{debarred['id']}", "ana.test")
    employer = next(i for i in added if i.kind == "employer")
    records = employer.snapshot["records"]
    assert len(records) == len(debarred["sources"])
    assert {r["id"] for r in records} == {s["record"] for s in debarred["sources"]}
