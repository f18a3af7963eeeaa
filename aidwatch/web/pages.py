"""The HTML pages: rendered on the server with Jinja2 (autoescaped), readable without JS.

Every view is a GET whose query string is the whole state (series, period, geography,
method, donors, tab), so the address bar is the permalink. Charts are the brief's own SVG
charts (``aidwatch.brief.charts``); text from a request is only ever rendered escaped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import jsonout
from .._version import __version__
from ..brief import charts, sections
from ..brief import findings as fd
from ..errors import InputError
from ..model import STAGES
from ..money import BY_CHOICES, DEFLATOR_NOTE, funding_table
from ..store import Store, diff_snapshots, list_snapshots
from . import api
from .app import API_PREFIX, HERE, WebState
from .article import MAIN_KEYS, decode, display_text, segments
from .figures import fmt_value, its_figure, placebo_figure, series_figure

router = APIRouter(include_in_schema=False)
env = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(default=True, default_for_string=True),
                  trim_blocks=True, lstrip_blocks=True)
BRIEF_JS = Path(charts.__file__).resolve().parent / "templates" / "brief.js"
DEFAULT_SERIES = "us.overdose_deaths.total"
QUESTION = ("From FY2008 to FY2021 the U.S. Congress appropriated billions of dollars for "
            "security cooperation with Mexico. Did the outcomes it was meant to change actually "
            "change, and are the claims made about it true?")
PERMALINK_TEXT_CHARS = 4000
NAV = (("/", "Home"), ("/series", "Series"), ("/money", "Money"), ("/evaluate", "Evaluation"),
       ("/check", "Claim checker"), ("/timeline", "Timeline & sources"),
       (f"{API_PREFIX}/docs", "API"))


def _state(request: Request) -> WebState:
    return request.app.state.web


def render(request: Request, template: str, store: Store | None, status: int = 200,
           headers: dict | None = None, **context) -> HTMLResponse:
    snap = store.snapshot if store is not None else None
    url = request.url
    permalink = url.path + (f"?{url.query}" if url.query else "")
    snapshot_q = request.query_params.get("snapshot") or ""
    keep = f"?{urlencode({'snapshot': snapshot_q})}" if snapshot_q else ""
    html = env.get_template(template).render(
        nav=[(href + keep, label) for href, label in NAV], path=url.path, snapshot_q=snapshot_q,
        keep=keep, version=__version__, permalink=permalink,
        snapshot=snap, base_url=f"{url.scheme}://{url.netloc}", api=API_PREFIX, **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def error_page(request: Request, status: int, message: str, hint: str | None = None,
               headers: dict | None = None) -> HTMLResponse:
    return render(request, "error.html.j2", None, status=status, headers=headers,
                  status_code=status, message=message, hint=hint)


@router.get("/assets/charts.js")
def charts_js() -> FileResponse:
    """The brief's own hover script for its SVG charts (one chart code path)."""
    return FileResponse(BRIEF_JS, media_type="text/javascript")


# -- home ---------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request, snapshot: api.SnapshotQ = None):
    state = _state(request)
    with state.store(snapshot) as s:
        key, _ = state.cached(("findings", s.snapshot.snapshot_id), lambda: _findings(s))
        return render(request, "home.html.j2", s, question=QUESTION, findings=key["findings"],
                      missing=key["missing"], n_series=len(s.series_ids()))


def _findings(store: Store) -> dict:
    """The brief's key findings, same text (descriptive ones, then the estimates')."""
    estimates, missing = fd.load_estimates(store)
    known = set(store.series_ids())
    names = {e.outcome: store.series_info(e.outcome).name for e in estimates
             if e.outcome in known}
    found = fd.descriptive_findings(store) + fd.estimate_findings(estimates, names)
    rows = []
    for f in found:
        cites = api.source_records(store, sorted(set(f.source_ids)))
        rows.append({"text": f.text, "interval": f.interval, "sources": cites})
    return {"findings": rows, "missing": missing}


# -- series explorer ----------------------------------------------------------------------------
def _topic(series_id: str) -> str:
    parts = series_id.split(".")
    where = {"us": "United States", "mx": "Mexico", "intl": "International",
             "fx": "Exchange rates"}.get(parts[0], parts[0])
    if parts[0] == "fx":
        return where
    return f"{where} · {parts[1].replace('_', ' ')}" if len(parts) > 1 else where


@router.get("/series", response_class=HTMLResponse)
def series_page(request: Request,
                id: Annotated[list[str], Query(max_length=8)] = [],  # noqa: B006
                geo: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006
                start: Annotated[str | None, Query(alias="from", pattern=api.PERIOD)] = None,
                end: Annotated[str | None, Query(alias="to", pattern=api.PERIOD)] = None,
                q: Annotated[str | None, Query(max_length=100)] = None,
                constant: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                snapshot: api.SnapshotQ = None):
    state = _state(request)
    api.check_range(state, start, end)
    for code in geo:
        if not re.fullmatch(api.GEO, code):
            raise HTTPException(422, f"geo: {code!r} is not a geography code")
    ids = list(dict.fromkeys(i for i in id if i)) or [DEFAULT_SERIES]
    if len(ids) > state.limits.max_series:
        raise HTTPException(422, f"at most {state.limits.max_series} series on one chart")
    with state.store(snapshot) as s:
        catalogue = api.series_catalogue(s)
        groups: dict[str, list[dict]] = {}
        for r in catalogue:
            groups.setdefault(_topic(r["id"]), []).append(r)
        view = _series_view(s, ids, geo, start, end)
        money = [_funding_view(s, info, start, end, constant) for info in view["funding"]]
        return render(request, "series.html.j2", s, groups=groups, selected=ids, q=q or "",
                      start=start or "", end=end or "", geo=geo, money=money,
                      constant=constant or "", cpi_years=_cpi_years(s) if money else [],
                      fmt=fmt_value, **view)


def _funding_view(s: Store, info, start: str | None, end: str | None,
                  constant: int | None) -> dict:
    """A funding series in the explorer: its lines, nominal and in constant dollars."""
    fy = [p if p is None or p.upper().startswith("FY") else p[:4] for p in (start, end)]
    df = funding_table(s, info.series_id, constant_dollars=constant, start=fy[0], end=fy[1])
    cols = ["fiscal_year", "stage", "program", "account", "amount_usd"]
    if constant:
        cols.append(f"amount_usd_{constant}")
    cols.append("source_id")
    return {"info": info, "columns": cols, "rows": df[cols].to_dict("records"),
            "amount_cols": [c for c in cols if c.startswith("amount_usd")],
            "deflator": DEFLATOR_NOTE if constant else ""}


def _series_view(s: Store, ids: list[str], geos: list[str], start: str | None,
                 end: str | None) -> dict:
    names = s.geo_names()
    lines_by_unit: dict[str, list[dict]] = {}
    infos, funding, panels = [], [], []
    for sid in ids:
        info = s.series_info(sid)
        infos.append(info)
        if info.kind == "funding":
            funding.append(info)
            continue
        wanted: list[str | None] = [None]
        if info.kind == "panel":
            available = sorted(set(s.series(sid)["geo"]))
            chosen = [g for g in geos if g in available]
            default = "MEX" if "MEX" in available else available[0] if available else None
            wanted = chosen or [default]
            panels.append({"id": sid, "name": info.name, "chosen": wanted,
                           "options": [(g, names.get(g, g)) for g in available]})
        for g in wanted:
            df = s.series(sid, geo=g, start=start, end=end)
            label = info.name + (f" — {names.get(g, g)}" if g else "")
            lines_by_unit.setdefault(info.unit, []).append(
                {"id": sid, "geo": g, "label": label, "unit": info.unit,
                 "frequency": info.frequency,
                 "rows": [{"period": r["period"], "value": r["value"], "status": r["status"],
                           "source_id": r["source_id"], "note": r["note"]}
                          for r in df.to_dict("records")]})
    events = s.events()
    all_marks = sections.event_marks(events, s) if not events.empty else []
    figures = []
    for n, (unit, lines) in enumerate(lines_by_unit.items()):
        figures.append(series_figure(n, unit, lines, all_marks))
    used = sorted({r["source_id"] for f in figures for ln in f["lines"] for r in ln["rows"]}
                  | {i.default_source_id for i in infos if i.default_source_id})
    statuses = sorted({r["status"] for f in figures for ln in f["lines"] for r in ln["rows"]})
    downloads = []
    for info in infos:
        if info.kind == "funding":
            continue
        params = {k: v for k, v in (("start", start), ("end", end)) if v}
        geo_here = next((p["chosen"] for p in panels if p["id"] == info.series_id), [None])
        shown = []
        for g in geo_here:
            qs = urlencode({**params, **({"geo": g} if g else {})})
            shown.append({"geo": g, "query": qs})
        downloads.append({"id": info.series_id, "name": info.name, "shown": shown})
    return {"infos": infos, "figures": figures, "funding": funding, "panels": panels,
            "sources": api.source_records(s, used), "statuses": statuses,
            "downloads": downloads, "n_values": sum(len(ln["rows"]) for f in figures
                                                    for ln in f["lines"])}


# -- money --------------------------------------------------------------------------------------
@router.get("/money", response_class=HTMLResponse)
def money_page(request: Request,
               series: Annotated[str, Query(pattern=api.SERIES_ID)] = "us.aid.mexico.merida",
               by: Annotated[Literal[BY_CHOICES] | None, Query()] = None,  # type: ignore
               stage: Annotated[Literal[STAGES] | None, Query()] = None,  # type: ignore
               constant: Annotated[int | None, Query(ge=2000, le=2100)] = None,
               start: Annotated[str | None, Query(alias="from", pattern=r"^(FY)?\d{4}$")
                                ] = None,
               end: Annotated[str | None, Query(alias="to", pattern=r"^(FY)?\d{4}$")] = None,
               snapshot: api.SnapshotQ = None):
    state = _state(request)
    api.check_range(state, start, end)
    with state.store(snapshot) as s:
        section, _ = state.cached(("money", s.snapshot.snapshot_id),
                                  lambda: sections.money_section(s))
        funding_ids = [r["id"] for r in api.series_catalogue(s, kind="funding")]
        df = funding_table(s, series, by=by, stage=stage, constant_dollars=constant,
                           start=start, end=end)
        amount_cols = [c for c in df.columns if c.startswith("amount_usd")] if by is None \
            else [c for c in df.columns if c not in ("fiscal_year", "stage", "source_id",
                                                     "vehicle")]
        rows = df.to_dict("records")
        cumulative = api.cumulative_rows(s, series)
        used = sorted((set(df["source_id"]) if "source_id" in df.columns else set())
                      | {r["source_id"] for r in cumulative})
        query = urlencode({k: v for k, v in (("series", series), ("by", by), ("stage", stage),
                                             ("constant_dollars", constant), ("start", start),
                                             ("end", end)) if v})
        return render(request, "money.html.j2", s, figures=section["figures"],
                      funding_ids=funding_ids, series=series, by=by or "", stage=stage or "",
                      constant=constant or "", start=start or "", end=end or "",
                      columns=list(df.columns), amount_cols=amount_cols, rows=rows,
                      cumulative=cumulative, stages=STAGES, by_choices=BY_CHOICES,
                      deflator=DEFLATOR_NOTE if constant else "", fmt=fmt_value,
                      sources=api.source_records(s, used), api_query=query,
                      cpi_years=_cpi_years(s))


def _cpi_years(s: Store) -> list[int]:
    return sorted(int(p) for p in s.series("us.cpi_u.annual")["period"])


# -- evaluation ---------------------------------------------------------------------------------
@router.get("/evaluate", response_class=HTMLResponse)
def evaluate_page(request: Request,
                  outcome: Annotated[str | None, Query(pattern=api.SERIES_ID)] = None,
                  method: Annotated[Literal["synth", "its", "dose", "event"] | None,
                                    Query()] = None,
                  at: Annotated[int | None, Query(ge=1995, le=2030)] = None,
                  donors: Annotated[str | None, Query(pattern=api.DONORS)] = None,
                  snapshot: api.SnapshotQ = None):
    from ..evaluate.battery import INTL_RATE, ITS_BREAKS, MX_RATE, NOT_DONORS

    state = _state(request)
    outcome = outcome or None
    donors = (donors or "").strip() or None
    with state.store(snapshot) as s:
        catalogue = api.series_catalogue(s)
        outcomes = [r for r in catalogue if (r["kind"] == "observation" and
                                             r["frequency"] == "annual")
                    or r["id"] in (MX_RATE, INTL_RATE, "mx.homicide_victims.by_state_month")]
        names = s.geo_names()
        pool = sorted(set(s.series(INTL_RATE)["geo"]) - NOT_DONORS)
        result = None
        if method is not None:
            api.compute_limit(request)
            chosen = api.donor_list(state, donors)
            result, cached = state.cached(
                ("evaluate-page", s.snapshot.snapshot_id, outcome, method, at,
                 tuple(chosen) if chosen else None),
                lambda: _evaluation(s, state, outcome, method, at, chosen))
            result = {**result, "cached": cached}
        return render(request, "evaluate.html.j2", s, outcomes=outcomes, outcome=outcome or "",
                      method=method or "", at=at or "", donors=donors or "",
                      pool=[(g, names.get(g, g)) for g in pool], result=result,
                      default_breaks=ITS_BREAKS)


def _evaluation(s: Store, state: WebState, outcome: str | None, method: str, at: int | None,
                donors: list[str] | None) -> dict:
    import time

    from ..evaluate.battery import INTL_RATE, ITS_BREAKS, MX_RATE, run_its, run_synth

    placebo = None
    if method == "synth" and outcome in (None, MX_RATE, INTL_RATE):
        # What run_battery(method="synth") runs, called directly: its placebo gaps (for the
        # chart) are not part of the estimate record, and a second fit would double the wait.
        started = time.perf_counter()
        estimates, _, placebo = run_synth(s, at=at or 2008, donors=donors)
        result = {"estimates": estimates, "seconds": time.perf_counter() - started}
    else:
        result, _ = api.run_evaluation(state, s, outcome, method, at, donors)
        estimates = result["estimates"]
    known = set(s.series_ids())
    label = {e.outcome: s.series_info(e.outcome).name for e in estimates if e.outcome in known}
    rows = fd.estimate_rows(estimates, label)
    for r in rows:
        r["glyph"] = (charts.interval_glyph(r["effect_value"], r["low"], r["high"],
                                            tip=f"{r['method']}: {r['effect']} {r['unit']}, "
                                            f"{r['interval']}")
                      if r["status"] == "ok" and r["effect_value"] is not None else "")
        d = r["diagnostics"]
        r["fit"] = (f"pre-period RMSPE {d['pre_rmspe']:.3g}" if "pre_rmspe" in d else
                    f"R² {d['r_squared']:.2f}" if "r_squared" in d else "–")
    figures = []
    synth_ok = [e for e in estimates if "synthetic" in e.method.lower() and e.status == "ok"]
    if synth_ok:
        fig = sections.synth_figure(s, synth_ok[0], known)
        if fig is not None:
            figures.append({"title": fig.title, "subtitle": fig.subtitle, "svg": fig.svg,
                            "notes": fig.notes})
        if placebo is not None:
            figures.append(placebo_figure(s, placebo, at or 2008))
    if method == "its":
        for sid in ([outcome] if outcome else list(ITS_BREAKS)):
            _, its = run_its(s, sid, [at] if at else ITS_BREAKS.get(sid, [2008]))
            if its is not None:
                figures.append(its_figure(s, sid, its))
    return {"rows": rows, "figures": figures, "seconds": result["seconds"],
            "sources": api.source_records(s, sorted({i for e in estimates
                                                      for i in e.source_ids})),
            "outcome_default": MX_RATE}


# -- claim checker ------------------------------------------------------------------------------
def _check_view(s: Store, state: WebState, text: str, article: str) -> dict:
    records = api.check_article(state, s, text, article)
    for n, r in enumerate(records, 1):
        r["n"] = n
    base = display_text(text, records)
    extra_keys = []
    for r in records:
        extra_keys += [k for k in r if k not in MAIN_KEYS and k not in extra_keys
                       and k not in ("n", "article")]
    return {"segments": segments(base, records), "records": records,
            "summary": api.summary(records), "main_keys": MAIN_KEYS, "extra_keys": extra_keys,
            "text": text, "article": article,
            "permalink_ok": len(text) <= PERMALINK_TEXT_CHARS,
            "check_query": urlencode({"text": text, "article": article})
            if len(text) <= PERMALINK_TEXT_CHARS else ""}


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request,
               text: Annotated[str | None, Query(max_length=PERMALINK_TEXT_CHARS)] = None,
               article: Annotated[str, Query(max_length=200)] = "pasted text",
               snapshot: api.SnapshotQ = None):
    state = _state(request)
    with state.store(snapshot) as s:
        view = None
        if text:
            api.compute_limit(request)
            view = _check_view(s, state, text, article)
        return render(request, "check.html.j2", s, view=view,
                      limit=state.limits.max_article_chars)


async def _form_text(state: WebState, text: str, file: UploadFile | None) -> tuple[str, str]:
    if file is not None and file.filename:
        data = await file.read(state.limits.max_upload_bytes + 1)
        if len(data) > state.limits.max_upload_bytes:
            raise HTTPException(413, f"{file.filename}: larger than "
                                f"{state.limits.max_upload_bytes:,} bytes")
        return decode(data, file.filename), Path(file.filename).name
    return text, ""


@router.post("/check", response_class=HTMLResponse)
async def check_post(request: Request, text: Annotated[str, Form()] = "",
                     article: Annotated[str, Form(max_length=200)] = "pasted text",
                     file: Annotated[UploadFile | None, File()] = None,
                     snapshot: api.SnapshotQ = None):
    state = _state(request)
    text, name = await _form_text(state, text, file)
    if not text.strip():
        raise HTTPException(400, "nothing to check: paste a text or choose a .txt/.html file")
    api.compute_limit(request)

    def work() -> HTMLResponse:  # in a worker thread: checking must not block the loop
        with state.store(snapshot) as s:
            view = _check_view(s, state, text, name or article or "pasted text")
            return render(request, "check.html.j2", s, view=view,
                          limit=state.limits.max_article_chars)
    return await run_in_threadpool(work)


@router.post("/check/claims.jsonl")
async def check_download(request: Request, text: Annotated[str, Form()] = "",
                         article: Annotated[str, Form(max_length=200)] = "pasted text",
                         snapshot: api.SnapshotQ = None):
    """The findings as JSON Lines (the same lines as `aidwatch check --json`)."""

    state = _state(request)
    if not text.strip():
        raise HTTPException(400, "nothing to check")
    api.compute_limit(request)

    def work() -> list[dict]:
        with state.store(snapshot) as s:
            return api.check_article(state, s, text, article)
    records = await run_in_threadpool(work)
    body = "".join(jsonout.dumps(r) + "\n" for r in records)  # NaN/Infinity → null
    return Response(body, media_type="application/x-ndjson",
                    headers={"Content-Disposition": 'attachment; filename="claims.jsonl"'})


# -- timeline, sources, snapshots ---------------------------------------------------------------
@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request,
                  tab: Literal["events", "sources", "snapshots"] = "events",
                  start: Annotated[str | None, Query(alias="from", pattern=api.DATE)] = None,
                  end: Annotated[str | None, Query(alias="to", pattern=api.DATE)] = None,
                  kind: Annotated[str | None, Query(max_length=40)] = None,
                  a: Annotated[str | None, Query(pattern=api.SNAPSHOT)] = None,
                  b: Annotated[str | None, Query(pattern=api.SNAPSHOT)] = None,
                  snapshot: api.SnapshotQ = None):
    state = _state(request)
    api.check_range(state, start, end)
    kind = kind or None
    with state.store(snapshot) as s:
        all_events = s.events()
        events = s.events(start, end, kind)
        srcs = {r["source_id"]: r for r in api.source_records(s)}
        snaps = list_snapshots(s).to_dict("records")
        diff = None
        if a or b or len(snaps) > 1:
            try:
                d = diff_snapshots(s, a or None, b or None)
                diff = {"a": d.a, "b": d.b, "summary": d.summary(),
                        "by_series": d.by_series().to_dict("records"),
                        "observations": d.observations.head(200).to_dict("records"),
                        "n_observations": len(d.observations)}
            except InputError as exc:
                diff = {"error": str(exc)}
        return render(request, "timeline.html.j2", s, tab=tab, events=events.to_dict("records"),
                      kinds=sorted(set(all_events["kind"])), kind=kind or "",
                      start=start or "", end=end or "", sources=list(srcs.values()),
                      srcs=srcs, snapshots=snaps, diff=diff, a=a or "", b=b or "")


# -- API docs (served here, no CDN) -------------------------------------------------------------
@router.get(f"{API_PREFIX}/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    spec = request.app.openapi()
    ops = []
    for path, item in spec.get("paths", {}).items():
        for verb, op in item.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": _schema_text(p.get("schema", {})),
                       "description": p.get("description") or p.get("schema", {}).get(
                           "description", "")}
                      for p in op.get("parameters", [])]
            ops.append({"verb": verb.upper(), "path": path, "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "params": params,
                        "responses": sorted(op.get("responses", {}))})
    state = _state(request)
    with state.store() as s:
        return render(request, "docs.html.j2", s, ops=ops, spec=spec,
                      limits=state.limits)


def _schema_text(schema: dict) -> str:
    if "anyOf" in schema:
        return " | ".join(_schema_text(x) for x in schema["anyOf"] if x.get("type") != "null")
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    text = schema.get("type", "")
    if text == "array":
        text = f"list of {_schema_text(schema.get('items', {}))}"
    if "pattern" in schema:
        text += f" matching {schema['pattern']}"
    for k, sym in (("minimum", "≥"), ("maximum", "≤")):
        if k in schema:
            text += f" {sym} {schema[k]}"
    return text
