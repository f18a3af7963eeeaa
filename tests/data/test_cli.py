"""The CLI: outputs, stable JSON keys, exports, and the error paths (one line, exit codes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
REGEN = os.environ.get("AIDWATCH_REGEN_GOLDEN") == "1"


def check_golden(name: str, payload) -> None:
    path = GOLDEN / name
    text = json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if REGEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == payload, (
        f"{name} changed; if intended, rerun with AIDWATCH_REGEN_GOLDEN=1 and review the diff")


def test_data_list_json_keys_and_series_are_stable(run_cli, db_path):
    code, out, _ = run_cli(db_path, "data", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    required = {"id", "name", "unit", "geo", "frequency", "first_period", "last_period",
                "sources"}
    assert all(required <= set(r) for r in rows)
    check_golden("data_list.json", [
        {k: r[k] for k in ("id", "unit", "geo", "frequency", "kind", "first_period",
                           "last_period")} for r in rows])


def test_data_show_json_one_object_per_observation(run_cli, db_path):
    code, out, _ = run_cli(db_path, "data", "show",
                       "mx.homicides.rate_per_100k", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {"period", "value", "status", "source_id"} <= set(rows[0])
    assert all(r["status"] in ("final", "provisional", "estimate") for r in rows)
    assert all(r["snapshot_id"].startswith("embedded-") for r in rows)
    # the snapshot id is a hash of the data files: pinned by shape, not by value
    check_golden("data_show_mx_homicides_rate.json",
                 [{k: v for k, v in r.items() if k != "snapshot_id"} for r in rows[:3] + rows[-3:]])


def test_data_show_table_has_sparkline_sources_and_snapshot(run_cli, db_path):
    code, out, _ = run_cli(db_path, "data", "show",
                       "mx.homicides.rate_per_100k")
    assert code == 0
    assert "Source: World Bank" in out and "Snapshot embedded-" in out
    assert any(ch in out for ch in "▁▂▃▄▅▆▇█")


def test_funding_by_account_in_constant_dollars(run_cli, db_path):
    code, out, _ = run_cli(db_path, "data", "show", "us.aid.mexico",
                       "--by", "account", "--constant-dollars", "2024", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {"fiscal_year", "stage", "source_id", "INCLE", "FMF", "all"} <= set(rows[0])
    code, out, _ = run_cli(db_path, "data", "show", "us.aid.mexico",
                       "--by", "account", "--constant-dollars", "2024", "--from", "2009",
                       "--to", "2009")
    assert "CPI-U annual average" in out and "FY2009" in out


def test_events_range_json(run_cli, db_path):
    code, out, _ = run_cli(db_path, "events", "--from", "2018", "--to",
                       "2024", "--json")
    rows = json.loads(out)
    assert code == 0 and rows
    assert all("2018" <= r["date"][:4] <= "2024" for r in rows)
    assert {"event_id", "date", "precision", "kind", "title", "source_id"} <= set(rows[0])


@pytest.mark.parametrize("fmt,suffix", [("csv", "csv"), ("parquet", "parquet"),
                                        ("datapackage", "csv")])
def test_export_formats(run_cli, db_path, tmp_path, fmt, suffix):
    out_dir = tmp_path / fmt
    code, _, err = run_cli(db_path, "data", "export", "--format", fmt,
                       "--out", str(out_dir))
    assert code == 0, err
    obs = out_dir / f"observations.{suffix}"
    reader = "read_parquet" if suffix == "parquet" else "read_csv"
    n = duckdb.sql(f"select count(*) from {reader}('{obs}')").fetchall()[0][0]
    assert n > 15000
    if fmt == "datapackage":
        package = json.loads((out_dir / "datapackage.json").read_text(encoding="utf-8"))
        assert {r["path"] for r in package["resources"]} >= {"observations.csv", "sources.csv"}
        assert "How to cite" in (out_dir / "README.md").read_text(encoding="utf-8")
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".export-")]


def test_exported_csv_validates_as_a_data_directory(run_cli, db_path, tmp_path):
    out_dir = tmp_path / "pkg"
    run_cli(db_path, "data", "export", "--format", "datapackage", "--out",
        str(out_dir))
    code, out, _ = run_cli(db_path, "data", "validate", "--data-dir",
                       str(out_dir))
    assert code == 0 and out.startswith("OK")


def test_sql_json_and_read_only(run_cli, db_path):
    code, out, _ = run_cli(db_path, "sql",
                       "select value from current_observations where series_id = "
                       "'us.overdose_deaths.total' and period = '2023'", "--json")
    assert code == 0 and json.loads(out) == [{"value": 105007.0}]
    code, out, err = run_cli(db_path, "sql", "drop table observations")
    assert code == 2 and err.startswith("error: SQL rejected") and len(err.splitlines()) <= 2


@pytest.mark.parametrize("args,needle", [
    (("data", "show", "mx.homicide.rate"), "did you mean mx.homicides.rate_per_100k"),
    (("data", "show", "us.aid.mexico", "--by", "colour"), "not a funding dimension"),
    (("data", "show", "mx.population", "--from", "FY"), "not a valid annual period"),
    (("data", "list", "--snapshot", "nope"), "unknown snapshot"),
    (("data", "export", "--format", "xlsx"), "unknown export format"),
    (("data", "show", "us.aid.mexico", "--stage", "spent"), "unknown funding stage 'spent'"),
    (("data", "show", "us.aid.mexico", "--constant-dollars", "1990"), "no CPI-U annual"),
])
def test_bad_input_is_one_line_exit_2(run_cli, db_path, args, needle):
    code, out, err = run_cli(db_path, *args)
    assert code == 2
    assert needle in err and "Traceback" not in err + out


def test_validate_reports_problems_and_exits_1(run_cli, db_path, tmp_path):
    from .helpers import append_line, copy_data
    data = copy_data(tmp_path)
    append_line(data / "obs_prices_fx.csv", "fx.mxn_per_usd.annual,US,1994,3.4,final,,")
    code, out, _ = run_cli(db_path, "data", "validate", "--data-dir",
                       str(data))
    assert code == 1 and "obs_prices_fx.csv:" in out and "[source_id]" in out


def test_installed_command_runs_without_traceback(db_path):
    exe = Path(sys.executable).with_name("aidwatch")
    result = subprocess.run([str(exe), "--db", str(db_path), "data", "show", "nope"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown series 'nope'")
    assert "Traceback" not in result.stderr
