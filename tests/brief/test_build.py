"""The brief's files, charts, CSVs, sections and reproducibility (no browser needed)."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from aidwatch import AidWatchError, InputError
from aidwatch.brief import build_brief
from aidwatch.brief.build import parse_formats, read_articles
from aidwatch.brief.findings import NOT_AVAILABLE

SECTIONS = ("Key findings", "Money", "Outcomes", "What changed", "Claims checked",
            "Sources and method")


class Figures(HTMLParser):
    """Collect each <figure>: its title, subtitle, caption text, links and SVG marks."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict] = []
        self.cls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            self.figures.append({"id": a.get("id"), "csv": a.get("data-csv"), "text": "",
                                 "title": "", "subtitle": "", "links": [], "points": 0,
                                 "segments": 0})
        if not self.figures or self.figures[-1].get("closed"):
            return
        f = self.figures[-1]
        self.cls.append(a.get("class") or "")
        if tag == "a":
            f["links"].append(a.get("href"))
        if tag == "circle" and "pt" in (a.get("class") or ""):
            f["points"] += 1
        if tag == "rect" and a.get("class") == "seg":
            f["segments"] += 1

    def handle_endtag(self, tag):
        if tag == "figure" and self.figures:
            self.figures[-1]["closed"] = True
        if self.cls:
            self.cls.pop()

    def handle_data(self, data):
        if not self.figures or self.figures[-1].get("closed"):
            return
        f = self.figures[-1]
        current = self.cls[-1] if self.cls else ""
        if current in ("title", "subtitle"):
            f[current] += data
        f["text"] += data


def figures(html: str) -> list[dict]:
    parser = Figures()
    parser.feed(html)
    return parser.figures


def test_brief_writes_html_pdf_and_the_csv_behind_every_chart(brief_dir: Path, brief_html: str):
    assert (brief_dir / "brief.html").stat().st_size > 10_000
    figs = figures(brief_html)
    assert len(figs) >= 4
    for f in figs:
        assert (brief_dir / f["csv"]).is_file(), f["csv"]
        assert f["csv"] in f["links"], f"{f['id']} does not link its CSV"
        for link in f["links"]:
            if link.startswith("data/"):
                assert (brief_dir / link).is_file(), link


def test_every_chart_has_title_units_source_and_snapshot(brief_html: str, store):
    snap = store.snapshot.snapshot_id
    for f in figures(brief_html):
        assert f["title"].strip() and f["subtitle"].strip(), f["id"]
        assert re.search(r"USD|[Dd]eaths|per 100,000", f["subtitle"]), f"{f['id']}: no unit"
        assert "Source:" in f["text"] and f"Snapshot {snap}" in f["text"], f["id"]


def _plotted(fig_id: str, data: pd.DataFrame) -> int:
    """How many marks a chart should draw from its CSV."""
    if fig_id == "money-total":
        const = next(c for c in data.columns if re.fullmatch(r"amount_usd_\d{4}", c))
        return int(data[const].notna().sum()) + int(
            data.loc[data["stage"] == "obligated", "amount_usd_nominal"].notna().sum())
    if fig_id == "synthetic-control":
        return int(data["treated"].notna().sum() + data["synthetic"].notna().sum())
    return int(data["value"].notna().sum()) if "value" in data.columns else len(data)


def test_chart_csv_rows_are_the_plotted_points(brief_dir: Path, brief_html: str):
    for f in figures(brief_html):
        data = pd.read_csv(brief_dir / f["csv"])
        drawn = f["points"] or f["segments"]
        assert drawn == _plotted(f["id"], data), f["id"]


def test_brief_has_every_section_and_states_snapshot_and_version(brief_html: str, store):
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in brief_html
    assert store.snapshot.snapshot_id in brief_html
    import aidwatch
    assert f"AidWatch {aidwatch.__version__}" in brief_html
    assert f"Updated {store.snapshot.data_date}" in brief_html


def test_html_is_self_contained(brief_html: str):
    assert not re.search(r"<script[^>]+src=", brief_html)
    assert not re.search(r"<link[^>]+stylesheet", brief_html)
    assert not re.search(r"<img[^>]+src=\"?https?:", brief_html)
    assert not re.search(r"url\(\s*['\"]?https?:", brief_html)
    assert "@import" not in brief_html


def test_same_snapshot_gives_the_same_brief(tmp_path: Path, db_path: Path, brief_html: str):
    again = build_brief(tmp_path / "again", db=db_path, formats="html")
    assert again.html.read_text("utf-8") == brief_html
    first = pd.read_csv(tmp_path / "again" / "data" / "overdose.csv")
    assert len(first) > 0


def test_money_chart_never_adds_figures_from_two_documents(brief_dir: Path):
    data = pd.read_csv(brief_dir / "data" / "money-merida.csv")
    assert (data.groupby("fiscal_year")["source_id"].nunique() == 1).all()
    assert set(data["stage"]) == {"appropriated"}


def test_brief_lists_every_source_it_uses_with_its_retrieval_date(brief_dir: Path,
                                                                 brief_html: str, store):
    used = set()
    for csv in (brief_dir / "data").glob("*.csv"):
        frame = pd.read_csv(csv)
        for col in ("source_id", "source"):
            if col in frame.columns:
                used |= {s for s in frame[col].dropna().astype(str) if s in
                         set(store.sources()["source_id"])}
    assert used
    for sid in used:
        src = store.source(sid)
        assert escape(src.url) in brief_html, sid
        assert f"retrieved {src.retrieved[:10]}" in brief_html


def test_default_check_is_the_shipped_restatement_of_the_press_figures(brief_html: str):
    from aidwatch.brief.findings import default_check
    attribution, text = default_check()
    assert "IF10578" in attribution and "Rio Times" in attribution
    for figure in ("27,700", "107,450", "69.4%", "tripled", "$3.5 billion", "R$19.6 billion",
                   "2020", "December 2020", "October 2021", "July 2024"):
        assert figure in text, figure
    assert "restated by AidWatch" in attribution and "IF10578" not in text
    assert "Claims checked" in brief_html


def test_checked_article_gets_its_own_claim_table(tmp_path: Path, db_path: Path,
                                                 shared_dir: Path, cached_estimates):
    article = next((shared_dir / "examples").glob("*.txt"))
    result = build_brief(tmp_path / "b", db=db_path, formats="html", check=[article])
    html = result.html.read_text("utf-8")
    assert f"<h3>{article.name}</h3>" in html
    if NOT_AVAILABLE not in html.split("Claims checked", 1)[1].split("Sources and method")[0]:
        rows = pd.read_csv(next((tmp_path / "b" / "data").glob("claims-*.csv")))
        assert "27,700" in " ".join(rows["quantity_text"].astype(str))


def test_sections_say_not_available_when_their_module_is_missing(tmp_path: Path, db_path: Path,
                                                                monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "aidwatch.evaluate", None)
    monkeypatch.setitem(sys.modules, "aidwatch.claims", None)
    html = build_brief(tmp_path / "b", db=db_path, formats="html").html.read_text("utf-8")
    changed = html.split("<h2>What changed</h2>", 1)[1].split("<h2>", 1)[0]
    claims = html.split("<h2>Claims checked</h2>", 1)[1].split("<h2>", 1)[0]
    assert NOT_AVAILABLE in changed and "<table" not in changed
    assert NOT_AVAILABLE in claims and "<table" not in claims


def test_format_and_article_errors_name_the_problem(tmp_path: Path):
    with pytest.raises(InputError, match="unknown brief format docx"):
        parse_formats("html,docx")
    assert parse_formats("PDF") == (("pdf",), False)
    with pytest.raises(InputError, match="no such file"):
        read_articles([tmp_path / "missing.txt"])
    (tmp_path / "empty.txt").write_text(" \n")
    with pytest.raises(InputError, match="is empty"):
        read_articles([tmp_path / "empty.txt"])


def test_explicit_pdf_without_chromium_fails_and_default_skips_it(tmp_path: Path, db_path: Path,
                                                                  monkeypatch, cached_estimates):
    monkeypatch.setenv("AIDWATCH_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(AidWatchError, match="no Chromium found"):
        build_brief(tmp_path / "a", db=db_path, formats="pdf")
    result = build_brief(tmp_path / "b", db=db_path)
    assert result.pdf is None and result.html.is_file()
    assert any("brief.pdf not written" in w for w in result.warnings)


def test_rebuilding_into_the_same_folder_drops_the_previous_briefs_stale_csvs(
        tmp_path: Path, db_path: Path, cached_estimates):
    out = tmp_path / "b"
    article = tmp_path / "old-article.txt"
    article.write_text("Overdose deaths reached 106,699 in 2021.\n", "utf-8")
    first = build_brief(out, db=db_path, formats="html", check=[article])
    assert (out / "data" / "claims-old-article-txt.csv") in first.csv
    (out / "data" / "mine.csv").write_text("my,own\n1,2\n")  # the user's, never the brief's
    result = build_brief(out, db=db_path, formats="html")
    assert not (out / "data" / "claims-old-article-txt.csv").exists()
    assert (out / "data" / "mine.csv").read_text() == "my,own\n1,2\n"
    assert sorted(p.name for p in (out / "data").glob("*.csv")) == sorted(
        [p.name for p in result.csv if p.parent == out / "data"] + ["mine.csv"])


def test_progress_reports_every_step_in_order(tmp_path: Path, db_path: Path, cached_estimates):
    from aidwatch.brief.build import STEPS

    seen: list[tuple[str, int, int]] = []
    build_brief(tmp_path / "b", db=db_path, formats="html",
                progress=lambda step, i, n: seen.append((step, i, n)))
    assert [s for s, _, _ in seen] == [s for s in STEPS if s != "Printing PDF"]
    assert [i for _, i, _ in seen] == list(range(1, len(seen) + 1))
    assert {n for _, _, n in seen} == {len(seen)}


def test_methods_table_lists_each_estimator_with_its_reference(brief_html: str):
    from aidwatch.brief.build import METHOD_REFERENCES, method_family

    assert method_family("ITS (level)") == "its"
    assert method_family("dose-response (lags 0-2)") == "dose-response"
    assert method_family("difference-in-differences (TWFE)") == "difference-in-differences"
    import html as html_lib

    methods = html_lib.unescape(brief_html.split("Sources and method", 1)[1])
    for family in ("synthetic control", "its", "dose-response", "event study"):
        name, reference = METHOD_REFERENCES[family]
        assert name in methods and reference in methods, family
    assert "Sun, L. and Abraham, S. (2021)" in methods


def test_estimate_rows_keep_each_estimates_own_reading_and_caveats(brief_dir: Path):
    rows = pd.read_csv(brief_dir / "data" / "estimates.csv")
    readings = " ".join(rows["reading"].astype(str))
    assert "a before-after comparison, not a DiD" in readings
    assert "cannot be read as an effect" in readings  # the failed pre-trend test
    assert "are not separated from Mérida" in readings  # synth confounding note
    assert "the cooperation caused it" not in readings
    guard = rows[rows["intervention"].astype(str).str.contains("National Guard")]
    assert not guard.empty and not guard["reading"].str.contains("cooperation").any()


def test_text_checked_box_shows_the_extracted_text_not_the_html_source(
        tmp_path: Path, db_path: Path, cached_estimates):
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><html><head><title>Overdoses</title><style>p {color: red}"
                    "</style></head><body><article><p>Overdose deaths reached 106,699 in 2021, "
                    "the CDC said in its final count.</p></article></body></html>", "utf-8")
    html = build_brief(tmp_path / "b", db=db_path, formats="html", check=[page]
                       ).html.read_text("utf-8")
    box = html.split("<summary>Text checked</summary>", 1)[1].split("</details>", 1)[0]
    assert "Overdose deaths reached 106,699 in 2021" in box
    assert "&lt;p&gt;" not in box and "color: red" not in box and "<p>" not in box


def test_report_check_reads_files_like_check_does(tmp_path: Path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Según el INEGI, hubo 32,252 homicidios en 2023.".encode("cp1252"))
    (name, _, text), = read_articles([latin1])
    assert name == "latin1.txt" and text.startswith("Según el INEGI")
    binary = tmp_path / "nul.txt"
    binary.write_bytes(b"\x00\x01\x02\x03" * 300)  # mostly NUL and control bytes
    with pytest.raises(InputError, match="--check: .*binary"):
        read_articles([binary])


def test_report_check_refuses_what_is_not_a_regular_file(run_cli, db_path, tmp_path):
    code, _, err = run_cli(db_path, "report", "--out", str(tmp_path / "b"), "--format", "html",
                           "--check", "/dev/zero", "--quiet")
    assert code == 2 and "not a regular file" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists()
