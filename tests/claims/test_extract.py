"""The reader: numbers in their usual forms, periods, dates, sentences and metadata."""

from __future__ import annotations

from datetime import date

import pytest

from aidwatch.claims.document import make_document, split_sentences
from aidwatch.claims.extract import extract_claims, find_dates, find_quantities, parse_number


@pytest.mark.parametrize("text,value,half", [
    ("27,700", 27700, 50), ("107,450", 107450, 5), ("69.4", 69.4, 0.05), ("3.5", 3.5, 0.05),
    ("1,234.5", 1234.5, 0.05), ("100", 100, 50), ("7", 7, 0.5),
])
def test_parse_number_reads_value_and_rounding(text, value, half):
    v, h = parse_number(text)
    assert v == pytest.approx(value) and h == pytest.approx(half)


def test_parse_number_reads_spanish_separators():
    assert parse_number("3.500", "es")[0] == 3500
    assert parse_number("69,4", "es")[0] == pytest.approx(69.4)
    assert parse_number("1.234.567", "en")[0] == 1234567


@pytest.mark.parametrize("text,kind,value,unit,qualifier", [
    ("deaths reached 27.7 thousand in 2007", "count", 27700, "count", "exact"),
    ("Congress gave $3.5 billion", "money", 3.5e9, "USD", "exact"),
    ("spent R$19.6 billion on it", "money", 19.6e9, "BRL", "exact"),
    ("linked to 69.4% of deaths", "share", 69.4, "percent", "exact"),
    ("a tripling of the rate", "ratio", 3, "times", "exact"),
    ("rose fourfold", "ratio", 4, "times", "exact"),
    ("deaths doubled", "ratio", 2, "times", "exact"),
    ("a 2.5-fold rise", "ratio", 2.5, "times", "exact"),
    ("more than 100,000 deaths", "count", 100000, "count", "at_least"),
    ("fewer than 90,000 people", "count", 90000, "count", "at_most"),
    ("nearly 40 mil homicidios", "count", 40000, "count", "approx"),
    ("1,400 millones de dólares", "money", 1.4e9, "USD", "exact"),
    ("248.5 mdd para México", "money", 248.5e6, "USD", "exact"),
    ("rose 51% in two years", "change", 51, "percent change", "exact"),
    ("fell by 12 percent", "change", -12, "percent change", "exact"),
    ("a rate of 24.9 per 100,000 people", "rate", 24.9, "per 100,000", "exact"),
    ("25 homicidios por cada 100 mil habitantes", "rate", 25, "per 100,000", "exact"),
])
def test_find_quantities_reads_each_form(text, kind, value, unit, qualifier):
    lang = "es" if any(w in text for w in ("homicidios", "millones", "mdd")) else "en"
    qs = find_quantities(text, lang)
    assert len(qs) == 1, qs
    q = qs[0]
    assert (q.kind, q.unit, q.qualifier) == (kind, unit, qualifier)
    assert q.value == pytest.approx(value)
    assert text[q.start:q.end] == q.text


def test_ranges_become_one_quantity_with_bounds():
    (q,) = find_quantities("between 100,000 and 110,000 deaths")
    assert q.qualifier == "range" and (q.low, q.high) == (100000, 110000)


def test_years_codes_and_times_are_not_quantities():
    assert find_quantities("In 2023 the G7 met at 12:17 about COVID-19 and T40.4") == []


def test_from_x_in_year_to_y_in_year_gives_each_number_its_year():
    doc = make_document("Overdose deaths rose from 27,700 in 2007 to 107,450 in 2023.")
    claims = extract_claims(doc)
    assert [(c.quantity_text, c.period) for c in claims] == [("27,700", "2007"),
                                                              ("107,450", "2023")]
    assert all(c.topic == "overdose" for c in claims)


def test_period_is_carried_from_the_previous_sentence_and_marked():
    doc = make_document("Deaths hit 107,450 overdoses in 2023. Fentanyl was in 69.4% of them.")
    share = [c for c in extract_claims(doc) if c.kind == "share"][0]
    assert share.period == "2023" and share.period_inferred
    assert share.topic == "fentanyl"


@pytest.mark.parametrize("text,period", [
    ("from fiscal year 2008 to 2021", "FY2008-FY2021"), ("in FY2019", "FY2019"),
    ("FY2008-FY2021", "FY2008-FY2021"), ("between 2007 and 2023", "2007-2023"),
    ("in July 2024", "2024-07"), ("on 15 October 2020", "2020-10-15"),
    ("on October 15, 2020", "2020-10-15"), ("el 25 de julio de 2024", "2024-07-25"),
    ("en julio de 2024", "2024-07"), ("desde 2018 hasta 2021", "2018-2021"),
])
def test_find_dates_reads_periods(text, period):
    (d,) = find_dates(text)
    assert d.period == period


def test_may_as_a_verb_is_not_a_month():
    assert [d.period for d in find_dates("Deaths may 2023 fall")] == ["2023"]


def test_conversion_pairs_become_a_conversion_claim_and_a_dollar_claim():
    doc = make_document("Congress allocated over R$19.6 billion ($3.5 billion) for Mérida "
                        "from fiscal year 2008 to 2021.")
    claims = extract_claims(doc)
    kinds = {c.kind: c for c in claims}
    assert set(kinds) == {"conversion", "money"}
    conv = kinds["conversion"]
    assert conv.value == pytest.approx(5.6) and conv.unit == "BRL per USD"
    assert conv.low < 5.6 < conv.high
    money = kinds["money"]
    assert money.value == 3.5e9 and money.qualifier == "at_least"
    assert money.period == "FY2008-FY2021" and money.topic == "aid"


def test_sentences_do_not_break_after_abbreviations_or_decimals():
    sents = split_sentences("The U.S. gave $3.5 billion. Mexico got 2.5 times more. Done")
    assert [s.text for s in sents] == ["The U.S. gave $3.5 billion.", "Mexico got 2.5 times more.",
                                       "Done"]


def test_headings_are_their_own_sentences():
    sents = split_sentences("Security Cooperation\nCooperation faced challenges in 2018.")
    assert [s.text for s in sents] == ["Security Cooperation",
                                       "Cooperation faced challenges in 2018."]


def test_metadata_reads_dateline_publisher_and_wire_id():
    doc = make_document("Tuesday, 02 January 2024 12:17 GMT\n\n(MENAFN- The Rio Times) Text.\n"
                        "MENAFN14102024007421016031ID1108776268\n")
    m = doc.metadata
    assert m.dateline == date(2024, 1, 2) and m.weekday_stated == "tuesday"
    assert m.publisher == "The Rio Times" and m.wire == "MENAFN"
    assert [d for _, _, d, _, _ in m.encoded_dates] == [date(2024, 10, 14)]


def test_spanish_is_detected_and_spanish_dates_read():
    doc = make_document("martes, 2 de enero de 2024\n\nLos homicidios en México se "
                        "triplicaron entre 2007 y 2023, según el INEGI.")
    assert doc.lang == "es" and doc.metadata.dateline == date(2024, 1, 2)
    (c,) = extract_claims(doc)
    assert (c.kind, c.value, c.period, c.topic) == ("ratio", 3, "2007-2023", "homicide")


def test_drug_words_that_modify_deaths_pick_the_drug_series_topic():
    doc = make_document("Heroin overdose deaths reached 13,165 in 2020.")
    assert extract_claims(doc)[0].topic == "heroin"


def test_a_multiplier_without_a_subject_is_not_a_claim():
    claims = extract_claims(make_document("She visited three times in 2019."))
    assert [c.kind for c in claims] == ["date"]


def test_since_a_year_is_an_open_span_not_that_years_figure():
    doc = make_document("The U.S. has given more than $3 billion in Mérida aid since 2008.")
    (c,) = extract_claims(doc)
    assert c.kind == "money" and c.period == "2008-"


def test_verbs_of_exceeding_are_lower_bounds():
    (q,) = find_quantities("Overdose deaths topped 100,000 in 2021")
    assert q.qualifier == "at_least"
    (q,) = find_quantities("las muertes superaron las 100 mil en 2021", "es")
    assert q.qualifier == "at_least" and q.value == 100000


def test_a_date_in_the_first_sentence_is_not_a_dateline():
    doc = make_document("El Mayo Zambada fue detenido el 25 de julio de 2024 en El Paso.")
    assert doc.metadata.dateline is None
    assert [c.kind for c in extract_claims(doc)] == ["date"]


def test_the_second_number_of_a_from_to_pair_takes_the_first_ones_kind():
    qs = find_quantities("The homicide rate rose from 8.1 in 2007 to 24.9 in 2023")
    assert [(q.kind, q.value) for q in qs] == [("rate", 8.1), ("rate", 24.9)]


def test_last_year_is_read_against_the_dateline():
    doc = make_document("March 3, 2024\n\nMexico recorded a homicide rate of 24.9 per 100,000 "
                        "people last year, down from 25.9 in 2022.")
    claims = extract_claims(doc)
    assert [(c.quantity_text, c.period) for c in claims] == [
        ("24.9 per 100,000 people", "2023"), ("25.9", "2022")]


def test_copyright_and_credit_lines_state_no_claims():
    doc = make_document("Reporting by Jane Doe; Editing by John Smith. Copyright 2024 Reuters.")
    assert extract_claims(doc) == []


def test_an_html_time_element_gives_the_dateline():
    html = ("<html><body><article><time datetime='2024-10-14'>14 Oct</time><p>Mexico's "
            "homicide rate tripled between 2007 and 2023, official data show, as the "
            "debate over security cooperation continues in Washington and Mexico City.</p>"
            "</article></body></html>")
    doc = make_document(html)
    assert doc.metadata.dateline == date(2024, 10, 14)
