"""The evidence a check reads (``Evidence``: the store's cube, funding lines, events and
sources as plain frames) and the link from a dated sentence to a timeline event.

Figures are matched to observations in ``match`` (equal dimensions); this module keeps the
exchange-rate lookup of conversions and the event linker (same actors, same action).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from .match import Cube, cube_frame
from .records import Claim

COUNT_UNITS = {"deaths", "victims", "persons"}

_TWELVE_MONTH = re.compile(r"12m(?:\b|_)|12_month|12-month|twelve|rolling", re.I)


@dataclass(frozen=True)
class Ref:
    """One reference value from the store."""

    series_id: str
    period: str
    value: float
    status: str
    source_id: str
    name: str


@dataclass
class Evidence:
    """The slice of the store the checker reads, as plain frames (pure code downstream).

    ``series``: series_id, name, unit, frequency, geo, kind, selector; ``observations``:
    series_id, period, value, status, source_id (national series only); ``funding``: the
    funding lines; ``events``: event_id, date, precision, kind, actors, title, description,
    source_id; ``sources``: source_id → "publisher, title".
    """

    series: pd.DataFrame
    observations: pd.DataFrame
    funding: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: dict[str, str] = field(default_factory=dict)
    publishers: dict[str, str] = field(default_factory=dict)
    snapshot: str = ""
    places: dict[str, str] = field(default_factory=dict)  # state name → geo code
    cube_frame: pd.DataFrame = field(default_factory=pd.DataFrame)  # the store's cube view

    def __post_init__(self) -> None:
        self.info = {r["series_id"]: r for r in self.series.to_dict("records")}
        if self.cube_frame.empty:
            self.cube_frame = cube_frame(self.series, self.observations)
        self.cube = Cube(self.cube_frame, {k: str(v.get("name", k)) for k, v in self.info.items()})
        self._obs: dict[tuple[str, str], tuple[float, str, str]] = {}
        self._periods: dict[str, list[str]] = {}
        if not self.observations.empty:
            obs = self.observations
            geos = obs["geo"] if "geo" in obs.columns else [None] * len(obs)
            for sid, geo, period, value, status, source in zip(
                    obs["series_id"], geos, obs["period"], obs["value"], obs["status"],
                    obs["source_id"], strict=True):
                if self.info.get(sid, {}).get("kind") == "panel":
                    sid = f"{sid}@{geo}"  # one pseudo-series per place of a panel
                self._obs[(sid, str(period))] = (float(value), status, source)
                self._periods.setdefault(sid, []).append(str(period))
        self.place_names = {geo: name for name, geo in self.places.items()}
        self._event_tokens = [
            (row, _tokens(f"{row['title']} {row['description']} {row['actors']}"))
            for row in (self.events.to_dict("records") if not self.events.empty else [])]
        # the action of an event is the one its title states (descriptions mention others)
        self._event_actions = {
            row["event_id"]: {"#" + c for c, pat in _CLASS_RES.items()
                              if pat.search(str(row["title"]))}
            for row, _ in self._event_tokens}
        self._name_df: dict[str, int] = {}
        self._title_names: dict[str, set[str]] = {}
        for row, _ in self._event_tokens:
            names = {k for k, w in _tokens(str(row["title"])).items()
                     if w >= 3 and not k.startswith("#") and k not in _PLACES}
            self._title_names[row["event_id"]] = names
            for k in names:
                self._name_df[k] = self._name_df.get(k, 0) + 1

    # -- values --------------------------------------------------------------------------
    def annual(self, series_id: str, year: int) -> Ref | None:
        """The value of a series for a calendar year: the annual value, the 12-month-ending
        December value of a rolling series, or the sum of 12 months of a monthly count."""
        base, _, geo = series_id.partition("@")
        info = self.info.get(base)
        if info is None:
            return None
        name = info.get("name", "") + (f" — {self.place_names.get(geo, geo)}" if geo else "")
        freq = info.get("frequency")
        mk = lambda period, v: Ref(base, period, v[0], v[1], v[2], name)  # noqa: E731
        if freq == "annual":
            v = self._obs.get((series_id, str(year)))
            return mk(str(year), v) if v else None
        if freq == "fiscal_year":
            v = self._obs.get((series_id, f"FY{year}"))
            return mk(f"FY{year}", v) if v else None
        if freq == "monthly":
            if _TWELVE_MONTH.search(f"{series_id} {name}"):
                v = self._obs.get((series_id, f"{year}-12"))
                return mk(f"12 months ending {year}-12", v) if v else None
            if info.get("unit") in COUNT_UNITS:
                months = [self._obs.get((series_id, f"{year}-{m:02d}")) for m in range(1, 13)]
                if all(months):
                    status = "final" if all(m[1] == "final" for m in months) else "provisional"
                    total = sum(m[0] for m in months)
                    return mk(f"{year} (sum of 12 months)", (total, status, months[0][2]))
        return None

    def span(self, series_id: str) -> str:
        periods = self._periods.get(series_id, [])
        return f"{min(periods)}–{max(periods)}" if periods else "no observations"

    def values(self, series_id: str) -> dict[int, float]:
        """Annual values by year (annual series only), for context notes."""
        out = {}
        for period in self._periods.get(series_id, []):
            if re.fullmatch(r"\d{4}", period):
                out[int(period)] = self._obs[(series_id, period)][0]
        return out

    def fx_series(self, currency: str) -> str | None:
        for sid, info in self.info.items():
            if info.get("unit", "").upper() == f"{currency.upper()} PER USD" and \
                    info.get("frequency") == "annual":
                return sid
        return None

    def source_label(self, source_id: str | None) -> str:
        return self.publishers.get(source_id or "", source_id or "")


# -- events ------------------------------------------------------------------------------
_STOP = set("""the a an of in on at to for from by with and or but after before when while
that this these those was were is are be been has have had it its as into during over under
about between again further then once more most other some such only own same than too very
can will just also their there they them he she his her him who whom which what where why how
all any both each few not nor so until against former new current president government
united states mexico mexican mexico's u.s us relations relation security cooperation
administration federal national country countries two year years month months law laws
el la los las de del y en por para con una un se que al su sus lo como más sobre entre
gobierno estados unidos méxico mexicano seguridad cooperación""".split())
_CLASSES = {
    # one action each: a date of one is never judged against a date of another
    "arrest": r"\barrest\w*|\bdetain\w*|\bdetention|\bcaptur\w*|\bapprehend\w*|\bdeten\w*|"
              r"\bdetuv\w*|\baprehen\w*|\barrestad\w*|\bcustody\b|\bcustodia\b|\bcaught\b",
    "extradite": r"\bextradit\w*|\bextradi\w*|\bexpel\w*|\bexpuls\w*|\btransferred to the\b|"
                 r"\bsent to the united states\b|\benviad\w* a (?:los )?estados unidos",
    "escape": r"\bescap\w*|\bfug[aóo]\w*|\bbroke out\b|\bprison break\b",
    "announce": r"\bannounc\w*|\banunci\w*|\blaunch\w*|\blanz\w*|\bunveil\w*|\bpresent[óo]\b|"
                r"\bpresentaron\b",
    "sign": r"\bsign\w*|\bfirm[óoa]\w*|\bsuscri\w*",
    "agreement": r"\bagreement|\bframework|\baccord|\bpact|\bacuerdo|\bmarco\b|"
                 r"\bentendimiento",
    "law": r"\blaw\b|\blegislation|\breform\w*|\bley\b|\benact\w*|\bpromulg\w*",
    "publish": r"\bpublish\w*|\bpublic[óoa]\w*|\bgazette|\bdiario oficial|\bDOF\b",
    "approve": r"\bapprov\w*|\baprob\w*|\bpassed\b|\bvot(?:ed|ó|aron)\b",
    "charges": r"\bcharge[sd]?\b|\bindict\w*|\bacus[óa]\w*|\bcargos\b|\bimput\w*",
    "convict": r"\bconvict\w*|\bfound guilty|\bculpable|\bverdict|\bveredicto",
    "plead": r"\bplead\w*|\bpled\b|\bplea\b|\bse declar[óo]\b",
    "sentence": r"\bsentenc\w*|\bsentenci\w*|\bcondena\w*|\bprison term|\blife in prison",
    "drop": r"\bdropp\w*|\bdismiss\w*|\breturn\w*|\brepatri\w*|\bretir\w*|\bdesist\w*",
    "kill": r"\bkill\w*|\bmurder\w*|\bassassinat\w*|\basesin\w*|\bmat[óo]\b|\bmassacre",
    "inaugurate": r"\binaugurat\w*|\btook office|\bsworn|\btom[óo] posesi[óo]n|\btakes office|"
                  r"\bassum\w* (?:the )?(?:presidency|office)",
    "elect": r"\belected\b|\belecci[óo]n|\bwon the (?:election|presidency)|\bgan[óo] la",
    "designate": r"\bdesignat\w*|\bterrorist organi[sz]ations?\b|\bFTOs?\b",
    "reward": r"\breward\w*|\brecompensa\w*",
    "summit": r"\bsummit\b|\bcumbre\b|\bdialogue\b|\bdi[áa]logo\b|\bmeet\w*|\breuni[óo]n",
    "appropriate": r"\bappropriat\w*|\bsupplemental\b|\bapropia\w*",
}
_CLASS_RES = {k: re.compile(v, re.I) for k, v in _CLASSES.items()}


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=256)
def _tokens(text: str) -> dict[str, float]:
    """Weighted tokens: action classes (2), names (3: capitalised words, also at the start
    of a sentence, when not a common word), other content words (1)."""
    out: dict[str, float] = {}
    for cls, pat in _CLASS_RES.items():
        if pat.search(text):
            out["#" + cls] = 2.0
    for m in re.finditer(r"[A-Za-zÀ-ÿ][\w'-]+", text):
        word = m.group()
        low = _fold(word.lower()).strip("'")
        if low.endswith("'s"):
            low = low[:-2]
        if low in _STOP or _fold(low) in _STOP or len(low) < 4:
            continue
        weight = 3.0 if word[0].isupper() and not ACTION_WORDS.fullmatch(word) else 1.0
        key = low[:6]
        out[key] = max(out.get(key, 0.0), weight)
    return out


# places and institutions: shared by many events, they never make two events one
_PLACES = {w[:6] for w in """brooklyn sinaloa mexico tijuana chicago culiacan paso texas york
washington jalisco guerrero michoacan chihuahua tamaulipas merida congress senate house
court federal justice department cartel navy army police state white""".split()}
# any action word: a date next to one is the date of an event (used by the extractor too)
ACTION_WORDS = re.compile("|".join(f"(?:{p})" for p in _CLASSES.values()), re.I)


@dataclass(frozen=True)
class EventMatch:
    event: dict
    score: float
    matched: tuple[str, ...]
    names: tuple[str, ...] = ()
    same_event: bool = False  # a shared name and the same action: the sentence's event


def link_event(ev: Evidence, claim: Claim) -> EventMatch | None:
    """The timeline event a dated sentence refers to, or None when no event shares a name
    (or a distinctive word and an action) with it. ``same_event`` says whether it shares a
    name AND an action class (arrested ≠ extradited ≠ sentenced; announced ≠ signed)."""
    words = _tokens(claim.sentence)
    # the action of this date: the words next to it ("convicted of the 1985 murder": murder)
    s0 = claim.start - claim.sentence_start
    lo = max(0, s0 - 60)
    cut = max(claim.sentence.rfind(";", lo, s0), claim.sentence.rfind(":", lo, s0))
    near = claim.sentence[max(lo, cut + 1):s0 + len(claim.quantity_text) + 30]
    actions_said = {"#" + c for c, pat in _CLASS_RES.items() if pat.search(near)} or \
        {k for k in words if k.startswith("#")}
    near_toks = _tokens(claim.sentence[max(0, s0 - 100):s0 + len(claim.quantity_text) + 60])
    best: EventMatch | None = None
    for row, toks in ev._event_tokens:
        shared = [k for k in words if k in toks]
        score = sum(min(words[k], toks[k]) for k in shared)
        names = [k for k in shared if not k.startswith("#") and words[k] >= 3 and toks[k] >= 3]
        actions = [k for k in shared if k.startswith("#")]
        if not names and not (actions and score >= 4):
            continue
        if score < 3:
            continue
        event_actions = ev._event_actions.get(row["event_id"]) or \
            {k for k in toks if k.startswith("#")}
        # the same event: a distinctive name of its title (a person, not "Brooklyn" or
        # "Sinaloa") next to the date, and the date's action among the title's actions
        title_names = ev._title_names.get(row["event_id"], set())
        distinctive = [k for k in title_names if ev._name_df.get(k, 0) <= 2 and k in near_toks]
        # another event's actor named next to the date: the date may be theirs
        others = [k for k, w in near_toks.items() if w >= 3 and k in ev._name_df
                  and k not in title_names]
        same = bool(distinctive) and not others and bool(actions_said) and \
            actions_said <= event_actions and not claim.extra.get("relative")
        cand = EventMatch(row, score, tuple(shared), tuple(names), same)
        if best is None or (cand.same_event, score) > (best.same_event, best.score) or (
                cand.same_event == best.same_event and math.isclose(score, best.score) and
                _closeness(row, claim) < _closeness(best.event, claim)):
            best = cand
    return best


def _closeness(row: dict, claim: Claim) -> int:
    try:
        y = int(str(row["date"])[:4])
        c = int(str(claim.period)[:4])
    except (ValueError, TypeError):
        return 10**6
    return abs(y - c)
