"""``/api/v1``: the versioned JSON API. Every route is one library call and a response shape.

Keys of the records follow the CLI's ``--json`` contracts (README "JSON output"): a series'
values are the rows of ``data show --json``, a list of series the rows of ``data list
--json``, and so on. Lists come wrapped as ``{"snapshot_id": ..., "data": [...]}`` so that
every answer names the snapshot it was read from; ``?format=csv`` gives the rows alone.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from .. import jsonout
from .._version import __version__
from ..console import frame_records
from ..model import STAGES, period_year
from ..money import BY_CHOICES, DEFLATOR_NOTE, funding_table
from ..store import Store, diff_snapshots, list_snapshots
from .app import API_PREFIX, WebState, error_body, jsonable

router = APIRouter(prefix=API_PREFIX, tags=["api"])

PERIOD = r"^(FY)?\d{4}(-(0[1-9]|1[0-2]))?$"
DATE = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
SERIES_ID = r"^[A-Za-z0-9_.\-]{1,160}$"
GEO = r"^[A-Za-z0-9\-]{1,16}$"
SNAPSHOT = r"^[A-Za-z0-9_.:\-]{1,80}$"
DONORS = r"^[A-Za-z0-9, ]{0,600}$"
ERRORS = {status: {"description": text, "content": {"application/json": {"example": error_body(
    status, code, text)}}} for status, code, text in (
        (400, "bad_input", "the input cannot be used as given"),
        (404, "unknown_series", "no such series, source or snapshot"),
        (413, "too_large", "the article is longer than the limit"),
        (422, "invalid_request", "a parameter is malformed or out of range"),
        (429, "rate_limited", "too many compute requests from this client"))}

SnapshotQ = Annotated[str | None, Query(
    pattern=SNAPSHOT, description="Snapshot id or unique prefix (default: the server's).")]
FormatQ = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]


def web_state(request: Request) -> WebState:
    return request.app.state.web


def store_dep(request: Request, snapshot: SnapshotQ = None) -> Iterator[Store]:
    with web_state(request).store(snapshot) as s:
        yield s


StoreDep = Annotated[Store, Depends(store_dep)]


def compute_limit(request: Request) -> None:
    """Refuse a compute request (evaluate, check) over the per-client rate, with 429."""
    state = web_state(request)
    client = request.client.host if request.client else "unknown"
    wait = state.limiter.retry_after(client)
    if wait is not None:
        raise HTTPException(429, f"more than {state.limits.compute_per_minute} compute "
                            "requests a minute from this client; retry later",
                            headers={"Retry-After": str(int(wait) + 1)})


def check_range(state: WebState, start: str | None, end: str | None) -> None:
    """Periods inside the allowed years and in order (422 otherwise)."""
    years = {}
    for name, value in (("start", start), ("end", end)):
        if value:
            y = period_year(value)
            if not state.limits.min_year <= y <= state.limits.max_year:
                raise HTTPException(422, f"{name}: {value} is outside "
                                    f"{state.limits.min_year}-{state.limits.max_year}")
            years[name] = y
    if len(years) == 2 and years["start"] > years["end"]:
        raise HTTPException(422, f"start {start} is after end {end}")


def envelope(store: Store, data: Any, **extra: Any) -> dict:
    return jsonable({"snapshot_id": store.snapshot.snapshot_id, **extra, "data": data})


def csv_response(rows: list[dict], name: str) -> Response:
    text = pd.DataFrame(rows).to_csv(index=False)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


# -- library calls shared with the pages --------------------------------------------------------
def series_catalogue(store: Store, q: str | None = None, kind: str | None = None) -> list[dict]:
    """Rows of ``data list --json``, filtered by kind and by every word of ``q``."""
    df = store.list_series()
    if kind:
        df = df[df["kind"] == kind]
    rows = frame_records(df)
    if q:
        words = q.lower().split()
        rows = [r for r in rows if all(w in f"{r['id']} {r['name']} {r['unit']}".lower()
                                       for w in words)]
    return rows


def series_rows(store: Store, series_id: str, *, geo: str | None = None,
                start: str | None = None, end: str | None = None,
                constant_dollars: int | None = None) -> list[dict]:
    """Rows of ``data show ID --json`` (observations, or funding lines for funding series)."""
    info = series_info(store, series_id)
    snap = store.snapshot.snapshot_id
    if info.kind == "funding":
        df = funding_table(store, series_id, constant_dollars=constant_dollars,
                           start=start, end=end)
        return [{"series_id": series_id, "unit": "USD", **r, "snapshot_id": snap}
                for r in frame_records(df)]
    df = store.series(series_id, geo=geo, start=start, end=end)
    return [{"series_id": series_id, "unit": info.unit, **r, "snapshot_id": snap}
            for r in frame_records(df)]


# Facts of one snapshot, read once: a snapshot never changes, and the server is read-only.
_MEMO: dict[tuple, Any] = {}
_MEMO_LOCK = threading.Lock()


def _memo(store: Store, what: str, compute) -> Any:
    key = (str(store.path), store.snapshot.snapshot_id, what)
    with _MEMO_LOCK:
        if key in _MEMO:
            return _MEMO[key]
    value = compute()
    with _MEMO_LOCK:
        if len(_MEMO) > 20_000:
            _MEMO.clear()
        _MEMO[key] = value
    return value


def source_records(store: Store, ids: list[str] | None = None) -> list[dict]:
    """Rows of ``sources --json`` plus ``citation`` (full) and ``short`` (publisher, title)."""
    def every() -> list[dict]:
        rows = frame_records(store.sources())
        for r in rows:
            table = f", {r['table_ref']}" if r.get("table_ref") else ""
            r["short"] = f"{r['publisher']}, {r['title']}"
            r["citation"] = (f"{r['publisher']}, {r['title']}{table}. {r['url']} "
                             f"(retrieved {r['retrieved']})")
        return rows
    rows = _memo(store, "sources", every)
    if ids is None:
        return [dict(r) for r in rows]
    wanted = set(ids)
    return [dict(r) for r in rows if r["source_id"] in wanted]


def series_info(store: Store, series_id: str):
    """``Store.series_info``, read once per snapshot (unknown ids still raise each time)."""
    return _memo(store, "info:" + series_id, lambda: store.series_info(series_id))


def series_info_record(store: Store, series_id: str) -> dict:
    info = series_info(store, series_id)
    return jsonable({"id": info.series_id, "name": info.name, "unit": info.unit,
                     "frequency": info.frequency, "geo": info.geo, "kind": info.kind,
                     "definition": info.definition, "default_source_id": info.default_source_id})


def cumulative_rows(store: Store, series_id: str) -> list[dict]:
    """Multi-year funding totals exactly as each document states them (never re-added)."""
    df = funding_table(store, series_id, include_cumulative=True)
    df = df[df["fiscal_year"].str.contains("-")]
    return [{"series_id": series_id, "unit": "USD", **r,
             "snapshot_id": store.snapshot.snapshot_id} for r in frame_records(df)]


def donor_list(state: WebState, donors: str | None) -> list[str] | None:
    """The donor pool through evaluate's one reader (repeats refused), within the limit."""
    from ..evaluate import parse_donors
    from ..evaluate.battery import iso3

    # normalised by the battery's own rule, so "col,COL" is a repeat here as on the CLI
    pool = parse_donors(donors or None, "donors", normalize=iso3)
    if pool is not None and len(pool) > state.limits.max_donors:
        raise HTTPException(422, f"donors: {len(pool)} listed, at most "
                            f"{state.limits.max_donors}")
    return pool


def run_evaluation(state: WebState, store: Store, outcome: str | None, method: str | None,
                   at: int | None, donors: list[str] | None) -> tuple[dict, bool]:
    """The battery (or the part asked for), cached per (inputs, snapshot)."""
    from ..evaluate import run_battery

    key = ("evaluate", store.snapshot.snapshot_id, outcome, method, at,
           tuple(donors) if donors else None)

    def compute() -> dict:
        result = run_battery(store, outcome=outcome, method=method, at=at, donors=donors)
        return {"estimates": result.estimates, "seconds": result.seconds}

    return state.cached(key, compute)


def check_article(state: WebState, store: Store, text: str, article: str = "-") -> list[dict]:
    """``aidwatch.check_text`` as ``Verdict.to_json()`` records, in the checker processes
    (or here, with the snapshot's evidence read once, when the server runs none)."""
    from ..claims import check_text, load_evidence

    if len(text) > state.limits.max_article_chars:
        raise HTTPException(413, f"the article has {len(text):,} characters; the limit is "
                            f"{state.limits.max_article_chars:,}")
    if state.checks is not None:
        return state.checks.run(store.snapshot.snapshot_id, text, article)
    evidence, _ = state.cached(("evidence", store.snapshot.snapshot_id),
                               lambda: load_evidence(store))
    return verdict_records(check_text(text, article=article, evidence=evidence))


async def check_article_async(state: WebState, store: Store, text: str,
                              article: str = "-") -> list[dict]:
    """``check_article`` without holding a server thread while a checker process works."""
    if state.checks is None or len(text) > state.limits.max_article_chars:
        return await run_in_threadpool(check_article, state, store, text, article)
    return await state.checks.run_async(store.snapshot.snapshot_id, text, article)


def verdict_records(verdicts: list) -> list[dict]:
    return [jsonable(v.to_json()) for v in verdicts]


def summary(records: list[dict]) -> dict[str, int]:
    from ..claims import VERDICTS

    counts = {k: 0 for k in VERDICTS}
    for r in records:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return counts


# -- routes --------------------------------------------------------------------------------------
@router.get("/series", summary="List or search series", responses=ERRORS)
def list_series(store: StoreDep, q: Annotated[str | None, Query(
                    max_length=100, description="Words that must all appear in the id, name "
                    "or unit.")] = None,
                kind: Annotated[Literal["observation", "panel", "funding"] | None,
                                Query(description="Only series of this kind.")] = None,
                format: FormatQ = "json", snapshot: SnapshotQ = None):
    """Every series (rows of `aidwatch data list --json`): id, name, unit, geo, frequency,
    kind, first/last period, number of values, sources and statuses."""
    rows = series_catalogue(store, q, kind)
    if format == "csv":
        return csv_response(rows, "series")
    return envelope(store, rows)


@router.get("/series/{series_id}", summary="One series with its values and sources",
            responses=ERRORS)
def get_series(request: Request, store: StoreDep,
               series_id: Annotated[str, Path(pattern=SERIES_ID)],
               geo: Annotated[str | None, Query(pattern=GEO, description="Geography code "
                                                "(panels): MEX, OH, MX-25 ...")] = None,
               start: Annotated[str | None, Query(pattern=PERIOD, description="First period: "
                                                  "2010, FY2010 or 2019-01.")] = None,
               end: Annotated[str | None, Query(pattern=PERIOD, description="Last period.")
                              ] = None,
               constant_dollars: Annotated[int | None, Query(
                   ge=2000, le=2100, description="Funding series: add constant dollars of "
                   "this base year (CPI-U).")] = None,
               format: Annotated[Literal["json", "csv", "zip"], Query(
                   description="json, csv, or zip (CSV + metadata + README)")] = "json",
               snapshot: SnapshotQ = None):
    """The values of one series (rows of `aidwatch data show ID --json`): period, value,
    status, source_id, geo, note, snapshot_id; the series' definition; its sources."""
    state = web_state(request)
    check_range(state, start, end)
    info = series_info_record(store, series_id)
    rows = series_rows(store, series_id, geo=geo, start=start, end=end,
                       constant_dollars=constant_dollars)
    sources = source_records(store, sorted({r["source_id"] for r in rows if r.get(
        "source_id")} or {info["default_source_id"]}))
    if format == "csv":
        return csv_response(rows, series_id)
    if format == "zip":
        return zip_response(store, info, rows, sources, request)
    return envelope(store, rows, series=info, sources=sources,
                    deflator=DEFLATOR_NOTE if constant_dollars else None)


def zip_response(store: Store, info: dict, rows: list[dict], sources: list[dict],
                 request: Request) -> Response:
    snap = store.snapshot
    name = info["id"]
    meta = {"name": name, "title": info["name"], "version": __version__,
            "snapshot_id": snap.snapshot_id, "data_date": snap.data_date,
            "series": info, "sources": sources,
            "resources": [{"path": f"{name}.csv", "format": "csv",
                           "fields": list(rows[0]) if rows else []}],
            "api": f"{request.url.scheme}://{request.url.netloc}{API_PREFIX}/series/{name}"}
    readme = "\n".join([
        f"{info['name']} ({name})", "",
        f"Unit: {info['unit']} · frequency: {info['frequency']} · geography: {info['geo']}",
        f"Definition: {info['definition']}", "",
        f"Snapshot {snap.snapshot_id} (data as of {snap.data_date}), AidWatch {__version__}.",
        f"{name}.csv: one row per value (the keys of `aidwatch data show {name} --json`).",
        "datapackage.json: the series' definition, its sources and this snapshot.", "",
        "Sources:", *[f"- {s['citation']}" for s in sources], ""])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{name}.csv", pd.DataFrame(rows).to_csv(index=False))
        z.writestr("datapackage.json", json.dumps(jsonable(meta), indent=1, ensure_ascii=False))
        z.writestr("README.txt", readme)
    return Response(buf.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}.zip"'})


@router.get("/funding", summary="Funding lines by fiscal year, account, program and stage",
            responses=ERRORS)
def get_funding(request: Request, store: StoreDep,
                series: Annotated[str, Query(pattern=SERIES_ID, description="A funding "
                                             "series.")] = "us.aid.mexico",
                by: Annotated[Literal[BY_CHOICES] | None, Query(  # type: ignore[valid-type]
                    description="One column per account, program, stage or source.")] = None,
                stage: Annotated[Literal[STAGES] | None, Query(  # type: ignore[valid-type]
                    description="Only this stage.")] = None,
                constant_dollars: Annotated[int | None, Query(ge=2000, le=2100, description=(
                    "Add constant dollars of this base year (CPI-U)."))] = None,
                cumulative: Annotated[bool, Query(description="Include multi-year figures "
                                                  "as documents state them.")] = False,
                start: Annotated[str | None, Query(pattern=r"^(FY)?\d{4}$")] = None,
                end: Annotated[str | None, Query(pattern=r"^(FY)?\d{4}$")] = None,
                format: FormatQ = "json", snapshot: SnapshotQ = None):
    """Rows of `aidwatch data show FUNDING_ID --json [--by ...]`. Stages and documents are
    never added together: several documents quote the same appropriation."""
    check_range(web_state(request), start, end)
    df = funding_table(store, series, by=by, stage=stage, constant_dollars=constant_dollars,
                       include_cumulative=cumulative, start=start, end=end)
    rows = [{"series_id": series, "unit": "USD", **r,
             "snapshot_id": store.snapshot.snapshot_id} for r in frame_records(df)]
    if format == "csv":
        return csv_response(rows, series)
    return envelope(store, rows, series_id=series,
                    deflator=DEFLATOR_NOTE if constant_dollars else None)


@router.get("/funding/cumulative", summary="Multi-year totals as each document states them",
            responses=ERRORS)
def get_cumulative(store: StoreDep,
                   series: Annotated[str, Query(pattern=SERIES_ID)] = "us.aid.mexico.merida",
                   snapshot: SnapshotQ = None):
    """Running totals quoted by documents (e.g. FY2008-FY2021), one row per document line."""
    return envelope(store, cumulative_rows(store, series), series_id=series)


@router.get("/events", summary="The dated timeline", responses=ERRORS)
def get_events(request: Request, store: StoreDep,
               start: Annotated[str | None, Query(pattern=DATE, description="First year or "
                                                  "date.")] = None,
               end: Annotated[str | None, Query(pattern=DATE)] = None,
               kind: Annotated[str | None, Query(max_length=40)] = None,
               format: FormatQ = "json", snapshot: SnapshotQ = None):
    """Rows of `aidwatch events --json`: event_id, date, precision, kind, actors, title,
    description, source_id."""
    check_range(web_state(request), start, end)
    rows = frame_records(store.events(start, end, kind))
    if format == "csv":
        return csv_response(rows, "events")
    return envelope(store, rows)


@router.get("/sources", summary="Every source cited", responses=ERRORS)
def get_sources(store: StoreDep, format: FormatQ = "json", snapshot: SnapshotQ = None):
    """Rows of `aidwatch sources --json`, plus `short` and `citation`."""
    rows = source_records(store)
    if format == "csv":
        return csv_response(rows, "sources")
    return envelope(store, rows)


@router.get("/sources/{source_id}", summary="One source", responses=ERRORS)
def get_source(store: StoreDep, source_id: Annotated[str, Path(pattern=SERIES_ID)],
               snapshot: SnapshotQ = None):
    rows = source_records(store, [source_id])
    if not rows:
        raise HTTPException(404, f"unknown source {source_id!r}")
    return jsonable({"snapshot_id": store.snapshot.snapshot_id, **rows[0]})


@router.get("/snapshots", summary="Every snapshot, newest first", responses=ERRORS)
def get_snapshots(store: StoreDep):
    """Rows of `aidwatch snapshots --json`."""
    return envelope(store, frame_records(list_snapshots(store)))


@router.get("/diff", summary="What changed between two snapshots", responses=ERRORS)
def get_diff(store: StoreDep,
             a: Annotated[str | None, Query(pattern=SNAPSHOT, description="Older snapshot "
                                            "(default: the one before the newest).")] = None,
             b: Annotated[str | None, Query(pattern=SNAPSHOT, description="Newer snapshot "
                                            "(default: the newest).")] = None,
             series: Annotated[str | None, Query(max_length=160, description="Only series "
                                                 "whose id starts with this.")] = None,
             limit: Annotated[int, Query(ge=1, le=10_000)] = 1000):
    """The object of `aidwatch diff --json`: a, b, summary, observations, funding."""
    d = diff_snapshots(store, a, b)
    obs = d.observations
    if series:
        obs = obs[obs["series_id"].str.startswith(series)]
        d = type(d)(d.a, d.b, obs, d.funding)
    return jsonable({"a": d.a, "b": d.b, "summary": d.summary(),
                     "observations": frame_records(obs.head(limit)),
                     "funding": frame_records(d.funding.head(limit))})


@router.get("/evaluate", summary="Run the evaluation battery (or part of it)",
            responses=ERRORS, dependencies=[Depends(compute_limit)])
def get_evaluate(request: Request, store: StoreDep,
                 outcome: Annotated[str | None, Query(pattern=SERIES_ID, description=(
                     "Outcome series (default: the battery's outcomes)."))] = None,
                 method: Annotated[Literal["synth", "its", "dose", "event"] | None, Query(
                     description="Only this method.")] = None,
                 at: Annotated[int | None, Query(ge=1995, le=2030, description=(
                     "Intervention year (synth treatment year; a single ITS break)."))] = None,
                 donors: Annotated[str | None, Query(pattern=DONORS, description=(
                     "Synthetic-control donors, comma-separated ISO3 codes, each once."))
                 ] = None,
                 snapshot: SnapshotQ = None):
    """Estimates (rows of `aidwatch evaluate --json`): method, outcome, intervention, effect,
    unit, estimand, interval, p_value, diagnostics, assumptions, n_points, reading,
    snapshot_id, source_ids, status. Cached per (inputs, snapshot)."""
    state = web_state(request)
    pool = donor_list(state, donors)
    result, cached = run_evaluation(state, store, outcome, method, at, pool)
    return envelope(store, [e.to_dict() for e in result["estimates"]],
                    seconds=round(result["seconds"], 3), cached=cached)


class CheckRequest(BaseModel):
    text: str = Field(description="The article: plain text or HTML (shown and read as text).")
    article: str = Field("-", max_length=200, description="A name for the article.")


@router.post("/check", summary="Check every numeric and dated claim in a text",
             responses={**ERRORS, 200: {"content": {"application/json": {},
                                                    "application/x-ndjson": {}}}},
             dependencies=[Depends(compute_limit)])
async def post_check(request: Request, store: StoreDep,
                     body: Annotated[CheckRequest, Body()],
               format: Annotated[Literal["json", "jsonl"], Query(
                   description="json (default) or jsonl (JSON Lines, as `check --json`)")
               ] = "json",
               snapshot: SnapshotQ = None):
    """Verdicts, one per claim and per consistency finding (the JSON Lines of `aidwatch check
    --json`: article, sentence, start, end, quantity_text, value, unit, series, period, kind,
    verdict, reference_value, source, reason, ...), and a summary by verdict."""
    records = await check_article_async(web_state(request), store, body.text, body.article)
    if format == "jsonl":
        lines = "".join(jsonout.dumps(r) + "\n" for r in records)  # NaN/Infinity → null
        return Response(lines, media_type="application/x-ndjson", headers={
            "Content-Disposition": 'attachment; filename="claims.jsonl"'})
    return JSONResponse(envelope(store, records, article=body.article,
                                 summary=summary(records)))
