"""Consistency inside one text: dateline against wire ids and reported events, weekday,
and percentages or ratios that must follow from the article's own numbers.

These findings need no evidence base; they use the same ``Verdict`` shape with
``kind = "consistency"``.
"""

from __future__ import annotations

import re
from datetime import date

from .document import WEEKDAYS, Document
from .records import Claim, Verdict

DATE_SLACK_DAYS = 2  # a wire id stamped a day or two after the dateline is normal


def _finding(doc: Document, start: int, end: int, text: str, verdict: str, reason: str,
             ref: str | float | None, period: str | None, article: str, snapshot: str,
             source: str | None = None) -> Verdict:
    sent = next((s for s in doc.sentences if s.start <= start < s.end), None)
    claim = Claim(kind="consistency", sentence=sent.text if sent else text,
                  sentence_start=sent.start if sent else start,
                  sentence_end=sent.end if sent else end, start=start, end=end,
                  quantity_text=text, value=None, unit="", period=period)
    return Verdict(claim=claim, verdict=verdict, reason=reason, reference_value=ref,
                   reference_period=period, source=source, snapshot=snapshot, article=article)


def _period_start(period: str) -> date | None:
    m = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$", period)
    if not m:
        return None
    return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))


def check_consistency(doc: Document, claims: list[Claim], article: str = "-",
                      snapshot: str = "") -> list[Verdict]:
    """Findings about the text's own coherence (dateline, weekday, arithmetic)."""
    out: list[Verdict] = []
    meta = doc.metadata
    if meta.dateline and meta.dateline_span:
        s, e = meta.dateline_span
        when = meta.dateline.isoformat()
        if meta.weekday_stated and WEEKDAYS.get(meta.weekday_stated) is not None and \
                WEEKDAYS[meta.weekday_stated] != meta.dateline.weekday():
            out.append(_finding(doc, s, e, meta.dateline_text, "contradicted",
                                f"the dateline says {meta.weekday_stated.title()} but "
                                f"{when} was a {meta.dateline.strftime('%A')}",
                                meta.dateline.strftime("%A"), when, article, snapshot))
        for name, text, encoded, _, _ in meta.encoded_dates:
            gap = (encoded - meta.dateline).days
            label = f"the {name} id {text}" if name != "URL" else f"the URL {text}"
            if abs(gap) <= DATE_SLACK_DAYS:
                out.append(_finding(doc, s, e, meta.dateline_text, "supported",
                                    f"{label} encodes {encoded.isoformat()}, matching the "
                                    "dateline", encoded.isoformat(), when, article, snapshot,
                                    source=f"{name} id in the text"))
            else:
                out.append(_finding(
                    doc, s, e, meta.dateline_text, "contradicted",
                    f"dateline problem: the article is dated {when} but {label} encodes "
                    f"{encoded.isoformat()} ({abs(gap)} days {'later' if gap > 0 else 'earlier'})",
                    encoded.isoformat(), when, article, snapshot,
                    source=f"{name} id in the text"))
        for c in claims:
            if c.kind not in ("date",) and not (c.kind in ("count", "rate", "share", "ratio")
                                                and c.period and not c.period_inferred):
                continue
            period = c.period or ""
            last = period.split("-")[-1] if re.fullmatch(r"\d{4}-\d{4}", period) else period
            start = _period_start(last) if c.kind == "date" else None
            if c.kind != "date":
                years = re.findall(r"\d{4}", period)
                start = date(int(years[-1]), 1, 1) if years else None
            if start and start > meta.dateline:
                what = "an event of" if c.kind == "date" else "figures for"
                out.append(_finding(doc, c.start, c.end, c.quantity_text, "contradicted",
                                    f"the article is dated {when} but reports {what} "
                                    f"{c.quantity_text}", when, last, article, snapshot,
                                    source="the article's dateline"))
    out.extend(_arithmetic(doc, claims, article, snapshot))
    return out


def _shares(doc: Document, claims: list[Claim], article: str, snapshot: str) -> list[Verdict]:
    """"74,702 (69.4%) of 107,543 deaths": a share stated next to its part and its whole
    (the whole may be the last larger count earlier in the paragraph: "of these deaths")."""
    out = []
    counts = [c for c in claims if c.kind == "count" and c.value]
    for s in (c for c in claims if c.kind == "share" and c.value is not None):
        part = next((c for c in counts if c.sentence_start == s.sentence_start and
                     (0 <= s.start - c.end <= 3 or 0 <= c.start - s.end <= 3)), None)
        if part is None:
            continue
        para = s.extra.get("paragraph")
        wholes = [c for c in counts if c is not part and c.value > part.value and
                  c.start < s.start and (c.sentence_start == s.sentence_start or
                                         c.extra.get("paragraph") == para)]
        wholes += [c for c in counts if c is not part and c.value > part.value and
                   c.sentence_start == s.sentence_start and c.start > s.start]
        if not wholes:
            continue
        whole = wholes[-1] if wholes[-1].start < s.start else wholes[0]
        implied = 100 * part.value / whole.value
        ok = abs(implied - s.value) <= max(s.half_width + 0.05, 0.5 if s.qualifier == "approx"
                                           else 0.1)
        out.append(_finding(
            doc, s.start, s.end, s.quantity_text, "supported" if ok else "contradicted",
            f"the article's own figures {part.quantity_text} of {whole.quantity_text} give "
            f"{implied:.1f}%; it says {s.quantity_text}", round(implied, 3), s.period,
            article, snapshot, source="the article's own figures"))
    return out


def _arithmetic(doc: Document, claims: list[Claim], article: str,
                snapshot: str) -> list[Verdict]:
    """A ratio or percent change stated next to the two numbers it should follow from."""
    out = _shares(doc, claims, article, snapshot)
    by_sentence: dict[int, list[Claim]] = {}
    for c in claims:
        by_sentence.setdefault(c.sentence_start, []).append(c)
    for group in by_sentence.values():
        levels = [c for c in group if c.kind in ("count", "rate", "money") and c.value]
        for r in (c for c in group if c.kind == "ratio" and c.value is not None):
            same = [c for c in levels if c.unit == levels[0].unit] if levels else []
            if len(same) < 2:
                continue
            pair = _base_and_current(r, same, doc)
            if pair is None:
                continue  # which figure is the base is not known: no finding
            a, b = pair
            actual = b.value / a.value
            if r.extra.get("change"):
                implied, stated = 100 * (actual - 1), r.value
                tol = max(abs(stated) * 0.05, r.half_width, 1.0)
                ok = abs(implied - stated) <= tol
                desc = f"{implied:+.1f}%"
            else:
                implied, stated = actual, r.value
                if not stated or stated < 0:
                    continue  # "0 times" or a negative ratio: nothing to compare with
                ok = abs(implied - stated) / stated <= (0.15 if r.half_width == 0 else 0.05)
                desc = f"a ratio of {implied:.2f}"
            out.append(_finding(
                doc, r.start, r.end, r.quantity_text, "supported" if ok else "contradicted",
                f"the article's own figures {a.quantity_text} and {b.quantity_text} give "
                f"{desc}; it says {r.quantity_text}", round(implied, 3), r.period, article,
                snapshot, source="the article's own figures"))
    return out


def _base_and_current(ratio: Claim, levels: list[Claim], doc: Document
                      ) -> tuple[Claim, Claim] | None:
    """The base and the compared figure of a stated change: by the change's years ("4% more
    than the year before (32,252 in 2023)"), else "from A to B" in reading order."""
    years = re.fullmatch(r"(\d{4})-(\d{4})", ratio.period or "")
    if years:
        base = [c for c in levels if c.period == years[1]]
        current = [c for c in levels if c.period == years[2]]
        if len(base) == 1 and len(current) == 1:
            return base[0], current[0]
    a, b = levels[0], levels[-1]
    between = doc.text[a.end:b.start]
    if re.search(r"\bto\b|\ba\b|\bhasta\b", between) and re.search(
            r"\bfrom\b|\bde\b|\bdesde\b", doc.text[max(0, a.start - 30):a.start], re.I):
        return a, b
    return None
