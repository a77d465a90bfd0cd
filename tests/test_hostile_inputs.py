"""Hostile inputs: one bad record costs one record, never its neighbours, the run, or the
analyst's terminal. Each test names the case of issue 12 it proves (before → after)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from crawlers.netguard import ForbiddenAddress, check_url
from crawlers.social.client import FetchError, PoliteClient
from crawlers.social.collect import collect_source
from crawlers.social.registry import parse_source
from lantern.cli.pipeline import print_leads
from leads.deadletters import dead_letter
from leads.jsonl import read_jsonl
from leads.settings import Settings
from leads.store import bulk_index, count, record_dead_letters, scan
from tests.conftest import Demo, lantern, run_crawl, write_jsonl
from tests.servers import CuttableProxy, LocalServer, drip, json_answer

ESC = "\x1b"


def raw(doc_id: str, batch: str = "hostile", **extra: Any) -> dict[str, Any]:
    return {
        "id": doc_id,
        "text": f"ad {doc_id}: 100% real, call (702) 555-0123",
        "provenance": {
            "source_id": "hostile-test",
            "url": f"http://example.test/{doc_id}",
            "final_url": f"http://example.test/{doc_id}",
            "fetched_at": "2026-11-01T00:00:00Z",
            "sha256": "b" * 64,
            "batch_id": batch,
            "crawler_version": "test",
            "http_status": 200,
        },
        **extra,
    }


def batch_count(es: Any, settings: Settings, batch: str) -> int:
    return count(es, settings, "raw", {"term": {"provenance.batch_id": batch}})


# 1. An id over Elasticsearch's 512-byte limit failed its whole bulk chunk: 10 valid
#    neighbours became dead letters with the wrong reason, and `lantern index` exited 0.


def test_an_overlong_id_is_refused_alone_by_the_model(
    tmp_path: Path, es: Any, settings: Settings
) -> None:
    rows = [raw(f"ok-{i}", "long-id") for i in range(5)]
    rows += [raw("x" * 600, "long-id")]
    rows += [raw(f"ok-{i}", "long-id") for i in range(5, 10)]
    result = lantern("index", str(write_jsonl(tmp_path / "ids.jsonl", rows)), "--kind", "raw")
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "ids.jsonl:6: id: Value error, id is 600 bytes; Elasticsearch takes at most 512" in err
    assert "index: 10 indexed, 1 dead letters" in err
    assert batch_count(es, settings, "long-id") == 10


def test_a_request_refused_as_a_whole_is_split_until_the_bad_item_stands_alone(
    es: Any, settings: Settings
) -> None:
    # Past the model (as a bug or another writer could): the store must still cost one.
    docs = [(f"split-{i}", raw(f"split-{i}", "split")) for i in range(10)]
    docs.insert(4, ("y" * 600, raw("y" * 600, "split")))
    report = bulk_index(es, settings, "raw", docs, stage="test", batch_id="split", refresh=True)
    assert report.indexed == 10
    assert [letter.record_id for letter in report.failed] == ["y" * 600]
    assert "is too long, must be no longer than 512 bytes" in report.failed[0].reason
    assert batch_count(es, settings, "split") == 10


# 2./3. Data printed through Rich with markup on: an id `[/x]` raised MarkupError in
#    `lantern extract`; a title with `[bold red]` made `lantern leads` exit 1; ANSI and
#    OSC-8 sequences from crawled titles reached the analyst's terminal.


def test_markup_in_an_id_is_printed_as_text_and_the_next_record_goes_on(tmp_path: Path) -> None:
    rows = [{"id": "[/x]", "body": "no text"}, {"id": "[bold]b", "text": "we keep your passport"}]
    result = lantern("extract", str(write_jsonl(tmp_path / "m.jsonl", rows)))
    assert result.returncode == 0, result.stderr.decode()
    assert "line 1 (id [/x]): skipped: no 'text' string" in result.stderr.decode()
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["[bold]b"]


@pytest.fixture(scope="module")
def hostile_crawl(es: Any, settings: Settings, demo: Demo, tmp_path_factory: Any) -> dict[str, Any]:
    """The demo boards' attacker listing, crawled, indexed and scored for real."""
    from demo import PROFILES_DIR

    profile = tmp_path_factory.mktemp("profiles") / "hostile-board.yaml"
    text = (PROFILES_DIR / "demo-classifieds.yaml").read_text()
    profile.write_text(
        text.replace("id: demo-classifieds", "id: hostile-board").replace(
            "start_paths: [/classifieds/]", "start_paths: [/traps/hostile/]"
        )
    )
    crawl = run_crawl(str(profile), "hostile-crawl", demo)
    scored = lantern("score", "--batch-id", "hostile-crawl")
    return {"crawl": crawl, "scored": scored}


def test_an_attackers_ad_is_indexed_whole_and_its_long_link_is_a_dead_letter(
    hostile_crawl: dict[str, Any], es: Any, settings: Settings, demo: Demo
) -> None:
    crawl = hostile_crawl["crawl"]
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    # 6. A 41,999-character location used to get the whole ad refused (keyword field).
    docs = list(scan(es, settings, "raw", {"term": {"provenance.batch_id": "hostile-crawl"}}))
    assert len(docs) == 1 and docs[0]["location"] == " ".join(["Las Vegas, NV"] * 3000)
    # 12. Pictures it cannot request (too long, inline data:) are notes, not a lost ad.
    assert [n.split(":", 1)[0] for n in docs[0]["notes"]] == ["image not fetched"] * 2
    # 12. A link over the URL limit used to be dropped without a dead letter.
    letters = list(scan(es, settings, "deadletters", {"term": {"batch_id": "hostile-crawl"}}))
    link = f"{demo.base_url}/traps/hostile/ad?pad={'x' * 3000}"
    assert [d["reason"] for d in letters] == [
        f"link is {len(link):,} characters, over the 2083-character URL limit"
    ]
    assert json.loads(hostile_crawl["scored"].stdout) == {
        "batch_id": "hostile-crawl",
        "leads": 1,
        "dead_letters": 0,
    }


def test_leads_and_the_network_tree_print_markup_as_text_and_no_escape_sequences(
    hostile_crawl: dict[str, Any],
) -> None:
    listed = lantern("leads", "--batch-id", "hostile-crawl")
    assert listed.returncode == 0, listed.stderr.decode()
    out = listed.stdout.decode()
    assert ESC not in out and "\x07" not in out and "\u202e" not in out
    assert "[bold red]URGENT[/bold red] [/x] red click me evil" in out
    tree = lantern("network", "phone:+17025550106")
    assert tree.returncode == 0, tree.stderr.decode()
    assert ESC not in tree.stdout.decode() and "click me" in tree.stdout.decode()


def test_printing_leads_never_interprets_what_it_prints(capsys: pytest.CaptureFixture[str]) -> None:
    lead = {
        "score": 50,
        "tier": "medium",
        "title": f"[link=http://x]t[/link] {ESC}[2J{ESC}]0;title{ESC}\\",
        "url": f"http://a.test/{ESC}[1m",
        "source_id": "s",
        "selectors": [f"phone:+1702555010{ESC}[5m"],
        "explanation": ["third_party (+10): “[/]” at 0–3\nsecond line"],
    }
    print_leads([lead])
    out = capsys.readouterr().out
    assert ESC not in out
    assert "[link=http://x]t[/link]" in out and "“[/]” at 0–3 second line" in out


# 4. A lone surrogate crashed `lantern extract` (later lines lost); `lantern index` stored
#    it; `lantern score` then crashed after 200 leads and hung in the scroll cleanup.


def test_a_lone_surrogate_is_replaced_at_the_edge_and_the_stream_goes_on() -> None:
    stdin = b'{"id":"s1","text":"hi \\ud800 call (702) 555-0111"}\n{"id":"s2","text":"fine"}\n'
    result = lantern("extract", stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["entities"][0]["value"] == "+17025550111"
    assert first["entities"][0]["start"] == 10  # offsets unchanged: one code point for one
    assert second["id"] == "s2"
    assert "line 1 (id s1): 1 lone surrogate(s) replaced by U+FFFD" in result.stderr.decode()


def test_a_lone_surrogate_is_indexed_as_a_replacement_and_the_batch_scores(
    tmp_path: Path, es: Any, settings: Settings
) -> None:
    rows: list[Any] = [raw(f"sur-{i}", "surrogate") for i in range(250)]
    line = json.dumps(raw("sur-bad", "surrogate")).replace("ad sur-bad", "ad sur-bad \\udc80")
    rows.insert(100, line.encode() + b"\n")
    result = lantern("index", str(write_jsonl(tmp_path / "s.jsonl", rows)), "--kind", "raw")
    assert result.returncode == 0, result.stderr.decode()
    stored = es.get(index=settings.index("raw"), id="sur-bad")["_source"]["text"]
    assert "\ufffd" in stored
    scored = lantern("score", "--batch-id", "surrogate")
    assert scored.returncode == 0, scored.stderr.decode()
    assert json.loads(scored.stdout)["leads"] == 251


# 5. Elasticsearch going away mid-run: `lantern index` printed a raw ConnectionError
#    traceback and dropped its dead letters; the crawl's flush raised on every later
#    item and nothing was indexed (0 of 249), with a last line that did not name it.


def test_index_stops_with_one_line_when_elasticsearch_goes_away_and_a_rerun_converges(
    tmp_path: Path, es: Any, settings: Settings
) -> None:
    rows: list[Any] = [raw(f"away-{i}", "away") for i in range(3000)]
    rows.insert(10, b"{broken json\n")
    source = write_jsonl(tmp_path / "away.jsonl", rows)
    env = {"LANTERN_BULK_CHUNK_SIZE": "200", "LANTERN_ES_RETRY_SECONDS": "2"}
    with CuttableProxy(settings.es_url, cut_after=3) as proxy:  # after three bulks
        cut = lantern("index", str(source), "--kind", "raw", env={**env, "ES_URL": proxy.url})
    err = cut.stderr.decode()
    assert cut.returncode == 1
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: Elasticsearch at {proxy.url} stopped answering")
    assert "re-run the same command to finish" in last
    spilled = settings.data_dir / "deadletters" / "index-away.jsonl"
    assert [json.loads(x)["record_id"] for x in spilled.read_text().splitlines()] == [
        "away.jsonl:11"
    ]
    again = lantern("index", str(source), "--kind", "raw", env=env)
    assert again.returncode == 0, again.stderr.decode()
    assert batch_count(es, settings, "away") == 3000


def test_a_crawl_that_loses_elasticsearch_keeps_what_it_collected(
    es: Any, settings: Settings, demo: Demo
) -> None:
    env = {"LANTERN_BULK_CHUNK_SIZE": "20", "LANTERN_ES_RETRY_SECONDS": "2"}
    # Cut when the 41st document is on its way: two bulks of 20 got through.
    documents = f'"_index":"{settings.index("raw")}"'.encode()  # bulk heads are compact
    with CuttableProxy(settings.es_url, cut_after=40, pattern=documents) as proxy:
        crawl = run_crawl("demo-classifieds", "es-away", demo, env={**env, "ES_URL": proxy.url})
    last = crawl.stderr.strip().splitlines()[-1]
    assert crawl.returncode == 1
    assert last.startswith(f"crawl: Elasticsearch at {proxy.url} stopped answering")
    unsent = settings.data_dir / "unsent" / "es-away.raw.jsonl"
    assert str(unsent) in last
    indexed = batch_count(es, settings, "es-away")
    assert indexed == 40  # the two bulks that went through
    # Nothing collected is lost: what was crawled and not indexed is in the unsent file.
    summary = next(
        json.loads(line)["crawl_summary"]
        for line in crawl.stderr.splitlines()
        if line.startswith('{"crawl_summary"')
    )
    kept = unsent.read_text().splitlines()
    assert len(kept) == summary["documents"] - 40 == summary["unsent"]
    loaded = lantern("index", str(unsent), "--kind", "raw")
    assert loaded.returncode == 0, loaded.stderr.decode()
    assert batch_count(es, settings, "es-away") == summary["documents"]
    # And a re-run of the crawl converges on the whole board.
    again = run_crawl("demo-classifieds", "es-away", demo)
    assert again.returncode == 0, again.stderr[-2000:]
    assert batch_count(es, settings, "es-away") == len(demo.boards.boards["classifieds"])


# 6. Keyword fields without ignore_above: a 40,000-character value got the document refused.


def test_overlong_keyword_values_cost_the_field_not_the_document(
    es: Any, settings: Settings
) -> None:
    long_url = "http://example.test/" + "p" * 40_000
    doc = raw("long-fields", "long-fields", location="L" * 40_000, notes=["n" * 40_000])
    doc["provenance"]["url"] = long_url
    doc["fields"] = {"location": "L" * 40_000}
    report = bulk_index(es, settings, "raw", [(doc["id"], doc)], stage="test", refresh=True)
    assert (report.indexed, report.failed) == (1, [])
    lead = {
        "id": "long-lead", "doc_id": "long-lead", "source_id": "s", "url": long_url,
        "snippet": "x", "score": 1, "tier": "none", "explanation": [], "categories": [],
        "domains": [], "selectors": ["email:" + "e" * 40_000], "indicators": [], "entities": [],
        "batch_id": "long-fields", "fetched_at": "2026-11-01T00:00:00Z",
        "scored_at": "2026-11-01T00:00:00Z", "sha256": "c" * 64,
    }  # fmt: skip
    report = bulk_index(es, settings, "leads", [("long-lead", lead)], stage="test", refresh=True)
    assert (report.indexed, report.failed) == (1, [])


# 7. Exit status: `lantern index` exited 0 with 0 indexed; `lantern crawl` exited 0 when
#    every request was refused.


def test_index_fails_when_nothing_could_be_indexed(tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", [b"nope\n", {"id": "x"}])
    result = lantern("index", str(bad), "--kind", "raw")
    assert result.returncode == 1
    assert "index: 0 indexed, 2 dead letters" in result.stderr.decode()


def test_a_crawl_whose_every_request_is_refused_fails(demo: Demo) -> None:
    result = run_crawl(
        "demo-classifieds", "all-refused", demo, "--no-index",
        env={"LANTERN_ALLOWED_PRIVATE_HOSTS": ""},
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("crawl: no page could be used")


# 8. `-` must mean standard input; a missing path or a folder is one line, not a traceback.


def test_dash_reads_standard_input_and_bad_paths_are_one_line(tmp_path: Path) -> None:
    extracted = lantern("extract", "-", stdin=b'{"id": "a", "text": "call (702) 555-0144"}\n')
    assert extracted.returncode == 0 and json.loads(extracted.stdout)["id"] == "a"
    indexed = lantern("index", "-", "--kind", "raw", stdin=json.dumps(raw("stdin-1")).encode())
    assert indexed.returncode == 0, indexed.stderr.decode()
    assert "index: 1 indexed, 0 dead letters" in indexed.stderr.decode()
    for verb in (["extract"], ["index", "--kind", "raw"]):
        missing = lantern(*verb, str(tmp_path / "nope.jsonl"))
        folder = lantern(*verb, str(tmp_path))
        assert missing.returncode == folder.returncode == 2
        assert missing.stderr.decode().strip() == (
            f"error: {tmp_path / 'nope.jsonl'}: cannot be read (No such file or directory)"
        )
        assert folder.stderr.decode().strip() == (
            f"error: {tmp_path}: is a folder, not a JSON Lines file"
        )


# 9. Guest-worker rows: required values were checked only in the header; a WHD CSV with
#    100,000 garbage rows loaded 36,196 rows and created 29,648 junk employers.


def test_guestworker_rows_without_required_values_are_dead_letters_naming_the_cell(
    tmp_path: Path, es: Any, settings: Settings
) -> None:
    header = "case_id,trade_nm,legal_name,street_addr_1_txt,cty_nm,st_cd,zip_cd,h2a_violtn_cnt\n"
    good = "1700001,Fakename Farms,Fakename Farms LLC,1 Example Rd,Tifton,GA,31794,3\n"
    rows = [
        ",x,Nameless Co,,,GA,,1\n",  # row 3: no case id
        "1700002,,,1 Example Rd,Tifton,GA,31794,0\n",  # row 4: no legal name
        "1700003,,Junk Name,,,ZZ,,0\n",  # row 5: not a state
        "1700004,,Other Junk,,,,,0\n",  # row 6: no state
    ]
    path = tmp_path / "whd_garbage.csv"
    path.write_text(header + good + "".join(rows))
    result = lantern("guestworker", "ingest", str(path))
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "whd_garbage.csv: row 3, column case_id: required value missing" in err
    assert "whd_garbage.csv: row 4, column legal_name: required value missing" in err
    assert "whd_garbage.csv: row 5, column st_cd: 'ZZ' is not a US state or territory" in err
    assert "whd_garbage.csv: row 6, column st_cd: required value missing" in err
    manifest = es.get(index=settings.index("gw-files"), id=_sha(path))["_source"]
    assert (manifest["rows_loaded"], manifest["rows_failed"]) == (1, 4)
    assert count(es, settings, "gw-employers") == 1


def _sha(path: Path) -> str:
    from leads.guestworker.ingest import sha256_of

    return sha256_of(path)


# 11. `read_jsonl` checked a line's size only after reading it: a 300 MB line without a
#     newline took 721 MB of memory.


class _Endless(io.RawIOBase):
    """A stream of one ``size``-byte line with no newline, then one good line."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.tail = b'\n{"id": "after", "text": "x"}\n'

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left > 0:
            n = min(len(buffer), self.left)
            buffer[:n] = b"a" * n
            self.left -= n
            return n
        n = min(len(buffer), len(self.tail))
        buffer[:n], self.tail = self.tail[:n], self.tail[n:]
        return n


def test_an_endless_line_is_refused_in_bounded_memory() -> None:
    stream = io.BufferedReader(_Endless(60 * 1024 * 1024))
    tracemalloc.start()
    try:
        lines = list(read_jsonl(stream, max_line_bytes=1024 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines[0].error == "line is 62,914,560 bytes (limit 1,048,576)"
    assert lines[1].data == {"id": "after", "text": "x"}
    assert peak < 8 * 1024 * 1024  # a few pieces, never the 60 MiB line


# 12. Dead letters with colliding ids overwrote each other; recording them could abort a run.


def test_two_failures_of_one_record_are_two_dead_letters(es: Any, settings: Settings) -> None:
    first = dead_letter("crawl", "http://a.test/1", "timeout", "collide")
    second = dead_letter("crawl", "http://a.test/1", "404 Not Found", "collide")
    again = dead_letter("crawl", "http://a.test/1", "timeout", "collide")
    assert first.id != second.id and first.id == again.id  # a re-run converges
    record_dead_letters(es, settings, [first, second])
    assert count(es, settings, "deadletters", {"term": {"batch_id": "collide"}}) == 2


def test_recording_dead_letters_never_raises_and_keeps_them(
    settings: Settings, tmp_path: Path
) -> None:
    from elasticsearch import Elasticsearch

    unreachable = Elasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=1)
    spill = tmp_path / "kept.jsonl"
    record_dead_letters(
        unreachable, settings, [dead_letter("test", "r1", "why", "keep")], spill=spill
    )
    assert [json.loads(x)["record_id"] for x in spill.read_text().splitlines()] == ["r1"]


def test_a_batch_id_cannot_leave_the_evidence_folder(demo: Demo, settings: Settings) -> None:
    before = sorted(p.name for p in settings.data_dir.parent.iterdir())
    crawl = run_crawl("demo-classifieds", "../..", demo, "--no-index")
    assert crawl.returncode == 2
    assert "batch id '../..' must be 1-128 letters" in crawl.stderr
    cli = lantern("crawl", "demo-classifieds", "--batch-id", "../x", "--no-index")
    assert cli.returncode == 2 and b"batch id '../x'" in cli.stderr
    assert sorted(p.name for p in settings.data_dir.parent.iterdir()) == before
    with pytest.raises(ValueError, match="batch id"):
        settings.evidence_folder("a/../../b")


# 10. Social collection had no overall deadline: an instance sending one byte every
#     5 seconds hung `lantern collect mastodon` for minutes.


def test_a_server_that_drips_bytes_cannot_hold_a_request_past_its_deadline() -> None:
    with LocalServer(drip(every=0.2, total=300)) as server:
        client = PoliteClient(
            user_agent="LanternTest", allowed_private_hosts=[server.host], min_interval=0,
            timeout=1.5,
        )  # fmt: skip
        started = time.monotonic()
        with pytest.raises(FetchError, match="overall deadline passed"):
            client.get(f"{server.url}/api/v1/timelines/public")
        elapsed = time.monotonic() - started
    assert elapsed < 6  # 1.5 s allowed; the answer would have taken 60 s


# 12. A Mastodon post with a lone surrogate was truncated silently.


def test_a_mastodon_post_with_a_lone_surrogate_is_kept_whole(settings: Settings) -> None:
    status = {
        "id": "1001", "created_at": "2026-11-01T10:00:00Z", "url": "https://m.example/@a/1001",
        "content": "<p>Hiring now \ud800 pickers, call (702) 555-0133, passport kept by boss</p>",
        "account": {"id": "1", "acct": "a"}, "tags": [], "media_attachments": [],
    }  # fmt: skip
    body = json.dumps([status]).encode()  # the lone surrogate travels as "\ud800"
    with LocalServer(json_answer({"/api/v1/timelines/tag/": body})) as server:
        source = parse_source({
            "id": "surrogate-mastodon", "kind": "mastodon", "name": "test",
            "terms": "Local test server.", "legal_basis": "Fictional test data.",
            "instances": [server.url], "hashtags": ["hiring"], "max_pages": 1,
        })  # fmt: skip
        local = settings.model_copy(update={"allowed_private_hosts": [server.host]})
        out = io.StringIO()
        report = collect_source(source, "surrogate-social", out=out, settings=local, min_interval=0)
    assert report.errors == 0
    (doc,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert doc["text"] == "Hiring now \ufffd pickers, call (702) 555-0133, passport kept by boss"


# 12. NAT64, 6to4 and IPv4-compatible forms of private addresses passed the SSRF check.


@pytest.mark.parametrize(
    "address", ["64:ff9b::a00:1", "64:ff9b::7f00:1", "2002:c0a8:101::1", "::a00:1", "::7f00:1"]
)
def test_ipv6_forms_of_private_addresses_are_refused(address: str) -> None:
    with pytest.raises(ForbiddenAddress, match=f"non-public address {address}"):
        check_url("http://ads.example.test/x", [], lambda host, port: [address])


@pytest.mark.parametrize("address", ["64:ff9b::5db8:d822", "2002:5db8:d822::1", "2606:4700::1111"])
def test_ipv6_forms_of_public_addresses_pass(address: str) -> None:
    check_url("http://ads.example.test/x", [], lambda host, port: [address])


# 13. DNS rebinding: the guard resolved a name separately from the connection that
#     followed. The address checked must be the address connected to.


PUBLIC = "93.184.216.34"  # what a rebinding name answers first (never connected to here)


def test_the_social_client_connects_to_the_address_it_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpcore

    dialled: list[str] = []

    def no_internet(self: Any, host: str, port: int, *args: Any, **kw: Any) -> Any:
        dialled.append(host)
        raise httpcore.ConnectError("no route (test)")

    with LocalServer(json_answer({"/x": b"{}"})) as server:
        # The check is told "public"; the connection must use that answer, not ask again.
        fooled = PoliteClient(
            user_agent="LanternTest", min_interval=0, timeout=2,
            resolver=lambda host, port: [PUBLIC],
        )  # fmt: skip
        with monkeypatch.context() as patch:
            patch.setattr(httpcore.SyncBackend, "connect_tcp", no_internet)
            with pytest.raises(FetchError):
                fooled.get(f"http://localhost:{server.port}/x")
        assert dialled and set(dialled) == {PUBLIC}  # the checked answer, robots.txt too
        assert server.hits == []  # never reached the loopback server
        # And a name only the checked answer knows is reached through that answer.
        pinned = PoliteClient(
            user_agent="LanternTest", min_interval=0, timeout=2,
            allowed_private_hosts=[f"rebind.test:{server.port}"],
            resolver=lambda host, port: ["127.0.0.1"],
        )  # fmt: skip
        assert pinned.get(f"http://rebind.test:{server.port}/x").status == 200


def test_the_crawler_refuses_a_private_answer_at_connection_time(demo: Demo) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.rebinding_crawl", "demo-classifieds",
         f"http://localhost:{demo.base_url.rsplit(':', 1)[1]}", "rebinding"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "LANTERN_ALLOWED_PRIVATE_HOSTS": ""},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-3000:]
    assert "ssrf-guard: refused localhost: it resolves to non-public address 127.0.0.1" in (
        result.stderr
    )
    assert result.stdout == ""  # no document came of it


def test_the_jetstream_consumer_connects_to_the_address_it_checked(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import crawlers.social.jetstream as jetstream
    from demo.replay import JetstreamReplay

    dialled: list[tuple[str, int]] = []

    def no_internet(address: tuple[str, int], timeout: float = 0) -> Any:
        dialled.append(address)
        raise OSError("no route (test)")

    monkeypatch.setattr(jetstream.socket, "create_connection", no_internet)
    with JetstreamReplay() as jet:
        port = int(jet.url.rsplit(":", 1)[1].split("/")[0])
        source = parse_source({
            "id": "rebinding-jetstream", "kind": "bluesky_jetstream", "name": "test",
            "terms": "Local replay.", "legal_basis": "Fictional test data.",
            "endpoint": f"ws://localhost:{port}/subscribe", "keywords": ["visa"],
            "window_seconds": 0.5,
        })  # fmt: skip
        collect_source(
            source, "rebinding-jet", settings=settings, resolver=lambda host, port: [PUBLIC],
            sleep=lambda seconds: None,
        )  # fmt: skip
        assert jet.connections == []
    assert dialled and {host for host, _ in dialled} == {PUBLIC}


def test_social_collection_that_loses_elasticsearch_keeps_its_posts(settings: Settings) -> None:
    from demo.replay import SocialReplay

    with SocialReplay(seed=5) as replay, CuttableProxy(settings.es_url, cut_after=0) as proxy:
        host = replay.base_url.split("://", 1)[1].split("/", 1)[0]
        result = lantern(
            "collect", "telegram", "--channel", "demo_jobs_board",
            "--base-url", replay.telegram_url, "--batch-id", "social-away",
            env={"ES_URL": proxy.url, "LANTERN_ES_RETRY_SECONDS": "1",
                 "LANTERN_ALLOWED_PRIVATE_HOSTS": host},
        )  # fmt: skip
    err = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    unsent = settings.data_dir / "unsent" / "social-away.raw.jsonl"
    assert last.startswith(f"error: Elasticsearch at {proxy.url} stopped answering")
    assert f"posts not yet stored are in {unsent}" in last
    kept = {json.loads(line)["id"] for line in unsent.read_text().splitlines()}
    assert len(kept) == 55  # the demo channel's posts, none of them stored before the cut
    loaded = lantern("index", str(unsent), "--kind", "raw")
    assert loaded.returncode == 0, loaded.stderr.decode()
    query = {"ids": {"values": sorted(kept)}}
    assert count(es_client(settings), settings, "raw", query) == len(kept)


def es_client(settings: Settings) -> Any:
    from leads.store import connect

    return connect(settings)


# Found by an attacker session after the first round (each failed before its fix).


def test_a_number_json_cannot_hold_costs_its_line_only(tmp_path: Path) -> None:
    big = b'{"id": "big", "text": "x", "n": ' + b"1" * 4400 + b"}\n"
    rows: list[Any] = [raw("num-1", "bigint"), big, raw("num-2", "bigint")]
    source = write_jsonl(tmp_path / "big.jsonl", rows)
    indexed = lantern("index", str(source), "--kind", "raw")
    err = indexed.stderr.decode()
    assert indexed.returncode == 0 and "Traceback" not in err
    assert "big.jsonl:2: not valid JSON (Exceeds the limit (4300 digits)" in err
    assert "index: 2 indexed, 1 dead letters" in err
    extracted = lantern("extract", str(source))
    assert [json.loads(x)["id"] for x in extracted.stdout.splitlines()] == ["num-1", "num-2"]


def test_guestworker_cells_that_break_parsers_cost_their_row(
    tmp_path: Path, es: Any, settings: Settings
) -> None:
    header = "case_id,legal_name,st_cd,cty_nm,h2a_violtn_cnt,bw_atp_amt\n"
    rows = [
        "8101,Good Fakename Farms LLC,GA,Tifton,1,100\n",  # row 2
        "8102,Overflow Farms LLC,GA,Tifton,1e400,100\n",  # row 3: int out of range
        f"8103,{'N' * 50_000},GA,Tifton,0,0\n",  # row 4: a name no field holds
        "8104,Not A Number LLC,GA,Tifton,0,nan\n",  # row 5: NaN back wages
        f'8105,"{"c" * 140_000}",GA,Tifton,0,0\n',  # row 6: over the csv field limit
        "8106,Jos\xe9 N\xfa\xf1ez Granja LLC,GA,Tifton,2,500\n",  # row 7: cp1252 accents
    ]
    path = tmp_path / "whd_hostile.csv"
    path.write_bytes((header + "".join(rows)).encode("cp1252"))
    # Other tests in this module share the index: count only what this file adds.
    before = _employer_names(es, settings)
    result = lantern("guestworker", "ingest", str(path))
    err = result.stderr.decode()
    assert result.returncode == 0 and "Traceback" not in err, err[-2000:]
    assert "row 3, column h2a_violtn_cnt: inf is not a finite number" in err
    assert "row 4, column legal_name: is 50,000 characters; a DOL field holds at most 1,000" in err
    assert "row 5, column bw_atp_amt: nan is not a finite number" in err
    assert "row 6, column (row): unreadable CSV (field larger than field limit" in err
    manifest = es.get(index=settings.index("gw-files"), id=_sha(path))["_source"]
    assert (manifest["status"], manifest["rows_loaded"], manifest["rows_failed"]) == (
        "loaded",
        2,
        4,
    )
    added = _employer_names(es, settings) - before
    assert added == {"Good Fakename Farms LLC", "José Núñez Granja LLC"}


def _employer_names(es: Any, settings: Settings) -> set[str]:
    if not es.indices.exists(index=settings.index("gw-employers")):
        return set()
    return {e["employer"] for e in scan(es, settings, "gw-employers", {"match_all": {}})}


def test_the_output_cannot_be_the_input_and_write_errors_are_one_line(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "same.jsonl", [{"id": "a", "text": "call (702) 555-0144"}])
    before = source.read_bytes()
    same = lantern("extract", str(source), "--out", str(tmp_path / "." / "same.jsonl"))
    assert same.returncode == 2 and b"is the input file" in same.stderr
    assert source.read_bytes() == before
    full = lantern("extract", str(source), "--out", "/dev/full")
    assert full.returncode == 1 and b"Traceback" not in full.stderr
    assert full.stderr.decode().strip().splitlines()[-1] == "error: No space left on device"


def test_a_crawl_whose_output_cannot_be_written_stops_with_one_line(demo: Demo) -> None:
    crawl = run_crawl("demo-classifieds", "full-disk", demo, "--no-index", "--out", "/dev/full")
    assert crawl.returncode == 1 and crawl.stderr.count("Traceback") == 0
    assert crawl.stderr.strip().splitlines()[-1] == (
        "crawl: cannot write the output (/dev/full: No space left on device); crawl stopped"
    )


def test_a_batch_id_with_a_trailing_newline_is_refused(demo: Demo) -> None:
    crawl = run_crawl("demo-classifieds", "nl\n", demo, "--no-index")
    assert crawl.returncode == 2 and "batch id 'nl\\n' must be" in crawl.stderr


def test_nan_and_infinity_are_refused_where_a_number_belongs(tmp_path: Path) -> None:
    lead = {
        "id": "nan-lead", "doc_id": "nan-lead", "source_id": "s", "url": "http://a.test/",
        "snippet": "x", "score": 1, "tier": "none", "explanation": [], "categories": [],
        "domains": [], "selectors": [], "indicators": [], "entities": [],
        "places": [{"lat": float("nan"), "lon": 1.0}], "batch_id": "nan",
        "fetched_at": "2026-11-01T00:00:00Z", "scored_at": "2026-11-01T00:00:00Z",
        "sha256": "c" * 64,
    }  # fmt: skip
    line = json.dumps(lead).encode() + b"\n"  # Python writes NaN, as a careless tool would
    result = lantern("index", "-", "--kind", "leads", stdin=line)
    assert result.returncode == 1
    assert "stdin:1: places.0.lat: Input should be a finite number" in result.stderr.decode()


def test_the_tokenizer_never_sees_a_run_it_would_take_minutes_over() -> None:
    from nlp.pipeline import MAX_TOKEN_CHARS, get_pipeline

    text = "\u263a" * 99_000 + " call (702) 555-0101"
    doc = get_pipeline(None).make_doc(text)
    assert max(len(token) for token in doc) <= MAX_TOKEN_CHARS
    assert len(doc.text) == len(text)  # offsets hold
    assert [e["value"] for e in extract_entities(text)] == ["+17025550101"]


def extract_entities(text: str) -> list[dict[str, Any]]:
    from nlp.pipeline import extract

    return [e.model_dump() for e in extract(text).entities]


def test_settings_an_operator_got_wrong_are_one_line() -> None:
    hub = lantern("leads", env={"LANTERN_HUB_THRESHOLD": "abc"})
    assert hub.returncode == 1 and b"Traceback" not in hub.stderr
    assert hub.stderr.decode().startswith("error: a setting is not valid: hub_threshold:")
    url = lantern("leads", env={"ES_URL": "not a url"})
    assert url.returncode == 1
    assert url.stderr.decode().startswith("error: ES_URL 'not a url' is not an http(s) URL")
