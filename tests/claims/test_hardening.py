"""Regressions of the adversarial run (issue 12, claim-checker items), on the embedded store.

Each test is the reproduction the issue gives, named after the behaviour it keeps.
"""

from __future__ import annotations

import json
import time

import pytest

import aidwatch
from aidwatch.claims.check import load_evidence
from aidwatch.claims.document import make_document
from aidwatch.claims.extract import find_quantities


@pytest.fixture(scope="module")
def ev(db_path):
    with aidwatch.open_store(db_path) as store:
        return load_evidence(store)


def _one(text: str, ev, kind: str | None = None):
    found = [v for v in aidwatch.check_text(text, evidence=ev)
             if kind is None or v.claim.kind == kind]
    assert found, text
    return found[0]


@pytest.mark.parametrize("text,period", [
    ("Overdose deaths reached 106,699 in 2021, up 16% from 2020.", "2020-2021"),
    ("U.S. overdose deaths fell 3% in 2023 compared with 2022.", "2022-2023"),
    ("Mexico recorded 32,252 homicides in 2023, more than three times as many as in 2007.",
     "2007-2023"),
])
def test_percent_changes_and_ratios_compare_against_the_base_year_named_by_from_or_than(
        text, period, ev):
    v = _one(text, ev, "ratio")
    assert v.claim.period == period
    assert v.verdict == "supported", v.reason


def test_lower_than_is_a_change_not_a_share(ev):
    v = _one("Overdose deaths in 2023 were 3% lower than in 2022.", ev, "ratio")
    assert v.claim.value == -3 and v.claim.period == "2022-2023"
    assert v.verdict == "supported", v.reason


@pytest.mark.parametrize("text,value", [
    ("México registró 29 mil 675 homicidios dolosos en 2023.", 29675),
    ("Se aprobaron 3 mil 500 millones de dólares.", 3.5e9),
    ("Hubo cinco mil 370 víctimas.", 5370),
])
def test_spanish_press_numbers_are_read_whole(text, value):
    (q,) = find_quantities(text, "es")
    assert q.value == value


def test_spanish_thousands_word_count_is_not_contradicted(ev):
    # 29,675 was SESNSP's count as published in January 2024; the current file says 29,721
    v = _one("México registró 29 mil 675 homicidios dolosos en 2023.", ev, "count")
    assert v.verdict in ("supported", "approximately_right"), v.reason


def test_an_actors_name_at_the_start_of_a_sentence_is_matched(ev):
    v = _one("Zambada was arrested on 25 July 2024.", ev, "date")
    assert v.verdict == "supported", v.reason


def test_an_impossible_date_is_a_finding_and_never_an_invalid_period(ev):
    verdicts = aidwatch.check_text("The summit took place on 30 February 2020 and on "
                                   "31 September 2021.", evidence=ev)
    impossible = [v for v in verdicts if "not a calendar date" in v.reason]
    assert len(impossible) == 2
    for v in verdicts:
        row = v.to_json()
        assert row["period"] is None or "02-30" not in row["period"]


def test_a_zero_conversion_gives_strict_json(ev):
    for v in aidwatch.check_text("It cost R$0 billion ($0 billion) in 2024.", evidence=ev):
        json.dumps(v.to_json(), allow_nan=False)


def test_a_ten_thousand_digit_number_does_not_crash(ev):
    aidwatch.check_text("Deaths reached " + "9" * 10000 + " in 2021.", evidence=ev)


def test_a_thousand_numbers_are_checked_within_a_second_of_cpu(ev):
    text = " ".join(f"In {2000 + i % 24} there were {1000 + i:,} deaths." for i in range(1000))
    aidwatch.check_text(text[:2000], evidence=ev)  # warm the caches of compiled patterns
    t0 = time.process_time()
    verdicts = aidwatch.check_text(text, evidence=ev)
    assert len(verdicts) >= 1000
    # a generous bound for a loaded CI machine; the target (< 1 s) is measured in
    # benchmarks/claims_accuracy.py's timing lines
    assert time.process_time() - t0 < 5


def test_crlf_input_keeps_offsets_into_the_text_as_given(ev):
    text = ("Overdose deaths reached 106,699 in 2021.\r\n"
            "Mexico recorded 32,252 homicides in 2023.\r\n")
    for v in aidwatch.check_text(text, evidence=ev):
        assert text[v.claim.start:v.claim.end] == v.claim.quantity_text


def test_a_header_block_is_read_and_states_no_claims(ev):
    text = ("title: test\npublished: 2024-05-15\nlanguage: en\n---\n"
            "Overdose deaths fell to 107,543 in 2023.\n")
    doc = make_document(text)
    assert doc.metadata.published.isoformat() == "2024-05-15"
    verdicts = aidwatch.check_text(text, evidence=ev)
    assert [v.claim.quantity_text for v in verdicts] == ["107,543"]


def test_a_figure_for_women_is_never_judged_against_both_sexes(ev):
    v = _one("Among women the homicide rate in Mexico was 9.9 per 100,000 in 2022.", ev, "rate")
    assert "women" in v.reason or v.verdict == "unverifiable"
    assert v.verdict != "contradicted" or "women" in v.reason


def test_a_half_year_is_not_judged_against_a_year(ev):
    v = _one("In the first half of 2022, Mexico recorded 16,500 homicides.", ev, "count")
    assert v.claim.period == "2022-H1"
    assert "2022-H1" in (v.reference_period or "") or v.verdict == "unverifiable"


def test_a_drug_that_does_not_scope_the_count_is_not_taken_as_its_scope(ev):
    v = _one("Fentanyl trafficked by the Sinaloa cartel drove overdose deaths to 106,699 in "
             "2021.", ev, "count")
    assert v.verdict == "supported", v.reason


def test_html_is_known_by_its_extension_even_behind_a_long_head(run_cli, db_path, tmp_path):
    page = ("<html><head><style>" + "x{}" * 4000 + "</style></head><body><p>Overdose deaths "
            "reached 106,699 in 2021.</p></body></html>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    code, out, err = run_cli(db_path, "check", str(path), "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [r["quantity_text"] for r in rows] == ["106,699"]
    assert rows[0]["verdict"] == "supported"


def test_an_impossible_date_in_one_file_of_a_folder_leaves_the_others_checked(run_cli, db_path,
                                                                              tmp_path):
    (tmp_path / "a.txt").write_text("The summit was held on 30 February 2020.\n")
    (tmp_path / "b.txt").write_text("Overdose deaths reached 106,699 in 2021.\n")
    code, out, err = run_cli(db_path, "check", str(tmp_path), "--json")
    assert code == 0 and "Traceback" not in err
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert {r["article"] for r in rows} == {"a.txt", "b.txt"}
    assert any("not a calendar date" in r["reason"] for r in rows)


def test_a_table_of_state_rates_is_read_row_by_row(ev):
    text = ("Drug overdose death rates by state\n\nState 2010 rate 2016 rate\n"
            "West Virginia 28.9 52.0\nOhio 16.1 39.1\n")
    verdicts = aidwatch.check_text(text, evidence=ev)
    rates = [(v.claim.quantity_text, v.claim.period, v.verdict) for v in verdicts
             if v.claim.kind == "rate"]
    assert rates == [("28.9", "2010", "supported"), ("52.0", "2016", "supported"),
                     ("16.1", "2010", "supported"), ("39.1", "2016", "supported")]


def test_a_list_of_states_after_a_lead_in_is_read_item_by_item(ev):
    text = ("Drug overdose death rates\n\nIn 2016 the highest age-adjusted rates per 100,000 "
            "were in these states:\n  • West Virginia (52.0)\n  • Ohio (39.1)\n")
    rates = [(v.claim.quantity_text, v.claim.period, v.verdict)
             for v in aidwatch.check_text(text, evidence=ev) if v.claim.kind == "rate"]
    assert rates == [("52.0", "2016", "supported"), ("39.1", "2016", "supported")]


def test_a_difference_between_two_years_is_judged_as_a_difference(ev):
    v = _one("Overdose deaths reached 107,941 in 2022, 1,242 more than in 2021.", ev, "ratio")
    assert v.claim.period == "2021-2022" and v.verdict == "supported", v.reason
    assert "difference of +1,242" in v.reason
