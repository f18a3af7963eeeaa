"""Verdict rules: tolerances per kind, qualifiers, and honest ``unverifiable`` answers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from aidwatch.claims.check import check_text
from aidwatch.claims.link import Evidence
from aidwatch.claims.match import Want, match
from aidwatch.claims.periods import span_of
from aidwatch.claims.records import Claim
from aidwatch.claims.verify import TOLERANCES, Checker, judge

from .conftest import make_evidence


def claim(value, half=0.0, qualifier="exact", kind="count", **kw) -> Claim:
    return Claim(kind=kind, sentence="s", sentence_start=0, sentence_end=1, start=0, end=1,
                 quantity_text=str(value), value=value, half_width=half, qualifier=qualifier,
                 **kw)


@pytest.mark.parametrize("value,half,qualifier,ref,expected", [
    (27700, 50, "exact", 27658, "supported"),            # within rounding
    (107450, 5, "exact", 105007, "approximately_right"),  # 2.3% off, under 3%
    (27700, 50, "exact", 36010, "contradicted"),          # 23% off
    (100000, 2500, "at_least", 106699, "supported"),      # "more than 100,000"
    (110000, 2750, "at_most", 106699, "supported"),       # "fewer than 110,000"
    (90000, 2250, "at_most", 106699, "contradicted"),
    (100000, 50, "approx", 104000, "supported"),          # "about" counts as ±5%
])
def test_count_tolerances(value, half, qualifier, ref, expected):
    assert judge(claim(value, half, qualifier), ref, TOLERANCES["count"])[0] == expected


def test_share_tolerance_is_in_percentage_points():
    c = claim(69.4, 0.05, kind="share")
    assert judge(c, 69.3, TOLERANCES["share"])[0] == "approximately_right"
    assert judge(c, 67.0, TOLERANCES["share"])[0] == "contradicted"
    assert judge(c, 69.42, TOLERANCES["share"])[0] == "supported"


def test_a_missing_series_is_unverifiable_not_guessed():
    ev = make_evidence()
    bare = Evidence(series=ev.series[~ev.series["series_id"].str.startswith("us.overdose")],
                    observations=ev.observations, snapshot="s")
    (v,) = check_text("Overdose deaths reached 106,699 in 2021.", evidence=bare)
    assert v.verdict == "unverifiable" and v.reference_value is None


def test_a_missing_period_is_unverifiable_and_says_what_the_series_covers(evidence):
    (v,) = check_text("Overdose deaths reached 60,000 in 2016.", evidence=evidence)
    assert v.verdict == "unverifiable"
    assert "2016" in v.reason and "2007 to 2023" in v.reason


def test_a_provisional_count_stands_in_when_the_final_one_is_missing():
    ev = make_evidence()
    obs = ev.observations[~((ev.observations["series_id"] == "us.overdose_deaths.total") &
                            (ev.observations["period"] == "2023"))]
    ev2 = Evidence(series=ev.series, observations=obs, snapshot="s")
    (v,) = check_text("Overdose deaths reached 107,543 in 2023.", evidence=ev2)
    assert v.verdict == "supported"
    assert v.series == "us.overdose_deaths.provisional_12m"
    assert "provisional" in v.reason


def test_the_cube_matches_equal_dimensions_and_names_the_missing_one(evidence):
    want = Want(measures=("overdose_deaths",), units=("count",), area="US",
                period=span_of("2007"))
    found = match(evidence.cube, want)
    assert [r.series_id for r in found.refs] == ["us.overdose_deaths.total"]  # not by state
    unintentional = match(evidence.cube, Want(**{**want.__dict__, "intent": "unintentional"}))
    assert [r.series_id for r in unintentional.refs] == ["us.overdose_deaths.unintentional"]
    women = match(evidence.cube, Want(**{**want.__dict__, "sex": "F"}))
    assert not women.refs and "among women" in women.missing


def test_monthly_counts_are_summed_to_a_calendar_year(evidence):
    ref = evidence.annual("mx.homicide_victims.sesnsp.monthly", 2023)
    assert ref is not None and ref.value == 30000
    assert evidence.annual("mx.homicide_victims.sesnsp.monthly", 2022) is None


def test_sesnsp_words_select_the_sesnsp_series(evidence):
    (v,) = check_text("SESNSP investigation files counted 30,000 homicide victims in Mexico "
                      "in 2023.", evidence=evidence)
    assert v.series == "mx.homicide_victims.sesnsp.monthly" and v.verdict == "supported"


def test_conversion_uses_the_article_date_and_without_one_the_stated_period(evidence):
    c = Claim(kind="conversion", sentence="s", sentence_start=0, sentence_end=1, start=0,
              end=1, quantity_text="R$5 billion ($1 billion)", value=5.0, unit="BRL per USD",
              qualifier="range", low=4.9, high=5.2, extra={"foreign_currency": "BRL"})
    assert Checker(evidence, date(2023, 6, 1)).check(c).verdict == "supported"
    assert Checker(evidence, date(2024, 6, 1)).check(c).verdict == "approximately_right"
    c1 = Claim(**{**c.__dict__, "period": None})
    assert Checker(evidence, None).check(c1).verdict == "unverifiable"
    c2 = Claim(**{**c.__dict__, "extra": {"foreign_currency": "EUR"}})
    assert Checker(evidence, date(2024, 6, 1)).check(c2).verdict == "unverifiable"


def test_requested_amounts_are_not_compared_with_appropriations(evidence):
    (v,) = check_text("Congress appropriated $234 million for Mérida in FY2013.",
                      evidence=evidence)
    assert v.verdict == "unverifiable"
    (v,) = check_text("The White House requested $234 million for Mérida in FY2013.",
                      evidence=evidence)
    assert v.verdict == "supported"


def test_lines_for_other_recipients_are_outside_the_mexico_series(evidence):
    (v,) = check_text("Congress appropriated $110 million for Mérida in FY2009.",
                      evidence=evidence)
    assert v.verdict == "contradicted" and v.reference_value == 420e6


def test_events_need_a_shared_name_or_action_to_link(evidence):
    (v,) = check_text("The weather turned cold in December 2020.", evidence=evidence)
    assert v.verdict == "unverifiable"
    (v,) = check_text("Mexico passed a law restricting foreign agents in December 2020.",
                      evidence=evidence)
    assert v.verdict == "supported" and v.reference_value == "2020-12-15"


def test_verdicts_serialise_to_the_documented_keys(evidence):
    from aidwatch.claims import JSON_KEYS

    rows = [v.to_json() for v in check_text("Overdose deaths reached 106,699 in 2021.",
                                            evidence=evidence, article="a.txt")]
    assert list(rows[0]) == list(JSON_KEYS)
    assert rows[0]["article"] == "a.txt" and rows[0]["value"] == 106699
    assert pd.Series([r["verdict"] for r in rows]).isin(
        ["supported", "approximately_right", "contradicted", "unverifiable"]).all()


def test_money_since_a_year_is_unverifiable_and_lists_cumulative_figures(evidence):
    (v,) = check_text("Congress has appropriated more than $3 billion for Mérida since 2008.",
                      evidence=evidence)
    assert v.verdict == "unverifiable" and "$3.3 billion" in v.reason


def test_a_share_is_checked_against_the_articles_own_part_and_whole(evidence):
    text = ("Overdose deaths reached 107,941 in 2022. Fentanyl was linked to 73,838 (75%) of "
            "these deaths.")
    findings = [v for v in check_text(text, evidence=evidence) if v.claim.kind == "consistency"]
    assert [(f.claim.quantity_text, f.verdict) for f in findings] == [("75%", "contradicted")]
    assert "68.4%" in findings[0].reason
    ok = text.replace("(75%)", "(68.4%)")
    findings = [v for v in check_text(ok, evidence=evidence) if v.claim.kind == "consistency"]
    assert [f.verdict for f in findings] == ["supported"]


@pytest.mark.parametrize("text,reason", [
    ("In Sinaloa, the homicide rate doubled between 2007 and 2010.", "for Sinaloa"),
    ("En Chihuahua se registraron 2,000 homicidios en 2023.", "for Chihuahua"),
    ("Ohio recorded 5,174 overdose deaths in 2015.", "for 2015"),
])
def test_state_figures_are_not_judged_against_national_series(evidence, text, reason):
    (v,) = check_text(text, evidence=evidence)
    assert v.verdict == "unverifiable" and reason in v.reason


def test_state_figures_are_judged_against_the_by_state_panel(evidence):
    (v,) = check_text("Ohio recorded 5,174 overdose deaths in 2021.", evidence=evidence)
    assert v.verdict == "supported" and v.series == "us.overdose_deaths.by_state"
    assert "Ohio" in v.reason and v.source == "nchs-state"


def test_a_cartel_named_after_a_state_does_not_make_a_figure_local(evidence):
    (v,) = check_text("Fentanyl trafficked by the Sinaloa cartel drove overdose deaths to "
                      "106,699 in 2021.", evidence=evidence)
    assert v.verdict == "supported"
