"""Periods other than a year, read from text: half years, month spans, 12 months ending in a
month, per-day rates, comparisons ("up 16% from 2020") and dates relative to the dateline.

Each finder returns ``DateExpr`` records (see ``extract``) whose ``period`` string is one of
``2022-H1``, ``2022-01/2022-06`` (a span of months), ``12m:2023-04`` (the 12 months ending
April 2023), or the plain forms of ``extract``; ``span`` is the ``Period`` of days it covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..dimensions import (
    Period,
    fiscal_period,
    months_period,
    twelve_months_ending,
    year_period,
)
from .document import MONTH_RE, MONTHS, WEEKDAYS

YEAR = r"(?:19[5-9]\d|20\d\d)"


@dataclass(eq=False)
class DateExpr:
    start: int
    end: int
    kind: str  # year, month, day, range, fiscal, since, half, months, 12m, relative
    period: str
    years: tuple[int, ...]
    text: str
    used: bool = False
    span: Period | None = None
    months: tuple[int, int] | None = None  # a month span whose year comes from context
    extra: dict = field(default_factory=dict)


def span_of(period: str) -> Period | None:
    """The ``Period`` a claim's period string covers (None for open or unknown forms)."""
    if m := re.fullmatch(r"(\d{4})", period):
        return year_period(int(m[1]))
    if m := re.fullmatch(r"FY(\d{4})(?:-FY(\d{4}))?", period):
        return fiscal_period(int(m[1]), int(m[2]) if m[2] else None)
    if m := re.fullmatch(r"(\d{4})-(\d\d)", period):
        y, mo = int(m[1]), int(m[2])
        return months_period(y, mo, mo) if 1 <= mo <= 12 else None
    if m := re.fullmatch(r"(\d{4})-H([12])", period):
        first = 1 if m[2] == "1" else 7
        return months_period(int(m[1]), first, first + 5)
    if m := re.fullmatch(r"(\d{4})-(\d\d)/(\d{4})-(\d\d)", period):
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12) or (y2, m2) < (y1, m1):
            return None
        return months_period(y1, m1, m2, y2)
    if m := re.fullmatch(r"12m:(\d{4})-(\d\d)", period):
        return twelve_months_ending(int(m[1]), int(m[2])) if 1 <= int(m[2]) <= 12 else None
    if m := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", period):
        try:
            d = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        return Period(d, d, "day")
    return None


def _month(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


_HALF = re.compile(
    rf"\b(?:(?:in|during|for|over)\s+)?the\s+(?P<n>first|second)\s+half\s+of\s+(?P<y>{YEAR})\b|"
    rf"\b(?:el|del|en el|durante el)\s+(?P<n2>primer|segundo)\s+semestre\s+(?:de|del)\s+"
    rf"(?:a[ñn]o\s+)?(?P<y2>{YEAR})\b|\b(?P<h>H[12])\s+(?P<y3>{YEAR})\b", re.I)
_MONTH_SPAN = re.compile(
    rf"\b(?:(?:from|between|de|entre|del)\s+)?(?P<m1>{MONTH_RE})\.?\s+(?:(?P<y1>{YEAR})\s+)?"
    rf"(?:to|through|and|until|-|–|a|al|y|hasta)\s+(?P<m2>{MONTH_RE})\.?"
    rf"(?:,?\s+(?:of\s+|de\s+|del\s+)?(?P<y2>{YEAR}))?\b", re.I)
_TWELVE = re.compile(
    rf"\b(?:in\s+)?(?:the\s+)?(?:12|twelve)[- ]months?(?:[- ]period)?\s+(?:ending|ended|to|"
    rf"through|that ended)\s+(?:in\s+)?(?P<m>{MONTH_RE})\.?(?:\s+\d{{1,2}}(?!\d),?)?"
    rf"(?:,?\s+(?P<y>{YEAR}))?|\b(?:the\s+)?year\s+(?:ending|ended|to)\s+(?:in\s+)?"
    rf"(?P<m2>{MONTH_RE})\.?(?:,?\s+(?P<y2>{YEAR}))?|\b(?:los\s+)?(?:12|doce)\s+meses\s+"
    rf"(?:hasta|terminados en|que terminaron en|a)\s+(?P<m3>{MONTH_RE})(?:\s+de\s+"
    rf"(?P<y3>{YEAR}))?", re.I)
_RELATIVE = re.compile(
    r"\b(?P<last>last year|the (?:previous|prior|preceding) year|a year (?:earlier|before|ago)|"
    r"(?:el|del|al) a[ñn]o pasado|(?:el|del|al) a[ñn]o anterior|(?:el|del|al) a[ñn]o previo|"
    r"un a[ñn]o antes)\b|"
    r"\b(?P<this>this year|so far this year|en lo que va del a[ñn]o|este a[ñn]o)\b|"
    r"\b(?P<two>two years (?:earlier|ago|before)|hace dos a[ñn]os)\b", re.I)
_WEEKDAY = re.compile(
    rf"\b(?:(?P<this>this|last|este|el pasado|el|on)\s+)?(?P<wd>{'|'.join(WEEKDAYS)})\b"
    rf"(?!\s*,?\s+(?:\d|{MONTH_RE}))", re.I)
_DAY_WORD = re.compile(r"\b(?:yesterday|today|ayer|hoy)\b", re.I)
_AGO = re.compile(r"\b(?:(?P<n>a|one|two|three|four|\d{1,2})\s+(?P<u>days?|weeks?)\s+ago|"
                  r"hace\s+(?P<n2>un|una|dos|tres|cuatro|\d{1,2})\s+(?P<u2>d[íi]as?|semanas?))\b",
                  re.I)
_AGO_N = {"a": 1, "one": 1, "un": 1, "una": 1, "two": 2, "dos": 2, "three": 3, "tres": 3,
          "four": 4, "cuatro": 4}
_BARE_MONTH = re.compile(rf"\b(?:in|en|since|desde|by|until|hasta|during|durante)\s+"
                         rf"(?:(?:early|late|mid-?|principios de|finales de)\s+)?"
                         rf"(?P<m>{MONTH_RE})\b(?!\.?\s*(?:\d|of\s+\d|de\s+\d|del\s+\d))",
                         re.I)


def extra_dates(text: str) -> list[DateExpr]:
    """Half years, month spans and 12-month windows (these win over the years inside them)."""
    out: list[DateExpr] = []
    for m in _HALF.finditer(text):
        y = int(m["y"] or m["y2"] or m["y3"])
        n = (m["n"] or m["n2"] or m["h"]).lower()
        h = 1 if n in ("first", "primer", "h1") else 2
        out.append(DateExpr(m.start(), m.end(), "half", f"{y}-H{h}", (y,), m.group(),
                            span=span_of(f"{y}-H{h}")))
    for m in _TWELVE.finditer(text):
        mw = m["m"] or m["m2"] or m["m3"]
        ys = m["y"] or m["y2"] or m["y3"]
        mo = _month(mw)
        if ys:
            y = int(ys)
            out.append(DateExpr(m.start(), m.end(), "12m", f"12m:{y}-{mo:02d}", (y,),
                                m.group(), span=twelve_months_ending(y, mo)))
        else:
            out.append(DateExpr(m.start(), m.end(), "12m", "", (), m.group(), months=(mo, mo),
                                extra={"twelve": True}))
    for m in _MONTH_SPAN.finditer(text):
        if any(d.start <= m.start() < d.end for d in out):
            continue
        m1, m2 = _month(m["m1"]), _month(m["m2"])
        if m["m1"].lower() == "may" and not m["m1"][0].isupper():
            continue
        if m["m2"].lower() == "may" and not m["m2"][0].isupper():
            continue
        y2 = int(m["y2"]) if m["y2"] else None
        y1 = int(m["y1"]) if m["y1"] else (y2 if y2 and m1 <= m2 else (y2 - 1 if y2 else None))
        if y1 is None or y2 is None:
            if m1 > m2:
                continue
            out.append(DateExpr(m.start(), m.end(), "months", "", (), m.group(),
                                months=(m1, m2)))
            continue
        period = f"{y1}-{m1:02d}/{y2}-{m2:02d}"
        span = span_of(period)
        if span is None:
            continue
        if span.kind == "half":
            period = f"{y1}-H{1 if m1 == 1 else 2}"
        out.append(DateExpr(m.start(), m.end(), "half" if span.kind == "half" else "months",
                            period, tuple(sorted({y1, y2})), m.group(), span=span))
    return sorted(out, key=lambda d: d.start)


def relative_dates(text: str, today: date | None, context_year: int | None,
                   month_year: int | None = None) -> list[DateExpr]:
    """"last year", "el año pasado", "the previous year", "this Thursday", "in March" —
    resolved against the text's date (and, for "the previous year", the year in context)."""
    out: list[DateExpr] = []
    for m in _RELATIVE.finditer(text):
        word = m.group().lower()
        base = today.year if today else None
        if re.search(r"previous|prior|preceding|earlier|before|anterior|previo|antes", word):
            base = context_year or base  # "the previous year": the one before the year in context
        if base is None:
            out.append(DateExpr(m.start(), m.end(), "relative", "", (), m.group(),
                                extra={"unresolved": "no date to resolve it against"}))
            continue
        y = base - 1 if m["last"] else base - 2 if m["two"] else base
        previous = bool(re.search(r"previous|prior|preceding|earlier|before|anterior|previo|"
                                  r"antes", word))
        out.append(DateExpr(m.start(), m.end(), "year", str(y), (y,), m.group(),
                            span=year_period(y), extra={"relative": True,
                                                        "previous": previous}))
    if today is not None:
        for m in _AGO.finditer(text):
            n_text = (m["n"] or m["n2"]).lower()
            n = int(n_text) if n_text.isdigit() else _AGO_N.get(n_text, 1)
            unit = (m["u"] or m["u2"]).lower()
            days = n * (7 if unit.startswith(("week", "semana")) else 1)
            when = today - timedelta(days=days)
            out.append(DateExpr(m.start(), m.end(), "day", when.isoformat(), (when.year,),
                                m.group(), span=Period(when, when, "day"),
                                extra={"relative": True, "approximate": unit.startswith(
                                    ("week", "semana"))}))
        for m in _DAY_WORD.finditer(text):
            delta = {"yesterday": 1, "ayer": 1, "today": 0, "hoy": 0}[m.group().lower()]
            when = today - timedelta(days=delta)
            out.append(DateExpr(m.start(), m.end(), "day", when.isoformat(), (when.year,),
                                m.group(), span=Period(when, when, "day"),
                                extra={"relative": True}))
        for m in _WEEKDAY.finditer(text):
            # a bare weekday: capitalised in English ("announced Tuesday"), after "el" in
            # Spanish ("el martes")
            if not m["this"] and not m["wd"][0].isupper() and not re.search(
                    r"\b(?:was|were|is|are|fue|fueron|on|el)\s+(?:\w+\s+){0,2}$",
                    text[max(0, m.start() - 40):m.start()], re.I):
                continue
            wd = WEEKDAYS[m["wd"].lower()]
            delta = (today.weekday() - wd) % 7
            when = today - timedelta(days=delta)
            if (m["this"] or "").lower() in ("this", "este") and delta and today.weekday() < wd:
                when = today + timedelta(days=(wd - today.weekday()))
            out.append(DateExpr(m.start(), m.end(), "day", when.isoformat(), (when.year,),
                                m.group(), span=Period(when, when, "day"),
                                extra={"relative": True}))
        for m in _BARE_MONTH.finditer(text):
            if m["m"].lower() == "may" and not m["m"][0].isupper():
                continue
            mo = _month(m["m"])
            # "In December alone …, fewer than … of 2022": a bare month takes the year the
            # text is about (its paragraph or headline), not a comparison year of the sentence
            y = month_year or context_year or (today.year if mo <= today.month
                                               else today.year - 1)
            out.append(DateExpr(m.start("m"), m.end(),
                                "month", f"{y}-{mo:02d}", (y,), m["m"],
                                span=months_period(y, mo, mo), extra={"relative": True}))
    return out


_MONTH_DAY = re.compile(
    rf"\b(?:on\s+|el\s+)?(?P<m>{MONTH_RE})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b"
    rf"(?!,?\s+(?:19|20)\d\d)(?![\d:])|\b(?:el\s+)?(?P<d2>[0-3]?\d)\s+de\s+"
    rf"(?P<m2>{MONTH_RE})\b(?!\s+(?:de|del)\s+(?:19|20)\d\d)", re.I)


def month_days(text: str, today: date | None, context_year: int | None) -> list[DateExpr]:
    """"on January 5", "el 28 de febrero": a day whose year is the one in context (else the
    text's own year, or the year before for a month still to come). Never used to contradict:
    the year is inferred."""
    out = []
    for m in _MONTH_DAY.finditer(text):
        word, day = (m["m"], m["d"]) if m["m"] else (m["m2"], m["d2"])
        if word.lower() == "may" and not word[0].isupper():
            continue
        mo = _month(word)
        if context_year:
            y = context_year
        elif today is not None:
            y = today.year if mo <= today.month else today.year - 1
        else:
            continue
        span = span_of(f"{y}-{mo:02d}-{int(day):02d}")
        if span is None:
            continue
        out.append(DateExpr(m.start(), m.end(), "day", span.start.isoformat(), (y,),
                            m.group(), span=span, extra={"relative": True}))
    return out


def resolve_months(d: DateExpr, year: int | None) -> None:
    """Give a month span without a year ("between January and June") the year in context."""
    if d.months is None or year is None or d.period:
        return
    m1, m2 = d.months
    if d.extra.get("twelve"):
        d.period, d.span = f"12m:{year}-{m1:02d}", twelve_months_ending(year, m1)
    else:
        span = months_period(year, m1, m2)
        d.period = f"{year}-H{1 if m1 == 1 else 2}" if span.kind == "half" else \
            f"{year}-{m1:02d}/{year}-{m2:02d}"
        d.span = span
    d.years = (year,)
    d.extra["year_from_context"] = True


# "up 16% from 2020", "compared with 2022", "than in 2007", "as in 2007", "desde 2019"
BASE_BEFORE = re.compile(
    r"(?:\bfrom|\bcompared (?:with|to)|\bthan(?: in| during| for)?|\bas in|\bover|\bbelow|"
    r"\babove|\bby comparison with|"
    r"\brelative to|\bversus|\bvs\.?|\bsince|\bagainst|\bdesde|\brespecto (?:a|al|de|del)|"
    r"\bfrente a(?:l)?|\bcomparad[oa]s? con|\ben comparaci[óo]n con|\bque en|\bcontra|"
    r"\ba partir de)\s+(?:(?:the|el|la|los|levels? (?:of|in)|figures? (?:of|for|in)|"
    r"(?:calendar |fiscal )?year|a[ñn]o|de)\s+)*$", re.I)
BASE_RELATIVE = re.compile(
    r"(?:from|than|over|compared (?:with|to))\s+(?:the\s+)?(?:previous|prior|preceding|"
    r"year[- ]earlier)\s+(?:year|period)|a year (?:earlier|before)|year[- ]over[- ]year|"
    r"(?:from|than) (?:a year ago|last year)|respecto al? (?:del )?a[ñn]o (?:anterior|pasado)|"
    r"(?:frente|comparad[oa]) (?:al|con el) a[ñn]o (?:anterior|pasado)|"
    r"que (?:en )?el a[ñn]o (?:anterior|pasado)|en comparaci[óo]n con el a[ñn]o anterior|"
    r"anual(?:mente)?\b|interanual", re.I)


def comparison(text: str, years: list[DateExpr], at: int = 0) -> tuple[int, int] | None:
    """(base year, compared year) of a change or ratio stated at offset ``at``: the year
    after "from"/"than"/"compared with" is the base, whatever the reading order ("up 16% from
    2020", "fell 3% in 2023 compared with 2022"); without such words, the earlier year."""
    bases = [d for d in years if BASE_BEFORE.search(text[max(0, d.start - 40):d.start])
             or (d.start > at and re.search(r"\b(?:from|than|desde|que)\b",
                                            text[at:d.start], re.I)
                 and not re.search(r"\bto\b|\ba\b|\bhasta\b", text[at:d.start], re.I))]
    others = [d for d in years if d not in bases]
    if bases and others:
        base = bases[0]
        current = min(others, key=lambda d: abs(d.start - at))
        base.extra["base"] = True
        return base.years[0], current.years[0]
    if len(years) == 1 and BASE_RELATIVE.search(text):
        y = years[0].years[0]
        return y - 1, y
    distinct = sorted({d.years[0] for d in years})
    if len(distinct) == 2:
        return distinct[0], distinct[1]
    return None


def shift_year_back(rel: DateExpr, window: DateExpr) -> None:
    """"… in the 12 months ending April 2022 (81,692), up from 76,383 in the previous year":
    the previous year of a 12-month window (or half year, month span) is the same window a
    year earlier, not a calendar year."""
    if window.span is None:
        return
    if window.kind == "12m":
        e = window.span.end
        rel.period, rel.span = f"12m:{e.year - 1}-{e.month:02d}", \
            twelve_months_ending(e.year - 1, e.month)
    else:
        st, e = window.span.start, window.span.end
        span = months_period(st.year - 1, st.month, e.month, e.year - 1)
        rel.span = span
        rel.period = f"{st.year - 1}-H{1 if st.month == 1 else 2}" if span.kind == "half" \
            else f"{st.year - 1}-{st.month:02d}/{e.year - 1}-{e.month:02d}"
    rel.kind = window.kind
    rel.years = (rel.span.start.year,)


def same_window(d: DateExpr, window: str) -> None:
    """"el mismo periodo de 2018" after a half year or span of months: that window in 2018."""
    y = d.years[0]
    if m := re.fullmatch(r"\d{4}-(H[12])", window):
        period = f"{y}-{m[1]}"
    elif m := re.fullmatch(r"(\d{4})-(\d\d)/(\d{4})-(\d\d)", window):
        if m[1] != m[3]:
            return
        period = f"{y}-{m[2]}/{y}-{m[4]}"
    else:
        return
    span = span_of(period)
    if span is not None:
        d.period, d.span = period, span
        d.kind = "half" if span.kind == "half" else "months"
        d.extra["same_period_as"] = window
