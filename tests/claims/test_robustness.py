"""Property tests: arbitrary text never crashes the checker, and offsets always hold."""

from __future__ import annotations

import json
import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidwatch.claims.check import check_text
from aidwatch.claims.document import make_document
from aidwatch.claims.extract import parse_number

from .conftest import make_evidence

EVIDENCE = make_evidence()
PIECES = st.sampled_from([
    "Overdose deaths", "reached", "27,700", "in 2007", "to 107,450", "in 2023", "69.4%",
    "of these deaths", "Fentanyl", "tripling", "fourfold", "doubled", "homicide rate",
    "between 2007 and 2023", "R$19.6 billion", "($3.5 billion)", "from fiscal year 2008 to",
    "2021", "Mérida", "more than", "about", "between 100 and 120", "per 100,000", "July 2024",
    "Zambada", "detained", "Cienfuegos", "arrested", ".", ",", "\n", "\n\n", "(", ")", "$",
    "%", "-", "–", "FY", "mil millones de dólares", "homicidios", "se triplicaron", "<p>",
    "</p>", "<script>", "MENAFN14102024007421016031ID1", "Tuesday, 02 January 2024",
    "U.S.", "0", "0.0", "1e9", "9" * 30, "€", "Ω", "30 February 2020", "31 September 2021",
    "29 mil 675", "cinco mil 370", "3 mil 500 millones", "first half of 2022", "primer semestre",
    "12 months ending in April", "the previous year", "el año pasado", "este martes",
    "a day", "promedio diario", "women", "mujeres", "aged 15 to 24", "R$0 billion ($0 billion)",
    "lower than in 2022", "up 16% from 2020", "published: 2024-05-20\n---\n", "\r\n",
])


def _check(text: str) -> None:
    verdicts = check_text(text, evidence=EVIDENCE)
    doc_text = make_document(text).text
    for v in verdicts:
        assert v.verdict in ("supported", "approximately_right", "contradicted",
                             "unverifiable")
        assert 0 <= v.claim.start <= v.claim.end <= len(doc_text)  # spans inside the text
        assert doc_text[v.claim.start:v.claim.end] == v.claim.quantity_text
        if v.verdict != "unverifiable" and v.claim.kind not in ("consistency",):
            assert v.reference_value is not None  # never a verdict without a reference
        row = json.loads(json.dumps(v.to_json(), allow_nan=False))  # strict JSON
        for part in (row["period"] or "").replace("|", "/").split("/"):
            if re.fullmatch(r"\d{4}-\d\d-\d\d", part):  # never an invalid calendar date
                date.fromisoformat(part)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(text):
    _check(text)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map(" ".join))
def test_claim_shaped_text_never_crashes_and_offsets_hold(text):
    _check(text)


@given(st.integers(min_value=1000, max_value=10**12))
def test_grouped_integers_read_back_exactly(n):
    assert parse_number(f"{n:,}")[0] == n


def test_long_pathological_inputs_are_handled_in_bounded_work():
    # each of these was quadratic once (prefix scans, digit runs, one huge sentence)
    for text in ("U.S. " * 5000, "9" * 50000, " ".join(["2019"] * 5000), "1,000," * 5000,
                 "rose 5% " * 3000, "<div>" * 3000 + "106,699 overdose deaths in 2021",
                 "http://" + "a/" * 20000, "x\n" + " \n" * 20000 + "y", "word. " * 20000):
        _check(text)
