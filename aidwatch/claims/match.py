"""Claim → observations of the same scope: a lookup on equal dimensions.

The evidence is the store's cube (one row per observation with every dimension). A claim's
scope, read from its words (``scope.read_scope``), is completed with explicit defaults (no
sex named → both sexes; no drug named → all drugs) and matched dimension by dimension; the
first dimension with no match is named in the answer ("no series of homicides among women",
"no half-year counts"), so that a claim whose scope the store cannot match is *unverifiable*
and is never compared with a total, a year or another place. Periods match on equal spans of
days: the 12 months ending December 2023 are calendar year 2023; a half year or a span of
months is summed from monthly counts when every month is there; a per-day figure is an annual
(or other) count divided by the days of its period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd

from ..dimensions import (
    DRUGS,
    MEASURES,
    SEXES,
    TOTAL,
    Period,
    months_period,
    period_of,
    unit_class,
)

STATUS_ORDER = {"final": 0, "estimate": 1, "provisional": 2, "predicted": 3, "preliminary": 4}


@dataclass(frozen=True)
class Ref:
    """One reference value with all its dimensions."""

    series_id: str
    name: str
    measure: str
    unit: str  # count, rate, rate_age_adjusted, ...
    drug: str
    intent: str
    sex: str
    age_group: str
    area: str
    period: Period
    status: str
    published: str
    agency: str
    source_id: str
    value: float
    derived: str = ""  # how it was computed when it is not a stored value

    @property
    def label(self) -> str:
        return self.period.label


@dataclass(frozen=True)
class Want:
    """A claim's scope with its defaults filled in; ``assumed`` names the defaulted dims."""

    measures: tuple[str, ...]
    units: tuple[str, ...]
    drug: str = TOTAL
    intent: str = TOTAL
    sex: str = TOTAL
    age_group: str = TOTAL
    area: str = ""
    period: Period | None = None
    agency: str | None = None
    status: str | None = None
    per_day: bool = False
    assumed: frozenset[str] = frozenset()


@dataclass
class Match:
    refs: list[Ref] = field(default_factory=list)
    missing: str | None = None  # why nothing of that scope was found
    pool: list[Ref] = field(default_factory=list)  # same scope, any period (for hints)


_MEASURE_WORDS = {
    "overdose_deaths": "overdose deaths", "homicides": "homicides",
    "homicide_victims": "homicide victims (SESNSP)", "femicide_victims": "femicide victims",
    "drug_seizures": "drug seizures", "assistance": "assistance",
}
_UNIT_WORDS = {"count": "counts", "rate": "rates", "rate_age_adjusted": "age-adjusted rates",
               "share": "shares"}
_KIND_WORDS = {"half": "half-year", "month": "monthly", "quarter": "quarterly",
               "cumulative": "multi-month", "12m_ending": "12-month-ending", "day": "daily",
               "year": "annual", "fiscal_year": "fiscal-year"}


class Cube:
    """The store's observations as ``Ref`` records, indexed by measure."""

    def __init__(self, cube: pd.DataFrame, names: dict[str, str]):
        self.by_measure: dict[str, list[Ref]] = defaultdict(list)
        self._months: dict[tuple, dict[tuple[int, int], Ref]] = defaultdict(dict)
        if cube.empty:
            return
        for row in cube.itertuples(index=False):
            start = _as_date(row.period_start)
            end = _as_date(row.period_end)
            ref = Ref(row.series_id, names.get(row.series_id, row.series_id), row.measure,
                      unit_class(row.unit), row.drug, row.intent, row.sex, row.age_group,
                      row.area, Period(start, end, row.period_kind), row.status,
                      row.published or "", row.agency, row.source_id, float(row.value))
            self.by_measure[row.measure].append(ref)
            if row.period_kind == "month" and ref.unit == "count":
                self._months[(row.series_id, row.area, row.published or "")][
                    (start.year, start.month)] = ref

    def agencies(self) -> set[str]:
        if not hasattr(self, "_agencies"):
            self._agencies = {r.agency for refs in self.by_measure.values() for r in refs}
        return self._agencies

    def summed(self, pool: list[Ref], span: Period) -> list[Ref]:
        """Counts for ``span`` summed from the monthly counts of each series in ``pool``."""
        out = []
        seen = set()
        for r in pool:
            key = (r.series_id, r.area, r.published)
            if r.period.kind != "month" or r.unit != "count" or key in seen:
                continue
            seen.add(key)
            months = self._months.get(key, {})
            need = _months_of(span)
            if not need or any(m not in months for m in need):
                continue
            parts = [months[m] for m in need]
            status = max((p.status for p in parts), key=lambda s: STATUS_ORDER.get(s, 9))
            out.append(replace(r, period=span, status=status,
                               value=sum(p.value for p in parts),
                               derived=f"sum of {len(parts)} monthly counts"))
        return out


def cube_frame(series: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """The cube's rows from a series frame (with dimension columns) and an observations
    frame (series_id, geo, period, value, status, source_id[, published]): what the store's
    ``cube`` view gives, for evidence built in memory."""
    if observations.empty or "measure" not in series.columns:
        return pd.DataFrame()
    info = series.set_index("series_id").to_dict("index")
    rows = []
    for o in observations.to_dict("records"):
        s = info.get(o["series_id"])
        if s is None or s.get("kind") == "funding":
            continue
        span = period_of(str(o["period"]), s["period_kind"])
        rows.append({"series_id": o["series_id"], "measure": s["measure"], "unit": s["unit"],
                     "drug": s["drug"], "intent": s["intent"], "sex": s["sex"],
                     "age_group": s["age_group"], "area": o["geo"],
                     "period_start": span.start, "period_end": span.end,
                     "period_kind": span.kind, "status": o["status"],
                     "published": o.get("published") or "", "agency": s["agency"],
                     "source_id": o["source_id"], "value": float(o["value"])})
    return pd.DataFrame(rows)


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value if type(value) is date else value.date() if hasattr(value, "date") \
            else value
    return pd.Timestamp(value).date()


def _months_of(span: Period) -> list[tuple[int, int]]:
    if span.start.day != 1:
        return []
    out = []
    y, m = span.start.year, span.start.month
    while (y, m) <= (span.end.year, span.end.month):
        out.append((y, m))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    if months_period(*out[-1], out[-1][1]).end != span.end:
        return []
    return out


def match(cube: Cube, want: Want) -> Match:
    """References of exactly the wanted scope, or the first dimension that has none."""
    pool = [r for m in want.measures for r in cube.by_measure.get(m, [])]
    what = " / ".join(_MEASURE_WORDS.get(m, MEASURES.get(m, m)) for m in want.measures)
    if not pool:
        return Match(missing=f"the store holds no figures of {what}")
    if want.agency:
        narrowed = [r for r in pool if r.agency == want.agency]
        if not narrowed:
            return Match(missing=f"the store holds no {want.agency} figures of {what}")
        pool = narrowed
    step = [r for r in pool if r.unit in want.units]
    if not step:
        return Match(missing=f"the store holds no {_UNIT_WORDS.get(want.units[0], want.units[0])}"
                             f" of {what}")
    pool = step
    for dim, value, word in (("drug", want.drug, lambda v: f"involving {DRUGS.get(v, v)}"),
                             ("intent", want.intent, lambda v: f"of {v} intent"),
                             ("sex", want.sex, lambda v: f"among {SEXES.get(v, v)}"),
                             ("age_group", want.age_group, lambda v: f"for ages {v}"),
                             ("area", want.area, lambda v: f"for {v}")):
        if dim == "area" and not value:
            continue
        step = [r for r in pool if getattr(r, dim) == value]
        if not step:
            return Match(missing=f"the store holds no series of {what} {word(value)}")
        pool = step
    if want.period is None:
        return Match(missing="no period stated for this figure", pool=pool)
    span = want.period
    exact = [r for r in pool if r.period.start == span.start and r.period.end == span.end]
    if span.kind not in ("12m_ending",):
        # monthly counts summed over the span, for every series with no value of its own
        have = {r.series_id for r in exact}
        exact += cube.summed([r for r in pool if r.series_id not in have], span)
    if not exact:
        kinds = sorted({r.period.kind for r in pool})
        covered = [r.period for r in pool if r.period.kind == span.kind]
        if covered:
            first = min(covered, key=lambda p: p.start).label
            last = max(covered, key=lambda p: p.start).label
            hint = f"(covers {first} to {last})"
        else:
            hint = "(it has " + ", ".join(_KIND_WORDS.get(k, k) for k in kinds) + " figures)"
        kind = _KIND_WORDS.get(span.kind, span.kind)
        return Match(missing=f"no {kind} value of {what} for {span.label} in the store {hint}",
                     pool=pool)
    if want.per_day:
        exact = [replace(r, value=r.value / span.days, unit="per_day",
                         derived=(r.derived + "; " if r.derived else "")
                         + f"{r.value:,.0f} / {span.days} days") for r in exact]
    exact.sort(key=lambda r: (STATUS_ORDER.get(r.status, 9), r.published == "", r.series_id))
    return Match(refs=exact, pool=pool)
