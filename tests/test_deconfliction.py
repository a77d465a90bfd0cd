"""Deconfliction through a real hub process on loopback, between two agencies (two index
prefixes, two API keys) on the real Elasticsearch: conflicts reach both sides with the
right contacts, and the hub's storage and logs never hold a selector."""

from __future__ import annotations

import http.server
import json
import os
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from lantern.hub.client import HubClient, HubUnavailable
from lantern.hub.store import HUB_KINDS, add_agency
from lantern.jobs.deconfliction import (
    deconflict_case,
    open_conflicts,
    register_operation,
    withdraw_case,
)
from leads.audit import events
from leads.cases import CaseError, add, new_case, promote
from leads.deconfliction import SelectorError, areas_meet, blinded_input, canonical
from leads.oprf import HubKey, b64, blind, finalize
from leads.settings import Settings
from leads.store import connect, drop_indices, ensure_indices
from tests.conftest import LANTERN, lantern

LIMIT = 60  # evaluations per agency per hour at the test hub
SHARED = "+12135550147"  # held by both agencies (a 555-01xx test number)
ONLY_B = "+12135550188"
EMAIL = "Rosa.Fictional@Example.test"


def test_the_oprf_is_rfc_9497_voprf_ristretto255() -> None:
    """Appendix A.1.2 of RFC 9497 (VOPRF, ristretto255-SHA512), test vector 1: the key
    derived from the seed, and the output for input 0x00 both through Evaluate and
    through blind, evaluate with proof, finalize."""
    key = HubKey(bytes([0xA3]) * 32, b"test key")
    assert key.public_key.hex() == (
        "c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e"
    )
    output = (
        "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d"
        "a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c"
    )
    assert key.pseudonym_of(b"\x00") == output
    blinded = blind([b"\x00"])
    assert finalize(blinded, key.evaluate(blinded.elements), key.public_key) == [output]
    other = HubKey(bytes([0xA4]) * 32)
    with pytest.raises(ValueError, match="does not verify"):
        finalize(blinded, other.evaluate(blinded.elements), key.public_key)


def test_selectors_take_one_form_before_blinding() -> None:
    forms = {"phone:(213) 555-0147", "phone:+1 213 555 0147", "phone:213.555.0147"}
    assert {canonical(f) for f in forms} == {f"phone:{SHARED}"}
    assert canonical(f"email:{EMAIL}") == "email:rosa.fictional@example.test"
    assert canonical("social_handle:Instagram:@Rosa_F") == "social_handle:instagram:rosa_f"
    assert canonical("payment_handle:cashapp:$RosaF") == "payment_handle:cashapp:$rosaf"
    assert canonical("fein:12-3456789") == canonical("fein:123456789") == "fein:123456789"
    assert canonical("employer:Big Valley Produce, Inc.") == "employer:BIG VALLEY PRODUCE"
    with pytest.raises(SelectorError, match="not deconflicted"):
        canonical("image:phash:ff00ff00ff00ff00")
    with pytest.raises(SelectorError, match="not a possible phone"):
        canonical("phone:12")


def test_operation_areas_meet_when_they_overlap_or_touch() -> None:
    assert areas_meet("9q5ct", "9q5ct") and areas_meet("9q5", "9q5ct")
    assert areas_meet("9q5ct", "9q5cv")  # neighbours
    assert not areas_meet("9q5ct", "9q5c2")  # 20 km west, not touching
    assert not areas_meet("9q5ct", "dr5ru")  # Los Angeles and New York


# The hub and two agencies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Hub:
    url: str
    env: dict[str, str]
    log: Path
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    verify: ssl.SSLContext | bool = True  # how the start-up probe reaches a TLS hub

    def start(self) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [LANTERN, "hub", "serve"],
            env={**os.environ, **self.env},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                probe = httpx.get(f"{self.url}/healthz", timeout=2, verify=self.verify)
                if probe.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            time.sleep(0.3)
        raise AssertionError("the hub did not start: " + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


class Webhook(http.server.BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Webhook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class World:
    hub: Hub
    hub_settings: Settings
    a: Settings
    b: Settings
    keys: dict[str, str]
    es: Any


@pytest.fixture(scope="module")
def world(test_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("hub")
    prefix = test_env["LANTERN_INDEX_PREFIX"]
    port = _free_port()
    webhook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=webhook.serve_forever, daemon=True).start()
    env = {
        "LANTERN_HUB_INDEX_PREFIX": f"{prefix}-hub",
        "LANTERN_HUB_DIR": str(folder / "hub"),
        "LANTERN_HUB_PORT": str(port),
        "LANTERN_HUB_EVALUATIONS_PER_HOUR": str(LIMIT),
        "LANTERN_USER": "hub.operator",
    }
    keys = {}
    # The first agency through the command line as an operator registers one, the
    # others directly (the same function, without a process start each).
    args = [
        "hub",
        "agency",
        "add",
        "Demo County Sheriff",
        "--contact",
        "Det. Ana Example, 555-0100",
    ]
    result = lantern(*args, env=env)
    assert result.returncode == 0, result.stderr.decode()
    line = next(x for x in result.stdout.decode().splitlines() if x.startswith("api key: "))
    keys["Demo County Sheriff"] = line.removeprefix("api key: ")
    hub_settings = Settings(hub_index_prefix=f"{prefix}-hub", hub_dir=folder / "hub").hub_side()
    hook = f"http://127.0.0.1:{webhook.server_address[1]}/conflict"
    for name, contact, url in (
        ("Second County SO", "Sgt. Bo Fictional, 555-0142", hook),
        ("Third Test PD", "Lt. Cy Madeup, 555-0155", None),
        ("Fourth Test Unit", "Sgt. Dee Imaginary, 555-0156", None),
    ):
        _, keys[name] = add_agency(connect(hub_settings), hub_settings, name, contact, "op", url)
    hub = Hub(f"http://127.0.0.1:{port}", env, folder / "hub.log", folder / "hub")
    hub.start()
    a = Settings(
        index_prefix=prefix,
        data_dir=folder / "a",
        user="ana.example",
        hub_api_key=keys["Demo County Sheriff"],
        hub_url=hub.url,
    )
    b = Settings(
        index_prefix=f"{prefix}-b",
        data_dir=folder / "b",
        user="bo.fictional",
        hub_api_key=keys["Second County SO"],
        hub_url=hub.url,
    )
    es = connect(a)
    for agency in (a, b):
        ensure_indices(es, agency)
    try:
        yield World(hub, hub_settings, a, b, keys, es)
    finally:
        hub.stop()
        webhook.shutdown()
        # Every prefix this module made: left behind, each run's 19 indices add up to the
        # node's shard limit (1,000) on a developer's machine.
        for agency in (a, b):
            drop_indices(es, agency)
        drop_indices(es, hub_settings, HUB_KINDS)


def _case(
    world: World, agency: Settings, name: str, phones: list[str], subject: bool = True
) -> Any:
    case = new_case(world.es, agency, f"Deconfliction {name}", name, agency.user or "x")
    for phone in phones:
        add(
            world.es,
            agency,
            case,
            f"phone:{phone}",
            agency.user or "x",
            why="entered from a fictional tip-line report",
            entered=True,
        )
        if subject:
            key = f"selector:{canonical('phone:' + phone)}"
            promote(
                world.es,
                agency,
                case,
                key,
                "The number that arranged the meetings in the report.",
                agency.user or "x",
            )
    return case


def _run(world: World, agency: Settings, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        "LANTERN_INDEX_PREFIX": agency.index_prefix,
        "LANTERN_DATA_DIR": str(agency.data_dir),
        "LANTERN_HUB_URL": agency.hub_url or "",
        "LANTERN_HUB_API_KEY": agency.hub_api_key or "",
        "LANTERN_USER": agency.user or "",
    }
    return lantern(*args, env=env)


@dataclass
class Shared:
    case_a: Any
    case_b: Any
    first: subprocess.CompletedProcess[bytes]
    second: subprocess.CompletedProcess[bytes]


@pytest.fixture(scope="module")
def shared(world: World) -> Shared:
    """A holds a phone and an email; B later holds the same phone (written another way)
    and a phone of its own. Both deconflict their cases through the command line."""
    case_a = _case(world, world.a, "Demo County Sheriff", [SHARED])
    add(
        world.es,
        world.a,
        case_a,
        f"email:{EMAIL}",
        "ana.example",
        why="entered from a fictional tip-line report",
        entered=True,
    )
    first = _run(world, world.a, "case", "deconflict", case_a.number, "--all")
    case_b = _case(world, world.b, "Second County SO", ["(213) 555-0147", ONLY_B])
    second = _run(world, world.b, "case", "deconflict", case_b.number)
    return Shared(case_a, case_b, first, second)


def test_a_selector_both_hold_is_reported_to_both_with_the_right_contacts(
    world: World, shared: Shared
) -> None:
    case_a, case_b, first, second = shared.case_a, shared.case_b, shared.first, shared.second
    assert first.returncode == 0, first.stderr.decode()
    assert "2 selectors submitted" in first.stdout.decode()
    assert "0 conflicts" in first.stdout.decode()
    out = second.stdout.decode()
    assert second.returncode == 0, second.stderr.decode()
    assert "2 selectors submitted" in out and "1 conflict\n" in out
    conflict = next(line for line in out.splitlines() if line.startswith("CONFLICT"))
    assert f"phone:{SHARED}" in conflict and ONLY_B not in out
    assert "Demo County Sheriff" in conflict and "Det. Ana Example, 555-0100" in conflict
    assert case_a.id in conflict

    seen_by_a = _run(world, world.a, "deconflict", "conflicts", "--json")
    assert seen_by_a.returncode == 0, seen_by_a.stderr.decode()
    (view,) = [json.loads(x) for x in seen_by_a.stdout.decode().splitlines()]
    assert view["selector"] == f"phone:{SHARED}"  # told back in A's own terms, by A
    assert view["other"]["agency"] == "Second County SO"
    assert view["other"]["agency_contact"] == "Sgt. Bo Fictional, 555-0142"
    assert view["other"]["case_id"] == case_b.id
    assert view["other"]["deconfliction_number"].startswith("D-")
    assert view["yours"]["case_id"] == case_a.id

    # The submission and its answer are on B's chain of custody.
    trail = events(world.es, world.b, {"term": {"case_id": case_b.id}})
    (done,) = [e for e in trail if e["action"] == "case.deconflict"]
    assert done["details"]["selectors"] == 2
    assert done["details"]["conflicts"][0]["other_agency"] == "Demo County Sheriff"
    # The webhook of B (registered with one) was told, with the conflict id only.
    deadline = time.monotonic() + 10
    while not Webhook.received and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Webhook.received == [{"event": "conflict", "conflict_id": view["id"]}]

    # A retried submission does not duplicate pointers or conflicts.
    again = _run(world, world.b, "case", "deconflict", case_b.number)
    assert again.returncode == 0 and "1 conflict\n" in again.stdout.decode()
    hub = world.hub_settings
    world.es.indices.refresh(index=f"{hub.index_prefix}-*")
    held = world.es.count(index=hub.index("pointers"), query={"term": {"case_id": case_b.id}})
    assert held["count"] == 2
    pairs = world.es.count(
        index=hub.index("conflicts"), query={"term": {"agencies": "second-county-so"}}
    )
    assert pairs["count"] == 1


def test_the_hub_holds_no_selector_in_any_form(world: World, shared: Shared) -> None:
    """Everything the hub wrote — every document under its prefix, its log, its folder —
    searched for the shared phone and the email in every way they could be written."""
    if not any(True for _ in world.hub.log.open()):
        pytest.fail("the hub wrote no log")
    hub = world.hub_settings
    world.es.indices.refresh(index=f"{hub.index_prefix}-*")
    docs = world.es.search(index=f"{hub.index_prefix}-*", size=10_000, query={"match_all": {}})
    stored = json.dumps([d["_source"] for d in docs["hits"]["hits"]])
    files = b"".join(p.read_bytes() for p in world.hub.folder.rglob("*") if p.is_file())
    everything = (stored + world.hub.log.read_text()).lower().encode() + files.lower()
    assert b"d-20" in everything and b'"pseudonym": "' in everything  # we read the right data
    forms = [
        SHARED,
        SHARED[1:],
        SHARED[2:],
        "213-555-0147",
        "(213) 555-0147",
        "213.555.0147",
        "555-0147",
        EMAIL,
        EMAIL.lower(),
        "rosa.fictional",
        ONLY_B[2:],
        "lantern-deconfliction-v1",
    ]
    for form in forms:
        assert form.lower().encode() not in everything, form


def test_a_wrong_or_missing_key_is_refused(world: World) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer lh1_demo-county-sheriff_wrong"},
        {"Authorization": "Bearer nonsense"},
    ):
        response = httpx.get(f"{world.hub.url}/v1/conflicts", headers=headers, timeout=10)
        assert response.status_code == 401
    result = _run(
        world, world.a.model_copy(update={"hub_api_key": "lh1_x_y"}), "deconflict", "conflicts"
    )
    assert result.returncode == 1
    assert result.stderr.decode().strip().splitlines() == [
        f"error: hub at {world.hub.url} refused /v1/conflicts (401): missing or wrong API key"
    ]
    hub = world.hub_settings

    def counted() -> int:
        world.es.indices.refresh(index=hub.index("counters"))
        found = world.es.search(
            index=hub.index("counters"), size=100, query={"prefix": {"id": "auth|"}}
        )["hits"]["hits"]
        return sum(int(d["_source"]["n"]) for d in found)

    refused = events(world.es, hub, {"term": {"action": "hub.auth"}})
    assert refused and {e["outcome"] for e in refused} == {"refused"}
    assert counted() >= 4
    # A flood of bad keys is counted, not written one event each into the hash chain.
    for i in range(20):
        bad = {"Authorization": f"Bearer lh1_claimed-{i}_x"}
        httpx.get(f"{world.hub.url}/v1/conflicts", headers=bad, timeout=10)
    after = events(world.es, hub, {"term": {"action": "hub.auth"}})
    assert len(after) - len(refused) <= 1 and counted() >= 24


def test_the_rate_limit_refuses_the_next_evaluation(world: World) -> None:
    third = world.a.model_copy(update={"hub_api_key": world.keys["Third Test PD"]})
    headers = {"Authorization": f"Bearer {third.hub_api_key}"}
    inputs = [blinded_input(f"phone:+1213555{i:04d}") for i in range(LIMIT)]
    elements = [b64(e) for e in blind(inputs).elements]
    ok = httpx.post(
        f"{world.hub.url}/v1/evaluate", json={"elements": elements}, headers=headers, timeout=30
    )
    assert ok.status_code == 200 and len(ok.json()["evaluated"]) == LIMIT
    with (
        HubClient(third) as client,
        pytest.raises(HubUnavailable, match=r"\(429\).*evaluations this hour"),
    ):
        client.pseudonyms(["phone:+12135550100"])
    refused = events(world.es, world.hub_settings, {"term": {"user": "third-test-pd"}})
    assert [e["outcome"] for e in refused if e["action"] == "hub.evaluate"][-1] == "refused"


def test_an_expired_pointer_no_longer_conflicts_and_is_purged(world: World) -> None:
    phone = "+12135550161"
    case_a = _case(world, world.a, "Demo County Sheriff", [phone])
    case_b = _case(world, world.b, "Second County SO", [phone])
    with HubClient(world.a) as client:
        deconflict_case(world.es, world.a, case_a, "ana.example", client, days=30)
    with HubClient(world.b) as client:
        assert (
            len(deconflict_case(world.es, world.b, case_b, "bo.fictional", client).conflicts) == 1
        )

    def b_sees() -> set[str]:
        with HubClient(world.b) as client:
            return {c["other"]["case_id"] for c in open_conflicts(world.es, world.b, "x", client)}

    assert case_a.id in b_sees()
    # A's pointer reaches its end (the hub's clock cannot be moved: its record is).
    hub = world.hub_settings
    world.es.indices.refresh(index=hub.index("pointers"))
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    found = world.es.search(index=hub.index("pointers"), query={"term": {"case_id": case_a.id}})
    for doc in found["hits"]["hits"]:
        world.es.update(
            index=hub.index("pointers"), id=doc["_id"], doc={"expires_at": past}, refresh=True
        )
    assert case_a.id not in b_sees()  # before any purge has run
    later = _case(world, world.b, "Second County SO", [phone])
    with HubClient(world.b) as client:
        assert deconflict_case(world.es, world.b, later, "bo.fictional", client).conflicts == []
    purged = lantern("hub", "purge", env=world.hub.env)
    assert purged.returncode == 0, purged.stderr.decode()
    assert json.loads(purged.stdout)["pointers"] == 1


def test_a_pointer_lives_five_years_at_most(world: World) -> None:
    case = _case(world, world.a, "Demo County Sheriff", ["+12135550162"])
    with HubClient(world.a) as client, pytest.raises(CaseError, match="30 to 1826 days"):
        deconflict_case(world.es, world.a, case, "ana.example", client, days=1827)
    headers = {"Authorization": f"Bearer {world.a.hub_api_key}"}
    body = {"case_id": case.id, "pseudonyms": ["ab" * 64], "expires_days": 1827}
    refused = httpx.post(f"{world.hub.url}/v1/pointers", json=body, headers=headers, timeout=30)
    assert refused.status_code == 422 and "1826 days" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            b'{"case_id": "c", "pseudonyms": ["' + b"ab" * 64 + b'"], "expires_days": NaN}',
            "expires_days: Input should be a valid integer",
        ),
        (
            b'{"case_id": "c", "pseudonyms": ["' + b"ab" * 64 + b'"], "expires_days": true}',
            "expires_days: Input should be a valid integer",
        ),
        (
            b'{"case_id": "c", "pseudonyms": ["'
            + b"ab" * 64
            + b'"], "contact": "\\u202e0010-555"}',
            "contact: Value error, holds a control or format character (U+202E)",
        ),
        (
            b'{"case_id": "c\\ud800", "pseudonyms": ["' + b"ab" * 64 + b'"]}',
            "case_id: Input should be a valid string, unable to parse raw data as a unicode string",
        ),
    ],
)
def test_the_hub_refuses_hostile_fields_in_one_line(world: World, body: bytes, said: str) -> None:
    headers = {"Authorization": f"Bearer {world.a.hub_api_key}", "Content-Type": "application/json"}
    answer = httpx.post(f"{world.hub.url}/v1/pointers", content=body, headers=headers, timeout=30)
    assert answer.status_code == 422 and answer.json() == {"detail": said}, answer.text
    long_key = httpx.get(
        f"{world.hub.url}/v1/conflicts",
        timeout=30,
        headers={"Authorization": "Bearer lh1_" + "a" * 5000 + "_b"},
    )
    assert long_key.status_code == 401


def test_an_ended_operation_conflicts_with_nothing(world: World) -> None:
    case_a = _case(world, world.a, "Demo County Sheriff", [], subject=False)
    case_b = _case(world, world.b, "Second County SO", [], subject=False)
    soon = datetime.now(UTC) + timedelta(days=2)
    window = {"starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=4)).isoformat()}
    with HubClient(world.b) as client:
        register_operation(
            world.es,
            world.b,
            case_b,
            "bo",
            client,
            {"kind": "surveillance", "geohash": "9q5ct", **window},
        )
    hub = world.hub_settings
    world.es.indices.refresh(index=hub.index("operations"))
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    for doc in world.es.search(
        index=hub.index("operations"), query={"term": {"case_id": case_b.id}}
    )["hits"]["hits"]:
        world.es.update(
            index=hub.index("operations"),
            id=doc["_id"],
            refresh=True,
            doc={"starts_at": past, "ends_at": past, "expires_at": past},
        )
    wide = {
        "starts_at": datetime.now(UTC).isoformat(),
        "ends_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }
    with HubClient(world.a) as client:
        answer = register_operation(
            world.es,
            world.a,
            case_a,
            "ana",
            client,
            {"kind": "surveillance", "geohash": "9q5", **wide},
        )
    assert case_b.id not in {c["other"]["case_id"] for c in answer["conflicts"]}


def test_a_resubmission_holds_only_what_it_submits(world: World) -> None:
    """Subjects only after a run with the whole holding bin: the rest is withdrawn."""
    case = _case(world, world.b, "Second County SO", ["+12135550163"])
    add(
        world.es,
        world.b,
        case,
        "phone:+12135550164",
        "bo.fictional",
        why="entered from a fictional tip-line report",
        entered=True,
    )
    hub = world.hub_settings

    def at_hub() -> int:
        world.es.indices.refresh(index=hub.index("pointers"))
        query = {"term": {"case_id": case.id}}
        return int(world.es.count(index=hub.index("pointers"), query=query)["count"])

    with HubClient(world.b) as client:
        assert deconflict_case(world.es, world.b, case, "bo", client, True).submitted == 2
        assert at_hub() == 2
        assert deconflict_case(world.es, world.b, case, "bo", client).submitted == 1
    assert at_hub() == 1


def test_a_disabled_agency_conflicts_with_nobody(world: World) -> None:
    phone = "+12135550165"
    case_a = _case(world, world.a, "Demo County Sheriff", [phone])
    fourth = world.a.model_copy(
        update={
            "hub_api_key": world.keys["Fourth Test Unit"],
            "index_prefix": world.a.index_prefix + "-d",
        }
    )
    ensure_indices(world.es, fourth)
    case_d = _case(world, fourth, "Fourth Test Unit", [phone])
    with HubClient(world.a) as client:
        deconflict_case(world.es, world.a, case_a, "ana.example", client)
    with HubClient(fourth) as client:
        assert len(deconflict_case(world.es, fourth, case_d, "dee", client).conflicts) == 1
    off = lantern("hub", "agency", "disable", "fourth-test-unit", env=world.hub.env)
    assert off.returncode == 0 and off.stdout.decode().strip() == "fourth-test-unit: disabled"
    with HubClient(world.a) as client:
        seen = open_conflicts(world.es, world.a, "ana.example", client)
    assert case_d.id not in {c["other"]["case_id"] for c in seen}
    with HubClient(fourth) as client, pytest.raises(HubUnavailable, match="401"):
        client.conflicts()
    drop_indices(world.es, fourth)


def test_a_hub_that_changes_or_hides_its_key_is_refused(world: World) -> None:
    pinned = world.a.model_copy(update={"hub_public_key": "00" * 32})
    with HubClient(pinned) as client, pytest.raises(HubUnavailable, match="pinned"):
        client.pseudonyms([f"phone:{SHARED}"])
    # Trust on first use: a key other than the one this hub proved with before.
    case = _case(world, world.a, "Demo County Sheriff", ["+12135550166"])
    with HubClient(world.a) as client:
        deconflict_case(world.es, world.a, case, "ana.example", client)
    index = world.a.index("deconfliction")
    world.es.indices.refresh(index=index)
    row = world.es.search(index=index, query={"term": {"case_id": case.id}})["hits"]["hits"][0]
    world.es.update(index=index, id=row["_id"], doc={"hub_public_key": "11" * 32}, refresh=True)
    with HubClient(world.a) as client, pytest.raises(HubUnavailable, match="not the 1111"):
        deconflict_case(world.es, world.a, case, "ana.example", client)
    world.es.update(index=index, id=row["_id"], doc={"hub_public_key": None}, refresh=True)


class Nonsense(http.server.BaseHTTPRequestHandler):
    """A "hub" that answers every request with the body of its path's choosing."""

    answers: dict[str, tuple[int, bytes]] = {}

    def _answer(self) -> None:
        status, body = Nonsense.answers.get(self.path, (200, b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize(
    ("path", "status", "body", "call", "said"),
    [
        ("/v1/key", 200, b"<html>not json", "key", "not a KeyOut"),
        (
            "/v1/key",
            200,
            b'{"suite": "ristretto255-SHA512", "mode": "voprf", "public_key": "zz"}',
            "key",
            "public_key: String should match pattern",
        ),
        ("/v1/conflicts", 200, b'{"conflicts": 5}', "conflicts", "not a ConflictsOut"),
        ("/v1/conflicts", 200, b'{"conflicts": [1]}', "conflicts", "not a ConflictsOut"),
        ("/v1/conflicts", 500, b'["a", "list"]', "conflicts", "(500): "),
        ("/v1/conflicts", 503, b'{"detail": "' + b"x" * 5000 + b'"}', "conflicts", "(503): xxx"),
        ("/v1/pointers/withdraw", 200, b'{"withdrawn": "x"}', "withdraw", "not a WithdrawOut"),
    ],
)
def test_a_hub_answering_nonsense_is_one_line(
    path: str, status: int, body: bytes, call: str, said: str
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Nonsense)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Nonsense.answers = {path: (status, body)}
    settings = Settings(
        hub_url=f"http://127.0.0.1:{server.server_address[1]}",
        hub_api_key="lh1_demo-county-sheriff_x",
    )
    try:
        with HubClient(settings) as client, pytest.raises(HubUnavailable) as caught:
            if call == "key":
                client.public_key  # noqa: B018
            elif call == "conflicts":
                client.conflicts()
            else:
                client.withdraw("demo:C-2026-0001")
        message = str(caught.value)
        assert said in message and "\n" not in message and len(message) < 600, message
    finally:
        server.shutdown()


def test_the_rate_counter_neither_loses_nor_doubles_under_racing_writers(world: World) -> None:
    from lantern.hub.store import take_evaluations

    hub = world.hub_settings.model_copy(update={"hub_evaluations_per_hour": 150})
    when = datetime(2031, 1, 1, 5, tzinfo=UTC)  # an hour of its own
    granted: list[bool] = []

    def writer() -> None:
        for _ in range(25):
            granted.append(take_evaluations(world.es, hub, "racing-agency", 1, when))

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    doc = world.es.get(index=hub.index("counters"), id="eval|racing-agency|2031-01-01T05")
    assert granted.count(True) == 150 and doc["_source"]["n"] == 150


def test_a_body_over_the_limit_is_refused_as_it_arrives(world: World) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 65536  # 2.6 MB, no Content-Length (chunked)

    response = httpx.post(f"{world.hub.url}/v1/evaluate", content=chunks(), timeout=30)
    assert response.status_code == 413, response.text


def test_operations_that_overlap_conflict_and_distant_ones_do_not(world: World) -> None:
    case_a = _case(world, world.a, "Demo County Sheriff", [], subject=False)
    case_b = _case(world, world.b, "Second County SO", [], subject=False)
    window = ["--start", "2030-06-01T18:00:00Z", "--end", "2030-06-01T23:00:00Z"]
    a = _run(
        world,
        world.a,
        "deconflict",
        "operation",
        case_a.number,
        "--kind",
        "victim_recovery",
        "--geohash",
        "9q5ct",
        *window,
    )
    assert a.returncode == 0 and "0 conflicts" in a.stdout.decode(), a.stderr.decode()
    with HubClient(world.b) as client:
        for geohash, starts, ends in (
            ("dr5ru", "2030-06-01T18:00:00Z", "2030-06-01T23:00:00Z"),  # far away
            ("9q5c2", "2030-06-01T18:00:00Z", "2030-06-01T23:00:00Z"),  # 20 km away
            ("9q5cv", "2030-06-02T01:00:00Z", "2030-06-02T03:00:00Z"),  # next door, later
        ):
            body = {
                "kind": "undercover_contact",
                "geohash": geohash,
                "starts_at": starts,
                "ends_at": ends,
                "contact": "bo.fictional",
            }
            answer = register_operation(world.es, world.b, case_b, "bo.fictional", client, body)
            assert answer["conflicts"] == [], geohash
    near = _run(
        world,
        world.b,
        "deconflict",
        "operation",
        case_b.number,
        "--kind",
        "undercover_contact",
        "--geohash",
        "9q5cv",
        "--start",
        "2030-06-01T20:00:00Z",
        "--end",
        "2030-06-02T02:00:00Z",
    )
    out = near.stdout.decode()
    assert near.returncode == 0 and "1 conflict\n" in out, near.stderr.decode()
    assert "your operation undercover_contact in 9q5cv" in out
    assert "Det. Ana Example, 555-0100" in out and case_a.id in out
    assert "9q5ct" not in out and "victim_recovery" not in out  # A's area and kind stay A's
    closed = _run(world, world.a, "case", "close", case_a.number, "--reason", "operation done")
    assert "withdrawn from the hub: 1 pointers and operations" in closed.stdout.decode()
    hub = world.hub_settings
    world.es.indices.refresh(index=hub.index("operations"))
    left = world.es.count(index=hub.index("operations"), query={"term": {"case_id": case_a.id}})
    assert left["count"] == 0
    fine = _run(
        world,
        world.b,
        "deconflict",
        "operation",
        case_b.number,
        "--kind",
        "other",
        "--geohash",
        "9q5ctrz",
        "--start",
        "2030-06-01T20:00:00Z",
        "--end",
        "2030-06-01T21:00:00Z",
    )
    assert fine.returncode == 2
    assert "geohash: Value error, a coarse area is a geohash of 3 to 6" in fine.stderr.decode()


def test_the_hub_restarting_loses_nothing(world: World) -> None:
    phone = "+12135550172"
    case_a = _case(world, world.a, "Demo County Sheriff", [phone])
    case_b = _case(world, world.b, "Second County SO", [phone])
    with HubClient(world.a) as client:
        deconflict_case(world.es, world.a, case_a, "ana.example", client)
    world.hub.stop()
    world.hub.start()
    with HubClient(world.b) as client:  # the key survived: the same pseudonym matches
        done = deconflict_case(world.es, world.b, case_b, "bo.fictional", client)
    assert [c["other"]["case_id"] for c in done.conflicts] == [case_a.id]
    with HubClient(world.a) as client:
        seen = open_conflicts(world.es, world.a, "ana.example", client)
    assert case_b.id in {c["other"]["case_id"] for c in seen}


def test_closing_a_case_withdraws_its_pointers(world: World) -> None:
    phone = "+12135550183"
    case_a = _case(world, world.a, "Demo County Sheriff", [phone])
    case_b = _case(world, world.b, "Second County SO", [phone])
    with HubClient(world.a) as client:
        deconflict_case(world.es, world.a, case_a, "ana.example", client)
    with HubClient(world.b) as client:
        assert (
            len(deconflict_case(world.es, world.b, case_b, "bo.fictional", client).conflicts) == 1
        )
    closed = _run(
        world, world.a, "case", "close", case_a.number, "--reason", "referred to the state"
    )
    assert closed.returncode == 0, closed.stderr.decode()
    assert "withdrawn from the hub: 1 pointers and operations" in closed.stdout.decode()
    with HubClient(world.b) as client:
        seen = open_conflicts(world.es, world.b, "bo.fictional", client)
        # B still learns that A held it (a probe then a withdrawal is not silent) ...
        (told,) = [c for c in seen if c["other"]["case_id"] == case_a.id]
        assert told["status"].startswith("withdrawn by the other agency")
        # ... but A's withdrawn pointer conflicts with nothing new.
        again = deconflict_case(world.es, world.b, case_b, "bo.fictional", client)
    assert again.conflicts == []
    with HubClient(world.a) as client:
        mine = open_conflicts(world.es, world.a, "ana.example", client)
    assert case_b.id not in {c["other"]["case_id"] for c in mine}
    trail = [e["action"] for e in events(world.es, world.a, {"term": {"case_id": case_a.id}})]
    assert trail[-2:] == ["case.close", "case.deconflict.withdraw"]
    with HubClient(world.a) as client:
        assert withdraw_case(world.es, world.a, case_a, "ana.example", client) == 0


def _certificates(folder: Path) -> dict[str, Path]:
    """A throwaway CA, the hub's certificate for 127.0.0.1 and one agency's client
    certificate, all signed by it."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def write(stem: str, key: Any, cert: x509.Certificate) -> None:
        (folder / f"{stem}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (folder / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Test Hub CA"))
        .issuer_name(name("Test Hub CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    write("ca", ca_key, ca)
    for stem, extension in (
        ("hub", x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])),
        ("agency", x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH])),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(f"test {stem}"))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(extension, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        write(stem, key, cert)
    return {p.name: p for p in folder.iterdir()}


def test_mutual_tls_refuses_an_agency_without_a_certificate(world: World, tmp_path: Path) -> None:
    files = _certificates(tmp_path)
    port = _free_port()
    env = {
        **world.hub.env,
        "LANTERN_HUB_PORT": str(port),
        "LANTERN_HUB_TLS_CERT": str(files["hub.pem"]),
        "LANTERN_HUB_TLS_KEY": str(files["hub.key"]),
        "LANTERN_HUB_TLS_CLIENT_CA": str(files["ca.pem"]),
    }
    probe = ssl.create_default_context(cafile=str(files["ca.pem"]))
    probe.load_cert_chain(str(files["agency.pem"]), str(files["agency.key"]))
    hub = Hub(
        f"https://127.0.0.1:{port}",
        env,
        tmp_path / "tls-hub.log",
        world.hub.folder,
        verify=probe,
    )
    hub.start()
    try:
        tls = {"hub_url": hub.url, "hub_ca_file": files["ca.pem"]}
        with_cert = world.a.model_copy(
            update={
                **tls,
                "hub_client_cert": files["agency.pem"],
                "hub_client_key": files["agency.key"],
            }
        )
        with HubClient(with_cert) as client:
            assert isinstance(client.conflicts(), list)
        without = world.a.model_copy(update=tls)
        with HubClient(without) as client, pytest.raises(HubUnavailable, match="unreachable"):
            client.conflicts()
    finally:
        hub.stop()


def test_a_key_of_another_agency_is_refused_before_it_is_sent(world: World) -> None:
    wrong = world.a.model_copy(update={"hub_agency_id": "second-county-so"})
    with pytest.raises(HubUnavailable, match="not a key of agency 'second-county-so'"):
        HubClient(wrong)
