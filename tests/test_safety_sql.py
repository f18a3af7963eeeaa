"""`aidwatch sql`: types, literal printing, one statement, time limit, row cap, Ctrl-C
(issue 12, items 8 and 9)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aidwatch.errors import SQLError

HUGE = "select sum(x) from range(1000000000000) t(x)"
SLOW_STREAM = "select x from range(1000000000000) t(x) where x = -1"


def test_sql_json_serialises_intervals_blobs_uuids_and_times(run_cli, db_path):
    code, out, err = run_cli(db_path, "sql", "select interval 3 day AS i, 'ab'::blob AS b, "
                             "uuid() AS u, time '12:00' AS t", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["i"] == "P3D" and row["b"] == "YWI=" and len(row["u"]) == 36
    assert row["t"] == "12:00:00"


def test_sql_division_by_zero_is_null_in_json_and_inf_in_the_table(run_cli, db_path):
    code, out, _ = run_cli(db_path, "sql", "select 1.0/0.0 AS x", "--json")
    assert code == 0 and json.loads(out) == [{"x": None}] and "Infinity" not in out
    code, out, _ = run_cli(db_path, "sql", "select 1.0/0.0 AS x")
    assert code == 0 and "inf" in out


def test_sql_prints_cell_values_literally_not_as_markup(run_cli, db_path):
    code, out, err = run_cli(db_path, "sql",
                             "select '[/]' AS a, '[bold]hi[/bold]' AS b, '[red]x' AS c")
    assert code == 0, err
    assert "[/]" in out and "[bold]hi[/bold]" in out and "[red]x" in out


def test_sql_prints_integers_as_stored_without_separators(run_cli, db_path):
    code, out, _ = run_cli(db_path, "sql", "select 2021 AS y, 1234567 AS n")
    assert code == 0 and "2021" in out and "2,021" not in out and "1234567" in out


@pytest.mark.parametrize("query", ["", ";", "  ;  ", "/* nothing */"])
def test_sql_empty_query_is_a_one_line_input_error(run_cli, db_path, query):
    code, out, err = run_cli(db_path, "sql", query)
    assert code == 2 and "empty query" in err and "Traceback" not in err and out == ""


def test_sql_refuses_several_statements_instead_of_showing_the_last(run_cli, db_path):
    code, out, err = run_cli(db_path, "sql", "select 1; select 2")
    assert code == 2 and "2 statements" in err and out == ""


def test_sql_stops_at_the_time_limit_with_one_line(run_cli, db_path):
    started = time.perf_counter()
    code, _, err = run_cli(db_path, "sql", HUGE, "--timeout", "0.5")
    assert code == 2 and "time limit" in err and "Traceback" not in err
    assert time.perf_counter() - started < 10
    # a query that streams (nothing yet to fetch) is stopped too
    code, _, err = run_cli(db_path, "sql", SLOW_STREAM, "--timeout", "0.5")
    assert code == 2 and "time limit" in err


def test_sql_time_limit_applies_to_the_python_api(store):
    with pytest.raises(SQLError, match="time limit"):
        store.sql(HUGE, timeout=0.3)
    assert store.sql("select 42 AS n")["n"].iloc[0] == 42  # the connection is still usable


def test_sql_caps_the_rows_shown_and_says_so(run_cli, db_path):
    code, out, err = run_cli(db_path, "sql", "select * from range(50) t(x)", "--max-rows", "7")
    assert code == 0 and "stopped at the --max-rows cap of 7" in err
    assert "│ 6 │" in out and "│ 7 │" not in out
    code, out, err = run_cli(db_path, "sql", "select * from range(50) t(x)", "--json",
                             "--max-rows", "7")
    assert code == 0 and len(json.loads(out)) == 7


def test_sql_json_without_a_cap_streams_every_row(run_cli, db_path):
    code, out, err = run_cli(db_path, "sql", "select * from range(25000) t(x)", "--json",
                             "--max-rows", "0")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 25000 and rows[-1] == {"x": 24999}


def test_sql_statement_without_rows_and_write_attempts(run_cli, db_path):
    code, _, err = run_cli(db_path, "sql", "create table t (x int)")
    assert code == 2 and "SQL rejected" in err
    code, _, err = run_cli(db_path, "sql", "copy (select 1) to '/tmp/aidwatch-x.csv'")
    assert code == 2 and not Path("/tmp/aidwatch-x.csv").exists()


@pytest.mark.parametrize("query", [HUGE, SLOW_STREAM])
def test_sql_ctrl_c_stops_the_query_with_one_line(db_path, query):
    """The real entry point in a subprocess, sent SIGINT as a terminal would."""
    env = {**os.environ, "COLUMNS": "120"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from aidwatch.cli import main; main()", "--db", str(db_path),
         "sql", query, "--timeout", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(2.5)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("Ctrl-C did not stop the query")
    assert proc.returncode == 130
    assert err.decode().strip() == "interrupted: the query was stopped"
