"""Helpers for tests that need a broken or edited copy of the embedded data."""

from __future__ import annotations

import shutil
from pathlib import Path

from aidwatch.settings import DATA_DIR


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def append_line(path: Path, line: str) -> int:
    """Append a CSV line; returns its 1-based line number."""
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1
