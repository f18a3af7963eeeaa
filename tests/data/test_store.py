"""The DuckDB store: atomic, idempotent builds; reads; read-only SQL; known values."""

from __future__ import annotations

import duckdb
import pytest

import aidwatch
from aidwatch import store as store_mod
from aidwatch.errors import (
    DataValidationError,
    InputError,
    SQLError,
    StoreError,
    UnknownSeriesError,
)
from aidwatch.money import funding_table, fx_rate

from .helpers import append_line, copy_data


def test_open_store_builds_once_and_reuses_the_file(tmp_path):
    path = tmp_path / "s.duckdb"
    with aidwatch.open_store(path) as s:
        first = s.snapshot.snapshot_id
    mtime = path.stat().st_mtime_ns
    with aidwatch.open_store(path) as s:
        assert s.snapshot.snapshot_id == first
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == ["s.duckdb"]


def test_store_is_rebuilt_when_the_data_change(tmp_path):
    data = copy_data(tmp_path)
    path = tmp_path / "s.duckdb"
    with aidwatch.open_store(path, data_dir=data) as s:
        before = s.snapshot.snapshot_id
    append_line(data / "obs_prices_fx.csv",
                "fx.mxn_per_usd.annual,US,2026,18.5,final,frb-h10-annual,")
    with aidwatch.open_store(path, data_dir=data) as s:
        assert s.snapshot.snapshot_id != before
        assert "2026" in s.series("fx.mxn_per_usd.annual")["period"].tolist()


def test_invalid_data_never_replaces_a_good_store(tmp_path):
    data = copy_data(tmp_path)
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path, data_dir=data).close()
    good = path.read_bytes()
    append_line(data / "obs_prices_fx.csv", "fx.mxn_per_usd.annual,US,1994,3.4,final,,")
    with pytest.raises(DataValidationError) as err:
        aidwatch.open_store(path, data_dir=data)
    assert "obs_prices_fx.csv" in str(err.value)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "s.duckdb"]


def test_a_build_that_fails_midway_leaves_no_half_written_store(tmp_path, monkeypatch):
    data = copy_data(tmp_path)
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path, data_dir=data).close()
    good = path.read_bytes()
    append_line(data / "obs_prices_fx.csv",
                "fx.mxn_per_usd.annual,US,2026,18.5,final,frb-h10-annual,")

    def explode(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(store_mod, "insert_snapshot", explode)
    with pytest.raises(StoreError, match="simulated"):
        aidwatch.open_store(path, data_dir=data)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "s.duckdb"]


def test_rebuild_keeps_snapshots_added_by_refreshes(tmp_path):
    data = copy_data(tmp_path)
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path, data_dir=data).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO snapshots VALUES ('2026-01-01T0000-refresh-x', "
                "TIMESTAMP '2099-01-01', 'refresh', NULL, 'h', '0', '{}', '')")
    con.execute("INSERT INTO observations SELECT '2026-01-01T0000-refresh-x', series_id, geo, "
                "period, period_start, value, status, source_id, note, published, period_end, "
                "period_kind FROM observations")
    con.close()
    append_line(data / "obs_prices_fx.csv",
                "fx.mxn_per_usd.annual,US,2026,18.5,final,frb-h10-annual,")
    with aidwatch.open_store(path, data_dir=data) as s:
        kinds = s.snapshots()["kind"].tolist()
        assert kinds.count("refresh") == 1 and kinds.count("embedded") == 1


def test_series_returns_period_value_status_source(store):
    df = store.series("us.overdose_deaths.total")
    assert list(df.columns[:4]) == ["period", "value", "status", "source_id"]
    values = dict(zip(df["period"], df["value"], strict=True))
    assert values["2021"] == 106699 and values["2022"] == 107941 and values["2023"] == 105007
    # NIDA's 2008 total equals the figure CDC's MMWR printed (cross-check between sources)
    assert values["2008"] == 36450


def test_series_filters_by_geo_and_period(store):
    df = store.series("intl.homicides.rate_per_100k", geo="COL", start="2000", end="2005")
    assert df["period"].tolist() == [str(y) for y in range(2000, 2006)]
    with pytest.raises(InputError, match="no geography 'XXX'"):
        store.series("intl.homicides.rate_per_100k", geo="XXX")
    with pytest.raises(InputError, match="not a valid monthly period"):
        store.series("mx.homicide_victims.sesnsp.monthly", start="2019")


def test_unknown_series_suggests_the_closest_ids(store):
    with pytest.raises(UnknownSeriesError) as err:
        store.series("mx.homicide.rate_per_100k")
    assert "mx.homicides.rate_per_100k" in err.value.suggestions


def test_sesnsp_national_series_is_the_sum_of_states(store):
    nat = store.series("mx.homicide_victims.sesnsp.monthly").set_index("period")["value"]
    states = store.series("mx.homicide_victims.by_state_month")
    by_month = states.groupby("period")["value"].sum()
    assert (nat == by_month.loc[nat.index]).all()
    assert states["geo"].nunique() == 32


def test_comparison_pool_has_15_countries_over_1995_2020(store):
    df = store.series("intl.homicides.rate_per_100k")
    window = df[df["period"].astype(int).between(1995, 2020)]
    lac = window[~window["geo"].isin(["USA", "CAN"])]
    complete = lac.groupby("geo")["period"].nunique()
    assert (complete >= 20).sum() >= 15


def test_cpi_and_constant_dollars(store):
    cpi = store.series("us.cpi_u.annual").set_index("period")["value"]
    assert cpi["2024"] == pytest.approx(313.689)
    assert cpi["2013"] == pytest.approx(232.957)
    table = funding_table(store, "us.aid.mexico.total", stage="obligated", constant_dollars=2024,
                          start="2010", end="2010")
    row = table.iloc[0]
    assert row["amount_usd_2024"] == pytest.approx(row["amount_usd"] * cpi["2024"] / cpi["2010"])


def test_funding_lines_are_never_summed_across_documents(store):
    table = funding_table(store, "us.aid.mexico.merida", by="account", stage="appropriated",
                          start="2009", end="2009")
    supplemental = table[table["vehicle"].str.startswith("FY2009 supplemental")
                         & table["source_id"].str.startswith("u-s-embassy")]
    row = supplemental.iloc[0]
    assert (row["FMF"], row["INCLE"], row["all"]) == (260e6, 160e6, 420e6)
    with pytest.raises(InputError, match="not a funding dimension"):
        funding_table(store, "us.aid.mexico", by="colour")


def test_cumulative_merida_figure_is_available_on_request(store):
    lines = store.funding("us.aid.mexico.merida", include_cumulative=True)
    cumulative = lines[(lines["fy_start"] == 2008) & (lines["fy_end"] == 2021)]
    assert 3.5e9 in cumulative["amount_usd"].tolist()
    assert store.funding("us.aid.mexico.merida")["fy_start"].eq(
        store.funding("us.aid.mexico.merida")["fy_end"]).all()


def test_fx_rate(store):
    rate, series_id = fx_rate(store, "BRL", 2023)
    assert series_id == "fx.brl_per_usd.annual" and 4 < rate < 6
    with pytest.raises(InputError):
        fx_rate(store, "EUR", 2023)


def test_events_have_precision_and_sources(store):
    df = store.events("2020", "2024")
    assert len(df) >= 10
    cienfuegos = df[df["title"].str.contains("Cienfuegos") & (df["kind"] == "arrest")]
    assert cienfuegos["date"].iloc[0] == "2020-10-15"
    assert set(df["precision"]) <= {"day", "month", "year"}
    assert len(store.events()) >= 25


def test_sql_is_read_only_and_errors_are_one_line(db_path):
    with aidwatch.open_store(db_path, allow_files=False) as s:
        assert s.sql("select count(*) n from current_series")["n"].iloc[0] >= 40
        for query in ("delete from observations", "create table x(a int)",
                      "copy observations to '/tmp/aidwatch-leak.csv'",
                      "select * from read_csv('/etc/passwd')", "selec 1"):
            with pytest.raises(SQLError) as err:
                s.sql(query)
            assert "\n" not in err.value.message


def test_unknown_snapshot_is_an_input_error(db_path):
    with pytest.raises(InputError, match="unknown snapshot"):
        aidwatch.open_store(db_path, snapshot="nope")


def test_a_file_that_is_not_an_aidwatch_store_is_never_overwritten(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("my notes, not a database\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an AidWatch store"):
        aidwatch.open_store(path)
    assert path.read_text(encoding="utf-8") == "my notes, not a database\n"
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    with pytest.raises(InputError, match="not an AidWatch store"):
        aidwatch.open_store(other)
    assert duckdb.connect(str(other)).execute("SELECT a FROM t").fetchall() == [(1,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.duckdb", "other.duckdb"]
