"""The Elasticsearch store: index templates behind aliases, idempotent bulk writes.

Every bulk reports what went in and what did not; what did not becomes a dead letter
with its reason (counts in = indexed + dead letters, always). One bad document costs
one document: a request refused as a whole is split until the bad one stands alone.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers
from elasticsearch.serializer import JsonSerializer

from leads import fastjson
from leads.deadletters import dead_letter, spill_path
from leads.deadletters import spill as spill_letters
from leads.limits import MAX_BULK_BYTES
from leads.models import DeadLetter
from leads.settings import Settings

MAPPINGS_DIR = Path(__file__).with_name("mappings")
KINDS = (
    "raw",
    "leads",
    "entities",
    "templates",
    "deadletters",
    "state",
    "gw-records",
    "gw-employers",
    "gw-joborders",
    "gw-files",
    "audit",
    "cases",
    "case-items",
    "holds",
    "deconfliction",
    "users",
    "sessions",
    "judgements",
    "tips",
)


class StoreError(RuntimeError):
    """Elasticsearch cannot be used (unreachable, refused, misconfigured)."""


class StoreUnavailable(StoreError):
    """Elasticsearch went away during a run and stayed away past the retry window.
    ``report`` says what the interrupted bulk had indexed and refused by then."""

    report: BulkReport | None = None


@dataclass
class BulkReport:
    indexed: int = 0
    failed: list[DeadLetter] = field(default_factory=list)


class _Json(JsonSerializer):
    """The client's JSON, through :mod:`leads.fastjson` (scans and bulk responses are
    most of what a command decodes); a request body orjson refuses is written as the
    client always wrote it."""

    def json_dumps(self, data: Any) -> bytes:
        try:
            return fastjson.dumps(data, default=self.default)
        except ValueError:
            return super().json_dumps(data)

    def json_loads(self, data: bytes) -> Any:
        return fastjson.loads(data)


def connect(settings: Settings) -> Elasticsearch:
    auth = (
        (settings.es_username, settings.es_password)
        if settings.es_username and settings.es_password
        else None
    )
    options: dict[str, Any] = {"ca_certs": settings.es_ca_certs} if settings.es_ca_certs else {}
    if not settings.es_url.startswith(("http://", "https://")):
        raise StoreError(f"ES_URL {settings.es_url!r} is not an http(s) URL")
    try:
        es = Elasticsearch(
            settings.es_url,
            basic_auth=auth,
            request_timeout=30,
            retry_on_timeout=True,
            max_retries=3,
            serializer=_Json(),
            **options,
        )
    except ValueError as exc:
        raise StoreError(f"ES_URL {settings.es_url!r} cannot be used: {exc}") from None
    return check(es, settings.es_url)


def check(es: Elasticsearch, where: str) -> Elasticsearch:
    """``es`` if the cluster answers, else :class:`StoreError` naming ``where``."""
    try:
        es.cluster.health(timeout="5s")
    except (TransportError, ApiError) as exc:
        raise StoreError(f"Elasticsearch unreachable at {where}: {exc}") from None
    return es


def load_mapping(kind: str, folder: Path = MAPPINGS_DIR) -> dict[str, Any]:
    """The mapping of ``kind`` from ``folder``, else from Lantern's own (a service with
    indices of its own, like the deconfliction hub, reuses the audit trail's)."""
    path = folder / f"{kind}.json"
    spec: dict[str, Any] = json.loads(
        (path if path.exists() else MAPPINGS_DIR / path.name).read_text()
    )
    spec.pop("_comment", None)
    return spec


def ensure_indices(
    es: Elasticsearch,
    settings: Settings,
    kinds: Iterable[str] = KINDS,
    folder: Path = MAPPINGS_DIR,
) -> None:
    """Templates for every kind, and a versioned backing index behind each alias.

    Every command runs this first, so it reads before it writes: three requests find
    what is already in place, and only a missing or different template or mapping is
    written (a write is a cluster-state update: seconds, for 19 kinds, on a small node)."""
    specs = {kind: load_mapping(kind, folder) for kind in kinds}
    aliases = {kind: settings.index(kind) for kind in specs}
    found = es.options(ignore_status=404).indices.get_index_template(
        name=f"{settings.index_prefix}-*"
    )
    templates = {t["name"]: t["index_template"] for t in found.get("index_templates", [])}
    names = ",".join(aliases.values())
    held = es.options(ignore_status=404).indices.get_alias(name=names)
    live: dict[str, Any] = {}
    for index, info in held.items():
        if isinstance(info, dict):
            for alias in info.get("aliases", {}):
                live[alias] = index
    mappings: Any = (
        es.indices.get_mapping(index=",".join(sorted(set(live.values())))) if live else {}
    )
    for kind, spec in specs.items():
        alias = aliases[kind]
        stored = templates.get(alias, {})
        template = stored.get("template", {})
        same = (
            stored.get("version") == spec["version"]
            and template.get("mappings") == spec["mappings"]
            and _flat(template.get("settings", {})) == _flat({"index": spec["settings"]})
        )

        if not same:
            es.indices.put_index_template(
                name=alias,
                index_patterns=[f"{alias}-v*"],
                template={"settings": spec["settings"], "mappings": spec["mappings"]},
                version=spec["version"],
                priority=100,
            )
        if alias not in live:
            es.indices.create(
                index=f"{alias}-v{spec['version']}", aliases={alias: {"is_write_index": True}}
            )
        elif mappings.get(live[alias], {}).get("mappings") != spec["mappings"]:
            # Added fields reach existing indices; a changed field type is refused here
            # and needs a new version (a reindex), as it should.
            es.indices.put_mapping(index=alias, **spec["mappings"])


def _flat(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Index settings as Elasticsearch returns them (dotted keys under ``index``, every
    value a string), to compare what is stored with what is specified."""
    out: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{name}."))
        else:
            out[name.removeprefix("index.index.")] = str(value).lower()
    return {k if k.startswith("index.") else f"index.{k}": v for k, v in out.items()}


def drop_indices(es: Elasticsearch, settings: Settings, kinds: Iterable[str] = KINDS) -> None:
    """Removes every index and template under the prefix (the tests' own prefixes)."""
    for kind in kinds:
        alias = settings.index(kind)
        es.indices.delete(index=f"{alias}-v*", ignore_unavailable=True, allow_no_indices=True)
        es.options(ignore_status=404).indices.delete_index_template(name=alias)


def _action(index: str, doc_id: str, source: dict[str, Any] | bytes, op: str = "index") -> bytes:
    """One document as its two bulk lines (``op`` "index", or "update": a partial
    document); ``source`` is a dict, or a document already serialised as JSON (a
    model's ``model_dump_json``: the cheapest way to send one). Raises ValueError for
    what cannot be sent (a lone surrogate in a string cannot be UTF-8): that document
    alone is refused."""
    head = fastjson.dumps({op: {"_index": index, "_id": doc_id}})
    if isinstance(source, bytes):
        if b"\n" in source:  # one JSON document per line, or the request is misread
            raise ValueError("a serialised document spans more than one line")
        body = source
    else:
        body = fastjson.dumps(source)
    if op == "update":
        body = b'{"doc":%s}' % body
    return b"%s\n%s\n" % (head, body)


def _reason(info: dict[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        reason = f"{error.get('type')}: {error.get('reason')}"
        cause = error.get("caused_by")
        if isinstance(cause, dict):
            reason += f" ({cause.get('type')}: {cause.get('reason')})"
        return reason
    return str(error or info.get("status"))


def _api_reason(exc: ApiError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    return _reason(info) if info.get("error") else f"{exc.meta.status}: {exc.message}"


class _Bulk:
    """Sends chunks of documents; what each item's fate is ends up in ``report``.

    - An item Elasticsearch refuses becomes a dead letter with its reason.
    - Items answered 429 (too many requests) are sent again with backoff.
    - A request refused as a whole (400 or 413: one item can do that, e.g. an id over
      512 bytes) is split in halves until the item that causes it stands alone, so only
      that item becomes a dead letter.
    - A request that fails for Elasticsearch's sake (connection lost, timeout, 5xx) is
      sent again with backoff for ``settings.es_retry_seconds``; after that the whole run
      stops with :class:`StoreUnavailable`, and a re-run converges (ids are stable).
    """

    def __init__(self, es: Elasticsearch, settings: Settings, kind: str, stage: str,
                 batch_id: str | None, report: BulkReport) -> None:  # fmt: skip
        self.es, self.settings, self.kind = es, settings, kind
        self.stage, self.batch_id, self.report = stage, batch_id, report
        self._lock = threading.Lock()  # chunks are sent from several threads at once

    def send(self, items: list[tuple[str, bytes]]) -> None:
        retries = 0
        while items:
            response = self._request(items)
            if response is None:  # refused as a whole: split
                if len(items) == 1:
                    return
                half = len(items) // 2
                self.send(items[:half])
                self.send(items[half:])
                return
            again = []
            indexed = 0
            for (doc_id, line), item in zip(items, response["items"], strict=True):
                info = next(iter(item.values()))
                status = int(info.get("status", 500))
                if status < 300:
                    indexed += 1
                elif status == 429 and retries < self.settings.bulk_max_retries:
                    again.append((doc_id, line))
                else:
                    self._dead(doc_id, _reason(info))
            with self._lock:
                self.report.indexed += indexed
            if again:
                retries += 1
                time.sleep(min(30.0, 2.0**retries))
            items = again

    def _request(self, items: list[tuple[str, bytes]]) -> dict[str, Any] | None:
        body = b"".join(line for _, line in items)
        deadline = time.monotonic() + self.settings.es_retry_seconds
        attempt = 0
        while True:
            try:
                return dict(self.es.bulk(operations=cast(Any, body)))
            except ApiError as exc:
                status = exc.meta.status
                if status in (400, 413):  # refused for what it holds: split
                    if len(items) == 1:
                        self._dead(items[0][0], _api_reason(exc))
                    return None
                if status in (401, 403, 404):
                    raise StoreError(
                        f"Elasticsearch at {self.settings.es_url} refused the write: "
                        f"{_api_reason(exc)[:300]}"
                    ) from None
                problem: Exception = exc  # 429 or 5xx: wait and send again
            except TransportError as exc:  # connection refused or lost, timeout
                problem = exc
            attempt += 1
            wait = min(10.0, 0.5 * 2**attempt)
            if time.monotonic() + wait > deadline:
                raise StoreUnavailable(
                    f"Elasticsearch at {self.settings.es_url} stopped answering "
                    f"({type(problem).__name__}: {str(problem)[:200]}); gave up after "
                    f"{self.settings.es_retry_seconds:g} s of retries"
                ) from None
            time.sleep(wait)

    def _dead(self, doc_id: str, reason: str) -> None:
        letter = dead_letter(self.stage, doc_id, f"{self.kind}: {reason}", self.batch_id)
        with self._lock:
            self.report.failed.append(letter)


class _InFlight:
    """At most ``limit`` chunks sent at once, each on a thread of a pool of that size;
    a failure in one (Elasticsearch gone past the retry window, a refused write) is
    raised to the caller at the next submit or at :meth:`finish`.

    Writes keep their order where it matters: a chunk holding an id that a chunk in
    flight also holds waits for it, so the later version of a document wins, as it
    would if the chunks went one by one."""

    def __init__(self, sender: _Bulk, limit: int) -> None:
        self.sender, self.limit = sender, limit
        self.pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="bulk")
        self.pending: dict[Future[None], set[str]] = {}

    def submit(self, chunk: list[tuple[str, bytes]]) -> None:
        ids = {doc_id for doc_id, _ in chunk}
        if any(not ids.isdisjoint(other) for other in self.pending.values()):
            self._wait(wait(self.pending).done)
        elif len(self.pending) >= self.limit:
            self._wait(wait(self.pending, return_when=FIRST_COMPLETED).done)
        self.pending[self.pool.submit(self.sender.send, chunk)] = ids

    def _wait(self, done: set[Future[None]]) -> None:
        for future in done:
            del self.pending[future]
        _raise_first(done)

    def finish(self, *, quietly: bool = False) -> None:
        """Waits for every chunk in flight, so each item is counted either way; then
        raises the first failure among them (unless already failing: ``quietly``)."""
        done = wait(self.pending).done
        self.pending = {}
        self.pool.shutdown()
        if not quietly:
            _raise_first(done)


def _raise_first(done: set[Future[None]]) -> None:
    for future in done:
        problem = future.exception()
        if problem is not None:
            raise problem


def bulk_index(
    es: Elasticsearch,
    settings: Settings,
    kind: str,
    docs: Iterable[tuple[str, dict[str, Any] | bytes]],
    *,
    stage: str,
    batch_id: str | None = None,
    refresh: bool = False,
    spill: Path | None = None,
) -> BulkReport:
    """Indexes ``(id, source)`` pairs in chunks (by count and by bytes), up to
    ``settings.bulk_concurrency`` requests in flight; every document is either indexed
    or a dead letter (also recorded: in the dead-letter index, or in ``spill`` when
    Elasticsearch will not take it). Raises :class:`StoreUnavailable` when Elasticsearch
    stays away past the retry window; the dead letters gathered so far are kept in the
    spill file first."""
    report = BulkReport()
    try:
        _write(es, settings, kind, docs, "index", stage, batch_id, report)
    except BaseException as exc:
        # Whatever stopped the run (Elasticsearch away, the input's own failure), the
        # dead letters so far are kept before it is raised.
        why = "Elasticsearch away" if isinstance(exc, StoreUnavailable) else type(exc).__name__
        spill_letters(spill or spill_path(settings, batch_id), report.failed, why)
        raise
    record_dead_letters(es, settings, report.failed, spill=spill)
    if refresh:
        es.indices.refresh(index=settings.index(kind))
    return report


def _write(
    es: Elasticsearch,
    settings: Settings,
    kind: str,
    docs: Iterable[tuple[str, dict[str, Any] | bytes]],
    op: str,
    stage: str,
    batch_id: str | None,
    report: BulkReport,
) -> None:
    """The bulk writes behind :func:`bulk_index` and :func:`partial_update`: what each
    item's fate was, in ``report`` (also when it raises)."""
    index = settings.index(kind)
    sender = _Bulk(es, settings, kind, stage, batch_id, report)
    flight = _InFlight(sender, settings.bulk_concurrency)
    chunk: list[tuple[str, bytes]] = []
    size = 0
    try:
        try:
            for doc_id, source in docs:
                try:
                    line = _action(index, doc_id, source, op)
                except (TypeError, ValueError) as exc:  # incl. UnicodeEncodeError
                    reason = f"cannot be sent ({type(exc).__name__}: {exc})"[:500]
                    sender._dead(doc_id, reason)
                    continue
                chunk.append((doc_id, line))
                size += len(line)
                if len(chunk) >= settings.bulk_chunk_size or size >= MAX_BULK_BYTES:
                    flight.submit(chunk)
                    chunk, size = [], 0
            if chunk:
                flight.submit(chunk)
        except BaseException:
            flight.finish(quietly=True)  # the chunks in flight are counted either way
            raise
        flight.finish()
    except StoreUnavailable as exc:
        exc.report = report
        raise


def record_dead_letters(
    es: Elasticsearch | None,
    settings: Settings,
    letters: list[DeadLetter],
    *,
    spill: Path | None = None,
    batch_id: str | None = None,
) -> None:
    """Stores dead letters in the dead-letter index; those it does not take (or all, with
    no Elasticsearch) go to the spill file. Never raises: recording a failure must not
    become one."""
    if not letters:
        return
    target = spill or spill_path(settings, batch_id or letters[0].batch_id)
    if es is None:
        spill_letters(target, letters, "no Elasticsearch in this run")
        return
    index = settings.index("deadletters")
    chunk: list[DeadLetter] = []
    size = 0
    for letter in letters:
        line = _action(index, letter.id, letter.model_dump(mode="json"))
        chunk.append(letter)
        size += len(line)
        if len(chunk) >= 500 or size >= MAX_BULK_BYTES:
            _store_letters(es, index, chunk, target)
            chunk, size = [], 0
    if chunk:
        _store_letters(es, index, chunk, target)
    with contextlib.suppress(ApiError, TransportError):  # stored or spilled: visibility can wait
        es.indices.refresh(index=index)


def _store_letters(es: Elasticsearch, index: str, letters: list[DeadLetter], spill: Path) -> None:
    """One bulk of dead letters; what it does not take goes to the spill file."""
    body = b"".join(_action(index, x.id, x.model_dump(mode="json")) for x in letters)
    try:
        response = es.bulk(operations=cast(Any, body))
    except (ApiError, TransportError) as exc:
        spill_letters(spill, letters, f"Elasticsearch refused them: {type(exc).__name__}")
        return
    refused = {
        next(iter(item.values())).get("_id")
        for item in response["items"]
        if int(next(iter(item.values())).get("status", 500)) >= 300
    }
    if refused:
        kept = [letter for letter in letters if letter.id in refused]
        spill_letters(spill, kept, "the dead-letter index refused them")


def count(
    es: Elasticsearch, settings: Settings, kind: str, query: dict[str, Any] | None = None
) -> int:
    es.indices.refresh(index=settings.index(kind))
    return int(es.count(index=settings.index(kind), query=query)["count"])


def scan(
    es: Elasticsearch,
    settings: Settings,
    kind: str,
    query: dict[str, Any],
    source: list[str] | None = None,
    refresh: bool = True,
) -> Iterator[dict[str, Any]]:
    """Every matching document. ``refresh`` first makes recent writes visible (crawls
    write without refreshing); a caller reading many times in a row refreshes once."""
    if refresh:
        es.indices.refresh(index=settings.index(kind))
    body: dict[str, Any] = {"query": query}
    if source is not None:
        body["_source"] = source
    for hit in helpers.scan(es, index=settings.index(kind), query=body):
        yield hit["_source"]


def delete_where(es: Elasticsearch, settings: Settings, kind: str, query: dict[str, Any]) -> int:
    """Deletes every matching document and returns how many (the minimal local node has
    no delete-by-query). Raises :class:`StoreError` naming what could not be deleted:
    a caller that promised "nothing half-written" must know."""
    index = settings.index(kind)
    es.indices.refresh(index=index)
    ids = [
        hit["_id"] for hit in helpers.scan(es, index=index, query={"query": query}, _source=False)
    ]
    actions = ({"_op_type": "delete", "_index": index, "_id": i} for i in ids)
    failed = []
    stream = helpers.streaming_bulk(
        es, actions, raise_on_error=False, raise_on_exception=False, refresh=True
    )
    for ok, item in stream:
        info = next(iter(item.values()))
        if not ok and info.get("status") != 404:  # already gone is what we wanted
            failed.append(f"{info.get('_id')}: {_reason(info)}")
    if failed:
        raise StoreError(
            f"{len(failed)} of {len(ids)} {kind} documents could not be deleted "
            f"(first: {failed[0][:300]})"
        )
    return len(ids)


def partial_update(
    es: Elasticsearch, settings: Settings, kind: str, docs: list[tuple[str, dict[str, Any]]]
) -> None:
    """Partial document updates by id (no scripts: the minimal local node has no
    Painless), sent as :func:`bulk_index` sends. Raises :class:`StoreError` naming the
    first update that did not take."""
    if not docs:
        return
    report = BulkReport()
    _write(es, settings, kind, docs, "update", "update", None, report)
    if report.failed:
        first = report.failed[0]
        raise StoreError(
            f"{len(report.failed)} of {len(docs)} {kind} updates failed "
            f"(first: {first.record_id}: {first.reason[:300]})"
        )
    es.indices.refresh(index=settings.index(kind))
