"""Shared fixtures: a real DuckDB store built from the embedded data, and ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import aidwatch

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AIDWATCH_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once per test session from the embedded data (a real DuckDB file)."""
    path = tmp_path_factory.mktemp("store") / "aidwatch.duckdb"
    aidwatch.open_store(path).close()
    return path


@pytest.fixture()
def store(db_path: Path):
    with aidwatch.open_store(db_path) as s:
        yield s


@pytest.fixture(autouse=True)
def _isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the user's real store: default paths point into the test's tmp dir."""
    monkeypatch.setenv("AIDWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AIDWATCH_DB", raising=False)


@pytest.fixture()
def shared_dir() -> Path:
    """../shared (the CEO's shared folder). Absent on a user's clone: skip; in CI: must exist."""
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED} is missing but CI is set: CI must provide ../shared")
        pytest.skip(f"{SHARED} not present (a user's clone has no ../shared)")
    return SHARED


@pytest.fixture()
def run_cli(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """Run the real entry point (``aidwatch.cli.main``) in-process: (exit code, stdout, stderr).

    Usage: ``code, out, err = run_cli(db_path, "data", "list", "--json", stdin=b"...")``.
    """
    import io
    import sys

    from aidwatch import cli

    def run(db: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["aidwatch", "--db", str(db), *args])
        monkeypatch.setenv("COLUMNS", "200")
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = 0
        try:
            cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run
