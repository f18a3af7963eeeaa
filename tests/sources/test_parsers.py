"""Each connector's mapping of its recorded payloads onto evidence-base rows (no network)."""

from __future__ import annotations

import json

import pytest

from aidwatch.sources import SourceError
from aidwatch.sources.base import read_csv
from aidwatch.sources.bls import parse_response
from aidwatch.sources.cdc import ALIASES as CDC_ALIASES
from aidwatch.sources.cdc import REQUIRED as CDC_REQUIRED
from aidwatch.sources.cdc import parse_rows as cdc_rows
from aidwatch.sources.foreignassistance import ALIASES as FA_ALIASES
from aidwatch.sources.foreignassistance import REQUIRED as FA_REQUIRED
from aidwatch.sources.foreignassistance import parse_rows as fa_rows
from aidwatch.sources.fred import parse_observations
from aidwatch.sources.inegi import (
    parse_datatable,
    parse_indicator,
    preliminary_years,
    selection_body,
    state_geo,
)
from aidwatch.sources.sesnsp import REQUIRED as SES_REQUIRED
from aidwatch.sources.sesnsp import decode_sesnsp
from aidwatch.sources.sesnsp import parse_rows as ses_rows
from aidwatch.sources.worldbank import map_rows
from aidwatch.sources.worldbank import parse_indicator as wb_parse

from .conftest import fixture_bytes


def fx(name: str) -> str:
    return fixture_bytes(name).decode("utf-8")


def by_key(rows: list[dict]) -> dict[tuple, dict]:
    return {(r["series_id"], r["geo"], r["period"]): r for r in rows}


# -- CDC -----------------------------------------------------------------------------------------
def test_cdc_maps_reported_and_predicted_12_month_counts():
    rows = read_csv("cdc", fx("cdc/vsrr_rows_export_excerpt.csv"), CDC_REQUIRED, "",
                    CDC_ALIASES)
    obs = by_key(cdc_rows("cdc", rows))
    dec22 = obs[("us.overdose_deaths.provisional_12m", "US", "2022-12")]
    assert dec22["value"] == "109413" and dec22["status"] == "provisional"
    assert obs[("us.overdose_deaths.provisional_12m_predicted", "US", "2022-12")]["value"] \
        == "110942"
    # State rows go to the by-state panel only for all drugs; drug classes are national.
    assert not any(k[1] == "TX" for k in obs)
    assert obs[("us.overdose_deaths.any_opioid.provisional_12m", "US", "2023-12")]["value"] \
        == "80719"
    assert "Underreported" in obs[("us.overdose_deaths.any_opioid.provisional_12m", "US",
                                   "2024-12")]["note"]


def test_cdc_reads_the_2017_layout_by_column_name():
    rows = read_csv("cdc", fx("cdc/vsrr_rows_export_2017_legacy_excerpt.csv"), CDC_REQUIRED,
                    "", CDC_ALIASES)
    obs = by_key(cdc_rows("cdc", rows))
    assert obs[("us.overdose_deaths.provisional_12m.by_state", "AK", "2015-01")]["value"] == \
        "126"
    assert obs[("us.overdose_deaths.provisional_12m.by_state", "AL", "2015-01")]["value"] == \
        "715"
    assert not any("predicted" in k[0] for k in obs)  # the old layout has no predictions


def test_cdc_renamed_column_fails_with_the_column_named():
    text = fx("cdc/vsrr_rows_export_excerpt.csv").replace("Data Value", "Value", 1)
    with pytest.raises(SourceError, match="columns changed: missing 'Data Value'"):
        read_csv("cdc", text, CDC_REQUIRED, "", CDC_ALIASES)


def test_csv_cut_mid_row_is_reported_as_truncated():
    text = fx("cdc/vsrr_rows_export_excerpt.csv")
    cut = text[: text.index("US,2023,January") + 30]
    with pytest.raises(SourceError, match="truncated or malformed CSV: line 13"):
        read_csv("cdc", cut, CDC_REQUIRED, "", CDC_ALIASES)


# -- World Bank ----------------------------------------------------------------------------------
def test_worldbank_error_envelope_with_http_200_is_an_error():
    payload = json.loads(fx("worldbank/error_invalid_value_http200.json"))
    with pytest.raises(SourceError, match="120 Invalid value"):
        wb_parse("worldbank", payload)


def test_worldbank_population_maps_to_panel_and_national_series():
    meta, rows = wb_parse("worldbank", json.loads(fx("worldbank/sp_pop_totl_usa_2022_2023.json")))
    assert meta["lastupdated"] == "2026-07-13"
    obs = by_key(map_rows(rows, "SP.POP.TOTL", {"USA", "MEX"}))
    assert obs[("us.population", "US", "2023")]["value"] == "336755052"
    assert obs[("intl.population", "USA", "2022")]["value"] == "333996304"
    _, mex = wb_parse("worldbank", json.loads(fx("worldbank/sp_pop_totl_mex_2023.json")))
    assert by_key(map_rows(mex, "SP.POP.TOTL", {"MEX"}))[("mx.population", "MX", "2023")][
        "value"] == "129739759"
    assert map_rows(mex, "SP.POP.TOTL", {"USA"}) == []  # outside the pool


def test_worldbank_null_values_are_skipped():
    _, rows = wb_parse("worldbank", json.loads(
        fx("worldbank/vc_ihr_psrc_p5_mex_usa_2021_2024_reshaped.json")))
    obs = by_key(map_rows(rows, "VC.IHR.PSRC.P5", {"MEX", "USA"}))
    assert ("mx.homicides.rate_per_100k", "MX", "2024") not in obs
    assert float(obs[("mx.homicides.rate_per_100k", "MX", "2023")]["value"]) == \
        pytest.approx(24.858995)


# -- FRED and BLS --------------------------------------------------------------------------------
def test_fred_dot_means_missing_and_daily_series_are_refused():
    payload = json.loads(fx("fred/series_observations_missing_dot.json"))
    with pytest.raises(SourceError, match="2024-05-24 is not annual"):
        parse_observations("fred", payload, "AEXMXUS")
    for o in payload["observations"]:
        o["date"] = o["date"][:4] + "-01-01"
    payload["observations"] = payload["observations"][2:3]  # the "." one
    assert parse_observations("fred", payload, "AEXMXUS") == []


def test_fred_error_envelope_is_reported():
    with pytest.raises(SourceError, match="api_key is not a 32 character"):
        parse_observations("fred", json.loads(fx("fred/error_bad_api_key.json")), "AEXMXUS")


def test_fred_annual_averages_map_to_fx_series():
    obs = by_key(parse_observations("fred", json.loads(fx("fred/AEXMXUS_annual_reshaped.json")),
                                    "AEXMXUS"))
    assert obs[("fx.mxn_per_usd.annual", "US", "2023")]["value"] == "17.7334"


def test_bls_monthly_and_m13_annual_averages():
    obs = by_key(parse_response("bls", json.loads(fx("bls/timeseries_CUUR0000SA0_excerpt.json"))))
    assert obs[("us.cpi_u.monthly", "US", "2020-04")]["value"] == "256.389"
    assert obs[("us.cpi_u.annual", "US", "2019")]["value"] == "255.657"
    assert ("us.cpi_u.monthly", "US", "2019-13") not in obs
    window = parse_response("bls", json.loads(fx("bls/timeseries_CUUR0000SA0_excerpt.json")),
                            (2020, 2029))
    assert {r["period"][:4] for r in window} == {"2020"}


def test_bls_revised_footnote_is_kept_and_preliminary_is_provisional():
    payload = json.loads(fx("bls/timeseries_footnote_revised_excerpt.json"))
    obs = by_key(parse_response("bls", payload))
    assert obs[("us.cpi_u.monthly", "US", "2026-05")]["note"] == "Revised"
    assert obs[("us.cpi_u.monthly", "US", "2026-05")]["status"] == "final"
    payload["Results"]["series"][0]["data"][0]["footnotes"] = [{"code": "P",
                                                                "text": "Preliminary"}]
    assert by_key(parse_response("bls", payload))[("us.cpi_u.monthly", "US", "2026-06")][
        "status"] == "provisional"


def test_bls_request_not_processed_with_http_200_is_an_error():
    with pytest.raises(SourceError, match="REQUEST_NOT_PROCESSED: Series does not exist"):
        parse_response("bls", json.loads(fx("bls/error_request_not_processed.json")))


# -- SESNSP --------------------------------------------------------------------------------------
def _sesnsp(text: str) -> dict:
    return by_key(ses_rows("sesnsp", read_csv("sesnsp", text, SES_REQUIRED)))


def test_sesnsp_victims_sum_by_state_and_nationally_and_skip_other_crimes():
    obs = _sesnsp(fx("sesnsp/victimas_estatal_excerpt.csv"))
    assert obs[("mx.femicide_victims.by_state_month", "MX-30", "2023-04")]["value"] == "1"
    assert obs[("mx.femicide_victims.sesnsp.monthly", "MX", "2023-04")]["value"] == "1"
    assert obs[("mx.homicide_victims.by_state_month", "MX-04", "2020-07")]["value"] == "0"
    assert not any(k[1] in ("MX-01", "MX-19") for k in obs)  # aborto, homicidio culposo


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8-sig"])
def test_sesnsp_latin1_and_bom_files_read_the_same(encoding):
    text = fx("sesnsp/victimas_estatal_excerpt.csv")
    decoded = decode_sesnsp("sesnsp", text.encode(encoding))
    assert _sesnsp(decoded) == _sesnsp(text)


def test_sesnsp_double_encoded_header_is_a_renamed_column():
    mojibake = fx("sesnsp/victimas_estatal_excerpt.csv").encode("utf-8").decode("cp1252")
    with pytest.raises(SourceError, match="columns changed: missing 'Año'"):
        read_csv("sesnsp", mojibake, SES_REQUIRED)


def test_sesnsp_months_not_yet_reported_are_absent_not_zero():
    text = fx("sesnsp/victimas_estatal_excerpt.csv").replace(
        "Menores de edad (0-17),0,0,0,1,0,0,0,0,0,0,0,0",
        "Menores de edad (0-17),0,0,0,1,0,,,,,,,")
    obs = _sesnsp(text)
    assert ("mx.femicide_victims.by_state_month", "MX-30", "2023-05") in obs
    assert ("mx.femicide_victims.by_state_month", "MX-30", "2023-06") not in obs


# -- ForeignAssistance.gov -----------------------------------------------------------------------
def test_foreignassistance_lines_match_the_embedded_country_summary(store):
    rows = read_csv("fa", fx("foreignassistance/us_foreign_aid_country_mexico_excerpt.csv"),
                    FA_REQUIRED, "", {k.replace("_", " "): v for k, v in FA_ALIASES.items()})
    lines = {r["line_id"]: r for r in fa_rows("fa", rows)}
    assert {r["stage"] for r in lines.values()} == {"obligated", "disbursed", "appropriated",
                                                    "requested"}
    embedded = store.funding("us.aid.mexico.total").set_index("line_id")["amount_usd"]
    common = set(lines) & set(embedded.index)
    assert len(common) > 100
    for line_id in common:
        assert float(lines[line_id]["amount_usd"]) == embedded[line_id]
    assert not any("tq" in k for k in lines)
    assert "partial" in lines["fagov-obligated-FY2025"]["note"]


def test_foreignassistance_snake_case_headers_are_accepted():
    text = fx("foreignassistance/us_foreign_aid_country_mexico_excerpt.csv")
    header, rest = text.split("\n", 1)
    old = header.replace('"Country Code"', "country_code").replace(
        '"Transaction Type Name"', "transaction_type_name").replace(
        '"Fiscal Year"', "fiscal_year").replace('"Country Name"', "country_name")
    from aidwatch.sources.base import norm_header
    aliases = {norm_header(k): v for k, v in FA_ALIASES.items()}
    assert fa_rows("fa", read_csv("fa", old + "\n" + rest, FA_REQUIRED, "", aliases))


# -- INEGI ---------------------------------------------------------------------------------------
def test_inegi_datatable_national_and_state_with_preliminary_year():
    payload = json.loads(fx("inegi/tabulados_pxweb_datatable_fixture.json"))
    info = fx("inegi/tabulados_pxweb_info_constructed.json")
    obs = by_key(parse_datatable("inegi", payload, preliminary_years(info)))
    assert obs[("mx.homicides.inegi.count", "MX", "2024")] == {
        "series_id": "mx.homicides.inegi.count", "geo": "MX", "period": "2024",
        "value": "33550", "status": "final", "source_id": "inegi-mortalidad-08-live",
        "note": ""}
    assert obs[("mx.homicides.inegi.count", "MX", "2025")]["status"] == "provisional"
    assert obs[("mx.homicides.inegi.count.by_state", "MX-01", "2025")]["value"] == "151"


def test_inegi_truncated_datatable_is_refused():
    payload = json.loads(fx("inegi/tabulados_pxweb_datatable_fixture.json"))
    payload["data"] = payload["data"][:-3]
    with pytest.raises(SourceError, match="truncated datatable: 13 cells, expected 16"):
        parse_datatable("inegi", payload)


def test_inegi_selection_body_selects_every_value():
    structure = json.loads(fx("inegi/tabulados_pxweb_tabulado_structure_constructed.json"))
    body = selection_body(structure, "inegi")
    assert body["stub"] == ["Entidad"] and body["heading"] == ["Periodo", "Sexo"]
    assert body["query"]["query"][0]["selection"]["values"] == ["00", "01"]
    with pytest.raises(SourceError, match="no 'variables'"):
        selection_body({"title": "x"}, "inegi")


def test_inegi_indicator_api_monthly_indicator_and_no_results_are_errors():
    with pytest.raises(SourceError, match="is not annual"):
        parse_indicator("inegi", json.loads(fx("inegi/indicadores_api_bise_response.json")))
    with pytest.raises(SourceError, match="ErrorCode:100"):
        parse_indicator("inegi", json.loads(fx("inegi/indicadores_api_no_results_error.json")))


def test_inegi_state_names_fold_accents_and_short_forms():
    assert state_geo("Michoacán de Ocampo") == "MX-16"
    assert state_geo("Michoacan") == "MX-16"
    assert state_geo("Estado de México") == "MX-15"
    assert state_geo("Ciudad de México") == "MX-09"
    assert state_geo("Extranjero") is None


def test_sesnsp_refuses_the_municipal_crimes_file_by_name():
    from aidwatch.sources.sesnsp import check_layout
    with pytest.raises(SourceError, match="municipal file"):
        check_layout("sesnsp", fx("sesnsp/idm_municipal_delitos_excerpt.csv"))
    state_crimes = fx("sesnsp/victimas_estatal_excerpt.csv").replace(",Sexo,Rango de edad", "")
    with pytest.raises(SourceError, match="crimes \\(carpetas\\) file"):
        check_layout("sesnsp", state_crimes)
    check_layout("sesnsp", fx("sesnsp/victimas_estatal_excerpt.csv"))
