"""`aidwatch report`: files, JSON summary, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aidwatch.cli import app

runner = CliRunner()


def test_report_writes_the_brief_and_prints_a_json_summary(tmp_path: Path, db_path: Path,
                                                           store, cached_estimates):
    out = tmp_path / "brief"
    prefix = store.snapshot.snapshot_id[:14]
    result = runner.invoke(app, ["--db", str(db_path), "report", "--out", str(out),
                                 "--format", "html", "--snapshot", prefix, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["html"] == str(out / "brief.html") and summary["pdf"] is None
    assert all(Path(p).is_file() for p in summary["data"])
    assert summary["snapshot_id"] == store.snapshot.snapshot_id
    assert store.snapshot.snapshot_id in (out / "brief.html").read_text("utf-8")


def test_report_bad_format_is_a_one_line_input_error(tmp_path: Path, db_path: Path):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", "from aidwatch.cli import main; main()",
                           "--db", str(db_path), "report", "--out", str(tmp_path / "x"),
                           "--format", "docx"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: unknown brief format docx (use html, pdf or html,pdf)"]


def test_report_missing_article_names_the_file(tmp_path: Path, db_path: Path):
    result = runner.invoke(app, ["--db", str(db_path), "report", "--out", str(tmp_path / "x"),
                                 "--format", "html", "--check", str(tmp_path / "nope.txt")])
    assert result.exit_code != 0
    assert "nope.txt" in str(result.exception)
