"""The nouns of AidWatch as typed records, and the vocabularies they draw on.

Claims, verdicts and estimates are defined next to the code that produces them
(``aidwatch.claims`` and ``aidwatch.evaluate``) and re-exported from the package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .dimensions import FREQUENCY_KIND, period_of

STATUSES = ("final", "provisional", "preliminary", "predicted", "estimate")
STAGES = ("requested", "appropriated", "allocated", "obligated", "disbursed")
PRECISIONS = ("day", "month", "year")
FREQUENCIES = ("annual", "fiscal_year", "monthly", "half_yearly", "quarterly")
KINDS = ("observation", "panel", "funding")

# Units a series may declare. A new unit is added here deliberately, with its meaning,
# so that a typo in series.csv ("deaths " or "per 100k") is caught by validation.
UNITS: dict[str, str] = {
    "deaths": "number of deaths",
    "victims": "number of victims recorded in investigation files",
    "persons": "number of people",
    "per 100,000 population": "crude rate per 100,000 people",
    "per 100,000 population, age-adjusted": "rate per 100,000, age-adjusted (2000 U.S. standard)",
    "USD": "U.S. dollars, nominal",
    "MXN per USD": "Mexican pesos per U.S. dollar",
    "BRL per USD": "Brazilian reais per U.S. dollar",
    "index 1982-84=100": "price index, 1982-84 average = 100",
    "percent": "percent",
    "pounds": "pounds (weight)",
}

_ANNUAL = re.compile(r"^(\d{4})$")
_FISCAL = re.compile(r"^FY(\d{4})$")
_MONTHLY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(period: str, frequency: str) -> date:
    """The first day of a period written as ``2019`` (annual), ``FY2019`` or ``2019-07``.

    A U.S. fiscal year FY2019 runs from 1 October 2018 to 30 September 2019.
    Raises ValueError when the text does not match the frequency.
    """
    if frequency == "annual" and (m := _ANNUAL.match(period)):
        return date(int(m.group(1)), 1, 1)
    if frequency == "fiscal_year" and (m := _FISCAL.match(period)):
        return date(int(m.group(1)) - 1, 10, 1)
    if frequency == "monthly" and (m := _MONTHLY.match(period)):
        return date(int(m.group(1)), int(m.group(2)), 1)
    if frequency in ("half_yearly", "quarterly"):
        return period_of(period, FREQUENCY_KIND[frequency]).start
    raise ValueError(f"period {period!r} is not a valid {frequency} period")


def period_year(period: str) -> int:
    """The calendar (or fiscal) year a period belongs to: 2019 for 2019, FY2019, 2019-07."""
    m = re.search(r"(\d{4})", period)
    if not m:
        raise ValueError(f"period {period!r} has no year")
    return int(m.group(1))


def parse_selector(selector: str) -> list[tuple[str, list[str]]]:
    """A funding series' selector as (field, allowed values) pairs.

    ``recipient=Mexico;program=Mérida Initiative|Bicentennial Framework`` →
    ``[("recipient", ["Mexico"]), ("program", ["Mérida Initiative", "Bicentennial Framework"])]``
    """
    pairs = []
    for clause in filter(None, (c.strip() for c in (selector or "").split(";"))):
        fld, sep, values = clause.partition("=")
        if not sep or not fld.strip():
            raise ValueError(f"selector clause {clause!r} is not field=value[|value]")
        pairs.append((fld.strip(), values.split("|")))
    return pairs


@dataclass(frozen=True)
class Source:
    """Where a figure was published and read."""

    source_id: str
    publisher: str
    title: str
    url: str
    table: str
    retrieved: str
    licence: str
    via: str = ""
    notes: str = ""

    def citation(self) -> str:
        table = f", {self.table}" if self.table else ""
        return f"{self.publisher}, {self.title}{table}. {self.url} (retrieved {self.retrieved})"


@dataclass(frozen=True)
class Series:
    """A named quantity measured over time (and, for panels, over places)."""

    series_id: str
    name: str
    unit: str
    frequency: str
    geo: str
    kind: str
    definition: str
    default_source_id: str
    min_value: float | None = None
    max_value: float | None = None
    valid_from: int | None = None
    valid_to: int | None = None
    selector: str = ""
    # dimensions (aidwatch.dimensions): what one slice of the cube this series is
    measure: str = ""
    drug: str = "_T"
    intent: str = "_T"
    sex: str = "_T"
    age_group: str = "_T"
    agency: str = ""
    period_kind: str = ""


@dataclass(frozen=True)
class Observation:
    series_id: str
    geo: str
    period: str
    value: float
    status: str
    source_id: str
    note: str = ""


@dataclass(frozen=True)
class FundingLine:
    """One published funding figure: who gave what to whom, for which years, at which stage."""

    line_id: str
    donor: str
    recipient: str
    program: str
    account: str
    fy_start: int
    fy_end: int
    stage: str
    amount_usd: float
    approximate: str
    source_id: str
    vehicle: str = ""
    note: str = ""

    @property
    def cumulative(self) -> bool:
        return self.fy_end != self.fy_start


@dataclass(frozen=True)
class Event:
    event_id: str
    date: str
    precision: str
    kind: str
    actors: str
    title: str
    description: str
    source_id: str



__all__ = [
    "STATUSES",
    "STAGES",
    "PRECISIONS",
    "FREQUENCIES",
    "KINDS",
    "UNITS",
    "Source",
    "Series",
    "Observation",
    "FundingLine",
    "Event",
    "parse_period",
    "period_year",
    "parse_selector",
]
