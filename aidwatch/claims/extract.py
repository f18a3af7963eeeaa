"""Text → claims: numbers, units, periods and dates, with the words that say what they count.

A rule-based reader (regular expressions and a small grammar) for English and basic Spanish.
It finds quantities in the usual forms (107,450; 27.7 thousand; $3.5 billion; R$19.6 billion;
69.4%; 1,400 millones de dólares; tripling; fourfold; doubled; from X in 2007 to Y in 2023;
ranges; "more than"), the period each refers to, dates of events, and the topic words nearby.
It never consults the evidence base: linking to series happens in ``link``.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from .document import MONTH_RE, MONTHS, Document, Sentence
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

# -- numbers ---------------------------------------------------------------------------------
QUALIFIERS: dict[str, str] = {
    "more than": "at_least", "over": "at_least", "above": "at_least", "at least": "at_least",
    "upwards of": "at_least", "in excess of": "at_least", "exceeding": "at_least",
    "just over": "at_least", "topped": "at_least", "exceeded": "at_least",
    "surpassed": "at_least", "passed": "at_least", "superó": "at_least",
    "exceed": "at_least", "exceeds": "at_least", "top": "at_least", "tops": "at_least",
    "surpass": "at_least", "surpasses": "at_least", "supera": "at_least",
    "superan": "at_least", "rebasa": "at_least", "rebasan": "at_least",
    "superaron": "at_least", "rebasó": "at_least", "rebasaron": "at_least",
    "más de": "at_least", "mas de": "at_least",
    "al menos": "at_least", "por lo menos": "at_least", "arriba de": "at_least",
    "poco más de": "at_least", "superior a": "at_least",
    "less than": "at_most", "fewer than": "at_most", "under": "at_most", "below": "at_most",
    "up to": "at_most", "no more than": "at_most", "just under": "at_most",
    "menos de": "at_most", "hasta": "at_most", "inferior a": "at_most",
    "about": "approx", "around": "approx", "roughly": "approx", "approximately": "approx",
    "nearly": "approx", "almost": "approx", "some": "approx", "close to": "approx",
    "an estimated": "approx", "estimated": "approx", "~": "approx", "casi": "approx",
    "alrededor de": "approx", "cerca de": "approx", "aproximadamente": "approx",
    "unos": "approx", "unas": "approx", "aprox.": "approx",
}
_QUAL = "|".join(sorted((re.escape(q) for q in QUALIFIERS), key=len, reverse=True))
_CUR = r"US\$|U\.S\.\s?\$|USD\s?|R\$|BRL\s?|MX\$|MXN\s?|Mex\$|\$"
# "32 mil 252" (Mexican press: thousands written as a word) before the plain forms
_ES_UNITS = {"un": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
             "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
             "catorce": 14, "quince": 15, "veinte": 20, "treinta": 30, "cuarenta": 40,
             "cincuenta": 50}
_NUM = (r"(?:\d{1,3}|" + "|".join(_ES_UNITS) + r")\s+mil\s+\d{3}(?![\d,.]\d)|"
        r"(?<![\d,.])\d{1,3}(?:[ \u2009\u202f]\d{3})+(?![\d,.]?\d)|"
        r"\d{1,3}(?:[,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")
_SCALE_WORD = (r"thousand|million|billion|trillion|mil millones|millones|mill[oó]n|billones|"
               r"mil|mdd|mdp")
_CURWORD = r"dollars|d[óo]lares|pesos|reais|reales|USD|MXN|BRL"
_PCT = r"\s?%|\s?percent\b|\s?per cent\b|\s?por ciento\b|\s?percentage points?\b|" \
       r"\s?puntos porcentuales\b"
QUANTITY = re.compile(
    rf"(?:(?P<qual>{_QUAL})\s+(?:las?\s+|los\s+|the\s+)?)?(?P<cur>{_CUR})?\s?(?P<num>{_NUM})"
    rf"(?:(?P<sc1>bn|mn|k|m|b)\b|\s+(?P<scale>{_SCALE_WORD})\b)?"
    rf"(?:\s+(?:de\s+)?(?P<curw>{_CURWORD})\b)?(?P<pct>{_PCT})?",
    re.I)
SCALES = {"thousand": 1e3, "k": 1e3, "mil": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6,
          "millones": 1e6, "millón": 1e6, "millon": 1e6, "mdd": 1e6, "mdp": 1e6,
          "billion": 1e9, "bn": 1e9, "b": 1e9, "mil millones": 1e9, "trillion": 1e12,
          "billones": 1e12}
CURRENCIES = {"us$": "USD", "u.s.$": "USD", "u.s. $": "USD", "usd": "USD", "$": "USD",
              "r$": "BRL", "brl": "BRL", "mx$": "MXN", "mxn": "MXN", "mex$": "MXN",
              "dollars": "USD", "dólares": "USD", "dolares": "USD", "pesos": "MXN",
              "reais": "BRL", "reales": "BRL", "mdd": "USD", "mdp": "MXN"}
COUNT_NOUNS = re.compile(
    r"^\s*(?:[a-zA-Z-]+\s+){0,3}?(?:deaths|dead|fatalities|homicides|murders|killings|victims|"
    r"people|persons|overdoses|lives|muertes|muertos|defunciones|homicidios|asesinatos|"
    r"v[íi]ctimas|personas|fallecimientos|vidas|femicides|feminicides|feminicidios|"
    r"americans|mexicans|mexicanos|ejecuciones|executions)\b", re.I)
# "the daily average of murders fell to 81": a bare number in a sentence about a daily count
_DAILY = re.compile(r"\bdaily\b|\ba day\b|\bper day\b|\bdiari[oa]s?\b|\bal d[íi]a\b|"
                    r"\bpromedio\b|\baverage\b", re.I)
RATE_AFTER = re.compile(
    r"^\s*(?:[a-zA-Z-]+\s+){0,2}?(?:per|por)\s+(?:cada\s+)?(?:100,000|100 000|100\.000|100k|"
    r"100 mil|hundred thousand)", re.I)
MULTIPLIER = re.compile(
    r"\b(?:(?P<word>doubl(?:e|ed|es|ing)|tripl(?:e|ed|es|ing)|quadrupl(?:e|ed|es|ing)|"
    r"quintupl(?:e|ed|es|ing)|twofold|two-fold|threefold|three-fold|fourfold|four-fold|"
    r"fivefold|five-fold|tenfold|ten-fold|twice|duplic\w*|triplic\w*|cuadruplic\w*|"
    r"quintuplic\w*|el doble|el triple|el cu[áa]druple)|(?P<nfold>\d+(?:\.\d+)?)[- ]fold|"
    r"(?P<ntimes>two|three|four|five|six|seven|eight|nine|ten|dos|tres|cuatro|cinco|"
    r"\d+(?:\.\d+)?)\s+(?:times|veces))\b", re.I)
_MULT_WORDS = {"doubl": 2, "twofold": 2, "two-fold": 2, "twice": 2, "duplic": 2, "el doble": 2,
               "tripl": 3, "threefold": 3, "three-fold": 3, "triplic": 3, "el triple": 3,
               "quadrupl": 4, "fourfold": 4, "four-fold": 4, "cuadruplic": 4,
               "el cuádruple": 4, "el cuadruple": 4, "quintupl": 5, "fivefold": 5,
               "five-fold": 5, "quintuplic": 5, "tenfold": 10, "ten-fold": 10}
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5}
CHANGE_BEFORE = re.compile(
    r"(?P<dir>increas\w*|rose|risen|rise|rising|grew|grown|growth|jump\w*|climb\w*|surg\w*|"
    r"up|higher|soar\w*|spik\w*|fell|fallen|fall|declin\w*|drop\w*|decreas\w*|down|lower|"
    r"reduc\w*|cut|aument\w*|increment\w*|creci\w*|subi\w*|alz\w*|cay\w*|ca[íi]d\w*|baj\w*|"
    r"disminu\w*|redu\w*)\b(?:\s+(?:by|of|de|en|un|del|some|about|nearly|almost|more than|"
    r"over|around|roughly|casi|más de|alrededor de))*\s*$", re.I)
_DOWN = re.compile(r"fell|fallen|fall|declin|drop|decreas|down|lower|reduc|cut|cay|ca[íi]d|"
                   r"baj|disminu|redu", re.I)
# "rates increased for deaths involving cocaine by 4.9%": a change verb earlier in the
# clause, "by" just before the figure
_CHANGE_BY = re.compile(
    r"(?P<dir>increas\w*|rose|risen|grew|jump\w*|climb\w*|surg\w*|fell|fallen|declin\w*|"
    r"drop\w*|decreas\w*|reduc\w*|aument\w*|increment\w*|creci\w*|subi\w*|cay\w*|baj\w*|"
    r"disminu\w*|redu\w*)\b[^.;:%]{0,80}?\b(?:by|de|del|en|un|una)\s+(?:(?:about|nearly|"
    r"almost|more than|over|around|roughly|some|casi|más de|alrededor de)\s+)?$", re.I)
_AGE_AFTER = re.compile(r"^\s*(?:(?:and|or|y|o)\s+(?:older|over|up|m[áa]s)\b|years?[- ]old|"
                        r"-year-olds?|(?:to|-|–|a)\s*\d{1,2}\s*(?:years|años|-year))", re.I)
_AGE_BEFORE = re.compile(r"\b(?:aged?|ages|edad(?:es)? de)\s*$", re.I)
_PER_DAY_SENTENCE = re.compile(r"\bdaily average\b|\baverage daily\b|\bper day\b|"
                               r"\ba day\b|\bpromedio diario\b|\bal d[íi]a\b|"
                               r"\bdiari[oa]s\b|\bdaily\b", re.I)
_TOPIC_WORD = re.compile(r"homicid\w*|murder\w*|killing\w*|asesinat\w*|overdos\w*|"
                         r"sobredosis|muertes|deaths", re.I)
_RATE_CONTEXT = re.compile(r"\brates?\b|\btasas?\b|per 100,000|per 100 000|por cada 100|"
                           r"per 100k|deaths per|age-adjusted", re.I)
_NOT_RATE_AFTER = re.compile(r"^\s*(?:%|percent|per cent|por ciento|years?|años|times|veces|"
                             r"million|billion|mil|days?|d[íi]as|months?|meses)\b", re.I)
# "3% lower than in 2022", "un 5% menos que en 2022": a change, not a share
_COMPARATIVE = re.compile(
    r"^\s+(?:(?P<down>lower|fewer|less|below|smaller|menos|menor|por debajo)|higher|more|"
    r"greater|above|larger|m[áa]s|mayor|por encima)\s+(?:than|que|de lo que|a|al|del|the|"
    r"its|el|la|lo)\b",
    re.I)
RANGE = re.compile(rf"(?:between|entre)\s+(?P<a>{_NUM})\s+(?:and|y)\s+(?P<b>{_NUM})"
                   rf"|(?<![\d.,])(?P<c>{_NUM})\s?[-–]\s?(?P<d>{_NUM})\b", re.I)

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


# -- numbers ---------------------------------------------------------------------------------
def parse_number(num: str, lang: str = "en") -> tuple[float, float]:
    """A written number and its rounding half-width: '27,700' → (27700, 50).

    Both "1,234.5" and (in Spanish text) "1.234,5" are read; a lone separator followed by
    exactly three digits is a thousands separator ("107,450"; in Spanish also "3.500").
    """
    s = num
    decimals = 0
    if m := re.fullmatch(r"(\w{1,9})\s+mil\s+(\d{3})", s):
        head = m[1].lower()  # "29 mil 675" = 29,675; "cinco mil 370" = 5,370
        s = str(int(head) if head.isdigit() else _ES_UNITS.get(head, 0)) + m[2]
    elif re.fullmatch(r"\d{1,3}(?:[ \u2009\u202f]\d{3})+", s):
        s = re.sub(r"\D", "", s)  # "111 029" (a space as thousands separator)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", s) and (lang == "es" or s.count(".") > 1
                                                                or "," in s):
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d{1,2}", s) or re.fullmatch(r"\d+,\d{4,}", s):
        s = s.replace(",", ".")
    elif re.fullmatch(r"\d+,\d{3}", s):
        s = s.replace(",", "")
    if not re.fullmatch(r"\d+(?:\.\d+)?", s):
        # irregular grouping ("1,000,1"): read the digits before the odd separator
        groups = re.split(r"[,.]", s)
        kept = [groups[0]] + list(itertools.takewhile(lambda g: len(g) == 3, groups[1:]))
        s = "".join(kept)
    if "." in s:
        decimals = len(s.split(".")[1])
        value = float(s)
        return value, 0.5 * 10 ** -decimals
    value = float(s)
    digits = s.lstrip("0") or "0"
    trailing = len(digits) - len(digits.rstrip("0"))
    return value, 0.5 * 10 ** trailing if value else 0.5


@dataclass(eq=False)
class Quantity:
    start: int
    end: int
    text: str
    value: float
    half_width: float
    kind: str  # count, rate, share, change, money, ratio
    unit: str
    qualifier: str
    currency: str | None = None
    low: float | None = None
    high: float | None = None


def find_quantities(text: str, lang: str = "en", offset: int = 0,
                    skip: list[tuple[int, int]] | None = None) -> list[Quantity]:
    """Quantities in one sentence (offsets shifted by ``offset``); spans in ``skip`` ignored."""
    skip = skip or []
    out: list[Quantity] = []
    for m in QUANTITY.finditer(text):
        s, e = m.start("num"), m.end("num")
        if any(s < te and ts < e for ts, te in skip):
            continue
        before = text[max(0, s - 1):s]
        after = text[e:e + 1]
        if before.isalpha() or before in "-/:" and before != "" or after.isalpha() and not (
                m.group("sc1") or m.group("pct")):
            continue  # part of a word or code (G7, COVID-19, T40.4, 12:17)
        if re.match(r"^(?:st|nd|rd|th)\b", text[e:e + 3]) or re.match(r"^:\d", text[e:e + 3]):
            continue
        if re.search(r"(?:de cada|out of|in every|of every|cada|one in|uno de|\bper|\bpor)\s*$",
                     text[max(0, s - 15):s], re.I):
            continue  # "7 de cada 10": the whole of a share, not a figure
        if _AGE_AFTER.match(text[e:e + 20]) or _AGE_BEFORE.search(text[max(0, s - 9):s]):
            continue  # an age ("15 and over", "aged 35 to 44"), not a figure
        if len(re.sub(r"\D", "", m.group("num"))) > 15:
            continue  # an id or a run of digits, not a quantity
        value, hw = parse_number(m.group("num"), lang)
        cur_tok = (m.group("cur") or "").strip().lower()
        curw = (m.group("curw") or "").lower()
        scale_tok = (m.group("scale") or m.group("sc1") or "").lower()
        if scale_tok in ("m", "b") and not cur_tok:
            continue  # "5 m" is metres, "5b" a footnote, unless it is money
        scale = SCALES.get(scale_tok, 1.0)
        if scale_tok in ("mdd", "mdp"):
            curw = scale_tok
        if scale_tok == "mil" and re.match(r"^\s+millones", text[m.end("scale"):]):
            continue  # handled by "mil millones"
        pct = m.group("pct")
        currency = CURRENCIES.get(cur_tok) or CURRENCIES.get(curw)
        grouped = bool(_GROUPED.search(m.group("num")))
        is_year = (re.fullmatch(YEAR, m.group("num")) and not (currency or pct or scale_tok))
        if is_year:
            continue
        qual = QUALIFIERS.get((m.group("qual") or "").lower(), "exact")
        start = m.start("qual") if m.group("qual") else (m.start("cur") if m.group("cur") else s)
        end = m.end()
        qtext = text[start:end].rstrip()
        end = start + len(qtext)
        rest = text[end:end + 60]
        head = text[max(0, start - 60):start]
        value *= scale
        hw *= scale
        if pct:
            unit = "percent"
            if "point" in pct.lower() or "puntos" in pct.lower():
                unit = "percentage points"
            cm = CHANGE_BEFORE.search(head) or _CHANGE_BY.search(
                text[_clause_start(text, start):start])
            comparative = _COMPARATIVE.match(rest)
            if cm or comparative or re.match(
                    r"^\s+(?:increase|rise|jump|drop|decline|decrease|reduction|"
                    r"m[áa]s|menos|aumento|incremento|ca[íi]da|disminuci[óo]n|reducci[óo]n)\b",
                    rest, re.I):
                down = (cm and _DOWN.match(cm.group("dir"))) or (
                    comparative and comparative.group("down")) or (not cm and re.match(
                        r"^\s+(?:drop|decline|decrease|reduction|menos|ca[íi]da|"
                        r"disminuci[óo]n|reducci[óo]n)\b", rest, re.I))
                signed = -value if down else value
                out.append(Quantity(start + offset, end + offset, qtext, signed, hw, "change",
                                    "percent change", qual))
            else:
                out.append(Quantity(start + offset, end + offset, qtext, value, hw, "share",
                                    unit, qual))
            continue
        if currency:
            hw = min(hw, 0.025 * value) if value else hw  # "$1 billion" is not ±$0.5 billion
            out.append(Quantity(start + offset, end + offset, qtext, value, hw, "money",
                                currency, qual, currency=currency))
            continue
        if RATE_AFTER.match(rest) or (re.search(r"\b(?:rates?|tasas?)\b(?:\s+\w+){0,3}\s+"
                                                r"(?:of|at|de|was|is|reached|fue|es|en)?\s*$",
                                                head, re.I) and value < 1000 and not scale_tok):
            rm = RATE_AFTER.match(rest)
            if rm:
                tail = re.match(r"^\s*(?:population|people|inhabitants|residents|habitantes|"
                                r"personas)\b", rest[rm.end():])
                end2 = end + rm.end() + (tail.end() if tail else 0)
                qtext = text[start:end2]
                end = end2
            out.append(Quantity(start + offset, end + offset, qtext, value, hw, "rate",
                                "per 100,000", qual))
            continue
        daily = (_DAILY.search(text) and _TOPIC_WORD.search(text) and 2 <= value < 2000
                 and re.search(r"\b(?:to|from|of|at|was|were|is|reached|fue|de|a|en|about|"
                               r"around|nearly|and|y)\s*$", head, re.I)
                 and not _NOT_RATE_AFTER.match(rest))
        if COUNT_NOUNS.match(rest) or grouped or scale_tok or daily:
            hw = min(hw, max(0.5, 0.025 * value))  # "100,000" is read as ±2.5%, not ±50,000
            out.append(Quantity(start + offset, end + offset, qtext, value, hw, "count",
                                "count", qual))
        elif ("." in m.group("num") or (
                re.search(r"\b(?:rates?|tasas?)\b", text[_clause_start(text, start):start], re.I)
                and re.search(r"\b(?:to|from|of|at|was|were|is|reached|fue|de|a|en|about|"
                              r"around|nearly|roughly)\s*$", head, re.I) and value >= 2)) \
                and value < 1000 and _RATE_CONTEXT.search(text) and not \
                _NOT_RATE_AFTER.match(rest):
            # "rates rose from 8.2 to 8.6": a bare decimal in a sentence about rates
            out.append(Quantity(start + offset, end + offset, qtext, value, hw, "rate",
                                "per 100,000", qual))
    # a number inside another quantity ("per 100,000", "100 mil") is part of its unit
    out = [q for q in out if not any(o is not q and o.start <= q.start and q.end <= o.end
                                     and (o.end - o.start) > (q.end - q.start) for o in out)]
    _pair_ends(text, out, offset, lang, skip)
    _merge_ranges(text, out, offset, lang)
    for m in MULTIPLIER.finditer(text):
        s, e = m.start(), m.end()
        if any(s < te and ts < e for ts, te in skip):
            continue
        if m.group("word"):
            w = m.group("word").lower()
            value = next(v for k, v in _MULT_WORDS.items() if w.startswith(k))
            hw = 0.0
        elif m.group("nfold"):
            value, hw = parse_number(m.group("nfold"), lang)
        else:
            t = m.group("ntimes").lower()
            value, hw = (float(_NUMBER_WORDS[t]), 0.0) if t in _NUMBER_WORDS else \
                parse_number(t, lang)
        if any(q.start <= s + offset < q.end for q in out):
            continue
        qual = "exact"
        if qm := re.search(rf"(?:{_QUAL})\s+(?:an?\s+)?$", text[max(0, s - 25):s], re.I):
            qual = QUALIFIERS.get(qm.group().strip().lower().removesuffix(" a").removesuffix(
                " an").strip(), "exact")
        out.append(Quantity(s + offset, e + offset, m.group(), value, hw, "ratio", "times", qual))
    return sorted(out, key=lambda q: q.start)


_PAIR_END = re.compile(rf"\b(?:to|a|hasta|from|desde)\s+(?P<num>{_NUM})\b(?![,.]?\d|\s*%)",
                       re.I)
_BARE_NUMBER = re.compile(rf"(?<![\w.,]){_NUM}")
BOILERPLATE = re.compile(r"copyright|©|all rights reserved|derechos reservados|"
                         r"\bmin read\b|legal disclaimer|reporting by|editing by", re.I)


def _pair_ends(text: str, out: list[Quantity], offset: int, lang: str,
               skip: list[tuple[int, int]]) -> None:
    """"from 8.1 in 2007 to 24.9 in 2023": the second number is of the first one's kind."""
    for m in _PAIR_END.finditer(text):
        s, e = m.start("num") + offset, m.end("num") + offset
        if any(q.start <= s < q.end for q in out) or any(
                m.start("num") < te and ts < m.end("num") for ts, te in skip):
            continue
        if re.fullmatch(YEAR, m.group("num")):
            continue
        prev = [q for q in out if q.end <= s and s - q.end <= 60 and
                q.kind in ("rate", "count", "share")]
        if not prev:
            continue
        p = prev[-1]
        value, hw = parse_number(m.group("num"), lang)
        if p.kind == "count":
            hw = min(hw, max(0.5, 0.025 * value))
        out.append(Quantity(s, e, m.group("num"), value, hw, p.kind, p.unit, "exact"))
    out.sort(key=lambda q: q.start)


def _merge_ranges(text: str, out: list[Quantity], offset: int, lang: str) -> None:
    for m in RANGE.finditer(text):
        a, b = (m.group("a"), m.group("b")) if m.group("a") else (m.group("c"), m.group("d"))
        if re.fullmatch(YEAR, a) and re.fullmatch(YEAR, b):
            continue
        s, e = m.start() + offset, m.end() + offset
        inside = [q for q in out if q.start < e + 15 and q.end > s]
        if not inside:
            continue
        q = inside[-1]
        lo, _ = parse_number(a, lang)
        hi, _ = parse_number(b, lang)
        scale = q.value / parse_number(b, lang)[0] if parse_number(b, lang)[0] else 1.0
        lo, hi = lo * scale, hi * scale
        if not lo < hi:
            continue
        for other in inside[:-1]:
            out.remove(other)
        q.low, q.high, q.qualifier = lo, hi, "range"
        q.value = (lo + hi) / 2
        q.start = min(q.start, s)
        q.text = text[q.start - offset:q.end - offset]


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
        rel = relative_dates(raw, today, context_year if not explicit else explicit[0])
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
            if claim.kind == "ratio" and claim.topic is None:
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
                    (claim.value or 0) < 2000 and _PER_DAY_SENTENCE.search(raw))):
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
            eventful = d.kind in ("day", "month") and _ACTION_WORDS.search(raw) or (
                d.kind == "year" and _ACTION_WORDS.search(raw[max(0, d.start - 25):d.start]))
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
        prev_sentence = sent
    return claims


# an action next to a date makes it the date of an event ("In June 2008, Congress
# appropriated", "announced in 2007"), even when a figure of the sentence uses it too
_ACTION_WORDS = re.compile(
    r"\b(?:announc|launch|sign|approv|appropriat|enact|arrest|captur|extradit|detain|charg|"
    r"indict|convict|sentenc|escap|kill|murder|took office|formaliz|present|publish|unveil|"
    r"anunci|lanz|firm|aprob|deten|captur|extradi|sentenci|condena|public|fug|asesin)\w*",
    re.I)
_SAME_PERIOD = re.compile(r"(?:mismo periodo|mismo per[íi]odo|mismo lapso|mismos meses|same "
                          r"period|same months)\s+(?:de|del|of|in|en)\s+(?:el\s+)?$", re.I)
_FROM_BEFORE = re.compile(r"\b(?:from|desde|frente a(?: los| las)?|compared with|than)\s+"
                          r"(?:about |around |nearly |some |los |las |the )?$", re.I)
_GROUPED = re.compile(r"\d[,.]\d{3}|\smil\s\d{3}|\d[ \u2009\u202f]\d{3}")
CONTEXT_CHARS = 400  # how much of the paragraph before a sentence scopes its figures
@dataclass
class _Table:
    """A table's header line: "State 2010 rate 2016 rate" — one column per year."""

    years: list[int]
    kind: str  # rate or count


_TABLE_HEAD = re.compile(r"^\s*(?:state|estado|entidad(?: federativa)?|jurisdiction|"
                         r"county|municipio)\b", re.I)
_TABLE_ROW = re.compile(r"^\s*(?P<name>[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .'-]*?)\s+"
                        r"(?P<nums>\d[\d.,]*(?:\s+\d[\d.,]*)+)\s*$")


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
    m = _TABLE_ROW.match(raw)
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


_CLAUSE_BREAK = re.compile(r"[;:]|,\s+(?:while|whereas|but|and|mientras|pero|y)\b|"
                           r"\.\s|\bwhile\b|\bmientras que\b", re.I)


def _clause_start(raw: str, pos: int) -> int:
    """Where the clause holding ``pos`` begins (for the words that scope a figure)."""
    last = 0
    for m in _CLAUSE_BREAK.finditer(raw, 0, pos):
        last = m.end()
    return last


def _headline_year(headline: str) -> int | None:
    years = {int(y) for y in re.findall(rf"(?<![\d$,.]){YEAR}(?![\d,.%])", headline or "")}
    return years.pop() if len(years) == 1 else None


def _claim_from_quantity(doc: Document, sent: Sentence, raw: str, q: Quantity,
                         dates: list[DateExpr], quantities: list[Quantity],
                         flags: frozenset[str]) -> Claim:
    kind = {"change": "ratio"}.get(q.kind, q.kind)
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
        extra={"change": True} if q.kind == "change" else {})


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
    if q.kind in ("ratio", "change"):
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
        if q.kind == "change" and len({d.years[0] for d in years}) == 1:
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
