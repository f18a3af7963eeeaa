"""DiD and event study: equal to a direct statsmodels fit, recover injected effects, warn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from aidwatch.errors import InputError
from aidwatch.evaluate.did import COMMON, STAGGERED, DiffInDiff, EventStudy


def _panel(seed: int = 7, effect: float = 3.0, staggered: bool = False,
           n_units: int = 30, n_years: int = 16) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_units):
        a = rng.normal(0, 5)
        start = None
        if i < n_units // 2:
            start = 2008 + (i % 3) * 2 if staggered else 2008
        for y in range(2000, 2000 + n_years):
            d = int(start is not None and y >= start)
            value = a + 0.5 * (y - 2000) + effect * d + rng.normal(0, 1)
            rows.append({"unit": f"u{i:02d}", "year": str(y), "y": value, "d": d,
                         "start": str(start) if start else None})
    return pd.DataFrame(rows)


def test_twfe_coefficient_and_clustered_errors_equal_a_direct_statsmodels_fit():
    df = _panel()
    did = DiffInDiff(unit="unit", time="year", outcome="y", treatment="d").fit(df)
    direct = smf.ols("y ~ d + C(unit) + C(year)", df).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(df["unit"])[0]})
    assert did.effect == pytest.approx(direct.params["d"], abs=1e-8)
    assert did.result.bse["treated"] == pytest.approx(direct.bse["d"], abs=1e-8)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recovers_an_injected_effect_on_simulated_panels(seed):
    did = DiffInDiff(unit="unit", time="year", outcome="y", treatment="d").fit(
        _panel(seed=seed, effect=3.0))
    assert did.interval[0] < 3.0 < did.interval[1]
    assert did.interval[0] > 0 and not did.warnings


def test_staggered_adoption_is_warned_about():
    did = DiffInDiff(unit="unit", time="year", outcome="y", treatment="d").fit(
        _panel(staggered=True))
    assert did.warnings == [STAGGERED]
    assert "staggered" in did.to_estimate("y", "adoption").reading


def test_event_study_finds_flat_leads_and_the_injected_jump():
    es = EventStudy(unit="unit", time="year", outcome="y", event="start", leads=3,
                    lags=3).fit(_panel(seed=1, effect=3.0, n_units=60))
    co = es.coefficients().set_index("event_time")
    assert all(abs(co.loc[k, "coef"]) < 1.0 for k in (-4, -3, -2))
    assert es.interval[0] < 3.0 < es.interval[1] and es.interval[0] > 0
    assert es.pretrend_p > 0.05


def test_common_event_date_without_untreated_units_warns_it_is_before_after():
    df = _panel(effect=0.0).assign(start="2008")
    es = EventStudy(unit="unit", time="year", outcome="y", event="2008").fit(df)
    assert COMMON in es.warnings
    assert "before-after" in es.to_estimate("y", "2008").reading
    # The trend of 0.5 a year is all the event study can see: leads are clearly negative.
    assert es.pretrend_p < 0.05


def test_bad_panels_are_named():
    df = _panel()
    with pytest.raises(InputError, match="no never-treated comparison"):
        DiffInDiff(unit="unit", time="year", outcome="y", treatment="d").fit(df.assign(d=1))
    broken = df.copy()
    broken.loc[3, "y"] = np.nan
    with pytest.raises(InputError, match="missing outcome for u00 2003"):
        DiffInDiff(unit="unit", time="year", outcome="y", treatment="d").fit(broken)
    with pytest.raises(InputError, match="constant"):
        DiffInDiff(unit="unit", time="year", outcome="y", treatment="d").fit(df.assign(y=1.0))
    with pytest.raises(InputError, match="no observations in event-time bin"):
        EventStudy(unit="unit", time="year", outcome="y", event="2001", leads=3).fit(df)
