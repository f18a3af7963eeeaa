"""Fixtures for the brief: one brief built per session from the real store."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from aidwatch.brief import build_brief
from aidwatch.brief.pdf import find_chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def require(tool: str, found: object) -> None:
    """Skip when a browser-side tool is missing on a user's machine; fail under CI."""
    if found:
        return
    message = f"{tool} is not installed"
    if os.environ.get("CI"):
        pytest.fail(f"{message}, but CI is set: .ci/run must install it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_chromium()
    require("chromium (Debian package `chromium`)", path)
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def brief_dir(tmp_path_factory: pytest.TempPathFactory, db_path: Path) -> Path:
    """The brief as `aidwatch report` writes it (PDF too when Chromium is present)."""
    out = tmp_path_factory.mktemp("brief") / "aidwatch-brief"
    build_brief(out, db=db_path, formats="html,pdf" if find_chromium() else "html")
    return out


@pytest.fixture(scope="session")
def brief_html(brief_dir: Path) -> str:
    return (brief_dir / "brief.html").read_text("utf-8")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def pdftotext_path() -> str | None:
    return shutil.which("pdftotext")


_ESTIMATES: dict = {}


@pytest.fixture()
def cached_estimates(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> None:
    """Reuse one battery run across builds that do not test the estimates themselves."""
    from aidwatch.brief import findings

    real = findings.load_estimates

    def load(store):
        if "result" not in _ESTIMATES:
            _ESTIMATES["result"] = real(store)
        return _ESTIMATES["result"]
    monkeypatch.setattr(findings, "load_estimates", load)
