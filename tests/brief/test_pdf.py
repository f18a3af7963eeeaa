"""Printing brief.pdf: a hung Chromium is stopped with every process it started, and the
messages name brief.pdf (never the staging files)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from aidwatch import AidWatchError
from aidwatch.brief import build_brief


def fake_chromium(folder: Path, body: str) -> Path:
    script = folder / "fake-chromium"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return script


HANGS = """sleep 300 &
echo $! >> "$PIDFILE"
echo $$ >> "$PIDFILE"
sleep 300
"""
PRINTS = """for a in "$@"; do
  case "$a" in --print-to-pdf=*) printf '%%PDF-1.4 fake' > "${a#--print-to-pdf=}";; esac
done
"""
FAILS = 'echo "[1202/0:ERROR] something went wrong in the renderer" >&2\nexit 3\n'


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state  # a zombie has ended; only its exit code remains


def test_a_hung_chromium_is_stopped_with_its_children_and_the_message_names_brief_pdf(
        run_cli, db_path, tmp_path, monkeypatch, cached_estimates):
    pids = tmp_path / "pids"
    monkeypatch.setenv("AIDWATCH_CHROMIUM", str(fake_chromium(tmp_path, HANGS)))
    monkeypatch.setenv("PIDFILE", str(pids))
    monkeypatch.setenv("AIDWATCH_PDF_TIMEOUT", "1")
    out = tmp_path / "out"
    for fmt in ("pdf", "html,pdf"):
        pids.unlink(missing_ok=True)
        started = time.monotonic()
        code, _, err = run_cli(db_path, "report", "--out", str(out), "--format", fmt, "--quiet")
        assert code == 1 and time.monotonic() - started < 60
        assert err.strip().splitlines() == [
            "error: Chromium did not finish printing brief.pdf in 1 s; it was stopped (pass "
            "--format html to skip the PDF, or raise AIDWATCH_PDF_TIMEOUT)"]
        started_pids = [int(p) for p in pids.read_text().split()]
        assert len(started_pids) == 2
        deadline = time.monotonic() + 10
        while any(running(p) for p in started_pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(running(p) for p in started_pids), "Chromium's children still run"
        assert not out.exists()  # a first build that failed writes nothing


def test_a_failing_chromium_is_named_with_its_last_words(db_path, tmp_path, monkeypatch,
                                                         cached_estimates):
    monkeypatch.setenv("AIDWATCH_CHROMIUM", str(fake_chromium(tmp_path, FAILS)))
    with pytest.raises(AidWatchError) as exc:
        build_brief(tmp_path / "out", db=db_path, formats="pdf")
    assert str(exc.value).startswith("Chromium could not print brief.pdf: [1202/0:ERROR] "
                                     "something went wrong")
    assert ".aidwatch-brief-build" not in str(exc.value)


def test_pdf_only_brief_keeps_no_html_and_prints_from_the_staging_folder(
        db_path, tmp_path, monkeypatch, cached_estimates):
    monkeypatch.setenv("AIDWATCH_CHROMIUM", str(fake_chromium(tmp_path, PRINTS)))
    out = tmp_path / "out"
    result = build_brief(out, db=db_path, formats="pdf")
    assert result.html is None and result.pdf == out / "brief.pdf"
    assert (out / "brief.pdf").read_bytes() == b"%PDF-1.4 fake"
    assert not (out / "brief.html").exists()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [
        ".aidwatch-brief.json"]
    assert os.listdir(out / "data")
