"""The write of a refresh: nothing when nothing changed, a bounded wait while another
command holds the store, and the per-source lines kept whatever happens to the write."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time

import duckdb
import pytest

from aidwatch.sources import refresh
from aidwatch.sources.refresh import same_rows

from .conftest import Reply, fixture_bytes


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot_ids(db) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT snapshot_id FROM snapshots ORDER BY "
                                          "created_at").fetchall()]
    finally:
        con.close()


def test_a_refresh_with_no_changes_writes_nothing_and_says_no_changes(recorded, client,
                                                                      fresh_db, run_cli):
    first = refresh(db=fresh_db, client=client)  # all seven sources
    assert first.snapshot_id and not first.unchanged and not first.failed
    before, ids = digest(fresh_db), snapshot_ids(fresh_db)
    code, out, err = run_cli(fresh_db, "refresh")
    assert code == 0, err
    assert out.strip() == (f"no changes: {', '.join(first.landed)} hold the values of "
                           f"snapshot {first.snapshot_id}; nothing written")
    for name in first.landed:  # the per-source lines stay
        assert f"✓ {name}: " in err and "(0 added, 0 revised, 0 removed" in err
    assert digest(fresh_db) == before and snapshot_ids(fresh_db) == ids
    code, out, _ = run_cli(fresh_db, "refresh", "worldbank", "--dry-run")
    assert code == 0 and "nothing would be written" in out
    code, out, _ = run_cli(fresh_db, "refresh", "fred", "--json")
    assert code == 0 and '"unchanged": true' in out and '"snapshot_id": null' in out
    # a real change is still written: the rule is not "never write twice"
    def revised(req):
        sid = req.query.get("series_id", [""])[0]
        body = fixture_bytes(f"fred/{sid}_annual_reshaped.json")
        return Reply(body.replace(b'"20.2844"', b'"20.3011"'))  # MXN 2021 restated

    recorded.route(r"^/fred/", revised)
    changed = refresh(["fred"], db=fresh_db, client=client)
    assert changed.snapshot_id and snapshot_ids(fresh_db) == ids + [changed.snapshot_id]


def test_same_rows_ignores_only_the_retrieval_date_of_sources():
    src = {"source_id": "s", "publisher": "P", "title": "T", "url": "https://x", "table": "",
           "retrieved": "2026-11-01", "licence": "CC", "via": "", "notes": ""}
    obs = {"series_id": "a.b", "geo": "MX", "period": "2020", "value": "29.6",
           "status": "final", "source_id": "s", "note": ""}
    old = {"sources": [src], "observations": [obs]}
    assert same_rows(old, {"sources": [src | {"retrieved": "2026-12-02"}],
                           "observations": [obs]})
    assert not same_rows(old, {"sources": [src], "observations": [obs | {"value": "29.61"}]})
    assert not same_rows(old, {"sources": [src | {"notes": "revised"}], "observations": [obs]})
    assert not same_rows(old, {"sources": [src], "observations": [obs, obs | {"geo": "US"}]})


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)  # what a running `report` holds
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_store(db, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_refresh_beside_a_running_report_waits_for_the_store_then_writes(
        recorded, fresh_db, run_cli, monkeypatch):
    monkeypatch.setenv("AIDWATCH_LOCK_WAIT", "60")
    ids = snapshot_ids(fresh_db)
    holder = hold_store(fresh_db, 2.5)
    try:
        started = time.monotonic()
        code, out, err = run_cli(fresh_db, "refresh", "worldbank", "fred")
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert code == 0, err
    assert "✓ worldbank: " in err and "✓ fred: " in err
    assert "written" in out and waited >= 1.0  # it did wait for the holder to let go
    assert len(snapshot_ids(fresh_db)) == len(ids) + 1


def test_refresh_gives_up_after_the_bounded_wait_and_keeps_the_source_lines(
        recorded, fresh_db, run_cli, monkeypatch):
    monkeypatch.setenv("AIDWATCH_LOCK_WAIT", "1")
    before = digest(fresh_db)
    holder = hold_store(fresh_db, 60)
    try:
        started = time.monotonic()
        code, out, err = run_cli(fresh_db, "refresh", "worldbank", "fred")
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert code == 1 and out == "" and elapsed < 30
    lines = err.strip().splitlines()
    assert lines[0].startswith("✓ worldbank: ") and lines[1].startswith("✓ fred: ")
    error = " ".join(x.strip() for x in lines[2:] if x.strip())  # the console may fold it
    assert error.startswith(
        f"error: the store {fresh_db} stayed in use by another aidwatch command for 1s; "
        "nothing was written (worldbank, fred fetched and checked")
    assert "delete" not in err.lower() and "aidwatch web" not in err
    assert digest(fresh_db) == before


@pytest.mark.parametrize("wait", ["0", "garbage"])
def test_lock_wait_from_the_environment_is_bounded(monkeypatch, wait):
    from aidwatch.sources.refresh import _lock_wait

    monkeypatch.setenv("AIDWATCH_LOCK_WAIT", wait)
    assert _lock_wait() == (0.0 if wait == "0" else 60.0)


def test_refresh_json_keeps_the_source_outcomes_when_the_write_fails(recorded, fresh_db,
                                                                    run_cli, monkeypatch):
    import json

    monkeypatch.setenv("AIDWATCH_LOCK_WAIT", "0.5")
    holder = hold_store(fresh_db, 60)
    try:
        code, out, err = run_cli(fresh_db, "refresh", "worldbank", "--json")
    finally:
        holder.kill()
        holder.wait()
    assert code == 1 and err.startswith("error: the store ")
    report = json.loads(out)
    assert report["snapshot_id"] is None and report["landed"] == ["worldbank"]
    assert report["sources"][0]["status"] == "landed"
    assert report["error"].startswith("the store ") and "nothing was written" in report["error"]


def test_no_message_of_the_store_or_refresh_suggests_deleting_the_store():
    """Messages and hints (the strings passed to calls: errors, warnings, prints) name a way
    forward that keeps the user's snapshots: never 'delete it', never `aidwatch web`."""
    import ast
    from pathlib import Path

    import aidwatch

    root = Path(aidwatch.__file__).parent
    files = [root / "store.py", root / "storefile.py", root / "cli.py",
             *sorted((root / "sources").glob("*.py"))]
    found = []
    for path in files:
        if not path.exists():
            continue
        for call in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(call, ast.Call):
                continue
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                for node in ast.walk(arg):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str):
                        # "deleted while this command ran?" describes, it does not advise
                        text = node.value.lower().replace("deleted while", "")
                        if "delete" in text or "aidwatch web" in text:
                            found.append(f"{path.name}:{node.lineno}: {node.value[:80]!r}")
    assert not found, found
