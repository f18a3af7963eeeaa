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
from dataclasses import dataclass
from datetime import date

from .link import (
    Evidence,
    Ref,
    candidates,
    family_key,
    funding_series,
    link_event,
    panel_candidates,
)
from .records import Claim, Verdict


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

    # -- levels: counts and rates --------------------------------------------------------
    def _years(self, claim: Claim) -> list[int]:
        return [int(y) for y in re.findall(r"\d{4}", claim.period or "")]

    def _subnational(self, claim: Claim) -> Verdict | None:
        place = self.ev.place_in(claim.sentence)
        if place is None:
            return None
        return self.verdict(claim, "unverifiable",
                            f"a figure for {place}; the checker compares national series only "
                            "for this kind of claim")

    def _level(self, claim: Claim) -> Verdict:
        family = family_key(claim)
        if family is None:
            return self.verdict(claim, "unverifiable",
                                "no series in the store measures what this number counts")
        place = self.ev.place_in(claim.sentence)
        if place is not None:
            geo = self.ev.places[place]
            if family.startswith("homicide."):
                family = "homicide.mx" if geo.startswith("MX-") else "homicide.us"
            ids = panel_candidates(self.ev, family, claim.kind, geo)
            if not ids:
                return self.verdict(claim, "unverifiable",
                                    f"a figure for {place}; the store holds no {claim.kind} "
                                    f"series by state for {family}")
        else:
            ids = candidates(self.ev, family, claim.kind, claim.flags)
        if not ids:
            return self.verdict(claim, "unverifiable",
                                f"the store holds no {claim.kind} series for {family}")
        years = self._years(claim)
        if (claim.period or "").endswith("-"):
            return self.verdict(claim, "unverifiable",
                                f"a total over an open span (since {years[0]}); the store "
                                "holds annual figures", series=ids[0])
        if len(years) != 1 or (claim.period or "").startswith("FY"):
            return self.verdict(claim, "unverifiable", "no single year stated for this figure",
                                series=ids[0])
        year = years[0]
        refs = [r for sid in ids if (r := self.ev.annual(sid, year))]
        primary_id = ids[0]
        primary = next((r for r in refs if r.series_id == primary_id.partition("@")[0]), None)
        substitute = None
        if primary is None:
            # a provisional figure of the same definition may stand in for a missing final one
            substitute = next((r for r in refs if r.variants == frozenset({"provisional"})),
                              None)
            if substitute is None:
                where = primary_id.partition("@")
                return self.verdict(
                    claim, "unverifiable",
                    f"no value for {year} in {where[0]}"
                    f"{' for ' + self.ev.place_names.get(where[2], where[2]) if where[2] else ''}"
                    f" (covers {self.ev.span(primary_id)})", series=primary_id)
            primary = substitute
        tol = TOLERANCES[claim.kind]
        verdict, _ = judge(claim, primary.value, tol)
        others = sorted((r for r in refs if r is not primary),
                        key=lambda r: abs(r.value - (claim.value or 0)))
        matches = [r for r in others if judge(claim, r.value, tol)[0] == "supported"]
        same_definition = [r for r in matches if r.variants == frozenset({"provisional"})]
        chosen = primary
        if verdict != "supported" and same_definition:
            if substitute is not None:
                # no final figure: a published provisional figure of the same definition
                verdict, chosen = "supported", same_definition[0]
            elif verdict == "contradicted":
                verdict = "approximately_right"
        parts = [self._describe(chosen)]
        if substitute is not None:
            parts.append("no final figure in the store; compared with the provisional one")
        if judge(claim, chosen.value, tol)[0] != "supported":
            parts.append(f"{claim.quantity_text} is {_off(claim, chosen.value, '')}")
        shown = [r for r in matches if r is not chosen][:2]
        if shown:
            parts.append("it matches " + "; ".join(self._describe(r, short=True)
                                                   for r in shown))
        elif verdict != "supported":
            parts.append("it matches no figure in the store")
        near = [r for r in others if r is not chosen and r not in shown and verdict !=
                "supported" and judge(claim, r.value, tol)[0] == "approximately_right"
                ][:2 - len(shown)]
        parts += [self._describe(r, short=True) for r in near]
        return self.verdict(claim, verdict, "; ".join(parts), series=chosen.series_id,
                            ref=chosen.value, ref_period=chosen.period,
                            source=chosen.source_id)

    def _describe(self, ref: Ref, short: bool = False) -> str:
        label = self.ev.source_label(ref.source_id)
        status = ref.status if ref.status != "final" or short else "final"
        text = f"{ref.name}, {ref.period}: {fmt(ref.value)} ({status}"
        return text + (")" if short else f", {label})")

    # -- shares ------------------------------------------------------------------------------
    def _share(self, claim: Claim) -> Verdict:
        family = family_key(claim)
        if local := self._subnational(claim):
            return local
        if family is None or claim.extra.get("denominator") != "overdose":
            return self.verdict(claim, "unverifiable",
                                "no series in the store gives the whole this share is of")
        years = self._years(claim)
        if len(years) != 1:
            return self.verdict(claim, "unverifiable", "no single year stated for this share")
        year = years[0]
        direct = candidates(self.ev, family, "share", claim.flags)
        refs: list[tuple[float, str, str, Ref | None, Ref | None, frozenset[str]]] = []
        for sid in direct:
            if r := self.ev.annual(sid, year):
                refs.append((r.value, sid, r.source_id, None, None, r.variants))
        nums = candidates(self.ev, family, "count", claim.flags)
        dens = candidates(self.ev, "overdose", "count", claim.flags)
        for n in nums:
            for d in dens:
                if self.ev.stem(n) != self.ev.stem(d):
                    continue
                rn, rd = self.ev.annual(n, year), self.ev.annual(d, year)
                if rn and rd and rd.value:
                    refs.append((100 * rn.value / rd.value, f"{n} / {d}", rn.source_id, rn, rd,
                                 self.ev.variants_of(n)))
        if not refs:
            sid = nums[0] if nums else None
            return self.verdict(claim, "unverifiable",
                                f"no {family} and total overdose counts for {year} in the store"
                                + (f" ({sid} covers {self.ev.span(sid)})" if sid else ""),
                                series=sid)
        refs.sort(key=lambda r: len(r[5]))
        tol = TOLERANCES["share"]
        verdict, _ = judge(claim, refs[0][0], tol)
        chosen = refs[0]
        others = sorted(refs[1:], key=lambda r: abs(r[0] - (claim.value or 0)))
        matches = [r for r in others if judge(claim, r[0], tol)[0] == "supported"]
        same_definition = [r for r in matches if r[5] == frozenset({"provisional"})]
        if verdict != "supported" and same_definition:
            if "provisional" in chosen[5]:
                verdict, chosen = "supported", same_definition[0]
            elif verdict == "contradicted":
                verdict = "approximately_right"
        value, sid, source, rn, rd, variants = chosen
        parts = [self._share_text(chosen, year)]
        if judge(claim, value, tol)[0] != "supported":
            parts.append(f"{claim.quantity_text} is {_off(claim, value, 'percent')}")
        for alt in [r for r in others if r is not chosen][:2]:
            parts.append(("it matches " if alt in matches else "") +
                         self._share_text(alt, year, short=True))
        return self.verdict(claim, verdict, "; ".join(parts), series=sid, ref=round(value, 3),
                            ref_period=str(year), source=source)

    def _share_text(self, ref: tuple, year: int, short: bool = False) -> str:
        value, sid, source, rn, rd, variants = ref
        if not (rn and rd):
            return f"{self.ev.info[sid]['name']}, {year}: {value:.1f}%"
        if short:
            tail = rn.name.rsplit(",", 1)[-1].strip()
            kind = f"provisional counts ({tail})" if "provisional" in variants else "final counts"
            return f"{kind}: {fmt(rn.value)} / {fmt(rd.value)} = {value:.1f}%"
        what = "provisional" if "provisional" in variants else "final"
        return (f"{rn.name} / all overdose deaths, {year}: {fmt(rn.value)} / {fmt(rd.value)} = "
                f"{value:.1f}% ({what} counts, {self.ev.source_label(source)})")

    # -- ratios and changes ------------------------------------------------------------------
    def _ratio(self, claim: Claim) -> Verdict:
        family = family_key(claim)
        change = bool(claim.extra.get("change"))
        if local := self._subnational(claim):
            return local
        if family is None:
            return self.verdict(claim, "unverifiable",
                                "no series in the store measures what changed")
        years = self._years(claim)
        if len(years) != 2:
            return self.verdict(claim, "unverifiable", "the two years being compared are not "
                                "stated")
        klass = "rate" if "rate" in claim.flags else "count"
        ids = candidates(self.ev, family, klass, claim.flags)
        for sid in ids:
            a, b = self.ev.annual(sid, years[0]), self.ev.annual(sid, years[1])
            if a and b and a.value:
                break
        else:
            sid = ids[0] if ids else None
            return self.verdict(claim, "unverifiable",
                                f"no {klass} values for both {years[0]} and {years[1]}" +
                                (f" ({sid} covers {self.ev.span(sid)})" if sid else ""),
                                series=sid)
        ratio = b.value / a.value
        tol = TOLERANCES["change" if change else "ratio"]
        if change:
            ref = 100 * (ratio - 1)
            verdict, _ = judge(claim, ref, tol)
            stated = f"a change of {ref:+.1f}%"
        else:
            ref = ratio
            word = claim.half_width == 0 and not re.match(r"\d", claim.quantity_text)
            if word:
                rel = abs(ratio - claim.value) / claim.value
                bounds_ok = {"at_least": ratio >= claim.value * (1 - tol.word_rel),
                             "at_most": ratio <= claim.value * (1 + tol.word_rel)}
                if claim.qualifier in bounds_ok:
                    verdict = "supported" if bounds_ok[claim.qualifier] else \
                        "approximately_right" if rel <= MULTIPLIER_WORD_APPROX else \
                        "contradicted"
                else:
                    verdict = "supported" if rel <= tol.word_rel else "approximately_right" \
                        if rel <= MULTIPLIER_WORD_APPROX else "contradicted"
            else:
                verdict, _ = judge(claim, ratio, tol)
            stated = f"a ratio of {ratio:.2f}"
        name = self.ev.info[sid]["name"]
        reason = (f"{name}: {fmt(a.value)} in {a.period}, {fmt(b.value)} in {b.period} "
                  f"({a.status}, {self.ev.source_label(a.source_id)}) → {stated}")
        note = self._base_note([sid, *ids], years[0], years[1])
        if note:
            reason += "; " + note
        return self.verdict(claim, verdict, reason, series=sid, ref=round(ref, 3),
                            ref_period=f"{years[0]}-{years[1]}", source=a.source_id)

    def _base_note(self, ids: list[str], y0: int, y1: int) -> str:
        """Flag a comparison that starts at the series' low (or high) point, read from the
        series of the family with the longest history around the starting year."""
        windows = [{y: v for y, v in self.ev.values(sid).items() if y0 - 10 <= y <= y1}
                   for sid in ids]
        window = max(windows, key=lambda w: (len([y for y in w if y < y0]), len(w)))
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
        years = self._years(claim)
        if not years or len(years) > 2:
            return self.verdict(claim, "unverifiable",
                                "no fiscal year or span of years stated for this amount")
        fy0, fy1 = years[0], years[-1]
        ids = funding_series(self.ev, claim)
        if not ids:
            return self.verdict(claim, "unverifiable", "the store holds no funding series")
        sid = ids[0]
        lines = self.ev.funding_lines(sid)
        stages = _stages(claim.flags)
        if not lines.empty:
            lines = lines[lines["stage"].isin(stages)]
        if (claim.period or "").endswith("-"):
            since = lines[(lines["fy_start"] == fy0) & (lines["fy_end"] > fy0)] \
                if not lines.empty else lines
            hint = "; ".join(f"{fmt(r['amount_usd'], 'USD')} for FY{r['fy_start']}–"
                             f"FY{r['fy_end']} ({self.ev.source_label(r['source_id'])})"
                             for r in since.sort_values("fy_end").tail(3).to_dict("records"))
            return self.verdict(claim, "unverifiable",
                                f"an open span (since {fy0}) has no end year to compare with"
                                + (f"; cumulative figures: {hint}" if hint else ""), series=sid)
        span = f"FY{fy0}" + (f"–FY{fy1}" if fy1 != fy0 else "")
        exact = lines[(lines["fy_start"] == fy0) & (lines["fy_end"] == fy1)] \
            if not lines.empty else lines
        if exact.empty:
            near = lines[((lines["fy_start"] - fy0).abs() <= 1) &
                         ((lines["fy_end"] - fy1).abs() <= 1)] if not lines.empty else lines
            hint = "; ".join(f"{fmt(r['amount_usd'], 'USD')} for FY{r['fy_start']}"
                             f"{'–FY' + str(r['fy_end']) if r['fy_end'] != r['fy_start'] else ''}"
                             f" ({self.ev.source_label(r['source_id'])})"
                             for r in near.head(3).to_dict("records"))
            return self.verdict(claim, "unverifiable",
                                f"no {'/'.join(stages)} figure for {span} in {sid}"
                                + (f"; nearby spans: {hint}" if hint else ""), series=sid)
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
        parts = [f"{self.ev.source_label(best['source_id'])} gives "
                 f"{fmt(best['amount_usd'], 'USD')}{qual} {best['stage']} for {span}"]
        if verdict != "supported":
            parts.append(f"{claim.quantity_text} is {_off(claim, float(best['amount_usd']), '')}")
        others = {fmt(r["amount_usd"], "USD") for *_, r in judged[1:]} - \
            {fmt(best["amount_usd"], "USD")}
        if others:
            parts.append("other documents give " + ", ".join(sorted(others)))
        return self.verdict(claim, verdict, "; ".join(parts), series=sid,
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
        match = link_event(self.ev, claim)
        if match is None:
            n = len(self.ev.events)
            return self.verdict(claim, "unverifiable",
                                f"no event in the timeline ({n} events) matches this sentence")
        ev = match.event
        when = str(ev["date"])
        period = claim.period or ""
        if not period:
            return self.verdict(claim, "unverifiable", "no date stated to compare with the "
                                f"timeline's {when} for \"{ev['title']}\"")
        lo, hi = _date_bounds(period)
        # compare at the coarser of the two precisions (a year-precise event in a month span)
        n = min(len(when), len(lo))
        ok = lo[:n] <= when[:n] <= hi[:n]
        verdict = "supported" if ok else "contradicted"
        reason = (f"the timeline dates \"{ev['title']}\" to {when} "
                  f"({self.ev.source_label(ev['source_id'])})")
        if not ok:
            reason += f", not {claim.quantity_text}"
        return self.verdict(claim, verdict, reason, series=None, ref=when,
                            ref_period=when, source=ev["source_id"])


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
