"""Worker processes for the CPU-bound part of a job (extraction, signatures), so both
cores work while this process reads from and writes to Elasticsearch.

A job hands chunks to :func:`processes`' map; results come back in order, at most two
chunks per worker in flight (memory stays flat however large the batch). With
``extract_workers: 0``, or when forking is not safe, the work stays in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

from leads.settings import Settings

T = TypeVar("T")
R = TypeVar("R")


class Mapper:
    """``fn`` over chunks, in order: in this process, or in worker processes."""

    def __init__(self, pool: Executor | None, limit: int) -> None:
        self.pool, self.limit = pool, limit

    def __call__(self, fn: Callable[..., R], chunks: Iterable[T], *args: Any) -> Iterator[R]:
        if self.pool is None:
            yield from (fn(chunk, *args) for chunk in chunks)
            return
        pending: deque[Future[R]] = deque()
        for chunk in chunks:
            pending.append(self.pool.submit(fn, chunk, *args))
            if len(pending) >= self.limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter), read as they are needed."""
    rest = iter(items)
    return iter(lambda: list(islice(rest, size)), [])


def workers(settings: Settings) -> int:
    """How many worker processes: the setting, else one per core (this process mostly
    waits on Elasticsearch, and so does Elasticsearch on a small machine)."""
    if settings.extract_workers is not None:
        return settings.extract_workers
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def processes(settings: Settings) -> Iterator[Mapper]:
    """A :class:`Mapper` over forked worker processes (they share what this process has
    imported and built), or over this process alone."""
    count = workers(settings)
    # Forking is only safe while this is the only thread (a lock another thread holds
    # would be copied held), and the other ways to start a process re-run the caller's
    # main script: with other threads about (a scheduler's task runner, say), the work
    # stays in this process.
    if count == 0 or threading.active_count() > 1:
        yield Mapper(None, 0)
        return
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
    try:
        yield Mapper(pool, limit=2 * count)
    finally:
        pool.shutdown(cancel_futures=True)
