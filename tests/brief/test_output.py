"""`report --out DIR`: only the brief's own files are replaced, and a failed build (bad
snapshot, a crash, Ctrl-C, a full disk, a killed process) leaves the previous brief and the
user's files exactly as they were."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aidwatch.brief import build_brief
from aidwatch.brief import output as output_mod
from aidwatch.brief.output import MANIFEST, STAGE_PREFIX

ROOT = Path(__file__).resolve().parents[2]


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> sha256), hidden files included."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def users_files(folder: Path) -> dict[str, str]:
    """A user's own things in the output folder, including CSVs where the brief puts its."""
    files = {"data/mine.csv": "a,b\n1,2\n", "data/full/mine.csv": "c\n3\n",
             "notes.txt": "my notes\n", "data/sub/keep.csv": "x\n"}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return files


def assert_users_files_survive(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        assert (folder / name).read_text() == text, name


def no_staging_left(folder: Path) -> bool:
    return not list(folder.glob(f"{STAGE_PREFIX}*"))


@pytest.fixture()
def previous(tmp_path: Path, db_path: Path, cached_estimates) -> tuple[Path, dict[str, str]]:
    """A folder holding a good brief and the user's own files; returns (folder, their hashes)."""
    out = tmp_path / "out"
    out.mkdir()
    users_files(out)
    build_brief(out, db=db_path, formats="html")
    return out, tree(out)


def test_report_out_dot_keeps_the_users_own_csvs(run_cli, db_path, tmp_path, monkeypatch,
                                                 cached_estimates):
    monkeypatch.chdir(tmp_path)
    files = users_files(tmp_path)
    code, _, err = run_cli(db_path, "report", "--out", ".", "--format", "html", "--quiet")
    assert code == 0, err
    assert_users_files_survive(tmp_path, files)
    assert (tmp_path / "brief.html").is_file()
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert "brief.html" in manifest["files"] and "data/mine.csv" not in manifest["files"]
    assert any(f.startswith("data/") and f.endswith(".csv") for f in manifest["files"])
    assert all((tmp_path / f).is_file() for f in manifest["files"])
    mode = (tmp_path / "brief.html").stat().st_mode & 0o777
    assert (tmp_path / MANIFEST).stat().st_mode & 0o777 == mode  # not a private 0600 file
    # a second build replaces only its own files
    code, _, err = run_cli(db_path, "report", "--out", ".", "--format", "html", "--quiet")
    assert code == 0, err
    assert_users_files_survive(tmp_path, files)
    assert no_staging_left(tmp_path)


def test_failed_build_with_an_unknown_snapshot_leaves_the_previous_brief_intact(
        run_cli, db_path, previous):
    out, before = previous
    code, _, err = run_cli(db_path, "report", "--out", str(out), "--format", "html",
                           "--snapshot", "nonexistent", "--quiet")
    assert code == 2 and "nonexistent" in err and "Traceback" not in err
    assert tree(out) == before
    assert no_staging_left(out)


@pytest.mark.parametrize("fault", [RuntimeError("checker crashed"), KeyboardInterrupt()])
def test_a_crash_or_ctrl_c_during_the_build_leaves_the_previous_brief_intact(
        db_path, previous, monkeypatch, fault):
    out, before = previous
    from aidwatch.brief import findings

    def crash(*args, **kwargs):
        raise fault

    monkeypatch.setattr(findings, "check_articles", crash)
    with pytest.raises(type(fault)):
        build_brief(out, db=db_path, formats="html")
    assert tree(out) == before
    assert no_staging_left(out)


def test_a_failing_move_during_install_puts_the_previous_brief_back(db_path, previous,
                                                                    monkeypatch):
    out, before = previous
    real = os.replace
    calls = {"n": 0}

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == 5:  # after the old files moved aside and some new ones moved in
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(output_mod.os, "replace", flaky)
    with pytest.raises(Exception, match="the previous brief is unchanged"):
        build_brief(out, db=db_path, formats="html")
    monkeypatch.setattr(output_mod.os, "replace", real)
    assert tree(out) == before
    assert no_staging_left(out)


def test_a_users_file_with_a_name_the_brief_writes_is_never_overwritten(run_cli, db_path,
                                                                       tmp_path,
                                                                       cached_estimates):
    out = tmp_path / "out"
    (out / "data").mkdir(parents=True)
    (out / "data" / "events.csv").write_text("my,own,events\n")
    code, _, err = run_cli(db_path, "report", "--out", str(out), "--format", "html", "--quiet")
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: {out / 'data' / 'events.csv'} exists and is not a file of an earlier "
        "AidWatch brief (move it away or pass another --out; nothing was changed)"]
    assert tree(out) == {"data/events.csv": hashlib.sha256(b"my,own,events\n").hexdigest()}


def test_a_folder_where_brief_html_goes_is_a_one_line_error(run_cli, db_path, tmp_path,
                                                           cached_estimates):
    out = tmp_path / "out"
    (out / "brief.html").mkdir(parents=True)
    code, _, err = run_cli(db_path, "report", "--out", str(out), "--format", "html", "--quiet")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "brief.html" in err and "is a folder" in err  # the CLI or the writer says so
    assert (out / "brief.html").is_dir() and no_staging_left(out)


def test_out_pointing_at_a_file_is_a_one_line_error(run_cli, db_path, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x")
    code, _, err = run_cli(db_path, "report", "--out", str(target), "--format", "html")
    assert code == 2 and "is a file, not a folder" in err and target.read_text() == "x"


def test_a_brief_written_before_manifests_is_recognised_and_replaced(db_path, previous):
    out, _ = previous
    (out / MANIFEST).unlink()
    result = build_brief(out, db=db_path, formats="html")
    assert result.html.is_file() and (out / MANIFEST).is_file()
    assert (out / "data" / "mine.csv").read_text() == "a,b\n1,2\n"


def test_a_first_build_that_fails_leaves_no_empty_folder(run_cli, db_path, tmp_path):
    out = tmp_path / "new-brief"
    code, _, _ = run_cli(db_path, "report", "--out", str(out), "--format", "html",
                         "--snapshot", "nonexistent")
    assert code == 2 and not out.exists()


# -- faults in a real process: a full disk, a killed build ---------------------------------
def _report_cmd(db: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", "from aidwatch.cli import main; main()", "--db", str(db),
            "report", "--out", str(out), "--format", "html", "--quiet"]


def test_disk_full_during_the_build_keeps_the_previous_brief_and_the_users_files(
        db_path, previous):
    out, before = previous
    # ulimit -f: every write past 200 KiB fails with EFBIG (Python ignores SIGXFSZ), as on a
    # full disk; the store is read-only here, so only the brief's writes hit the limit.
    cmd = " ".join(f"'{a}'" for a in _report_cmd(db_path, out))
    proc = subprocess.run(["bash", "-c", f"ulimit -f 200; exec {cmd}"], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env={**os.environ, "COLUMNS": "250"})
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"error: cannot write the brief into {out}: File too large")
    assert "the previous brief is unchanged" in lines[0]
    assert tree(out) == before
    assert no_staging_left(out)


def test_a_killed_build_leaves_the_previous_brief_and_the_next_build_cleans_up(
        db_path, previous):
    out, before = previous
    proc = subprocess.Popen(_report_cmd(db_path, out), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while no_staging_left(out) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = [p for p in tree(out) if not p.startswith(STAGE_PREFIX)]
    assert {k: tree(out)[k] for k in left} == before  # the previous brief, untouched
    done = subprocess.run(_report_cmd(db_path, out), cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert no_staging_left(out)
    assert (out / "data" / "mine.csv").read_text() == "a,b\n1,2\n"


def test_a_locked_store_fails_the_build_and_leaves_the_previous_brief(run_cli, db_path,
                                                                      previous, tmp_path):
    out, before = previous
    held = tmp_path / "held.duckdb"
    held.write_bytes(db_path.read_bytes())
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, duckdb; con = duckdb.connect(sys.argv[1]); "
         "print('holding', flush=True); time.sleep(60)", str(held)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        code, _, err = run_cli(held, "report", "--out", str(out), "--format", "html",
                               "--quiet")
    finally:
        holder.kill()
        holder.wait()
    assert code in (1, 2) and err.startswith("error: ") and "Traceback" not in err
    assert tree(out) == before
    assert no_staging_left(out)


def test_two_builds_into_one_folder_install_one_after_the_other(db_path, previous, tmp_path):
    import threading

    out, before = previous
    article = tmp_path / "second.txt"
    article.write_text("Overdose deaths reached 106,699 in 2021.\n", "utf-8")
    result: dict = {}

    def build() -> None:
        result["brief"] = build_brief(out, db=db_path, formats="html", check=[article])

    with output_mod._folder_lock(out):  # another build is installing
        worker = threading.Thread(target=build)
        worker.start()
        deadline = time.monotonic() + 120
        staged: list[Path] = []
        while not staged and time.monotonic() < deadline:
            staged = list(out.glob(f"{STAGE_PREFIX}*/brief.html"))
            time.sleep(0.02)
        assert staged, "the build never finished staging"
        time.sleep(0.5)
        assert tree(out)["brief.html"] == before["brief.html"]  # waiting for the lock
    worker.join(timeout=120)
    manifest = json.loads((out / MANIFEST).read_text())["files"]
    assert "data/claims-second-txt.csv" in manifest
    assert sorted(manifest) == sorted(str(p.relative_to(out)) for p in
                                      [out / "brief.html", *result["brief"].csv])
    assert (out / "data" / "mine.csv").read_text() == "a,b\n1,2\n"
    assert no_staging_left(out)
