"""The example article (../shared/examples): every numeric and dated claim found and judged,
the dateline problem flagged, and the whole output pinned as a golden file.

Regenerate after data changes: ``python -m tests.claims.regen`` (or AIDWATCH_REGEN_GOLDEN=1).
"""

from __future__ import annotations

import json
import os

import pytest

from .regen import GOLDEN, golden_rows, render

pytestmark = pytest.mark.shared


@pytest.fixture()
def rows(store, shared_dir):
    return golden_rows(store, shared_dir)


def test_every_numeric_and_dated_claim_is_found(rows):
    numeric = [r["quantity_text"] for r in rows if r["kind"] not in ("date", "consistency")]
    assert numeric == ["27,700", "107,450", "69.4%", "tripling",
                       "over R$19.6 billion ($3.5 billion)", "$3.5 billion"]
    dates = [r["quantity_text"] for r in rows if r["kind"] == "date"]
    assert dates == ["from 2018 to 2021", "2020", "2021", "July 2024"]
    kinds = {r["quantity_text"]: r["kind"] for r in rows if r["kind"] != "consistency"}
    assert kinds["27,700"] == kinds["107,450"] == "count"
    assert kinds["69.4%"] == "share" and kinds["tripling"] == "ratio"
    assert kinds["$3.5 billion"] == "money"
    assert kinds["over R$19.6 billion ($3.5 billion)"] == "conversion"


def test_the_dateline_problem_is_flagged(rows):
    findings = [r for r in rows if r["kind"] == "consistency" and r["verdict"] == "contradicted"]
    reasons = " ".join(r["reason"] for r in findings)
    assert "dateline problem" in reasons and "2024-10-14" in reasons
    assert any(r["quantity_text"] == "July 2024" for r in findings)


def test_verdicts_have_references_or_are_unverifiable(rows):
    for r in rows:
        assert r["verdict"] in ("supported", "approximately_right", "contradicted",
                                "unverifiable")
        if r["verdict"] != "unverifiable":
            assert r["reference_value"] is not None and r["source"], r


def test_example_article_matches_the_golden_output(rows):
    text = render(rows)
    if os.environ.get("AIDWATCH_REGEN_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.exists(), f"{GOLDEN} is missing: run python -m tests.claims.regen"
    expected = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert rows == expected, ("the example article's verdicts changed; if the evidence base "
                              "changed, run python -m tests.claims.regen and review the diff")
