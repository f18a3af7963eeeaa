"""Where things live: the store path, the embedded data directory."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def user_data_dir() -> Path:
    """The per-user directory for the DuckDB store (XDG on Linux, ~/Library on macOS)."""
    if env := os.environ.get("AIDWATCH_HOME"):
        return Path(env).expanduser()
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif os.uname().sysname == "Darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "aidwatch"


def default_db_path() -> Path:
    """The store path: ``$AIDWATCH_DB`` if set, else ``<user data dir>/aidwatch.duckdb``."""
    if env := os.environ.get("AIDWATCH_DB"):
        return Path(env).expanduser()
    return user_data_dir() / "aidwatch.duckdb"
