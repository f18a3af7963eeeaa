"""Text → claims: numbers, units, periods and dates, with the words that say what they count.

A rule-based reader (regular expressions and a small grammar) for English and basic Spanish.
It finds quantities in the usual forms (107,450; 27.7 thousand; $3.5 billion; R$19.6 billion;
69.4%; 1,400 millones de dólares; tripling; fourfold; doubled; from X in 2007 to Y in 2023;
ranges; "more than"), the period each refers to, dates of events, and the topic words nearby.
It never consults the evidence base: linking to series happens in ``link``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .document import MONTH_RE, MONTHS, Document, Sentence
from .link import ACTION_WORDS
from .numbers import (  # noqa: F401 - find_quantities and parse_number are used from here too
    _BARE_NUMBER,
    _CLAUSE_BREAK,
    _RATE_CONTEXT,
    BOILERPLATE,
    PER_DAY,
    Quantity,
    _clause_start,
    find_quantities,
    parse_number,
)
from .periods import (
    BASE_BEFORE,
    DateExpr,
    comparison,
    extra_dates,
    month_days,
    relative_dates,
    resolve_months,
    same_window,
    shift_year_back,
    span_of,
)
from .records import Claim
from .scope import Places, read_scope

YEAR = r"(?:19[5-9]\d|20\d\d)"

# -- topics and flags ------------------------------------------------------------------------
TOPIC_PATTERNS: list[tuple[str, str]] = [
    ("fentanyl", r"fentan[iy]l\w*|synthetic opioids?|opioides? sint[ée]ticos?"),
    ("heroin", r"heroin\w*|hero[ií]na"),
    ("cocaine", r"cocaine|coca[ií]na"),
    ("meth", r"methamphetamine|\bmeth\b|psychostimulants?|metanfetamina\w*"),
    ("opioid", r"(?<!synthetic )\bopioids?\b|(?<!sint[ée]tic)\bopioides?\b"),
    ("overdose", r"overdos\w*|drug[- ](?:related )?deaths|drug poisoning\w*|sobredosis|"
                 r"muertes por (?:consumo de )?drogas"),
    ("femicide", r"femicid\w*|feminicid\w*"),
    ("homicide", r"homicid\w*|murders?\b|murder rate|killings?\b|asesinatos?|"
                 r"violent deaths|muertes violentas"),
    ("aid", r"m[ée]rida|bicentennial|bicentenario|security (?:cooperation|assistance|aid)|"
            r"foreign (?:aid|assistance)|assistance|\baid\b|ayuda|asistencia|"
            r"cooperaci[óo]n (?:en materia de )?seguridad"),
]
_TOPIC_RES = [(name, re.compile(p, re.I)) for name, p in TOPIC_PATTERNS]
DRUG_TOPICS = {"fentanyl", "heroin", "cocaine", "meth", "opioid"}

FLAG_PATTERNS: dict[str, str] = {
    "unintentional": r"unintentional|accidental|no intencional",
    "provisional": r"provisional|predicted|preliminar\w*|12[- ]month|rolling|estimated",
    "final": r"\bfinal\b|definitiv\w*",
    "age_adjusted": r"age[- ]adjusted|ajustada por edad",
    "sesnsp": r"sesnsp|secretariado|investigation files|carpetas de investigaci[óo]n",
    "inegi": r"\binegi\b|death (?:records|certificates)|certificados de defunci[óo]n",
    "mx": r"mexic\w*|m[ée]xico|mexican\w*",
    "us": r"united states|\bU\.?S\.?\b|\bUSA\b|america\b|american|estados unidos|EE\.? ?UU\.?|"
          r"estadounidense",
    "requested": r"request\w*|sought|proposed|solicit\w*|pidi[óo]|propuesta",
    "appropriated": r"appropriat\w*|allocat\w*|approved|provided|apropia\w*|aprob\w*|asign\w*",
    "obligated": r"obligat\w*|committed",
    "disbursed": r"disburs\w*|delivered|spent|entreg\w*|desembols\w*|ejercid\w*|gastad\w*",
    "rate": r"\brates?\b|\btasas?\b|per (?:100,000|100 000|100k|capita)|por (?:cada )?100",
}
_FLAG_RES = {k: re.compile(v, re.I) for k, v in FLAG_PATTERNS.items()}

# -- dates -----------------------------------------------------------------------------------
_DATE_RES: list[tuple[str, re.Pattern[str]]] = [
    ("fiscal", re.compile(
        rf"\b(?:fiscal years?|FYs?|a[ñn]os? fiscal(?:es)?|ejercicios? fiscal(?:es)?)\s*"
        rf"(?P<y1>{YEAR})(?:\s*(?:-|–|to|through|thru|and|until|a|al|y|hasta)\s*"
        rf"(?:FY\s*)?(?P<y2>{YEAR}|\d\d)\b)?", re.I)),
    ("fiscal", re.compile(
        rf"\b(?:from|between|desde|entre|de)\s+(?:fiscal years?|FY|el a[ñn]o fiscal)\s*"
        rf"(?P<y1>{YEAR})\s*(?:-|–|to|through|thru|and|until|a|al|y|hasta)\s*(?:FY\s*)?"
        rf"(?P<y2>{YEAR})\b", re.I)),
    ("day", re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-3]\d)\b")),
    ("day", re.compile(rf"\b(?P<m>{MONTH_RE})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+"
                       rf"(?P<y>{YEAR})\b", re.I)),
    ("day", re.compile(rf"\b(?P<d>[0-3]?\d)\s+(?:de\s+)?(?P<m>{MONTH_RE})\.?,?\s+"
                       rf"(?:de\s+|del\s+)?(?P<y>{YEAR})\b", re.I)),
    ("month", re.compile(rf"\b(?P<m>{MONTH_RE})\.?,?\s+(?:of\s+|de\s+|del\s+)?(?P<y>{YEAR})\b",
                         re.I)),
    ("range", re.compile(
        rf"\b(?:from|between|since|desde|entre|de)\s+(?P<y1>{YEAR})\s+(?:to|and|through|"
        rf"until|till|a|al|y|hasta)\s+(?:el\s+)?(?P<y2>{YEAR})\b", re.I)),
    ("range", re.compile(rf"\b(?P<y1>{YEAR})\s?[-–]\s?(?P<y2>{YEAR}|\d\d)\b")),
    ("since", re.compile(rf"\b(?:since|desde)\s+(?:(?:fiscal year|FY|el a[ñn]o fiscal)\s*)?"
                         rf"(?:(?:el|the) (?:a[ñn]o|year) )?(?P<y>{YEAR})\b", re.I)),
    ("year", re.compile(rf"(?<![\d$,.])(?P<y>{YEAR})(?!\d|,\d|\.\d|%)")),
]


def find_dates(text: str, offset: int = 0) -> list[DateExpr]:
    """Every date or period expression in ``text`` (longest wins where they overlap)."""
    found: list[DateExpr] = []
    taken: list[tuple[int, int]] = []
    for d in extra_dates(text):  # half years, month spans, 12-month windows win
        if not any(d.start < te and ts < d.end for ts, te in taken):
            d.start += offset
            d.end += offset
            found.append(d)
            taken.append((d.start - offset, d.end - offset))
    for kind, pat in _DATE_RES:
        for m in pat.finditer(text):
            s, e = m.start(), m.end()
            if any(s < te and ts < e for ts, te in taken):
                continue
            expr = _date_expr(kind, m, offset)
            if expr:
                found.append(expr)
                taken.append((s, e))
    return sorted(found, key=lambda d: d.start)


def _date_expr(kind: str, m: re.Match[str], offset: int) -> DateExpr | None:
    g = m.groupdict()
    text = m.group()
    if kind in ("fiscal", "range"):
        y1 = int(g["y1"])
        y2s = g.get("y2")
        if y2s is None:
            return DateExpr(m.start() + offset, m.end() + offset, "fiscal", f"FY{y1}", (y1,),
                            text)
        y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
        if y2 <= y1 or y2 - y1 > 60:
            return None
        period = f"FY{y1}-FY{y2}" if kind == "fiscal" else f"{y1}-{y2}"
        return DateExpr(m.start() + offset, m.end() + offset, kind, period, (y1, y2), text)
    y = int(g["y"])
    if kind == "since":
        return DateExpr(m.start() + offset, m.end() + offset, "since", f"{y}-", (y,), text)
    if kind == "year":
        return DateExpr(m.start() + offset, m.end() + offset, "year", str(y), (y,), text)
    month = int(g["m"]) if g["m"].isdigit() else MONTHS[g["m"].lower().rstrip(".")]
    if kind == "month":
        # "may 2020" is ambiguous with the verb; accept only capitalised May
        if g["m"].lower() == "may" and not g["m"][0].isupper():
            return None
        return DateExpr(m.start() + offset, m.end() + offset, "month", f"{y}-{month:02d}", (y,),
                        text)
    day = int(g["d"])
    if not 1 <= day <= 31:
        return None
    if span_of(f"{y}-{month:02d}-{day:02d}") is None:
        # "30 February 2020": kept as an impossible date (a finding), never as a period
        return DateExpr(m.start() + offset, m.end() + offset, "impossible", "", (y,), text)
    return DateExpr(m.start() + offset, m.end() + offset, "day", f"{y}-{month:02d}-{day:02d}",
                    (y,), text)


# -- claims ----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _topic_matches(text: str) -> tuple[tuple[str, int, int], ...]:
    return tuple((name, m.start(), m.end()) for name, pat in _TOPIC_RES
                 for m in pat.finditer(text))


def topic_near(text: str, pos: int, prefer_drug: bool = False) -> tuple[str | None, int]:
    """The topic word nearest to ``pos`` in ``text``, and its distance."""
    best: tuple[str | None, int] = (None, 10**9)
    for name, start, end in _topic_matches(text):
        dist = 0 if start <= pos < end else min(abs(start - pos), abs(end - pos))
        if prefer_drug and name in DRUG_TOPICS:
            dist -= 1000
        if dist < best[1]:
            best = (name, dist)
    return best


_DRUG_WORDS = "|".join(p for n, p in TOPIC_PATTERNS if n in DRUG_TOPICS)
DRUG_MODIFIER = re.compile(
    rf"(?P<a>{_DRUG_WORDS})[- ](?:related |involved |linked |involving )?(?:overdose )?"
    rf"(?:deaths|overdoses|fatalities)|(?:overdose )?(?:deaths|overdoses|fatalities) "
    rf"(?:involving|from|caused by|linked to|due to|attributed to) (?P<b>{_DRUG_WORDS})|"
    rf"(?:muertes|sobredosis) (?:por|de|relacionadas con|asociadas a) (?P<c>{_DRUG_WORDS})",
    re.I)


def drug_topic(text: str) -> str | None:
    """The drug a count is about when the words say so: "heroin overdose deaths",
    "deaths involving fentanyl", "muertes por fentanilo"."""
    m = DRUG_MODIFIER.search(text)
    if not m:
        return None
    word = m.group("a") or m.group("b") or m.group("c")
    return next((n for n, pat in _TOPIC_RES if n in DRUG_TOPICS and pat.fullmatch(word)), None)


def flags_of(text: str) -> frozenset[str]:
    return frozenset(k for k, pat in _FLAG_RES.items() if pat.search(text))


def extract_claims(doc: Document, places: dict[str, str] | None = None) -> list[Claim]:
    """Every quantity and dated statement in a document, as ``Claim`` records, each with the
    dimensions its words state (``claim.extra["scope"]``) and its period resolved from the
    sentence, the paragraph, the headline or the text's date.

    Args:
        places: state names → geo codes (from the store's geographies), for "in Chihuahua".
    """
    claims: list[Claim] = []
    meta = doc.metadata
    today = meta.published
    matcher = Places(places) if places else None
    skip_spans = [(s, e) for _, _, _, s, e in meta.encoded_dates]
    if meta.dateline_span:
        skip_spans.append(meta.dateline_span)
    headline_year = _headline_year(meta.headline)
    headline_topic = topic_near(meta.headline, 0)[0] if meta.headline else None
    named = matcher.find_any(meta.headline) if matcher and meta.headline else []
    headline_state = matcher.names.get(named[0][0]) if named else None
    lead = flags_of(meta.headline + " " + doc.text[:1500])
    doc_country = "MX" if "mx" in lead and "us" not in lead else \
        "US" if "us" in lead and "mx" not in lead else ("MX" if doc.lang == "es" else None)
    last_period: dict[int, str] = {}
    doc_period: tuple[str, int] | None = None  # the last period stated, and its paragraph
    last_window: str | None = None  # the last half year or span of months stated
    last_topic: dict[int, str] = {}
    last_year: dict[int, int] = {}
    paragraph_text: dict[int, str] = {}
    prev_sentence: Sentence | None = None
    table: _Table | None = None
    for sent in doc.sentences:
        raw = doc.text[sent.start:sent.end]
        if matcher is not None:
            header = _table_header(raw)
            if header is not None:
                table = header
                prev_sentence = sent
                continue
            if table is not None:
                rows = _table_row(doc, sent, raw, table, matcher, meta, last_topic,
                                  headline_topic)
                if rows is not None:
                    claims.extend(rows)
                    prev_sentence = sent
                    continue
                table = None  # the table has ended
        local_skip = [(s - sent.start, e - sent.start) for s, e in skip_spans
                      if s < sent.end and e > sent.start]
        if local_skip and sum(e - s for s, e in local_skip) > 0.6 * len(raw.strip()):
            prev_sentence = sent
            continue  # the dateline or the wire id line itself
        if BOILERPLATE.search(raw):
            prev_sentence = sent
            continue  # credits, copyright lines and disclaimers state no claims
        dates = [d for d in find_dates(raw, 0)
                 if not any(d.start < e and s < d.end for s, e in local_skip)]
        explicit = [d.years[0] for d in dates if d.years and d.kind in ("year", "day", "month")]
        context_year = explicit[0] if explicit else last_year.get(sent.paragraph, headline_year)
        rel = relative_dates(raw, today, context_year if not explicit else explicit[0],
                             month_year=last_year.get(sent.paragraph, headline_year))
        rel += month_days(raw, today, context_year)
        dates = sorted(dates + [r for r in rel if not any(
            r.start < d.end and d.start < r.end for d in dates)], key=lambda d: d.start)
        for d in dates:
            resolve_months(d, context_year or (today.year if today else None))
        windows = [d for d in dates if d.kind in ("12m", "half", "months") and d.span]
        for d in dates:
            if d.extra.get("previous") and windows:
                shift_year_back(d, windows[0])
        # "el mismo periodo de 2018": the window in context (a half year) in that year
        window = windows[0].period if windows else last_window
        if window:
            listed = False  # "el mismo periodo de 2018 (…), 2019 (…) y 2020 (…)"
            for d in dates:
                if d.kind == "year" and (listed or _SAME_PERIOD.search(
                        raw[max(0, d.start - 30):d.start])):
                    same_window(d, window)
                    listed = True
        date_spans = [(d.start, d.end) for d in dates]
        quantities = find_quantities(raw, doc.lang, 0, local_skip + date_spans)
        flags = flags_of(raw)
        context = paragraph_text.get(sent.paragraph, "")
        if prev_sentence is not None and prev_sentence.paragraph == sent.paragraph:
            flags_ctx = flags_of(doc.text[prev_sentence.start:prev_sentence.end])
        else:
            flags_ctx = frozenset()
        pairs = _conversion_pairs(raw, quantities)
        foreign = {a if a.currency != "USD" else b for a, b in pairs.items()}
        for a, b in pairs.items():
            usd = b if a in foreign else a
            if usd.qualifier == "exact":
                usd.qualifier = (a if usd is b else b).qualifier
        for qi, q in enumerate(quantities):
            if q in foreign and not any(q is a for a in pairs):
                continue
            used = [d.used for d in dates]
            claim = _claim_from_quantity(doc, sent, raw, q, dates, quantities, flags)
            if claim.period and any(d.extra.get("relative") and d.period == claim.period
                                    for d in dates):
                claim.period_inferred = True
                claim.extra["period_from"] = "a relative date (\"the previous year\")"
            if claim.period and claim.kind in ("count", "rate") and _FROM_BEFORE.search(
                    raw[max(0, q.start - 25):q.start]) and not any(
                    d.start >= q.end and d.period == claim.period for d in dates):
                # "fell to 81 in 2023, from 101 …": the figure after "from" is the base's
                claim.period_inferred = True
                claim.extra["period_from"] = "a comparison (the figure after 'from')"
            if claim.period and claim.period.endswith("~"):
                claim.period = claim.period[:-1]
                claim.extra["base_implied"] = True
            if claim.kind == "ratio" and claim.topic is None and not claim.extra.get("difference"):
                for d, was in zip(dates, used, strict=True):
                    d.used = was
                continue  # "visited three times": a multiplier without a subject is no claim
            if claim.period is None and claim.kind not in ("ratio",):
                if sent.paragraph in last_period and claim.kind != "money":
                    claim.period = last_period[sent.paragraph]
                    claim.period_inferred = True
                    # a sentence with dates of its own that none fits: the carried period
                    # is a guess
                    claim.extra["period_from"] = "paragraph" if not any(
                        d.years for d in dates) else "paragraph, over the sentence's own dates"
                elif doc_period and claim.kind != "money" and \
                        sent.paragraph - doc_period[1] <= 2:
                    claim.period = doc_period[0]
                    claim.period_inferred = True
                    claim.extra["period_from"] = "earlier paragraph"
                elif headline_year and claim.kind != "money":
                    claim.period = str(headline_year)
                    claim.period_inferred = True
                    claim.extra["period_from"] = "headline"
            if claim.topic is None and sent.paragraph in last_topic:
                claim.topic = last_topic[sent.paragraph]
                claim.flags = claim.flags | flags_ctx
                claim.extra["topic_from"] = "paragraph"
            elif claim.topic is None and headline_topic and claim.kind in ("count", "rate"):
                claim.topic = headline_topic
                claim.flags = claim.flags | flags_of(meta.headline)
                claim.extra["topic_from"] = "headline"
            claim.extra["paragraph"] = sent.paragraph
            claim.extra["context"] = context
            claim.extra["doc_country"] = doc_country
            lo = quantities[qi - 1].end if qi else 0
            hi = quantities[qi + 1].start if qi + 1 < len(quantities) else len(raw)
            lo = max(lo, _clause_start(raw, q.start))
            brk = _CLAUSE_BREAK.search(raw, q.end, hi)
            hi = brk.start() if brk else hi
            scope = read_scope(raw, q.start, q.end, lo, hi, topic=claim.topic,
                               kind=claim.kind, flags=claim.flags | (
                                   flags_ctx if not (claim.flags & {"mx", "us"}) else
                                   frozenset()), places=matcher, context=context,
                               clause_start=_clause_start(raw, q.start),
                               headline_state=headline_state)
            claim.extra["scope"] = scope
            if claim.kind == "count" and (scope.per_day or (
                    (claim.value or 0) < 2000 and PER_DAY.search(raw))):
                claim.extra["per_day"] = True
            if claim.kind == "share" and (claim.topic in DRUG_TOPICS | {"overdose"}):
                claim.extra["denominator"] = "overdose"
            if q in pairs:
                conv = _conversion_claim(sent, raw, q, pairs[q], doc.lang, flags)
                if conv is not None:
                    claims.append(conv)
                if q in foreign:
                    continue
            claims.append(claim)
            if claim.period and claim.kind not in ("money", "ratio") and not \
                    claim.period_inferred:
                last_period[sent.paragraph] = claim.period
                doc_period = (claim.period, sent.paragraph)
                if re.fullmatch(r"\d{4}-H[12]|\d{4}-\d\d/\d{4}-\d\d", claim.period):
                    last_window = claim.period
            if claim.topic:
                last_topic[sent.paragraph] = claim.topic
        for d in dates:
            if d.years and d.kind in ("year", "day", "month"):
                last_year[sent.paragraph] = d.years[-1]
            eventful = d.kind in ("day", "month") and ACTION_WORDS.search(raw) or (
                d.kind == "year" and ACTION_WORDS.search(raw[max(0, d.start - 25):d.start]))
            if (d.used and not eventful) or d.kind == "relative" or (
                    d.extra.get("relative") and d.kind == "year"):
                continue
            if not d.period and d.kind != "impossible":
                continue
            claims.append(Claim(
                kind="date", sentence=sent.text, sentence_start=sent.start,
                sentence_end=sent.end, start=sent.start + d.start, end=sent.start + d.end,
                quantity_text=d.text, value=None, unit="date", period=d.period or None,
                topic=topic_near(raw, d.start)[0], flags=flags, lang=doc.lang,
                extra={"date_kind": d.kind, "relative": bool(d.extra.get("relative")),
                       **({"impossible": True} if d.kind == "impossible" else {})}))
        # the paragraph so far, bounded (long paragraphs must not make the work quadratic)
        paragraph_text[sent.paragraph] = (context + " " + raw)[-CONTEXT_CHARS:]
        if matcher is not None and table is None:
            lead = raw + " " + context[-300:]
            own = sorted({d.years[0] for d in dates if d.kind == "year" and d.years})
            year = str(own[0]) if len(own) == 1 else doc_period[0] if doc_period else None
            table = _list_header(raw, year) if \
                raw.rstrip().endswith(":") and _RATE_CONTEXT.search(lead) else None
            if table is not None and not re.search(r"\brates?\b|per 100|tasas?", raw, re.I):
                table = _Table(table.years, "rate", list_rows=True)
        prev_sentence = sent
    return claims


_SAME_PERIOD = re.compile(r"(?:mismo periodo|mismo per[íi]odo|mismo lapso|mismos meses|same "
                          r"period|same months)\s+(?:de|del|of|in|en)\s+(?:el\s+)?$", re.I)
_FROM_BEFORE = re.compile(r"\b(?:from|desde|frente a(?: los| las)?|compared with|than)\s+"
                          r"(?:about |around |nearly |some |los |las |the )?$", re.I)
CONTEXT_CHARS = 400  # how much of the paragraph before a sentence scopes its figures
@dataclass
class _Table:
    """A table's header line: "State 2010 rate 2016 rate" — one column per year."""

    years: list[int]
    kind: str  # rate or count
    list_rows: bool = False  # "• Ohio (39.1)" items after a lead-in ending in ":"


_TABLE_HEAD = re.compile(r"^\s*(?:state|estado|entidad(?: federativa)?|jurisdiction|"
                         r"county|municipio)\b", re.I)
_TABLE_ROW = re.compile(r"^\s*(?P<name>[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .'-]*?)\s+"
                        r"(?P<nums>\d[\d.,]*(?:\s+\d[\d.,]*)+)\s*$")


_LIST_ROW = re.compile(r"^\s*[-•*·–]\s*(?P<name>[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .'-]*?)\s*"
                       r"\((?P<nums>\d[\d.,]*)\)[,.;]?\s*$")


def _list_header(raw: str, period: str | None) -> _Table | None:
    """"… 52.0 deaths per 100,000 in 2016. Following West Virginia are:" then "• Ohio (39.1)"."""
    if not raw.rstrip().endswith(":") or not period or not re.fullmatch(r"\d{4}", period):
        return None
    kind = "rate" if re.search(r"\brates?\b|\btasas?\b|per 100|por cada 100", raw, re.I) \
        else None
    return _Table([int(period)], kind, list_rows=True) if kind else None


def _table_header(raw: str) -> _Table | None:
    if not _TABLE_HEAD.match(raw) or len(raw) > 120:
        return None
    years = [int(y) for y in re.findall(rf"(?<!\d){YEAR}(?!\d)", raw)]
    if not years:
        return None
    kind = "rate" if re.search(r"\brates?\b|\btasas?\b|per 100", raw, re.I) else "count"
    return _Table(years, kind)


def _table_row(doc: Document, sent: Sentence, raw: str, table: _Table, places: Places,
               meta, last_topic: dict[int, str], headline_topic: str | None
               ) -> list[Claim] | None:
    """Claims of one table row ("West Virginia 28.9 52.0"), or None when it is no row."""
    m = (_LIST_ROW if table.list_rows else _TABLE_ROW).match(raw)
    if not m:
        return None
    found = places.find_any(m["name"])
    nums = list(re.finditer(r"\d[\d.,]*", m["nums"]))
    if not found or len(nums) != len(table.years):
        return None
    geo = found[0][0]
    topic = last_topic.get(sent.paragraph - 1) or last_topic.get(sent.paragraph) or \
        headline_topic
    out = []
    base = m.start("nums")
    for num, year in zip(nums, table.years, strict=True):
        value, hw = parse_number(num.group(), doc.lang)
        start = base + num.start()
        rs = read_scope(raw, start, start + len(num.group()), 0, len(raw), topic=topic,
                        kind=table.kind, flags=flags_of(meta.headline), places=places)
        rs.area, rs.area_name = geo, places.names.get(geo, geo)
        rs.unresolved = [u for u in rs.unresolved if u[0] != "area"]
        out.append(Claim(
            kind=table.kind, sentence=sent.text, sentence_start=sent.start,
            sentence_end=sent.end, start=sent.start + start,
            end=sent.start + start + len(num.group()), quantity_text=num.group(), value=value,
            unit="per 100,000" if table.kind == "rate" else "count",
            half_width=hw if table.kind == "rate" else min(hw, max(0.5, 0.025 * value)),
            period=str(year), topic=topic, flags=flags_of(meta.headline), lang=doc.lang,
            extra={"scope": rs, "table_row": True, "paragraph": sent.paragraph,
                   "topic_from": None if topic == last_topic.get(sent.paragraph) else
                   "the table's context"}))
    return out


def _headline_year(headline: str) -> int | None:
    years = {int(y) for y in re.findall(rf"(?<![\d$,.]){YEAR}(?![\d,.%])", headline or "")}
    return years.pop() if len(years) == 1 else None


def _claim_from_quantity(doc: Document, sent: Sentence, raw: str, q: Quantity,
                         dates: list[DateExpr], quantities: list[Quantity],
                         flags: frozenset[str]) -> Claim:
    kind = {"change": "ratio", "difference": "ratio"}.get(q.kind, q.kind)
    topic, _ = topic_near(raw, q.start, prefer_drug=(q.kind == "share"))
    if q.kind in ("count", "rate", "change", "ratio") and topic in {"overdose"} | DRUG_TOPICS:
        topic = drug_topic(raw) or topic
    if q.kind == "money" and topic != "aid" and re.search(_TOPIC_RES[-1][1].pattern, raw, re.I):
        topic = "aid"
    period = _period_for(raw, q, dates, quantities)
    unit = q.unit
    if kind == "count" and topic in {"overdose", "homicide", "femicide"} | DRUG_TOPICS:
        unit = "deaths" if topic != "femicide" else "victims"
    if kind == "count" and flags & {"rate"} and topic == "homicide" and \
            re.search(r"\brate\b|\btasa\b", raw[max(0, q.start - 40):q.start], re.I) \
            and q.value < 1000:
        kind, unit = "rate", "per 100,000"
    return Claim(
        kind=kind, sentence=sent.text, sentence_start=sent.start, sentence_end=sent.end,
        start=sent.start + q.start, end=sent.start + q.end, quantity_text=q.text,
        value=q.value, unit=unit, half_width=q.half_width, qualifier=q.qualifier, low=q.low,
        high=q.high, period=period, topic=topic, flags=flags, lang=doc.lang,
        extra={"change": True} if q.kind == "change" else
        {"difference": True} if q.kind == "difference" else {})


_SINGLE_KINDS = ("year", "month", "day", "fiscal", "half", "months", "12m")


def _period_for(raw: str, q: Quantity, dates: list[DateExpr],
                quantities: list[Quantity]) -> str | None:
    """The period a quantity refers to, read from the date expressions of its sentence."""
    dates = [d for d in dates if d.period]
    wants_span = q.kind in ("ratio", "change", "money")
    # "2018 (17 mil 772)": a figure in brackets right after a date is that date's
    opening = re.search(r"\(\s*$", raw[max(0, q.start - 3):q.start])
    if opening and q.kind in ("count", "rate", "money"):
        before = [d for d in dates if 0 <= q.start - d.end <= 3 and d.kind in _SINGLE_KINDS]
        if before:
            before[-1].used = True
            return before[-1].period
    spans = [d for d in dates if d.kind in ("range", "fiscal") and len(d.years) == 2]
    singles = [d for d in dates if d.kind in _SINGLE_KINDS and (len(d.years) == 1 or
                                                               d.kind in ("months", "half"))]
    if q.kind in ("ratio", "change", "difference"):
        windows = [d for d in dates if d.kind in ("12m", "half", "months", "month")]
        if len(windows) == 2 and windows[0].kind == windows[1].kind:
            a, b = sorted(windows, key=lambda d: d.span.start if d.span else d.start)
            a.used = b.used = True
            return f"{a.period}|{b.period}"  # "from the 12 months ending April 2021 to ..."
        years = [d for d in dates if d.kind == "year"]
        pair = comparison(raw, years, q.end)
        if pair:
            for d in years:
                if d.years[0] in pair:
                    d.used = True
            return f"{pair[0]}-{pair[1]}"
        if q.kind in ("change", "difference") and len({d.years[0] for d in years}) == 1:
            # "deaths rose 30% in 2020": the change from the year before
            y = years[0].years[0]
            years[0].used = True
            return f"{y - 1}-{y}~"
    windows = [d for d in dates if d.kind in ("12m", "half", "months") and d.span]
    same = [o for o in quantities if o.kind == q.kind]
    if len(windows) == 2 and len(same) >= 2 and q in (same[0], same[-1]) and not wants_span:
        # "from the 12 months ending September 2019 to … 2020, from 68,757 to 87,203"
        first, last = sorted(windows, key=lambda d: d.start)  # in reading order
        d = first if q is same[0] else last
        first.used = last.used = True
        return d.period
    if wants_span and spans:
        d = min(spans, key=lambda d: abs(d.start - q.end))
        d.used = True
        return d.period
    others = [o for o in quantities if o is not q]
    # any other number (even one not read as a quantity) stands between a figure and a year
    numbers = [m.start() for m in _BARE_NUMBER.finditer(raw)
               if not any(d.start <= m.start() < d.end for d in dates)
               and not q.start <= m.start() < q.end]
    if q.kind in ("ratio", "change"):
        years = [d for d in singles if d.kind == "year"]
        if len(years) >= 2:
            years[0].used = years[-1].used = True
            return f"{years[0].years[0]}-{years[-1].years[0]}"
    # the nearest date after the quantity, with no other quantity between them
    # a figure in brackets right after this one ("from 1.2 (3,627) in 2013") is transparent
    paren = re.match(r"\s*\([^()]{0,30}\)", raw[q.end:])
    skip_to = q.end + (paren.end() if paren else 0)
    after = [d for d in singles if d.start >= q.end and d.start - q.end <= 45
             and not BASE_BEFORE.search(raw[max(0, d.start - 40):d.start])
             and not any(skip_to <= o.start < d.start for o in others)
             and not any(skip_to <= n < d.start for n in numbers)
             and not re.search(r"[;]|\bto\b|\ba\b", raw[q.end:d.start])]
    if after:
        d = after[0]
        d.used = True
        return d.period
    before = [d for d in singles if d.end <= q.start and not d.extra.get("base")
              and not any(d.end <= o.start < q.start for o in others)]
    if before:
        d = before[-1]
        d.used = True
        return d.period
    opened = [d for d in dates if d.kind == "since"]
    if opened:
        # "more than $3 billion since 2008": a total over an open span, not a 2008 figure
        opened[0].used = True
        return opened[0].period
    if q.kind in ("ratio", "change"):
        return None
    if spans and not wants_span:
        # "between 2021 and 2022 … from 45.1 to 45.6, … from 19.6 to 19.4": each "from" figure
        # gets the first year, each "to" figure the last
        lead = raw[max(0, q.start - 12):q.start]
        if re.search(r"\b(?:from|de|desde)\s+(?:about |around |an estimated )?$", lead, re.I):
            spans[0].used = True
            return str(spans[0].years[0])
        if re.search(r"\b(?:to|a|hasta)\s+(?:about |around |an estimated )?$", lead, re.I):
            spans[0].used = True
            return str(spans[0].years[1])
        # "from 27,700 to 107,450 between 2007 and 2023": the first quantity gets the first
        # year, the last quantity the last year
        d = spans[0]
        same = [o for o in quantities if o.kind == q.kind]
        if len(same) >= 2 and q in (same[0], same[-1]):
            d.used = True
            return str(d.years[0] if q is same[0] else d.years[1])
    if len(singles) == 1 and not BASE_BEFORE.search(raw[max(0, singles[0].start - 40):
                                                        singles[0].start]):
        d = singles[0]
        lo, hi = min(q.end, d.end), max(q.start, d.start)
        if not any(lo <= o.start < hi for o in others):
            d.used = True
            return d.period
    return None


def _conversion_pairs(raw: str, quantities: list[Quantity]) -> dict[Quantity, Quantity]:
    """Money followed by money in another currency in brackets: R$19.6 billion ($3.5 billion)."""
    pairs = {}
    money = [q for q in quantities if q.kind == "money"]
    for a, b in zip(money, money[1:], strict=False):
        between = raw[a.end:b.start]
        if a.value and b.value and a.currency != b.currency and re.fullmatch(
                r"\s*[(\[]\s*(?:about|around|roughly|approximately|some|or|i\.e\.|"
                r"equivalent to|alrededor de|unos|aprox\.?|casi)?\s*", between, re.I):
            pairs[a] = b
    return pairs


def _conversion_claim(sent: Sentence, raw: str, foreign: Quantity, usd: Quantity, lang: str,
                      flags: frozenset[str]) -> Claim:
    if foreign.currency == "USD":
        foreign, usd = usd, foreign
    rate = foreign.value / usd.value if usd.value else float("nan")
    lo = (foreign.value - foreign.half_width) / (usd.value + usd.half_width)
    hi = (foreign.value + foreign.half_width) / max(usd.value - usd.half_width, 1e-9)
    start, end = min(foreign.start, usd.start), max(foreign.end, usd.end)
    close = raw.find(")", end)
    if 0 <= close - end <= 2:
        end = close + 1
    return Claim(
        kind="conversion", sentence=sent.text, sentence_start=sent.start,
        sentence_end=sent.end, start=sent.start + start, end=sent.start + end,
        quantity_text=raw[start:end], value=round(rate, 4),
        unit=f"{foreign.currency} per USD", half_width=(hi - lo) / 2, qualifier="range",
        low=lo, high=hi, topic="fx", flags=flags, lang=lang,
        extra={"foreign": foreign.value, "foreign_currency": foreign.currency,
               "usd": usd.value})
