"""The scope of one figure read from its words: what is counted, of whom, where, at which
status and according to whom — the dimensions of ``aidwatch.dimensions``, with ``None`` for
what the text leaves unsaid and a list of scope words the store's dimensions cannot express
("journalists", "in Tijuana", "Black Americans"), which make a claim unverifiable, never
comparable with a total.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from ..dimensions import (
    AGENCY_WORDS,
    DRUG_WORDS,
    SEX_WORDS,
    STAGE_WORDS,
    STATUS_WORDS,
    age_groups_in,
    words_for,
)
from .numbers import PER_DAY

DRUG_TOPICS = {"fentanyl", "heroin", "cocaine", "meth", "opioid", "overdose"}
_SEIZURE = re.compile(r"\bseiz\w*|\bincaut\w*|\bdecomis\w*|\basegur(?:ó|aron|amiento)\w*|"
                      r"\bpounds?\b|\bkilo(?:gram)?s?\b|\bkg\b|\bpills\b|\bpastillas\b|"
                      r"\btons?\b|\btoneladas\b|\blethal doses\b|\bdosis letales\b", re.I)
_DEATH = re.compile(r"\bdeaths?\b|\bdied\b|\bdie\b|\bkill\w*|\bfatal\w*|\boverdos\w*|\blives\b|"
                    r"\bmuert\w*|\bfallec\w*|\bdefunci\w*|\bsobredosis\b|\bdecesos\b|\bvidas\b",
                    re.I)
# Scope words for dimensions the store does not carry: each is (dimension, pattern).
UNRESOLVED: tuple[tuple[str, str], ...] = (
    ("race or ethnicity", r"\b(?:black|white|hispanic|latino|latinos|latinx|asian|"
                          r"native american|american indian|alaska native|indigenous|"
                          r"pacific islanders?|native hawaiian|"
                          r"ind[íi]genas?|afroamerican\w*|african american)s?\b"),
    ("occupation or group", r"\b(?:journalists?|periodistas?|police (?:officers?|agents)|"
                            r"polic[íi]as?|soldiers?|soldados?|militares|migrants?|migrantes?|"
                            r"students?|estudiantes?|veterans?|mayors?|alcaldes?|candidates?|"
                            r"candidat[oa]s?|activists?|activistas?|politicians?|"
                            r"pol[íi]ticos?|inmates?|reos)\b"),
    ("municipality", r"\b(?:municipalit(?:y|ies)|municipios?|municipal|county|counties|"
                     r"condados?|cities|ciudades|metropolitan|zona metropolitana|alcald[íi]as?|"
                     r"tijuana|ciudad ju[áa]rez|culiac[áa]n|acapulco|celaya|irapuato|"
                     r"canc[úu]n|ecatepec|cajeme|uruapan|chicago|philadelphia|baltimore|"
                     r"san francisco|los angeles|new york city|seattle|portland|"
                     r"ciudad obreg[óo]n)\b"),
    ("cause detail", r"\b(?:firearms?|guns?|armas? de fuego|suicides?|suicidios?|"
                     r"accidents?|accidentes?|car crashes?|poisonings? by|"
                     r"disappear\w*|desaparec\w*|kidnapp\w*|secuestr\w*|extorsi\w*|"
                     r"extortion)\b"),
    ("what is counted", r"\beventos\b|\bincidents?\b|\bcarpetas\b|\bexpedientes\b|"
                        r"\bcases\b|\bcasos\b|\bincidencia\b|\bincidence\b"),
    ("drug", r"\b(?:these|those|such|this|that) drugs?\b|\b(?:estas|esas|dichas) drogas\b|"
             r"\b(?:these|those) (?:substances|opioids)\b"),
    ("per week or per hour", r"\b(?:a|per|each|every|cada|por|a la)\s+(?:week|semana|hour|hora|"
                             r"minutes?|minutos?)\b"),
)
_UNRESOLVED = [(dim, re.compile(p, re.I)) for dim, p in UNRESOLVED]
_PERIOD_WORDS = re.compile(
    r"\bsemestre\b|\bfirst half\b|\bsecond half\b|\bhalf of the year\b|\btrimestre\b|"
    r"\bquarter\b|\bmonthly\b|\bmensual\w*|\bper month\b|\bal mes\b|\ba month\b|"
    r"\b(?:january|february|march|april|june|july|august|september|october|november|"
    r"december|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
    r"noviembre|diciembre)\b|\bprimeros? (?:\w+ )?(?:d[íi]as|meses|mes)\b|\bfirst (?:\w+ )?"
    r"(?:days|months)\b|\bso far\b|\ben lo que va\b|\bhasta (?:ahora|el momento)\b|"
    r"\bto date\b|\bsexenio\b|\badministraci[óo]n\b|\badministration\b|"
    r"\bterm\b|\b(?:este|ese|mismo|dicho) "
    r"(?:periodo|período|lapso|mes)\b|\b(?:this|that|the same) (?:period|month)\b|"
    r"\b12[- ]month\b|\b(?:12|twelve) months\b|\bdoce meses\b|\b12 meses\b", re.I)
_AGE_ADJ = re.compile(r"age[- ]adjusted|ajustada por edad|age-standardi[sz]ed", re.I)
_CRUDE = re.compile(r"\bcrude\b|\btasa bruta\b", re.I)


@functools.lru_cache(maxsize=2048)
def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


_DRUG_ALT = "|".join(f"(?:{p})" for p in DRUG_WORDS.values())
_COUNTED = (r"deaths?|overdoses?|fatalities|deceased|rates?|muertes|muertos|defunciones|"
            r"sobredosis|fallecimientos|decesos|tasas?")
_DRUG_PHRASE = re.compile(
    rf"(?P<a>{_DRUG_ALT})(?:[- ](?:\w+[- ]){{0,3}}?|\s+)(?:{_COUNTED})\b|"
    rf"\b(?:{_COUNTED}|cases)\s+(?:\w+\s+){{0,2}}?(?:involving|from|caused by|linked to|due to|"
    rf"attributed to|tied to|related to|with|por|de|relacionad[oa]s con|asociad[oa]s a|"
    rf"atribuid[oa]s a)\s+(?:\w+\s+){{0,2}}?(?P<b>{_DRUG_ALT})|"
    rf"\b(?:involving|involved|que involucran|involucrando|con presencia de)\s+(?P<c>{_DRUG_ALT})",
    re.I)


def drug_phrases(text: str) -> list[tuple[str, int, int]]:
    """(drug code, start, end) where a drug word modifies the thing counted."""
    out = []
    for m in _DRUG_PHRASE.finditer(text):
        g = "a" if m["a"] else "b" if m["b"] else "c"
        word = m[g]
        code = next((c for c, pat in DRUG_WORDS.items()
                     if re.fullmatch(pat, word, re.I)), None)
        if code:
            out.append((code, m.start(g), m.end(g)))
    return out


@dataclass
class ReadScope:
    """What the words around one figure say of its dimensions."""

    measure: str | None = None
    drug: str | None = None
    sex: str | None = None
    age_group: str | None = None
    area: str | None = None
    area_name: str | None = None
    status: str | None = None
    agency: str | None = None
    stage: str | None = None
    age_adjusted: bool | None = None
    per_day: bool = False
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    period_words: str = ""  # words naming a part of a year ("primer semestre", "in January")
    words: dict[str, str] = field(default_factory=dict)  # dimension → the words that said it


class Places:
    """State names (U.S. and Mexican) → geo codes, matched by one precompiled pattern."""

    def __init__(self, places: dict[str, str]):
        self.codes = {fold(name).lower(): geo for name, geo in places.items()}
        self.names = {geo: name for name, geo in places.items()}
        names = sorted(self.codes, key=len, reverse=True)
        if names:
            alt = "|".join(re.escape(n) for n in names)
            self.pattern: re.Pattern[str] | None = re.compile(
                rf"(?:\b(?:in|en|of|de|del|for|para|across|throughout|within)\s+(?:the state "
                rf"of\s+|el estado de\s+|the\s+)?(?P<a>{alt})\b|\b(?P<b>{alt})'s\b|"
                rf"(?:^|[,;:]\s*|\.\s+)(?P<c>{alt})\s+(?:recorded|reported|had|saw|registr\w+|"
                rf"report\w+|sum\w+|acumul\w+|tuvo|concentr\w+|ocup\w+|encabez\w+|lider\w+|"
                rf"fue|was|is|led|topped|ranked))(?!\s+cartel|\s+c[aá]rtel)", re.I)
        else:
            self.pattern = None

    def find_any(self, text: str) -> list[tuple[str, int, int]]:
        """Every state name in ``text``, however it is used (not cartels)."""
        if self.pattern is None:
            return []
        if not hasattr(self, "_any"):
            alt = "|".join(re.escape(n) for n in sorted(self.codes, key=len, reverse=True))
            self._any = re.compile(rf"\b(?P<n>{alt})\b(?!\s+cartel|\s+c[aá]rtel)", re.I)
        return list(self._find_any(text))

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one Places per check, texts repeat
    def _find_any(self, text: str) -> tuple[tuple[str, int, int], ...]:
        return tuple((self.codes[m["n"].lower()], m.start(), m.end())
                     for m in self._any.finditer(fold(text)))

    def find(self, text: str) -> list[tuple[str, int, int]]:
        if self.pattern is None:
            return []
        out = []
        for m in self.pattern.finditer(fold(text)):
            key = (m["a"] or m["b"] or m["c"]).lower()
            g = "a" if m["a"] else "b" if m["b"] else "c"
            out.append((self.codes[key], m.start(g), m.end(g)))
        return out


def read_scope(sentence: str, start: int, end: int, lo: int, hi: int, *, topic: str | None,
               kind: str, flags: frozenset[str], places: Places | None,
               context: str = "", clause_start: int | None = None,
               headline_state: str | None = None) -> ReadScope:
    """The dimensions the words of one figure state.

    ``start``/``end``: the figure in ``sentence``; ``lo``/``hi``: its clause (from the figure
    before it to the figure after it). ``context``: the paragraph so far, for the agency.
    """
    rs = ReadScope()
    clause = sentence[lo:hi]
    before = sentence[lo:start]
    after = sentence[end:hi]
    # the clause back to its start, across the figures before this one ("(64,472) increased
    # from 48,140": the drug named before the first figure scopes both)
    whole_before = sentence[clause_start:start] if clause_start is not None else before
    # -- what is counted
    death_words = bool(_DEATH.search(sentence) or _DEATH.search(context[-300:])) or \
        topic == "overdose"
    if topic in DRUG_TOPICS:
        if _SEIZURE.search(clause) and not (topic == "overdose" or _DEATH.search(clause)):
            rs.measure = "drug_seizures"
        elif death_words or kind in ("rate", "share", "ratio", "change"):
            rs.measure = "overdose_deaths"
    elif topic == "homicide":
        rs.measure = "homicides"
    elif topic == "femicide":
        rs.measure = "femicide_victims"
        rs.sex = "F"
    elif topic == "aid":
        rs.measure = "assistance"
    # -- drug: a drug word in the clause before the figure, or right after it
    if rs.measure in ("overdose_deaths", "drug_seizures"):
        # a drug scopes a figure only when it modifies what is counted: "fentanyl deaths",
        # "deaths involving cocaine" — not "fentanyl trafficked by … drove deaths to"
        drugs = drug_phrases(before) or drug_phrases(whole_before)[-1:]
        if kind == "share" and not drugs:
            # "fentanyl was involved in 69.5% of overdose deaths": the drug is the part
            drugs = list(words_for(before, DRUG_WORDS)) or \
                list(words_for(whole_before, DRUG_WORDS))[-1:]
        tail = re.split(r"[,;]|\bwith\b|\bwhile\b|\band\b|\bcon\b|\by\b|\bmientras", after)[0]
        drugs += drug_phrases(tail)
        if rs.measure == "drug_seizures":
            drugs = drugs or list(words_for(before + tail, DRUG_WORDS))
        loose_before = words_for(whole_before, DRUG_WORDS)
        if drugs and loose_before and loose_before[-1][0] != drugs[-1][0] and \
                not drug_phrases(before):
            rs.unresolved.append(("drug", "another drug is named closer to the figure"))
        if not drugs and (loose := words_for(whole_before + " " + tail, DRUG_WORDS)):
            # a drug named near the figure but not as what is counted: scope unknown
            rs.unresolved.append(("drug", whole_before[loose[-1][1]:loose[-1][2]]
                                  if loose[-1][2] <= len(whole_before) else loose[-1][0]))
        codes = {d[0] for d in drugs if d[0] != "any_opioid"} or {d[0] for d in drugs}
        if re.search(r"(?:of the|of all|de las|de los|del total de)\s*$", before, re.I) or \
                re.match(r"\s*(?:\w+\s+){0,2}(?:totales|in total|en total|total|overall)\b",
                         after, re.I):
            codes = set()  # "70% of the 107,543 total deaths": the whole, all drugs
        if len(codes) == 1:
            rs.drug = codes.pop()
            rs.words["drug"] = rs.drug
        elif len(codes) > 1:
            rs.unresolved.append(("drug", "several drugs named: " + ", ".join(sorted(codes))))
    # -- sex and age: words in the clause
    sexes = {c for c, _, _ in words_for(clause, SEX_WORDS)} or \
        {c for c, _, _ in words_for(whole_before, SEX_WORDS)[-1:]}
    if sexes and rs.measure != "femicide_victims":
        if len(sexes) == 1:
            rs.sex = sexes.pop()
            rs.words["sex"] = rs.sex
        else:
            rs.unresolved.append(("sex", "both sexes named in one clause"))
    ages = age_groups_in(clause) or age_groups_in(whole_before)[-1:]
    if ages:
        rs.age_group = ages[0][0]
        rs.words["age_group"] = clause[ages[0][1]:ages[0][2]]
    # -- place
    if places is not None:
        found = places.find(clause)
        if found:
            geo, s, e = found[0]
            rs.area, rs.area_name = geo, places.names.get(geo, geo)
            if len({f[0] for f in found}) > 1:
                rs.unresolved.append(("area", "several states named in one clause"))
    if places is not None and rs.area is None:
        # "Ohio (39.1)", "Guanajuato, con cuatro mil 333": the place right before the figure
        head = sentence[max(0, start - 45):start]
        near = places.find_any(head)
        if near and re.fullmatch(r"\s*(?:\(|,?\s*(?:con|with|had|tuvo|:)\s*)\s*",
                                 head[near[-1][2]:]):
            rs.area = near[-1][0]
            rs.area_name = places.names.get(rs.area, rs.area)
    if places is not None:
        named = {g for g, _, _ in places.find_any(sentence)}
        if named - {rs.area}:
            rs.unresolved.append(("area", "a state is named in the sentence: " +
                                  ", ".join(places.names.get(g, g) for g in sorted(named))))
    if rs.area is None:
        if "mx" in flags and "us" not in flags:
            rs.area = "MX"
        elif "us" in flags and "mx" not in flags:
            rs.area = "US"
    # -- status, agency, stage: words of the sentence (status, stage) or paragraph (agency)
    statuses = [c for c, _, _ in words_for(sentence, STATUS_WORDS)]
    if statuses:
        rs.status = statuses[0]
    agencies = [c for c, _, _ in words_for(sentence, AGENCY_WORDS)] or \
        [c for c, _, _ in words_for(context, AGENCY_WORDS)]
    if agencies:
        rs.agency = agencies[-1] if len(set(agencies)) > 1 and agencies[-1] in clause \
            else agencies[0]
    if rs.measure == "assistance":
        stages = [c for c, _, _ in words_for(clause, STAGE_WORDS)] or \
            [c for c, _, _ in words_for(sentence, STAGE_WORDS)]
        if stages:
            rs.stage = stages[0]
    if kind == "rate":
        rs.age_adjusted = True if _AGE_ADJ.search(sentence) else (
            False if _CRUDE.search(sentence) else None)
    rs.per_day = bool(PER_DAY.search(sentence[end:hi][:60]) or
                      PER_DAY.search(sentence[max(lo, start - 30):start]))
    if m := _PERIOD_WORDS.search(clause) or _PERIOD_WORDS.search(sentence):
        rs.period_words = m.group()
    # a sub-population named elsewhere in the sentence ("… del sexo femenino, pero en total
    # fueron 3 mil 991"): which part the figure is of is not known
    if not rs.sex and rs.measure != "femicide_victims" and words_for(sentence, SEX_WORDS):
        rs.unresolved.append(("sex", "a sex is named elsewhere in the sentence"))
    if not rs.age_group and age_groups_in(sentence):
        rs.unresolved.append(("age group", "an age group is named elsewhere in the sentence"))
    if headline_state and rs.area in (None, "US", "MX"):
        rs.unresolved.append(("area", f"the headline names a state ({headline_state})"))
    # a sub-population named in the sentence before and none here: "adults 45-54 … The rates
    # went from 53.8 to 55.3" — the scope may be carried over, so it is not known
    tail = context[-300:]
    if not (rs.sex or rs.age_group) and (words_for(tail, SEX_WORDS) or age_groups_in(tail)):
        rs.unresolved.append(("context", "a sub-population is named in the sentence before"))
        # carried over when the sentence before names exactly one ("Adults aged 35 to 44 …
        # The rates went from 53.8 to 55.3"): used to find support, never to contradict
        sexes_before = {c for c, _, _ in words_for(tail, SEX_WORDS)}
        ages_before = {a for a, _, _ in age_groups_in(tail)}
        if len(sexes_before) == 1 and not ages_before and rs.measure != "femicide_victims":
            rs.sex = sexes_before.pop()
        elif len(ages_before) == 1 and not sexes_before:
            rs.age_group = ages_before.pop()
    elif rs.area in (None, "US", "MX") and places is not None and places.find_any(tail[-250:]):
        rs.unresolved.append(("context", "a state is named in the sentence before"))
    for dim, pat in _UNRESOLVED:
        if m := pat.search(whole_before + " " + clause) or (
                dim in ("race or ethnicity", "municipality") and (
                    pat.search(tail) or pat.search(sentence))):
            if dim == "municipality" and rs.area and rs.area not in ("US", "MX") and \
                    m.group().lower() in ("municipal",):
                continue
            rs.unresolved.append((dim, m.group()))
    return rs
