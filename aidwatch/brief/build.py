"""``build_brief``: the evidence base, the estimates and the claim checks as one document.

Writes ``brief.html`` (self-contained: inline SVG charts, CSS and a small hover script, no
network), ``brief.pdf`` (the same page printed by a headless Chromium) and ``data/`` with
the CSV behind every chart. The same snapshot gives the same numbers and the same HTML.
"""

from __future__ import annotations

import hashlib
import html
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from .._version import __version__
from ..errors import AidWatchError, InputError
from ..settings import DATA_DIR
from ..store import Store, open_store
from . import charts, sections
from . import findings as fd
from .output import Staging
from .pdf import find_chromium, html_to_pdf

FORMATS = ("html", "pdf")
STEPS = ("Opening the store", "Money", "Outcomes", "Estimates", "Claims", "Writing HTML and CSV",
         "Printing PDF")
Progress = Callable[[str, int, int], None]

# Methods the brief itself uses, with the reference a reader can check. Estimators add their
# own rows (from the Estimate records) when the evaluation module is present.
BASE_METHODS = (
    ("Constant dollars", "Nominal amounts are multiplied by CPI-U(base year) / CPI-U(year of "
     "the fiscal year's end).", "U.S. Bureau of Labor Statistics, CPI-U, U.S. city average, "
     "all items, annual average (series CUUR0000SA0)."),
    ("Not adding documents", "Figures from different documents are never summed: one document "
     "per fiscal year is shown, and cumulative totals are quoted as each document states them.",
     "ForeignAssistance.gov, 'Understanding the Data' (stages of the money lifecycle)."),
    ("Dated events", "Events are drawn at their stated precision: a rule for a day, a band for "
     "a month or a year.", "AidWatch events table (each event cites its source)."),
)
# Keyed by method family: the part of ``Estimate.method`` before any parenthesis, lower case
# ("ITS (level)" -> "its", "dose-response (lags 0-2)" -> "dose-response").
METHOD_REFERENCES = {
    "synthetic control": (
        "Synthetic control", "Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic "
        "Control Methods for Comparative Case Studies. Journal of the American Statistical "
        "Association 105(490): 493-505."),
    "its": ("Interrupted time series", "Bernal, J. L., Cummins, S. and Gasparrini, A. (2017). "
            "Interrupted time series regression for the evaluation of public health "
            "interventions: a tutorial. International Journal of Epidemiology 46(1): 348-355."),
    "difference-in-differences": (
        "Difference in differences", "Angrist, J. D. and Pischke, J.-S. (2009). Mostly Harmless "
        "Econometrics, chapter 5. Princeton University Press."),
    "event study": ("Event study", "Sun, L. and Abraham, S. (2021). Estimating dynamic "
                    "treatment effects in event studies with heterogeneous treatment effects. "
                    "Journal of Econometrics 225(2): 175-199."),
    "dose-response": ("Dose-response (funding intensity)", "Newey, W. K. and West, K. D. (1987). A "
             "Simple, Positive Semi-Definite, Heteroskedasticity and Autocorrelation Consistent "
             "Covariance Matrix. Econometrica 55(3): 703-708."),
}


def method_family(method: str) -> str:
    """'ITS (level)' -> 'its': the key of ``METHOD_REFERENCES`` for an estimate's method."""
    return method.split("(")[0].strip().lower()


@dataclass
class BriefResult:
    """What ``build_brief`` wrote, and from which snapshot."""

    out_dir: Path
    html: Path | None
    pdf: Path | None
    csv: list[Path]
    snapshot_id: str
    version: str
    seconds: float
    warnings: list[str] = field(default_factory=list)


def parse_formats(formats: str | Sequence[str] | None) -> tuple[tuple[str, ...], bool]:
    """('html', 'pdf') from 'html,pdf'; the flag says whether PDF is optional (default)."""
    if formats is None:
        return FORMATS, True
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in items if f.strip()))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise InputError(f"unknown brief format {', '.join(bad) or '(none)'}",
                         "use html, pdf or html,pdf")
    return chosen, False


def read_articles(paths: Sequence[str | Path]) -> list[tuple[str, str, str]]:
    """(name, attribution, text) for each article file given with --check.

    Files are read by the same reader as ``aidwatch check`` (encodings, binary files, what is
    not a regular file), so the two commands never disagree about an input.
    """
    articles = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError(f"--check: no such file {path}")
        try:
            name, text = _read_article(str(path))
        except InputError as exc:
            raise InputError(f"--check: {exc.message}", exc.hint) from None
        if not text.strip():
            raise InputError(f"--check: {path} is empty")
        articles.append((name, f"Article checked: {name}.", text))
    return articles


def _read_article(path: str) -> tuple[str, str]:
    from ..textfile import read_text_input  # the one reader, shared with `aidwatch check`

    got = read_text_input(path)
    return got.name, got.text


def build_brief(out: str | Path = "aidwatch-brief", *, formats: str | Sequence[str] | None = None,
                snapshot: str | None = None, check: Sequence[str | Path] = (),
                db: str | Path | None = None, store: Store | None = None,
                progress: Progress | None = None) -> BriefResult:
    """Write the evidence brief (HTML, PDF and chart CSVs) into ``out``.

    Args:
        formats: "html", "pdf" or both; default both, skipping the PDF with a warning when no
            Chromium is installed (an explicit "pdf" without Chromium is an error).
        snapshot: a snapshot id (default: the newest); the brief names it.
        check: article files to check; with none, the short text shipped with the package.
        store: an open store to read (else one is opened from ``db``).

    Example:
        >>> build_brief("out", formats="html").html
        PosixPath('out/brief.html')
    """
    started = time.perf_counter()
    chosen, pdf_optional = parse_formats(formats)
    articles = read_articles(check) if check else [(
        "The CRS figures as the press reported them (AidWatch restatement)",
        *fd.default_check())]
    chromium = find_chromium() if "pdf" in chosen else None
    warnings: list[str] = []
    if "pdf" in chosen and chromium is None:
        if not pdf_optional:
            raise AidWatchError("cannot write brief.pdf: no Chromium found",
                                "install chromium (Debian: apt install chromium), set "
                                "AIDWATCH_CHROMIUM, or pass --format html")
        chosen = tuple(f for f in chosen if f != "pdf")
        warnings.append("brief.pdf not written: no Chromium found (install chromium or set "
                        "AIDWATCH_CHROMIUM)")
    steps = [s for s in STEPS if s != "Printing PDF" or "pdf" in chosen]
    tick = _ticker(progress, len(steps))
    out_dir = Path(out)
    # Everything is built in a staging folder and moved into out_dir only when complete:
    # a failed build leaves the previous brief (and the user's own files) as they were.
    with Staging(out_dir) as stage:
        try:
            own = store is None
            tick(steps[0])
            store = store or open_store(db, snapshot)
            try:
                context, figures = _context(store, articles, tick)
                tick("Writing HTML and CSV")
                (stage.path / "data" / "full").mkdir(parents=True)
                csvs = _write_csvs(store, stage.path, figures, context)
                page = render_html(context)
            finally:
                if own:
                    store.close()
            # The page links to data/ relative to itself: it is printed from the staging
            # folder even when only the PDF is kept.
            (stage.path / "brief.html").write_text(page, "utf-8")
            files = ["brief.html"] if "html" in chosen else []
            if "pdf" in chosen:
                tick("Printing PDF")
                html_to_pdf(stage.path / "brief.html", stage.path / "brief.pdf", chromium or "")
                files.append("brief.pdf")
            files += [p.relative_to(stage.path).as_posix() for p in csvs]
        except OSError as exc:  # a full disk, a file size limit, a vanished folder
            raise AidWatchError(f"cannot write the brief into {out_dir}: "
                                f"{exc.strerror or exc}", "the previous brief is unchanged"
                                ) from None
        installed = stage.install(files)
    html_path = out_dir / "brief.html"
    pdf_path = out_dir / "brief.pdf" if "pdf" in chosen else None
    csv_paths = [p for p in installed if p.suffix == ".csv"]
    return BriefResult(out_dir, html_path if "html" in chosen else None, pdf_path, csv_paths,
                       context["snapshot"]["id"], __version__,
                       time.perf_counter() - started, warnings + context["warnings"])


def _ticker(progress: Progress | None, total: int) -> Callable[[str], None]:
    state = {"i": 0}

    def tick(step: str) -> None:
        state["i"] += 1
        if progress:
            progress(step, min(state["i"], total), total)
    return tick


def _context(store: Store, articles: list[tuple[str, str, str]], tick) -> tuple[dict, list]:
    snap = store.snapshot
    tick("Money")
    money = sections.money_section(store)
    tick("Outcomes")
    outcomes = sections.outcomes_section(store)
    tick("Estimates")
    estimates, est_missing = fd.load_estimates(store)
    known_series = set(store.series_ids())
    names = {sid: store.series_info(sid).name for sid in {e.outcome for e in estimates}
             if sid in known_series}
    est_rows = fd.estimate_rows(estimates, names)
    key = fd.descriptive_findings(store)
    key += fd.estimate_findings(estimates, names)
    eval_figures = [f for f in (sections.synth_figure(store, e, known_series) for e in estimates
                                if "synthetic" in e.method.lower() and e.status == "ok") if f]
    tick("Claims")
    claim_tables, claims_missing = fd.check_articles(store, articles)
    figures = money["figures"] + outcomes["figures"] + eval_figures
    snapshot_line = f"Snapshot {snap.snapshot_id}, data as of {snap.data_date}"
    for f in figures:
        f.source_line = sections.short_citation(store, f.source_ids)
    # Sources are numbered in the order a reader meets them.
    used = [s for k in key for s in k.source_ids]
    used += [s for f in money["figures"] for s in f.source_ids]
    used += [i for r in money["cumulative"] for i in r["source_ids"]]
    used += [s for f in outcomes["figures"] for s in f.source_ids]
    used += [s for r in est_rows for s in r["source_ids"]]
    used += [s for f in eval_figures for s in f.source_ids]
    used += [r["source"] for t in claim_tables for r in t["rows"] if r.get("source")]
    used += [t["source_id"] for t in outcomes["timeline"]]
    known = set(store.sources()["source_id"])
    sources = sections.sources_rows(store, [s for s in dict.fromkeys(used) if s in known])
    numbering = {s["source_id"]: i + 1 for i, s in enumerate(sources)}
    for r in est_rows:
        r["refs"] = [numbering[s] for s in r["source_ids"] if s in numbering]
        r["glyph"] = (charts.interval_glyph(r["effect_value"], r["low"], r["high"],
                                            tip=f"{r['method']}: {r['effect']} {r['unit']}, "
                                                f"{r['interval']}")
                      if r["status"] == "ok" and r["effect_value"] is not None else "")
    methods = [{"name": n, "text": t, "reference": r} for n, t, r in BASE_METHODS]
    for r in est_rows:
        ref = METHOD_REFERENCES.get(method_family(r["method"]))
        if ref and ref[0] not in {m["name"] for m in methods}:
            methods.append({"name": ref[0], "text": "; ".join(r["assumptions"]) or r["estimand"],
                            "reference": ref[1]})
    brief_id = hashlib.sha256("|".join([snap.data_hash, __version__, *[t for *_, t in articles]])
                              .encode()).hexdigest()[:10]
    context = {
        "title": "Did U.S.–Mexico security cooperation change the outcomes it targeted?",
        "version": __version__, "brief_id": brief_id,
        "snapshot": {"id": snap.snapshot_id, "date": snap.data_date, "kind": snap.kind,
                     "line": snapshot_line},
        "findings": [{"text": k.text, "interval": k.interval,
                      "refs": [numbering[s] for s in k.source_ids if s in numbering]}
                     for k in key],
        "estimates_missing": est_missing,
        "money": money, "outcomes": outcomes, "figures": figures,
        "estimates": est_rows, "evaluation_figures": eval_figures, "claims": claim_tables,
        "claims_missing": claims_missing,
        "sources": sources, "numbering": numbering, "methods": methods,
        "gaps_html": gaps_html(), "warnings": [],
        "citation": (f"AidWatch {__version__}, “Did U.S.–Mexico security cooperation change "
                     f"the outcomes it targeted?”, evidence brief {brief_id}, {snapshot_line}."),
    }
    return context, figures


def _write_csvs(store: Store, out_dir: Path, figures: list, context: dict) -> list[Path]:
    written = []
    snap = store.snapshot.snapshot_id
    for f in figures:
        path = out_dir / f.csv
        f.data.assign(snapshot_id=snap).to_csv(path, index=False)
        written.append(path)
        for sid in f.full_series:
            full = out_dir / "data" / "full" / f"{sid}.csv"
            if full not in written:
                frame = (store.funding(sid, include_cumulative=True)
                         if store.series_info(sid).kind == "funding" else store.series(sid))
                frame.assign(series_id=sid, snapshot_id=snap).to_csv(full, index=False)
                written.append(full)
    extra = {"events": context["outcomes"]["timeline_frame"],
             "cumulative": pd.DataFrame(
                 [{k: v for k, v in r.items() if k not in ("documents", "source")}
                  | {"source_ids": " ".join(r["source_ids"])}
                  for r in context["money"]["cumulative"]])}
    if context["estimates"]:
        extra["estimates"] = pd.DataFrame([{k: v for k, v in r.items() if k != "diagnostics"}
                                           for r in context["estimates"]])
    for t in context["claims"]:
        t["csv"] = f"data/claims-{_slug(t['name'])}.csv"
        extra[f"claims-{_slug(t['name'])}"] = pd.DataFrame(
            [{k: v for k, v in r.items() if k not in ("snippet", "reference_text")}
             for r in t["rows"]])
    for name, frame in extra.items():
        path = out_dir / "data" / f"{name}.csv"
        frame.assign(snapshot_id=snap).to_csv(path, index=False)
        written.append(path)
    context["extra_csv"] = {k: f"data/{k}.csv" for k in extra}
    return written


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "article"


def gaps_html() -> str:
    """data/GAPS.md as simple HTML (headings, bullets, bold, code); escaped first."""
    path = DATA_DIR / "GAPS.md"
    if not path.exists():
        return ""
    out: list[str] = []
    in_list, item, para = False, [], []

    def inline(text: str) -> str:
        text = html.escape(text)
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        text = re.sub(r"\*(.+?)\*", r"<em>\1</em>", text)
        return re.sub(r"`(.+?)`", r"<code>\1</code>", text)

    def flush() -> None:
        if item:
            out.append(f"<li>{inline(' '.join(item))}</li>")
            item.clear()
        if para:
            out.append(f"<p>{inline(' '.join(para))}</p>")
            para.clear()

    for line in path.read_text("utf-8").splitlines():
        if line.startswith("#") or line.startswith("- ") or not line.strip():
            flush()
        if line.startswith("#"):
            if in_list:
                out.append("</ul>")
                in_list = False
            level = min(len(line) - len(line.lstrip("#")) + 2, 5)
            if level > 3:
                out.append(f"<h{level}>{inline(line.lstrip('# '))}</h{level}>")
        elif line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            item.append(line[2:].strip())
        elif line.strip() and in_list and line.startswith(" "):
            item.append(line.strip())
        elif line.strip():
            if in_list:
                out.append("</ul>")
                in_list = False
            para.append(line.strip())
    flush()
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def _env():
    import jinja2  # only the brief needs it: keep `import aidwatch` light

    loader = jinja2.FunctionLoader(lambda name: resources.files("aidwatch.brief")
                                   .joinpath("templates", name).read_text("utf-8"))
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["money"] = sections.money_usd
    return env


def render_html(context: dict) -> str:
    """The brief as one self-contained HTML page."""
    env = _env()
    files = resources.files("aidwatch.brief").joinpath("templates")
    return env.get_template("brief.html.j2").render(
        **context, css=files.joinpath("brief.css").read_text("utf-8"),
        js=files.joinpath("brief.js").read_text("utf-8"))
