"""A donor list is read by one function everywhere (CLI, run_battery, SyntheticControl):
a repeated donor is refused, never allowed to count twice in the placebo p-value."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import aidwatch
from aidwatch.errors import InputError
from aidwatch.evaluate import parse_donors
from aidwatch.evaluate.battery import run_battery
from aidwatch.evaluate.synth import SyntheticControl


def test_parse_donors_reads_a_comma_list_or_a_sequence_once_each():
    assert parse_donors("COL, PER,BRA") == ["COL", "PER", "BRA"]
    assert parse_donors(["COL", "PER"]) == ["COL", "PER"]
    assert parse_donors(None) is None
    assert parse_donors([]) == []


@pytest.mark.parametrize("donors", ["COL,COL,COL", ["COL", "PER", "COL"], ("a", "a")])
def test_repeated_donors_are_refused_with_their_count(donors):
    with pytest.raises(InputError, match=r"repeated: (COL|a) \((3|2) times\)"):
        parse_donors(donors)


@pytest.mark.parametrize("donors", ["", " , ", "COL,,PER", "COL,"])
def test_an_empty_donor_entry_is_refused(donors):
    with pytest.raises(InputError, match="empty"):
        parse_donors(donors, "--donors")


def test_synthetic_control_refuses_repeated_donors_before_fitting():
    rng = np.random.default_rng(0)
    df = pd.DataFrame([{"unit": f"u{u}", "time": t, "y": float(t - 2000 + u + rng.normal())}
                       for u in range(4) for t in range(2000, 2010)])
    with pytest.raises(InputError, match="u1 \\(2 times\\)"):
        SyntheticControl("y", treated="u0", treatment_time=2006, donors=["u1", "u1", "u2"])
    sc = SyntheticControl("y", treated="u0", treatment_time=2006, donors=["u1", "u2"]).fit(df)
    assert list(sc.weights.index) == ["u1", "u2"]


def test_run_battery_refuses_repeated_donors(db_path):
    with aidwatch.open_store(db_path) as s:
        with pytest.raises(InputError, match="--donors: each donor may appear once"):
            run_battery(s, method="synth", donors=["COL", "COL", "COL"], n_jobs=1)


def test_evaluate_cli_repeated_donors_exit_2_instead_of_a_lower_p_value(run_cli, db_path):
    code, out, err = run_cli(db_path, "evaluate", "--method", "synth", "--donors",
                             "COL,COL,COL", "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: --donors: each donor may appear once; repeated: COL (3 times)")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    # the single donor gives the same answer as before: not estimable, with no p-value
    code, out, _ = run_cli(db_path, "evaluate", "--method", "synth", "--donors", "COL",
                           "--json")
    assert code == 0
    (est,) = json.loads(out)
    assert est["status"] != "ok" and est.get("p_value") is None


def test_battery_donor_codes_are_iso3_whatever_their_case_and_repeats_count_so():
    from aidwatch.evaluate.battery import iso3

    assert parse_donors("col, Per", "--donors", normalize=iso3) == ["COL", "PER"]
    with pytest.raises(InputError, match=r"repeated: COL \(2 times\)"):
        parse_donors(["col", "COL"], "--donors", normalize=iso3)


def test_run_battery_reads_lower_case_donors_and_refuses_case_repeats(db_path):
    with aidwatch.open_store(db_path) as s:
        with pytest.raises(InputError, match="repeated: COL"):
            run_battery(s, method="synth", donors="col,COL", n_jobs=1)
        lower = run_battery(s, method="synth", donors="col,per,bra", n_jobs=1).estimates
        upper = run_battery(s, method="synth", donors=["COL", "PER", "BRA"], n_jobs=1).estimates
    assert lower[0].to_dict() == upper[0].to_dict()
