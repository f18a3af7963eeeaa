"""The templates hold words and markup only: every number comes from records."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aidwatch.brief import charts
from aidwatch.brief.sections import date_span, money_usd

TEMPLATES = resources.files("aidwatch.brief").joinpath("templates")


def _text_of(template: str) -> str:
    text = re.sub(r"{{.*?}}|{%.*?%}|{#.*?#}", " ", template, flags=re.S)
    text = re.sub(r"<style>.*?</style>|<script>.*?</script>", " ", text, flags=re.S)
    return re.sub(r"<[^>]*>", " ", text)


def test_no_number_in_the_templates():
    names = [p.name for p in TEMPLATES.iterdir() if p.name.endswith(".j2")]
    assert names
    for name in names:
        text = _text_of(TEMPLATES.joinpath(name).read_text("utf-8"))
        found = re.findall(r".{0,20}\d.{0,20}", text)
        assert not found, f"{name}: {found}"


def test_template_check_catches_a_typed_number():
    assert re.search(r"\d", _text_of("<p>Deaths rose to 107,450 {{ x }}</p>"))
    assert not re.search(r"\d", _text_of("<h2>Money {{ f.csv }}</h2>"))


@given(st.floats(-1e12, 1e12, allow_nan=False), st.floats(0, 1e12, allow_nan=False))
@example(5e-324, 0.0)
@example(0.0, 3.6e-225)
def test_nice_ticks_cover_the_range_in_increasing_steps(a, width):
    lo, hi = a, a + width
    ticks = charts.nice_ticks(lo, hi)
    assert ticks[0] <= lo + 1e-6 * max(1, abs(lo)) and ticks[-1] >= hi - 1e-6 * max(1, abs(hi))
    assert all(b > a for a, b in zip(ticks, ticks[1:], strict=False))
    assert len(ticks) <= 13


@pytest.mark.parametrize(("date", "precision", "width"), [
    ("2020-10-15", "day", 0.0), ("2010-07", "month", 1 / 12), ("2012", "year", 1.0)])
def test_events_are_drawn_at_their_date_precision(date, precision, width):
    start, end = date_span(date, precision)
    assert end - start == pytest.approx(width)
    assert int(start) == int(date[:4])


def test_money_reads_as_a_sentence():
    assert money_usd(3.5e9) == "$3.5 billion"
    assert money_usd(158_900_000) == "$158.9 million"
    assert money_usd(3e9) == "$3 billion"
    assert charts.compact(1.2e9, money=True) == "$1.2B" and charts.compact(25_000) == "25k"


def test_line_chart_labels_never_overlap_and_every_point_has_a_tooltip():
    lines = [charts.Line(f"series {i}", [2000, 2001], [10.0 + i * 0.01, 11.0], [f"a{i}", f"b{i}"])
             for i in range(4)]
    svg = charts.line_chart(lines, x_domain=(2000, 2001), y_label="deaths")
    ys = [float(y) for y in re.findall(r'class="end-label" x="[\d.]+" y="([\d.]+)"', svg)]
    assert len(ys) == 4 and all(b - a >= 12.9 for a, b in zip(sorted(ys), sorted(ys)[1:],
                                                                strict=False))
    assert svg.count('class="pt"') == 8 and svg.count("<title>") >= 8


def test_chart_text_is_escaped():
    svg = charts.line_chart([charts.Line("<b>x</b>", [1], [1.0], ["<script>"])],
                            x_domain=(0, 2), y_label="a & b")
    assert "<script>" not in svg and "<b>" not in svg and "a &amp; b" in svg


def test_coverage_gaps_are_rendered_as_escaped_html(tmp_path, monkeypatch):
    from aidwatch.brief import build

    (tmp_path / "GAPS.md").write_text(
        "# Gaps\n\nIntro line one\nline two.\n\n## Funding\n\n- **Bold** item with `code`\n"
        "  continued <script>x</script>\n- second\n", "utf-8")
    monkeypatch.setattr(build, "DATA_DIR", tmp_path)
    html = build.gaps_html()
    assert "<p>Intro line one line two.</p>" in html
    assert "<h4>Funding</h4>" in html and html.count("<li>") == 2
    assert "<strong>Bold</strong> item with <code>code</code> continued &lt;script&gt;" in html
