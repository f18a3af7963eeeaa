"""Vintages: a period may hold several published values; `--as-of` and `data vintages`."""

from __future__ import annotations

import json


def test_as_of_returns_the_series_as_published_on_that_date(store):
    before = store.series("mx.homicides.inegi.count", as_of="2000-01-01")
    assert before.empty  # nothing with a known publication date that early
    vintages = store.vintages("mx.homicides.inegi.count")
    dated = [p for p in vintages["published"] if p]
    assert dated, "the INEGI count carries dated preliminary vintages"
    first = min(dated)
    df = store.series("mx.homicides.inegi.count", as_of=first if len(first) == 10
                      else first + "-28")
    assert not df.empty and (df["published"] <= first + "-31").all()
    assert set(df["status"]) <= {"preliminary", "provisional", "predicted", "final", "estimate"}


def test_current_values_prefer_final_figures_over_dated_preliminary_vintages(store):
    df = store.series("mx.homicides.inegi.count", start="2023", end="2023")
    assert df["status"].tolist() == ["final"] and df["value"].tolist() == [32252]


def test_data_vintages_lists_publication_dates(run_cli, db_path):
    code, out, err = run_cli(db_path, "data", "vintages", "mx.homicides.inegi.count", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert {"published", "n_values", "first_period", "last_period", "statuses",
            "sources"} <= set(rows[0])
    assert any(r["published"] == "" for r in rows)  # the current (undated) file


def test_as_of_must_be_a_date(run_cli, db_path):
    code, out, err = run_cli(db_path, "data", "show", "mx.homicides.inegi.count",
                             "--as-of", "2023-13-01")
    assert code == 2 and "not a date" in err and "Traceback" not in err


def test_period_bounds_of_a_12_month_ending_series_use_its_own_periods(store):
    df = store.series("us.overdose_deaths.provisional_12m", start="2021-12", end="2021-12")
    assert df["period"].tolist() == ["2021-12"]
    assert store.series("us.overdose_deaths.provisional_12m", start="2021-01",
                        end="2021-03").empty


def test_data_list_counts_one_value_per_period_whatever_its_vintages(store):
    listed = store.list_series().set_index("id")
    periods = store.series("mx.homicides.inegi.count")["period"]
    assert listed.loc["mx.homicides.inegi.count", "n_obs"] == periods.nunique()


def test_funding_series_have_no_vintages_or_as_of(run_cli, db_path):
    for args in (("data", "vintages", "us.aid.mexico"),
                 ("data", "show", "us.aid.mexico", "--as-of", "2020-01-01")):
        code, out, err = run_cli(db_path, *args)
        assert code == 2 and "funding" in err and "Traceback" not in err
