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
