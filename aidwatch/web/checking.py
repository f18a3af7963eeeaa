"""Claim checks in worker processes: checking a 1,000-word article holds the interpreter for
about 40 ms, and inside the server's own process every read served meanwhile would wait.

The workers open the same store file read-only (DuckDB allows several read-only processes),
locked out of the file system like the server's own connection, and read the checker's
evidence once per snapshot. They return the verdicts as ``Verdict.to_json()`` records.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

_EVIDENCE: dict[tuple[str, str], Any] = {}


def check_records(path: str, snapshot_id: str, text: str, article: str) -> list[dict]:
    """In a worker: the records of ``aidwatch.check_text`` on one snapshot of the store."""
    import duckdb

    from ..claims import check_text, load_evidence
    from ..store import Store
    from .app import jsonable

    key = (path, snapshot_id)
    if key not in _EVIDENCE:
        con = duckdb.connect(path, read_only=True, config={"enable_external_access": False})
        with Store(con, Path(path), snapshot_id) as store:
            _EVIDENCE[key] = load_evidence(store)
    if not text:
        return []
    return [jsonable(v.to_json()) for v in check_text(text, article=article,
                                                      evidence=_EVIDENCE[key])]


class CheckPool:
    """A small pool of checker processes (spawned, so no thread state is forked)."""

    def __init__(self, path: Path, processes: int) -> None:
        self.path = str(path)
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"))
            return self._pool

    def warm(self, snapshot_id: str) -> None:
        """Start the workers and load the evidence in the background."""
        pool = self._get()
        for _ in range(self.processes):
            pool.submit(check_records, self.path, snapshot_id, "", "-")

    def run(self, snapshot_id: str, text: str, article: str) -> list[dict]:
        """Check in a worker, waiting in this thread."""
        for attempt in (1, 2):
            pool = self._get()
            try:
                return pool.submit(check_records, self.path, snapshot_id, text,
                                   article).result(timeout=300)
            except BrokenProcessPool:
                self._reset(pool, attempt)
        raise AssertionError("unreachable")

    async def run_async(self, snapshot_id: str, text: str, article: str) -> list[dict]:
        """Check in a worker, awaiting it on the event loop (no server thread held)."""
        for attempt in (1, 2):
            pool = self._get()
            try:
                return await asyncio.wrap_future(pool.submit(check_records, self.path,
                                                             snapshot_id, text, article))
            except BrokenProcessPool:
                self._reset(pool, attempt)
        raise AssertionError("unreachable")

    def _reset(self, pool: ProcessPoolExecutor, attempt: int) -> None:
        # a worker died (killed, out of memory): start fresh ones and try once more
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)
        if attempt == 2:
            raise BrokenProcessPool("the claim checker's worker process died twice")

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
