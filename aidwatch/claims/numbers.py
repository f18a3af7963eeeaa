"""Numbers in text: figures with their units, qualifiers, scales and currencies.

"107,450", "27.7 thousand", "$3.5 billion", "R$19.6 billion", "69.4%", "32 mil 252",
"cinco mil 370", "1,400 millones de dólares", "tripled", "fourfold", "3% lower than",
ranges and "more than". Pure functions over one sentence; ``extract`` assembles claims.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

YEAR = r"(?:19[5-9]\d|20\d\d)"


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
# "90 killings a day", "promedio diario", "per day": a figure per day (one pattern for the
# figure's own words and for its sentence)
PER_DAY = re.compile(r"\b(?:a|per|each|every|cada|por|al)\s+d[íi]a\b|\ba day\b|\bdaily\b|"
                     r"\bdiari[oa]s?\b|\bpromedio diario\b|\bper day\b|\bdiariamente\b", re.I)
_TOPIC_WORD = re.compile(r"homicid\w*|murder\w*|killing\w*|asesinat\w*|overdos\w*|"
                         r"sobredosis|muertes|deaths", re.I)
_RATE_CONTEXT = re.compile(r"\brates?\b|\btasas?\b|per 100,000|per 100 000|por cada 100|"
                           r"per 100k|deaths per|age-adjusted", re.I)
_NOT_RATE_AFTER = re.compile(r"^(?:\s*|-)(?:%|percent|per cent|por ciento|years?|años|times|veces|"
                             r"weeks?|semanas|"
                             r"million|billion|mil|days?|d[íi]as|months?|meses)\b", re.I)
_DIFFERENCE = re.compile(
    r"^\s*(?:[a-záéíóúñ-]+\s+){0,3}?(?:(?P<down>fewer|less|menos)|more|más)\s+(?:than|que|"
    r"respecto|frente)\b", re.I)
# "3% lower than in 2022", "un 5% menos que en 2022": a change, not a share
_COMPARATIVE = re.compile(
    r"^\s+(?:(?P<down>lower|fewer|less|below|smaller|menos|menor|por debajo)|higher|more|"
    r"greater|above|larger|m[áa]s|mayor|por encima)\s+(?:than|que|de lo que|a|al|del|the|"
    r"its|el|la|lo)\b",
    re.I)
RANGE = re.compile(rf"(?:between|entre)\s+(?P<a>{_NUM})\s+(?:and|y)\s+(?P<b>{_NUM})"
                   rf"|(?<![\d.,])(?P<c>{_NUM})\s?[-–]\s?(?P<d>{_NUM})\b", re.I)


_GROUPED = re.compile(r"\d[,.]\d{3}|\smil\s\d{3}|\d[ \u2009\u202f]\d{3}")

_CLAUSE_BREAK = re.compile(r"[;:]|,\s+(?:while|whereas|but|and|mientras|pero|y)\b|"
                           r"\.\s|\bwhile\b|\bmientras que\b", re.I)


def _clause_start(raw: str, pos: int) -> int:
    """Where the clause holding ``pos`` begins (for the words that scope a figure)."""
    last = 0
    for m in _CLAUSE_BREAK.finditer(raw, 0, pos):
        last = m.end()
    return last


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
            diff = _DIFFERENCE.match(rest)
            if diff:
                # "1,431 victims fewer than the previous year": a difference between two years
                signed = -value if diff.group("down") else value
                out.append(Quantity(start + offset, end + offset, qtext, signed, hw,
                                    "difference", "count", qual))
                continue
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


