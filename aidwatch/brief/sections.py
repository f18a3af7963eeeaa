"""Sections 2, 3 and 6 of the brief, read from the store alone: money, outcomes, sources.

Each function returns plain records (``Figure``, rows as dicts) for the template; every
figure keeps the exact frame it plots, which becomes its CSV.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ..model import period_year
from ..money import DEFLATOR_NOTE, funding_table
from ..store import Store
from . import charts

# Series the outcome charts draw. The ids are names, not numbers: values always come from
# the store.
OVERDOSE_LINES = (
    ("us.overdose_deaths.total", "All drugs", False),
    ("us.overdose_deaths.synthetic_opioids", "Synthetic opioids", False),
    ("us.overdose_deaths.provisional_12m", "All drugs (provisional)", True),
    ("us.overdose_deaths.synthetic_opioids.provisional_12m", "Synthetic (provisional)", True),
)
HOMICIDE_LINES = (
    ("mx.homicides.rate_per_100k", "UNODC (World Bank)", False),
    ("mx.homicides.inegi.rate_per_100k", "INEGI death records", False),
)
TOTAL_AID = "us.aid.mexico.total"
MERIDA = "us.aid.mexico.merida"
CPI = "us.cpi_u.annual"
OFFICIAL = ("Congressional Research Service", "Government Accountability", "U.S. Congress",
            "Department of State", "Embassy")


@dataclass
class Figure:
    """One chart: what it shows, the SVG, the plotted frame and where it came from."""

    fig_id: str
    title: str
    subtitle: str
    svg: str
    data: pd.DataFrame
    source_ids: list[str]
    notes: list[str] = field(default_factory=list)
    full_series: list[str] = field(default_factory=list)
    source_line: str = ""

    @property
    def csv(self) -> str:
        return f"data/{self.fig_id}.csv"


def short_citation(store: Store, source_ids: list[str]) -> str:
    """'Publisher: title; title. Publisher: title.' for a chart footer, in a stable order."""
    df = store.sources(sorted(set(source_ids)))
    parts = []
    for publisher, part in df.groupby("publisher", sort=True):
        parts.append(f"{publisher}: " + "; ".join(part["title"]))
    return ". ".join(parts)


def money_usd(value: float) -> str:
    """$3.5 billion, $158.9 million: money as a sentence reads it."""
    if value is None or not math.isfinite(value):
        return "n/a"
    for div, word in ((1e9, "billion"), (1e6, "million")):
        if abs(value) >= div:
            return f"${value / div:,.1f} {word}".replace(".0 ", " ")
    return f"${value:,.0f}"


# -- money -----------------------------------------------------------------------------------
def money_section(store: Store) -> dict:
    """Figures and tables for section 2: all U.S. assistance, Mérida by account, cumulative."""
    # Constant dollars of the latest CPI-U year; no constant value before the first one.
    cpi_years = store.series(CPI)["period"].astype(int)
    base, first_cpi = int(cpi_years.max()), int(cpi_years.min())
    return {"base_year": base,
            "figures": [_total_aid_figure(store, base, first_cpi), _merida_figure(store, base)],
            "cumulative": cumulative_rows(store),
            "deflator_note": DEFLATOR_NOTE}


def _total_aid_figure(store: Store, base: int, first_cpi: int) -> Figure:
    table = funding_table(store, TOTAL_AID, constant_dollars=base)
    table["fy"] = [period_year(p) for p in table["fiscal_year"]]
    table = table[(table["fy"] >= first_cpi) & table["stage"].isin(["obligated", "disbursed"])]
    # A fiscal year the source itself flags as partial would read as a collapse: leave it out.
    partial = table["note"].fillna("").str.contains("partial", case=False)
    left_out = sorted(table.loc[partial, "fiscal_year"].unique())
    table = table[~partial]
    const = f"amount_usd_{base}"
    specs = [("obligated", const, f"Obligated ({base} $)", False),
             ("disbursed", const, f"Disbursed ({base} $)", False),
             ("obligated", "amount_usd", "Obligated (nominal $)", True)]
    lines = []
    for stage, col, label, dashed in specs:
        part = table[table["stage"] == stage].sort_values("fy")
        tips = [f"{fy} · {label}: {charts.compact(v, True) if math.isfinite(v) else 'n/a'}"
                for fy, v in zip(part["fiscal_year"], part[col], strict=True)]
        lines.append(charts.Line(label, part["fy"].tolist(),
                                 [v if math.isfinite(v) else None for v in part[col]], tips,
                                 dashed=dashed))
    lo, hi = int(table["fy"].min()), int(table["fy"].max())
    svg = charts.line_chart(lines, x_domain=(lo, hi), y_label="USD per fiscal year", money=True,
                            chart_id="fig-money-total", x_label_fmt=lambda y: f"FY{y}")
    data = table[["fiscal_year", "stage", "program", "amount_usd", const, "source_id",
                  "vehicle"]].rename(columns={"amount_usd": "amount_usd_nominal"})
    missing = data.loc[data[const].isna(), "fiscal_year"].unique().tolist()
    notes = ["All U.S. government assistance to Mexico reported to ForeignAssistance.gov, every "
             "agency and sector; not only security cooperation and not only Mérida.",
             "Obligated = funds committed; disbursed = funds paid out. The two stages are "
             "never added together.", DEFLATOR_NOTE + "."]
    if missing:
        notes.append("No constant-dollar value for " + ", ".join(missing) +
                     ": the CPI-U annual average for that year is not in the store.")
    if left_out:
        notes.append("Not drawn: " + ", ".join(left_out) + ", marked partial in this "
                     "vintage of the source (the full series link has it).")
    return Figure("money-total", "U.S. assistance to Mexico, all programs, by fiscal year",
                  f"Obligated and disbursed, USD (constant {base} dollars; nominal dashed), "
                  f"FY{lo}–FY{hi}", svg, data.reset_index(drop=True),
                  sorted(data["source_id"].unique()), notes, [TOTAL_AID])


def _doc_rank(store: Store, lines: pd.DataFrame) -> pd.DataFrame:
    pubs = store.sources(sorted(lines["source_id"].unique())).set_index("source_id")["publisher"]
    official = {s: 0 if any(o in str(p) for o in OFFICIAL) and "news" not in str(p).lower()
                else 1 for s, p in pubs.items()}
    g = lines.groupby("source_id").agg(n=("line_id", "size"), total=("amount_usd", "max"))
    g["official"] = [official.get(s, 1) for s in g.index]
    return g.sort_values(["n", "official", "total"], ascending=[False, True, False],
                         kind="stable")


def merida_by_account(store: Store, base: int, stage: str = "appropriated") -> pd.DataFrame:
    """One document per fiscal year, split by account where that document gives accounts.

    Figures from different documents are never added: for each fiscal year the document with
    the most lines is used (official sources first, then the larger total). Within it, each
    funding vehicle contributes its accounts, plus 'account not stated' for any part of the
    vehicle's total that the accounts do not cover.
    """
    lines = funding_table(store, MERIDA, stage=stage, constant_dollars=base)
    rows = []
    for fy, part in lines.groupby("fiscal_year", sort=False):
        doc = _doc_rank(store, part).index[0]
        chosen = part[part["source_id"] == doc]
        for vehicle, vpart in chosen.groupby("vehicle", sort=False):
            accounts = vpart[vpart["account"] != "all"]
            totals = vpart[vpart["account"] == "all"]
            picked = [r for _, r in accounts.iterrows()]
            if not totals.empty:
                total = totals.iloc[0]
                rest = total["amount_usd"] - accounts["amount_usd"].sum()
                if accounts.empty:
                    picked = [total]
                elif rest > 0.5:
                    extra = total.copy()
                    extra["account"] = "account not stated"
                    ratio = rest / total["amount_usd"]
                    extra["amount_usd"] = rest
                    extra[f"amount_usd_{base}"] = total[f"amount_usd_{base}"] * ratio
                    picked.append(extra)
            for r in picked:
                rows.append({"fiscal_year": fy, "stage": stage, "program": r["program"],
                             "account": r["account"] if r["account"] != "all"
                             else "all accounts (no split given)",
                             "amount_usd_nominal": r["amount_usd"],
                             f"amount_usd_{base}": r[f"amount_usd_{base}"],
                             "vehicle": vehicle, "source_id": doc, "line_id": r["line_id"]})
    return pd.DataFrame(rows)


def _merida_figure(store: Store, base: int) -> Figure:
    data = merida_by_account(store, base)
    const = f"amount_usd_{base}"
    bars: list[charts.Bar] = []
    pubs = store.sources(sorted(data["source_id"].unique())).set_index("source_id")
    for fy, part in data.groupby("fiscal_year", sort=False):
        bar = charts.Bar(fy)
        for _, r in part.iterrows():
            value = r[const] if math.isfinite(r[const]) else r["amount_usd_nominal"]
            src = pubs.loc[r["source_id"], "publisher"]
            tip = (f"{fy} · {r['account']}: {money_usd(r['amount_usd_nominal'])} nominal, "
                   f"{money_usd(r[const])} in {base} dollars · {r['stage']} · {r['vehicle']} "
                   f"· Source: {src}")
            bar.segments.append(charts.Segment(r["account"], value, tip))
        bars.append(bar)
    fys = [period_year(b.label) for b in bars]
    all_years = [f"FY{y}" for y in range(min(fys), max(fys) + 1)] if fys else []
    have = {b.label: b for b in bars}
    missing = [y for y in all_years if y not in have]
    bars = [have.get(y, charts.Bar(y)) for y in all_years]
    svg = charts.stacked_bars(bars, y_label=f"constant {base} USD", chart_id="fig-money-merida",
                              colors={"all accounts (no split given)": charts.MUTED,
                                      "account not stated": "#c9d1d6"})
    notes = ["Each bar is one document's figure for that fiscal year (named on hover and in "
             "the CSV); figures from different documents are never added, because several "
             "documents quote the same appropriation.",
             "Accounts: FMF = Foreign Military Financing, INCLE = International Narcotics "
             "Control and Law Enforcement, ESF = Economic Support Fund.",
             DEFLATOR_NOTE + "."]
    if missing:
        notes.append("No appropriation figure in the evidence base for " + ", ".join(missing)
                     + " (see the coverage gaps in section six).")
    span = f"{all_years[0]}–{all_years[-1]}" if all_years else ""
    return Figure("money-merida", "Mérida Initiative and Bicentennial Framework appropriations, "
                  "by account", f"Appropriated, constant {base} USD (nominal on hover), {span}",
                  svg, data, sorted(data["source_id"].unique()), notes, [MERIDA])


def cumulative_rows(store: Store) -> list[dict]:
    """Multi-year totals as documents state them, widest span first; one row per figure.

    Several documents (or versions of one) often quote the same running total; they share a
    row, which lists every document.
    """
    lines = store.funding(MERIDA, include_cumulative=True)
    lines = lines[lines["fy_start"] != lines["fy_end"]]
    src = store.sources(sorted(lines["source_id"].unique())).set_index("source_id")
    rows = []
    keys = ["fy_start", "fy_end", "amount_usd", "stage", "account"]
    ordered = lines.sort_values(["fy_end", "fy_start", "amount_usd", "source_id"],
                                ascending=[False, True, False, True])
    for key, part in ordered.groupby(keys, sort=False):
        fy_start, fy_end, amount, stage, account = key
        ids = list(dict.fromkeys(part["source_id"]))
        rows.append({"period": f"FY{fy_start}–FY{fy_end}", "amount": money_usd(amount),
                     "amount_usd": amount, "stage": stage, "account": account,
                     "approximate": "; ".join(sorted(set(part["approximate"]))),
                     "source_ids": ids, "source_id": ids[0],
                     "source": " | ".join(f"{src.loc[i, 'publisher']}, {src.loc[i, 'title']}"
                                          for i in ids),
                     "documents": [f"{src.loc[i, 'publisher']}, {src.loc[i, 'title']}"
                                   for i in ids],
                     "fy_start": int(fy_start), "fy_end": int(fy_end)})
    return rows


# -- outcomes --------------------------------------------------------------------------------
def event_marks(events: pd.DataFrame, store: Store) -> list[charts.Mark]:
    pubs = store.sources(sorted(events["source_id"].unique())).set_index("source_id")
    marks = []
    for e in events.itertuples():
        start, end = date_span(e.date, e.precision)
        label = re.sub(r"^E0*", "", e.event_id)
        tip = (f"{e.event_id} · {e.date} ({e.precision}) · {e.kind} · {e.title} · Source: "
               f"{pubs.loc[e.source_id, 'publisher'] if e.source_id in pubs.index else ''}")
        marks.append(charts.Mark(start, end, label, tip,
                                 strong=e.kind in ("agreement", "funding", "law")))
    return marks


def date_span(text: str, precision: str) -> tuple[float, float]:
    """A date as decimal years: a point for a day, the whole month or year otherwise."""
    parts = [int(p) for p in str(text).split("-")]
    if precision == "year" or len(parts) == 1:
        return float(parts[0]), float(parts[0] + 1)
    if precision == "month" or len(parts) == 2:
        return parts[0] + (parts[1] - 1) / 12, parts[0] + parts[1] / 12
    day = date(*parts[:3])
    x = parts[0] + (day.timetuple().tm_yday - 1) / 365.25
    return x, x


def _series_frame(store: Store, series_id: str, label: str) -> pd.DataFrame:
    info = store.series_info(series_id)
    df = store.series(series_id)
    if info.frequency == "monthly":
        # Provisional 12-month-ending counts: the December value stands for the calendar year.
        df = df[df["period"].str.endswith("-12")]
    df = df.assign(series_id=series_id, label=label, unit=info.unit,
                   year=[period_year(p) for p in df["period"]])
    return df[["series_id", "label", "period", "year", "value", "unit", "status", "source_id"]]


def outcome_figure(store: Store, fig_id: str, title: str, subtitle: str, specs, y_label: str,
                   notes: list[str], marks: list[charts.Mark]) -> Figure:
    known = set(store.series_ids())
    specs = [s for s in specs if s[0] in known]
    frames = [_series_frame(store, sid, label) for sid, label, _ in specs]
    data = pd.concat(frames, ignore_index=True)
    unit = data["unit"].iloc[0]
    lines = []
    for (_sid, label, dashed), part in zip(specs, frames, strict=True):
        fmt = (lambda v: f"{v:,.0f}") if unit == "deaths" else (lambda v: f"{v:,.1f}")
        tips = [f"{p} · {label}: {fmt(v)} {unit} ({st})" for p, v, st in
                zip(part["period"], part["value"], part["status"], strict=True)]
        lines.append(charts.Line(label, part["year"].tolist(), part["value"].tolist(), tips,
                                 dashed=dashed))
    lo, hi = int(data["year"].min()), int(data["year"].max())
    in_range = [m for m in marks if lo <= m.start <= hi + 1]
    svg = charts.line_chart(lines, x_domain=(lo, hi + 0.99), y_label=y_label,
                            marks=in_range, chart_id=f"fig-{fig_id}")
    return Figure(fig_id, title, f"{subtitle}, {lo}–{hi}", svg, data,
                  sorted(data["source_id"].unique()), notes,
                  [s[0] for s in specs])


def outcomes_section(store: Store) -> dict:
    events = store.events()
    marks = event_marks(events, store)
    overdose = outcome_figure(
        store, "overdose", "U.S. drug overdose deaths: all drugs and synthetic opioids",
        "Deaths per calendar year, final counts (provisional 12-month counts dashed)",
        OVERDOSE_LINES, "deaths per year",
        ["Synthetic opioids other than methadone (ICD-10 T40.4), mainly illicit fentanyl.",
         "Provisional counts are the 12 months ending in December, as first published; final "
         "counts replace them and can differ.",
         "Numbered markers are dated events (hover for title and source; full list in the last "
         "section). "
         "A line is a day-precise date; a shaded band is a month or a year."], marks)
    homicide = outcome_figure(
        store, "homicide", "Mexico's homicide rate",
        "Intentional homicides per 100,000 population, two sources", HOMICIDE_LINES,
        "per 100,000", ["UNODC counts come from police and health data harmonised by UNODC; "
                        "INEGI counts are death certificates registered as homicide. The two "
                        "definitions differ, so the lines are shown side by side, not merged.",
                        "Numbered markers: dated events, as in the chart above."], marks)
    pubs = store.sources(sorted(events["source_id"].unique())).set_index("source_id")
    timeline = [{"id": e.event_id, "marker": re.sub(r"^E0*", "", e.event_id), "date": e.date,
                 "precision": e.precision, "kind": e.kind,
                 "title": e.title, "source_id": e.source_id,
                 "source": pubs.loc[e.source_id, "publisher"] if e.source_id in pubs.index
                 else e.source_id} for e in events.itertuples()]
    return {"figures": [overdose, homicide], "timeline": timeline,
            "timeline_frame": events}


# -- sources -----------------------------------------------------------------------------------
def sources_rows(store: Store, source_ids: list[str]) -> list[dict]:
    """Source records for the brief, in the order given (the order of first citation)."""
    df = store.sources(list(source_ids)).set_index("source_id")
    rows = []
    for sid in source_ids:
        r = df.loc[sid]
        rows.append({"source_id": sid, "publisher": r["publisher"], "title": r["title"],
                     "url": r["url"], "table": r["table_ref"] or "",
                     "retrieved": f"{r['retrieved']:%Y-%m-%d}"
                     if hasattr(r["retrieved"], "strftime") else str(r["retrieved"]),
                     "licence": r["licence"]})
    return rows


# -- evaluation ------------------------------------------------------------------------------
def synth_figure(store: Store, estimate, series_ids: set[str] | None = None) -> Figure | None:
    """Treated against its synthetic control, rebuilt from the estimate's stored gaps.

    ``series_ids``: the store's series ids, when the caller has them already.
    """
    d = estimate.diagnostics
    gaps, panel, treated = d.get("gaps"), d.get("panel"), estimate.treated
    if not gaps or not panel or not treated:
        return None
    observed = store.series(panel, geo=treated).set_index("period")
    names = store.geo_names()
    rows = []
    for period, gap in sorted(gaps.items()):
        if period not in observed.index:
            continue
        value = float(observed.loc[period, "value"])
        rows.append({"period": period, "year": period_year(period), "treated": value,
                     "synthetic": value - gap, "gap": gap,
                     "source_id": observed.loc[period, "source_id"]})
    if not rows:
        return None
    data = pd.DataFrame(rows)
    unit = store.series_info(panel).unit
    start = period_year(str(estimate.intervention))
    who = names.get(treated, treated)
    lines = [charts.Line(who, data["year"].tolist(), data["treated"].tolist(),
                         [f"{p} · {who}: {v:.1f} {unit}" for p, v in
                          zip(data["period"], data["treated"], strict=True)]),
             charts.Line("Synthetic control", data["year"].tolist(), data["synthetic"].tolist(),
                         [f"{p} · synthetic control: {v:.1f} (gap {g:+.1f})" for p, v, g in
                          zip(data["period"], data["synthetic"], data["gap"], strict=True)],
                         dashed=True)]
    lo, hi = int(data["year"].min()), int(data["year"].max())
    mark = charts.Mark(start, start, "T", f"Intervention: {estimate.intervention}", strong=True)
    svg = charts.line_chart(lines, x_domain=(lo, hi), y_label=unit, marks=[mark],
                            chart_id="fig-synth", shade=(lo, start),
                            shade_label="pre-period (fit)")
    weights = sorted(d.get("weights", {}).items(), key=lambda kv: -kv[1])
    donors = ", ".join(f"{names.get(g, g)} {w:.0%}" for g, w in weights if w >= 0.005)
    notes = [f"Donor weights (the synthetic control is this weighted average): {donors}.",
             f"Pre-period fit (RMSPE): {d.get('pre_rmspe', float('nan')):.2f} {unit}; "
             f"post-period RMSPE {d.get('post_rmspe', float('nan')):.2f}.",
             f"In-space placebo: {who} ranks {d.get('placebo_rank', '–')} of "
             f"{(d.get('placebo_units') or 0) + 1} units by post/pre RMSPE ratio; "
             f"p = {estimate.p_value:.2f} (with this many units p cannot be lower than "
             f"{1 / ((d.get('placebo_units') or 0) + 1):.2f})." if estimate.p_value is not None
             else "No placebo test was run.",
             "The shaded years are the pre-period the weights were fitted on; T marks the "
             "intervention."]
    data = data.assign(unit=unit, treated_geo=treated)
    known = series_ids if series_ids is not None else set(store.series_ids())
    outcome = store.series_info(estimate.outcome if estimate.outcome in known else panel).name
    return Figure("synthetic-control", f"{outcome}: {who} against its synthetic control",
                  f"{unit}, {lo}–{hi}; synthetic control dashed", svg, data,
                  sorted(set(estimate.source_ids) | set(data["source_id"])), notes, [panel])
