"""The checked article for the page: uploads decoded, text cut into plain and claim pieces.

Pieces are plain strings; the template escapes every one of them, so nothing in an article
is ever read as markup.
"""

from __future__ import annotations

from fastapi import HTTPException


def decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise HTTPException(400, f"{name}: binary data, not text or HTML")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise HTTPException(400, f"{name}: not UTF-8 or Windows-1252 text")


def display_text(text: str, records: list[dict]) -> str:
    """The text the verdicts' offsets point into (the extracted text of HTML input)."""
    from ..claims.document import make_document

    candidates = [make_document(text).text, text]

    def hits(base: str) -> int:
        return sum(1 for r in records if isinstance(r.get("start"), int)
                   and base[r["start"]:r.get("end") or r["start"]] == r.get("quantity_text"))
    return max(candidates, key=hits)


def segments(base: str, records: list[dict]) -> list[dict]:
    """The text cut into plain pieces and highlighted claims (no overlaps; all escaped later)."""
    out, pos = [], 0
    spans = sorted((r for r in records if isinstance(r.get("start"), int)
                    and isinstance(r.get("end"), int) and 0 <= r["start"] < r["end"]
                    <= len(base)), key=lambda r: (r["start"], -r["end"]))
    for r in spans:
        if r["start"] < pos:
            continue  # a span inside one already marked: listed below, not re-highlighted
        out.append({"text": base[pos:r["start"]]})
        out.append({"text": base[r["start"]:r["end"]], "finding": r["n"],
                    "verdict": r["verdict"]})
        pos = r["end"]
    out.append({"text": base[pos:]})
    return out


MAIN_KEYS = ("verdict", "quantity_text", "kind", "sentence", "reference_value",
             "reference_period", "series", "period", "source", "snapshot", "reason")
