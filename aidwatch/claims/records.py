"""The records of the claim checker: a ``Claim`` read from text and the ``Verdict`` on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("count", "rate", "share", "ratio", "money", "date", "conversion", "consistency")
VERDICTS = ("supported", "approximately_right", "contradicted", "unverifiable")

# The documented, stable keys of one ``--json`` line, in order.
JSON_KEYS = (
    "article", "sentence", "start", "end", "quantity_text", "value", "unit", "series",
    "period", "kind", "verdict", "reference_value", "reference_period", "source", "snapshot",
    "reason", "qualifier", "topic", "sentence_start", "sentence_end",
    "scope", "reference_status", "reference_published", "revised_to",
)


@dataclass
class Claim:
    """One checkable statement: a quantity or a date, where it sits in the text, and its context.

    ``start``/``end`` are character offsets of ``quantity_text`` in the whole text;
    ``sentence_start``/``sentence_end`` those of the sentence. ``half_width`` is the rounding
    implied by how the number is written (27,700 → 50). ``period`` is ``2023``, ``FY2008-FY2021``,
    ``2007-2023`` (a change between two years), ``2024-07`` or ``2020-10-15``.
    """

    kind: str
    sentence: str
    sentence_start: int
    sentence_end: int
    start: int
    end: int
    quantity_text: str
    value: float | None = None
    unit: str = ""
    half_width: float = 0.0
    qualifier: str = "exact"  # exact, approx, at_least, at_most, range
    low: float | None = None
    high: float | None = None
    period: str | None = None
    period_inferred: bool = False
    topic: str | None = None
    flags: frozenset[str] = frozenset()
    lang: str = "en"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Verdict:
    """The judgement on one claim (or one consistency finding) with its evidence and reason."""

    claim: Claim
    verdict: str
    reason: str
    series: str | None = None
    reference_value: float | str | None = None
    reference_period: str | None = None
    source: str | None = None
    snapshot: str | None = None
    article: str = "-"
    reference_status: str | None = None  # final, provisional, preliminary, predicted, ...
    reference_published: str | None = None  # the vintage the verdict rests on, when dated
    revised_to: float | None = None  # the current (final) value, when the verdict rests on
    #                                  an earlier vintage that has since been revised

    def to_json(self) -> dict[str, Any]:
        """The stable ``--json`` shape (see docs/claims.md for every key)."""
        c = self.claim
        ref = self.reference_value
        if isinstance(ref, float) and ref.is_integer() and abs(ref) < 1e15:
            ref = int(ref)
        value = c.value
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            value = int(value)
        row = {
            "article": self.article, "sentence": c.sentence, "start": c.start, "end": c.end,
            "quantity_text": c.quantity_text, "value": value, "unit": c.unit,
            "series": self.series, "period": c.period, "kind": c.kind, "verdict": self.verdict,
            "reference_value": ref, "reference_period": self.reference_period,
            "source": self.source, "snapshot": self.snapshot, "reason": self.reason,
            "qualifier": c.qualifier, "topic": c.topic, "sentence_start": c.sentence_start,
            "sentence_end": c.sentence_end,
            "scope": c.extra["scope_text"] if "scope_text" in c.extra else None,
            "reference_status": self.reference_status,
            "reference_published": self.reference_published,
            "revised_to": (int(self.revised_to) if isinstance(self.revised_to, float)
                           and self.revised_to.is_integer() else self.revised_to),
        }
        return {k: row[k] for k in JSON_KEYS}
