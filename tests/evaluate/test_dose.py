"""Dose-response: the sum of lag coefficients equals a direct statsmodels fit; bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from aidwatch.errors import InputError
from aidwatch.evaluate.dose import DoseResponse


def _series(seed: int = 5, slope: float = 2.0, n: int = 25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(1999, 1999 + n)
    money = rng.uniform(1e8, 6e8, n)
    lagged = pd.Series(money).shift(1).fillna(money.mean()).to_numpy()
    y = 10 + 0.2 * (years - 1999) + slope * (money + lagged) / 1e8 / 2 + rng.normal(0, 0.3, n)
    return pd.DataFrame({"year": years, "outcome": y, "money": money})


def test_cumulative_association_equals_a_direct_statsmodels_fit():
    df = _series()
    dr = DoseResponse(lags=2).fit(df)
    d = df.assign(m0=df.money / 1e8, m1=df.money.shift(1) / 1e8, m2=df.money.shift(2) / 1e8,
                  t=df.year - df.year.min()).dropna()
    d["t"] = d["year"] - d["year"].min()
    direct = smf.ols("outcome ~ t + m0 + m1 + m2", d).fit(
        cov_type="HAC", cov_kwds={"maxlags": dr.maxlags_, "use_correction": True})
    assert dr.cumulative == pytest.approx(direct.params[["m0", "m1", "m2"]].sum(), abs=1e-8)
    test = direct.t_test("m0 + m1 + m2 = 0")
    assert dr.interval[0] == pytest.approx(float(np.squeeze(test.conf_int())[0]), abs=1e-8)


def test_recovers_an_injected_association_and_reads_it_as_association():
    dr = DoseResponse(lags=2).fit(_series(slope=2.0))
    assert dr.interval[0] < 2.0 < dr.interval[1]
    est = dr.to_estimate("y", "money")
    assert "association, not an effect" in est.reading and est.unit == "per $100M"


def test_too_few_years_and_constant_money_are_named():
    with pytest.raises(InputError, match="too few years"):
        DoseResponse(lags=2).fit(_series(n=9))
    with pytest.raises(InputError, match="money series is constant"):
        DoseResponse(lags=0).fit(_series().assign(money=1e8))


def test_gaps_in_money_remove_the_years_they_touch():
    df = _series(n=25)
    gappy = df[~df.year.isin([2005, 2012])]
    dr = DoseResponse(lags=2).fit(gappy)
    assert dr.n_ == 25 - 2 - 2 * 3


def test_plot_writes_a_chart(tmp_path):
    DoseResponse(lags=1).fit(_series()).plot(tmp_path / "dose.png", source="Source: test")
    assert (tmp_path / "dose.png").stat().st_size > 1000
