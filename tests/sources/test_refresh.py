"""The full refresh path against the loopback server: snapshots, faults, diffs, rollback."""

from __future__ import annotations

import json
import re
import socket

import duckdb
import pytest

import aidwatch
from aidwatch.errors import StoreError
from aidwatch.sources import refresh
from aidwatch.store import diff_snapshots, list_snapshots

from .conftest import Reply, fixture_bytes


def snapshot_ids(db) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT snapshot_id FROM snapshots ORDER BY "
                                          "created_at").fetchall()]
    finally:
        con.close()


def table_counts(db) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("snapshots", "sources", "series", "observations", "funding",
                          "events", "geos")}
    finally:
        con.close()


def outcome(report, name):
    return next(o for o in report.outcomes if o.source == name)


def test_refresh_all_sources_writes_a_new_snapshot_and_keeps_the_embedded_one(
        recorded, client, fresh_db):
    before = snapshot_ids(fresh_db)
    report = refresh(db=fresh_db, client=client)
    assert report.failed == []
    assert set(report.landed) == {"cdc", "worldbank", "inegi", "sesnsp", "foreignassistance",
                                  "fred", "bls"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{6}-refresh-[0-9a-f]{8}", report.snapshot_id)
    assert snapshot_ids(fresh_db) == before + [report.snapshot_id]
    with aidwatch.open_store(fresh_db) as s:
        assert s.snapshot.snapshot_id == report.snapshot_id
        cdc = s.series("us.overdose_deaths.provisional_12m").set_index("period")
        assert cdc.loc["2022-12", "value"] == 109413
        assert cdc.loc["2022-12", "source_id"] == "cdc-vsrr-xkb8-kh2a"
        src = s.source("cdc-vsrr-xkb8-kh2a")
        assert src.url.startswith(recorded.url) and src.retrieved
        # a series the connector defines (the embedded data now ships it too; a definition
        # the snapshot lacks is added: test_refresh_carries_geographies_..., by_state)
        assert s.series_info("us.overdose_deaths.any_opioid.provisional_12m").unit == "deaths"
        assert s.funding("us.aid.mexico.total")["source_id"].unique().tolist() == [
            "fagov-country-summary"]
        hashes = list_snapshots(s).set_index("snapshot_id").loc[report.snapshot_id,
                                                                 "source_hashes"]
        assert set(hashes["cdc"]["payloads"].values()) == {
            __import__("hashlib").sha256(
                fixture_bytes("cdc/vsrr_rows_export_excerpt.csv")).hexdigest()}
    with aidwatch.open_store(fresh_db, snapshot=before[0]) as old:
        assert "us.overdose_deaths.provisional_12m.by_state" not in old.series_ids()


def test_refresh_keeps_history_outside_the_periods_a_source_covers(recorded, client, fresh_db):
    with aidwatch.open_store(fresh_db) as s:
        early = s.series("mx.homicides.rate_per_100k", start="1990", end="2000")
    refresh(["worldbank"], db=fresh_db, client=client)
    with aidwatch.open_store(fresh_db) as s:
        after = s.series("mx.homicides.rate_per_100k")
        assert after[after["period"] <= "2000"].reset_index(drop=True).equals(early)
        assert after.set_index("period").loc["2023", "source_id"] == "wb-api-homicides"


@pytest.mark.parametrize("fault, message", [
    (Reply(b"down", 500), "HTTP 500"),
    (Reply(b"", 503, {"Retry-After": "0"}), "HTTP 503"),
    (Reply(b"x" * 50, delay=0.9), "timed out"),
    (Reply(fixture_bytes("cdc/vsrr_rows_export_excerpt.csv"), truncate_at=700), "truncated"),
    (Reply(fixture_bytes("cdc/vsrr_rows_export_excerpt.csv").replace(b"Data Value",
                                                                      b"Value_", 1)),
     "columns changed: missing 'Data Value'"),
    (Reply(fixture_bytes("cdc/vsrr_rows_export_excerpt.csv").decode().replace(
        "Numbers may", "Números may").encode("latin-1")), "not utf-8"),
    (Reply(fixture_bytes("cdc/vsrr_rows_export_excerpt.csv")[:-120]), "truncated or malformed"),
])
def test_failing_source_is_skipped_and_the_others_land(recorded, client, fresh_db, fault,
                                                        message):
    recorded.route(r"^/cdc/", fault)
    report = refresh(["cdc", "worldbank"], db=fresh_db, client=client)
    cdc = outcome(report, "cdc")
    assert cdc.status == "failed"
    assert cdc.message.startswith("cdc: ") and message in cdc.message
    assert report.landed == ["worldbank"]
    with aidwatch.open_store(fresh_db) as s:
        assert s.snapshot.snapshot_id == report.snapshot_id
        assert "cdc-vsrr-xkb8-kh2a" not in set(s.sources()["source_id"])


def test_truncated_json_fails_the_source(recorded, client, fresh_db):
    body = fixture_bytes("worldbank/sp_pop_totl_usa_2022_2023.json")
    recorded.route(r"SP\.POP\.TOTL$", Reply(body[: len(body) // 2]))
    report = refresh(["worldbank"], db=fresh_db, client=client)
    assert "truncated JSON" in outcome(report, "worldbank").message
    assert report.snapshot_id is None


def test_429_with_retry_after_is_retried_and_lands(recorded, client, fresh_db):
    recorded.route(r"^/fred/", Reply(b"too many", 429, {"Retry-After": "0"}),
                   Reply(fixture_bytes("fred/AEXMXUS_annual_reshaped.json")),
                   Reply(fixture_bytes("fred/AEXBZUS_annual_reshaped.json")))
    report = refresh(["fred"], db=fresh_db, client=client)
    assert report.landed == ["fred"]
    assert len(recorded.hits(r"^/fred/")) == 3


def test_value_out_of_range_is_rejected_by_validation_and_names_the_source(
        recorded, client, fresh_db):
    payload = json.loads(fixture_bytes(
        "worldbank/vc_ihr_psrc_p5_mex_usa_2021_2024_reshaped.json"))
    payload[1][1]["value"] = 2500.0  # MEX 2023: not a homicide rate
    recorded.route(r"VC\.IHR\.PSRC\.P5$", Reply(json.dumps(payload).encode()))
    report = refresh(["worldbank", "fred"], db=fresh_db, client=client)
    wb = outcome(report, "worldbank")
    assert wb.status == "failed"
    assert "rejected by validation" in wb.message and "outside the plausible range" in \
        wb.message
    assert report.landed == ["fred"]
    with aidwatch.open_store(fresh_db) as s:
        assert s.series("mx.homicides.rate_per_100k")["value"].max() < 100


def test_fault_after_a_refresh_leaves_the_earlier_snapshot_intact(recorded, client, fresh_db):
    first = refresh(["cdc", "worldbank"], db=fresh_db, client=client)
    counts = table_counts(fresh_db)
    recorded.route(r"^/cdc/", Reply(b"", 500))
    recorded.route(r"^/worldbank/", Reply(b'[{"page": 1', 200))
    second = refresh(["cdc", "worldbank"], db=fresh_db, client=client)
    assert second.snapshot_id is None and set(second.failed) == {"cdc", "worldbank"}
    assert table_counts(fresh_db) == counts
    with aidwatch.open_store(fresh_db) as s:
        assert s.snapshot.snapshot_id == first.snapshot_id


def test_insert_failure_rolls_back_and_leaves_the_store_as_it_was(recorded, client, fresh_db,
                                                                  monkeypatch):
    counts = table_counts(fresh_db)
    import aidwatch.store as store_mod
    real = store_mod._frames

    def half_then_fail(base, snapshot_id):
        frames = real(base, snapshot_id)
        frames["events"] = frames["events"].assign(date=None, event_id=None)  # NOT NULL
        return frames

    monkeypatch.setattr(store_mod, "_frames", half_then_fail)
    with pytest.raises(StoreError, match="nothing was written"):
        refresh(["fred"], db=fresh_db, client=client)
    assert table_counts(fresh_db) == counts


def test_dry_run_fetches_and_validates_but_writes_nothing(recorded, client, fresh_db):
    counts = table_counts(fresh_db)
    report = refresh(["worldbank"], db=fresh_db, client=client, dry_run=True)
    assert report.landed == ["worldbank"] and report.snapshot_id is None
    assert report.summary["revised"] >= 1
    assert table_counts(fresh_db) == counts


def test_offline_reports_one_line_per_source_and_the_store_keeps_working(server, client,
                                                                         fresh_db,
                                                                         monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    for name in ("CDC", "WORLDBANK", "FOREIGNASSISTANCE"):
        monkeypatch.setenv(f"AIDWATCH_{name}_BASE_URL", dead)
    report = refresh(["cdc", "worldbank", "foreignassistance"], db=fresh_db, client=client)
    assert [o.status for o in report.outcomes] == ["offline"] * 3
    for o in report.outcomes:
        assert "\n" not in o.line() and "cannot reach" in o.line()
    with aidwatch.open_store(fresh_db) as s:
        assert s.snapshot.kind == "embedded"
        assert len(s.series("us.overdose_deaths.total")) > 20


def test_missing_keys_skip_the_source_with_one_line(server, client, fresh_db):
    report = refresh(["fred", "sesnsp"], db=fresh_db, client=client)
    assert [o.status for o in report.outcomes] == ["skipped", "skipped"]
    assert "AIDWATCH_FRED_API_KEY" in outcome(report, "fred").line()
    assert "AIDWATCH_SESNSP_FILE" in outcome(report, "sesnsp").line()
    assert report.failed == [] and report.snapshot_id is None


def test_unknown_source_is_bad_input(fresh_db):
    with pytest.raises(aidwatch.InputError, match="unknown source 'cdcx'"):
        refresh(["cdcx"], db=fresh_db)


def test_diff_reports_revised_values_and_provisional_to_final(recorded, client, fresh_db):
    first = refresh(["cdc", "inegi"], db=fresh_db, client=client)
    revised = fixture_bytes("cdc/vsrr_rows_export_excerpt.csv").replace(
        b'"109,413"', b'"109,680"')  # a later release restates December 2022
    recorded.route(r"^/cdc/", Reply(revised))
    recorded.route(r"/api/info$", Reply(b'{"notas": ["Fuente: INEGI."]}'))  # 2025 now final
    second = refresh(["cdc", "inegi"], db=fresh_db, client=client)
    assert outcome(second, "cdc").changes["revised"] == 1
    assert outcome(second, "inegi").changes["status_changed"] == 2
    with aidwatch.open_store(fresh_db) as s:
        d = diff_snapshots(s, first.snapshot_id, second.snapshot_id)
        o = d.observations.set_index(["series_id", "geo", "period"])
        row = o.loc[("us.overdose_deaths.provisional_12m", "US", "2022-12")]
        assert (row["change"], row["old_value"], row["new_value"]) == ("revised", 109413,
                                                                        109680)
        st = o.loc[("mx.homicides.inegi.count", "MX", "2025")]
        assert (st["change"], st["old_status"], st["new_status"]) == ("status", "provisional",
                                                                      "final")
        assert d.summary() == {"added": 0, "removed": 0, "revised": 1,
                                    "status_changed": 2, "funding_added": 0,
                                    "funding_removed": 0, "funding_revised": 0}
        default = diff_snapshots(s)  # previous vs newest
        assert (default.a, default.b) == (first.snapshot_id, second.snapshot_id)


def test_revalidated_cache_answers_304_and_still_lands(recorded, client, fresh_db):
    recorded.route(r"^/foreignassistance/", Reply(fixture_bytes(
        "foreignassistance/us_foreign_aid_country_mexico_excerpt.csv"), etag='"fa-1"'))
    refresh(["foreignassistance"], db=fresh_db, client=client)
    second = refresh(["foreignassistance"], db=fresh_db, client=client)
    assert second.landed == ["foreignassistance"]
    assert recorded.hits(r"^/foreignassistance/")[-1].headers["if-none-match"] == '"fa-1"'
    assert outcome(second, "foreignassistance").changes["funding_revised"] == 0


def test_inegi_indicator_api_route_keeps_the_token_out_of_sources(recorded, client, fresh_db,
                                                                  monkeypatch):
    monkeypatch.setenv("AIDWATCH_INEGI_TOKEN", "tok-123")
    monkeypatch.setenv("AIDWATCH_INEGI_INDICATOR", "6207136901")
    recorded.route(r"/INDICATOR/6207136901/", Reply(fixture_bytes(
        "inegi/indicadores_api_no_results_error.json"), 400))
    report = refresh(["inegi"], db=fresh_db, client=client)
    o = outcome(report, "inegi")
    assert o.status == "failed" and "ErrorCode:100" in o.message
    assert recorded.hits(r"/INDICATOR/")[-1].path.endswith("/2.0/tok-123")
    assert "tok-123" not in o.message and not any("tok-123" in u for u in o.payload_hashes)


def test_refresh_carries_geographies_and_adds_the_ones_a_source_needs(recorded, client,
                                                                      fresh_db):
    csv_text = fixture_bytes("cdc/vsrr_rows_export_excerpt.csv").decode()
    nyc = ("YC,2023,December,12 month-ending,Number of Drug Overdose Deaths,\"3,024\",100,"
           "0.5,New York City,Underreported due to incomplete data.,*,\"3,100\"\n")
    recorded.route(r"^/cdc/", Reply((csv_text + nyc).encode()))
    before = table_counts(fresh_db)
    report = refresh(["cdc"], db=fresh_db, client=client)
    with aidwatch.open_store(fresh_db) as s:
        geos = s.con.execute("SELECT geo FROM geos WHERE snapshot_id = ?",
                             [report.snapshot_id]).fetchall()
        assert ("YC",) in geos
        assert s.series("us.overdose_deaths.provisional_12m.by_state", geo="YC")[
            "value"].tolist() == [3024]
        # the connector's own definition, for a series the embedded data does not have
        assert s.series_info("us.overdose_deaths.provisional_12m.by_state").unit == "deaths"
    assert len(geos) == before["geos"] + 1


def test_unknown_geography_from_a_source_is_rejected(recorded, client, fresh_db, monkeypatch):
    payload = json.loads(fixture_bytes(
        "worldbank/vc_ihr_psrc_p5_mex_usa_2021_2024_reshaped.json"))
    payload[1][0] |= {"countryiso3code": "ZZZ", "value": 3.0}
    recorded.route(r"VC\.IHR\.PSRC\.P5$", Reply(json.dumps(payload).encode()))
    monkeypatch.setenv("AIDWATCH_WORLDBANK_COUNTRIES", "MEX USA ZZZ")
    report = refresh(["worldbank"], db=fresh_db, client=client)
    assert "unknown geography 'ZZZ'" in outcome(report, "worldbank").message


def test_worldbank_follows_pages(recorded, client, fresh_db):
    usa = json.loads(fixture_bytes("worldbank/sp_pop_totl_usa_2022_2023.json"))
    mex = json.loads(fixture_bytes("worldbank/sp_pop_totl_mex_2023.json"))
    usa[0] |= {"pages": 2}
    mex[0] |= {"page": 2, "pages": 2}

    def paged(req):
        page = req.query.get("page", ["1"])[0]
        return Reply(json.dumps(usa if page == "1" else mex).encode())

    recorded.route(r"SP\.POP\.TOTL$", paged)
    report = refresh(["worldbank"], db=fresh_db, client=client)
    assert report.landed == ["worldbank"]
    assert [r.query.get("page") for r in recorded.hits(r"SP\.POP\.TOTL$")] == [None, ["2"]]
    with aidwatch.open_store(fresh_db) as s:
        assert s.series("mx.population").set_index("period").loc["2023", "value"] == 129739759
        assert s.series("us.population").set_index("period").loc["2023", "value"] == 336755052


def test_inegi_lands_without_table_notes_and_says_so(recorded, client, fresh_db):
    recorded.route(r"/api/info$", Reply(b"", 404))
    report = refresh(["inegi"], db=fresh_db, client=client)
    o = outcome(report, "inegi")
    assert o.status == "landed" and "table notes unavailable" in o.message
    with aidwatch.open_store(fresh_db) as s:
        assert set(s.series("mx.homicides.inegi.count", start="2024")["status"]) == {"final"}


def test_bls_uses_v2_with_key_and_keyless_v1_without(recorded, client, fresh_db, monkeypatch):
    refresh(["bls"], db=fresh_db, client=client)
    v2 = recorded.hits(r"/publicAPI/v2/")
    bodies = [json.loads(r.body) for r in v2]
    assert bodies[0]["registrationkey"] == "test-bls-key" and bodies[0]["annualaverage"]
    assert [(b["startyear"], b["endyear"]) for b in bodies][0] == ("2000", "2019")
    with aidwatch.open_store(fresh_db) as s:
        assert s.series("us.cpi_u.annual").set_index("period").loc["2019", "value"] == 255.657
    monkeypatch.delenv("AIDWATCH_BLS_API_KEY")
    report = refresh(["bls"], db=fresh_db, client=client)
    v1 = [json.loads(r.body) for r in recorded.hits(r"/publicAPI/v1/")]
    assert v1 and all("registrationkey" not in b for b in v1)
    assert all(int(b["endyear"]) - int(b["startyear"]) < 10 for b in v1)
    assert "monthly index only" in outcome(report, "bls").message


def test_fred_bad_key_answer_fails_with_freds_message(recorded, client, fresh_db):
    recorded.route(r"^/fred/", Reply(fixture_bytes("fred/error_bad_api_key.json"), 400))
    report = refresh(["fred"], db=fresh_db, client=client)
    assert "api_key is not a 32 character" in outcome(report, "fred").message
    assert "abcdefghijklmnopqrstuvwxyz123456" not in outcome(report, "fred").message


def test_sesnsp_reads_a_zip_release_or_a_downloaded_file(recorded, client, fresh_db, tmp_path,
                                                         monkeypatch):
    import io
    import zipfile
    latin1 = fixture_bytes("sesnsp/victimas_estatal_excerpt.csv").decode().encode("cp1252")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("IDVFC_NM_excerpt.csv", latin1)
    recorded.route(r"^/sesnsp/victimas\.zip$", Reply(buf.getvalue()))
    monkeypatch.setenv("AIDWATCH_SESNSP_FILE", "victimas.zip")
    assert refresh(["sesnsp"], db=fresh_db, client=client).landed == ["sesnsp"]
    local = tmp_path / "victimas.csv"
    local.write_bytes(latin1)
    monkeypatch.setenv("AIDWATCH_SESNSP_FILE", str(local))
    report = refresh(["sesnsp"], db=fresh_db, client=client)
    assert report.landed == ["sesnsp"]
    with aidwatch.open_store(fresh_db) as s:
        src = s.source("sesnsp-victimas-estatal-live")
        assert src.url.startswith("https://www.gob.mx/") and str(local) in src.notes
        v = s.series("mx.femicide_victims.by_state_month", geo="MX-30", start="2023-04",
                     end="2023-04")
        assert v["value"].tolist() == [1]
    buf2 = io.BytesIO(buf.getvalue()[:40])
    recorded.route(r"^/sesnsp/victimas\.zip$", Reply(buf2.getvalue()))
    monkeypatch.setenv("AIDWATCH_SESNSP_FILE", "victimas.zip")
    assert "corrupt ZIP" in outcome(refresh(["sesnsp"], db=fresh_db, client=client),
                                    "sesnsp").message


def test_foreignassistance_sectors_stream_the_complete_file(recorded, client, fresh_db,
                                                            monkeypatch):
    recorded.route(r"^/foreignassistance/us_foreign_aid_complete\.csv$", Reply(fixture_bytes(
        "foreignassistance/us_foreign_aid_complete_constructed.csv"), etag='"c1"'))
    monkeypatch.setenv("AIDWATCH_FOREIGNASSISTANCE_SECTORS", "1")
    report = refresh(["foreignassistance"], db=fresh_db, client=client)
    o = outcome(report, "foreignassistance")
    assert o.status == "landed" and "1 net-negative sector totals" in o.message
    with aidwatch.open_store(fresh_db) as s:
        lines = s.funding("us.aid.mexico.by_sector").set_index("line_id")
        assert lines.loc["fagov-sector-obligated-FY2020-counter-narcotics", "amount_usd"] == \
            1200000
        assert lines.loc["fagov-sector-disbursed-FY2020-good-governance", "program"] == \
            "Good Governance"
        assert len(lines) == 3  # GTM, 1976tq and the net-negative total are not lines
        assert set(s.funding("us.aid.mexico.total")["source_id"]) == {"fagov-country-summary"}
    cached = list((client.cache / "foreignassistance").glob("*.body"))
    assert len(cached) == 2  # the summary and the streamed complete file
    again = refresh(["foreignassistance"], db=fresh_db, client=client)  # 304: from the cache
    assert again.landed == ["foreignassistance"]
    assert recorded.hits(r"complete\.csv$")[-1].headers["if-none-match"] == '"c1"'


def test_foreignassistance_complete_file_cut_short_fails_the_source(recorded, client,
                                                                    fresh_db, monkeypatch):
    body = fixture_bytes("foreignassistance/us_foreign_aid_complete_constructed.csv")
    recorded.route(r"complete\.csv$", Reply(body, truncate_at=len(body) - 300))
    monkeypatch.setenv("AIDWATCH_FOREIGNASSISTANCE_SECTORS", "1")
    o = outcome(refresh(["foreignassistance"], db=fresh_db, client=client), "foreignassistance")
    assert o.status == "failed" and "truncated" in o.message
    assert not list((client.cache / "foreignassistance").glob(".download*"))


def test_inegi_indicator_api_route_lands_national_counts(recorded, client, fresh_db,
                                                         monkeypatch):
    monkeypatch.setenv("AIDWATCH_INEGI_TOKEN", "tok-123")
    monkeypatch.setenv("AIDWATCH_INEGI_INDICATOR", "1234567890")
    recorded.route(r"/INDICATOR/1234567890/es/00/false/BIE-BISE/2\.0/tok-123$", Reply(
        fixture_bytes("inegi/indicadores_api_annual_reshaped.json")))
    report = refresh(["inegi"], db=fresh_db, client=client)
    assert report.landed == ["inegi"]
    with aidwatch.open_store(fresh_db) as s:
        row = s.series("mx.homicides.inegi.count", start="2024", end="2024").iloc[0]
        assert (row["value"], row["source_id"]) == (33550, "inegi-indicadores-api-live")
        src = s.source("inegi-indicadores-api-live")
        assert "tok-123" not in src.url and src.url.endswith("/TOKEN?type=json")
        assert s.series("mx.homicides.inegi.count", start="2025").empty


def test_refresh_keeps_dated_vintages_and_diffs_them_apart(recorded, client, fresh_db):
    """A figure as first published (``published`` set) is history: a refresh replaces the
    publisher's current figures, never the vintages, and the diff never pairs the two."""
    def vintages(snapshot=None):
        with aidwatch.open_store(fresh_db, snapshot=snapshot) as s:
            return s.con.execute(
                "SELECT series_id, geo, period, published, value FROM observations WHERE "
                "snapshot_id = ? AND coalesce(published, '') <> '' ORDER BY ALL",
                [s.snapshot.snapshot_id]).fetchall()
    before = vintages()
    report = refresh(["cdc", "inegi"], db=fresh_db, client=client)
    assert report.snapshot_id and vintages() == before
    with aidwatch.open_store(fresh_db) as s:
        d = diff_snapshots(s)
        removed = d.observations[d.observations["change"] == "removed"]
        assert (removed["published"] == "").all()  # no vintage is ever dropped
        revised = d.observations[d.observations["change"] == "revised"]
        pairs = set(zip(revised["series_id"], revised["geo"], revised["period"],
                        revised["published"], strict=True))
        assert len(pairs) == len(revised)  # each value once, never crossed with a vintage
