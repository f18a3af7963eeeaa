"""Sections 1, 4 and 5: key findings, the evaluation battery and the claims checked.

Every sentence is generated from records (store rows, ``Estimate`` and ``Verdict`` objects);
nothing here types a result. When the evaluation or claim-checking modules are missing from
this build, the section says so plainly instead of showing numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources

import pandas as pd

from ..errors import AidWatchError
from ..model import period_year
from ..store import Store
from .sections import MERIDA, TOTAL_AID, cumulative_rows, money_usd

NOT_AVAILABLE = "not available in this build"
DEFAULT_CHECK = "press_figures.txt"


@dataclass
class Finding:
    """One key-findings sentence with the number, its interval (or why none) and sources."""

    text: str
    interval: str
    source_ids: list[str] = field(default_factory=list)


def _value(store: Store, series_id: str, year: int) -> tuple[float, str, str] | None:
    df = store.series(series_id)
    row = df[df["period"] == str(year)]
    if row.empty:
        return None
    r = row.iloc[0]
    return float(r["value"]), str(r["status"]), str(r["source_id"])


def _latest_final(store: Store, series_id: str) -> int:
    df = store.series(series_id)
    final = df[df["status"] == "final"]
    return int((final if not final.empty else df)["period"].map(period_year).max())


def baseline_year(store: Store) -> int:
    """The calendar year before the first Mérida appropriation (the 'before' year)."""
    lines = store.funding(MERIDA, stage="appropriated")
    return int(lines["fy_start"].min()) - 1


def descriptive_findings(store: Store) -> list[Finding]:
    """Findings that describe the record (money, outcomes) rather than estimate effects."""
    out: list[Finding] = []
    # Only whole-programme appropriation totals make the headline (widest span first).
    cum = [r for r in cumulative_rows(store)
           if r["stage"] == "appropriated" and r["account"] == "all"]
    if cum:
        widest = [r for r in cum if (r["fy_start"], r["fy_end"]) ==
                  (cum[0]["fy_start"], cum[0]["fy_end"])]
        amounts = sorted({r["amount_usd"] for r in widest})
        said = (money_usd(amounts[0]) if len(amounts) == 1 else
                f"{money_usd(amounts[0])} to {money_usd(amounts[-1])}")
        period = widest[0]["period"]
        fa = store.funding(TOTAL_AID, stage="obligated")
        fa = fa[(fa["fy_start"] >= widest[0]["fy_start"]) & (fa["fy_end"] <= widest[0]["fy_end"])]
        # Annual lines are summed only within one source; several sources would overlap.
        if fa["source_id"].nunique() != 1:
            fa = fa.iloc[0:0]
        n_docs = len({i for r in widest for i in r["source_ids"]})
        text = (f"Congress appropriated about {said} for the Mérida Initiative in Mexico over "
                f"{period} (nominal dollars, as {n_docs} documents state the cumulative "
                "total; these are rounded figures, not a sum of annual lines).")
        if not fa.empty:
            text += (f" For comparison, ForeignAssistance.gov records "
                     f"{money_usd(fa['amount_usd'].sum())} obligated over the same fiscal years "
                     "for all U.S. assistance to Mexico, of every kind.")
        out.append(Finding(text, "no interval: published budget figures, rounded by the source",
                           sorted({i for r in widest for i in r["source_ids"]} |
                                  set(fa["source_id"].unique()))))
    base = baseline_year(store)
    total = "us.overdose_deaths.total"
    last = _latest_final(store, total)
    a, b = _value(store, total, base), _value(store, total, last)
    if a and b:
        out.append(Finding(
            f"U.S. drug overdose deaths rose from {a[0]:,.0f} in {base} to {b[0]:,.0f} in "
            f"{last} ({b[0] / a[0]:.1f} times as many), by the final death-certificate counts.",
            "no sampling interval: a count of all death certificates", sorted({a[2], b[2]})))
    synth = "us.overdose_deaths.synthetic_opioids"
    s_last = _latest_final(store, synth)
    s, t = _value(store, synth, s_last), _value(store, total, s_last)
    if s and t:
        out.append(Finding(
            f"Synthetic opioids, mainly illicit fentanyl, were involved in {s[0]:,.0f} of the "
            f"{t[0]:,.0f} overdose deaths in {s_last} ({s[0] / t[0]:.0%}), the latest year with "
            "a final count by drug in the evidence base.",
            "no sampling interval: a count of all death certificates", sorted({s[2], t[2]})))
    rate = "mx.homicides.rate_per_100k"
    r_last = _latest_final(store, rate)
    h0, h1 = _value(store, rate, base), _value(store, rate, r_last)
    if h0 and h1:
        out.append(Finding(
            f"Mexico's homicide rate went from {h0[0]:.1f} per 100,000 people in {base} to "
            f"{h1[0]:.1f} in {r_last} ({h1[0] / h0[0]:.1f} times the {base} rate), by the "
            "UNODC series.",
            "no interval published: administrative counts", sorted({h0[2], h1[2]})))
    return out


# -- evaluation (issue 3) --------------------------------------------------------------------
def load_estimates(store: Store) -> tuple[list, str]:
    """The default battery's estimates, or an empty list and the reason none are shown."""
    try:
        from ..evaluate import run_battery
    except ImportError:
        return [], f"Effect estimates: {NOT_AVAILABLE} (the evaluation battery is missing)."
    try:
        result = run_battery(store)
    except AidWatchError as exc:
        return [], f"Effect estimates: the evaluation battery could not run ({exc})."
    return list(result.estimates), ""


# The estimate helpers are imported where estimates exist: without the evaluation module the
# brief still builds (and says the estimates are not available).
def _interval_text(e) -> str:
    from ..evaluate.estimate import fmt

    if e.interval is not None and all(math.isfinite(v) for v in e.interval):
        return f"95% interval {fmt(e.interval[0])} to {fmt(e.interval[1])}"
    if e.p_value is not None and math.isfinite(e.p_value):
        n = e.diagnostics.get("placebo_units")
        return f"placebo p = {e.p_value:.2f}" + (f" among {n} placebo units" if n else "")
    return "no interval"


def _reading(e, estimand: bool = True) -> str:
    """The estimate's own reading (with its caveats); a generic clause only if it has none."""
    from ..evaluate.estimate import short_reading

    if e.reading:
        return e.reading
    return f"{e.estimand}: {short_reading(e)}." if estimand else f"{short_reading(e)}."


def estimate_rows(estimates: list, names: dict[str, str] | None = None) -> list[dict]:
    """One row per estimate (numbers formatted, not-estimable rows kept with their reason)."""
    names = names or {}
    rows = []
    for e in estimates:
        lo, hi = (e.interval or (None, None))
        ok = e.status == "ok" and e.effect is not None
        rows.append({"method": e.method, "outcome": e.outcome,
                     "outcome_name": names.get(e.outcome, e.outcome),
                     "intervention": e.intervention,
                     "treated": getattr(e, "treated", ""),
                     "effect": f"{e.effect:+.3g}" if ok else "–",
                     "effect_value": e.effect, "low": lo, "high": hi, "unit": e.unit,
                     "interval": _interval_text(e) if ok else "–",
                     "p_value": "" if e.p_value is None else f"{e.p_value:.2g}",
                     "status": e.status, "estimand": e.estimand,
                     "reading": _reading(e) if ok else e.reading,
                     "assumptions": list(e.assumptions), "n_points": e.n_points,
                     "source_ids": list(e.source_ids), "diagnostics": e.diagnostics})
    return rows


def estimate_findings(estimates: list, names: dict[str, str] | None = None,
                      limit: int = 2) -> list[Finding]:
    """Key-findings sentences: the first usable estimate of each method family."""
    names = names or {}
    out: list[Finding] = []
    seen: set[str] = set()
    for e in estimates:
        family = e.method.split(" ")[0].split("(")[0].lower()
        if e.status != "ok" or e.effect is None or family in seen or len(out) >= limit:
            continue
        seen.add(family)
        name = names.get(e.outcome, e.outcome)
        where = f" ({e.treated})" if getattr(e, "treated", "") else ""
        out.append(Finding(
            f"{e.method[:1].upper()}{e.method[1:]}, {name}{where}, {e.intervention}: "
            f"{e.estimand}, {e.effect:+.3g} {e.unit}; {_reading(e, estimand=False)}",
            _interval_text(e), list(e.source_ids)))
    return out


# -- claims (issue 4) ------------------------------------------------------------------------
def default_check() -> tuple[str, str]:
    """The shipped text for section 5: (attribution, text to check).

    The file's first paragraph says where the figures come from; it is shown, not checked
    (its own dates would otherwise be read as claims).
    """
    raw = resources.files("aidwatch.brief").joinpath(DEFAULT_CHECK).read_text("utf-8")
    attribution, _, body = raw.strip().partition("\n\n")
    return attribution.strip(), body.strip() + "\n"


def _snippet(sentence: str, start: int, end: int, width: int = 150) -> str:
    """The sentence, cut around the claim when it is long."""
    if len(sentence) <= width:
        return sentence
    left = max(0, min(start - width // 3, len(sentence) - width))
    text = sentence[left:left + width]
    return ("…" if left else "") + text + ("…" if left + width < len(sentence) else "")


def _value_text(value) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        if float(value).is_integer():
            return f"{value:,.0f}"
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"
    return str(value)


def checked_text(text: str, html: bool | None = None) -> str:
    """The text the claim checker reads from ``text`` (HTML pages: their extracted text)."""
    from ..claims.document import make_document

    return make_document(text, html=html).text


def check_articles(store: Store, articles: list[tuple[str, str, str]]) -> tuple[list[dict], str]:
    """Claim tables for each (name, attribution, text); or no tables and the reason."""
    try:
        from ..claims import check_text, load_evidence
        from ..textfile import looks_like_html
    except (ImportError, AttributeError):
        return [], f"Claim checking: {NOT_AVAILABLE} (the claim checker is missing)."
    evidence = load_evidence(store)  # read the store once for every article
    tables = []
    for name, attribution, text in articles:
        is_html = looks_like_html(text, name)  # one answer for the checker and the text box
        verdicts = check_text(text, article=name, evidence=evidence, html=is_html)
        rows = []
        for v in verdicts:
            row = v.to_json() | {"article": name}
            offset = v.claim.start - v.claim.sentence_start
            row["snippet"] = _snippet(row["sentence"], offset,
                                      offset + len(row["quantity_text"] or ""))
            row["reference_text"] = _value_text(row["reference_value"])
            rows.append(row)
        # The box shows what the checker read (an HTML page's extracted text, not its
        # source): the same text the claims' offsets point into.
        tables.append({"name": name, "attribution": attribution,
                       "text": checked_text(text, is_html), "rows": rows,
                       "counts": pd.Series([r["verdict"] for r in rows]).value_counts()
                       .to_dict() if rows else {}})
    return tables, ""
