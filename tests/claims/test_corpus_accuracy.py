"""The checker's accuracy on the labelled corpus cannot silently fall below the committed
baseline (benchmarks/claims_accuracy_baseline.json; rewrite it with
``python benchmarks/claims_accuracy.py --write-baseline`` when a change is meant to move it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .benchmark import bench

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 0.005




@pytest.fixture(scope="module")
def figures(db_path):
    import aidwatch

    texts, labels = bench.load_corpus()
    with aidwatch.open_store(db_path) as store:
        findings, _ = bench.run_checker(texts, store)
    return bench.score_corpus(texts, labels, findings)


@pytest.mark.parametrize("name", bench.HEADLINE)
def test_headline_figure_does_not_fall_below_the_committed_baseline(figures, name):
    baseline = json.loads(bench.BASELINE.read_text(encoding="utf-8"))
    base, now = baseline[name], figures[name]
    if base is None:
        pytest.skip(f"the baseline has no {name} (nothing to measure when it was written)")
    if now is None and name == "contradicted_precision":
        return  # no contradicted finding at all: no false alarm, precision cannot have fallen
    assert now is not None, f"{name} can no longer be measured (baseline {base:.3f})"
    assert now >= base - TOLERANCE, (
        f"{name} fell from {base:.3f} to {now:.3f}; run benchmarks/claims_accuracy.py --details "
        "to see which claims changed")


def test_the_baseline_was_written_on_a_corpus_no_larger_than_today(figures):
    baseline = json.loads(bench.BASELINE.read_text(encoding="utf-8"))
    assert baseline["labels"] <= figures["labels"], (
        "labels were removed since the baseline was written; rewrite the baseline")
