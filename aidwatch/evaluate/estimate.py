"""The ``Estimate`` record every estimator returns, and the plain-language reading.

An estimate is a number only together with its uncertainty, the method, the assumptions
it rests on and the data it came from; this record keeps them together so that a table,
a brief or ``--json`` output can never show the number alone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Estimate:
    """One effect estimate (or one documented refusal to estimate).

    ``status`` is ``"ok"`` for a number, ``"not estimable"`` when the data cannot support
    the method (then ``effect`` is None and ``reading`` says why).
    """

    method: str
    outcome: str
    intervention: str
    effect: float | None
    unit: str = ""
    estimand: str = ""
    interval: tuple[float, float] | None = None
    p_value: float | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    n_points: int = 0
    reading: str = ""
    snapshot_id: str = ""
    source_ids: tuple[str, ...] = ()
    status: str = "ok"
    treated: str = ""

    def with_provenance(self, snapshot_id: str, source_ids: Any) -> Estimate:
        """The same estimate stamped with the snapshot and sources it was computed from."""
        return replace(self, snapshot_id=snapshot_id,
                       source_ids=tuple(sorted({str(s) for s in source_ids if s})))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (stable keys; NaN becomes None)."""
        d = asdict(self)
        d["interval"] = list(self.interval) if self.interval else None
        d["assumptions"] = list(self.assumptions)
        d["source_ids"] = list(self.source_ids)
        return _jsonable(d)


def not_estimable(method: str, outcome: str, intervention: str, reason: str,
                  treated: str = "", n_points: int = 0) -> Estimate:
    """An estimate row that says plainly why no number is given."""
    return Estimate(method=method, outcome=outcome, intervention=intervention, effect=None,
                    status="not estimable", reading=f"not estimable: {reason}",
                    treated=treated, n_points=n_points, diagnostics={"reason": reason})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def fmt(x: float, unit: str = "") -> str:
    """A number for a sentence: 3 significant digits, thousands separators for big ones."""
    if x is None or not math.isfinite(x):
        return "n/a"
    s = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
    return f"{s} {unit}".rstrip()


CAVEAT = "an association in time, not proof that the intervention caused it"


def reading_from_interval(what: str, effect: float, interval: tuple[float, float] | None,
                          unit: str, context: str, level: int = 95,
                          caveat: str = CAVEAT) -> str:
    """A sentence that never claims more than the interval allows.

    ``caveat`` closes the sentence when the interval excludes zero (what the change is, and
    is not, evidence of).
    """
    if interval is None or not all(math.isfinite(v) for v in interval):
        return f"{what}: {fmt(effect, unit)} {context}; no interval available, so no conclusion."
    lo, hi = interval
    span = f"{level}% interval {fmt(lo)} to {fmt(hi)} {unit}".rstrip()
    if lo <= 0 <= hi:
        return f"no detectable change in {what} {context} ({span})."
    direction = "higher" if effect > 0 else "lower"
    return f"{what} {direction} by about {fmt(abs(effect), unit)} {context} ({span}); {caveat}."


def reading_from_pvalue(what: str, effect: float, p_value: float, unit: str, context: str,
                        n_placebos: int) -> str:
    """A sentence for a placebo-based test (no interval): significant only below 0.10."""
    smallest = 1 / (n_placebos + 1)
    tail = f"placebo p = {p_value:.2f}, smallest possible {smallest:.2f}"
    if p_value > 0.10:
        return (f"no detectable change in {what} {context}: the gap of {fmt(effect, unit)} is "
                f"within what placebo units show ({tail}).")
    direction = "above" if effect > 0 else "below"
    return (f"{what} ran {fmt(abs(effect), unit)} {direction} its synthetic control {context} "
            f"({tail}); few comparison units fit as badly, but this is not proof of cause.")


def short_reading(estimate: Estimate) -> str:
    """A generic clause for an estimate that carries no reading of its own.

    It says only what the interval (or the placebo p-value) allows; an estimator's own
    ``reading`` is always preferred, because it also carries the method's caveats.
    """
    e = estimate
    if e.interval is not None and all(math.isfinite(v) for v in e.interval):
        lo, hi = e.interval
        if lo <= 0 <= hi:
            return "the interval includes zero, so no change can be told apart from noise"
        if "dose" in e.method.lower():
            return ("the interval excludes zero: the outcome moved with the amounts, an "
                    "association, not proof that the money caused it")
        return ("the interval excludes zero: a change in step with the date, not proof that "
                "the intervention caused it")
    if e.p_value is not None and math.isfinite(e.p_value):
        if e.p_value > 0.10:
            return "within what the placebo units show, so no detectable change"
        return ("few placebo units show as large a gap; a change in step with the date, not "
                "proof of cause")
    return "no uncertainty measure, so no conclusion"


__all__ = ["Estimate", "not_estimable", "reading_from_interval", "reading_from_pvalue", "fmt",
           "short_reading", "CAVEAT"]
