"""Runs one source's collection: the refusal check, the platform collector, the sink.

    collect_source(source, batch_id, es=…, out=…)  ->  Report

The CLI, the Airflow DAG and the tests all come through here, so the registry's
terms check cannot be skipped by any of them.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

from crawlers.netguard import Resolver, resolve
from crawlers.social.client import FetchError, PoliteClient, RateLimited
from crawlers.social.registry import COLLECTORS, Source, check_runnable, load_kinds
from crawlers.social.sink import PageEvidence, PostSink, Report
from crawlers.social.state import EsState, MemoryState, State
from leads.deadletters import spill_path
from leads.settings import Settings, get_settings

S = TypeVar("S", bound=Source)


@dataclass
class Context:
    source: Source
    state: State
    sink: PostSink
    client: Callable[[], PoliteClient]
    settings: Settings
    # Seconds a collector may wait on a rate limit before pausing the source.
    max_wait: float = 900.0
    # Every pause a collector makes itself (reconnect backoff); tests pass their own.
    sleep: Callable[[float], None] = time.sleep
    # How names are resolved for the address guard (connections use the same answer).
    resolver: Resolver = resolve
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def typed(self, model: type[S]) -> S:
        """The source as its kind's model (the collector's own ``Source``)."""
        if not isinstance(self.source, model):
            raise TypeError(f"source {self.source.id} is not a {model.__module__} source")
        return self.source

    def each(
        self, targets: list[str], key_of: Callable[[str], str], one: Callable[..., str]
    ) -> None:
        """Runs ``one(client, target, key)`` per target with one client, recording each
        outcome; a rate-limit pause or an unusable answer ends that target only. A host
        that wants a login (401/403) would want it for the rest too: they are recorded
        as skipped without asking again."""
        with self.client() as client:
            for index, target in enumerate(targets):
                key = key_of(target)
                try:
                    outcome = one(client, target, key)
                except RateLimited as exc:
                    outcome = f"paused: {exc}"
                except FetchError as exc:
                    outcome = f"skipped: no usable answer ({exc})"
                self.done(key, outcome)
                if outcome.startswith("skipped") and ("401" in outcome or "403" in outcome):
                    for rest in targets[index + 1 :]:
                        self.done(key_of(rest), outcome)
                    return

    def done(self, target: str, outcome: str) -> None:
        """Records how one target (a timeline, an actor, a channel) went."""
        status = outcome.split(":", 1)[0]
        with self._lock:
            self.sink.report.targets[target] = outcome
        self.state.status(self.source.id, target, status, outcome)


def collect_source(
    source: Source,
    batch_id: str,
    *,
    es: Any = None,
    out: TextIO | None = None,
    settings: Settings | None = None,
    state: State | None = None,
    max_wait: float = 900.0,
    min_interval: float | None = None,
    sleep: Callable[[float], None] | None = None,
    spill: Path | None = None,
    resolver: Resolver = resolve,
) -> Report:
    """Collects ``source`` into ``es`` (raw index + state) and/or ``out`` (JSON Lines).
    Raises :class:`~crawlers.social.registry.SourceRefused` before any request when the
    registry says the source may not run. ``min_interval`` overrides the kind's pause
    between requests to one host, ``sleep`` every wait (tests against the local replay
    server); ``spill`` is where dead letters go when Elasticsearch does not take them
    (default: under the data folder, by batch)."""
    check_runnable(source)
    settings = settings or get_settings()
    kind = load_kinds()[source.kind]
    if state is None:
        state = EsState(es, settings) if es is not None else MemoryState()
    evidence = PageEvidence(settings.evidence_folder(batch_id), source.id)
    sink = PostSink(
        source.id,
        batch_id,
        settings=settings,
        es=es,
        out=out,
        evidence=evidence,
        stage=f"collect-{source.kind}",
        spill=spill or spill_path(settings, batch_id),
    )

    def client() -> PoliteClient:
        return PoliteClient(
            user_agent=settings.user_agent,
            allowed_private_hosts=settings.allowed_private_hosts,
            min_interval=kind.min_interval if min_interval is None else min_interval,
            max_wait=max_wait,
            max_bytes=settings.download_maxsize,
            timeout=settings.download_timeout,
            sleep=sleep or time.sleep,
            resolver=resolver,
        )

    ctx = Context(
        source, state, sink, client, settings, max_wait, sleep=sleep or time.sleep,
        resolver=resolver,
    )  # fmt: skip
    try:
        _collector(source.kind)(ctx)
    finally:
        sink.flush()
        evidence.close()
    return sink.report


def _collector(kind: str) -> Callable[[Context], None]:
    collect: Callable[[Context], None] = importlib.import_module(COLLECTORS[kind]).collect
    return collect
