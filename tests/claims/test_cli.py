"""``aidwatch check``: files, HTML, standard input, directories, JSON Lines, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from aidwatch.claims import JSON_KEYS

ARTICLES = Path(__file__).parent / "articles"


def test_check_prints_one_block_per_claim_and_a_summary(run_cli, db_path):
    code, out, _ = run_cli(db_path, "check",
                       str(ARTICLES / "01_overdose_counts.txt"))
    assert code == 0
    assert "106,699" in out and "supported" in out
    assert "01_overdose_counts.txt:" in out and "findings" in out and "snapshot" in out


def test_check_json_lines_have_the_documented_keys(run_cli, db_path):
    code, out, _ = run_cli(db_path, "check", "--json",
                       str(ARTICLES / "11_page.html"))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(list(r) == list(JSON_KEYS) for r in rows)
    assert {r["article"] for r in rows} == {"11_page.html"}
    assert rows[0]["quantity_text"] == "106,699" and rows[0]["verdict"] == "supported"


def test_check_reads_standard_input(run_cli, db_path):
    code, out, _ = run_cli(db_path, "check", "--json", "-",
                       stdin=b"Overdose deaths reached 106,699 in 2021.")
    assert code == 0
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["article"] == "-" and row["series"] == "us.overdose_deaths.total"


def test_check_a_directory_writes_every_article(run_cli, db_path, tmp_path):
    for name in ("01_overdose_counts.txt", "07_events.txt"):
        (tmp_path / name).write_bytes((ARTICLES / name).read_bytes())
    code, out, err = run_cli(db_path, "check", "--json", str(tmp_path))
    assert code == 0
    articles = {json.loads(line)["article"] for line in out.splitlines()}
    assert articles == {"01_overdose_counts.txt", "07_events.txt"}
    assert "2 articles checked" in err


def test_verdicts_do_not_change_the_exit_code(run_cli, db_path, tmp_path):
    f = tmp_path / "bad.txt"
    f.write_text("Officials say 150,000 overdose deaths occurred in 2019.", encoding="utf-8")
    code, out, _ = run_cli(db_path, "check", str(f))
    assert code == 0 and "contradicted" in out


def test_unreadable_input_exits_2_with_one_line(run_cli, db_path, tmp_path):
    code, out, err = run_cli(db_path, "check", str(tmp_path / "nope.txt"))
    assert code == 2 and err.startswith("error: cannot read") and "Traceback" not in err
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    code, _, err = run_cli(db_path, "check", str(binary))
    assert code == 2 and "binary" in err


def test_one_unreadable_file_among_many_is_reported_and_exits_2(run_cli, db_path, tmp_path):
    (tmp_path / "a.txt").write_text("Overdose deaths reached 106,699 in 2021.")
    (tmp_path / "b.txt").write_bytes(b"\x00\x00")
    code, out, err = run_cli(db_path, "check", "--json", str(tmp_path))
    assert code == 2
    assert json.loads(out.splitlines()[0])["article"] == "a.txt"
    assert "b.txt" in err


def test_an_empty_directory_is_bad_input(run_cli, db_path, tmp_path):
    code, _, err = run_cli(db_path, "check", str(tmp_path))
    assert code == 2 and "no article files" in err
