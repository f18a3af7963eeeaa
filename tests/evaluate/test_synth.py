"""Synthetic control: Basque replication, placebo battery, properties and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from aidwatch.errors import InputError
from aidwatch.evaluate._simplex import simplex_ls
from aidwatch.evaluate.synth import Predictor, SyntheticControl

from .conftest import BASQUE

CATALUNA, MADRID = "Cataluna", "Madrid (Comunidad De)"


def test_basque_weights_match_abadie_gardeazabal(basque_fit):
    w = basque_fit.weights
    assert w[CATALUNA] == pytest.approx(0.851, abs=0.01)
    assert w[MADRID] == pytest.approx(0.149, abs=0.01)
    assert w.drop([CATALUNA, MADRID]).max() < 0.01


def test_basque_pre_rmspe_is_the_published_fit(basque_fit, basque_df):
    assert basque_fit.pre_rmspe == pytest.approx(0.0942, abs=5e-4)
    wide = basque_df.pivot(index="year", columns="regionname", values="gdpcap")
    published = 0.850816306 * wide[CATALUNA] + 0.149183694 * wide[MADRID]
    rmspe = np.sqrt(((wide[BASQUE] - published).loc[1960:1969] ** 2).mean())
    assert basque_fit.pre_rmspe <= rmspe + 1e-6


def test_basque_gap_series_matches_published_weights(basque_fit, basque_df):
    wide = basque_df.pivot(index="year", columns="regionname", values="gdpcap")
    gap = wide[BASQUE] - (0.850816306 * wide[CATALUNA] + 0.149183694 * wide[MADRID])
    np.testing.assert_allclose(basque_fit.gaps.loc[gap.index], gap, atol=0.01)
    # The well-known result: GDP per capita about 10% below its synthetic in the 1990s.
    assert basque_fit.gaps.loc[1990:1997].mean() < -0.5


def test_basque_weights_are_pinned_down_by_v(basque_fit):
    est = basque_fit.to_estimate("gdpcap")
    assert est.diagnostics["weights_stable"] is True
    assert est.diagnostics["exact_match_tie_break"] is False


def test_basque_reports_the_lower_degenerate_optimum_without_choosing_it(basque_fit):
    est = basque_fit.to_estimate("gdpcap")
    low = est.diagnostics["lowest_pre_rmspe_degenerate_v"]
    assert low < basque_fit.pre_rmspe
    assert low == pytest.approx(0.066, abs=0.002)
    cands = basque_fit.candidates
    assert cands["degenerate"].any() and not cands.loc[~cands["degenerate"], "pre_rmspe"].lt(
        basque_fit.pre_rmspe - 1e-6).any()


def test_placebo_battery_ranks_every_donor(basque_fit, basque_placebo):
    pl = basque_placebo
    assert list(pl.gaps.columns) == [BASQUE, *basque_fit.donors_]
    np.testing.assert_allclose(pl.gaps[BASQUE], basque_fit.gaps)
    pre = np.sqrt((pl.gaps.loc[:1969] ** 2).mean())
    post = np.sqrt((pl.gaps.loc[1970:] ** 2).mean())
    np.testing.assert_allclose(pl.ratios, post / pre)
    n_at_least = (pl.ratios.drop(BASQUE) >= pl.ratios[BASQUE]).sum()
    assert pl.p_value == pytest.approx((1 + n_at_least) / 17)
    assert pl.rank == 1 + n_at_least
    assert 1 / 17 <= pl.p_value <= 1


def test_placebo_gap_of_a_donor_is_its_own_synthetic_control(basque_fit, basque_df,
                                                             basque_placebo):
    spec_pool = [d for d in basque_fit.donors_ if d != MADRID]
    sc = SyntheticControl("gdpcap", "regionname", "year", treated=MADRID,
                          treatment_time=1970, donors=spec_pool,
                          predictors=basque_fit.predictor_request,
                          optimize_periods=range(1960, 1970)).fit(
        basque_df[basque_df.regionname != BASQUE])
    np.testing.assert_allclose(basque_placebo.gaps[MADRID], sc.gaps, atol=1e-9)


def test_placebo_excludes_badly_fitted_donors_when_asked(basque_fit, basque_placebo):
    pl = basque_placebo
    limit = 2.0
    expect = [u for u in basque_fit.donors_ if pl.pre_rmspe[u] > limit * pl.pre_rmspe[BASQUE]]
    r0 = pl.ratios[BASQUE]
    keep = [u for u in basque_fit.donors_ if u not in expect]
    p = (1 + (pl.ratios[keep] >= r0).sum()) / (len(keep) + 1)
    again = basque_fit.placebo_in_space(n_jobs=1, max_pre_ratio=limit)
    assert again.excluded == expect and again.p_value == pytest.approx(p)


def test_in_time_placebo_uses_only_pre_treatment_data(basque_fit):
    fake = basque_fit.placebo_in_time(1965)
    assert fake.treatment_time == 1965
    assert max(fake.times_) == 1969
    assert abs(fake.weights.sum() - 1) < 1e-9
    with pytest.raises(InputError, match="must precede"):
        basque_fit.placebo_in_time(1975)


def test_leave_one_out_refits_without_each_weighted_donor(basque_fit):
    loo = basque_fit.leave_one_out()
    assert set(loo["without"]) == {CATALUNA, MADRID}
    without_catalonia = loo.set_index("without").loc[CATALUNA, "top_weights"]
    assert CATALUNA not in without_catalonia and MADRID in without_catalonia
    assert np.isfinite(loo["att"]).all() and (loo["pre_rmspe"] > 0).all()


def test_estimate_record_carries_fit_and_placebo(basque_fit, basque_placebo):
    est = basque_fit.to_estimate("gdpcap", placebo=basque_placebo, unit="thousand USD")
    assert est.method == "synthetic control" and est.p_value == basque_placebo.p_value
    assert est.diagnostics["weights"][CATALUNA] == pytest.approx(0.851, abs=0.01)
    assert est.effect == pytest.approx(basque_fit.gaps.loc[1970:].mean())
    assert est.assumptions and "placebo" in est.reading
    d = est.to_dict()
    assert d["interval"] is None and isinstance(d["diagnostics"]["gaps"], dict)


# -- properties ------------------------------------------------------------------------------
def _panel(seed: int, n_units: int, n_times: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.normal(10, 3, n_units)
    trend = rng.normal(0.2, 0.3, n_units)
    t = np.arange(n_times)
    y = base[:, None] + trend[:, None] * t + rng.normal(0, 0.5, (n_units, n_times))
    return pd.DataFrame({"unit": np.repeat([f"u{i}" for i in range(n_units)], n_times),
                         "time": np.tile(2000 + t, n_units), "y": y.ravel(),
                         "x": np.repeat(rng.normal(0, 1, n_units), n_times)})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_units=st.integers(3, 12), n_times=st.integers(6, 14))
def test_weights_on_the_simplex_for_random_panels(seed, n_units, n_times):
    df = _panel(seed, n_units, n_times)
    sc = SyntheticControl("y", treated="u0", treatment_time=2000 + n_times - 2,
                          predictors=[Predictor("x", [2000]), Predictor("y", [2000, 2001])],
                          n_random=1, seed=seed).fit(df)
    assert (sc.weights >= 0).all()
    assert sc.weights.sum() == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n_units=st.integers(3, 10))
def test_a_copy_of_the_treated_unit_gets_all_the_weight(seed, n_units):
    df = _panel(seed, n_units, 10)
    copy = df[df.unit == "u0"].assign(unit="copy")
    sc = SyntheticControl("y", treated="u0", treatment_time=2008,
                          n_random=1, seed=seed).fit(pd.concat([df, copy]))
    assert sc.weights["copy"] == pytest.approx(1.0, abs=1e-6)
    assert sc.pre_rmspe == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 8), n=st.integers(2, 15))
def test_simplex_solver_is_at_least_as_good_as_slsqp(seed, k, n):
    rng = np.random.default_rng(seed)
    A, b = rng.normal(size=(k, n)), rng.normal(size=k)
    w = simplex_ls(A, b)
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0, abs=1e-12)
    res = minimize(lambda x: np.sum((A @ x - b) ** 2), np.full(n, 1 / n), method="SLSQP",
                   bounds=[(0, 1)] * n,
                   constraints={"type": "eq", "fun": lambda x: x.sum() - 1},
                   options={"ftol": 1e-12, "maxiter": 500})
    assert np.sum((A @ w - b) ** 2) <= res.fun + 1e-7


# -- inputs that cannot support the method ---------------------------------------------------
def _small() -> pd.DataFrame:
    return _panel(1, 5, 10)


def test_too_few_pre_periods_is_named():
    with pytest.raises(InputError, match="too few pre-intervention periods"):
        SyntheticControl("y", treated="u0", treatment_time=2002).fit(_small())


def test_empty_donor_pool_is_named():
    with pytest.raises(InputError, match="empty donor pool"):
        SyntheticControl("y", treated="u0", treatment_time=2006, donors=[]).fit(_small())


def test_missing_values_in_the_treated_unit_are_named():
    df = _small()
    df.loc[(df.unit == "u0") & (df.time == 2003), "y"] = np.nan
    with pytest.raises(InputError, match="treated unit 'u0' has missing values at 2003"):
        SyntheticControl("y", treated="u0", treatment_time=2006).fit(df)


def test_constant_treated_series_is_named():
    df = _small()
    df.loc[df.unit == "u0", "y"] = 5.0
    with pytest.raises(InputError, match="constant"):
        SyntheticControl("y", treated="u0", treatment_time=2006).fit(df)


def test_donors_with_gaps_are_refused_or_dropped_on_request():
    df = _small()
    df.loc[(df.unit == "u3") & (df.time == 2001), "y"] = np.nan
    with pytest.raises(InputError, match="donor\\(s\\) with missing values: u3"):
        SyntheticControl("y", treated="u0", treatment_time=2006).fit(df)
    sc = SyntheticControl("y", treated="u0", treatment_time=2006, on_missing="drop").fit(df)
    assert sc.dropped_donors_ == ["u3"] and "u3" not in sc.weights.index


def test_unknown_treated_unit_is_named():
    with pytest.raises(InputError, match="treated unit 'nowhere' is not in the data"):
        SyntheticControl("y", treated="nowhere", treatment_time=2006).fit(_small())


def test_charts_mark_the_intervention_and_carry_the_source(basque_fit, basque_placebo,
                                                           tmp_path):
    fig = basque_fit.plot(kind="gaps", source="Source: Abadie & Gardeazabal (2003)",
                          placebo=basque_placebo)
    texts = [t.get_text() for t in fig.texts + fig.axes[0].texts]
    assert any("1970" in t for t in texts) and any("Abadie" in t for t in texts)
    basque_fit.plot(tmp_path / "paths.png")
    assert (tmp_path / "paths.png").stat().st_size > 1000
