"""One reader for `check` and `report --check` (issue 12, items 12 and 20)."""

from __future__ import annotations

import codecs
import os
import time
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidwatch.brief.build import read_articles
from aidwatch.claims.check import read_input
from aidwatch.errors import AidWatchWarning, InputError
from aidwatch.textfile import decode, looks_like_html, read_text_input

ARTICLE = "Overdose deaths reached 106,699 in 2021, según el café de Peña.\n"


def both_readers(path) -> tuple[str, str]:
    """The text `check` reads and the text `report --check` reads from one file."""
    _, checked = read_input(str(path))
    ((_, _, briefed),) = read_articles([path])
    return checked, briefed


def test_check_refuses_dev_zero_at_once(run_cli, db_path):
    started = time.perf_counter()
    code, out, err = run_cli(db_path, "check", "/dev/zero")
    assert code == 2 and "not a regular file" in err and out == ""
    assert time.perf_counter() - started < 30


def test_report_check_refuses_dev_zero_too():
    with pytest.raises(InputError, match="not a regular file"):
        read_articles(["/dev/zero"])


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_text_input(fifo)


def test_inputs_over_the_size_limit_are_refused(run_cli, db_path, tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_text(ARTICLE * 100, encoding="utf-8")
    monkeypatch.setenv("AIDWATCH_MAX_INPUT_MB", "0.001")
    code, _, err = run_cli(db_path, "check", str(big))
    assert code == 2 and "too large" in err and "AIDWATCH_MAX_INPUT_MB" in err
    code, _, err = run_cli(db_path, "check", "-", stdin=(ARTICLE * 100).encode())
    assert code == 2 and "too large" in err
    with pytest.raises(InputError, match="too large"):
        read_articles([big])


def test_large_inputs_are_read_with_a_warning(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(ARTICLE * 20_000, encoding="utf-8")  # 1.3 MB
    with pytest.warns(AidWatchWarning, match="large"):
        got = read_text_input(big)
    assert got.text.startswith("Overdose")


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-32-le", codecs.BOM_UTF32_LE),
    ("utf-16-le", b""), ("cp1252", b""), ("latin-1", b""),
])
def test_both_readers_decode_every_encoding_the_same(tmp_path, encoding, bom):
    path = tmp_path / "a.txt"
    path.write_bytes(bom + ARTICLE.encode(encoding))
    checked, briefed = both_readers(path)
    assert checked == briefed == ARTICLE


def test_latin1_bytes_cp1252_leaves_undefined_still_read(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"Pe\xf1a said 106,699 \x81 deaths.\n")
    checked, briefed = both_readers(path)
    assert checked == briefed and checked.startswith("Peña")


def test_a_few_nul_bytes_become_spaces_in_both_readers(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(ARTICLE.encode() + b"\x00\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checked, briefed = both_readers(path)
    assert checked == briefed == ARTICLE + " \n"
    assert any("NUL" in str(w.message) for w in caught)


def test_binary_data_is_refused_by_both_readers(tmp_path, run_cli, db_path):
    path = tmp_path / "b.txt"
    path.write_bytes(b"\x00\x01\x02binary" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match="binary"):
        read_input(str(path))
    with pytest.raises(InputError, match="binary"):
        read_articles([path])
    code, _, err = run_cli(db_path, "check", str(path))
    assert code == 2 and "binary" in err


def test_check_reads_utf16_with_a_bom_and_finds_the_claim(run_cli, db_path, tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + ARTICLE.encode("utf-16-le"))
    code, out, err = run_cli(db_path, "check", str(path), "--json")
    assert code == 0, err
    assert '"quantity_text": "106,699"' in out


def test_html_is_detected_by_extension_and_past_a_long_head():
    head = "<head><style>" + "p { color: red; }\n" * 2000 + "</style></head>"
    assert len(head) > 5000
    assert looks_like_html(head + "<body><p>Text</p></body>")
    assert looks_like_html("no tags at all", "story.HTML")
    assert looks_like_html("plain", "story.htm") and not looks_like_html("plain", "story.txt")
    assert decode(b"<p>x</p>", "a.txt").is_html


@pytest.mark.filterwarnings("ignore::aidwatch.errors.AidWatchWarning")
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_the_reader_never_fails_except_with_an_input_error(data):
    try:
        got = decode(data, "fuzz.txt")
    except InputError:
        return
    assert "\x00" not in got.text
    assert isinstance(got.is_html, bool)
