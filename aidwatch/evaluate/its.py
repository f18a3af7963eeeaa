"""Interrupted time series: segmented regression with Newey-West (HAC) standard errors.

    y_t = a + b t + sum_k [ c_k 1(t >= T_k) + d_k (t - T_k) 1(t >= T_k) ] (+ month dummies) + e_t

``c_k`` is the level change at break k and ``d_k`` the slope change (per year, or per
month for monthly data). The counterfactual is the pre-break line carried forward, with a
confidence band from the HAC covariance. Fitted with statsmodels OLS.

    its = InterruptedTimeSeries(breaks=[2008, 2019, 2022]).fit(frame)  # frame: period, value
    its.effects()      # level and slope change per break, with 95% intervals
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from . import _checks
from .estimate import Estimate, reading_from_interval

ASSUMPTIONS = (
    "Without the intervention the pre-break trend (level and slope) would have continued.",
    "No other event changed the outcome at the same date.",
    "Errors may be autocorrelated and heteroskedastic up to the Newey-West lag; "
    "inference is large-sample and rough with few points.",
)

_MONTHLY = re.compile(r"^(\d{4})-(\d{2})$")
_YEARLY = re.compile(r"^(?:FY)?(\d{4})$")


def time_index(periods: Sequence[Any]) -> tuple[np.ndarray, str]:
    """Numeric time for periods: years for '2019'/'FY2019'/ints, months for '2019-07'."""
    vals = [str(p) for p in periods]
    if vals and all(_MONTHLY.match(v) for v in vals):
        return np.array([int(v[:4]) * 12 + int(v[5:7]) - 1 for v in vals], float), "monthly"
    if all(_YEARLY.match(v) or re.fullmatch(r"\d{4}(\.0)?", v) for v in vals):
        return np.array([float(_YEARLY.match(v.split(".")[0]).group(1)) for v in vals]), \
            "annual"
    raise InputError("periods must all be years (2019, FY2019) or all months (2019-07)")


def break_time(value: Any, frequency: str) -> float:
    """A break date in the units of ``time_index``: 2019 means January 2019 for months."""
    text = str(value)
    if frequency == "monthly":
        if m := _MONTHLY.match(text):
            return float(int(m.group(1)) * 12 + int(m.group(2)) - 1)
        if m := _YEARLY.match(text.split(".")[0]):
            return float(int(m.group(1)) * 12)
    elif m := _YEARLY.match(text.split(".")[0]):
        return float(m.group(1))
    raise InputError(f"cannot read the break date {value!r} for {frequency} data")


def newey_west_lags(n: int) -> int:
    """The Newey-West (1994) plug-in lag: floor(4 (n/100)^(2/9)), at least 1."""
    return max(1, int(math.floor(4 * (n / 100) ** (2 / 9))))


class InterruptedTimeSeries:
    """Segmented regression at one or more breaks (see the module docstring).

    Arguments: breaks (years, or 'YYYY-MM' for monthly data); seasonality (month dummies;
    default on for monthly data); maxlags (HAC lag; default Newey-West plug-in);
    alpha (1 - confidence level).
    """

    method = "interrupted time series"

    def __init__(self, breaks: Sequence[Any], *, period: str = "period", value: str = "value",
                 seasonality: bool | None = None, maxlags: int | None = None,
                 alpha: float = 0.05) -> None:
        if not breaks:
            raise InputError("an interrupted time series needs at least one break date")
        self.breaks = list(breaks)
        self.period, self.value = period, value
        self.seasonality, self.maxlags, self.alpha = seasonality, maxlags, alpha
        self._fitted = False

    def design(self, data: pd.DataFrame) -> pd.DataFrame:
        """The regression design: const, time, level_k, slope_k (, month dummies)."""
        _checks.require_columns(data, [self.period, self.value], "interrupted time series")
        t, freq = time_index(data[self.period].tolist())
        self.frequency_ = freq
        order = np.argsort(t)
        t = t[order]
        if len(np.unique(t)) != len(t):
            raise InputError("interrupted time series: a period appears more than once")
        self._order = order
        self._t = t
        self.breaks_sorted = sorted(self.breaks, key=lambda b: break_time(b, freq))
        bts = [break_time(b, freq) for b in self.breaks_sorted]
        X = pd.DataFrame({"const": 1.0, "time": t - t[0]})
        edges = [*bts, np.inf]
        for k, b in enumerate(bts):
            label = self._label(k)
            if b <= t[0] or b > t[-1]:
                span = f"{self._fmt(t[0])}-{self._fmt(t[-1])}"
                # the first period itself is inside the data, but leaves nothing before it
                raise InputError(f"break {label} is outside the data ({span})" if b > t[-1]
                                 else f"break {label} leaves no data before it (the data run "
                                 f"{span}; a break needs points on both sides)")
            inside = int(((t >= b) & (t < edges[k + 1])).sum())
            # Level and slope of a segment use two of its points; a third leaves a residual.
            _checks.require_min(inside, 3, f"points between break {label} and the next "
                                           "break or the end of the data")
            on = (t >= b).astype(float)
            X[f"level_{label}"] = on
            X[f"slope_{label}"] = (t - b) * on
        _checks.require_min(int((t < bts[0]).sum()), 3, "points before the first break")
        seasonal = self.seasonality if self.seasonality is not None else freq == "monthly"
        if seasonal:
            if freq != "monthly":
                raise InputError("seasonality needs monthly data")
            month = (t.astype(int) % 12) + 1
            for m in range(2, 13):
                X[f"month_{m:02d}"] = (month == m).astype(float)
        self.seasonal_ = seasonal
        return X

    def _label(self, k: int) -> str:
        return str(self.breaks_sorted[k])

    def _fmt(self, t: float) -> str:
        if self.frequency_ == "monthly":
            return f"{int(t) // 12}-{int(t) % 12 + 1:02d}"
        return str(int(t))

    def fit(self, data: pd.DataFrame) -> InterruptedTimeSeries:
        """Fit by OLS with HAC covariance; sets ``result`` (statsmodels) and ``params``."""
        import statsmodels.api as sm

        X = self.design(data)
        y = pd.to_numeric(data[self.value], errors="coerce").to_numpy(dtype=float)[self._order]
        periods = np.asarray(data[self.period].astype(str))[self._order]
        _checks.require_finite(pd.Series(y, index=periods), "the outcome series")
        _checks.require_not_constant(y, "the outcome series")
        n, k = X.shape
        _checks.require_min(n - k, 2, "residual degrees of freedom (points minus parameters)")
        lags = self.maxlags if self.maxlags is not None else newey_west_lags(n)
        self.maxlags_ = lags
        self.result = sm.OLS(y, X).fit(cov_type="HAC",
                                       cov_kwds={"maxlags": lags, "use_correction": True})
        self.X_, self.y_, self.periods_ = X, y, periods
        self.params = self.result.params
        self._fitted = True
        return self

    def _need_fit(self) -> None:
        if not self._fitted:
            raise InputError("fit the interrupted time series first (call .fit(data))")

    def effects(self) -> pd.DataFrame:
        """Level and slope change at each break with HAC standard errors and intervals."""
        self._need_fit()
        ci = self.result.conf_int(self.alpha)
        rows = []
        for name in self.params.index:
            if name.startswith(("level_", "slope_")):
                kind, label = name.split("_", 1)
                rows.append({"break": label, "kind": kind, "estimate": self.params[name],
                             "se": self.result.bse[name], "ci_low": ci.loc[name, 0],
                             "ci_high": ci.loc[name, 1], "p_value": self.result.pvalues[name]})
        return pd.DataFrame(rows)

    def counterfactual(self) -> pd.DataFrame:
        """Observed, fitted, and the pre-break trend carried forward with its band."""
        self._need_fit()
        X = self.X_.copy()
        for col in X.columns:
            if col.startswith(("level_", "slope_")):
                X[col] = 0.0
        pred = self.result.get_prediction(X).summary_frame(alpha=self.alpha)
        return pd.DataFrame({"period": self.periods_, "observed": self.y_,
                             "fitted": self.result.fittedvalues,
                             "counterfactual": pred["mean"].to_numpy(),
                             "cf_low": pred["mean_ci_lower"].to_numpy(),
                             "cf_high": pred["mean_ci_upper"].to_numpy()})

    def summary(self) -> str:
        self._need_fit()
        head = (f"Interrupted time series, {len(self.y_)} {self.frequency_} points, breaks "
                f"{', '.join(map(str, self.breaks))}; Newey-West HAC, {self.maxlags_} lag(s)")
        return head + "\n" + self.effects().round(4).to_string(index=False)

    def to_frame(self) -> pd.DataFrame:
        return self.counterfactual()

    def to_estimates(self, outcome_id: str = "", unit: str = "",
                     labels: dict[str, str] | None = None) -> list[Estimate]:
        """One ``Estimate`` per break and kind (level change, slope change)."""
        self._need_fit()
        out = []
        per = "year" if self.frequency_ == "annual" else "month"
        for rec in self.effects().to_dict("records"):
            r = pd.Series(rec)
            name = (labels or {}).get(rec["break"], rec["break"])
            what = outcome_id or self.value
            if r.kind == "level":
                estimand = "level change at the break"
                reading = reading_from_interval(f"the level of {what}", r.estimate,
                                                (r.ci_low, r.ci_high), unit,
                                                f"at {name} (against the prior trend)")
            else:
                estimand = f"slope change after the break (per {per})"
                reading = reading_from_interval(f"the trend of {what}", r.estimate,
                                                (r.ci_low, r.ci_high), f"{unit}/{per}".strip(
                                                    "/"), f"after {name}")
            out.append(Estimate(
                method=f"ITS ({r.kind})", outcome=what, intervention=str(name),
                effect=float(r.estimate), unit=unit if r.kind == "level" else
                f"{unit} per {per}".strip(), estimand=estimand,
                interval=(float(r.ci_low), float(r.ci_high)), p_value=float(r.p_value),
                diagnostics={"se_hac": float(r.se), "hac_lags": self.maxlags_,
                             "r_squared": float(self.result.rsquared),
                             "breaks": [str(b) for b in self.breaks],
                             "seasonality": self.seasonal_,
                             "first": str(self.periods_[0]), "last": str(self.periods_[-1])},
                assumptions=ASSUMPTIONS, n_points=len(self.y_), reading=reading))
        return out

    def plot(self, path: str | os.PathLike | None = None, title: str = "", source: str = "",
             unit: str = ""):
        """Observed series, fitted segments and the counterfactual band, breaks marked."""
        self._need_fit()
        from .charts import its_chart
        return its_chart(self, path, title=title, source=source, unit=unit)


__all__ = ["InterruptedTimeSeries", "time_index", "break_time", "newey_west_lags",
           "ASSUMPTIONS"]
