"""The default battery on the evidence base: the one evaluation module that reads the store.

    with aidwatch.open_store() as s:
        result = run_battery(s)            # list of Estimate records, with provenance
        result = run_battery(s, outcome="mx.homicides.rate_per_100k", method="its")

Every estimate carries the snapshot id and the source ids of the data it used. Where the
data cannot support a method, the row says why instead of giving a number.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..money import funding_table
from ..store import Store
from .estimate import Estimate, not_estimable
from .its import InterruptedTimeSeries
from .synth import SyntheticControl, parse_donors

METHODS = ("synth", "its", "dose", "event")
MX_RATE = "mx.homicides.rate_per_100k"
INTL_RATE = "intl.homicides.rate_per_100k"
OD_TOTAL = "us.overdose_deaths.total.rate_age_adjusted"
OD_SYNTH = "us.overdose_deaths.synthetic_opioids.rate_age_adjusted"
MERIDA = "us.aid.mexico.merida"
FA_TOTAL = "us.aid.mexico.total"
EVENT_PANEL = "mx.homicide_victims.by_state_month"
# The money measures of the dose-response: (series, stage, label).
DOSE_MEASURES = (
    (MERIDA, "appropriated", "Mérida appropriations (2024 $)"),
    (FA_TOTAL, "obligated", "ForeignAssistance.gov obligations to Mexico (2024 $)"),
    (FA_TOTAL, "disbursed", "ForeignAssistance.gov disbursements to Mexico (2024 $)"),
)

# Latin America & Caribbean comparison pool: every ISO3 code of the panel except these.
NOT_DONORS = {"MEX", "USA", "CAN"}
ITS_BREAKS = {MX_RATE: [2008, 2019, 2022], OD_TOTAL: [2008, 2022], OD_SYNTH: [2008, 2022]}
BREAK_LABELS = {"2008": "2008 (Mérida Initiative)", "2019": "2019 (National Guard, AMLO)",
                "2022": "2022 (Bicentennial Framework)"}
SYNTH_START = 2000
MIN_DONORS = 10


@dataclass
class BatteryResult:
    """Estimates from one battery run, with the snapshot and timing."""

    estimates: list[Estimate]
    snapshot_id: str
    data_date: str
    seconds: float
    charts: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([e.to_dict() for e in self.estimates])


def _year_frame(store: Store, series_id: str) -> tuple[pd.DataFrame, list[str]]:
    df = store.series(series_id)
    df = df[df["period"].str.fullmatch(r"\d{4}")]
    return df, sorted(set(df["source_id"]))


def _label(year: int | str) -> str:
    return BREAK_LABELS.get(str(year), str(year))


def run_its(store: Store, series_id: str, breaks: Sequence[int]
            ) -> tuple[list[Estimate], InterruptedTimeSeries | None]:
    """ITS on an annual series; breaks outside the data become 'not estimable' rows.

    Returns the estimates and the fitted model (None when no break could be estimated).
    """
    df, sources = _year_frame(store, series_id)
    unit = store.series_info(series_id).unit
    years = df["period"].astype(int)
    out: list[Estimate] = []
    usable = []
    for b in breaks:
        after = int((years >= b).sum())
        if after < 3:
            out.append(not_estimable("ITS", series_id, _label(b),
                                     f"only {after} annual point(s) from {b} on (data end "
                                     f"{years.max()}); a level and slope change need at "
                                     "least 3",
                                     n_points=len(df)))
        else:
            usable.append(b)
    its = None
    if usable:
        try:
            its = InterruptedTimeSeries(breaks=usable).fit(df)
            labels = {str(b): _label(b) for b in usable}
            out = its.to_estimates(series_id, unit=unit, labels=labels) + out
        except InputError as exc:
            its = None
            out.insert(0, not_estimable("ITS", series_id, ", ".join(map(str, usable)),
                                        exc.message, n_points=len(df)))
    snap = store.snapshot.snapshot_id
    return [e.with_provenance(snap, sources) for e in out], its


def iso3(code: object) -> str:
    """A donor code as the panel spells it: ISO3, upper case ('col ' -> 'COL')."""
    return str(code).strip().upper()


def synth_window(panel: pd.DataFrame, treated: str, start: int) -> tuple[int, list[str]]:
    """The latest end year for which at least MIN_DONORS donors are complete from start."""
    years = panel["period"].astype(int)
    last = int(years[panel["geo"] == treated].max())
    best: tuple[int, list[str]] = (last, [])
    for end in range(last, start + 5, -1):
        sub = panel[(years >= start) & (years <= end)]
        n = sub.groupby("geo")["value"].count()
        complete = sorted(g for g, c in n.items() if c == end - start + 1 and g not in
                          NOT_DONORS and g != treated)
        if len(complete) > len(best[1]):
            best = (end, complete)
        if len(complete) >= MIN_DONORS:
            return end, complete
    return best


def run_synth(store: Store, at: int = 2008, donors: str | Sequence[str] | None = None,
              n_jobs: int | None = None) -> tuple[list[Estimate], SyntheticControl | None, object]:
    """Mexico's homicide rate against the Latin American & Caribbean pool, treated at ``at``.

    ``donors``: ISO3 codes ("COL,PER" or a list), read by ``parse_donors`` (each once).
    """
    donors = parse_donors(donors, "--donors", normalize=iso3)
    panel = store.series(INTL_RATE)
    panel = panel[panel["period"].str.fullmatch(r"\d{4}")]
    intervention = _label(at)
    if donors:
        unknown = sorted(set(donors) - set(panel["geo"]))
        if unknown:
            raise InputError(f"--donors: not in {INTL_RATE}: {', '.join(unknown)}")
    end, complete = synth_window(panel, "MEX", SYNTH_START)
    pool = [d for d in (donors or complete)]
    sub = panel[(panel["period"].astype(int) >= SYNTH_START) &
                (panel["period"].astype(int) <= end) & panel["geo"].isin([*pool, "MEX"])]
    sub = sub.assign(year=sub["period"].astype(int))
    dropped_all = sorted(set(panel["geo"]) - set(complete) - NOT_DONORS)
    try:
        sc = SyntheticControl("value", unit="geo", time="year", treated="MEX",
                              treatment_time=at, donors=pool, on_missing="drop").fit(sub)
        placebo = sc.placebo_in_space(n_jobs=n_jobs)
    except InputError as exc:
        est = not_estimable("synthetic control", MX_RATE, intervention, exc.message,
                            treated="MEX")
        return [est.with_provenance(store.snapshot.snapshot_id, set(sub["source_id"]))], \
            None, None
    est = sc.to_estimate(MX_RATE, intervention, placebo=placebo,
                         unit=store.series_info(INTL_RATE).unit)
    est.diagnostics.update(_robustness(sc, at))
    est = replace(est, reading=est.reading + CONFOUNDED)
    est.diagnostics.update({
        "panel": INTL_RATE, "window": [SYNTH_START, end],
        "donors_without_complete_data": dropped_all if not donors else sc.dropped_donors_})
    sources = set(sub["source_id"])
    return [est.with_provenance(store.snapshot.snapshot_id, sources)], sc, placebo


CONFOUNDED = (" Other changes at the same time (Mexico's own military deployments from "
              "December 2006, in the events timeline) are not separated from Mérida.")


def _robustness(sc: SyntheticControl, at: int) -> dict:
    """In-time placebo (half-way through the pre-period) and leave-one-out donors."""
    out: dict = {}
    fake = sc.pre_periods_[len(sc.pre_periods_) // 2]
    try:
        it = sc.placebo_in_time(fake)
        out["in_time_placebo"] = {"at": int(fake), "gap": round(it.att, 4),
                                  "pre_rmspe": round(it.pre_rmspe, 4)}
    except InputError as exc:
        out["in_time_placebo"] = {"at": int(fake), "not_estimable": exc.message}
    loo = sc.leave_one_out()
    out["leave_one_out"] = [{"without": str(r.without), "gap": round(float(r.att), 4),
                             "pre_rmspe": round(float(r.pre_rmspe), 4)}
                            for r in loo.itertuples()]
    return out


def money_by_year(store: Store, series_id: str, stage: str,
                  base: int = 2024) -> tuple[pd.Series, list[str], list[str]]:
    """One constant-dollar figure per fiscal year, or the years where sources disagree.

    Several documents quote the same appropriation (and sometimes different totals for
    the same year), so lines are never added: a year counts only when its ``all``-account
    single-year figures agree.
    """
    lines = funding_table(store, series_id, stage=stage, constant_dollars=base)
    lines = lines[(lines["account"] == "all") & lines["fiscal_year"].str.fullmatch(r"FY\d{4}")]
    col = f"amount_usd_{base}"
    values, conflicts = {}, []
    for fy, part in lines.groupby("fiscal_year"):
        amounts = part[col].dropna().round(-3).unique()
        if len(amounts) == 1:
            values[int(fy[2:])] = float(amounts[0])
        elif len(amounts) > 1:
            conflicts.append(fy)
    return pd.Series(values).sort_index(), conflicts, sorted(set(lines["source_id"]))


Money = tuple[pd.Series, list[str], list[str]]


def dose_money(store: Store) -> dict[tuple[str, str], Money]:
    """``money_by_year`` for every dose-response measure, read once for all outcomes."""
    return {(money_id, stage): money_by_year(store, money_id, stage)
            for money_id, stage, _ in DOSE_MEASURES}


def run_dose(store: Store, series_id: str, lags: int = 2,
             money: dict[tuple[str, str], Money] | None = None) -> list[Estimate]:
    """Outcome on Mérida appropriations (if the series allows) and on FA.gov obligations.

    ``money``: the measures from ``dose_money`` (computed here when not given).
    """
    from .dose import DoseResponse

    measures = money if money is not None else dose_money(store)

    df, sources = _year_frame(store, series_id)
    outcome = pd.Series(df["value"].to_numpy(float), index=df["period"].astype(int))
    unit = store.series_info(series_id).unit
    snap = store.snapshot.snapshot_id
    out: list[Estimate] = []
    for money_id, stage, label in DOSE_MEASURES:
        amounts, conflicts, msources = measures[(money_id, stage)]
        if amounts.empty:
            out.append(not_estimable("dose-response", series_id, label,
                                     f"no {stage} figures in {money_id}"))
            continue
        span = range(int(amounts.index.min()), int(amounts.index.max()) + 1)
        gaps = [y for y in span if y not in amounts.index]
        extra = {"money_series": money_id, "stage": stage, "money_years": [span[0], span[-1]],
                 "money_gaps": [f"FY{y}" for y in gaps],
                 "conflicting_years": conflicts, "deflator": "us.cpi_u.annual"}
        frame = pd.DataFrame({"outcome": outcome, "money": amounts}).rename_axis("year")
        frame = frame.reset_index()
        try:
            dr = DoseResponse(lags=lags).fit(frame)
        except InputError as exc:
            reason = exc.message
            if gaps or conflicts:
                reason = (f"{money_id} ({stage}) has figures for {len(amounts)} fiscal years; "
                          f"gaps at {_years(gaps)}" +
                          (f", conflicting quotes for {', '.join(conflicts)}" if conflicts
                           else "") + f" ({reason})")
            est = not_estimable(f"dose-response (lags 0-{lags})", series_id, label, reason)
            out.append(est.with_provenance(snap, [*sources, *msources]))
            continue
        est = dr.to_estimate(series_id, label, unit=unit, extra=extra)
        out.append(est.with_provenance(snap, [*sources, *msources]))
    return out


def _years(ys: list[int]) -> str:
    if not ys:
        return "none"
    runs, start = [], ys[0]
    for a, b in zip(ys, ys[1:] + [None], strict=True):
        if b != a + 1:
            runs.append(f"FY{start}" if start == a else f"FY{start}-FY{a}")
            start = b
    return ", ".join(runs)


def run_event(store: Store, plot_dir: str | Path | None = None,
              charts: list[str] | None = None) -> list[Estimate]:
    """Event study on Mexican states' monthly homicide victims around 2019 and 2021."""
    from .did import EventStudy

    series_id = EVENT_PANEL
    panel = store.series(series_id)
    sources = set(panel["source_id"])
    out = []
    for date, label in (("2019-07", "2019-07 (National Guard deployed)"),
                        ("2021-10", "2021-10 (Bicentennial Framework)")):
        try:
            es = EventStudy(unit="geo", time="period", outcome="value",
                            event=date).fit(panel)
            out.append(es.to_estimate(series_id, label, unit="victims per state-month"))
            if plot_dir and charts is not None:
                p = Path(plot_dir) / f"event_{series_id}_{date}.png"
                es.plot(p, title=f"Mexican states' homicide victims around {label}",
                        source=_source_line(store, sorted(sources)))
                charts.append(str(p))
        except InputError as exc:
            out.append(not_estimable("event study", series_id, label, exc.message))
    return [e.with_provenance(store.snapshot.snapshot_id, sources) for e in out]


def run_battery(store: Store, outcome: str | None = None, method: str | None = None,
                at: int | None = None, donors: str | Sequence[str] | None = None,
                plot_dir: str | Path | None = None, n_jobs: int | None = None) -> BatteryResult:
    """Run the default battery (or the part selected by outcome/method/at/donors).

    ``donors`` (the synthetic control's pool, "COL,PER" or a list) goes through
    ``synth.parse_donors``, as it must from every caller: a repeated donor is refused.
    """
    started = time.perf_counter()
    donors = parse_donors(donors, "--donors", normalize=iso3)
    if method is not None and method not in METHODS:
        raise InputError(f"--method {method!r} is not one of {', '.join(METHODS)}")
    suits = set(METHODS)
    if outcome is not None:
        info = store.series_info(outcome)  # unknown ids raise with suggestions
        suits = _suitable_methods(info, method)

    def want(m: str) -> bool:
        return (method is None or method == m) and m in suits

    estimates: list[Estimate] = []
    charts: list[str] = []
    if want("synth"):
        ests, sc, placebo = run_synth(store, at=at or 2008, donors=donors, n_jobs=n_jobs)
        estimates += ests
        if plot_dir and sc is not None:
            from .charts import synth_chart
            src = _source_line(store, ests[0].source_ids)
            unit = store.series_info(INTL_RATE).unit
            for kind in ("paths", "gaps"):
                p = Path(plot_dir) / f"synth_{MX_RATE}_{kind}.png"
                synth_chart(sc, p, kind=kind, source=src, placebo=placebo,
                            label=f"homicides {unit}")
                charts.append(str(p))
    if want("its"):
        targets = [outcome] if outcome else list(ITS_BREAKS)
        for sid in targets:
            breaks = [at] if at else ITS_BREAKS.get(sid, [2008])
            ests, its = run_its(store, sid, breaks)
            estimates += ests
            if plot_dir and its is not None:
                charts.append(_its_chart(store, sid, its, plot_dir, ests[0].source_ids))
    if want("dose"):
        money = dose_money(store)
        for sid in ([outcome] if outcome else list(ITS_BREAKS)):
            estimates += run_dose(store, sid, money=money)
    if want("event"):
        estimates += run_event(store, plot_dir, charts)
    snap = store.snapshot
    return BatteryResult(estimates, snap.snapshot_id, str(snap.data_date),
                         time.perf_counter() - started, charts)


_NEEDS = {"its": "an annual observation series", "dose": "an annual observation series",
          "synth": f"{MX_RATE} or {INTL_RATE}", "event": EVENT_PANEL}


def _suitable_methods(info, method: str | None) -> set[str]:
    """The battery methods that can use ``info``'s series as the outcome, or an InputError.

    ITS and dose-response take an annual series of observations; the synthetic control is
    Mexico's homicide rate against its panel; the event study is the Mexican states' panel.
    """
    suits = set()
    if info.kind == "observation" and info.frequency == "annual":
        suits |= {"its", "dose"}
    if info.series_id in (MX_RATE, INTL_RATE):
        suits.add("synth")
    if info.series_id == EVENT_PANEL:
        suits.add("event")
    if method is not None and method not in suits or not suits:
        kind = f"{'an' if info.kind[0] in 'aeiou' else 'a'} {info.kind} series"
        what = f"--outcome {info.series_id} is {kind} ({info.frequency.replace('_', ' ')})"
        if method is not None:
            raise InputError(f"{what}: --method {method} needs {_NEEDS[method]}")
        raise InputError(f"{what}: no battery method can use it",
                         "its and dose need an annual observation series")
    return suits


def _source_line(store: Store, source_ids: Sequence[str]) -> str:
    df = store.sources(list(source_ids))
    names = "; ".join(f"{r.publisher}, {r.title}" for r in df.itertuples())
    return f"Source: {names}. Snapshot {store.snapshot.snapshot_id}."


def _its_chart(store: Store, sid: str, its: InterruptedTimeSeries, plot_dir: str | Path,
               source_ids: Sequence[str]) -> str:
    info = store.series_info(sid)
    p = Path(plot_dir) / f"its_{sid}.png"
    its.plot(p, title=info.name, source=_source_line(store, source_ids), unit=info.unit)
    return str(p)


def evaluate(store: Store, **kwargs) -> BatteryResult:
    """Alias of ``run_battery`` for the public API."""
    return run_battery(store, **kwargs)


def display_frame(result: BatteryResult) -> pd.DataFrame:
    """The battery as rows for people: effect, 95% interval or placebo p, fit, n, reading."""
    rows = []
    for e in result.estimates:
        if e.status != "ok":
            unc, fit, eff = "–", "–", "–"
        else:
            eff = f"{e.effect:+.3g} {e.unit}".strip()
            if e.interval:
                unc = f"95% CI {e.interval[0]:+.3g} to {e.interval[1]:+.3g}"
            elif e.p_value is not None:
                unc = f"placebo p = {e.p_value:.2f}"
            else:
                unc = "–"
            d = e.diagnostics
            if "pre_rmspe" in d:
                fit = f"pre-RMSPE {d['pre_rmspe']:.3g}"
            elif "r_squared" in d:
                fit = f"R² {d['r_squared']:.2f}"
            else:
                fit = "–"
        rows.append({"method": e.method, "outcome": e.outcome, "intervention": e.intervention,
                     "effect": eff, "uncertainty": unc, "fit": fit, "n": e.n_points,
                     "reading": e.reading})
    return pd.DataFrame(rows)


__all__ = ["run_battery", "evaluate", "BatteryResult", "METHODS", "money_by_year",
           "display_frame"]
