"""The brief in a real headless Chromium (the system binary), and its PDF.

Under CI these fail when Chromium, Playwright or pdftotext is missing; elsewhere they skip.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import pdftotext_path, require

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def page(chromium: str, brief_dir: Path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("playwright (pip install playwright; never `playwright install`)", None)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        pg = browser.new_page(viewport={"width": 1100, "height": 900})
        problems: list[str] = []
        pg.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
              if m.type in ("error", "warning") else None)
        pg.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        pg.on("request", lambda r: problems.append(f"network: {r.url}")
              if not r.url.startswith(("file:", "data:", "about:")) else None)
        pg.goto((brief_dir / "brief.html").as_uri())
        pg.wait_for_load_state("load")
        yield pg, problems
        browser.close()


def test_brief_renders_without_console_errors_or_network(page):
    pg, problems = page
    assert pg.title().endswith("AidWatch evidence brief")
    assert problems == []


def test_every_chart_is_drawn_with_marks(page):
    pg, _ = page
    charts = pg.locator("svg.chart")
    assert charts.count() >= 4
    for i in range(charts.count()):
        chart = charts.nth(i)
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150
        assert chart.locator("path.line, rect.seg").count() > 0


def test_hovering_a_chart_shows_its_values(page):
    pg, _ = page
    column = pg.locator("#fig-overdose rect.hover").last
    column.scroll_into_view_if_needed()
    column.hover()
    tip = pg.locator(".tooltip")
    assert tip.is_visible()
    assert "deaths" in tip.inner_text() and any(ch.isdigit() for ch in tip.inner_text())
    marker = pg.locator("#fig-overdose .mark-label").first
    marker.hover()
    assert "Source:" in tip.inner_text()


def test_screenshot_is_saved_as_a_test_artefact(page, artifacts: Path):
    pg, _ = page
    pg.evaluate("window.scrollTo(0, 0)")
    path = artifacts / "brief.png"
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 50_000


def test_pdf_opens_and_has_every_section(brief_dir: Path, chromium: str):
    from .test_build import SECTIONS
    tool = pdftotext_path()
    require("pdftotext (Debian package `poppler-utils`)", tool)
    pdf = brief_dir / "brief.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    for title in SECTIONS:
        assert title in flat, title
    assert "Snapshot" in flat and "Source:" in flat
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Pages:" in pages
