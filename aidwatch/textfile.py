"""The one reader of text and HTML inputs (``aidwatch check``, ``report --check``, the API).

What it guarantees, whoever calls it:

- only regular files are read (``/dev/zero``, a FIFO, a folder are refused before a byte is
  read); standard input is read with the same cap;
- size: inputs over ``max_input_bytes()`` (10 MB, ``$AIDWATCH_MAX_INPUT_MB``) are refused;
  over ``LARGE_BYTES`` (1 MB) a warning says the check will take a while;
- encodings, in this order: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE), strict
  UTF-8, UTF-16 without a mark (recognised by its zero bytes), then Windows-1252 (Latin-1
  for the five bytes cp1252 leaves undefined) — so a Latin-1 article reads the same
  everywhere;
- NUL bytes: a text with a few stray NULs (at most 8, or 1% of the text) has each replaced
  by a space (offsets stay those of the decoded text) and a warning; more NULs, or control
  bytes in over a tenth of the first 4,096 characters, mean binary data, refused;
- HTML is recognised by the file name (``.html``, ``.htm``, ``.xhtml``) as well as by tags
  anywhere in the first 200,000 characters (a long ``<head><style>`` no longer hides them).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .errors import AidWatchWarning, InputError

DEFAULT_MAX_MB = 10
LARGE_BYTES = 1_000_000
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
SNIFF_CHARS = 200_000
BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)
_HTML_TAG = re.compile(r"<(!doctype\s+html|html|head|body|article|main|p|div|span|h[1-6]|"
                       r"time|meta|title)\b", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


@dataclass
class TextInput:
    """One input read and decoded: its display name, text, encoding and kind."""

    name: str
    text: str
    encoding: str
    is_html: bool
    size: int
    notes: list[str] = field(default_factory=list)


def max_input_bytes() -> int:
    """The size limit for one input, from ``$AIDWATCH_MAX_INPUT_MB`` (default 10 MB)."""
    raw = os.environ.get("AIDWATCH_MAX_INPUT_MB", "")
    try:
        mb = float(raw) if raw.strip() else DEFAULT_MAX_MB
    except ValueError:
        raise InputError(f"AIDWATCH_MAX_INPUT_MB={raw!r} is not a number",
                         f"set it to a size in MB, e.g. {DEFAULT_MAX_MB}") from None
    if mb <= 0:
        raise InputError(f"AIDWATCH_MAX_INPUT_MB={raw!r} must be more than 0")
    return int(mb * 1_000_000)


def looks_like_html(text: str, name: str | None = None) -> bool:
    """HTML by its file name, or by a tag anywhere near the start of the text."""
    if name and name.lower().endswith(HTML_SUFFIXES):
        return True
    return bool(_HTML_TAG.search(text[:SNIFF_CHARS]))


def read_text_input(path: str | os.PathLike, *, limit: int | None = None) -> TextInput:
    """Read one input: a file path, or ``"-"`` for standard input.

    Raises ``InputError`` (one line naming the input) for anything that is not readable text.
    """
    limit = max_input_bytes() if limit is None else limit
    if os.fspath(path) == "-":
        data = _read_capped(sys.stdin.buffer, "standard input", limit)
        return decode(data, "-")
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"cannot read {p}: no such file") from None
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{p} is a directory", "pass the files in it, or the folder to "
                         "`aidwatch check`, which reads its article files")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"cannot read {p}: not a regular file (a device, pipe or socket)",
                         "save the text to a file, or pipe it to standard input with -")
    if st.st_size > limit:
        raise InputError(_too_large(p, st.st_size, limit), _LIMIT_HINT)
    try:
        with open(p, "rb") as fh:
            data = _read_capped(fh, str(p), limit)
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror}") from None
    return decode(data, p.name)


_LIMIT_HINT = "split it, or raise the limit with AIDWATCH_MAX_INPUT_MB"


def _too_large(name: object, size: int, limit: int) -> str:
    return (f"{name} is too large to check ({size / 1e6:,.1f} MB; the limit is "
            f"{limit / 1e6:g} MB)")


def _read_capped(stream: BinaryIO, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes; one more byte means the input is over the limit."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(_too_large(name, len(data), limit).replace(
            f"({len(data) / 1e6:,.1f} MB;", "(more than the limit;"), _LIMIT_HINT)
    return data


def decode(data: bytes, name: str = "-") -> TextInput:
    """Bytes of one input as text, by the rules in the module docstring."""
    text, encoding = _decode(data, name)
    notes: list[str] = []
    if "\x00" in text:
        nuls = text.count("\x00")
        head = text[:4096]
        if nuls > max(8, len(text) // 100) or len(_CONTROL.findall(head)) > len(head) / 10:
            raise InputError(f"cannot read {name}: binary data, not text or HTML")
        text = text.replace("\x00", " ")
        notes.append(f"{name}: {nuls} NUL byte(s) replaced by spaces")
    if len(data) > LARGE_BYTES:
        notes.append(f"{name} is large ({len(data) / 1e6:,.1f} MB): checking it may take a "
                     "while")
    for note in notes:
        warnings.warn(AidWatchWarning(note), stacklevel=3)
    return TextInput(name, text, encoding, looks_like_html(text, name), len(data), notes)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for bom, codec, label in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), label
            except UnicodeDecodeError:
                raise InputError(f"cannot read {name}: it starts with a {label} byte-order "
                                 "mark but is not valid " + label.split(" with")[0]) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text with no mark: ASCII-heavy text puts a zero in every other byte."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) > 0.9 * len(zeros) and (even if zeros is odd else odd).count(0) == 0:
            try:
                return data.decode(codec), codec.upper().replace("UTF-16-", "UTF-16 ")
            except UnicodeDecodeError:
                return None
    return None
