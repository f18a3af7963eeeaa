"""The store file and the paths users give: quoting, damaged stores, odd --db values, the write
path, filesystem errors and options that used to accept nonsense (issue 12, items 8, 10, 11,
14, 21, 22, 24)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from data.helpers import append_line, copy_data  # tests/data (pytest puts tests/ on the path)

import aidwatch
from aidwatch import store as store_mod
from aidwatch.errors import AidWatchWarning, InputError, StoreError
from aidwatch.store import SCHEMA_VERSION, write_snapshot
from aidwatch.validate import load_evidence

READ_ONLY_FS = Path("/proc/aidwatch-test")  # nothing can be created under /proc, even as root


def one_line_error(err: str) -> bool:
    lines = [x for x in err.splitlines() if x.strip()]
    return bool(lines) and lines[-1].startswith("error: ") and "Traceback" not in err


def add_refresh_snapshot(path: Path, snapshot_id: str = "2026-01-01T0000-refresh-x") -> None:
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO snapshots VALUES (?, TIMESTAMP '2099-01-01', 'refresh', NULL, "
                "'h', '0', '{}', '')", [snapshot_id])
    con.close()


# -- paths are bound or quoted, never pasted into SQL (item 11) ------------------------------
def test_store_path_with_an_apostrophe_builds_rebuilds_and_exports(tmp_path, run_cli):
    home = tmp_path / "o'brien"
    home.mkdir()
    data = copy_data(tmp_path)
    path = home / "aidwatch.duckdb"
    aidwatch.open_store(path, data_dir=data).close()
    add_refresh_snapshot(path)
    append_line(data / "obs_prices_fx.csv",
                "fx.mxn_per_usd.annual,US,2026,18.5,final,frb-h10-annual,")
    with aidwatch.open_store(path, data_dir=data) as s:  # the rebuild ATTACHes the old file
        assert s.snapshots()["kind"].tolist().count("refresh") == 1
    out_dir = home / "it's exported"
    code, out, err = run_cli(home / "cli.duckdb", "data", "export", "--out", str(out_dir))
    assert code == 0, err
    assert (out_dir / "observations.csv").stat().st_size > 0


def test_export_prints_paths_literally(run_cli, db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(db_path, "data", "export", "--out", "[draft]exp")
    assert code == 0, err
    assert "[draft]exp" in err and "[draft]exp/observations.csv" in out
    assert (tmp_path / "[draft]exp" / "observations.csv").exists()


# -- odd --db values (items 10, 22) -----------------------------------------------------------
def test_db_that_is_a_folder_is_an_input_error_with_a_fitting_hint(run_cli, tmp_path):
    code, _, err = run_cli(tmp_path, "data", "list")
    assert code == 2 and one_line_error(err) and "is a folder" in err and "delete" not in err


def test_db_under_a_file_is_an_input_error(run_cli, tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    code, _, err = run_cli(tmp_path / "notes.txt" / "s.duckdb", "data", "list")
    assert code == 2 and one_line_error(err) and "is a file, not a folder" in err


def test_db_in_a_folder_that_cannot_be_created_is_one_line(run_cli):
    code, _, err = run_cli(READ_ONLY_FS / "s.duckdb", "data", "list")
    assert code == 2 and one_line_error(err) and "cannot create the store" in err


def test_unwritable_aidwatch_home_is_one_line(tmp_path):
    env = {**os.environ, "AIDWATCH_HOME": str(READ_ONLY_FS / "home")}
    env.pop("AIDWATCH_DB", None)
    r = subprocess.run([sys.executable, "-c", "from aidwatch.cli import main; main()",
                        "data", "list"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and one_line_error(r.stderr) and "AIDWATCH_HOME" in r.stderr


def test_a_sqlite_file_as_db_is_refused_without_loading_an_extension(run_cli, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # where DuckDB would install one
    lite = tmp_path / "data.db"
    con = sqlite3.connect(lite)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    before = lite.read_bytes()
    code, _, err = run_cli(lite, "data", "list")
    assert code == 2 and one_line_error(err) and "SQLite" in err
    assert lite.read_bytes() == before
    assert not (tmp_path / "home" / ".duckdb").exists()


def test_random_bytes_are_not_a_store_and_are_never_touched(run_cli, tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(os.urandom(50_000))
    before = junk.read_bytes()
    code, _, err = run_cli(junk, "data", "list")
    assert code == 2 and "not an AidWatch store" in err and junk.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "junk.duckdb"] or \
        sorted(p.name for p in tmp_path.iterdir()) == ["junk.duckdb"]


# -- damaged stores (item 10) -----------------------------------------------------------------
def test_truncated_store_is_named_damaged_kept_aside_and_rebuilt(run_cli, tmp_path):
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path).close()
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)
    damaged = path.read_bytes()
    code, out, err = run_cli(path, "data", "list", "--json")
    assert code == 0, err
    assert "warning: the store" in err and "damaged" in err and "kept as" in err
    kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged  # every byte kept
    assert len(json.loads(out)) > 40
    code, _, err = run_cli(path, "data", "list", "--json")  # and it stays repaired
    assert code == 0 and "warning" not in err


def test_damaged_store_warning_reaches_python_callers(tmp_path):
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path).close()
    with open(path, "r+b") as fh:
        fh.truncate(20_000)
    with pytest.warns(AidWatchWarning, match="damaged"):
        aidwatch.open_store(path).close()


def test_empty_database_left_by_an_interrupted_write_is_rebuilt(run_cli, tmp_path):
    path = tmp_path / "s.duckdb"
    duckdb.connect(str(path)).close()  # what the old write path left behind
    code, out, err = run_cli(path, "sources", "--json")
    assert code == 0, err
    assert json.loads(out)


def test_old_layout_with_refresh_snapshots_is_kept_when_they_cannot_be_carried(tmp_path):
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path).close()
    add_refresh_snapshot(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    with pytest.warns(AidWatchWarning, match="1 refresh snapshot"):
        aidwatch.open_store(path).close()
    kept = [p for p in tmp_path.iterdir() if ".schema1-" in p.name]
    assert len(kept) == 1
    con = duckdb.connect(str(kept[0]), read_only=True)
    assert con.execute("SELECT count(*) FROM snapshots WHERE kind = 'refresh'").fetchone() == (1,)
    con.close()
    with aidwatch.open_store(path) as s:
        assert s.snapshots()["kind"].tolist() == ["embedded"]
    assert str(SCHEMA_VERSION) != "1"


# -- the write path never creates a store (item 14) -------------------------------------------
def test_write_path_never_creates_a_store_that_was_deleted(tmp_path):
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path).close()
    base, _ = load_evidence(aidwatch.settings.DATA_DIR)
    path.unlink()
    with pytest.raises(StoreError, match="is gone"):
        write_snapshot(path, base, "2026-12-02T0000", "refresh", "d")
    assert not path.exists() and not path.with_name(path.name + ".wal").exists()


def test_write_path_removes_the_database_duckdb_creates_in_a_race(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path).close()
    base, _ = load_evidence(aidwatch.settings.DATA_DIR)
    real = store_mod.connect

    def delete_then_connect(p, **kw):  # the store vanishes between the check and the open
        Path(p).unlink()
        return real(p, **kw)

    monkeypatch.setattr(store_mod, "connect", delete_then_connect)
    with pytest.raises(StoreError, match="is gone"):
        write_snapshot(path, base, "2026-12-02T0000", "refresh", "d")
    assert not path.exists()


def test_write_path_refuses_a_database_that_is_not_a_store(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    base, _ = load_evidence(aidwatch.settings.DATA_DIR)
    with pytest.raises(InputError, match="not an AidWatch store"):
        write_snapshot(path, base, "2026-12-02T0000", "refresh", "d")
    assert duckdb.connect(str(path)).execute("SELECT * FROM t").fetchall() == [(1,)]


# -- filesystem errors are one line (item 10) -------------------------------------------------
def test_export_into_an_unwritable_place_is_one_line(run_cli, db_path, tmp_path):
    code, _, err = run_cli(db_path, "data", "export", "--out", str(READ_ONLY_FS / "exp"))
    assert code == 2 and one_line_error(err)
    (tmp_path / "f").write_text("x", encoding="utf-8")
    code, _, err = run_cli(db_path, "data", "export", "--out", str(tmp_path / "f"))
    assert code == 2 and one_line_error(err) and "not a directory" in err


def test_validate_data_dir_that_is_a_file_is_one_line(run_cli, db_path, tmp_path):
    (tmp_path / "f.csv").write_text("x\n", encoding="utf-8")
    code, _, err = run_cli(db_path, "data", "validate", "--data-dir", str(tmp_path / "f.csv"))
    assert code == 2 and one_line_error(err) and "not a folder" in err
    code, _, err = run_cli(db_path, "data", "validate", "--data-dir", str(tmp_path / "none"))
    assert code == 2 and one_line_error(err) and "no such folder" in err


def test_evaluate_plot_that_is_a_file_is_one_line(run_cli, db_path, tmp_path):
    (tmp_path / "plot.png").write_bytes(b"x")
    code, _, err = run_cli(db_path, "evaluate", "--plot", str(tmp_path / "plot.png"))
    assert code == 2 and one_line_error(err) and "--plot" in err


def test_report_out_where_brief_html_is_a_folder_is_one_line(run_cli, db_path, tmp_path):
    (tmp_path / "b" / "brief.html").mkdir(parents=True)
    code, _, err = run_cli(db_path, "report", "--out", str(tmp_path / "b"), "--format", "html")
    assert code == 2 and one_line_error(err) and "brief.html" in err


# -- options that accepted nonsense (item 21) -------------------------------------------------
@pytest.mark.parametrize("args, needle", [
    (("events", "--from", "garbage"), "not a year or a date"),
    (("events", "--from", "2024-02-31"), "not a year or a date"),
    (("events", "--to", "2024-13"), "not a year or a date"),
    (("events", "--kind", "nonsense"), "use one of"),
    (("data", "list", "--kind", "nonsense"), "use one of funding, observation, panel"),
    (("events", "--snapshot", "%"), "unknown snapshot"),
    (("data", "list", "--snapshot", "_mbedded%"), "unknown snapshot"),
])
def test_options_that_accepted_nonsense_exit_2_with_the_valid_choices(run_cli, db_path, args,
                                                                      needle):
    code, out, err = run_cli(db_path, *args)
    assert code == 2 and needle in err and one_line_error(err) and out == ""


def test_evaluate_at_zero_is_refused_not_ignored(run_cli, db_path):
    code, _, err = run_cli(db_path, "evaluate", "--at", "0")
    assert code == 2 and "--at" in err


def test_events_accept_years_months_and_dates(run_cli, db_path):
    for args in (("--from", "2019"), ("--from", "2019-07"), ("--from", "2019-07-01",
                                                             "--to", "2019-07")):
        code, out, err = run_cli(db_path, "events", *args, "--json")
        assert code == 0, err
        rows = json.loads(out)
        assert rows and all(r["date"] >= "2019" for r in rows)
    code, out, _ = run_cli(db_path, "events", "--from", "2019-07-01", "--to", "2019-07",
                           "--json")
    assert all(r["date"][:7] == "2019-07" for r in json.loads(out))
    code, out, _ = run_cli(db_path, "events", "--kind", "arrest", "--json")
    assert code == 0 and {r["kind"] for r in json.loads(out)} == {"arrest"}


def test_snapshot_prefix_still_selects_a_snapshot(run_cli, db_path):
    code, out, err = run_cli(db_path, "events", "--snapshot", "embedded", "--json")
    assert code == 0, err


# -- data show lists the sources of the rows shown (item 24) ----------------------------------
def test_funding_table_lists_only_the_sources_of_the_rows_shown(run_cli, db_path):
    code, out, err = run_cli(db_path, "data", "show", "us.aid.mexico", "--from", "FY2030")
    assert code == 0, err
    assert "Source:" not in out and "Snapshot" in out
    code, out, _ = run_cli(db_path, "data", "show", "us.aid.mexico", "--from", "FY2020",
                           "--to", "FY2020", "--json")
    shown = {r["source_id"] for r in json.loads(out)}
    code, out, _ = run_cli(db_path, "data", "show", "us.aid.mexico", "--from", "FY2020",
                           "--to", "FY2020")
    assert out.count("Source:") == len(shown) > 0


def test_a_break_at_the_first_year_says_why_instead_of_contradicting_itself(run_cli, db_path):
    code, out, err = run_cli(db_path, "evaluate", "--method", "its", "--outcome",
                             "mx.homicides.rate_per_100k", "--at", "1990", "--json")
    assert code == 0, err
    readings = [e["reading"] for e in json.loads(out)]
    assert readings and all("no data before it" in r and "outside" not in r for r in readings)


def test_damage_found_mid_command_is_one_line_naming_the_store(run_cli, db_path, monkeypatch):
    def broken(self, ids=None):
        raise duckdb.IOException("IO Error: Corrupt database file: computed checksum does "
                                 "not match stored checksum in block 7")

    monkeypatch.setattr(store_mod.Store, "sources", broken)
    code, out, err = run_cli(db_path, "sources")
    assert code == 1 and one_line_error(err) and "damaged" in err and out == ""
