"""Verdicts: a linked claim against its reference values, with explicit tolerances.

Verdicts are ``supported`` (the reference lies within the rounding of the stated figure, or
satisfies its "more than"/"less than"), ``approximately_right`` (outside the rounding but
within the tolerance of its kind, or matching a provisional figure of the same definition),
``contradicted`` (further off), and ``unverifiable`` (no reference value in the store: no
verdict is ever guessed). The tolerances are the table ``TOLERANCES`` (see docs/claims.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from ..dimensions import AGENCIES, TOTAL, Period, year_period
from .link import Evidence, link_event
from .match import STATUS_ORDER, Ref, Want, match
from .periods import span_of
from .records import Claim, Verdict
from .scope import ReadScope


@dataclass(frozen=True)
class Tolerance:
    """How far off a figure may be and still be called approximately right."""

    rel: float = 0.0  # relative to the reference value
    abs: float = 0.0  # in the claim's unit (percentage points for shares)
    word_rel: float = 0.0  # for multiplier words ("tripled"): supported within this


TOLERANCES: dict[str, Tolerance] = {
    "count": Tolerance(rel=0.03),
    "rate": Tolerance(rel=0.05),
    "share": Tolerance(abs=1.0),
    "money": Tolerance(rel=0.10),
    "ratio": Tolerance(rel=0.10, word_rel=0.15),
    "change": Tolerance(rel=0.10, abs=5.0),
    "conversion": Tolerance(rel=0.05),
}
APPROX_WORDS_REL = 0.05  # "about", "nearly", "casi": the stated figure counts as ±5%
MULTIPLIER_WORD_APPROX = 0.30  # "tripled" is approximately right for ratios 2.1–3.9


def fmt(value: float | None, unit: str = "") -> str:
    """A number as an article would print it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "USD" or unit in ("BRL", "MXN"):
        prefix = {"USD": "$", "BRL": "R$", "MXN": "MX$"}[unit]
        for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
            if abs(value) >= scale:
                return f"{prefix}{value / scale:,.3g} {word}"
        return f"{prefix}{value:,.0f}"
    if unit in ("percent", "percent change"):
        return f"{value:.1f}%"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) >= 1 else f"{value:.3g}"


def interval(claim: Claim) -> tuple[float, float]:
    """The values the claim's wording allows (rounding, ranges, "more than", "about")."""
    v = claim.value if claim.value is not None else float("nan")
    h = claim.half_width
    if claim.qualifier == "approx":
        h = max(h, APPROX_WORDS_REL * abs(v))
    if claim.qualifier == "range" and claim.low is not None and claim.high is not None:
        return claim.low - (0 if claim.kind == "conversion" else h), \
            claim.high + (0 if claim.kind == "conversion" else h)
    if claim.qualifier == "at_least":
        return v - h, math.inf
    if claim.qualifier == "at_most":
        return -math.inf, v + h
    return v - h, v + h


def judge(claim: Claim, ref: float, tol: Tolerance) -> tuple[str, float]:
    """Verdict of a level claim against one reference, and the distance outside the interval."""
    lo, hi = interval(claim)
    if lo <= ref <= hi:
        return "supported", 0.0
    dist = lo - ref if ref < lo else ref - hi
    allowed = max(tol.rel * abs(ref), tol.abs)
    return ("approximately_right" if dist <= allowed else "contradicted"), dist


def _off(claim: Claim, ref: float, unit: str) -> str:
    if claim.value is None or not ref:
        return ""
    if unit in ("percent", "percentage points", "percent change"):
        d = claim.value - ref
        return f"{abs(d):.1f} points {'higher' if d > 0 else 'lower'}"
    d = (claim.value - ref) / abs(ref)
    return f"{abs(d) * 100:.1f}% {'higher' if d > 0 else 'lower'}"


class Checker:
    """Judges claims of one article against one ``Evidence``."""

    def __init__(self, ev: Evidence, article_date: date | None = None, article: str = "-"):
        self.ev = ev
        self.article_date = article_date
        self.article = article

    def verdict(self, claim: Claim, verdict: str, reason: str, *, series: str | None = None,
                ref: float | str | None = None, ref_period: str | None = None,
                source: str | None = None) -> Verdict:
        if series:
            series = series.partition("@")[0]  # a panel's place is in the reason, not the id
        if verdict == "unverifiable":
            reason = self._named(reason)
        return Verdict(claim=claim, verdict=verdict, reason=reason, series=series,
                       reference_value=ref, reference_period=ref_period, source=source,
                       snapshot=self.ev.snapshot, article=self.article)

    def check(self, claim: Claim) -> Verdict:
        method = {
            "count": self._level, "rate": self._level, "share": self._share,
            "ratio": self._ratio, "money": self._money, "conversion": self._conversion,
            "date": self._date,
        }.get(claim.kind)
        if method is None:
            return self.verdict(claim, "unverifiable", f"no check for claims of kind {claim.kind}")
        return method(claim)

    def _years(self, claim: Claim) -> list[int]:
        return [int(y) for y in re.findall(r"\d{4}", claim.period or "")]

    # -- scope ---------------------------------------------------------------------------
    def want(self, claim: Claim, **over: object) -> tuple[Want | None, str]:
        """The claim's scope with defaults, or (None, why it cannot be matched)."""
        want, why = self._want(claim, **over)
        if want is not None:
            claim.extra["scope_text"] = describe_want(want)
        return want, why

    def _want(self, claim: Claim, **over: object) -> tuple[Want | None, str]:
        rs: ReadScope | None = claim.extra.get("scope")
        if rs is None or rs.measure is None:
            return None, "no series in the store measures what this number counts"
        if rs.measure == "assistance":
            return None, "an amount of money"
        if rs.agency and rs.agency not in self.ev.cube.agencies():
            return None, (f"a figure of {AGENCIES.get(rs.agency, rs.agency)}; the store holds "
                          "none of its series")
        assumed: set[str] = set()
        if rs.measure == "homicides":
            measures = {"SESNSP": ("homicide_victims",), "INEGI": ("homicides",),
                        "UNODC": ("homicides",), "NCHS": ("homicides",)}.get(
                rs.agency or "", ("homicides", "homicide_victims"))
        else:
            measures = (rs.measure,)
        kind = claim.kind
        if kind == "rate":
            units = ("rate_age_adjusted",) if rs.age_adjusted else ("rate",) \
                if rs.age_adjusted is False else ("rate", "rate_age_adjusted")
        else:
            units = ("count",)
        na = "_Z" if rs.measure not in ("overdose_deaths", "drug_seizures") else TOTAL
        drug = rs.drug or na
        intent = "unintentional" if "unintentional" in claim.flags and na == TOTAL else na
        area = rs.area
        if area is None:
            doc = claim.extra.get("doc_country")
            if doc and rs.measure in ("homicides", "homicide_victims", "femicide_victims"):
                area = doc  # the country the text is about (headline, first paragraph)
            else:
                area = "US" if rs.measure == "overdose_deaths" else "MX" if rs.measure in (
                    "homicides", "homicide_victims", "femicide_victims") else ""
                assumed.add("area")
        period = span_of(claim.period or "")
        want = Want(measures=measures, units=units, drug=drug, intent=intent,
                    sex=rs.sex or TOTAL, age_group=rs.age_group or TOTAL, area=area,
                    period=period, agency=rs.agency if rs.agency in ("INEGI", "SESNSP", "NCHS",
                                                                     "UNODC") else None,
                    status=rs.status, per_day=bool(claim.extra.get("per_day")),
                    assumed=frozenset(assumed))
        if over:
            want = replace(want, **over)
        if rs.age_group == "young":
            return None, "\"young people\" names no age group the store has"
        return want, ""

    def _why_not_contradicted(self, claim: Claim, want: Want, refs: list[Ref]) -> str | None:
        """Why a disagreement may not be read as a contradiction (None: it may)."""
        rs: ReadScope = claim.extra["scope"]
        if re.search(r"\bpotent|\bstronger\b|\bm[áa]s (?:potente|fuerte)|\bdeadlier\b|"
                     r"\blethal dose", claim.sentence, re.I) and claim.kind == "ratio":
            return "a comparison of potency, not of counts"
        if rs.unresolved:
            dim, word = rs.unresolved[0]
            return (f"the figure is scoped by {dim} (\"{word}\"), which the store does not "
                    "break down")
        yearly = (want.period is not None and want.period.kind in ("year", "fiscal_year")) or \
            bool(re.fullmatch(r"\d{4}-\d{4}", claim.period or ""))
        if rs.period_words and yearly:
            return (f"the sentence speaks of part of a period (\"{rs.period_words}\") but the "
                    f"figure was read as {claim.period}")
        if claim.period_inferred and claim.extra.get("period_from") != "paragraph":
            where = claim.extra.get("period_from", "context")
            return f"the period ({claim.period}) is only inferred from the {where}"
        if claim.extra.get("topic_from"):
            return f"what the figure counts is only inferred from the {claim.extra['topic_from']}"
        if "area" in want.assumed and not (claim.flags & {"us", "mx"}) and \
                rs.measure != "overdose_deaths":  # the store's overdose counts are all U.S.
            return "the text does not say which country the figure is for"
        if refs and all(r.status != "final" for r in refs):
            newest = max((r.published for r in refs), default="")
            later = self.article_date is None or not newest or (
                self.article_date.isoformat() > newest and
                (self.article_date - date.fromisoformat(newest[:7] + "-01")).days > 120)
            if later:
                return ("the store holds only a non-final figure of this scope; the text may "
                        "cite a later revision")
        agencies = {r.agency for r in refs}
        off = min((abs(claim.value - r.value) / abs(r.value) for r in refs
                   if r.value and claim.value is not None), default=0.0)
        # INEGI's and SESNSP's counts differ by about a tenth: a claim within a quarter of the
        # one agency's count the store has may well be the other agency's figure
        if len(want.measures) > 1 and len(agencies) == 1 and (
                claim.kind == "ratio" or (claim.kind == "count" and off <= 0.25)):
            other = "SESNSP" if "INEGI" in agencies else "INEGI"
            return (f"the text does not say whose count this is and the store has only "
                    f"{agencies.pop()}'s for this scope, not {other}'s")
        return None

    def _public(self, ref: Ref) -> bool:
        """Whether the reference was public when the text was written."""
        when = self.article_date
        if when is None:
            return True
        if ref.published:
            return ref.published[:10] <= when.isoformat()
        if ref.status == "final":
            # final counts come out about a year after the period ends (NCHS, INEGI)
            return (when - ref.period.end).days >= 300
        return True

    def _judge_refs(self, claim: Claim, refs: list[Ref], tol: Tolerance
                    ) -> tuple[str, Ref, list[tuple[str, Ref]]]:
        judged = [(judge(claim, r.value, tol)[0], r) for r in refs]
        order = {"supported": 0, "approximately_right": 1, "contradicted": 2}
        judged.sort(key=lambda t: (order[t[0]], STATUS_ORDER.get(t[1].status, 9)))
        return judged[0][0], judged[0][1], judged

    # -- levels: counts and rates --------------------------------------------------------
    def _level(self, claim: Claim) -> Verdict:
        want, why = self.want(claim)
        if want is None:
            return self.verdict(claim, "unverifiable", why)
        if want.period is None:
            what = "a total over an open span" if (claim.period or "").endswith("-") else \
                "a span of several years" if claim.period else "no period stated"
            return self.verdict(claim, "unverifiable", f"{what} for this figure; the store "
                                "holds values of single periods")
        found = match(self.ev.cube, want)
        if found.missing:
            return self.verdict(claim, "unverifiable", self._named(found.missing))
        tol = TOLERANCES[claim.kind]
        if want.per_day:
            tol = Tolerance(rel=max(tol.rel, 0.05))
        return self._conclude(claim, want, found.refs, tol)

    def _conclude(self, claim: Claim, want: Want, refs: list[Ref], tol: Tolerance,
                  describe: Callable[[Ref], str] | None = None, unit: str = "") -> Verdict:
        describe = describe or self._describe
        verdict, best, judged = self._judge_refs(claim, refs, tol)
        finals = [r for v, r in judged if r.status == "final"]
        parts = [describe(best)]
        downgraded = False
        matched = best
        if verdict != "contradicted" and best.status != "final" and finals:
            final_verdicts = {v for v, r in judged if r.status == "final"}
            if "supported" not in final_verdicts and verdict == "supported":
                verdict, downgraded = "approximately_right", True
                parts.append(f"it matches the {best.status} figure; the final count is "
                             f"{fmt(finals[0].value)} ({claim.quantity_text} is "
                             f"{_off(claim, finals[0].value, unit)})")
        if verdict != "supported" and not downgraded:
            parts.append(f"{claim.quantity_text} is {_off(claim, best.value, unit)}")
        if verdict == "contradicted" and (near := self._other_scope(claim, want, tol)):
            parts.append(near)
        if verdict == "contradicted":
            public = [r for r in refs if self._public(r)]
            why = self._why_not_contradicted(claim, want, refs)
            if not public:
                why = why or ("every figure of this scope in the store was published after the "
                              f"text ({self.article_date.isoformat()})")
            if why:
                return self.verdict(claim, "unverifiable",
                                    "; ".join(parts) + f"; not judged: {why}",
                                    series=best.series_id, ref=best.value,
                                    ref_period=best.label, source=best.source_id)
            if not self._public(best):
                parts.append("(the final figure came out after the text; no figure of this "
                             "scope that was public then agrees either)")
        others = [r for v, r in judged if r is not best and r is not matched][:2]
        if others:
            parts.append("also " + "; ".join(describe(r, short=True) for r in others))
        out = self.verdict(claim, verdict, "; ".join(parts), series=best.series_id,
                           ref=best.value, ref_period=best.label, source=best.source_id)
        out.reference_status = matched.status
        out.reference_published = matched.published or None
        if downgraded:
            out.revised_to = finals[0].value  # the vintage matched, revised since to the final
            if matched.published:
                out.reason += f"; the {matched.status} figure was published {matched.published}"
        return out

    def _other_scope(self, claim: Claim, want: Want, tol: Tolerance) -> str:
        """A figure of another scope (intent, drug, sex) that the claim's number matches:
        "27,700 in 2007" is the unintentional count, not all overdose deaths."""
        if want.period is None:
            return ""
        for r in self.ev.cube.by_measure.get(want.measures[0], []):
            if r.unit not in want.units or r.area != want.area or \
                    r.period.start != want.period.start or r.period.end != want.period.end:
                continue
            if (r.drug, r.intent, r.sex, r.age_group) == (want.drug, want.intent, want.sex,
                                                          want.age_group):
                continue
            if judge(claim, r.value, tol)[0] != "contradicted":
                return (f"it matches {r.name}, {r.label}: {fmt(r.value)} ({r.status}) — "
                        "a different scope")
        return ""

    def _named(self, text: str) -> str:
        """Geo codes in a message replaced by the place's name ("for MX-08" → Chihuahua)."""
        return re.sub(r"\bfor ((?:MX-\d\d)|[A-Z]{2})\b",
                      lambda m: f"for {self.ev.place_names.get(m[1], m[1])}", text)

    def _describe(self, ref: Ref, short: bool = False) -> str:
        label = self.ev.source_label(ref.source_id)
        how = f", {ref.derived}" if ref.derived else ""
        place = self.ev.place_names.get(ref.area)
        name = f"{ref.name} — {place}" if place and place not in ref.name else ref.name
        text = f"{name}, {ref.label}: {fmt(ref.value)} ({ref.status}{how}"
        return text + (")" if short else f", {label})")

    # -- shares ------------------------------------------------------------------------------
    def _share(self, claim: Claim) -> Verdict:
        rs: ReadScope | None = claim.extra.get("scope")
        claim_count = replace(claim, kind="count")
        claim_count.extra = dict(claim.extra)
        claim_count.extra.pop("per_day", None)
        want, why = self.want(claim_count)
        if want is None:
            return self.verdict(claim, "unverifiable", why)
        if rs is None or not ((rs.drug and rs.drug not in (TOTAL, "_Z")) or rs.sex in ("F", "M")):
            return self.verdict(claim, "unverifiable",
                                "no series in the store gives the whole this share is of")
        if want.period is None:
            return self.verdict(claim, "unverifiable", "no period stated for this share")
        whole = replace(want, drug=TOTAL if want.drug not in ("_Z",) else "_Z", sex=TOTAL)
        parts_m, whole_m = match(self.ev.cube, want), match(self.ev.cube, whole)
        if parts_m.missing or whole_m.missing:
            return self.verdict(claim, "unverifiable", parts_m.missing or whole_m.missing or "")
        shares = []
        for p in parts_m.refs:
            for w in whole_m.refs:
                if w.series_id == p.series_id or not w.value:
                    continue
                if (w.agency, w.status, w.area) != (p.agency, p.status, p.area):
                    continue
                shares.append(replace(p, value=100 * p.value / w.value,
                                      derived=f"{fmt(p.value)} / {fmt(w.value)}",
                                      name=f"{p.name} / {w.name}"))
        if not shares:
            return self.verdict(claim, "unverifiable", "no part and whole of the same status "
                                "and source for this share")

        def describe(r: Ref, short: bool = False) -> str:
            return (f"{r.name}, {r.label}: {r.derived} = {r.value:.1f}% ({r.status}"
                    + (")" if short else f", {self.ev.source_label(r.source_id)})"))
        return self._conclude(claim, want, shares, TOLERANCES["share"], describe, "percent")

    # -- ratios and changes ------------------------------------------------------------------
    def _ratio(self, claim: Claim) -> Verdict:
        change = bool(claim.extra.get("change"))
        period = claim.period or ""
        implied = bool(claim.extra.get("base_implied"))  # "rose 30% in 2020": from 2019
        if "|" in period:
            spans = [span_of(p) for p in period.split("|")]
        else:
            ys = re.fullmatch(r"(\d{4})-(\d{4})", period)
            spans = [year_period(int(ys[1])), year_period(int(ys[2]))] if ys else []
        probe = replace(claim, kind="rate" if "rate" in claim.flags else "count")
        probe.extra = dict(claim.extra)
        probe.extra.pop("per_day", None)
        want, why = self.want(probe)
        if want is None:
            return self.verdict(claim, "unverifiable",
                                why if "money" not in why else "a change in an amount of money")
        if len(spans) != 2 or None in spans:
            return self.verdict(claim, "unverifiable", "the two years being compared are not "
                                "stated")
        if implied:
            claim.extra["period_from"] = "base year implied"
            claim.period_inferred = True
        label = f"{spans[0].label} to {spans[1].label}"
        a = match(self.ev.cube, replace(want, period=spans[0]))
        b = match(self.ev.cube, replace(want, period=spans[1]))
        if a.missing or b.missing:
            return self.verdict(claim, "unverifiable", a.missing or b.missing or "")
        pairs = [(ra, rb) for ra in a.refs for rb in b.refs
                 if ra.series_id == rb.series_id and ra.value]
        if not pairs:
            pairs = [(ra, rb) for ra in a.refs for rb in b.refs
                     if ra.agency == rb.agency and ra.unit == rb.unit and ra.value]
        if not pairs:
            return self.verdict(claim, "unverifiable", f"no values of one series for both "
                                f"{spans[0].label} and {spans[1].label}")
        difference = bool(claim.extra.get("difference"))
        refs = []
        for ra, rb in pairs:
            ratio = rb.value / ra.value
            value = rb.value - ra.value if difference else \
                100 * (ratio - 1) if change else ratio
            status = max(ra.status, rb.status, key=lambda s: STATUS_ORDER.get(s, 9))
            refs.append(replace(rb, value=value, status=status,
                                period=Period(ra.period.start, rb.period.end, "cumulative"),
                                derived=f"{fmt(ra.value)} in {ra.label} → {fmt(rb.value)} in "
                                        f"{rb.label}"))
        tol = Tolerance(rel=0.05) if difference else TOLERANCES["change" if change else "ratio"]
        word = not (change or difference) and claim.half_width == 0 and \
            not re.match(r"\d", claim.quantity_text)

        def describe(r: Ref, short: bool = False) -> str:
            what = (f"a difference of {r.value:+,.0f}" if difference else
                    f"a change of {r.value:+.1f}%" if change else f"a ratio of {r.value:.2f}")
            src = "" if short else f", {self.ev.source_label(r.source_id)}"
            return f"{r.name}: {r.derived} ({r.status}{src}) → {what}"

        if word:
            verdict, best = self._word_ratio(claim, refs, tol)
            reason = describe(best)
            if verdict == "contradicted":
                why = self._why_not_contradicted(claim, want, refs)
                if why:
                    return self.verdict(claim, "unverifiable", f"{reason}; not judged: {why}",
                                        series=best.series_id, ref=round(best.value, 3),
                                        ref_period=label, source=best.source_id)
            note = self._base_note(best.series_id, spans[0].start.year, spans[1].end.year)
            return self.verdict(claim, verdict, reason + (f"; {note}" if note else ""),
                                series=best.series_id, ref=round(best.value, 3),
                                ref_period=label, source=best.source_id)
        v = self._conclude(claim, want, refs, tol, describe,
                           "percent change" if change else "")
        v.reference_period = label
        if isinstance(v.reference_value, float):
            v.reference_value = round(v.reference_value, 3)
        note = self._base_note(v.series or "", spans[0].start.year, spans[1].end.year)
        if note:
            v.reason += "; " + note
        return v

    def _word_ratio(self, claim: Claim, refs: list[Ref], tol: Tolerance) -> tuple[str, Ref]:
        order = {"supported": 0, "approximately_right": 1, "contradicted": 2}
        best: tuple[str, Ref] | None = None
        for r in refs:
            ratio = r.value
            rel = abs(ratio - claim.value) / claim.value
            bounds_ok = {"at_least": ratio >= claim.value * (1 - tol.word_rel),
                         "at_most": ratio <= claim.value * (1 + tol.word_rel)}
            if claim.qualifier in bounds_ok:
                v = "supported" if bounds_ok[claim.qualifier] else "approximately_right" \
                    if rel <= MULTIPLIER_WORD_APPROX else "contradicted"
            else:
                v = "supported" if rel <= tol.word_rel else "approximately_right" \
                    if rel <= MULTIPLIER_WORD_APPROX else "contradicted"
            if best is None or order[v] < order[best[0]]:
                best = (v, r)
        assert best is not None
        return best

    def _base_note(self, series_id: str, y0: int, y1: int) -> str:
        """Flag a comparison that starts at the series' low (or high) point."""
        window = {y: v for y, v in self.ev.values(series_id).items() if y0 - 10 <= y <= y1}
        if len([y for y in window if y < y0]) < 3 or y0 not in window:
            return ""
        first = min(window)
        if window[y0] == min(window.values()):
            return (f"{y0} is the lowest value of the series between {first} and {y1}, so the "
                    "ratio depends on the starting year")
        if window[y0] == max(window.values()):
            return f"{y0} is the highest value of the series between {first} and {y1}"
        return ""

    # -- money ---------------------------------------------------------------------------
    def _money(self, claim: Claim) -> Verdict:
        if claim.topic != "aid":
            return self.verdict(claim, "unverifiable",
                                "an amount of money that is not U.S. assistance to Mexico")
        if claim.unit != "USD":
            return self.verdict(claim, "unverifiable",
                                f"an amount in {claim.unit}; the store holds funding in USD")
        lines = self.ev.funding
        if lines.empty:
            return self.verdict(claim, "unverifiable", "the store holds no funding lines")
        weak: list[str] = []
        sentence = claim.sentence
        para = claim.extra.get("context", "")
        program = None
        for pat, name in ((r"m[ée]rida|security (?:cooperation|assistance)|cooperaci[óo]n "
                           r"(?:en materia )?de seguridad", "Mérida Initiative"),
                          (r"bicentenn?ial|bicentenario", "Bicentennial Framework")):
            if re.search(pat, sentence, re.I):
                program = name
            elif program is None and re.search(pat, para, re.I):
                program = name
                weak.append("the program is named only earlier in the paragraph")
        if program is None:
            if re.search(r"foreign (?:aid|assistance)|u\.s\. (?:aid|assistance)|ayuda|asistencia",
                         sentence, re.I):
                program = "All U.S. foreign assistance"
                weak.append("the text names no program")
            else:
                return self.verdict(claim, "unverifiable",
                                    "the text does not say which program this amount is for")
        lines = lines[lines["program"] == program]
        regional = re.search(r"central america|centroam[ée]rica|caribbean|caribe|haiti|"
                             r"dominican", sentence, re.I)
        if regional:
            lines = lines[lines["recipient"].str.contains("Central America|Caribbean",
                                                          regex=True)]
            weak.append("the amount covers more than Mexico")
        else:
            lines = lines[lines["recipient"] == "Mexico"]
        rs: ReadScope | None = claim.extra.get("scope")
        stage = rs.stage if rs else None
        if stage:
            wanted = ["appropriated", "allocated"] if stage == "appropriated" else [stage]
            lines = lines[lines["stage"].isin(wanted)]
        else:
            weak.append("the text does not say whether the money was requested, "
                        "appropriated, obligated or disbursed")
        years = self._years(claim)
        period = claim.period or ""
        if not years or len(years) > 2:
            return self.verdict(claim, "unverifiable",
                                "no fiscal year or span of years stated for this amount")
        fy0, fy1 = years[0], years[-1]
        if not period.startswith("FY"):
            weak.append(f"a calendar year ({period}) read as a fiscal year")
        if period.endswith("-"):
            # "since FY2008" in a text of date D: the cumulative total as stated up to D
            when = self.article_date
            if when is None:
                totals = lines[(lines["fy_start"] == fy0) & (lines["fy_end"] > fy0)]
                hint = "; ".join(f"{fmt(r['amount_usd'], 'USD')} for FY{r['fy_start']}–"
                                 f"FY{r['fy_end']} ({self.ev.source_label(r['source_id'])})"
                                 for r in totals.sort_values("fy_end").tail(3).to_dict("records"))
                return self.verdict(claim, "unverifiable",
                                    f"a total since FY{fy0} with no date for the text: the "
                                    "total depends on when it was written"
                                    + (f"; cumulative figures: {hint}" if hint else ""))
            fy_now = when.year + (1 if when.month >= 10 else 0)
            cands = lines[(lines["fy_start"] == fy0) & (lines["fy_end"] > fy0) &
                          (lines["fy_end"] <= fy_now)]
            if cands.empty:
                return self.verdict(claim, "unverifiable",
                                    f"no cumulative {program} total from FY{fy0} up to the text's "
                                    f"date ({when.isoformat()}) in the store")
            last = cands["fy_end"].max()
            exact = cands[cands["fy_end"] >= last - 1]
            span = f"FY{fy0}–FY{last} (as of the text's date)"
            weak.append("a running total read against the totals stated up to the text's date")
        else:
            span = f"FY{fy0}" + (f"–FY{fy1}" if fy1 != fy0 else "")
            exact = lines[(lines["fy_start"] == fy0) & (lines["fy_end"] == fy1)]
        if exact.empty:
            return self.verdict(claim, "unverifiable",
                                f"no {stage or 'funding'} figure of the {program} for {span} "
                                f"({'regional' if regional else 'Mexico'}) in the store")
        tol = TOLERANCES["money"]
        judged = []
        for r in exact.to_dict("records"):
            v, dist = judge(claim, float(r["amount_usd"]), tol)
            judged.append((("supported", "approximately_right", "contradicted").index(v), dist,
                           -_source_year(r["source_id"]), v, r))
        judged.sort(key=lambda t: t[:3])
        _, _, _, verdict, best = judged[0]
        approx = str(best["approximate"] or "no")
        qual = "" if approx == "no" else " (" + (
            approx[approx.find("(") + 1:].rstrip(")") if "(" in approx else "approximate") + ")"
        fys = f"FY{best['fy_start']}" + (f"–FY{best['fy_end']}"
                                         if best["fy_end"] != best["fy_start"] else "")
        parts = [f"{self.ev.source_label(best['source_id'])} gives "
                 f"{fmt(best['amount_usd'], 'USD')}{qual} {best['stage']} for {fys} "
                 f"({best['program']}, {best['recipient']})"]
        if verdict != "supported":
            parts.append(f"{claim.quantity_text} is {_off(claim, float(best['amount_usd']), '')}")
        others = {fmt(r["amount_usd"], "USD") for *_, r in judged[1:]} - \
            {fmt(best["amount_usd"], "USD")}
        if others:
            parts.append("other documents give " + ", ".join(sorted(others)))
        if verdict == "contradicted" and weak:
            return self.verdict(claim, "unverifiable",
                                "; ".join(parts) + f"; not judged: {weak[0]}",
                                series="us.aid.mexico", ref=float(best["amount_usd"]),
                                ref_period=span, source=best["source_id"])
        return self.verdict(claim, verdict, "; ".join(parts), series="us.aid.mexico",
                            ref=float(best["amount_usd"]), ref_period=span,
                            source=best["source_id"])

    # -- conversions ---------------------------------------------------------------------
    def _conversion(self, claim: Claim) -> Verdict:
        currency = claim.extra.get("foreign_currency", "")
        sid = self.ev.fx_series(currency)
        if sid is None:
            return self.verdict(claim, "unverifiable",
                                f"no {currency}/USD exchange-rate series in the store")
        year = self.article_date.year if self.article_date else None
        basis = "the article's date"
        if year is None:
            years = self._years(claim)
            if not years:
                return self.verdict(claim, "unverifiable", "no date to take the exchange rate "
                                    "at (the article has no dateline)", series=sid)
            year, basis = years[-1], "the stated period"
        ref = self.ev.annual(sid, year)
        if ref is None:
            return self.verdict(claim, "unverifiable",
                                f"no {currency}/USD rate for {year} ({sid} covers "
                                f"{self.ev.span(sid)})", series=sid)
        claim.period = str(year)
        verdict, _ = judge(claim, ref.value, TOLERANCES["conversion"])
        reason = (f"{claim.quantity_text} implies {claim.value:.2f} {currency} per USD "
                  f"({claim.low:.2f}–{claim.high:.2f} given rounding); the {year} annual "
                  f"average at {basis} is {ref.value:.2f} ({self.ev.source_label(ref.source_id)})")
        prev = self.ev.annual(sid, year - 1)
        if prev:
            reason += f"; {year - 1}: {prev.value:.2f}"
        if verdict != "supported":
            reason += "; daily rates vary around the annual average"
        return self.verdict(claim, verdict, reason, series=sid, ref=ref.value,
                            ref_period=str(year), source=ref.source_id)

    # -- dates -----------------------------------------------------------------------------
    def _date(self, claim: Claim) -> Verdict:
        if claim.extra.get("impossible"):
            claim.kind = "consistency"
            return self.verdict(claim, "contradicted",
                                f"\"{claim.quantity_text}\" is not a calendar date")
        if claim.extra.get("date_kind") == "since":
            return self.verdict(claim, "unverifiable", "a comparison with an open span (\"since "
                                "…\"), which the checker does not evaluate")
        if claim.extra.get("date_kind") not in ("day", "month", "year"):
            return self.verdict(claim, "unverifiable", "a period, not the date of an event")
        found = link_event(self.ev, claim)
        if found is None:
            n = len(self.ev.events)
            return self.verdict(claim, "unverifiable",
                                f"no event in the timeline ({n} events) matches this sentence")
        ev = found.event
        when = str(ev["date"])
        period = claim.period or ""
        if not period:
            return self.verdict(claim, "unverifiable", "no date stated to compare with the "
                                f"timeline's {when} for \"{ev['title']}\"")
        lo, hi = _date_bounds(period)
        # compare at the coarser of the two precisions (a year-precise event in a month span)
        n = min(len(when), len(lo))
        ok = lo[:n] <= when[:n] <= hi[:n]
        label = f"\"{ev['title']}\" ({when}, {self.ev.source_label(ev['source_id'])})"
        if ok and found.same_event:
            return self.verdict(claim, "supported", f"the timeline dates {label}",
                                ref=when, ref_period=when, source=ev["source_id"])
        if ok:
            return self.verdict(claim, "supported",
                                f"the timeline dates {label}; the date fits, though the "
                                "sentence's wording of the action differs from the event's",
                                ref=when, ref_period=when, source=ev["source_id"])
        if not found.same_event:
            return self.verdict(claim, "unverifiable",
                                f"no event with the same actors and action in the timeline; "
                                f"the nearest is {label}", ref=when, ref_period=when,
                                source=ev["source_id"])
        return self.verdict(claim, "contradicted",
                            f"the timeline dates {label}, not {claim.quantity_text}",
                            ref=when, ref_period=when, source=ev["source_id"])


def describe_want(want: Want) -> str:
    """A claim's scope in words, for people and for ``--json``'s ``scope`` key."""
    parts = ["/".join(want.measures), want.units[0] if len(want.units) == 1 else "rate"]
    for name, value in (("drug", want.drug), ("intent", want.intent), ("sex", want.sex),
                        ("age", want.age_group)):
        if value not in (TOTAL, "_Z"):
            parts.append(f"{name}={value}")
    if want.area:
        parts.append(want.area)
    if want.period is not None:
        parts.append(want.period.label)
    if want.per_day:
        parts.append("per day")
    if want.agency:
        parts.append(f"according to {want.agency}")
    if want.status:
        parts.append(want.status)
    return "; ".join(parts)


def _date_bounds(period: str) -> tuple[str, str]:
    """First and last day (ISO text) of a claimed period: 2020, 2020-07, 2020-07-15,
    2018-2021, FY2008 (1 Oct 2007 - 30 Sep 2008) or FY2008-FY2010."""
    if m := re.fullmatch(r"FY(\d{4})(?:-FY(\d{4}))?", period):
        return f"{int(m[1]) - 1}-10-01", f"{m[2] or m[1]}-09-30"
    if m := re.fullmatch(r"(\d{4})-(\d{4})", period):
        return f"{m[1]}-01-01", f"{m[2]}-12-31"
    return period, period


def _stages(flags: frozenset[str]) -> list[str]:
    if "requested" in flags:
        return ["requested"]
    if "disbursed" in flags:
        return ["disbursed"]
    if "obligated" in flags:
        return ["obligated"]
    if "appropriated" in flags:
        return ["appropriated", "allocated"]
    return ["appropriated", "allocated", "obligated", "disbursed"]


def _source_year(source_id: str) -> int:
    m = re.search(r"(19|20)\d\d", source_id)
    return int(m.group()) if m else 0
