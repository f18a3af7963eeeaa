"""The checker on real stores: the embedded evidence base, and a store with a series added."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import aidwatch
from aidwatch.claims import check_text, load_evidence
from aidwatch.settings import DATA_DIR

US_HOMICIDES = "U.S. homicides reached 21,570 in 2020."


def test_final_nida_count_is_supported_with_its_source_and_snapshot(store):
    (v,) = aidwatch.check_text("Overdose deaths reached 106,699 in 2021.", store)
    assert v.verdict == "supported"
    assert v.series == "us.overdose_deaths.total" and v.reference_value == 106699
    assert v.source and v.snapshot == store.snapshot.snapshot_id


def test_unknown_topics_and_missing_series_are_unverifiable_on_the_real_store(store):
    cube = load_evidence(store).cube
    if any(r.area == "US" and r.unit == "count" for r in cube.by_measure.get("homicides", [])):
        pytest.skip("the embedded data now holds U.S. homicide counts")
    (v,) = check_text(US_HOMICIDES, store)
    assert v.verdict == "unverifiable" and v.reference_value is None


def test_a_series_added_to_the_store_is_discovered_without_code_changes(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    with (data / "series.csv").open("a", encoding="utf-8") as f:
        f.write('us.homicides.count,U.S. homicides (test),deaths,annual,US,observation,'
                '"Test series for the claim checker",test-src,0,100000,1990,2030,,'
                'homicides,_Z,_Z,_T,_T,NCHS,year\n')
    with (data / "sources.csv").open("a", encoding="utf-8") as f:
        f.write("test-src,Test Publisher,Test table,https://example.org/t,,2026-01-01,"
                "public domain,,\n")
    (data / "obs_test.csv").write_text(
        "series_id,geo,period,value,status,source_id,note\n"
        "us.homicides.count,US,2020,21570,final,test-src,\n", encoding="utf-8")
    pkg = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    pkg["resources"].append({"name": "obs-test", "path": "obs_test.csv",
                             "aidwatch_table": "observations"})
    (data / "datapackage.json").write_text(json.dumps(pkg), encoding="utf-8")
    with aidwatch.open_store(tmp_path / "s.duckdb", data_dir=data) as s:
        (v,) = check_text(US_HOMICIDES, s)
    assert v.verdict == "supported"
    assert v.series == "us.homicides.count" and v.source == "test-src"
