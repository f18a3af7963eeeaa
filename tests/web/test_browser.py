"""The web app in a real headless Chromium (Debian's binary) driven by Playwright.

Under CI these fail when Chromium or Playwright is missing; elsewhere they skip.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from aidwatch.brief.pdf import find_chromium

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PAYLOADS = ('<script>window.__pwned = 1; alert("script")</script>\n'
            '<img src="http://198.51.100.7/x.png" onerror="alert(\'img\')">\n'
            '<a href="javascript:alert(\'link\')">click me</a>\n'
            '<svg onload="alert(\'svg\')"><circle r="5"/></svg>\n'
            "Overdose deaths reached 106,699 in 2021.")


def _require(what: str, found: object) -> None:
    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed, but CI is set: .ci/run must install it")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def browser():
    path = find_chromium()
    _require("chromium (Debian package `chromium`)", path)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("playwright (pip install playwright; never `playwright install`)", None)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=FLAGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    """A fresh page that records console errors, dialogs and every request off the server."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    origin = urlparse(server).netloc
    pg.problems = []
    pg.dialogs = []
    pg.on("console", lambda m: pg.problems.append(f"{m.type}: {m.text}")
          if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"pageerror: {e}"))
    pg.on("request", lambda r: pg.problems.append(f"network: {r.url}")
          if urlparse(r.url).netloc != origin and not r.url.startswith(("data:", "about:"))
          else None)

    def on_dialog(d):
        pg.dialogs.append(d.message)
        d.dismiss()
    pg.on("dialog", on_dialog)
    yield pg
    ctx.close()


def _chart_values(pg, n: int = 0) -> dict[tuple[str, str], str]:
    labels = pg.eval_on_selector_all(f"#table-{n} thead th[data-label]",
                                     "els => els.map(e => e.dataset.label)")
    tips = pg.eval_on_selector_all(f"#chart-{n} circle.pt",
                                   "els => els.map(e => e.getAttribute('data-tip'))")
    out = {}
    for tip in tips:
        period, rest = tip.split(" · ", 1)
        label = next(lb for lb in labels if rest.startswith(lb + ": "))
        out[(period, label)] = rest[len(label) + 2:].split(" ")[0]
    return out


def _table_values(pg, n: int = 0) -> dict[tuple[str, str], str]:
    rows = pg.eval_on_selector_all(f"#table-{n} tbody tr", """rows => rows.map(r => [
        r.dataset.period, Array.from(r.querySelectorAll('td')).map(td => td.firstChild ?
        td.firstChild.textContent.trim() : '')])""")
    labels = pg.eval_on_selector_all(f"#table-{n} thead th[data-label]",
                                     "els => els.map(e => e.dataset.label)")
    return {(period, labels[i]): v for period, cells in rows for i, v in enumerate(cells) if v}


@pytest.mark.parametrize("path", ["/", "/series", "/money", "/evaluate", "/check",
                                  "/timeline", "/api/v1/docs"])
def test_every_page_loads_without_errors_or_outside_requests(page, server, path):
    response = page.goto(server + path)
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert "Snapshot" in page.locator("footer").inner_text()
    assert page.problems == []


def test_series_controls_draw_chart_and_table_with_the_same_values(page, server):
    page.goto(server + "/series")
    page.select_option("#series-select", ["us.overdose_deaths.total",
                                          "us.overdose_deaths.synthetic_opioids"])
    page.fill("#from", "2005")
    page.click("#show")
    page.wait_for_load_state("load")
    chart, table = _chart_values(page), _table_values(page)
    assert len(chart) > 20 and chart == table
    assert min(p for p, _ in chart) == "2005"
    assert page.locator("#chart-0 path.line").count() == 2
    assert page.problems == []


def test_hover_names_the_value_and_an_event_with_its_source(page, server):
    page.goto(server + "/series?id=us.overdose_deaths.total")
    page.locator("#chart-0 rect.hover").last.hover()
    tip = page.locator(".tooltip")
    assert tip.is_visible() and "deaths" in tip.inner_text()
    page.locator("#chart-0 .mark-label").first.hover()
    assert "Source:" in tip.inner_text()


def test_permalink_restores_series_period_and_geography(page, browser, server):
    page.goto(server + "/series")
    page.select_option("#series-select", ["intl.homicides.rate_per_100k"])
    page.click("#show")
    page.wait_for_load_state("load")
    page.select_option(".geo-select", ["COL", "MEX"])
    page.fill("#from", "2000")
    page.fill("#to", "2015")
    page.click("#show")
    page.wait_for_load_state("load")
    link = page.locator("#permalink").get_attribute("href")
    before = _table_values(page)
    other = browser.new_page()
    other.goto(server + link)
    assert _table_values(other) == before
    assert sorted(other.eval_on_selector_all(".geo-select option:checked",
                                             "els => els.map(e => e.value)")) == ["COL", "MEX"]
    assert {p for p, _ in before} == {str(y) for y in range(2000, 2016)}
    other.close()


def test_timeline_tabs_switch_in_place_and_the_permalink_keeps_the_tab(page, server):
    page.goto(server + "/timeline")
    assert page.locator("#panel-sources").is_hidden()
    page.click("#tab-sources")
    assert page.locator("#panel-sources").is_visible()
    assert "tab=sources" in page.url
    page.goto(server + page.locator("#permalink").get_attribute("href"))
    assert page.locator("#panel-sources").is_visible()
    assert page.locator("#panel-events").is_hidden()


def test_money_controls_switch_series_and_constant_dollars(page, server):
    page.goto(server + "/money")
    page.select_option("#m-series", "us.aid.mexico.merida")
    page.select_option("#m-by", "account")
    page.select_option("#m-constant", "2024")
    page.locator("#money-form button").click()
    page.wait_for_load_state("load")
    assert "constant=2024" in page.url
    assert "CPI-U" in page.locator("main").inner_text()
    assert page.locator("#funding-table tbody tr").count() > 0


def test_evaluation_runs_from_the_form_and_shows_estimates(page, server):
    page.goto(server + "/evaluate")
    page.select_option("#e-method", "its")
    page.select_option("#e-outcome", "mx.homicides.rate_per_100k")
    page.click("#run")
    page.wait_for_load_state("load")
    assert "method=its" in page.url
    assert page.locator("#estimates tbody tr").count() >= 2
    assert page.locator("svg.chart").count() >= 1
    assert "interval" in page.locator("#estimates").inner_text()


def test_checker_highlights_the_claims_at_their_spans(page, server, client):
    text = ("Overdose deaths reached 106,699 in 2021. Mexico recorded 32,252 homicides in "
            "2023, the Mérida Initiative having started in 2008.")
    expected = client.post("/api/v1/check", json={"text": text}).json()["data"]
    page.goto(server + "/check")
    page.fill("#c-text", text)
    page.click("#check")
    page.wait_for_load_state("load")
    marks = page.eval_on_selector_all("#article a.claim", "els => els.map(e => [e.textContent, "
                                      "e.className])")
    spans = [(r["quantity_text"], r["verdict"]) for r in expected
             if text[r["start"]:r["end"]] == r["quantity_text"]]
    assert [m[0] for m in marks] == [s[0] for s in dict.fromkeys(spans)]
    for (quantity, cls), (_, verdict) in zip(marks, dict.fromkeys(spans), strict=True):
        assert f"v-{verdict}" in cls, quantity
    assert page.locator("#article").inner_text() == text
    page.locator("#article a.claim").first.click()
    finding = page.locator(".finding.active")
    assert finding.count() == 1 and "106,699" in finding.inner_text()
    assert "supported" in page.locator("#summary").inner_text()


HTML_PAGE = ("<html><head><title>t</title></head><body><article><p>" + PAYLOADS.replace(
    "\n", "</p><p>") + "</p></article></body></html>")


@pytest.mark.parametrize("payload", [PAYLOADS, HTML_PAGE], ids=["text", "html-document"])
def test_pasted_markup_is_shown_as_text_and_nothing_runs_or_loads(page, server, payload):
    page.goto(server + "/check")
    page.fill("#c-text", payload)
    page.click("#check")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    article = page.locator("#article")
    shown = article.inner_text()
    assert page.locator("#c-text").input_value() == payload  # the paste comes back verbatim
    if payload is PAYLOADS:  # read as plain text: every tag is shown, literally
        for piece in ('<script>window.__pwned', 'onerror="alert', "javascript:alert",
                      '<svg onload="alert'):
            assert piece in shown, piece
    assert "106,699" in shown
    assert article.locator("script, img, svg, iframe").count() == 0
    assert article.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    assert page.dialogs == []
    assert [p for p in page.problems if p.startswith("network")] == []
    # the findings list renders the same text escaped as well
    assert page.locator(".findings-list script, .findings-list img").count() == 0


def test_screenshot_of_the_series_explorer(page, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server + "/series?id=mx.homicides.rate_per_100k&id=mx.homicides.inegi."
              "rate_per_100k&from=2000")
    path = ARTIFACTS / "web-series.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 30_000
    assert re.search(r"Snapshot \S+", page.locator("footer").inner_text())
