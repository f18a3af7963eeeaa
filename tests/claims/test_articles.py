"""The hand-written test articles: every claim form and every verdict, on known evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aidwatch.claims.check import check_text
from aidwatch.claims.document import make_document

ARTICLES = Path(__file__).parent / "articles"
EXPECTED = json.loads((ARTICLES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_article_claims_and_verdicts_match_expectations(name, evidence):
    text = (ARTICLES / name).read_text(encoding="utf-8")
    got = [[v.claim.quantity_text, v.claim.kind, v.verdict]
           for v in check_text(text, article=name, evidence=evidence)]
    assert got == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_offsets_point_at_the_quantity_in_the_checked_text(name, evidence):
    raw = (ARTICLES / name).read_text(encoding="utf-8")
    text = make_document(raw).text  # for HTML, offsets refer to the extracted main text
    for v in check_text(raw, article=name, evidence=evidence):
        assert text[v.claim.start:v.claim.end] == v.claim.quantity_text
        assert v.claim.sentence_start <= v.claim.start < v.claim.end <= v.claim.sentence_end


def test_every_verdict_and_every_kind_is_exercised_by_the_articles():
    verdicts = {row[2] for rows in EXPECTED.values() for row in rows}
    kinds = {row[1] for rows in EXPECTED.values() for row in rows}
    assert verdicts == {"supported", "approximately_right", "contradicted", "unverifiable"}
    assert kinds >= {"count", "rate", "share", "ratio", "money", "date", "conversion",
                     "consistency"}


def test_reasons_name_the_reference_figure(evidence):
    text = (ARTICLES / "02_provisional.txt").read_text(encoding="utf-8")
    first = check_text(text, evidence=evidence)[0]
    assert first.verdict == "approximately_right"
    assert "105,007" in first.reason and "107,543" in first.reason
    assert "provisional" in first.reason
    # the verdict rests on the provisional vintage; the final count it was revised to is named
    assert first.reference_value == 107543 and first.revised_to == 105007
    assert first.to_json()["revised_to"] == 105007
    assert first.snapshot == "test-snapshot"


def test_unintentional_match_is_reported_but_never_upgrades_the_verdict(evidence):
    v = check_text("Overdose deaths stood at 27.7 thousand in 2007.", evidence=evidence)[0]
    assert v.verdict == "contradicted"
    assert "unintentional" in v.reason and "27,658" in v.reason


def test_the_html_page_drops_navigation_scripts_and_footers(evidence):
    raw = (ARTICLES / "11_page.html").read_text(encoding="utf-8")
    doc = make_document(raw)
    assert "Subscribe" not in doc.text and "999,999" not in doc.text
    assert "123,456" not in doc.text and "employees" not in doc.text
    assert "106,699" in doc.text
    assert doc.metadata.dateline is not None and doc.metadata.dateline.isoformat() == \
        "2022-05-11"
