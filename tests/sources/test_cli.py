"""`aidwatch refresh`, `aidwatch snapshots`, `aidwatch diff` through the real entry point."""

from __future__ import annotations

import json

import pytest

from aidwatch.sources import HttpClient

from .conftest import Reply, fixture_bytes


@pytest.fixture(autouse=True)
def _fast_client(monkeypatch):
    """The CLI builds its own client: make its backoff and pacing test-sized."""
    monkeypatch.setenv("AIDWATCH_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("AIDWATCH_HTTP_MAX_WAIT", "0.05")
    monkeypatch.setenv("AIDWATCH_HTTP_TIMEOUT", "2")
    real_init = HttpClient.__post_init__

    def no_pacing(self):
        self.pace = 0.0
        real_init(self)

    monkeypatch.setattr(HttpClient, "__post_init__", no_pacing)


def test_refresh_then_snapshots_then_diff(recorded, fresh_db, run_cli):
    code, out, err = run_cli(fresh_db, "refresh", "cdc", "worldbank")
    assert code == 0, err
    assert "✓ cdc:" in err and "✓ worldbank:" in err
    assert "-refresh-" in out and "written" in out

    code, out, _ = run_cli(fresh_db, "snapshots", "--json")
    snaps = json.loads(out)
    assert [s["kind"] for s in snaps] == ["refresh", "embedded"]
    assert snaps[0]["latest"] is True and set(snaps[0]["source_hashes"]) >= {"cdc",
                                                                              "worldbank"}

    revised = fixture_bytes("cdc/vsrr_rows_export_excerpt.csv").replace(b'"71,130"',
                                                                        b'"71,500"')
    recorded.route(r"^/cdc/", Reply(revised))
    assert run_cli(fresh_db, "refresh", "cdc")[0] == 0
    code, out, _ = run_cli(fresh_db, "diff", "--json")
    d = json.loads(out)
    assert d["summary"]["revised"] == 1
    (row,) = [r for r in d["observations"] if r["change"] == "revised"]
    assert (row["series_id"], row["period"], row["old_value"], row["new_value"]) == (
        "us.overdose_deaths.provisional_12m", "2019-12", 71130, 71500)
    code, out, _ = run_cli(fresh_db, "diff", snaps[1]["snapshot_id"],
                       snaps[0]["snapshot_id"])
    assert code == 0 and "By series" in out and "us.overdose_deaths.provisional_12m" in out

    # the older snapshot stays readable through --snapshot on a read command
    code, out, _ = run_cli(fresh_db, "data", "show",
                       "us.overdose_deaths.provisional_12m", "--json", "--snapshot",
                       snaps[0]["snapshot_id"])
    rows = {r["period"]: r["value"] for r in json.loads(out)}
    assert rows["2019-12"] == 71130


def test_refresh_failure_exits_1_with_one_line_per_source(recorded, fresh_db, run_cli):
    recorded.route(r"^/worldbank/", Reply(b"oops", 500))
    code, out, err = run_cli(fresh_db, "refresh", "worldbank", "fred")
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert any(ln.startswith("✗ worldbank: HTTP 500") for ln in lines)
    assert any(ln.startswith("✓ fred:") for ln in lines)


def test_refresh_skipped_source_exits_0_and_store_is_unchanged(server, fresh_db, run_cli):
    code, out, err = run_cli(fresh_db, "refresh", "fred", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["snapshot_id"] is None
    assert report["sources"][0]["status"] == "skipped"


def test_refresh_unknown_source_is_a_one_line_input_error(fresh_db, run_cli):
    code, _, err = run_cli(fresh_db, "refresh", "nope")
    assert code == 2 and err.strip().startswith("error: unknown source 'nope'")


def test_refresh_list_names_every_connector_and_its_keys(fresh_db, run_cli):
    code, out, _ = run_cli(fresh_db, "refresh", "--list", "--json")
    rows = {r["source"]: r for r in json.loads(out)}
    assert set(rows) == {"cdc", "worldbank", "inegi", "sesnsp", "foreignassistance", "fred",
                         "bls"}
    assert rows["fred"]["keys"] == ["AIDWATCH_FRED_API_KEY"]
    assert rows["worldbank"]["env_base_url"] == "AIDWATCH_WORLDBANK_BASE_URL"


def test_diff_with_one_snapshot_explains_what_to_do(fresh_db, run_cli):
    code, _, err = run_cli(fresh_db, "diff")
    assert code == 2 and "aidwatch refresh" in err


def test_refresh_dry_run_says_nothing_was_written(recorded, fresh_db, run_cli):
    code, out, err = run_cli(fresh_db, "refresh", "worldbank", "--dry-run")
    assert code == 0 and out.startswith("dry run: would write a snapshot")
    code, out, _ = run_cli(fresh_db, "snapshots", "--json")
    assert [s["kind"] for s in json.loads(out)] == ["embedded"]


GOLDEN = __import__("pathlib").Path(__file__).resolve().parents[1] / "golden"


def test_diff_json_matches_the_golden_file(recorded, fresh_db, run_cli):
    """The documented `diff --json` shape, for a CDC restatement of two values."""
    assert run_cli(fresh_db, "refresh", "cdc")[0] == 0
    restated = fixture_bytes("cdc/vsrr_rows_export_excerpt.csv").replace(
        b'"109,413"', b'"109,680"').replace(b'"110,942"', b'"111,020"')
    recorded.route(r"^/cdc/", Reply(restated))
    assert run_cli(fresh_db, "refresh", "cdc")[0] == 0
    code, out, _ = run_cli(fresh_db, "diff", "--json")
    payload = json.loads(out)
    assert payload["a"] != payload["b"]
    payload["a"], payload["b"] = "<older snapshot>", "<newer snapshot>"
    path = GOLDEN / "sources_diff_cdc_restatement.json"
    text = json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if __import__("os").environ.get("AIDWATCH_REGEN_GOLDEN") == "1" or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == payload, (
        "diff --json changed; if intended, rerun with AIDWATCH_REGEN_GOLDEN=1")
