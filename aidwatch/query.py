"""Read-only SQL with limits: one statement, a time limit, streamed rows, a clean interrupt.

``aidwatch sql`` and ``Store.sql`` run a user's query on a read-only connection that cannot
touch the file system (``open_store(allow_files=False)``). This module adds what keeps a
hostile or mistaken query from hurting the machine:

- exactly one statement (``select 1; select 2`` used to show only the last result);
- a time limit (``DEFAULT_TIMEOUT`` seconds, ``--timeout``): the query is interrupted and
  the user told so;
- rows are fetched in chunks as they are produced, never the whole result at once, so a cap
  (``DEFAULT_MAX_ROWS``, ``--max-rows``) bounds memory; the connection also has a memory
  limit (``MEMORY_LIMIT``);
- Ctrl-C stops the query and surfaces as ``KeyboardInterrupt`` (the CLI prints one line).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from .errors import SQLError

DEFAULT_TIMEOUT = 30.0  # seconds; every query over the shipped store takes well under one
DEFAULT_MAX_ROWS = 10_000
MEMORY_LIMIT = "2GB"
CHUNK = 1_000
HINT = ("the store is read-only; tables: snapshots, sources, series, observations, funding, "
        "events, geos (and current_* views)")


def single_statement(query: str) -> str:
    """The one statement in ``query``; empty input or several statements are SQLError."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise SQLError(f"SQL rejected: {_first_line(exc)}", HINT) from None
    if not statements:
        raise SQLError("empty query: nothing to run",
                       'give one statement, e.g. "select * from current_series limit 5"')
    if len(statements) > 1:
        raise SQLError(f"{len(statements)} statements given; `aidwatch sql` runs one at a time",
                       "run each statement separately")
    return query


@dataclass
class QueryResult:
    """A query's columns, their DuckDB types and (up to the cap) its rows."""

    columns: list[str]
    types: list[str]
    rows: list[tuple] = field(default_factory=list)
    truncated: bool = False
    seconds: float = 0.0

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self.rows, columns=self.columns)


class RunningQuery:
    """One statement executing under a time limit; iterate ``chunks()`` for its rows.

    Use as a context manager.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, query: str,
                 timeout: float | None = DEFAULT_TIMEOUT) -> None:
        if timeout is not None and not timeout > 0:
            raise SQLError(f"--timeout must be a positive number of seconds, not {timeout}")
        self.con = con
        self.query = single_statement(query)
        self.timeout = timeout
        self.started = 0.0
        self._timed_out = threading.Event()
        self._result: duckdb.DuckDBPyConnection | None = None
        self.columns: list[str] = []
        self.types: list[str] = []

    def _wait(self, call):
        """Run a DuckDB call in a worker thread while this thread watches the clock and
        stays interruptible: Ctrl-C or the time limit interrupt the query (a blocked C call
        in the main thread would delay Ctrl-C until the query ended)."""
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["value"] = call()
            except BaseException as exc:  # handed back to the waiting thread
                box["error"] = exc

        ctrl_c = threading.Event()

        def on_sigint(*_: object) -> None:
            # a KeyboardInterrupt raised here would leave DuckDB busy in the worker; ask it
            # to stop and let the worker return first
            ctrl_c.set()
            self.con.interrupt()

        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, on_sigint) if main else None
        worker = threading.Thread(target=work, name="aidwatch-sql", daemon=True)
        try:
            worker.start()
            while worker.is_alive():
                worker.join(0.05)
                if (self.timeout is not None and not self._timed_out.is_set()
                        and time.perf_counter() - self.started > self.timeout):
                    self._timed_out.set()
                    self.con.interrupt()
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
        if ctrl_c.is_set():
            raise KeyboardInterrupt
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def __enter__(self) -> RunningQuery:
        self.started = time.perf_counter()
        self._result = self._guard(lambda: self.con.execute(self.query))
        description = self._result.description or []
        self.columns = [str(d[0]) for d in description]
        self.types = [str(d[1]) for d in description]
        return self

    def __exit__(self, *exc: object) -> None:
        self._result = None

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def chunks(self, size: int = CHUNK) -> Iterator[list[tuple]]:
        """Rows in chunks of ``size`` as DuckDB produces them (nothing for a statement that
        returns no result set)."""
        if not self.columns or self._result is None:
            return
        result = self._result
        while True:
            rows = self._guard(lambda: result.fetchmany(size))
            if not rows:
                return
            yield rows

    def _guard(self, call):
        try:
            return self._wait(call)
        except KeyboardInterrupt:
            raise
        except (duckdb.InterruptException, RuntimeError) as exc:
            if self._timed_out.is_set():
                raise SQLError(f"query stopped after {self.timeout:g} s (the sql time limit)",
                               "narrow the query, or pass --timeout SECONDS") from None
            if isinstance(exc, RuntimeError) and "interrupt" not in str(exc).lower():
                raise
            raise KeyboardInterrupt from None  # Ctrl-C inside DuckDB
        except duckdb.OutOfMemoryException:
            raise SQLError(f"query needs more memory than the sql limit ({MEMORY_LIMIT})",
                           "aggregate or filter it, or add LIMIT") from None
        except duckdb.Error as exc:
            raise SQLError(f"SQL rejected: {_first_line(exc)}", HINT) from None


def run_query(con: duckdb.DuckDBPyConnection, query: str, *,
              timeout: float | None = DEFAULT_TIMEOUT,
              max_rows: int | None = DEFAULT_MAX_ROWS) -> QueryResult:
    """Run one read-only statement; at most ``max_rows`` rows are kept (None: all)."""
    if max_rows is not None and max_rows < 0:
        raise SQLError(f"--max-rows must be 0 (no cap) or more, not {max_rows}")
    with RunningQuery(con, query, timeout) as q:
        rows: list[tuple] = []
        truncated = False
        for chunk in q.chunks():
            rows.extend(chunk)
            if max_rows is not None and len(rows) > max_rows:
                rows, truncated = rows[:max_rows], True
                break
        return QueryResult(q.columns, q.types, rows, truncated, q.seconds)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
