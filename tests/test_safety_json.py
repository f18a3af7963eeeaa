"""One JSON encoder for every --json output and JSON Lines (issue 12, item 7)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidwatch.jsonout import dumps, jsonable


def strict_loads(text: str):
    """json.loads that rejects NaN/Infinity, which Python's parser accepts by default."""
    def refuse(name: str):
        raise ValueError(f"invalid JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def test_nan_and_infinity_become_null_at_any_depth():
    value = {"a": math.nan, "b": [math.inf, -math.inf, 1.5], "c": {"d": np.float64("nan")},
             "e": np.float32("inf"), "f": Decimal("NaN"), "g": pd.NA, "h": pd.NaT}
    assert strict_loads(dumps(value)) == {"a": None, "b": [None, None, 1.5], "c": {"d": None},
                                          "e": None, "f": None, "g": None, "h": None}


def test_every_type_duckdb_returns_is_serialisable():
    con = duckdb.connect()
    row = con.execute("""
        SELECT interval 3 day AS i, interval '1 hour 30 minutes' AS hm, 'ab'::blob AS b,
               uuid() AS u, time '12:00' AS t, '12:00:00+02'::timetz AS ttz,
               timestamptz '2020-01-01 00:00+00' AS tsz, 1.5::decimal(10,2) AS d,
               170141183460469231731687303715884105727::hugeint AS h, {'a': 1} AS s,
               map([1, 2], ['x', 'y']) AS m, [1.0, 'nan'::double] AS l, '101'::bit AS bit,
               date '2020-01-01' AS dt, 'a'::enum('a', 'b') AS e, [1, 2]::integer[2] AS arr,
               'infinity'::double AS inf""").fetchone()
    out = strict_loads(dumps(list(row)))
    assert out[0] == "P3D" and out[1] == "PT1H30M" and out[2] == "YWI="
    assert len(out[3]) == 36 and out[4] == "12:00:00" and out[5] == "12:00:00+02:00"
    assert out[6].startswith("2020-01-01T00:00:00") and out[7] == 1.5
    assert out[8] == 2**127 - 1 and out[9] == {"a": 1} and out[10] == {"1": "x", "2": "y"}
    assert out[11] == [1.0, None] and out[12] == "101" and out[13] == "2020-01-01"
    assert out[14] == "a" and out[15] == [1, 2] and out[16] is None


def test_pandas_and_numpy_scalars_and_dates_are_plain_json():
    assert jsonable(np.int64(7)) == 7 and jsonable(np.bool_(True)) is True
    assert jsonable(pd.Timestamp("2024-07-25")) == "2024-07-25T00:00:00"
    assert jsonable(pd.Timedelta(days=1, seconds=1)) == "P1DT1S"
    assert jsonable(timedelta(seconds=-0.5)) == "-PT0.5S"
    assert jsonable(datetime(2020, 1, 2, 3, 4)) == "2020-01-02T03:04:00"
    assert jsonable(date(2020, 1, 2)) == "2020-01-02" and jsonable(time(1, 2)) == "01:02:00"
    assert jsonable(np.array([1.0, np.nan])) == [1.0, None]


def test_check_json_lines_are_strict_json_for_zero_and_degenerate_amounts(run_cli, db_path,
                                                                          tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Brazil spent R$0 billion ($0 billion) on it. Overdose deaths reached "
                       "106,699 in 2021, and 1e400 is not a number anyone writes.\n",
                       encoding="utf-8")
    code, out, err = run_cli(db_path, "check", str(article), "--json")
    assert code == 0, err
    lines = out.splitlines()
    assert lines and all(isinstance(strict_loads(line), dict) for line in lines)
    assert "NaN" not in out and "Infinity" not in out


@pytest.mark.parametrize("args", [
    ("data", "list", "--json"), ("sources", "--json"), ("events", "--json"),
    ("snapshots", "--json"), ("data", "show", "mx.homicides.rate_per_100k", "--json"),
    ("data", "show", "us.aid.mexico", "--json"),
    ("sql", "select 'nan'::double AS n, 1.0/0.0 AS inf, [1.0, 'inf'::double] AS l", "--json"),
])
def test_every_json_command_writes_strict_json(run_cli, db_path, args):
    code, out, err = run_cli(db_path, *args)
    assert code == 0, err
    strict_loads(out)


_scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
            | st.decimals() | st.dates() | st.datetimes() | st.timedeltas()
            | st.binary(max_size=20))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4),
                       max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_any_nested_value_encodes_to_strict_json(value):
    strict_loads(dumps(value))
