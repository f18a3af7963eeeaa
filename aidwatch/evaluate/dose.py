"""Funding dose-response: an outcome against lagged money, with HAC errors.

    y_t = a + b t + sum_{l=0..L} g_l m_{t-l} + e_t      (m in $100 million, constant dollars)

The cumulative association sum(g_l) is what is reported. This is an association in time,
never a causal effect: money goes where problems are, and both trend with other things.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from . import _checks
from .estimate import Estimate, reading_from_interval
from .its import newey_west_lags

ASSUMPTIONS = (
    "Association only: funding responds to the outcome (reverse causation) and both move "
    "with other factors; nothing here identifies a causal effect.",
    "Linear in money over the observed range, with the stated lags and a linear time trend.",
    "HAC (Newey-West) errors; with few years the interval is rough.",
)

MIN_POINTS = 10
PER = 1e8  # money is expressed per $100 million


class DoseResponse:
    """Outcome on distributed lags of money (see the module docstring).

    data: columns ``year``, ``outcome``, ``money`` (constant dollars), one row per year.
    """

    method = "dose-response"

    def __init__(self, lags: int = 2, trend: bool = True, maxlags: int | None = None,
                 alpha: float = 0.05) -> None:
        self.lags, self.trend, self.maxlags, self.alpha = lags, trend, maxlags, alpha

    def fit(self, data: pd.DataFrame) -> DoseResponse:
        import statsmodels.api as sm

        _checks.require_columns(data, ["year", "outcome", "money"], "dose-response")
        d = data.sort_values("year").set_index("year")
        full = pd.RangeIndex(int(d.index.min()), int(d.index.max()) + 1)
        d = d.reindex(full)
        X = pd.DataFrame(index=full)
        X["const"] = 1.0
        if self.trend:
            X["trend"] = full - full[0]
        for lag in range(self.lags + 1):
            X[f"money_lag{lag}"] = d["money"].shift(lag) / PER
        frame = pd.concat([d["outcome"], X], axis=1).dropna()
        _checks.require_min(len(frame), MIN_POINTS,
                            "years with the outcome and every money lag present")
        y = frame["outcome"].to_numpy(dtype=float)
        _checks.require_not_constant(y, "the outcome series")
        _checks.require_not_constant(frame["money_lag0"].to_numpy(), "the money series")
        lags = self.maxlags if self.maxlags is not None else newey_west_lags(len(frame))
        self.maxlags_ = lags
        self.result = sm.OLS(y, frame.drop(columns="outcome")).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
        names = [c for c in frame.columns if c.startswith("money_lag")]
        weights = np.array([1.0 if c in names else 0.0 for c in self.result.params.index])
        test = self.result.t_test(weights)
        self.cumulative = float(np.squeeze(test.effect))
        ci = np.squeeze(test.conf_int(alpha=self.alpha))
        self.interval = (float(ci[0]), float(ci[1]))
        self.p_value = float(np.squeeze(test.pvalue))
        self.data_ = d[["outcome", "money"]]
        self.years_ = (int(frame.index[0]), int(frame.index[-1]))
        self.n_ = len(frame)
        return self

    def summary(self) -> str:
        return (f"Dose-response, {self.n_} years {self.years_[0]}-{self.years_[1]}, lags 0-"
                f"{self.lags}: cumulative {self.cumulative:.4g} per $100M "
                f"(95% CI {self.interval[0]:.4g} to {self.interval[1]:.4g})")

    def to_frame(self) -> pd.DataFrame:
        ci = self.result.conf_int(self.alpha)
        return pd.DataFrame({"coef": self.result.params, "se": self.result.bse,
                             "ci_low": ci[0], "ci_high": ci[1]})

    def plot(self, path: str | os.PathLike | None = None, title: str = "",
             source: str = "", unit: str = ""):
        """Outcome and money over the years, with the cumulative association in the title."""
        from .charts import dose_chart
        return dose_chart(self, path, title=title, source=source, unit=unit)

    def to_estimate(self, outcome_id: str, money_label: str, unit: str = "",
                    extra: dict[str, Any] | None = None) -> Estimate:
        what = f"{outcome_id}"
        reading = reading_from_interval(
            f"{what} per extra $100M of {money_label}", self.cumulative, self.interval, unit,
            f"(sum over lags 0-{self.lags}, {self.years_[0]}-{self.years_[1]})",
            caveat="an association, not an effect")
        return Estimate(
            method=f"dose-response (lags 0-{self.lags})", outcome=outcome_id,
            intervention=money_label, effect=self.cumulative, unit=f"{unit} per $100M".strip(),
            estimand="sum of lag coefficients on money (constant dollars, $100M)",
            interval=self.interval, p_value=self.p_value,
            diagnostics={"years": list(self.years_), "hac_lags": self.maxlags_,
                         "r_squared": float(self.result.rsquared), "trend": self.trend,
                         **(extra or {})},
            assumptions=ASSUMPTIONS, n_points=self.n_, reading=reading)


__all__ = ["DoseResponse", "ASSUMPTIONS"]
