"""The dimensions of a number: the one vocabulary of the store, the validator and the checker.

Every observation is keyed by typed dimensions — SDMX's cube model, the one INEGI, the OECD and
the IMF publish in (see ``docs/dimensions.md``): what is measured, for which drug, intent, sex
and age group, where (``area``), over which period (start, end, kind), at which status, first
published when (the vintage) and according to whom. A series id is a friendly name for one
slice of that cube. A claim read from text is parsed into the same dimensions, with ``None``
for what the text does not say, so checking it is a lookup on equal codes.

Codes follow SDMX where SDMX has one: ``_T`` total, ``_Z`` not applicable, ``F``/``M``.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass, fields, replace
from datetime import date

TOTAL = "_T"
NOT_APPLICABLE = "_Z"

MEASURES: dict[str, str] = {
    "overdose_deaths": "deaths with drug poisoning as the underlying cause",
    "homicides": "deaths by homicide in vital statistics (death certificates)",
    "homicide_victims": "victims of intentional homicide in investigation files (SESNSP)",
    "femicide_victims": "victims of femicide in investigation files (SESNSP)",
    "population": "resident population",
    "consumer_prices": "consumer price index",
    "exchange_rate": "currency units per U.S. dollar",
    "assistance": "U.S. foreign assistance (funding lines)",
    "drug_seizures": "drugs seized",
}
DRUGS: dict[str, str] = {
    TOTAL: "all drugs", NOT_APPLICABLE: "not applicable",
    "any_opioid": "any opioid", "prescription_opioids": "prescription opioids",
    "synthetic_opioids": "synthetic opioids other than methadone (mainly fentanyl)",
    "heroin": "heroin", "stimulants": "stimulants (cocaine or psychostimulants)",
    "cocaine": "cocaine", "psychostimulants": "psychostimulants (mainly methamphetamine)",
    "benzodiazepines": "benzodiazepines", "antidepressants": "antidepressants",
    "natural_semisynthetic_opioids": "natural and semi-synthetic opioids",
    "methadone": "methadone",
    "fentanyl": "fentanyl", "methamphetamine": "methamphetamine", "marijuana": "marijuana",
}
INTENTS: dict[str, str] = {TOTAL: "all intents", NOT_APPLICABLE: "not applicable",
                           "unintentional": "unintentional"}
SEXES: dict[str, str] = {TOTAL: "both sexes", NOT_APPLICABLE: "not applicable",
                         "F": "women", "M": "men"}
AGENCIES: dict[str, str] = {
    "NCHS": "CDC National Center for Health Statistics",
    "INEGI": "Instituto Nacional de Estadística y Geografía",
    "SESNSP": "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública",
    "UNODC": "UN Office on Drugs and Crime (via World Bank WDI)",
    "UN-WPP": "UN World Population Prospects (via World Bank WDI)",
    "BLS": "U.S. Bureau of Labor Statistics", "FRB": "Federal Reserve Board",
    "FAGOV": "ForeignAssistance.gov (State/USAID)", "CBP": "U.S. Customs and Border Protection",
    "SSPC": "Mexico's Security Ministry (daily preliminary count)",
    "SAMHSA": "U.S. Substance Abuse and Mental Health Services Administration",
    "DEA": "U.S. Drug Enforcement Administration",
    "NGO": "a non-governmental tally (México Evalúa, Causa en Común, TResearch, ...)",
    "STATE": "a state or county health department or prosecutor",
    "CRS": "Congressional Research Service", "GAO": "Government Accountability Office",
    "CONGRESS": "U.S. Congress (public laws)", "MIXED": "several publishers",
}
PERIOD_KINDS: dict[str, str] = {
    "year": "calendar year", "fiscal_year": "U.S. fiscal year (October–September)",
    "month": "calendar month", "12m_ending": "the 12 months ending in the period's month",
    "half": "half year (2022-H1 = January–June)", "quarter": "quarter (2022-Q3)",
    "cumulative": "a span of several years taken together",
}
STATUSES: dict[str, str] = {
    "final": "final (definitive) figure",
    "provisional": "provisional figure, subject to revision",
    "preliminary": "preliminary figure (INEGI's 'cifras preliminares')",
    "predicted": "provisional count adjusted for delayed reporting (NCHS 'predicted')",
    "estimate": "estimate",
}
# The columns of series.csv that carry series-level dimensions, in file order.
SERIES_DIMENSIONS = ("measure", "drug", "intent", "sex", "age_group", "agency", "period_kind")
_AGE = re.compile(r"^(?:\d{1,3}-\d{1,3}|\d{1,3}\+)$")
FREQUENCY_KIND = {"annual": "year", "fiscal_year": "fiscal_year", "monthly": "month",
                  "half_yearly": "half", "quarterly": "quarter"}


def check_series_dimensions(row: dict) -> list[tuple[str, str]]:
    """(field, problem) for every series-level dimension outside its code list."""
    lists = {"measure": MEASURES, "drug": DRUGS, "intent": INTENTS, "sex": SEXES,
             "agency": AGENCIES, "period_kind": PERIOD_KINDS}
    out = []
    for name, codes in lists.items():
        value = row.get(name) or ""
        if value not in codes:
            out.append((name, f"unknown {name} {value!r} (known: {', '.join(codes)})"))
    age = row.get("age_group") or ""
    if age not in (TOTAL, NOT_APPLICABLE) and not _AGE.match(age):
        out.append(("age_group", f"unknown age group {age!r} (use _T, _Z, 15-24 or 65+)"))
    kind = row.get("period_kind")
    freq = row.get("frequency")
    if kind in PERIOD_KINDS and freq in FREQUENCY_KIND and not (
            FREQUENCY_KIND[freq] == kind or (freq == "monthly" and kind == "12m_ending")):
        out.append(("period_kind", f"period kind {kind!r} does not fit frequency {freq!r}"))
    return out


# -- periods -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A span of days with its kind: what an observation covers, or what a claim speaks of."""

    start: date
    end: date
    kind: str  # one of PERIOD_KINDS, or "day", "as_of", "per_day"

    @property
    def label(self) -> str:
        s, e = self.start, self.end
        if self.kind == "year":
            return str(s.year)
        if self.kind == "fiscal_year":
            return f"FY{e.year}"
        if self.kind == "month":
            return f"{s.year}-{s.month:02d}"
        if self.kind == "half":
            return f"{s.year}-H{1 if s.month == 1 else 2}"
        if self.kind == "quarter":
            return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        if self.kind == "12m_ending":
            return f"12 months ending {e.year}-{e.month:02d}"
        if self.kind == "day":
            return s.isoformat()
        return f"{s.isoformat()}/{e.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), "year")


def fiscal_period(fy: int, fy_end: int | None = None) -> Period:
    """U.S. fiscal year FY2019 = 1 October 2018 – 30 September 2019 (a span FY2008–FY2021)."""
    last = fy_end or fy
    return Period(date(fy - 1, 10, 1), date(last, 9, 30),
                  "fiscal_year" if last == fy else "cumulative")


def months_period(year: int, first: int, last: int, end_year: int | None = None) -> Period:
    """Months ``first``..``last`` (January–June = half; one month = month)."""
    end_year = end_year or year
    start, end = date(year, first, 1), month_end(end_year, last)
    n = (end_year - year) * 12 + last - first + 1
    kind = "month" if n == 1 else "half" if n == 6 and first in (1, 7) and end_year == year \
        else "quarter" if n == 3 and first in (1, 4, 7, 10) else "cumulative"
    if n == 12 and first == 1:
        kind = "year"
    return Period(start, end, kind)


def twelve_months_ending(year: int, month: int) -> Period:
    start_y, start_m = (year, month + 1) if month < 12 else (year + 1, 1)
    return Period(date(start_y - 1, start_m, 1), month_end(year, month), "12m_ending")


_YEAR = re.compile(r"^(\d{4})$")
_FY = re.compile(r"^FY(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def period_of(period: str, kind: str) -> Period:
    """The span an observation's period string covers, given its series' period kind.

    ``2019`` (year), ``FY2019``, ``2019-07`` (month, or the 12 months ending July 2019 for a
    ``12m_ending`` series), ``2022-H1``, ``2022-Q3``. Raises ValueError when they do not fit.
    """
    if kind == "year" and (m := _YEAR.match(period)):
        return year_period(int(m[1]))
    if kind == "fiscal_year" and (m := _FY.match(period)):
        return fiscal_period(int(m[1]))
    if kind in ("month", "12m_ending") and (m := _MONTH.match(period)):
        y, mo = int(m[1]), int(m[2])
        return months_period(y, mo, mo) if kind == "month" else twelve_months_ending(y, mo)
    if kind == "half" and (m := _HALF.match(period)):
        first = 1 if m[2] == "1" else 7
        return months_period(int(m[1]), first, first + 5)
    if kind == "quarter" and (m := _QUARTER.match(period)):
        first = 3 * (int(m[2]) - 1) + 1
        return months_period(int(m[1]), first, first + 2)
    raise ValueError(f"period {period!r} is not a valid {kind} period")


def same_span(a: Period, b: Period) -> bool:
    return a.start == b.start and a.end == b.end


# -- scopes ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """The dimensions of one figure. ``None`` means unknown (a claim that does not say)."""

    measure: str | None = None
    unit: str | None = None  # count, rate, rate_age_adjusted, share, usd, ratio, change
    drug: str | None = None
    intent: str | None = None
    sex: str | None = None
    age_group: str | None = None
    area: str | None = None
    period: Period | None = None
    status: str | None = None
    agency: str | None = None
    stage: str | None = None  # money: requested, appropriated, obligated, disbursed

    def unknown(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is None]

    def with_(self, **kw: object) -> Scope:
        return replace(self, **kw)

    def describe(self) -> str:
        """The scope in words: "deaths; US; synthetic opioids; women; 2022"."""
        parts = [self.measure or "?"]
        if self.area:
            parts.append(self.area)
        if self.drug and self.drug not in (TOTAL, NOT_APPLICABLE):
            parts.append(DRUGS.get(self.drug, self.drug))
        if self.sex in ("F", "M"):
            parts.append(SEXES[self.sex])
        if self.age_group and self.age_group not in (TOTAL, NOT_APPLICABLE):
            parts.append(f"aged {self.age_group}")
        if self.period:
            parts.append(self.period.label)
        if self.status:
            parts.append(self.status)
        if self.stage:
            parts.append(self.stage)
        return "; ".join(parts)


def unit_class(unit: str) -> str:
    """The claim-side class of a store unit: count, rate, rate_age_adjusted, usd, ..."""
    if unit in ("deaths", "victims", "persons", "pounds"):
        return "count"
    if unit == "per 100,000 population, age-adjusted":
        return "rate_age_adjusted"
    if unit.startswith("per 100,000"):
        return "rate"
    if unit == "USD":
        return "usd"
    if unit == "percent":
        return "share"
    return unit


# -- the same vocabulary read from text ----------------------------------------------------------
# Words that name a sub-population or a part. Each pattern is matched on lower-cased text.
SEX_WORDS: dict[str, str] = {
    "F": r"\b(?:women|woman|female|females|girls|mujeres|mujer|femenin[oa]s?|niñas)\b",
    "M": r"\b(?:men|man|male|males|boys|hombres|hombre|masculin[oa]s?|varones|niños)\b",
}
DRUG_WORDS: dict[str, str] = {
    "synthetic_opioids": r"fentan[iy]l\w*|synthetic opioids?|opioides? sint[ée]ticos?|"
                         r"nitazen\w*",
    "heroin": r"heroin\w*|hero[ií]na",
    "cocaine": r"cocaine|coca[ií]na|\bcrack\b",
    "psychostimulants": r"psychostimulants?|psicoestimulantes?",
    # methamphetamine is most, not all, of the psychostimulant deaths: its own code
    "methamphetamine": r"methamphetamine\w*|\bmeth\b|metanfetamina\w*|\bcristal\b",
    "prescription_opioids": r"prescription (?:opioids?|painkillers?|pain relievers?)|"
                            r"opioid painkillers?|oxycodone|hydrocodone|opioides? de "
                            r"prescripci[óo]n",
    "any_opioid": r"(?<!synthetic )(?<!prescription )\bopioids?\b|(?<!sint[ée]tic)\bopioides?\b",
    "benzodiazepines": r"benzodiazepin\w*|xanax",
    "stimulants": r"\bstimulants?\b|estimulantes",
    "antidepressants": r"antidepressants?|antidepresivos?",
    "marijuana": r"marijuana|cannabis|marihuana",
    "xylazine": r"xylazine|xilacina",
    "alcohol": r"alcohol\w*",
}
STATUS_WORDS: dict[str, str] = {
    "preliminary": r"preliminar\w*|cifras preliminares",
    "predicted": r"\bpredicted\b|\bprojected\b",
    "provisional": r"provisional\w*|\bprovisionales?\b",
    "final": r"\bfinal (?:data|figures?|counts?|numbers?|tally)\b|definitiv\w*|"
             r"cifras definitivas",
    "estimate": r"\ban estimated\b|\bestimated\b|\bse estima\b|\bestimad[oa]s?\b",
}
AGENCY_WORDS: dict[str, str] = {
    "INEGI": r"\binegi\b|instituto nacional de estad[íi]stica|death certificates|"
             r"certificados de defunci[óo]n|registros? administrativos? de defunciones",
    "SESNSP": r"\bsesnsp\b|secretariado ejecutivo|investigation files|carpetas de "
              r"investigaci[óo]n|fiscal[íi]as estatales",
    # the federal security ministry's daily preliminary count: not SESNSP's monthly figures
    "SSPC": r"\bsspc\b|secretar[íi]a de seguridad y protecci[óo]n ciudadana|security ministry|"
            r"ministry of security|security (?:and civilian protection|cabinet)|gabinete de "
            r"seguridad|informe diario|conteo diario|daily (?:count|report)|preliminary police|"
            r"conteo preliminar|fuentes abiertas",
    "NCHS": r"\bnchs\b|national center for health statistics|\bcdc\b|centers for disease "
            r"control|\bcdc's\b",
    "UNODC": r"\bunodc\b|united nations office on drugs",
    "CBP": r"\bcbp\b|customs and border protection|border patrol",
    "CRS": r"congressional research service|\bcrs\b",
    # publishers whose counts the store does not hold: their figures are never judged
    "SAMHSA": r"\bsamhsa\b|substance abuse and mental health services",
    "DEA": r"\bdea\b(?! agent)|drug enforcement administration",
    "NGO": r"m[ée]xico eval[úu]a|causa en com[úu]n|observatorio nacional ciudadano|"
           r"\btresearch\b|\bint[eé]gralia\b|\blantia\b|\bcoroner'?s? survey",
    "STATE": r"(?:ohio|state|county) department of health|state health department|"
             r"secretar[íi]a de salud estatal|fiscal[íi]a (?:general )?del estado de",
    "GAO": r"\bgao\b|government accountability office",
}
STAGE_WORDS: dict[str, str] = {
    "requested": r"request\w*|sought|proposed|asked (?:congress )?for|solicit\w*|pidi[óo]|"
                 r"propuesta|budget proposal",
    "obligated": r"obligat\w*",
    "disbursed": r"disburs\w*|delivered|spent|entreg\w*|desembols\w*|ejercid\w*|gastad\w*|"
                 r"provided in equipment|in (?:equipment|training) (?:delivered|provided)",
    "appropriated": r"appropriat\w*|allocat\w*|approved|provided|funded|apropia\w*|aprob\w*|"
                    r"asign\w*|otorg\w*|destin\w*|earmarked",
}
AGE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\b(?:teen(?:ager)?s?|adolescents?|adolescentes)\b", "10-19"),
    (r"\b(?:children|kids|minors|niñ[oa]s|menores de edad)\b", "0-17"),
    (r"\b(?:young (?:people|adults|americans)|j[óo]venes)\b", "young"),
    (r"\b(?:older adults|seniors|elderly|adultos mayores)\b", "65+"),
    (r"\baged? (\d{1,2})\s*(?:to|-|–|and)\s*(\d{1,2})\b|\bages (\d{1,2})\s*(?:to|-|–)\s*"
     r"(\d{1,2})\b|\bde (\d{1,2}) a (\d{1,2}) años\b|\b(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})"
     r"[- ]year[- ]olds\b", ""),
    (r"\b(?:aged? |ages )?(\d{1,2}) (?:and|or) (?:older|over|up)\b|\bover (?:the age of )?"
     r"(\d{1,2})\b(?= years| year-olds)|\bmayores de (\d{1,2})\b", "+"),
    (r"\bunder (?:the age of )?(\d{1,2})\b|\bmenores de (\d{1,2})\b", "<"),
)
_COMPILED: dict[str, re.Pattern[str]] = {}


def _re(pattern: str) -> re.Pattern[str]:
    pat = _COMPILED.get(pattern)
    if pat is None:
        pat = _COMPILED[pattern] = re.compile(pattern, re.I)
    return pat


_VOCABS: dict[int, dict[str, str]] = {}


def words_for(text: str, vocabulary: dict[str, str]) -> list[tuple[str, int, int]]:
    """(code, start, end) of every vocabulary word in ``text``, in reading order.

    Answers are memoised per (text, vocabulary): the same sentence and paragraph are asked
    about for every figure they hold.
    """
    _VOCABS.setdefault(id(vocabulary), vocabulary)
    return list(_words_for(text, id(vocabulary)))


@functools.lru_cache(maxsize=4096)
def _words_for(text: str, key: int) -> tuple[tuple[str, int, int], ...]:
    out = [(code, m.start(), m.end()) for code, pat in _VOCABS[key].items()
           for m in _re(pat).finditer(text)]
    return tuple(sorted(out, key=lambda t: t[1]))


@functools.lru_cache(maxsize=4096)
def _age_groups(text: str) -> tuple[tuple[str, int, int], ...]:
    return tuple(_age_groups_uncached(text))


def age_groups_in(text: str) -> list[tuple[str, int, int]]:
    """(age group code, start, end) of every age group named in ``text``."""
    return list(_age_groups(text))


def _age_groups_uncached(text: str) -> list[tuple[str, int, int]]:
    out = []
    for pattern, code in AGE_PATTERNS:
        for m in _re(pattern).finditer(text):
            nums = [g for g in m.groups() if g]
            if code == "":
                if len(nums) < 2:
                    continue
                out.append((f"{int(nums[0])}-{int(nums[1])}", m.start(), m.end()))
            elif code == "+":
                out.append((f"{int(nums[0])}+", m.start(), m.end()))
            elif code == "<":
                out.append((f"0-{int(nums[0]) - 1}", m.start(), m.end()))
            else:
                out.append((code, m.start(), m.end()))
    return sorted(out, key=lambda t: t[1])
