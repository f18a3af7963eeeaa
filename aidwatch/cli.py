"""The ``aidwatch`` command: a thin shell over the library.

Every command opens the store, calls one library function and formats what it returns.
Expected errors print one line (``error: …``) and exit 2 (bad input) or 1 (failure);
``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from . import console as c
from ._version import __version__
from .errors import AidWatchError, AidWatchWarning, InputError
from .export import FORMATS, export_snapshot
from .model import STAGES
from .money import BY_CHOICES, DEFLATOR_NOTE, funding_table
from .query import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, RunningQuery
from .settings import DATA_DIR
from .store import Store, open_store
from .validate import validate_data_dir

app = typer.Typer(
    help="AidWatch: did U.S.-Mexico security-cooperation money change the outcomes it "
    "targeted? A sourced evidence base you can query, export and check claims against.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
data_app = typer.Typer(help="The evidence base: list, show, export and validate series.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")

STATE: dict = {"db": None, "debug": False}

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
SnapshotOpt = Annotated[str | None, typer.Option(
    "--snapshot", help="Read this snapshot id (default: the newest); see `aidwatch snapshots`.")]


def _version(value: bool) -> None:
    if value:
        print(f"aidwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    db: Annotated[Path | None, typer.Option(
        "--db", envvar="AIDWATCH_DB",
        help="DuckDB store file (default: user data directory).")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    STATE["db"] = db
    STATE["debug"] = debug


def store(snapshot: str | None = None, allow_files: bool = True) -> Store:
    return open_store(STATE["db"], snapshot, allow_files=allow_files)


# -- data ------------------------------------------------------------------------------------
@data_app.command("list")
def data_list(as_json: JsonOpt = False, snapshot: SnapshotOpt = None,
              kind: Annotated[str | None, typer.Option(
                  help="Only series of this kind: observation, panel, funding.")] = None) -> None:
    """Every series: id, unit, geography, coverage, sources and status.

    Example: aidwatch data list --kind panel
    """
    with store(snapshot) as s:
        df = s.list_series()
        if kind:
            kinds = sorted(set(df["kind"]))
            if kind not in kinds:
                raise InputError(f"--kind: unknown kind {kind!r}", "use one of "
                                 + ", ".join(kinds))
            df = df[df["kind"] == kind]
        if as_json:
            c.print_json(c.frame_records(df))
            return
        table = Table(title=f"AidWatch evidence base — {len(df)} series", title_justify="left")
        for col in ("id", "unit", "geo", "from", "to", "n", "status / stages", "sources"):
            table.add_column(col, justify="right" if col == "n" else "left", overflow="fold")
        for r in df.itertuples():
            table.add_row(r.id, r.unit, r.geo, str(r.first_period), str(r.last_period),
                          f"{r.n_obs:,}", ", ".join(r.statuses), ", ".join(r.sources))
        c.out.print(table)
        c.out.print(c.dim(f"Snapshot {s.snapshot.snapshot_id} ({s.snapshot.kind}, data as of "
                          f"{s.snapshot.data_date}) · store {s.path} · `aidwatch data show ID` "
                          "for values and sources"))


@data_app.command("show")
def data_show(
    series_id: Annotated[str, typer.Argument(help="Series id, e.g. mx.homicides.rate_per_100k")],
    geo: Annotated[str | None, typer.Option(help="Geography code, for panel series.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First period (2010, FY2010, "
                                                              "2019-01).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last period.")] = None,
    by: Annotated[str | None, typer.Option(
        help="Funding series: one column per " + "/".join(BY_CHOICES) + ".")] = None,
    stage: Annotated[str | None, typer.Option(
        help="Funding series: only this stage (" + ", ".join(STAGES) + ").")] = None,
    constant_dollars: Annotated[int | None, typer.Option(
        "--constant-dollars", help="Funding series: add constant dollars of this base year.")
    ] = None,
    cumulative: Annotated[bool, typer.Option(
        help="Funding series: include multi-year cumulative figures.")] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="YYYY-MM-DD", help="The series as it was published on that date "
        "(values whose publication date is known; see `data vintages`).")] = None,
    as_json: JsonOpt = False,
    snapshot: SnapshotOpt = None,
) -> None:
    """One series as a table with a sparkline, its definition, sources and snapshot.

    Examples: aidwatch data show mx.homicides.rate_per_100k;
    aidwatch data show us.aid.mexico --by account --constant-dollars 2024
    """
    with store(snapshot) as s:
        info = s.series_info(series_id)
        if info.kind == "funding" and as_of is not None:
            raise InputError("--as-of applies to observation series; funding lines carry "
                             "stages and documents, not vintages",
                             f"see `aidwatch data show {series_id} --by source`")
        if info.kind == "funding":
            df = funding_table(s, series_id, by=by, stage=stage,
                               constant_dollars=constant_dollars, include_cumulative=cumulative,
                               start=start, end=end)
            if as_json:
                c.print_json([{"series_id": series_id, "unit": "USD", **r,
                               "snapshot_id": s.snapshot.snapshot_id}
                              for r in c.frame_records(df)])
                return
            _header(info)
            c.print_frame(df.drop(columns=[x for x in ("recipient", "line_id", "note")
                                           if x in df.columns]),
                          units={col: "USD" for col in df.columns if col.startswith("amount")
                                 or by is not None})
            if constant_dollars:
                c.out.print(c.dim(DEFLATOR_NOTE))
            c.out.print(c.dim("Figures from different documents or stages are not added "
                              "together: several documents quote the same appropriation."))
            c.out.print(c.source_footer(s, _funding_sources(s, series_id, df)))
            return
        if as_of is not None:
            try:
                as_of = date.fromisoformat(as_of).isoformat()
            except ValueError:
                raise InputError(f"--as-of {as_of!r} is not a date", "use YYYY-MM-DD") from None
        df = s.series(series_id, geo=geo, start=start, end=end, as_of=as_of)
        if as_of is not None and df.empty and not as_json:
            c.out.print(f"{series_id} has no value with a known publication date on or before "
                        f"{as_of}; `aidwatch data vintages {series_id}` lists its vintages.",
                        markup=False)
            return
        if as_json:
            c.print_json([{"series_id": series_id, "unit": info.unit, **r,
                           "snapshot_id": s.snapshot.snapshot_id}
                          for r in c.frame_records(df)])
            return
        _header(info)
        if info.kind == "panel" and not geo:
            _print_panel(df, info.unit, s.geo_names())
        else:
            c.print_frame(df[["period", "value", "status", "source_id", "note"]]
                          .rename(columns={"value": info.unit}), units={info.unit: info.unit})
            c.out.print(f"{c.sparkline(df['value'].tolist())}  "
                        f"{df['period'].iloc[0] if len(df) else ''}–"
                        f"{df['period'].iloc[-1] if len(df) else ''}")
        c.out.print(c.source_footer(s, df["source_id"]))


def _funding_sources(s: Store, series_id: str, df) -> list[str]:
    """The sources of the funding rows shown, not of the whole series (a column of source
    ids, or with ``--by source`` one column per source)."""
    every = set(s.funding(series_id, include_cumulative=True)["source_id"])
    shown = set(df["source_id"].dropna()) if "source_id" in df.columns else set()
    shown |= {col for col in df.columns if col in every and df[col].notna().any()}
    return sorted(shown & every)


def _header(info) -> None:
    dims = " · ".join(f"{k}={getattr(info, k)}" for k in
                      ("measure", "drug", "intent", "sex", "age_group", "agency", "period_kind")
                      if getattr(info, k, ""))
    c.out.print(Panel(Text.assemble((info.name, "bold"), f"\n{info.series_id} · {info.unit} · "
                                    f"{info.geo} · {info.frequency}\n",
                                    (f"dimensions: {dims}\n" if dims else "", "cyan"),
                                    (info.definition or "", "dim")), expand=False))


def _print_panel(df, unit: str, names: dict[str, str]) -> None:
    table = Table(title="By geography (use --geo CODE for one)", title_justify="left")
    for col in ("geo", "name", "from", "to", "latest", "trend"):
        table.add_column(col, justify="right" if col == "latest" else "left")
    for geo, part in df.groupby("geo", sort=True):
        table.add_row(geo, names.get(geo, ""), part["period"].iloc[0], part["period"].iloc[-1],
                      c.format_value(part["value"].iloc[-1], unit),
                      c.sparkline(part["value"].tolist()[-40:]))
    c.out.print(table)


@data_app.command("export")
def data_export(
    fmt: Annotated[str, typer.Option(
        "--format", help="One of: " + ", ".join(FORMATS) + ".")] = "csv",
    out: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path(
        "aidwatch-export"),
    snapshot: SnapshotOpt = None,
) -> None:
    """Write every table of a snapshot (with sources) as CSV, Parquet or a Data Package."""
    started = time.perf_counter()
    with store(snapshot) as s:
        files = export_snapshot(s, out, fmt)
        c.err.print(f"wrote {len(files)} files to {out} (snapshot {s.snapshot.snapshot_id}, "
                    f"{time.perf_counter() - started:.1f}s)")
        for f in files:
            c.out.print(str(f))


@data_app.command("validate")
def data_validate(
    data_dir: Annotated[Path, typer.Option(
        "--data-dir", help="Directory of CSV files + datapackage.json (default: the embedded "
        "data).")] = DATA_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Check schema, units, ranges, keys and provenance; print problems or OK.

    Exit code 1 when there are problems.
    """
    if not data_dir.is_dir():
        raise InputError(f"--data-dir {data_dir} is not a folder" if data_dir.exists() else
                         f"--data-dir {data_dir}: no such folder",
                         "pass the folder that holds datapackage.json and the CSV files")
    problems = validate_data_dir(data_dir)
    if as_json:
        c.print_json([{"file": p.file, "line": p.line, "field": p.field, "message": p.message}
                      for p in problems])
    elif problems:
        for p in problems:
            c.out.print(str(p), markup=False)
        c.err.print(f"{len(problems)} problem(s) in {data_dir}")
    else:
        c.out.print(f"OK: {data_dir} is valid")
    if problems:
        raise typer.Exit(1)


# -- top-level read commands ----------------------------------------------------------------
@app.command("events")
def events(
    start: Annotated[str | None, typer.Option("--from", help="First year or date.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last year or date.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only events of this kind.")] = None,
    as_json: JsonOpt = False,
    snapshot: SnapshotOpt = None,
) -> None:
    """The dated timeline of the relationship, with sources.

    Example: aidwatch events --from 2018 --to 2024
    """
    with store(snapshot) as s:
        df = s.events(start, end, kind)
        if as_json:
            c.print_json(c.frame_records(df))
            return
        c.print_frame(df[["date", "precision", "kind", "title", "source_id"]],
                      title=f"{len(df)} events")
        c.out.print(c.source_footer(s, df["source_id"]))


@app.command("sources")
def sources(as_json: JsonOpt = False, snapshot: SnapshotOpt = None) -> None:
    """Every source the evidence base cites: publisher, title, URL, table, retrieval date."""
    with store(snapshot) as s:
        df = s.sources()
        if as_json:
            c.print_json(c.frame_records(df))
            return
        c.print_frame(df[["source_id", "publisher", "title", "retrieved", "licence"]])


@app.command("sql")
def sql(
    query: Annotated[str, typer.Argument(help="A SELECT over snapshots, sources, series, "
                                              "observations, funding, events, current_*.")],
    as_json: JsonOpt = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.001, help=f"Stop the query after this many seconds (default "
        f"{DEFAULT_TIMEOUT:g}).")] = DEFAULT_TIMEOUT,
    max_rows: Annotated[int, typer.Option(
        "--max-rows", min=0, help=f"Show at most this many rows (default {DEFAULT_MAX_ROWS:,}; "
        "0: no cap, with --json the rows are streamed).")] = DEFAULT_MAX_ROWS,
) -> None:
    """Read-only SQL over the store: one statement, a time limit and a row cap.

    Writes and file access are refused. Values are printed as stored (no separators, no
    markup); --json writes every DuckDB type as JSON (NaN and Infinity as null).
    Example: aidwatch sql "select period, value from current_observations
    where series_id = 'mx.homicides.rate_per_100k' order by period"
    """
    cap = max_rows or None
    try:
        _run_sql(query, as_json, timeout, cap)
    except KeyboardInterrupt:
        sys.stdout.flush()
        c.err.print("interrupted: the query was stopped")
        raise typer.Exit(130) from None


def _run_sql(query: str, as_json: bool, timeout: float, cap: int | None) -> None:
    with store(allow_files=False) as s, RunningQuery(s.con, query, timeout) as q:
        if not q.columns:
            c.err.print("statement ran; it returns no rows")
            return
        if as_json:
            n, truncated = _stream_json(q, cap)
        else:
            rows: list[tuple] = []
            truncated = False
            for chunk in q.chunks():
                rows.extend(chunk)
                if cap is not None and len(rows) > cap:
                    rows, truncated = rows[:cap], True
                    break
            n = c.print_rows(q.columns, q.types, rows)
        c.err.print(f"{n:,} row{'s' if n != 1 else ''} in {q.seconds:.2f} s"
                    + (f"; stopped at the --max-rows cap of {cap:,} (pass --max-rows 0 for "
                       "all)" if truncated else ""), soft_wrap=True)


def _stream_json(q: RunningQuery, cap: int | None) -> tuple[int, bool]:
    """The rows as one JSON array of objects, written chunk by chunk (never all in memory)."""
    from .jsonout import dumps

    n, first = 0, True
    sys.stdout.write("[")
    for chunk in q.chunks():
        for row in chunk:
            if cap is not None and n >= cap:
                sys.stdout.write("\n]\n")
                return n, True
            sys.stdout.write(("\n " if first else ",\n ")
                             + dumps(dict(zip(q.columns, row, strict=True))))
            first, n = False, n + 1
    sys.stdout.write("\n]\n" if n else "]\n")
    return n, False


# -- check -----------------------------------------------------------------------------------
@app.command("check")
def check(
    paths: Annotated[list[str], typer.Argument(
        help="Article files (.txt, .html), directories of them, or - for standard input.")],
    as_json: Annotated[bool, typer.Option(
        "--json", help="JSON Lines: one object per claim (keys in docs/claims.md).")] = False,
    written: Annotated[str | None, typer.Option(
        "--date", metavar="YYYY-MM-DD", help="When the text was written or said (default: its "
        "'published:' header line, dateline or HTML date); claims are judged as of then.")
        ] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Language of the texts: en or es (default: detected).")] = None,
    snapshot: SnapshotOpt = None,
) -> None:
    """Check every number and date in articles against the evidence base.

    One row per claim: the sentence, what it asserts, the verdict (supported, approximately
    right, contradicted, unverifiable), the reference value with its source, and why.
    Exit code 0 whatever the verdicts; 2 when an input cannot be read.
    Examples: aidwatch check article.html; aidwatch check DIR --json > out.jsonl
    """
    from .claims.report import run_check

    when = None
    if written is not None:
        try:
            when = date.fromisoformat(written)
        except ValueError:
            raise InputError(f"--date {written!r} is not a date", "use YYYY-MM-DD") from None
    if lang is not None and lang not in ("en", "es"):
        raise InputError(f"--lang {lang!r} is not supported", "use en or es")
    with store(snapshot) as s:
        unreadable = run_check(paths, s, as_json=as_json, out=c.out, err=c.err,
                               published=when, lang=lang)
    if unreadable:
        raise typer.Exit(2)


@data_app.command("vintages")
def data_vintages(
    series_id: Annotated[str, typer.Argument(help="Series id, e.g. mx.homicides.inegi.count")],
    as_json: JsonOpt = False,
    snapshot: SnapshotOpt = None,
) -> None:
    """The vintages of a series: each publication date with its values' periods and statuses.

    A blank date is the publisher's current file. Example: aidwatch data vintages
    us.overdose_deaths.provisional_12m_predicted.first_release
    """
    with store(snapshot) as s:
        df = s.vintages(series_id)
        if as_json:
            c.print_json([{"series_id": series_id, **r, "snapshot_id": s.snapshot.snapshot_id}
                          for r in c.frame_records(df)])
            return
        c.print_frame(df.assign(published=df["published"].replace("", "(current file)")))
        c.out.print(c.source_footer(s, [x for xs in df["sources"] for x in xs]))


# -- refresh, snapshots, diff ----------------------------------------------------------------
@app.command("refresh")
def refresh(
    sources: Annotated[list[str] | None, typer.Argument(
        help="Sources to refresh (default: all): cdc, worldbank, inegi, sesnsp, "
        "foreignassistance, fred, bls.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Fetch and validate, show what would change, write nothing.")] = False,
    list_only: Annotated[bool, typer.Option(
        "--list", help="List the connectors, their keys and base URLs, and exit.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fetch the public sources and write a new snapshot (the previous ones stay).

    A source that fails (HTTP error, timeout, malformed payload, value out of range) is
    reported and skipped; the others land. Exit code 1 when any source failed.
    Example: aidwatch refresh worldbank cdc --dry-run
    """
    from rich.progress import BarColumn, Progress, TextColumn

    from .sources import CONNECTORS, connector_table
    from .sources import refresh as run_refresh

    if list_only:
        rows = connector_table()
        if as_json:
            c.print_json(rows)
            return
        table = Table(title="Connectors", title_justify="left")
        for col in ("source", "title", "keys", "base URL (override)", "licence"):
            table.add_column(col, overflow="fold")
        for r in rows:
            keys = ", ".join(r["keys"] + [k + " (optional)" for k in r["optional_keys"]])
            table.add_row(r["source"], r["title"], keys or "none",
                          f"{r['base_url']} ({r['env_base_url']})", r["licence"])
        c.out.print(table)
        return
    marks = {"landed": "✓", "failed": "✗", "offline": "✗", "skipped": "–"}
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), TextColumn(
            "{task.completed}/{task.total}"), console=c.err, transient=True,
            disable=as_json) as bar:
        task = bar.add_task("refresh", total=len(sources or CONNECTORS))
        try:
            report = run_refresh(
                sources, db=STATE["db"], dry_run=dry_run,
                on_event=lambda src, msg: bar.update(task, description=f"{src}: {msg}"[:90]),
                on_source=lambda o: (bar.advance(task), None if as_json else c.err.print(
                    f"{marks[o.status]} {o.line()}", markup=False, soft_wrap=True)))
        except AidWatchError as exc:
            # A failed write: what each source did is still printed (stderr lines above).
            if as_json and getattr(exc, "report", None) is not None:
                c.print_json(exc.report.to_dict() | {"error": str(exc)})
            raise
    if as_json:
        c.print_json(report.to_dict())
    elif report.unchanged:
        c.out.print(f"no changes: {', '.join(report.landed)} hold the values of snapshot "
                    f"{report.previous}; nothing {'would be ' if dry_run else ''}written",
                    markup=False)
    elif report.snapshot_id:
        s = report.summary
        c.out.print(f"snapshot {report.snapshot_id} written (previous: {report.previous}): "
                    f"{s['added']} values added, {s['revised']} revised, {s['removed']} "
                    f"removed, {s['status_changed']} status changes; `aidwatch diff` for "
                    "details", markup=False)
    elif dry_run and report.landed:
        s = report.summary
        c.out.print(f"dry run: would write a snapshot with {s['added']} values added, "
                    f"{s['revised']} revised, {s['removed']} removed; nothing written",
                    markup=False)
    else:
        c.err.print(f"no source landed; the store is unchanged (snapshot {report.previous})",
                    markup=False, soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


@app.command("snapshots")
def snapshots(as_json: JsonOpt = False) -> None:
    """Every snapshot of the store, newest first (read an older one with --snapshot ID)."""
    from .store import list_snapshots

    with store() as s:
        df = list_snapshots(s)
        if as_json:
            c.print_json(c.frame_records(df))
            return
        c.print_frame(df.assign(
            latest=df["latest"].map({True: "*", False: ""}),
            created_at=df["created_at"].astype(str).str[:19],
            sources=[", ".join(k for k in h if k != "previous_snapshot")
                     if kind != "embedded" else f"embedded data ({len(h)} files)"
                     for h, kind in zip(df["source_hashes"], df["kind"], strict=True)],
        )[["latest", "snapshot_id", "created_at", "kind", "data_date", "n_observations",
           "n_funding", "sources"]], title=f"{len(df)} snapshots in {s.path}")


@app.command("diff")
def diff(
    a: Annotated[str | None, typer.Argument(help="Older snapshot id or prefix (default: the "
                                                 "one before the newest).")] = None,
    b: Annotated[str | None, typer.Argument(help="Newer snapshot id (default: the newest).")
                 ] = None,
    series: Annotated[str | None, typer.Option(help="Only series whose id starts with this.")
                      ] = None,
    limit: Annotated[int, typer.Option(help="Rows of changed values to show.")] = 40,
    as_json: JsonOpt = False,
) -> None:
    """What changed between two snapshots: values added, removed, revised, status changes.

    Example: aidwatch diff embedded 2026-11-29T1530
    """
    from .store import diff_snapshots

    with store() as s:
        d = diff_snapshots(s, a, b)
        obs = d.observations
        if series:
            obs = obs[obs["series_id"].str.startswith(series)]
            d = type(d)(d.a, d.b, obs, d.funding)
        if as_json:
            c.print_json({"a": d.a, "b": d.b, "summary": d.summary(),
                          "observations": c.frame_records(obs),
                          "funding": c.frame_records(d.funding)})
            return
        sm = d.summary()
        c.out.print(f"{d.a} → {d.b}: {sm['added']} added, {sm['removed']} removed, "
                    f"{sm['revised']} revised, {sm['status_changed']} status changes; funding "
                    f"lines {sm['funding_added']} added, {sm['funding_removed']} removed, "
                    f"{sm['funding_revised']} revised", markup=False)
        if not obs.empty:
            c.print_frame(d.by_series(), title="By series")
            c.print_frame(obs.drop(columns="status_changed"), title="Changed values",
                          max_rows=limit)
        if not d.funding.empty:
            c.print_frame(d.funding, title="Changed funding lines", units={
                "old_amount": "USD", "new_amount": "USD"}, max_rows=limit)


# -- evaluate --------------------------------------------------------------------------------
@app.command("evaluate")
def evaluate_cmd(
    outcome: Annotated[str | None, typer.Option(
        "--outcome", help="Only this outcome series (default: the battery's outcomes).")] = None,
    method: Annotated[str | None, typer.Option(
        "--method", help="Only this method: synth, its, dose or event.")] = None,
    at: Annotated[int | None, typer.Option(
        "--at", min=1900, max=2100,
        help="Intervention year (synth treatment year; a single ITS break).")] = None,
    donors: Annotated[str | None, typer.Option(
        "--donors", help="Synthetic-control donor pool, comma-separated ISO3 codes.")] = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Write PNG charts (intervention marked, source line) into DIR.")] = None,
    as_json: JsonOpt = False,
    snapshot: SnapshotOpt = None,
) -> None:
    """Run the evaluation battery on the evidence base and print a table of estimates.

    Synthetic control (Mexico's homicide rate, Mérida 2008, Latin American pool, placebo
    p-value), interrupted time series (breaks 2008/2019/2022), funding dose-response and an
    event study on Mexican states. Methods: docs/methods/.
    Examples: aidwatch evaluate; aidwatch evaluate --method its --outcome
    mx.homicides.rate_per_100k --json
    """
    from .evaluate.battery import display_frame, run_battery

    if plot is not None:
        _output_dir("--plot", plot)
    with store(snapshot) as s:
        result = run_battery(s, outcome=outcome, method=method, at=at,
                             donors=donors,  # read by evaluate.synth.parse_donors
                             plot_dir=plot)
        if as_json:
            c.print_json([e.to_dict() for e in result.estimates])
            return
        table = Table(title=f"AidWatch evaluation — {len(result.estimates)} estimates",
                      title_justify="left", show_lines=True)
        for col in ("#", "method", "outcome", "intervention", "effect", "uncertainty", "fit",
                    "n"):
            table.add_column(col, overflow="fold")
        rows = display_frame(result)
        for i, r in enumerate(rows.itertuples(), 1):
            table.add_row(str(i), r.method, r.outcome, r.intervention, r.effect, r.uncertainty,
                          r.fit, str(r.n))
        c.out.print(table)
        for i, reading in enumerate(rows["reading"], 1):
            c.out.print(f"{i}. {reading}", markup=False)
        sources = sorted({sid for e in result.estimates for sid in e.source_ids})
        c.out.print(c.source_footer(s, sources))
        c.err.print(f"{result.seconds:.1f} s; methods and assumptions: docs/methods/"
                    + (f"; charts: {', '.join(result.charts)}" if result.charts else ""),
                    markup=False)


@app.command("report")
def report(
    out: Annotated[Path, typer.Option(
        "--out", metavar="DIR", help="Directory to write the brief into.")] = Path(
        "aidwatch-brief"),
    fmt: Annotated[str | None, typer.Option(
        "--format", metavar="FORMATS",
        help="html, pdf or html,pdf (default: both; the PDF needs Chromium).")
    ] = None,
    check: Annotated[list[Path] | None, typer.Option(
        "--check", metavar="ARTICLE", help="An article to check (text or HTML file); repeat "
        "for several. Default: the press figures from CRS IF10578 shipped with AidWatch.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    as_json: JsonOpt = False,
    snapshot: SnapshotOpt = None,
) -> None:
    """Write the evidence brief: brief.html, brief.pdf and data/ (the CSV behind every chart).

    Example: aidwatch report --out brief --check article.txt
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .brief import build_brief

    show = not (quiet or as_json) and c.err.is_terminal
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=c.err, disable=not show, transient=True) as bar:
        _output_dir("--out", out, own_files=("brief.html", "brief.pdf"), create=False)
        task = bar.add_task("Building the brief", total=None)
        result = build_brief(out, formats=fmt, snapshot=snapshot, check=check or (),
                             db=STATE["db"], progress=lambda step, i, n: bar.update(
                                 task, description=step, completed=i - 1, total=n))
    if as_json:
        c.print_json({"html": str(result.html) if result.html else None,
                      "pdf": str(result.pdf) if result.pdf else None,
                      "data": [str(p) for p in result.csv], "snapshot_id": result.snapshot_id,
                      "version": result.version, "seconds": round(result.seconds, 2),
                      "warnings": result.warnings})
        return
    for w in result.warnings:
        c.err.print(f"warning: {w}", markup=False)
    written = " and ".join(str(p) for p in (result.html, result.pdf) if p)
    c.err.print(f"Built brief in {result.seconds:.1f} s → {written} (+{len(result.csv)} CSV in "
                f"{result.out_dir / 'data'}; snapshot {result.snapshot_id})", markup=False,
                soft_wrap=True)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(
        help="Address to listen on (default loopback only; 0.0.0.0 exposes it).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    snapshot: SnapshotOpt = None,
) -> None:
    """The web app and the JSON API (/api/v1) on the store, read-only, until Ctrl-C.

    Example: aidwatch serve --port 8080   (then open http://127.0.0.1:8080/)
    """
    from .web import serve as run_server

    run_server(host, port, STATE["db"], snapshot,
               echo=lambda line: c.err.print(line, markup=False, soft_wrap=True))


def _output_dir(option: str, path: Path, own_files: tuple[str, ...] = (),
                create: bool = True) -> None:
    """A folder a command may write into (made if missing); else a one-line InputError."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path} is a file, not a folder", f"pass {option} a folder")
    for name in own_files:
        target = path / name
        if target.is_dir():
            raise InputError(f"{option} {path}: {target} is a folder, so the brief cannot be "
                             "written there", f"move it away or pass {option} another folder")
    if not create:
        return
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot create the folder: {exc.strerror}",
                         f"pass {option} a folder you can write to") from None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings meant for users are one line on stderr; others keep Python's format."""
    if issubclass(category, AidWatchWarning):
        c.err.print(f"warning: {message}", soft_wrap=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


_python_showwarning = warnings.showwarning


def main() -> None:
    """Entry point: run the app, turning expected errors into one-line messages."""
    warnings.showwarning = _show_warning
    warnings.simplefilter("always", AidWatchWarning)
    try:
        app(standalone_mode=True)
    except AidWatchError as exc:
        if STATE["debug"]:
            raise
        # soft_wrap: one line whatever the terminal width (long paths included)
        c.err.print(f"error: {exc}", markup=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        c.err.print("interrupted")
        sys.exit(130)
    except duckdb.Error as exc:  # the store failed mid-command (damage found while reading)
        if STATE["debug"]:
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        c.err.print(f"error: reading the store failed: {first} (if it keeps failing, the store "
                    "may be damaged: move it away and the next command rebuilds it from the "
                    "embedded data; --debug for details)", soft_wrap=True)
        sys.exit(1)
    except OSError as exc:  # a file-system failure no command foresaw: one line, not a trace
        if STATE["debug"]:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        c.err.print(f"error: {exc.strerror or exc}{where}; run with --debug for details",
                    soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
