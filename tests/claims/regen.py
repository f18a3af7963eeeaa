"""Regenerate the claim checker's golden output for the example article.

    .venv/bin/python -m tests.claims.regen          # writes tests/golden/claims/*.jsonl
    AIDWATCH_REGEN_GOLDEN=1 .venv/bin/pytest tests/claims/test_golden.py   # same, via pytest

Run it after the evidence base changes, then review the diff: every changed verdict or
reference value should be explained by the data that changed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = ROOT / "tests" / "golden" / "claims"
EXAMPLE = "menafn-us-mexico-security-cooperation.txt"
GOLDEN = GOLDEN_DIR / (Path(EXAMPLE).stem + ".jsonl")


def golden_rows(store, shared: Path) -> list[dict]:
    """The example article's verdicts as JSON objects, without the snapshot id (a data hash)."""
    from aidwatch.claims import check_text

    text = (shared / "examples" / EXAMPLE).read_text(encoding="utf-8")
    rows = []
    for v in check_text(text, store, article=EXAMPLE):
        row = v.to_json()
        row.pop("snapshot")
        rows.append(row)
    return rows


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main() -> None:
    import aidwatch

    shared = Path(os.environ.get("AIDWATCH_SHARED", ROOT.parent / "shared"))
    with tempfile.TemporaryDirectory() as tmp, aidwatch.open_store(Path(tmp) / "s.duckdb") as s:
        rows = golden_rows(s, shared)
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(render(rows), encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(ROOT)} ({len(rows)} findings)")


if __name__ == "__main__":
    main()
