"""Difference-in-differences (two-way fixed effects) and event studies for panels.

    DiffInDiff(unit="geo", time="period", outcome="y", treatment="d").fit(panel)
    EventStudy(unit="geo", time="period", outcome="y", event="2019-07").fit(panel)

Standard errors are clustered by unit (statsmodels, CR1 small-sample correction). With
staggered adoption and effects that vary over time, two-way fixed effects compare late
adopters with early ones and can even get the sign wrong (Goodman-Bacon 2021; de Chaisemartin
& D'Haultfoeuille 2020; Sun & Abraham 2021; Callaway & Sant'Anna 2021): the fit warns.
When every unit is treated at the same date there is no untreated comparison: the event
study then reduces to a before-after comparison within units, and says so.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from . import _checks
from .estimate import Estimate, fmt, reading_from_interval
from .its import time_index

STAGGERED = ("treatment starts at different dates across units: two-way fixed effects then "
             "compare later with earlier adopters and are biased when effects change over "
             "time (Goodman-Bacon 2021; Sun & Abraham 2021; Callaway & Sant'Anna 2021)")
COMMON = ("every unit is treated at the same date and none is untreated: there is no "
          "comparison group, so coefficients compare each period with the reference period "
          "within units and include any nationwide trend or shock (a before-after comparison, "
          "not a difference-in-differences)")

ASSUMPTIONS = (
    "Parallel trends: without treatment, treated and comparison units would have moved "
    "together (leads near zero are consistent with this, not proof of it).",
    "No anticipation before the event date and no spillovers between units.",
    "Errors clustered by unit: needs a reasonable number of clusters (30+ is comfortable).",
)


def _fe_design(df: pd.DataFrame, unit: str, time: str, extra: pd.DataFrame,
               time_fe: bool, season: pd.Series | None = None) -> pd.DataFrame:
    parts = [extra.reset_index(drop=True),
             pd.get_dummies(df[unit].astype(str), prefix="unit", drop_first=True,
                            dtype=float).reset_index(drop=True)]
    if time_fe:
        parts.append(pd.get_dummies(df[time].astype(str), prefix="time", drop_first=True,
                                    dtype=float).reset_index(drop=True))
    if season is not None:
        parts.append(pd.get_dummies(season.astype(str), prefix="month", drop_first=True,
                                    dtype=float).reset_index(drop=True))
    X = pd.concat(parts, axis=1)
    X.insert(0, "const", 1.0)
    return X


def _clean_panel(data: pd.DataFrame, unit: str, time: str, outcome: str,
                 what: str) -> pd.DataFrame:
    _checks.require_columns(data, [unit, time, outcome], what)
    df = data[[c for c in data.columns]].copy()
    df[outcome] = pd.to_numeric(df[outcome], errors="coerce")
    if df.duplicated([unit, time]).any():
        raise InputError(f"{what}: more than one row per unit and period")
    missing = df[df[outcome].isna()]
    if len(missing):
        first = missing.iloc[0]
        raise InputError(f"{what}: missing outcome for {first[unit]} {first[time]} "
                         f"(and {len(missing) - 1} more)" if len(missing) > 1 else
                         f"{what}: missing outcome for {first[unit]} {first[time]}")
    _checks.require_not_constant(df[outcome].to_numpy(float), f"{what}: the outcome")
    _checks.require_min(df[unit].nunique(), 2, f"units in the {what} panel")
    return df.sort_values([unit, time]).reset_index(drop=True)


class DiffInDiff:
    """Two-way fixed effects DiD: y_it = a_i + l_t + b D_it + e_it, errors clustered by unit.

    ``treatment`` is a 0/1 column (1 from the unit's adoption on).
    """

    method = "difference-in-differences (TWFE)"

    def __init__(self, unit: str = "unit", time: str = "time", outcome: str = "y",
                 treatment: str = "treated", alpha: float = 0.05) -> None:
        self.unit, self.time, self.outcome, self.treatment = unit, time, outcome, treatment
        self.alpha = alpha

    def fit(self, data: pd.DataFrame) -> DiffInDiff:
        import statsmodels.api as sm

        df = _clean_panel(data, self.unit, self.time, self.outcome, "difference-in-differences")
        _checks.require_columns(df, [self.treatment], "difference-in-differences")
        d = pd.to_numeric(df[self.treatment], errors="coerce")
        if not d.isin([0, 1]).all():
            raise InputError(f"treatment column {self.treatment!r} must be 0 or 1")
        ever = df.groupby(self.unit)[self.treatment].max()
        if ever.min() == 1:
            raise InputError("every unit is treated at some point: no never-treated comparison "
                             "unit for a difference-in-differences")
        if ever.max() == 0:
            raise InputError("no unit is ever treated")
        starts = df[d == 1].groupby(self.unit)[self.time].min()
        self.warnings: list[str] = [STAGGERED] if starts.nunique() > 1 else []
        X = _fe_design(df, self.unit, self.time, pd.DataFrame({"treated": d.astype(float)}),
                       time_fe=True)
        y = df[self.outcome].to_numpy(float)
        groups = pd.factorize(df[self.unit])[0]
        self.result = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups})
        self.effect = float(self.result.params["treated"])
        ci = self.result.conf_int(self.alpha).loc["treated"]
        self.interval = (float(ci[0]), float(ci[1]))
        self.p_value = float(self.result.pvalues["treated"])
        self.n_, self.clusters_ = len(df), int(df[self.unit].nunique())
        return self

    def summary(self) -> str:
        return (f"TWFE DiD: effect {self.effect:.4g} (95% CI {self.interval[0]:.4g} to "
                f"{self.interval[1]:.4g}), {self.n_} obs, {self.clusters_} clusters"
                + "".join(f"\nwarning: {w}" for w in self.warnings))

    def to_frame(self) -> pd.DataFrame:
        ci = self.result.conf_int(self.alpha)
        return pd.DataFrame({"coef": self.result.params, "se": self.result.bse,
                             "ci_low": ci[0], "ci_high": ci[1]}).loc[["treated"]]

    def to_estimate(self, outcome_id: str, intervention: str, unit: str = "") -> Estimate:
        reading = reading_from_interval(outcome_id, self.effect, self.interval, unit,
                                        f"in treated units after {intervention}")
        if self.warnings:
            reading += " Caution: staggered adoption (see diagnostics)."
        return Estimate(method=self.method, outcome=outcome_id, intervention=intervention,
                        effect=self.effect, unit=unit, estimand="average effect on the "
                        "treated (TWFE coefficient)", interval=self.interval,
                        p_value=self.p_value, diagnostics={"clusters": self.clusters_,
                                                           "warnings": self.warnings},
                        assumptions=ASSUMPTIONS, n_points=self.n_, reading=reading)

    def plot(self, *args, **kwargs):  # pragma: no cover - DiD has one coefficient
        raise InputError("a DiD has one coefficient; plot the EventStudy instead")


class EventStudy:
    """Leads and lags around an event: coefficients relative to the period before it.

    event: a common date (``"2019-07"``, ``2019``) or the name of a column holding each
    unit's event date (missing = never treated). Monthly data are binned by 12 months
    (``bin=12``) unless ``bin=1``. ``leads``/``lags`` count bins; the outer bins collect
    everything beyond them. Common dates use unit and calendar-month effects; staggered
    dates add period fixed effects (and a warning).
    """

    method = "event study"

    def __init__(self, unit: str = "unit", time: str = "time", outcome: str = "y", *,
                 event: Any, leads: int = 3, lags: int = 3, bin: int | None = None,
                 alpha: float = 0.05) -> None:
        self.unit, self.time, self.outcome, self.event = unit, time, outcome, event
        self.leads, self.lags, self.bin, self.alpha = leads, lags, bin, alpha

    def fit(self, data: pd.DataFrame) -> EventStudy:
        import statsmodels.api as sm

        from .its import break_time

        df = _clean_panel(data, self.unit, self.time, self.outcome, "event study")
        t, freq = time_index(df[self.time].tolist())
        self.frequency_ = freq
        size = self.bin if self.bin is not None else (12 if freq == "monthly" else 1)
        if isinstance(self.event, str) and self.event in df.columns:
            ev = df[self.event].map(lambda v: np.nan if pd.isna(v) else break_time(v, freq))
        else:
            ev = pd.Series(break_time(self.event, freq), index=df.index)
        treated_units = df.loc[ev.notna(), self.unit].unique()
        starts = ev.groupby(df[self.unit]).first().dropna()
        never = df[self.unit].nunique() - len(treated_units)
        common = starts.nunique() == 1 and never == 0
        self.warnings: list[str] = []
        if common:
            self.warnings.append(COMMON)
        elif starts.nunique() > 1:
            self.warnings.append(STAGGERED)
        rel = np.floor((t - ev.to_numpy(float)) / size)
        lo, hi = -self.leads - 1, self.lags
        keep = ~np.isnan(rel) & (rel >= lo) & (rel <= hi) if common else np.ones(len(df), bool)
        df, rel, t = df[keep].reset_index(drop=True), rel[keep], t[keep]
        names: list[str] = []
        cols = {}
        for k in range(lo, hi + 1):
            if k == -1:
                continue
            name = f"e{k:+d}"
            cols[name] = ((rel == k) if lo < k < hi else
                          (rel <= k) if k == lo else (rel >= k)).astype(float)
            cols[name][np.isnan(rel)] = 0.0
            names.append(name)
        counts = {n: int(v.sum()) for n, v in cols.items()}
        empty = [n for n, c in counts.items() if c == 0]
        if empty:
            raise InputError(f"event study: no observations in event-time bin(s) "
                             f"{', '.join(empty)} (the data do not cover the window)")
        _checks.require_min(int(np.nansum(rel < 0)), 2, "observations before the event")
        season = pd.Series((t.astype(int) % 12) + 1) if freq == "monthly" and common else None
        X = _fe_design(df, self.unit, self.time, pd.DataFrame(cols), time_fe=not common,
                       season=season)
        y = df[self.outcome].to_numpy(float)
        groups = pd.factorize(df[self.unit])[0]
        self.result = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups})
        self.names_ = names
        post = [n for n in names if int(n[1:]) >= 0]
        pre = [n for n in names if int(n[1:]) < -1]
        w = np.array([1.0 / len(post) if c in post else 0.0 for c in X.columns])
        test = self.result.t_test(w)
        self.effect = float(np.squeeze(test.effect))
        ci = np.squeeze(test.conf_int(alpha=self.alpha))
        self.interval = (float(ci[0]), float(ci[1]))
        self.p_value = float(np.squeeze(test.pvalue))
        self.pretrend_p = None
        if pre:
            R = np.array([[1.0 if c == n else 0.0 for c in X.columns] for n in pre])
            self.pretrend_p = float(self.result.f_test(R).pvalue)
        self.common_, self.bin_size_ = common, size
        self.n_, self.clusters_ = len(df), int(df[self.unit].nunique())
        return self

    def coefficients(self) -> pd.DataFrame:
        """Lead/lag coefficients (reference bin -1 = 0) with 95% intervals."""
        ci = self.result.conf_int(self.alpha)
        rows = [{"event_time": int(n[1:]), "coef": self.result.params[n],
                 "ci_low": ci.loc[n, 0], "ci_high": ci.loc[n, 1]} for n in self.names_]
        rows.append({"event_time": -1, "coef": 0.0, "ci_low": 0.0, "ci_high": 0.0})
        return pd.DataFrame(rows).sort_values("event_time").reset_index(drop=True)

    def summary(self) -> str:
        return (f"Event study ({self.n_} obs, {self.clusters_} clusters, bins of "
                f"{self.bin_size_} period(s)): post average {self.effect:.4g} (95% CI "
                f"{self.interval[0]:.4g} to {self.interval[1]:.4g}); pre-trend p = "
                f"{self.pretrend_p}\n" + self.coefficients().round(4).to_string(index=False)
                + "".join(f"\nwarning: {w}" for w in self.warnings))

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients()

    def to_estimate(self, outcome_id: str, intervention: str, unit: str = "") -> Estimate:
        context = f"after {intervention}, relative to the year before"
        reading = reading_from_interval(outcome_id, self.effect, self.interval, unit, context)
        if self.pretrend_p is not None and self.pretrend_p < 0.10:
            reading += (f" But pre-event coefficients already differ from zero (joint p = "
                        f"{self.pretrend_p:.2g}), so the post-event change of "
                        f"{fmt(self.effect, unit)} cannot be read as an effect of "
                        f"{intervention}.")
        if self.common_:
            reading += " All states share the date: a before-after comparison, not a DiD."
        return Estimate(
            method=self.method, outcome=outcome_id, intervention=intervention,
            effect=self.effect, unit=unit,
            estimand="average of post-event coefficients (reference: the bin before)",
            interval=self.interval, p_value=self.p_value,
            diagnostics={"pretrend_p": self.pretrend_p, "clusters": self.clusters_,
                         "bin_periods": self.bin_size_, "leads": self.leads,
                         "lags": self.lags, "warnings": self.warnings,
                         "coefficients": {str(r.event_time): round(float(r.coef), 4)
                                          for r in self.coefficients().itertuples()}},
            assumptions=ASSUMPTIONS, n_points=self.n_, reading=reading)

    def plot(self, path: str | os.PathLike | None = None, title: str = "", source: str = ""):
        from .charts import event_chart
        return event_chart(self, path, title=title, source=source)


__all__ = ["DiffInDiff", "EventStudy", "STAGGERED", "COMMON", "ASSUMPTIONS"]
