"""Refresh: fetch the selected sources, validate the result, write one new snapshot.

The refresh starts from the newest snapshot's rows, replaces what each source that fetched
and mapped cleanly covers (see ``Batch``), writes the candidate tables to a temporary
directory as CSV + ``datapackage.json`` and validates them with ``load_evidence`` -- the same
checks that guard the embedded data. A source whose rows fail validation is dropped and the
rest re-validated. The snapshot is inserted inside one DuckDB transaction, so a failure
leaves the store exactly as it was. This is the only module of ``aidwatch.sources`` that
reads or writes the store.

Two rules for the write: a refresh whose tables equal the previous snapshot's (the retrieval
date of the sources aside) writes nothing and says "no changes"; and while another command
holds the store open (a ``report`` reading it), the write waits and retries, for at most
``$AIDWATCH_LOCK_WAIT`` seconds (default 60). The per-source outcome lines are reported
before the write, so a write that fails never hides what was fetched.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from ..errors import AidWatchError, DataValidationError, InputError, Problem, StoreError
from ..store import (
    TABLES,
    SnapshotDiff,
    StoreLocked,
    diff_frames,
    open_store,
    snapshot_rows,
    write_snapshot,
)
from ..validate import SCHEMAS, datapackage_descriptor, load_evidence
from .base import Batch, Connector
from .bls import BLS
from .cdc import CDC
from .foreignassistance import ForeignAssistance
from .fred import FRED
from .http import HttpClient, MissingKey, SourceError, SourceOffline
from .inegi import INEGI
from .sesnsp import SESNSP
from .worldbank import WorldBank

CONNECTORS: dict[str, type[Connector]] = {
    c.name: c for c in (CDC, WorldBank, INEGI, SESNSP, ForeignAssistance, FRED, BLS)}


@dataclass
class SourceOutcome:
    """What happened to one source: landed, failed, skipped (missing key) or offline."""

    source: str
    status: str
    message: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    payload_hashes: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        """One line for people."""
        if self.status == "landed":
            counts = ", ".join(f"{n:,} {t}" for t, n in self.rows.items() if n)
            ch = self.changes
            return (f"{self.source}: {counts} ({ch.get('added', 0)} added, "
                    f"{ch.get('revised', 0)} revised, {ch.get('removed', 0)} removed, "
                    f"{ch.get('status_changed', 0)} status changes)"
                    + (f"; {self.message}" if self.message else ""))
        return self.message if self.message.startswith(self.source) else \
            f"{self.source}: {self.message}"


@dataclass
class RefreshReport:
    previous: str
    snapshot_id: str | None
    dry_run: bool
    outcomes: list[SourceOutcome]
    summary: dict[str, int] = field(default_factory=dict)
    unchanged: bool = False   # sources landed, but their rows equal the previous snapshot's

    @property
    def landed(self) -> list[str]:
        return [o.source for o in self.outcomes if o.status == "landed"]

    @property
    def failed(self) -> list[str]:
        return [o.source for o in self.outcomes if o.status in ("failed", "offline")]

    def to_dict(self) -> dict:
        return {"previous_snapshot": self.previous, "snapshot_id": self.snapshot_id,
                "dry_run": self.dry_run, "unchanged": self.unchanged,
                "landed": self.landed, "failed": self.failed,
                "summary": self.summary, "sources": [asdict(o) for o in self.outcomes]}


def connector_table() -> list[dict]:
    """Every connector: name, title, base URL (after overrides), keys, licence, series."""
    rows = []
    for name, cls in CONNECTORS.items():
        c = cls()
        rows.append({"source": name, "title": c.title, "base_url": c.base_url,
                     "env_base_url": f"AIDWATCH_{name.upper()}_BASE_URL",
                     "keys": list(c.keys), "optional_keys": list(c.optional_keys),
                     "licence": c.licence, "citation": c.citation,
                     "series": list(c.series_ids)})
    return rows


def _select(names: Iterable[str] | None) -> list[str]:
    chosen = [n.lower() for n in names] if names else list(CONNECTORS)
    unknown = [n for n in chosen if n not in CONNECTORS]
    if unknown:
        raise InputError(f"unknown source {', '.join(map(repr, unknown))}",
                         "known: " + ", ".join(CONNECTORS))
    return list(dict.fromkeys(chosen))


def refresh(sources: Iterable[str] | None = None, *, db: str | Path | None = None,
            dry_run: bool = False, client: HttpClient | None = None,
            today: date | None = None,
            on_event: Callable[[str, str], None] | None = None,
            on_source: Callable[[SourceOutcome], None] | None = None,
            lock_wait: float | None = None) -> RefreshReport:
    """Fetch ``sources`` (default: all), validate, and write a new snapshot unless dry-run.

    Args:
        sources: connector names (``aidwatch.sources.CONNECTORS``).
        db: the store path (default: ``$AIDWATCH_DB`` or the user data directory).
        dry_run: fetch and validate, report what would change, write nothing.
        client: an ``HttpClient`` (tests pass one with short backoff).
        on_event: progress callback (source, message) for each request.
        on_source: called with each source's outcome as soon as it is known (before the
            write, so a failed write never hides them).
        lock_wait: seconds to wait for another command to release the store
            (default ``$AIDWATCH_LOCK_WAIT`` or 60).

    A failing source is reported and skipped; the others land. Nothing is written when the
    landed rows equal the previous snapshot's (``report.unchanged``). Raises only for bad
    input or a store that cannot be written (``StoreLocked`` after ``lock_wait``).
    """
    names = _select(sources)
    today = today or date.today()
    with open_store(db) as store:
        store_path = store.path
        previous = store.snapshot.snapshot_id
        prev_rows = {t: snapshot_rows(store.con, previous, t) for t in TABLES}
    own_client = client is None
    client = client or HttpClient(on_event=on_event)
    if on_event and client.on_event is None:
        client.on_event = on_event
    outcomes: dict[str, SourceOutcome] = {}
    batches: dict[str, Batch] = {}
    try:
        for name in names:
            connector = CONNECTORS[name]()
            client.set_limits(name, connector.max_body_mb, connector.max_download_mb)
            try:
                connector.check_keys()
                batch = connector.fetch(client, today)
                if not (batch.observations or batch.funding or batch.events):
                    raise SourceError(name, "the payload held no usable rows")
                batches[name] = batch
                continue
            except MissingKey as exc:
                outcome = SourceOutcome(name, "skipped", str(exc))
            except SourceOffline as exc:
                outcome = SourceOutcome(name, "offline", str(exc))
            except SourceError as exc:
                outcome = SourceOutcome(name, "failed", str(exc))
            except AidWatchError as exc:
                outcome = SourceOutcome(name, "failed", f"{name}: {exc}")
            except OSError as exc:  # an unreadable local file, a full disk while caching
                outcome = SourceOutcome(name, "failed", f"{name}: {exc.strerror or exc}")
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                outcome = SourceOutcome(name, "failed", f"{name}: unexpected payload "
                                        f"({type(exc).__name__}: {exc})")
            outcomes[name] = outcome
            if on_source:
                on_source(outcome)
    finally:
        if own_client:
            client.close()

    report = RefreshReport(previous, None, dry_run, [])
    with tempfile.TemporaryDirectory(prefix="aidwatch-refresh-") as tmp:
        base = None
        while batches:
            candidate = Path(tmp) / f"candidate-{len(batches)}"
            files = _write_candidate(candidate, prev_rows, batches)
            base, problems = load_evidence(candidate)
            if not problems:
                break
            blamed = _blame(problems, files)
            if "previous" in blamed:
                raise DataValidationError(blamed["previous"])
            for name, probs in blamed.items():
                first = "; ".join(str(p) for p in probs[:2])
                more = f" (+{len(probs) - 2} more)" if len(probs) > 2 else ""
                outcomes[name] = SourceOutcome(
                    name, "failed", f"{name}: rejected by validation: {first}{more}",
                    payload_hashes=batches[name].payload_hashes)
                if on_source:
                    on_source(outcomes[name])
                del batches[name]
        if batches and base is not None:
            new_rows = _merge(prev_rows, batches)
            total = diff_frames(_frame(prev_rows, "observations"),
                                _frame(new_rows, "observations"), _frame(prev_rows, "funding"),
                                _frame(new_rows, "funding"), "previous", "candidate")
            report.summary = total.summary()
            per_source = {name: _restrict(total, _batch_source_ids(batch, prev_rows)).summary()
                          for name, batch in batches.items()}
            digest = _digest(candidate)
            base.file_hashes = {
                name: {"payloads": batch.payload_hashes,
                       "rows": {f: base.file_hashes[f] for f in files.get(name, [])
                                if f in base.file_hashes}}
                for name, batch in batches.items()} | {"previous_snapshot": previous}
            for name, batch in batches.items():
                outcomes[name] = SourceOutcome(
                    name, "landed", "; ".join(batch.notes),
                    rows={"observations": len(batch.observations),
                          "funding lines": len(batch.funding), "events": len(batch.events)},
                    changes=per_source[name], payload_hashes=batch.payload_hashes)
                if on_source:
                    on_source(outcomes[name])
            report.unchanged = same_rows(prev_rows, new_rows)
            if not dry_run and not report.unchanged:
                snapshot_id = _snapshot_id(digest)
                skipped = [o.line() for o in outcomes.values() if o.status != "landed"]
                note = ("refresh of " + ", ".join(batches) + " from " + previous
                        + ("; not refreshed: " + " | ".join(skipped) if skipped else ""))
                try:
                    report.snapshot_id = _write_waiting(
                        store_path, base, snapshot_id, digest, note[:2000], list(batches),
                        _lock_wait() if lock_wait is None else lock_wait, on_event)
                except StoreError as exc:
                    # The outcomes travel with the error: `refresh --json` still prints them.
                    report.outcomes = [outcomes[n] for n in names if n in outcomes]
                    exc.report = report  # type: ignore[attr-defined]
                    raise
    report.outcomes = [outcomes[n] for n in names if n in outcomes]
    return report


def _lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get("AIDWATCH_LOCK_WAIT", "60")))
    except ValueError:
        return 60.0


def _write_waiting(store_path: Path, base, snapshot_id: str, digest: str, note: str,
                   fetched: list[str], lock_wait: float,
                   on_event: Callable[[str, str], None] | None) -> str:
    """``write_snapshot``, retried while another process holds the store (bounded)."""
    deadline = time.monotonic() + lock_wait
    while True:
        try:
            return write_snapshot(store_path, base, snapshot_id, "refresh", digest, note)
        except StoreLocked:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreLocked(
                    f"the store {store_path} stayed in use by another aidwatch command for "
                    f"{lock_wait:g}s; nothing was written ({', '.join(fetched)} fetched and "
                    "checked)", "run the refresh again when that command has finished; "
                    "AIDWATCH_LOCK_WAIT sets how long to wait") from None
            if on_event:
                on_event("store", f"in use by another command; waiting up to {left:.0f}s")
            time.sleep(min(0.25, left))


def same_rows(old: dict[str, list[dict]], new: dict[str, list[dict]]) -> bool:
    """Whether two versions of the tables hold the same rows (order aside).

    A source's retrieval date alone is not a change: refreshing unchanged figures on another
    day adds no snapshot. Rows are compared as the text the data files hold, so a value that
    differs in any digit counts as a change.
    """
    def rows(table: str, version: dict[str, list[dict]]) -> list[tuple[str, ...]]:
        cols = [f[0] for f in SCHEMAS[table] if not (table == "sources" and f[0] == "retrieved")]
        return sorted(tuple("" if r.get(c) is None else str(r.get(c)) for c in cols)
                      for r in version.get(table, []))
    return all(rows(t, old) == rows(t, new) for t in TABLES)


# -- candidate tables -------------------------------------------------------------------------
def _merge(prev: dict[str, list[dict]], batches: dict[str, Batch]) -> dict[str, list[dict]]:
    """The previous snapshot's rows with each batch's coverage replaced (all tables)."""
    kept = _kept(prev, batches)
    for batch in batches.values():
        for table in TABLES:
            kept[table] = kept[table] + _batch_rows(batch, table, prev, kept)
    return kept


def _kept(prev: dict[str, list[dict]], batches: dict[str, Batch]) -> dict[str, list[dict]]:
    # Each (series, geo) a batch covers is replaced over the periods the batch covers: older
    # history the publisher's answer does not include (a current-year file) is kept.
    # A dated vintage (a row with ``published``: a figure as first announced) is history,
    # not the publisher's current figure: it is kept unless the batch brings that same
    # vintage again.
    spans: dict[tuple[str, str], tuple[str, str]] = {}
    vintages: set[tuple[str, str, str, str]] = set()
    for b in batches.values():
        for o in b.observations:
            k = (o["series_id"], o["geo"])
            lo, hi = spans.get(k, (o["period"], o["period"]))
            spans[k] = (min(lo, o["period"]), max(hi, o["period"]))
            if o.get("published"):
                vintages.add((*k, o["period"], str(o["published"])))

    def covered(r: dict) -> bool:
        span = spans.get((r["series_id"], r["geo"]))
        if span is None or not span[0] <= r["period"] <= span[1]:
            return False
        published = r.get("published") or ""
        return not published or (r["series_id"], r["geo"], r["period"], published) in vintages

    fund_src = set().union(*(b.funding_source_ids for b in batches.values()))
    src_ids = {s["source_id"] for b in batches.values() for s in b.sources}
    event_ids = {e["event_id"] for b in batches.values() for e in b.events}
    kept = {t: list(rows) for t, rows in prev.items()}
    return kept | {
        "sources": [r for r in prev["sources"] if r["source_id"] not in src_ids],
        "series": list(prev["series"]),
        "observations": [r for r in prev["observations"] if not covered(r)],
        "funding": [r for r in prev["funding"] if r["source_id"] not in fund_src],
        "events": [r for r in prev["events"] if r["event_id"] not in event_ids],
    }


def _batch_rows(batch: Batch, table: str, prev: dict[str, list[dict]],
                so_far: dict[str, list[dict]]) -> list[dict]:
    if table == "series":
        known = {r["series_id"] for r in so_far["series"]}
        used = {o["series_id"] for o in batch.observations}
        if batch.funding:
            used |= {s["series_id"] for s in batch.series if s["kind"] == "funding"}
        return [s for s in batch.series if s["series_id"] not in known
                and s["series_id"] in used]
    if table == "geos":
        known = {r["geo"] for r in so_far["geos"]}
        used = {o["geo"] for o in batch.observations}
        return [g for g in batch.geos if g["geo"] not in known and g["geo"] in used]
    return list(getattr(batch, table))


def _write_candidate(directory: Path, prev: dict[str, list[dict]],
                     batches: dict[str, Batch]) -> dict[str, list[str]]:
    """Write the candidate tables; returns {owner: [file names]} (owner "previous" or source)."""
    directory.mkdir(parents=True)
    kept = _kept(prev, batches)
    owned: dict[str, dict[str, list[dict]]] = {"previous": kept}
    merged = {t: list(rows) for t, rows in kept.items()}
    for name, batch in batches.items():
        owned[name] = {}
        for table in TABLES:
            rows = _batch_rows(batch, table, prev, merged)
            owned[name][table] = rows
            merged[table] += rows
    files: dict[str, list[str]] = {}
    resources = []
    for owner, tables in owned.items():
        for table in TABLES:
            rows = tables[table]
            if not rows and owner != "previous":
                continue
            fname = f"{owner}.{table}.csv"
            _write_csv(directory / fname, table, rows)
            files.setdefault(owner, []).append(fname)
            resources.append((fname, table))
    descriptor = datapackage_descriptor(resources, merged["sources"],
                                        name="aidwatch-refresh-candidate")
    (directory / "datapackage.json").write_text(json.dumps(descriptor, indent=1,
                                                           ensure_ascii=False), "utf-8")
    return files


def _write_csv(path: Path, table: str, rows: list[dict]) -> None:
    cols = [f[0] for f in SCHEMAS[table]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(c) is None else str(r.get(c)) for c in cols])


def _blame(problems: list[Problem], files: dict[str, list[str]]) -> dict[str, list[Problem]]:
    owner_of = {f: owner for owner, fs in files.items() for f in fs}
    blamed: dict[str, list[Problem]] = {}
    for p in problems:
        owner = owner_of.get(p.file, "previous")
        blamed.setdefault(owner, []).append(p)
    return blamed


def _digest(directory: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(directory.glob("*.csv")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _snapshot_id(digest: str) -> str:
    return f"{datetime.now(UTC):%Y-%m-%dT%H%M%S}-refresh-{digest[:8]}"


def _frame(rows: dict[str, list[dict]], table: str) -> pd.DataFrame:
    cols = [f[0] for f in SCHEMAS[table]]
    df = pd.DataFrame(rows[table], columns=cols)
    num = "value" if table == "observations" else "amount_usd"
    df[num] = pd.to_numeric(df[num])
    return df


def _restrict(diff: SnapshotDiff, ids: set[str]) -> SnapshotDiff:
    """The part of a diff that involves rows citing one of ``ids`` (before or after)."""
    def part(df: pd.DataFrame) -> pd.DataFrame:
        return df[df["old_source"].isin(ids) | df["new_source"].isin(ids)]
    return SnapshotDiff(diff.a, diff.b, part(diff.observations), part(diff.funding))


def _batch_source_ids(batch: Batch, prev: dict[str, list[dict]]) -> set[str]:
    """The source ids whose rows this batch replaced or wrote (for its own change counts)."""
    kept = _kept(prev, {batch.source: batch})["observations"]
    replaced = {id(r) for r in prev["observations"]} - {id(r) for r in kept}
    ids = {s["source_id"] for s in batch.sources}
    ids |= {r["source_id"] for r in prev["observations"] if id(r) in replaced}
    return ids


__all__ = ["CONNECTORS", "RefreshReport", "SnapshotDiff", "SourceOutcome", "connector_table",
           "refresh", "same_rows"]
