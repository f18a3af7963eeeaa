"""Key findings are generated from records; golden text for the shipped data."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from aidwatch.brief import findings as fd

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "brief"


def _lines(items) -> str:
    return "".join(f"- {k.text} ({k.interval}) [{', '.join(k.source_ids)}]\n" for k in items)


def _golden(name: str, text: str) -> str:
    path = GOLDEN / name
    if os.environ.get("AIDWATCH_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return path.read_text("utf-8")


def test_key_findings_from_the_store_match_the_golden_text(store):
    text = _lines(fd.descriptive_findings(store))
    assert text == _golden("key_findings.txt", text), (
        "key findings changed; if intended, rerun with AIDWATCH_UPDATE_GOLDEN=1")


def test_key_findings_from_the_estimates_match_the_golden_text(store):
    estimates, missing = fd.load_estimates(store)
    if missing:
        pytest.skip(missing)
    names = {e.outcome: store.series_info(e.outcome).name for e in estimates}
    text = _lines(fd.estimate_findings(estimates, names))
    assert text
    assert text == _golden("key_findings_estimates.txt", text), (
        "estimate findings changed; if intended, rerun with AIDWATCH_UPDATE_GOLDEN=1")


def test_estimate_sentences_never_claim_more_than_the_interval():
    from aidwatch.evaluate.estimate import Estimate

    inside = Estimate("ITS (level)", "y", "2008", 2.0, unit="deaths", estimand="level change",
                      interval=(-1.0, 5.0))
    outside = Estimate("ITS (level)", "y", "2008", 2.0, unit="deaths", estimand="level change",
                       interval=(1.0, 3.0))
    placebo = Estimate("synthetic control", "y", "2008", 2.0, unit="deaths", estimand="gap",
                       p_value=0.4)
    a, b, c = fd.estimate_findings([inside], limit=1) + fd.estimate_findings(
        [outside], limit=1) + fd.estimate_findings([placebo], limit=1)
    assert "no change can be told apart from noise" in a.text and "95% interval" in a.interval
    assert "not proof" in b.text
    assert "no detectable change" in c.text and "placebo p = 0.40" in c.interval
    refused = Estimate("ITS", "y", "2022", None, status="not estimable", reading="not estimable")
    assert fd.estimate_findings([refused]) == []


def test_every_finding_has_a_number_an_interval_statement_and_a_source(store):
    items = fd.descriptive_findings(store)
    assert 4 <= len(items) <= 6
    known = set(store.sources()["source_id"])
    for k in items:
        assert re.search(r"\d", k.text)
        assert k.interval
        assert k.source_ids and set(k.source_ids) <= known


def test_findings_follow_the_store_not_the_template(store):
    # The overdose sentence quotes exactly the stored values for its two years.
    base = fd.baseline_year(store)
    df = store.series("us.overdose_deaths.total").set_index("period")["value"]
    last = fd._latest_final(store, "us.overdose_deaths.total")
    sentence = next(k.text for k in fd.descriptive_findings(store) if "overdose deaths rose" in
                    k.text)
    assert f"{df[str(base)]:,.0f} in {base}" in sentence
    assert f"{df[str(last)]:,.0f} in {last}" in sentence


def test_estimate_text_is_the_estimates_own_reading():
    from aidwatch.evaluate.estimate import Estimate

    e = Estimate("event study", "y", "2019-07 (National Guard deployed)", -4.7, unit="victims",
                 estimand="post-event change", interval=(-13.5, 4.0),
                 reading="no detectable change. But pre-event coefficients already differ "
                         "from zero. All states share the date: a before-after comparison, "
                         "not a DiD.")
    row, = fd.estimate_rows([e])
    finding, = fd.estimate_findings([e])
    assert row["reading"] == e.reading
    assert finding.text.endswith(e.reading)
    generic = Estimate("ITS (level)", "y", "2019", 2.0, estimand="level change",
                       interval=(1.0, 3.0))
    assert "cooperation" not in fd.estimate_findings([generic])[0].text


def test_cumulative_headline_is_the_whole_programme_appropriation(store, monkeypatch):
    from aidwatch.brief import findings

    real = findings.cumulative_rows

    def with_an_account_row(s):
        rows = real(s)
        first = dict(rows[0], stage="appropriated", account="INCLE", amount_usd=1.0)
        later = dict(rows[0], stage="obligated", amount_usd=2.0)
        return [first, later, *rows]
    monkeypatch.setattr(findings, "cumulative_rows", with_an_account_row)
    text = fd.descriptive_findings(store)[0].text
    assert "$1 " not in text and "$2 " not in text and "Congress appropriated about $3.3" in text


def test_obligations_from_several_sources_are_not_summed(store, monkeypatch):
    real = store.funding

    def two_sources(series_id, **kw):
        df = real(series_id, **kw)
        if kw.get("stage") == "obligated":
            df = df.assign(source_id=["a" if i % 2 else "b" for i in range(len(df))])
        return df
    monkeypatch.setattr(store, "funding", two_sources)
    text = fd.descriptive_findings(store)[0].text
    assert "Congress appropriated" in text and "ForeignAssistance.gov records" not in text
