"""The default battery on the embedded evidence base, and the `aidwatch evaluate` command."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from aidwatch.cli import app
from aidwatch.errors import InputError
from aidwatch.evaluate.battery import MX_RATE, display_frame, money_by_year, run_battery


@pytest.fixture(scope="module")
def battery(db_path):
    import aidwatch

    with aidwatch.open_store(db_path) as s:
        return run_battery(s, n_jobs=1)


def test_every_estimate_carries_snapshot_sources_and_a_reading(battery):
    assert battery.estimates
    for e in battery.estimates:
        assert e.snapshot_id == battery.snapshot_id
        assert e.source_ids, e
        assert e.reading
        if e.status == "ok":
            assert e.effect is not None and e.assumptions and e.n_points > 0
            assert e.interval is not None or e.p_value is not None


def test_intervals_spanning_zero_read_as_no_detectable_change(battery):
    for e in battery.estimates:
        if e.status == "ok" and e.interval and e.interval[0] <= 0 <= e.interval[1]:
            assert e.reading.startswith("no detectable change"), e.reading


def test_mexico_synthetic_control_uses_the_latin_american_pool(battery):
    sc = [e for e in battery.estimates if e.method == "synthetic control"]
    assert len(sc) == 1 and sc[0].status == "ok"
    d = sc[0].diagnostics
    assert d["donors"] >= 10 and not {"USA", "CAN", "MEX"} & set(d["weights"])
    assert abs(sum(d["weights"].values()) - 1) < 0.02
    assert 1 / (d["donors"] + 1) <= sc[0].p_value <= 1
    assert d["pre_rmspe"] > 0
    assert d["in_time_placebo"]["at"] < 2008
    assert {r["without"] for r in d["leave_one_out"]} >= {k for k, v in d["weights"].items()
                                                         if v > 0.01}
    assert "not separated from Mérida" in sc[0].reading


def test_event_study_rows_warn_that_all_states_share_the_date(battery):
    rows = [e for e in battery.estimates if e.method == "event study"]
    assert len(rows) == 2 and all(e.status == "ok" for e in rows)
    assert all("before-after" in e.reading for e in rows)
    assert all(e.diagnostics["clusters"] == 32 for e in rows)


def test_breaks_without_enough_data_say_so_instead_of_a_number(battery):
    rows = [e for e in battery.estimates if e.outcome == MX_RATE and "2022" in e.intervention
            and e.method.startswith("ITS")]
    assert rows and all(e.status == "not estimable" and e.effect is None for e in rows)
    assert "2022" in rows[0].reading


def test_merida_appropriations_gaps_are_reported_not_estimated(battery, store):
    merida = [e for e in battery.estimates if "Mérida appropriations" in e.intervention]
    assert merida and all(e.status == "not estimable" for e in merida)
    assert "gaps" in merida[0].reading
    money, conflicts, _ = money_by_year(store, "us.aid.mexico.total", "obligated")
    assert len(money) > 20
    obligations = [e for e in battery.estimates if "obligations" in e.intervention]
    assert obligations
    assert all("association" in " ".join(e.assumptions).lower() for e in obligations)


def test_display_frame_has_one_row_per_estimate(battery):
    df = display_frame(battery)
    assert len(df) == len(battery.estimates)
    assert set(df.columns) >= {"method", "effect", "uncertainty", "fit", "n", "reading"}


def test_unknown_method_is_a_named_input_error(store):
    with pytest.raises(InputError, match="--method 'magic'"):
        run_battery(store, method="magic")


def test_cli_evaluate_json_is_stable(db_path):
    res = CliRunner().invoke(app, ["--db", str(db_path), "evaluate", "--method", "its",
                                   "--outcome", MX_RATE, "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    keys = {"method", "outcome", "intervention", "effect", "unit", "interval", "p_value",
            "diagnostics", "assumptions", "n_points", "reading", "snapshot_id", "source_ids",
            "status"}
    assert rows and all(keys <= set(r) for r in rows)
    assert {r["method"] for r in rows} >= {"ITS (level)", "ITS (slope)"}


def test_cli_evaluate_table_shows_sources_and_plots(db_path, tmp_path):
    res = CliRunner().invoke(app, ["--db", str(db_path), "evaluate", "--method", "its",
                                   "--outcome", MX_RATE, "--plot", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Source:" in res.stdout and "Snapshot" in res.stdout
    assert (tmp_path / f"its_{MX_RATE}.png").stat().st_size > 1000
    assert (tmp_path / f"its_{MX_RATE}.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize("args, needle", [
    (["--outcome", "us.aid.mexico.total"], "us.aid.mexico.total is a funding series"),
    (["--outcome", "us.aid.mexico.total", "--method", "dose"], "needs an annual observation"),
    (["--outcome", "intl.homicides.rate_per_100k", "--method", "its"],
     "intl.homicides.rate_per_100k is a panel series"),
    (["--outcome", "mx.homicide_victims.by_state_month", "--method", "dose"],
     "is a panel series (monthly)"),
    (["--outcome", "us.overdose_deaths.provisional_12m", "--method", "its"],
     "us.overdose_deaths.provisional_12m is an observation series (monthly)"),
    (["--outcome", MX_RATE, "--method", "event"], "--method event needs"),
])
def test_an_outcome_the_method_cannot_use_is_one_line_exit_2(run_cli, db_path, args, needle):
    code, out, err = run_cli(db_path, "evaluate", *args)
    assert code == 2, (out, err)
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.strip()


def test_a_panel_outcome_runs_only_the_methods_that_use_it(store):
    result = run_battery(store, outcome="intl.homicides.rate_per_100k", method="synth",
                         n_jobs=1)
    assert [e.method for e in result.estimates] == ["synthetic control"]
    assert result.estimates[0].unit == store.series_info("intl.homicides.rate_per_100k").unit
    event = run_battery(store, outcome="mx.homicide_victims.by_state_month")
    assert {e.method for e in event.estimates} == {"event study"}


def test_dose_reading_says_association_not_effect(battery):
    dose = [e for e in battery.estimates if e.method.startswith("dose") and e.status == "ok"]
    assert dose
    for e in dose:
        assert "intervention caused it" not in e.reading
        if "no detectable change" not in e.reading:
            assert e.reading.endswith("an association, not an effect.")
