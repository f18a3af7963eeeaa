"""The DuckDB store: schema, the atomic build from the embedded data, snapshots, reads.

The store is a single DuckDB file (``--db PATH``, ``$AIDWATCH_DB`` or the user data
directory). It is built from ``aidwatch/data`` on first use and rebuilt whenever those files
change; the build writes a temporary file next to the target and renames it into place, so a
failed or interrupted build never leaves a half-written store. Every table carries a
``snapshot_id``: the embedded data is one snapshot, and each refresh adds another.
Reads go through a read-only connection.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from . import settings
from ._version import __version__
from .dimensions import period_of
from .errors import (
    DataValidationError,
    InputError,
    StoreError,
    UnknownSeriesError,
)
from .model import STAGES, Series, Source, parse_period, parse_selector
from .query import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, MEMORY_LIMIT, QueryResult, run_query
from .storefile import (
    StoreFile,
    build_file,
    connect,
    failure_cause,
    first_line,
    inspect_store,
    install_build,
    is_lock_error,
    refuse,
    remove_stale_builds,
    sql_literal,
)
from .validate import SCHEMAS, EvidenceBase, data_hash, load_evidence

SCHEMA_VERSION = 3  # 3: dimension columns (series), period end/kind and vintage (observations)
EMBEDDED = "embedded"

DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE snapshots (
    snapshot_id TEXT PRIMARY KEY, created_at TIMESTAMP NOT NULL, kind TEXT NOT NULL,
    data_date DATE, data_hash TEXT NOT NULL, aidwatch_version TEXT NOT NULL,
    source_hashes JSON, note TEXT);
CREATE TABLE sources (
    snapshot_id TEXT NOT NULL, source_id TEXT NOT NULL, publisher TEXT, title TEXT, url TEXT,
    table_ref TEXT, retrieved DATE, licence TEXT, via TEXT, notes TEXT,
    PRIMARY KEY (snapshot_id, source_id));
CREATE TABLE series (
    snapshot_id TEXT NOT NULL, series_id TEXT NOT NULL, name TEXT, unit TEXT, frequency TEXT,
    geo TEXT, kind TEXT, definition TEXT, default_source_id TEXT, min_value DOUBLE,
    max_value DOUBLE, valid_from INTEGER, valid_to INTEGER, selector TEXT,
    measure TEXT, drug TEXT, intent TEXT, sex TEXT, age_group TEXT, agency TEXT,
    period_kind TEXT,
    PRIMARY KEY (snapshot_id, series_id));
CREATE TABLE observations (
    snapshot_id TEXT NOT NULL, series_id TEXT NOT NULL, geo TEXT NOT NULL, period TEXT NOT NULL,
    period_start DATE NOT NULL, value DOUBLE NOT NULL, status TEXT NOT NULL,
    source_id TEXT NOT NULL, note TEXT, published TEXT NOT NULL DEFAULT '',
    period_end DATE NOT NULL, period_kind TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, series_id, geo, period, published));
CREATE TABLE funding (
    snapshot_id TEXT NOT NULL, line_id TEXT NOT NULL, donor TEXT, recipient TEXT, program TEXT,
    account TEXT, fy_start INTEGER, fy_end INTEGER, stage TEXT, amount_usd DOUBLE,
    approximate TEXT, source_id TEXT, vehicle TEXT, note TEXT,
    PRIMARY KEY (snapshot_id, line_id));
CREATE TABLE events (
    snapshot_id TEXT NOT NULL, event_id TEXT NOT NULL, date TEXT, precision TEXT, kind TEXT,
    actors TEXT, title TEXT, description TEXT, source_id TEXT,
    PRIMARY KEY (snapshot_id, event_id));
CREATE TABLE geos (
    snapshot_id TEXT NOT NULL, geo TEXT NOT NULL, name TEXT, level TEXT, source_id TEXT,
    PRIMARY KEY (snapshot_id, geo));
CREATE VIEW latest_snapshot AS
    SELECT * FROM snapshots ORDER BY created_at DESC, snapshot_id DESC LIMIT 1;
CREATE VIEW cube AS
    SELECT o.snapshot_id, o.series_id, s.measure, s.unit, s.drug, s.intent, s.sex,
           s.age_group, o.geo AS area, o.period, o.period_start, o.period_end, o.period_kind,
           o.status, o.published, s.agency, o.source_id, o.value, s.kind AS series_kind
    FROM observations o JOIN series s USING (snapshot_id, series_id);
"""
TABLES = ("sources", "series", "observations", "funding", "events", "geos")
# Views over the newest snapshot, for people writing SQL by hand.
CURRENT_VIEWS = "\n".join(
    f"CREATE VIEW current_{t} AS SELECT * EXCLUDE (snapshot_id) FROM {t} "
    f"WHERE snapshot_id = (SELECT snapshot_id FROM latest_snapshot);"
    for t in (*TABLES, "cube")
)
# The value of a period as of now: the final figure where there is one, else the newest vintage.
# An undated row comes from the publisher's current file (refreshes, data files read as
# they stand): it outranks the dated first announcements kept as vintages.
CURRENT_VINTAGE = ("QUALIFY row_number() OVER (PARTITION BY series_id, geo, period ORDER BY "
                   "(status = 'final') DESC, (published = '') DESC, published DESC) = 1")
# The value of a period as published on a date: the newest vintage not later than it.
AS_OF_VINTAGE = ("QUALIFY row_number() OVER (PARTITION BY series_id, geo, period ORDER BY "
                 "published DESC) = 1")


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    created_at: str
    kind: str
    data_date: str | None
    data_hash: str


def _frames(base: EvidenceBase, snapshot_id: str) -> dict[str, pd.DataFrame]:
    """The parsed tables as frames shaped like the store's tables."""
    series_kind = {r["series_id"]: r["period_kind"] for r in base.rows("series")}
    frames = {}
    for kind in TABLES:
        rows = [{k: v for k, v in r.items() if not k.startswith("_")} for r in base.rows(kind)]
        df = pd.DataFrame(rows)
        if kind == "observations" and not df.empty:
            spans = [period_of(p, series_kind[s])
                     for p, s in zip(df["period"], df["series_id"], strict=True)]
            df["period_start"] = [sp.start for sp in spans]
            df["period_end"] = [sp.end for sp in spans]
            df["period_kind"] = [sp.kind for sp in spans]
            df["published"] = df["published"].fillna("") if "published" in df else ""
        if kind == "sources":
            df = df.rename(columns={"table": "table_ref"})
        df.insert(0, "snapshot_id", snapshot_id)
        frames[kind] = df
    return frames


def insert_snapshot(con: duckdb.DuckDBPyConnection, base: EvidenceBase, snapshot_id: str,
                    kind: str, digest: str, note: str = "") -> None:
    """Write one complete snapshot (all five tables) inside the caller's transaction."""
    retrieved = [r["retrieved"] for r in base.rows("sources") if r.get("retrieved")]
    con.execute(
        "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [snapshot_id, datetime.now(UTC).replace(tzinfo=None), kind,
         max(retrieved) if retrieved else None, digest, __version__,
         json.dumps(base.file_hashes, sort_keys=True), note],
    )
    for table, df in _frames(base, snapshot_id).items():
        if df.shape[1] <= 1:
            continue
        cols = ", ".join(df.columns)
        con.register("_frame", df)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _frame")
        con.unregister("_frame")


def build_store(path: Path, data_dir: Path | None = None) -> Path:
    """Build the store at ``path`` from a data directory, atomically.

    The new store is written to a temporary file beside ``path`` and renamed over it only when
    complete and checked. Snapshots added by refreshes to an existing store of the same schema
    version are carried over. A file at ``path`` that is not an AidWatch store is never
    replaced.
    """
    data_dir = data_dir or settings.DATA_DIR
    base, problems = load_evidence(data_dir)
    if problems:
        raise DataValidationError(problems)
    old = inspect_store(path)
    refuse(old)
    old_version = old.meta.get("schema_version") if old.state == "store" else None
    keep_old = (old_version not in (None, str(SCHEMA_VERSION))
                and old.meta.get("n_refresh_snapshots", "0") != "0")
    digest = data_hash(data_dir)
    snapshot_id = f"{EMBEDDED}-{digest[:10]}"
    tmp = build_file(path)
    try:
        con = connect(tmp, read_only=False)
        try:
            con.execute("BEGIN")
            con.execute(DDL)
            con.execute(CURRENT_VIEWS)
            con.execute("INSERT INTO meta VALUES ('schema_version', ?), ('embedded_hash', ?)",
                        [str(SCHEMA_VERSION), digest])
            insert_snapshot(con, base, snapshot_id, EMBEDDED, digest,
                            "built from the data shipped with AidWatch " + __version__)
            con.execute("COMMIT")
            if old_version == str(SCHEMA_VERSION):
                _carry_over_refreshes(con, path)
            _check_complete(con, base, snapshot_id)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        install_build(tmp, path, old, keep_old)
    except BaseException as exc:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if isinstance(exc, duckdb.Error | OSError):
            raise StoreError(f"building the store {path} failed: {failure_cause(exc)}",
                             "nothing was changed: the previous store, if any, is as it was"
                             ) from None
        raise
    remove_stale_builds(path)
    return path


def _carry_over_refreshes(con: duckdb.DuckDBPyConnection, old: Path) -> None:
    """Copy the refresh snapshots of the old store, in one transaction of their own."""
    con.execute(f"ATTACH {sql_literal(old)} AS old (READ_ONLY)")
    try:
        con.execute("BEGIN")
        for table in ("snapshots", *TABLES):
            con.execute(f"INSERT INTO {table} SELECT * FROM old.{table} WHERE snapshot_id IN "
                        f"(SELECT snapshot_id FROM old.snapshots WHERE kind <> '{EMBEDDED}')")
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise StoreError(f"cannot carry the refresh snapshots of {old} over to the rebuilt "
                         f"store: {str(exc).splitlines()[0]}", "the old store is unchanged; "
                         "pass --db another path to work on a fresh store beside it, or save "
                         "its snapshots with `aidwatch data export --snapshot ID`") from None
    finally:
        con.execute("DETACH old")


def _check_complete(con: duckdb.DuckDBPyConnection, base: EvidenceBase,
                    snapshot_id: str) -> None:
    """Every row of the evidence base is in the new store (a failed statement inside a
    transaction would otherwise leave it silently empty)."""
    for table in TABLES:
        n = con.execute(f"SELECT count(*) FROM {table} WHERE snapshot_id = ?",
                        [snapshot_id]).fetchall()[0][0]
        if n != len(base.rows(table)):
            raise StoreError(f"building the store failed: {table} has {n} rows, expected "
                             f"{len(base.rows(table))}")


def _needs_build(path: Path, data_dir: Path) -> bool:
    info = inspect_store(path)
    refuse(info)
    if info.state != "store":
        return True  # missing, empty or damaged: built (a damaged file is kept aside)
    meta = info.meta
    return (meta.get("schema_version") != str(SCHEMA_VERSION)
            or meta.get("embedded_hash") != data_hash(data_dir))


def open_store(path: str | Path | None = None, snapshot: str | None = None, *,
               data_dir: Path | None = None, allow_files: bool = True) -> Store:
    """Open the evidence base, building or rebuilding it from the embedded data if needed.

    Args:
        path: the DuckDB file (default: ``$AIDWATCH_DB`` or the user data directory).
        snapshot: a snapshot id to read (default: the newest).
        allow_files: False locks the connection out of the file system (for untrusted SQL).

    Example:
        >>> store = open_store()
        >>> store.series("us.overdose_deaths.total").tail(1)
    """
    path = Path(path) if path else settings.default_db_path()
    data_dir = data_dir or settings.DATA_DIR
    if _needs_build(path, data_dir):
        build_store(path, data_dir)
    config = {} if allow_files else {"enable_external_access": False,
                                     "memory_limit": MEMORY_LIMIT}
    try:
        con = connect(path, read_only=True, config=config)
    except duckdb.Error as exc:
        if is_lock_error(exc):
            refuse(StoreFile(path, "busy", detail=first_line(exc)))
        # the file was just inspected as a store: say what failed, not "not a store"
        raise StoreError(f"cannot open the store {path}: {first_line(exc)}",
                         "pass --db another path") from None
    return Store(con, path, snapshot)


class Store:
    """Read access to one snapshot of the evidence base."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path,
                 snapshot: str | None = None) -> None:
        self.con = con
        self.path = path
        self.snapshot = self._resolve_snapshot(snapshot)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- snapshots -------------------------------------------------------------------------
    def snapshots(self) -> pd.DataFrame:
        """Every snapshot, newest first, with row counts and per-source hashes."""
        return list_snapshots(self)

    def _resolve_snapshot(self, snapshot: str | None) -> Snapshot:
        if snapshot is None:
            row = self.con.execute("SELECT snapshot_id, created_at, kind, data_date, data_hash "
                                   "FROM latest_snapshot").fetchone()
        else:
            row = self.con.execute(
                "SELECT snapshot_id, created_at, kind, data_date, data_hash FROM snapshots "
                "WHERE snapshot_id = ? OR starts_with(snapshot_id, ?) ORDER BY created_at DESC",
                [snapshot, snapshot]).fetchone() if snapshot else None
        if row is None:
            known = [r[0] for r in self.con.execute("SELECT snapshot_id FROM snapshots").fetchall()]
            raise InputError(f"unknown snapshot {snapshot!r}",
                             "known: " + ", ".join(known) if known else "the store is empty")
        return Snapshot(row[0], str(row[1]), row[2], str(row[3]) if row[3] else None, row[4])

    def _q(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, [self.snapshot.snapshot_id, *(params or [])]).df()

    # -- series ----------------------------------------------------------------------------
    def series_ids(self) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT series_id FROM series WHERE snapshot_id = ? ORDER BY series_id",
            [self.snapshot.snapshot_id]).fetchall()]

    def series_info(self, series_id: str) -> Series:
        """The definition of one series; unknown ids raise with the closest known ids."""
        df = self._q("SELECT * EXCLUDE (snapshot_id) FROM series WHERE snapshot_id = ? "
                     "AND series_id = ?", [series_id])
        if df.empty:
            raise UnknownSeriesError(series_id, self.suggest(series_id))
        row = df.iloc[0].to_dict()
        return Series(**{k: (None if pd.isna(v) else v) if not isinstance(v, str) else v
                         for k, v in row.items()})

    def suggest(self, series_id: str, n: int = 3) -> list[str]:
        ids = self.series_ids()
        close = difflib.get_close_matches(series_id, ids, n=n, cutoff=0.5)
        prefix = [i for i in ids if i.startswith(series_id + ".") and i not in close]
        return (close + prefix)[:n]

    def list_series(self) -> pd.DataFrame:
        """One row per series: id, name, unit, geo, frequency, kind, coverage and sources."""
        return self._q("""
            WITH o AS (
                SELECT series_id, min(period_start) AS s, max(period_start) AS e,
                       arg_min(period, period_start) AS first_period,
                       arg_max(period, period_start) AS last_period,
                       count(DISTINCT (geo, period)) AS n, count(DISTINCT geo) AS n_geo,
                       list(DISTINCT source_id ORDER BY source_id) AS sources,
                       list(DISTINCT status ORDER BY status) AS statuses
                FROM observations WHERE snapshot_id = $1 GROUP BY series_id)
            SELECT s.series_id AS id, s.name, s.unit, s.geo, s.frequency, s.kind,
                   o.first_period, o.last_period, coalesce(o.n, 0) AS n_obs, o.n_geo,
                   coalesce(o.sources, [s.default_source_id]) AS sources,
                   coalesce(o.statuses, []) AS statuses
            FROM series s LEFT JOIN o USING (series_id)
            WHERE s.snapshot_id = $1
            ORDER BY s.series_id""").pipe(self._fill_funding_coverage)

    def _fill_funding_coverage(self, df: pd.DataFrame) -> pd.DataFrame:
        for i, row in df[df["kind"] == "funding"].iterrows():
            lines = self.funding(row["id"], include_cumulative=True)
            if lines.empty:
                continue
            df.at[i, "first_period"] = f"FY{int(lines['fy_start'].min())}"
            df.at[i, "last_period"] = f"FY{int(lines['fy_end'].max())}"
            df.at[i, "n_obs"] = len(lines)
            df.at[i, "sources"] = sorted(lines["source_id"].unique())
            df.at[i, "statuses"] = sorted(lines["stage"].unique())
        return df

    def series(self, series_id: str, geo: str | None = None, start: str | None = None,
               end: str | None = None, as_of: str | None = None) -> pd.DataFrame:
        """Observations of one series: period, value, status, source_id (and geo, note).

        For a funding series (``us.aid.mexico...``) the funding lines are returned instead;
        see ``funding``. ``start``/``end`` are periods in the series' own notation.
        ``as_of`` (YYYY-MM-DD): the series as it was published on that date — only values
        whose vintage (``published``) is known and not later, newest vintage per period.
        """
        info = self.series_info(series_id)
        if info.kind == "funding":
            return self.funding(series_id)
        sql = ("SELECT period, value, status, source_id, geo, note, published, period_start "
               "FROM observations WHERE snapshot_id = ? AND series_id = ?")
        params: list = [series_id]
        if as_of is not None:
            sql += " AND published <> '' AND published <= ?"
            params.append(as_of)
        if geo:
            sql += " AND geo = ?"
            params.append(geo)
        for bound, op in ((start, ">="), (end, "<=")):
            if bound:
                try:
                    # the bound's span by the series' own period kind (a 12-month-ending
                    # "2020-03" starts in April 2019, as its stored period_start does)
                    params.append(period_of(str(bound), info.period_kind).start
                                  if info.period_kind else
                                  parse_period(str(bound), info.frequency))
                    sql += f" AND period_start {op} ?"
                except ValueError:
                    raise InputError(f"period {str(bound)!r} is not a valid {info.frequency} "
                                     "period", f"{info.series_id} is {info.frequency}") from None
        pick = CURRENT_VINTAGE if as_of is None else AS_OF_VINTAGE
        df = self._q(sql + f" {pick} ORDER BY geo, period_start", params)
        if geo and df.empty:
            geos = self._q("SELECT DISTINCT geo FROM observations WHERE snapshot_id = ? AND "
                           "series_id = ? ORDER BY geo", [series_id])["geo"].tolist()
            if geo not in geos:
                raise InputError(f"{series_id} has no geography {geo!r}",
                                 "known: " + ", ".join(geos[:40]))
        return df.drop(columns="period_start").reset_index(drop=True)

    def vintages(self, series_id: str) -> pd.DataFrame:
        """The vintages of a series: one row per publication date (blank: the publisher's
        current file), with how many values, which periods and statuses it holds."""
        if self.series_info(series_id).kind == "funding":
            raise InputError(f"{series_id} is a funding series: its lines carry stages and "
                             "documents, not vintages", "see `aidwatch data show "
                             f"{series_id} --by source`")
        return self._q("""
            SELECT published, count(*) AS n_values,
                   arg_min(period, period_start) AS first_period,
                   arg_max(period, period_start) AS last_period,
                   list(DISTINCT status ORDER BY status) AS statuses,
                   list(DISTINCT source_id ORDER BY source_id) AS sources
            FROM observations WHERE snapshot_id = ? AND series_id = ?
            GROUP BY published ORDER BY published = '', published""", [series_id])

    # -- funding ---------------------------------------------------------------------------
    def funding(self, series_id: str = "us.aid.mexico", *, stage: str | None = None,
                include_cumulative: bool = False) -> pd.DataFrame:
        """Funding lines selected by a funding series (nominal USD, one row per line)."""
        info = self.series_info(series_id)
        if info.kind != "funding":
            raise InputError(f"{series_id} is not a funding series",
                             "funding series: " + ", ".join(self._funding_ids()))
        sql = "SELECT * EXCLUDE (snapshot_id) FROM funding WHERE snapshot_id = ?"
        params: list = []
        # validation guarantees the fields are funding columns (never user input in SQL)
        for fld, options in parse_selector(info.selector or ""):
            sql += f" AND {fld} IN ({', '.join('?' * len(options))})"
            params.extend(options)
        if stage:
            if stage not in STAGES:
                raise InputError(f"unknown funding stage {stage!r}", "use one of "
                                 + ", ".join(STAGES))
            sql += " AND stage = ?"
            params.append(stage)
        if not include_cumulative:
            sql += " AND fy_start = fy_end"
        return self._q(sql + " ORDER BY fy_start, fy_end, stage, program, account, line_id",
                       params)

    def _funding_ids(self) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT series_id FROM series WHERE snapshot_id = ? AND kind = 'funding'",
            [self.snapshot.snapshot_id]).fetchall()]

    def deflator(self, base_year: int) -> pd.Series:
        """Multipliers to constant ``base_year`` dollars by year, from the store's CPI-U."""
        cpi = self.series("us.cpi_u.annual")
        cpi["year"] = cpi["period"].astype(int)
        cpi = cpi.set_index("year")["value"]
        if base_year not in cpi.index:
            raise InputError(f"no CPI-U annual average for {base_year} in the store",
                             f"pick a year in {cpi.index.min()}-{cpi.index.max()}")
        return cpi[base_year] / cpi

    # -- events and sources ----------------------------------------------------------------
    def events(self, start: str | None = None, end: str | None = None,
               kind: str | None = None) -> pd.DataFrame:
        """The dated timeline, oldest first; ``start``/``end`` are years or ISO dates."""
        sql = "SELECT * EXCLUDE (snapshot_id) FROM events WHERE snapshot_id = ?"
        params: list = []
        if start:
            sql += " AND date >= ?"
            params.append(_date_bound("--from", start))
        if end:
            sql += " AND date <= ?"
            end = _date_bound("--to", end)
            params.append(end + {4: "-12-31", 7: "-31"}.get(len(end), ""))
        if kind:
            kinds = [r[0] for r in self.con.execute(
                "SELECT DISTINCT kind FROM events WHERE snapshot_id = ? ORDER BY kind",
                [self.snapshot.snapshot_id]).fetchall()]
            if kind not in kinds:
                raise InputError(f"--kind: unknown event kind {kind!r}",
                                 "use one of " + ", ".join(kinds))
            sql += " AND kind = ?"
            params.append(kind)
        return self._q(sql + " ORDER BY date, event_id", params)

    def geo_names(self) -> dict[str, str]:
        """Geography code → name (countries, U.S. states, Mexican states)."""
        df = self._q("SELECT geo, name FROM geos WHERE snapshot_id = ?")
        return dict(zip(df["geo"], df["name"], strict=True))

    def sources(self, ids: list[str] | None = None) -> pd.DataFrame:
        sql = "SELECT * EXCLUDE (snapshot_id) FROM sources WHERE snapshot_id = ?"
        params: list = []
        if ids is not None:
            if not ids:
                return self._q(sql + " AND false")
            sql += f" AND source_id IN ({', '.join('?' * len(ids))})"
            params = list(ids)
        return self._q(sql + " ORDER BY source_id", params)

    def source(self, source_id: str) -> Source:
        df = self.sources([source_id])
        if df.empty:
            raise InputError(f"unknown source {source_id!r}")
        row = df.iloc[0]
        return Source(source_id=row["source_id"], publisher=row["publisher"],
                      title=row["title"], url=row["url"], table=row["table_ref"] or "",
                      retrieved=str(row["retrieved"]), licence=row["licence"],
                      via=row["via"] or "", notes=row["notes"] or "")

    # -- SQL -------------------------------------------------------------------------------
    def sql(self, query: str, *, timeout: float | None = DEFAULT_TIMEOUT,
            max_rows: int | None = None) -> pd.DataFrame:
        """Run one read-only SQL statement; writes, bad SQL and timeouts raise ``SQLError``."""
        return self.query(query, timeout=timeout, max_rows=max_rows).frame()

    def query(self, query: str, *, timeout: float | None = DEFAULT_TIMEOUT,
              max_rows: int | None = DEFAULT_MAX_ROWS) -> QueryResult:
        """One read-only statement under a time limit, keeping at most ``max_rows`` rows."""
        return run_query(self.con, query, timeout=timeout, max_rows=max_rows)


def _date_bound(option: str, value: object) -> str:
    """A year, year-month or date as given (``2018``, ``2019-07``, ``2019-07-15``), checked."""
    text = str(value).strip()
    formats = {4: "%Y", 7: "%Y-%m", 10: "%Y-%m-%d"}
    try:
        if len(text) not in formats or not text[:4].isdigit():
            raise ValueError
        datetime.strptime(text, formats[len(text)])
    except ValueError:
        raise InputError(f"{option} {text!r} is not a year or a date",
                         "use YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date") from None
    return text


# -- snapshot tables as data files (export, refresh), writing a snapshot, diffs ---------------
def data_file_columns(table: str) -> str:
    """The SELECT list that gives a store table the columns and text forms of its data file."""
    cols = []
    for name, typ, *_ in SCHEMAS[table]:
        col = "table_ref" if (table == "sources" and name == "table") else name
        expr = f"strftime({col}, '%Y-%m-%d')" if typ == "date" else col
        cols.append(f'{expr} AS "{name}"')
    return ", ".join(cols)


def snapshot_rows(con: duckdb.DuckDBPyConnection, snapshot_id: str, table: str) -> list[dict]:
    """One table of one snapshot as rows of text, with the columns of the data files."""
    result = con.execute(f"SELECT {data_file_columns(table)} FROM {table} "
                         "WHERE snapshot_id = ?", [snapshot_id])
    names = [f[0] for f in SCHEMAS[table]]
    types = [f[1] for f in SCHEMAS[table]]
    out = []
    for row in result.fetchall():
        out.append({n: _text(v, t) for n, t, v in zip(names, types, row, strict=True)})
    return out


def _text(value: object, typ: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


class StoreLocked(StoreError):
    """Another process holds the store's file lock (a read-only reader blocks a writer)."""


def _connect_existing(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection to the AidWatch store at ``path``; never creates a store.

    DuckDB creates a missing file on connect: a store deleted while a refresh ran used to be
    replaced by an empty database that then blocked every command.
    """
    gone = StoreError(f"the store {path} is gone (deleted while this command ran?); nothing "
                      "was written", "run the command again: a new store is built from the "
                      "embedded data")
    info = inspect_store(path)
    if info.state == "missing":
        raise gone
    if info.state == "busy":
        raise duckdb.IOException(info.detail)  # the caller's lock handling (StoreLocked)
    if info.state != "store":
        raise InputError(f"{path} is not an AidWatch store ({info.detail or info.state}); "
                         "nothing was written")
    con = connect(path, read_only=False)
    try:
        con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        return con
    except duckdb.Error:
        pass
    # It was a store a moment ago: it went away and DuckDB just made an empty database in its
    # place. Remove that (it holds nothing), never anything with tables in it.
    try:
        empty = con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0
    finally:
        con.close()
    if empty:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
    raise gone


def write_snapshot(path: Path, base: EvidenceBase, snapshot_id: str, kind: str, digest: str,
                   note: str = "") -> str:
    """Insert one complete snapshot in a single transaction on a read-write connection.

    Returns the snapshot id actually used (a suffix is added if the id exists). Any failure
    rolls back: the store is left exactly as it was.
    """
    try:
        con = _connect_existing(path)
    except duckdb.Error as exc:
        locked = "lock" in str(exc).lower()
        raise (StoreLocked if locked else StoreError)(
            f"cannot open the store {path} for writing: {str(exc).splitlines()[0]}",
            "another aidwatch command (report, serve, a notebook's open store) is reading it; "
            "run the refresh again when it has finished" if locked else None) from None
    try:
        existing = {r[0] for r in con.execute("SELECT snapshot_id FROM snapshots").fetchall()}
        final_id, n = snapshot_id, 1
        while final_id in existing:
            n += 1
            final_id = f"{snapshot_id}-{n}"
        con.execute("BEGIN")
        try:
            insert_snapshot(con, base, final_id, kind, digest, note)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise StoreError(f"writing snapshot {snapshot_id} failed, nothing was written: "
                         f"{str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    return final_id


def list_snapshots(store: Store) -> pd.DataFrame:
    """Every snapshot, newest first, with row counts and per-source hashes."""
    df = store.con.execute("""
        SELECT s.snapshot_id, s.created_at, s.kind, s.data_date, s.data_hash,
               s.aidwatch_version, s.note, s.source_hashes,
               (SELECT count(*) FROM observations o WHERE o.snapshot_id = s.snapshot_id)
                   AS n_observations,
               (SELECT count(*) FROM funding f WHERE f.snapshot_id = s.snapshot_id)
                   AS n_funding
        FROM snapshots s ORDER BY s.created_at DESC, s.snapshot_id DESC""").df()
    df["source_hashes"] = [json.loads(h) if isinstance(h, str) and h else {}
                           for h in df["source_hashes"]]
    df["latest"] = df["snapshot_id"] == store.con.execute(
        "SELECT snapshot_id FROM latest_snapshot").fetchone()[0]
    return df


@dataclass
class SnapshotDiff:
    """What changed from snapshot ``a`` to snapshot ``b``.

    ``observations`` has one row per (series_id, geo, period) that was added, removed,
    revised (value changed) or changed status only; ``funding`` the same per line_id.
    """

    a: str
    b: str
    observations: pd.DataFrame
    funding: pd.DataFrame

    def summary(self) -> dict[str, int]:
        o, f = self.observations, self.funding
        return {
            "added": int((o["change"] == "added").sum()),
            "removed": int((o["change"] == "removed").sum()),
            "revised": int((o["change"] == "revised").sum()),
            "status_changed": int(o["status_changed"].sum()),
            "funding_added": int((f["change"] == "added").sum()),
            "funding_removed": int((f["change"] == "removed").sum()),
            "funding_revised": int((f["change"] == "revised").sum()),
        }

    def by_series(self) -> pd.DataFrame:
        """Counts of changes per series (observations)."""
        o = self.observations
        if o.empty:
            return pd.DataFrame(columns=["series_id", "added", "removed", "revised",
                                         "status_changed"])
        g = o.groupby("series_id")
        return pd.DataFrame({
            "added": g["change"].apply(lambda s: int((s == "added").sum())),
            "removed": g["change"].apply(lambda s: int((s == "removed").sum())),
            "revised": g["change"].apply(lambda s: int((s == "revised").sum())),
            "status_changed": g["status_changed"].sum().astype(int),
        }).reset_index()


def diff_frames(old_obs: pd.DataFrame, new_obs: pd.DataFrame, old_fund: pd.DataFrame,
                new_fund: pd.DataFrame, a: str = "a", b: str = "b", *,
                only_sources: set[str] | None = None, tolerance: float = 1e-9) -> SnapshotDiff:
    """Compare two versions of the observations and funding tables (pure)."""
    # A dated vintage (``published``) is its own row: a figure as first published and the
    # current figure for the same period are compared with their own kind, never crossed.
    key = ["series_id", "geo", "period"]
    if "published" in old_obs.columns and "published" in new_obs.columns:
        key.append("published")  # empty (not NaN) for current figures, on both sides
        old_obs = old_obs.assign(published=old_obs["published"].fillna("").astype(str))
        new_obs = new_obs.assign(published=new_obs["published"].fillna("").astype(str))
    cols = key + ["value", "status", "source_id"]
    m = old_obs[cols].merge(new_obs[cols], on=key, how="outer", suffixes=("_old", "_new"),
                            indicator=True)
    if only_sources is not None:
        m = m[m["source_id_old"].isin(only_sources) | m["source_id_new"].isin(only_sources)]
    value_changed = ~_close(m["value_old"], m["value_new"], tolerance)
    both = m["_merge"] == "both"
    status_changed = both & (m["status_old"] != m["status_new"])
    m = m.assign(change=None, status_changed=status_changed)
    m.loc[m["_merge"] == "left_only", "change"] = "removed"
    m.loc[m["_merge"] == "right_only", "change"] = "added"
    m.loc[both & value_changed, "change"] = "revised"
    m.loc[both & ~value_changed & status_changed, "change"] = "status"
    obs = (m[m["change"].notna()].drop(columns="_merge")
           .rename(columns={"value_old": "old_value", "value_new": "new_value",
                            "status_old": "old_status", "status_new": "new_status",
                            "source_id_old": "old_source", "source_id_new": "new_source"}))
    obs = obs[["change", *key, "old_value", "new_value", "old_status", "new_status",
               "old_source", "new_source", "status_changed"]]
    obs = obs.sort_values(key).reset_index(drop=True)

    fcols = ["line_id", "stage", "fy_start", "fy_end", "amount_usd", "source_id"]
    f = old_fund[fcols].merge(new_fund[fcols], on="line_id", how="outer",
                              suffixes=("_old", "_new"), indicator=True)
    if only_sources is not None:
        f = f[f["source_id_old"].isin(only_sources) | f["source_id_new"].isin(only_sources)]
    fboth = f["_merge"] == "both"
    fchanged = fboth & (~_close(f["amount_usd_old"], f["amount_usd_new"], tolerance)
                        | (f["stage_old"] != f["stage_new"]))
    f = f.assign(change=None)
    f.loc[f["_merge"] == "left_only", "change"] = "removed"
    f.loc[f["_merge"] == "right_only", "change"] = "added"
    f.loc[fchanged, "change"] = "revised"
    fund = pd.DataFrame({
        "change": f["change"], "line_id": f["line_id"],
        "stage": f["stage_new"].fillna(f["stage_old"]),
        "fy_start": f["fy_start_new"].fillna(f["fy_start_old"]),
        "old_amount": f["amount_usd_old"], "new_amount": f["amount_usd_new"],
        "old_source": f["source_id_old"], "new_source": f["source_id_new"]})
    fund = fund[fund["change"].notna()].sort_values("line_id").reset_index(drop=True)
    return SnapshotDiff(a, b, obs, fund)


def _close(x: pd.Series, y: pd.Series, tol: float) -> pd.Series:
    x = pd.to_numeric(x)
    y = pd.to_numeric(y)
    return ((x - y).abs() <= tol * pd.concat([x.abs(), y.abs()], axis=1).max(axis=1).clip(
        lower=1.0)).fillna(False)


def diff_snapshots(store: Store, a: str | None = None, b: str | None = None) -> SnapshotDiff:
    """Compare two snapshots of the store (default: the previous one against the newest).

    Ids may be given by a unique prefix, as everywhere else.
    """
    ids = [r[0] for r in store.con.execute(
        "SELECT snapshot_id FROM snapshots ORDER BY created_at DESC, snapshot_id DESC"
    ).fetchall()]
    if a is None or b is None:
        if len(ids) < 2 and (a is None):
            raise InputError("the store holds one snapshot: nothing to compare",
                             "run `aidwatch refresh` first")
        b = b or ids[0]
        a = a or next(i for i in ids if i != store._resolve_snapshot(b).snapshot_id)
    sa = store._resolve_snapshot(a).snapshot_id
    sb = store._resolve_snapshot(b).snapshot_id

    def obs(s: str) -> pd.DataFrame:
        return store.con.execute("SELECT series_id, geo, period, coalesce(published, '') AS "
                                 "published, value, status, source_id FROM observations "
                                 "WHERE snapshot_id = ?", [s]).df()

    def fund(s: str) -> pd.DataFrame:
        return store.con.execute("SELECT line_id, stage, fy_start, fy_end, amount_usd, "
                                 "source_id FROM funding WHERE snapshot_id = ?", [s]).df()

    return diff_frames(obs(sa), obs(sb), fund(sa), fund(sb), sa, sb)
