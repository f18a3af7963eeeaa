"""Fault injection for the store: an interrupted build, a full disk, concurrent writers and a
store deleted mid-command leave the previous good state (issue 12, "tests that keep it so")."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

import aidwatch
from aidwatch.errors import StoreError
from aidwatch.store import StoreLocked, write_snapshot
from aidwatch.validate import load_evidence

CLI = [sys.executable, "-c", "from aidwatch.cli import main; main()"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stale_store(tmp_path: Path) -> Path:
    """A good store that the next command will rebuild (its embedded-data hash is stale), with
    one refresh snapshot that a rebuild must carry over."""
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = 'stale' WHERE key = 'embedded_hash'")
    con.execute("INSERT INTO snapshots VALUES ('2026-01-01T0000-refresh', TIMESTAMP "
                "'2099-01-01', 'refresh', NULL, 'h', '0', '{}', '')")
    con.close()
    return path


def refresh_snapshots(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM snapshots WHERE kind = 'refresh'").fetchone()[0]
    finally:
        con.close()


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("AIDWATCH_DB", None)
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, **kw)


def test_build_killed_midway_leaves_the_previous_store_byte_identical(tmp_path):
    path = stale_store(tmp_path)
    before = digest(path)
    script = textwrap.dedent(f"""
        import os, signal
        import aidwatch.store as store
        real = store.insert_snapshot
        def killed(*args, **kwargs):
            real(*args, **kwargs)          # the rows are written into the temporary file ...
            os.kill(os.getpid(), signal.SIGKILL)   # ... and the process dies before install
        store.insert_snapshot = killed
        store.open_store({str(path)!r})
    """)
    r = run([sys.executable, "-c", script])
    assert r.returncode == -signal.SIGKILL
    assert digest(path) == before
    r = run([*CLI, "--db", str(path), "snapshots", "--json"])  # the next command rebuilds
    assert r.returncode == 0, r.stderr
    assert {s["kind"] for s in json.loads(r.stdout)} == {"embedded", "refresh"}


def _limit_file_size() -> None:
    # `ulimit -f`: writes beyond 2 MB fail with EFBIG (SIGXFSZ ignored, as a shell would not)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))


def test_disk_full_while_building_names_the_cause_and_keeps_the_previous_store(tmp_path):
    path = stale_store(tmp_path)
    before = digest(path)
    r = run([*CLI, "--db", str(path), "data", "list"], preexec_fn=_limit_file_size)
    assert r.returncode == 1, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: building the store") and "file too large" in last.lower()
    assert "Traceback" not in r.stderr and "TransactionContext" not in last.split("—")[0]
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb"]  # no temporary left
    assert refresh_snapshots(path) == 1


def test_concurrent_builds_leave_one_complete_store(tmp_path):
    path = tmp_path / "s.duckdb"
    procs = [subprocess.Popen([*CLI, "--db", str(path), "sql",
                               "select count(*) AS n from observations", "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert code == 0 or "in use by another process" in err, err
        if code == 0:
            assert json.loads(out)[0]["n"] > 10_000
    assert any(code == 0 for code, _, _ in results)
    with aidwatch.open_store(path) as s:
        assert len(s.series_ids()) > 40
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".building")] == []


def test_a_writer_blocked_by_a_reader_changes_nothing(tmp_path):
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path).close()
    before = digest(path)
    base, _ = load_evidence(aidwatch.settings.DATA_DIR)
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time, duckdb
        con = duckdb.connect({str(path)!r}, read_only=True)
        print("open", flush=True)
        time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        with pytest.raises(StoreLocked):
            write_snapshot(path, base, "2026-12-02T0000", "refresh", "d")
    finally:
        reader.kill()
        reader.wait()
    assert digest(path) == before


def test_store_deleted_during_a_command_is_rebuilt_by_the_next(tmp_path):
    path = tmp_path / "s.duckdb"
    aidwatch.open_store(path).close()
    base, _ = load_evidence(aidwatch.settings.DATA_DIR)
    path.unlink()
    with pytest.raises(StoreError, match="is gone"):
        write_snapshot(path, base, "2026-12-02T0000", "refresh", "d")
    assert not path.exists()
    r = run([*CLI, "--db", str(path), "sources", "--json"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)
