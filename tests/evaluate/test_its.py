"""Interrupted time series: equal to a direct statsmodels fit, recovers injected breaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from aidwatch.errors import InputError
from aidwatch.evaluate.its import InterruptedTimeSeries, newey_west_lags


def _annual(seed: int = 3, level: float = 5.0, slope: float = -0.8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(1990, 2024)
    y = 10 + 0.3 * (years - 1990) + rng.normal(0, 0.6, len(years))
    after = years >= 2008
    y = y + level * after + slope * (years - 2008) * after
    return pd.DataFrame({"period": years.astype(str), "value": y})


def test_coefficients_and_hac_errors_equal_a_direct_statsmodels_fit():
    df = _annual()
    its = InterruptedTimeSeries(breaks=[2008, 2019]).fit(df)
    d = df.assign(t=df.period.astype(int) - 1990)
    d["post08"] = (d.t >= 18).astype(float)
    d["since08"] = (d.t - 18) * d.post08
    d["post19"] = (d.t >= 29).astype(float)
    d["since19"] = (d.t - 29) * d.post19
    direct = smf.ols("value ~ t + post08 + since08 + post19 + since19", d).fit(
        cov_type="HAC", cov_kwds={"maxlags": newey_west_lags(len(d)), "use_correction": True})
    np.testing.assert_allclose(its.params.to_numpy(), direct.params.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(its.result.bse.to_numpy(), direct.bse.to_numpy(), atol=1e-8)


def test_recovers_an_injected_level_and_slope_change():
    its = InterruptedTimeSeries(breaks=[2008]).fit(_annual(level=5.0, slope=-0.8))
    eff = its.effects().set_index("kind")
    assert eff.loc["level", "ci_low"] < 5.0 < eff.loc["level", "ci_high"]
    assert eff.loc["slope", "ci_low"] < -0.8 < eff.loc["slope", "ci_high"]
    assert eff.loc["level", "ci_low"] > 0


def test_no_change_reads_as_no_detectable_change():
    est = InterruptedTimeSeries(breaks=[2008]).fit(_annual(level=0, slope=0)).to_estimates(
        "y", unit="per 100k")
    levels = [e for e in est if e.method == "ITS (level)"]
    assert levels[0].interval[0] < 0 < levels[0].interval[1]
    assert levels[0].reading.startswith("no detectable change")


def test_counterfactual_is_the_pre_break_line():
    its = InterruptedTimeSeries(breaks=[2008]).fit(_annual())
    cf = its.counterfactual()
    b = its.params
    t = np.arange(len(cf))
    np.testing.assert_allclose(cf["counterfactual"], b["const"] + b["time"] * t, atol=1e-9)
    assert (cf["cf_low"] <= cf["counterfactual"]).all()


def test_monthly_data_gets_month_dummies():
    rng = np.random.default_rng(1)
    months = pd.period_range("2015-01", "2024-12", freq="M").astype(str)
    season = np.tile(np.sin(np.arange(12) / 12 * 2 * np.pi) * 50, 10)
    y = 2000 + season + rng.normal(0, 10, 120) + 100 * (np.arange(120) >= 48)
    its = InterruptedTimeSeries(breaks=["2019-01"]).fit(
        pd.DataFrame({"period": months, "value": y}))
    assert "month_12" in its.params.index
    eff = its.effects().set_index("kind")
    assert eff.loc["level", "ci_low"] < 100 < eff.loc["level", "ci_high"]


@pytest.mark.parametrize("breaks,message", [
    ([1992], "too few points before the first break"),
    ([2022], "too few points between break 2022"),
    ([2030], "outside the data"),
])
def test_breaks_the_data_cannot_support_are_named(breaks, message):
    with pytest.raises(InputError, match=message):
        InterruptedTimeSeries(breaks=breaks).fit(_annual())


def test_missing_and_constant_series_are_named():
    df = _annual()
    df.loc[5, "value"] = np.nan
    with pytest.raises(InputError, match="missing values at 1995"):
        InterruptedTimeSeries(breaks=[2008]).fit(df)
    with pytest.raises(InputError, match="constant"):
        InterruptedTimeSeries(breaks=[2008]).fit(_annual().assign(value=3.0))
