"""Validation of the evidence base: the shipped data, and every kind of broken input."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidwatch.errors import Problem
from aidwatch.model import UNITS, parse_period
from aidwatch.settings import DATA_DIR
from aidwatch.validate import SCHEMAS, load_evidence, parse_table, validate_data_dir

from .helpers import append_line, copy_data


def test_shipped_data_has_no_problems():
    assert validate_data_dir(DATA_DIR) == []


def test_every_shipped_row_names_a_source_with_url_and_retrieval_date():
    base, _ = load_evidence(DATA_DIR)
    sources = {s["source_id"]: s for s in base.rows("sources")}
    for kind in ("observations", "funding", "events"):
        for row in base.rows(kind):
            src = sources[row["source_id"]]
            assert urlparse(src["url"]).scheme in ("http", "https"), src
            assert src["retrieved"] and src["licence"] and src["publisher"]
    for s in base.rows("series"):
        assert s["unit"] in UNITS
        assert s["default_source_id"] in sources


def test_every_csv_has_a_source_column():
    for path in DATA_DIR.glob("*.csv"):
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert "source" in header, path.name


def test_statuses_label_provisional_predicted_and_preliminary_counts():
    base, _ = load_evidence(DATA_DIR)
    status = {}
    for r in base.rows("observations"):
        status.setdefault(r["series_id"], set()).add(r["status"])
    assert status["us.overdose_deaths.provisional_12m"] == {"provisional"}
    assert status["us.overdose_deaths.provisional_12m_predicted"] == {"predicted"}
    assert status["mx.homicides.inegi.count_preliminary"] == {"preliminary"}
    finals = [r for r in base.rows("observations")
              if r["series_id"] == "us.overdose_deaths.total" and r["period"] == "2023"]
    assert finals and finals[0]["status"] == "final" and finals[0]["value"] == 105007


def _problems(data: Path) -> list[Problem]:
    return validate_data_dir(data)


def _one(problems: list[Problem], file: str, field: str | None = None) -> Problem:
    matching = [p for p in problems if p.file == file and (field is None or p.field == field)]
    assert matching, problems
    return matching[0]


def test_duplicate_key_is_reported_with_both_locations(tmp_path):
    data = copy_data(tmp_path)
    path = data / "obs_prices_fx.csv"
    first = path.read_text(encoding="utf-8").splitlines()[1]
    line = append_line(path, first)
    p = _one(_problems(data), "obs_prices_fx.csv", "series_id,geo,period,published")
    assert p.line == line and "duplicate key" in p.message and "obs_prices_fx.csv:2" in p.message


def test_two_vintages_of_one_period_are_not_duplicates(tmp_path):
    data = copy_data(tmp_path)
    path = data / "obs_us_overdose_typed.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][-1] == "note"  # a file written before the published column
    rows[0].append("published")
    for r in rows[1:]:
        r.append("")
    first = next(r for r in rows if r[0] == "us.overdose_deaths.total" and r[2] == "2023")
    rows.append([*first[:3], "107543", "predicted", first[5], "first announced", "2024-05-15"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    assert _problems(data) == []


def test_unknown_dimension_code_is_reported(tmp_path):
    data = copy_data(tmp_path)
    path = data / "series.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    sex = rows[0].index("sex")
    rows[1][sex] = "women"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    p = _one(_problems(data), "series.csv", "sex")
    assert p.line == 2 and "unknown sex 'women'" in p.message


def test_unknown_unit_is_reported(tmp_path):
    data = copy_data(tmp_path)
    path = data / "series.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[1][2] = "per 100k"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    p = _one(_problems(data), "series.csv", "unit")
    assert p.line == 2 and "unknown unit 'per 100k'" in p.message


def test_value_without_source_is_reported(tmp_path):
    data = copy_data(tmp_path)
    line = append_line(data / "obs_prices_fx.csv", "fx.mxn_per_usd.annual,US,1994,3.4,final,,")
    p = _one(_problems(data), "obs_prices_fx.csv", "source_id")
    assert p.line == line and "empty" in p.message
    line = append_line(data / "obs_prices_fx.csv",
                       "fx.mxn_per_usd.annual,US,1992,3.1,final,nobody-said-so,")
    p = [x for x in _problems(data) if x.line == line][0]
    assert "without a known source" in p.message


def test_period_outside_series_range_is_reported(tmp_path):
    data = copy_data(tmp_path)
    line = append_line(data / "obs_prices_fx.csv",
                       "fx.mxn_per_usd.annual,US,1985,3.1,final,frb-h10-annual,")
    p = _one(_problems(data), "obs_prices_fx.csv", "period")
    assert p.line == line and "outside the series range 1993-2030" in p.message


def test_malformed_period_and_absurd_value_are_reported(tmp_path):
    data = copy_data(tmp_path)
    append_line(data / "obs_prices_fx.csv",
                "fx.mxn_per_usd.annual,US,2019-13,19.2,final,frb-h10-annual,")
    append_line(data / "obs_prices_fx.csv",
                "fx.brl_per_usd.annual,US,1994,5400,final,frb-h10-annual,")
    problems = _problems(data)
    assert any(p.field == "period" and "not a valid annual period" in p.message
               for p in problems)
    assert any(p.field == "value" and "plausible range" in p.message for p in problems)


def test_non_utf8_file_names_file_and_line(tmp_path):
    data = copy_data(tmp_path)
    path = data / "events.csv"
    raw = path.read_bytes().splitlines(keepends=True)
    raw[3] = raw[3].replace(b"a", "á".encode("latin-1"), 1)
    path.write_bytes(b"".join(raw))
    p = _one(_problems(data), "events.csv")
    assert p.line == 4 and "not UTF-8" in p.message


def test_changed_header_is_reported(tmp_path):
    data = copy_data(tmp_path)
    path = data / "funding_typed.csv"
    text = path.read_text(encoding="utf-8").replace("amount_usd", "amount", 1)
    path.write_text(text, encoding="utf-8")
    p = _one(_problems(data), "funding_typed.csv")
    assert p.line == 1 and "missing amount_usd" in p.message and "unexpected amount" in p.message


def test_row_with_wrong_field_count_and_bad_number(tmp_path):
    data = copy_data(tmp_path)
    short = append_line(data / "obs_prices_fx.csv", "fx.mxn_per_usd.annual,US,1994")
    bad = append_line(data / "obs_prices_fx.csv",
                      "fx.mxn_per_usd.annual,US,1995,abc,final,frb-h10-annual,")
    problems = _problems(data)
    assert any(p.line == short and "3 fields, expected 7" in p.message for p in problems)
    assert any(p.line == bad and p.field == "value" for p in problems)


def test_event_date_must_match_precision(tmp_path):
    data = copy_data(tmp_path)
    line = append_line(data / "events.csv",
                       "E999,2020-10,day,arrest,US;MX,Test,Test event.,frb-h10-annual")
    p = _one(_problems(data), "events.csv", "date")
    assert p.line == line and "does not match precision 'day'" in p.message


def test_unlisted_and_missing_resources_are_reported(tmp_path):
    data = copy_data(tmp_path)
    (data / "obs_extra.csv").write_text("x\n", encoding="utf-8")
    (data / "events.csv").unlink()
    problems = _problems(data)
    assert any(p.file == "obs_extra.csv" and "not listed" in p.message for p in problems)
    assert any(p.file == "events.csv" and "missing" in p.message for p in problems)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_parser_never_crashes_on_arbitrary_bytes(tmp_path_factory, payload):
    path = tmp_path_factory.mktemp("fuzz") / "obs_fuzz.csv"
    header = ",".join(f[0] for f in SCHEMAS["observations"]).encode()
    path.write_bytes(header + b"\n" + payload)
    problems: list[Problem] = []
    rows = parse_table(path, "observations", problems)
    for row in rows:
        assert isinstance(row["value"], float)
    for p in problems:
        assert p.file == "obs_fuzz.csv"


@given(st.integers(1900, 2100), st.integers(1, 12))
def test_period_round_trip(year, month):
    assert parse_period(f"{year}", "annual").year == year
    assert parse_period(f"{year}-{month:02d}", "monthly").month == month
    fy = parse_period(f"FY{year}", "fiscal_year")
    assert (fy.year, fy.month) == (year - 1, 10)


@pytest.mark.parametrize("text,freq", [("2019", "monthly"), ("FY19", "fiscal_year"),
                                       ("2019-00", "monthly"), ("19", "annual")])
def test_bad_periods_raise(text, freq):
    with pytest.raises(ValueError):
        parse_period(text, freq)


def test_unknown_geography_is_reported(tmp_path):
    data = copy_data(tmp_path)
    line = append_line(data / "obs_homicide_rates_wdi.csv",
                       "intl.homicides.rate_per_100k,ZZZ,2000,5,final,wb-wdi-homicides,")
    p = _one(_problems(data), "obs_homicide_rates_wdi.csv", "geo")
    assert p.line == line and "unknown geography 'ZZZ'" in p.message


def test_panel_geographies_have_names(store):
    names = store.geo_names()
    assert names["MX-09"] == "Ciudad de México" and names["COL"] == "Colombia"
    assert names["TX"] == "Texas"


def test_funding_selector_with_an_unknown_field_is_reported(tmp_path):
    data = copy_data(tmp_path)
    path = data / "series.csv"
    text = path.read_text(encoding="utf-8").replace("recipient=Mexico;source_id=",
                                                    "recipient=Mexico;sauce=", 1)
    path.write_text(text, encoding="utf-8")
    p = _one(_problems(data), "series.csv", "selector")
    assert "unknown funding field(s) sauce" in p.message
