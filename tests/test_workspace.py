"""The workspace through real Chromium (Playwright with Debian's chromium) against
`lantern serve` on the real Elasticsearch, over the crawled demo board: sign-in and
roles, triage and feedback, a case from a network to a verified package, the audit
trail, CSRF, and a hostile ad that stays text. Screenshots of each main page are saved
under the module's data folder (and LANTERN_TEST_SCREENSHOTS, if set)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from demo.boards.generator import PLANTED_PHONE
from lantern.jobs.scoring import score_batch
from lantern.web.app import marked
from leads.audit import events
from leads.feedback import Cell, calibrate
from leads.linking import link
from leads.settings import Settings
from leads.stats import wilson
from leads.store import bulk_index, scan
from leads.users import abilities, add_user, sign_in
from tests.conftest import LANTERN, CrawlResult

PASSWORD = "correct horse battery staple"
HOSTILE = (
    "Sweet new girl <script>document.title='pwned'</script> "
    "<img src=x onerror=\"document.title='pwned'\"> "
    "<a href=\"javascript:document.title='pwned'\">click</a> text 702-555-0142 no rush"
)


def test_wilson_interval_and_calibration_proposals() -> None:
    lo, hi = wilson(8, 10)
    assert round(lo, 3) == 0.490 and round(hi, 3) == 0.943  # the textbook 8 of 10
    assert wilson(0, 0) == (0.0, 1.0)
    judged = []
    for i in range(12):  # the high tier holds up, except where one rule fired
        judged.append(
            {
                "lead_id": f"h{i}",
                "by": "a",
                "at": f"2026-12-01T00:00:{i:02d}",
                "verdict": "confirmed",
                "tier": "high",
                "score": 80,
                "rules": ["youth.en.codes"],
            }
        )
    for i in range(8):
        judged.append(
            {
                "lead_id": f"w{i}",
                "by": "a",
                "at": f"2026-12-01T00:01:{i:02d}",
                "verdict": "rejected",
                "tier": "high",
                "score": 70,
                "rules": ["trust.en.no_rush_safe"],
            }
        )
    report = calibrate(judged)
    assert report.judgements == 20
    assert report.by_rule["trust.en.no_rush_safe"].precision == 0.0
    assert [p.split(":")[0] for p in report.contradicted] == ["trust.en.no_rush_safe"]
    # A second opinion by the same reviewer replaces the first; another reviewer's adds.
    again = {**judged[0], "at": "2026-12-02T00:00:00", "verdict": "rejected"}
    other = {**judged[0], "by": "b"}
    cell = calibrate([*judged, again, other]).by_rule["youth.en.codes"]
    assert (cell.confirmed, cell.rejected) == (12, 1)
    assert isinstance(cell, Cell)


def test_marked_text_escapes_every_piece() -> None:
    html = str(marked("<b>x</b> no rush <i>", [(9, 16, "trust <q>")]))
    assert html == ('&lt;b&gt;x&lt;/b&gt; <mark title="trust &lt;q&gt;">no rush</mark> &lt;i&gt;')


def test_every_ability_is_one_the_roles_file_knows() -> None:
    import re

    used = set()
    for path in (Path(__file__).parent.parent / "lantern" / "web").glob("*.py"):
        used |= set(re.findall(r'"([a-z]+\.[a-z]+)"\)', path.read_text()))
    used = {
        u
        for u in used
        if u.split(".")[0]
        in {"leads", "cases", "calibration", "employers", "conflicts", "holds", "users", "audit"}
    }
    assert used and used <= set(abilities().may), used - set(abilities().may)


# The server and the browser


@dataclass
class Workspace:
    url: str
    settings: Settings
    es: Any
    shots: list[Path]
    hostile_id: str


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hostile_lead(es: Any, settings: Settings) -> str:
    """A copy of a crawled page whose text carries a script, an onerror attribute and a
    javascript: link, scored like any other."""
    raw = next(iter(scan(es, settings, "raw", {"match_all": {}})))
    raw = {**raw, "id": "hostile" + raw["id"][7:], "text": HOSTILE, "title": "Hostile <b>ad</b>"}
    raw["provenance"] = {
        **raw["provenance"],
        "batch_id": "hostile-batch",
        "url": raw["provenance"]["url"] + "?hostile",
    }
    report = bulk_index(es, settings, "raw", [(raw["id"], raw)], stage="test", refresh=True)
    assert report.indexed == 1, report.failed
    score_batch(es, settings, "hostile-batch")
    return str(raw["id"])


@pytest.fixture(scope="module")
def workspace(
    classifieds_crawl: CrawlResult, es: Any, settings: Settings, test_env: dict[str, str]
) -> Iterator[Workspace]:
    raws = scan(es, settings, "raw", {"match_all": {}}, source=["provenance.batch_id"])
    for batch in {d["provenance"]["batch_id"] for d in raws}:
        score_batch(es, settings, batch)
        link(es, settings, batch)
    hostile = _hostile_lead(es, settings)
    for role in ("analyst", "investigator", "supervisor", "auditor"):
        add_user(es, settings, f"{role}.test", role, PASSWORD, "test.setup")
    port = _free_port()
    log = settings.data_dir / "workspace.log"
    process = subprocess.Popen(
        [LANTERN, "serve", "--port", str(port)],
        env=os.environ.copy(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
        assert process.poll() is None, log.read_text()[-3000:]
    shots: list[Path] = []
    yield Workspace(url, settings, es, shots, hostile)
    process.terminate()
    process.wait(timeout=30)
    keep = os.environ.get("LANTERN_TEST_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, Path(keep) / shot.name)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(Settings().chromium_path))
        yield chromium
        chromium.close()


def _signed_in(browser: Browser, ws: Workspace, role: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{ws.url}/login")
    page.fill("input[name=username]", f"{role}.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]
    return page


def _shot(page: Page, ws: Workspace, name: str) -> None:
    path = ws.settings.data_dir / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    ws.shots.append(path)


def test_an_analyst_searches_opens_a_lead_and_confirms_it(
    browser: Browser, workspace: Workspace
) -> None:
    page = _signed_in(browser, workspace, "analyst")
    page.goto(f"{workspace.url}/leads?q=rush&tier=high")
    _shot(page, workspace, "leads")
    assert "found" in page.inner_text("h1")
    page.click("table a >> nth=0")
    lead_id = page.url.rsplit("/", 1)[1]
    assert page.locator("#ad-text mark").count() >= 1  # the evidence is marked
    _shot(page, workspace, "lead")
    form = page.locator("form.judge-confirmed")
    form.locator("input[value=trafficking_indicators_hold]").check()
    form.locator("input[name=note]").fill("reads as the taxonomy means it")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "trafficking_indicators_hold" in page.inner_text("body")
    found = list(
        scan(workspace.es, workspace.settings, "judgements", {"term": {"lead_id": lead_id}})
    )
    assert [(j["verdict"], j["by"]) for j in found] == [("confirmed", "analyst.test")]
    assert found[0]["rules"] and found[0]["score_version"]
    page.goto(f"{workspace.url}/leads?state=Las+Vegas%2C+NV")  # a place filter finds some
    placed = int(page.inner_text("h1 .muted").split()[0])
    page.goto(f"{workspace.url}/leads?state=Nowhere%2C+ZZ")
    assert placed > 0 and page.inner_text("h1 .muted").startswith("0 ")
    page.goto(f"{workspace.url}/review")
    assert "random:" not in page.content()  # how a lead was drawn is not shown
    _shot(page, workspace, "review")
    page.goto(f"{workspace.url}/calibration")
    _shot(page, workspace, "calibration")
    assert page.locator("img[alt='reliability plot']").evaluate("i => i.naturalWidth") > 0


def test_an_analyst_is_refused_the_cases_page_and_that_is_on_record(
    browser: Browser, workspace: Workspace
) -> None:
    page = _signed_in(browser, workspace, "analyst")
    response = page.goto(f"{workspace.url}/cases")
    assert response is not None and response.status == 403
    assert "Not for your role" in page.inner_text("h1")
    refused = events(workspace.es, workspace.settings, {"term": {"action": "web.refused"}})
    assert any(e["user"] == "analyst.test" and e["target"] == "/cases" for e in refused)


def test_an_investigator_takes_a_network_to_a_verified_package(
    browser: Browser, workspace: Workspace
) -> None:
    page = _signed_in(browser, workspace, "investigator")
    phone = f"phone:+1{PLANTED_PHONE}"
    page.goto(f"{workspace.url}/selectors/{phone}")
    _shot(page, workspace, "network")
    page.fill("form[action='/cases'] input[name=title]", "Planted network (browser test)")
    page.fill("form[action='/cases'] input[name=agency]", "Browser Test Unit")
    page.click("form[action='/cases'] button")
    page.wait_for_load_state()
    assert "/cases/browser-test-unit:C-" in page.url
    row = page.locator("tr", has_text=f"selector:{phone}").first
    row.locator("input[name=note]").fill("One phone advertises six names in five states.")
    row.locator("button").click()
    page.wait_for_load_state()
    assert f"selector:{phone}" in page.locator("table").first.inner_text()  # a subject now
    page.click("button:has-text('Export the package')")
    page.wait_for_load_state()
    page.click("button:has-text('Verify it')")
    page.wait_for_load_state()
    assert page.inner_text("#verified b") == "Package intact"
    assert "Last export" in page.inner_text("body")
    page.fill(
        "form[action$='/note'] input[name=text]", "Called the board's abuse desk (fictional)."
    )
    page.click("form[action$='/note'] button")
    page.wait_for_load_state()
    assert "Called the board's abuse desk" in page.inner_text("body")
    _shot(page, workspace, "case")
    page.goto(f"{workspace.url}/cases")
    _shot(page, workspace, "cases")


def test_an_auditor_sees_the_events_and_nothing_else(
    browser: Browser, workspace: Workspace
) -> None:
    page = _signed_in(browser, workspace, "auditor")
    assert page.url.endswith("/audit")
    body = page.inner_text("table")
    for action in ("lead.judge", "web.view", "user.sign-in"):
        assert action in body, action
    page.goto(f"{workspace.url}/audit?action=case.promote")
    _shot(page, workspace, "audit")
    assert "investigator.test" in page.inner_text("table")
    assert page.goto(f"{workspace.url}/leads").status == 403  # type: ignore[union-attr]


def test_a_form_without_its_csrf_token_is_refused(browser: Browser, workspace: Workspace) -> None:
    page = _signed_in(browser, workspace, "analyst")
    answer = page.request.post(
        f"{workspace.url}/leads/{workspace.hostile_id}/judge",
        form={"verdict": "rejected", "reason": "benign_lookalike"},
    )
    assert answer.status == 403
    forged = page.request.post(
        f"{workspace.url}/leads/{workspace.hostile_id}/judge",
        form={"verdict": "rejected", "reason": "benign_lookalike", "csrf": "guessed"},
    )
    assert forged.status == 403
    assert not list(
        scan(
            workspace.es,
            workspace.settings,
            "judgements",
            {"term": {"lead_id": workspace.hostile_id}},
        )
    )


def test_a_hostile_ad_stays_text(browser: Browser, workspace: Workspace) -> None:
    page = _signed_in(browser, workspace, "analyst")
    dialogs: list[str] = []

    def dialog(d: Any) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(f"{workspace.url}/leads/{workspace.hostile_id}")
    text = page.locator("#ad-text")
    assert "<script>document.title='pwned'</script>" in text.inner_text()
    assert text.locator("script, img, a").count() == 0
    page.locator("#ad-text").click()
    assert page.title() != "pwned" and not dialogs
    assert "Hostile <b>ad</b>" in page.inner_text("h1")
    shot = page.request.get(f"{workspace.url}/leads/{workspace.hostile_id}/screenshot")
    assert shot.status == 404  # none in the evidence store, and nothing outside it
    _shot(page, workspace, "hostile-ad")


def test_wrong_passwords_lock_the_account(workspace: Workspace) -> None:
    settings = workspace.settings
    add_user(workspace.es, settings, "locked.test", "analyst", PASSWORD, "test.setup")
    for _ in range(settings.login_max_failures):
        assert sign_in(workspace.es, settings, "locked.test", "wrong").user is None
    refused = sign_in(workspace.es, settings, "locked.test", PASSWORD)
    assert refused.user is None and refused.refusal and "locked" in refused.refusal
    locked = events(workspace.es, settings, {"term": {"target": "locked.test"}})
    assert locked[-1]["reason"] == "the account is locked"
    with httpx.Client(base_url=workspace.url, timeout=30) as client:

        def attempt(name: str) -> httpx.Response:
            form = client.get("/login").text
            token = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            return client.post(
                "/login", data={"username": name, "password": PASSWORD, "csrf": token}
            )

        answer = attempt("locked.test")
        assert answer.status_code == 401 and "locked" in answer.text
        unknown = attempt("nobody.test")  # the same words: nobody learns which names exist
        assert unknown.status_code == 401
        said = unknown.text.split('class="error">', 1)[1].split("<", 1)[0]
        assert said and said in answer.text
    # A sign-in posted without the form's token (from another site) is refused.
    forged = httpx.post(
        f"{workspace.url}/login",
        timeout=30,
        data={"username": "analyst.test", "password": PASSWORD},
    )
    assert forged.status_code == 403
    trail = events(workspace.es, settings, {"term": {"action": "user.lockout"}})
    assert [e["target"] for e in trail] == ["locked.test"]


def test_a_supervisor_approves_the_promotion_and_places_a_hold(
    browser: Browser, workspace: Workspace
) -> None:
    from leads.cases import items, list_cases

    (case,) = [
        c for c in list_cases(workspace.es, workspace.settings) if c.agency == "Browser Test Unit"
    ]
    page = _signed_in(browser, workspace, "supervisor")
    page.goto(f"{workspace.url}/cases/{case.id}")
    page.click("form[action$='/approve'] button")
    page.wait_for_load_state()
    assert "approved by supervisor.test" in page.inner_text("table")
    (subject,) = [i for i in items(workspace.es, workspace.settings, case) if i.role == "subject"]
    assert subject.promotion is not None and subject.promotion.approved_by == "supervisor.test"
    page.goto(f"{workspace.url}/holds")
    page.fill("form[action='/holds'] input[name=value]", case.id)
    page.fill(
        "form[action='/holds'] input[name=authority]", "Preservation order 26-0042 (fictional)"
    )
    page.fill("form[action='/holds'] input[name=reason]", "pending prosecution")
    page.click("form[action='/holds'] button")
    page.wait_for_load_state()
    assert "Preservation order 26-0042" in page.inner_text("table")
    _shot(page, workspace, "holds")
    page.goto(f"{workspace.url}/users")
    _shot(page, workspace, "users")
    assert "analyst.test" in page.inner_text("table")
    row = page.locator("tr", has_text="auditor.test")
    row.locator("input[name=password]").fill("a new password for the auditor")
    row.locator("form[action$='/password'] button").click()
    page.wait_for_load_state()
    assert sign_in(
        workspace.es, workspace.settings, "auditor.test", "a new password for the auditor"
    ).user
    # (a fresh password for the next tests too)
    from leads.users import set_password

    set_password(workspace.es, workspace.settings, "auditor.test", PASSWORD, "test.setup")
    # The investigator may not approve; the analyst may not see users.
    investigator = _signed_in(browser, workspace, "investigator")
    investigator.goto(f"{workspace.url}/cases/{case.id}")
    token = investigator.locator("input[name=csrf]").first.get_attribute("value") or ""
    answer = investigator.request.post(
        f"{workspace.url}/cases/{case.id}/approve", form={"key": subject.key, "csrf": token}
    )
    assert answer.status == 403  # the role, not the token: the token is the real one
    refused = events(workspace.es, workspace.settings, {"term": {"action": "web.refused"}})
    assert any(
        e["user"] == "investigator.test" and e["target"].endswith("/approve") for e in refused
    )


def test_the_review_queue_draws_from_every_tier(workspace: Workspace) -> None:
    from leads.feedback import review_queue

    queue = review_queue(workspace.es, workspace.settings, 50, seed=3)
    ways = {via for _, via in queue}
    assert "top" in ways
    drawn = {via.split(":")[1] for via in ways if via.startswith("random:")}
    tiers = {lead["tier"] for lead, _ in queue}
    assert drawn and drawn <= tiers and len(drawn) >= 2, ways
    assert len({lead["id"] for lead, _ in queue}) == len(queue)  # none twice


def test_calibration_on_the_command_line(workspace: Workspace, tmp_path: Path) -> None:
    from tests.conftest import lantern

    png = tmp_path / "reliability.png"
    result = lantern("calibration", "--png", str(png))
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "judgements (the latest per lead and reviewer)" in out and "by rule:" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(workspace: Workspace) -> None:
    import threading

    settings = workspace.settings
    add_user(workspace.es, settings, "racing.test", "analyst", PASSWORD, "test.setup")
    threads = [
        threading.Thread(target=sign_in, args=(workspace.es, settings, "racing.test", f"guess {i}"))
        for i in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tried = [
        e
        for e in events(workspace.es, settings, {"term": {"target": "racing.test"}})
        if e["action"] == "user.sign-in" and e["reason"] == "wrong password"
    ]
    assert 1 <= len(tried) <= settings.login_max_failures
    assert sign_in(workspace.es, settings, "racing.test", PASSWORD).user is None  # locked


def test_an_investigator_reads_a_tip_and_why_it_links_to_the_network(
    browser: Browser, workspace: Workspace, tmp_path: Path
) -> None:
    from lantern.jobs.linking import link_batch
    from tests.conftest import lantern, write_jsonl

    link_batch(workspace.es, workspace.settings, None)  # networks on the leads
    phone = f"({PLANTED_PHONE[:3]}) {PLANTED_PHONE[3:6]}-{PLANTED_PHONE[6:]}"
    tips = write_jsonl(tmp_path / "tips.jsonl", [
        {"received_at": "2026-11-20T10:00:00Z", "channel": "hotline", "region": "NV",
         "text": f"<script>alert(1)</script> The ads use {phone}; a man answers."},
    ])  # fmt: skip
    run = lantern("tips", "ingest", str(tips))
    assert run.returncode == 0, run.stderr.decode()
    analyst = _signed_in(browser, workspace, "analyst")
    response = analyst.goto(f"{workspace.url}/tips")
    assert response is not None and response.status == 403
    analyst.goto(f"{workspace.url}/leads")
    assert "Tips" not in analyst.inner_text("header")
    page = _signed_in(browser, workspace, "investigator")
    page.goto(f"{workspace.url}/tips")
    page.click("table a >> nth=0")
    body = page.inner_text("body")
    assert "<script>alert(1)</script>" in body  # shown as text, never run
    reasons = page.locator("td.reason").all_inner_texts()
    assert any(r.startswith("the tip shares phone:+1" + PLANTED_PHONE) for r in reasons), reasons
    assert any(f"share phone:+1{PLANTED_PHONE}" in r for r in reasons), reasons
    _shot(page, workspace, "tip")
    viewed = events(workspace.es, workspace.settings, {"term": {"user": "investigator.test"}})
    assert any((e.get("target") or "").startswith("/tips/") for e in viewed)
