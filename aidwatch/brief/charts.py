"""Charts as inline SVG: drawn in Python, readable without a network, with hover values.

Each chart is a plain ``<svg>`` string. Every hoverable mark carries ``data-tip`` (shown by
the brief's small inline script) and a ``<title>`` (the browser's own tooltip and what a
screen reader reads), so the values stay reachable even with scripts off.
No numbers are typed in here except layout (pixels) and tick arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

PALETTE = ("#1f5f9e", "#c4452c", "#2e8b57", "#8a5fbf", "#d08c00", "#5f7d8c", "#b8487f",
           "#3b9ab2")
MUTED = "#9aa5ad"
WIDTH, HEIGHT = 760, 330
MARGIN_L, MARGIN_R, MARGIN_B = 72, 150, 36


@dataclass
class Line:
    """One line of a line chart: x as decimal years, y values (None = gap)."""

    label: str
    x: Sequence[float]
    y: Sequence[float | None]
    tips: Sequence[str]
    color: str = ""
    dashed: bool = False


@dataclass
class Mark:
    """A dated event (or intervention) on the time axis: a rule (day) or a span."""

    start: float
    end: float
    label: str
    tip: str
    strong: bool = False


@dataclass
class Segment:
    label: str
    value: float
    tip: str


@dataclass
class Bar:
    label: str
    segments: list[Segment] = field(default_factory=list)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (about ``n`` of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi - lo <= max(abs(lo), abs(hi), 1.0) * 1e-9:
        hi = lo + (abs(lo) if abs(lo) > 1e-9 else 1.0)
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first, last = math.floor(lo / step), math.ceil(hi / step)
    # Multiples of the step (no accumulated float error); tidy the binary noise away.
    return [float(f"{k * step:.12g}") for k in range(first, last + 1)]


def compact(value: float, money: bool = False) -> str:
    """Axis label text: 120k, 1.5M, $2B."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            text = f"{v / div:.1f}".rstrip("0").rstrip(".") + suffix
            break
    else:
        text = f"{v:.1f}".rstrip("0").rstrip(".") if v % 1 else f"{v:.0f}"
    return f"{sign}${text}" if money else f"{sign}{text}"


def _year_ticks(x0: float, x1: float, width: float) -> list[int]:
    span = max(1, int(x1 - x0))
    per = max(1, math.ceil(span / max(1, width / 48)))
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50) if s >= per)
    first = math.ceil(x0 / step) * step
    return list(range(int(first), int(x1) + 1, step))


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _lanes(marks: Sequence[Mark], sx, min_gap: float) -> list[tuple[list[Mark], int]]:
    """Group marks whose labels would collide, then alternate groups between two lanes."""
    groups: list[list[Mark]] = []
    for m in sorted(marks, key=lambda m: (m.start, m.label)):
        if groups and sx(m.start) - sx(groups[-1][0].start) < min_gap:
            groups[-1].append(m)
        else:
            groups.append([m])
    return [(g, i % 2) for i, g in enumerate(groups)]


def line_chart(lines: Sequence[Line], *, x_domain: tuple[float, float], y_label: str,
               marks: Sequence[Mark] = (), money: bool = False, chart_id: str = "c",
               x_label_fmt=None, shade: tuple[float, float] | None = None,
               shade_label: str = "") -> str:
    """A multi-line time chart with hover columns, labelled line ends and event markers."""
    x0, x1 = x_domain
    strip = 34 if marks else 8
    top = 22 + strip
    right = min(240, max([MARGIN_R - 60] + [int(len(ln.label) * 7.3) + 14 for ln in lines]))
    plot_w = WIDTH - MARGIN_L - right
    plot_h = HEIGHT - top - MARGIN_B
    ys = [v for ln in lines for v in ln.y if v is not None and math.isfinite(v)]
    lo = min(min(ys), 0.0) if ys else 0.0  # the y axis always starts at zero (or below)
    hi = max(ys) if ys else 1.0
    ticks = nice_ticks(lo, hi)
    y_lo, y_hi = ticks[0], ticks[-1]

    def sx(x: float) -> float:
        return MARGIN_L + (x - x0) / ((x1 - x0) or 1) * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y - y_lo) / ((y_hi - y_lo) or 1) * plot_h

    out = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'role="img" aria-label="{_attr(y_label)}" xmlns="http://www.w3.org/2000/svg">']
    out.append(f'<text class="axis-label" x="4" y="12">{escape(y_label)}</text>')
    if shade:
        a, b = sx(max(shade[0], x0)), sx(min(shade[1], x1))
        out.append(f'<rect class="shade" x="{a:.1f}" y="{top}" width="{max(b - a, 0):.1f}" '
                   f'height="{plot_h}"><title>{escape(shade_label)}</title></rect>')
        out.append(f'<text class="shade-label" x="{a + 4:.1f}" y="{top + 12}">'
                   f'{escape(shade_label)}</text>')
    for t in ticks:
        out.append(f'<line class="grid" x1="{MARGIN_L}" x2="{MARGIN_L + plot_w}" '
                   f'y1="{sy(t):.1f}" y2="{sy(t):.1f}"/>')
        out.append(f'<text class="tick" x="{MARGIN_L - 6}" y="{sy(t) + 4:.1f}" '
                   f'text-anchor="end">{compact(t, money)}</text>')
    for yr in _year_ticks(x0, x1, plot_w):
        label = x_label_fmt(yr) if x_label_fmt else str(yr)
        out.append(f'<line class="xtick" x1="{sx(yr):.1f}" x2="{sx(yr):.1f}" '
                   f'y1="{top + plot_h}" y2="{top + plot_h + 4}"/>')
        out.append(f'<text class="tick" x="{sx(yr):.1f}" y="{top + plot_h + 17}" '
                   f'text-anchor="middle">{escape(label)}</text>')
    out.append(f'<line class="axis" x1="{MARGIN_L}" x2="{MARGIN_L + plot_w}" '
               f'y1="{top + plot_h}" y2="{top + plot_h}"/>')
    # Events: a rule for a day, a span for a month or a year; numbered labels in two lanes.
    for group, lane in _lanes(marks, sx, 22):
        for m in group:
            a, b = sx(max(m.start, x0)), sx(min(m.end, x1))
            cls = "mark strong" if m.strong else "mark"
            if b - a > 1.5:
                out.append(f'<rect class="{cls} span" x="{a:.1f}" y="{top}" '
                           f'width="{b - a:.1f}" height="{plot_h}"/>')
            else:
                out.append(f'<line class="{cls}" x1="{a:.1f}" x2="{a:.1f}" y1="{top - 4}" '
                           f'y2="{top + plot_h}"/>')
        label = group[0].label if len(group) == 1 else f"{group[0].label}–{group[-1].label}"
        tip = " | ".join(m.tip for m in group)
        lx = sx(group[0].start)
        ly = top - 8 - lane * 14
        w = 7 * len(label) + 6
        out.append(f'<g class="mark-label" data-tip="{_attr(tip)}"><title>{escape(tip)}</title>'
                   f'<rect x="{lx - w / 2:.1f}" y="{ly - 10}" width="{w}" height="13" rx="2"/>'
                   f'<text x="{lx:.1f}" y="{ly}" text-anchor="middle">{escape(label)}</text></g>')
    ends: list[tuple[float, str, str]] = []
    for i, ln in enumerate(lines):
        color = ln.color or PALETTE[i % len(PALETTE)]
        pts = [(sx(x), sy(y)) for x, y in zip(ln.x, ln.y, strict=True)
               if y is not None and math.isfinite(y)]
        if not pts:
            continue
        path = " ".join(f"{'M' if j == 0 else 'L'}{px:.1f},{py:.1f}"
                        for j, (px, py) in enumerate(pts))
        dash = ' stroke-dasharray="5 4"' if ln.dashed else ""
        out.append(f'<path class="line" d="{path}" stroke="{color}"{dash}/>')
        for (px, py), tip in zip(pts, [t for t, y in zip(ln.tips, ln.y, strict=True)
                                       if y is not None and math.isfinite(y)], strict=True):
            out.append(f'<circle class="pt" cx="{px:.1f}" cy="{py:.1f}" r="2.6" fill="{color}" '
                       f'data-tip="{_attr(tip)}"><title>{escape(tip)}</title></circle>')
        ends.append((pts[-1][1], ln.label, color))
    # Line-end labels, pushed apart vertically so they never overlap.
    ends.sort()
    placed: list[float] = []
    for y, label, color in ends:
        y = max(y, placed[-1] + 13) if placed else y
        placed.append(y)
        out.append(f'<text class="end-label" x="{MARGIN_L + plot_w + 6}" y="{y + 4:.1f}" '
                   f'fill="{color}">{escape(label)}</text>')
    # Hover columns: one per x, listing every line's value there.
    xs = sorted({x for ln in lines for x in ln.x})
    for k, x in enumerate(xs):
        left = (sx(xs[k - 1]) + sx(x)) / 2 if k else sx(x) - 4
        right = (sx(xs[k + 1]) + sx(x)) / 2 if k + 1 < len(xs) else sx(x) + 4
        rows = [ln.tips[list(ln.x).index(x)] for ln in lines
                if x in ln.x and ln.y[list(ln.x).index(x)] is not None]
        if not rows:
            continue
        tip = " | ".join(rows)
        out.append(f'<rect class="hover" x="{left:.1f}" y="{top}" width="{right - left:.1f}" '
                   f'height="{plot_h}" data-tip="{_attr(tip)}"/>')
    out.append("</svg>")
    return "\n".join(out)


def stacked_bars(bars: Sequence[Bar], *, y_label: str, money: bool = True,
                 chart_id: str = "c", colors: dict[str, str] | None = None) -> str:
    """Vertical stacked bars, one per category, with a legend and hover values per segment."""
    top = 22
    plot_w = WIDTH - MARGIN_L - 20
    plot_h = HEIGHT - top - MARGIN_B
    totals = [sum(s.value for s in b.segments) for b in bars] or [1.0]
    ticks = nice_ticks(0.0, max(totals) or 1.0)
    y_hi = ticks[-1] or 1.0
    labels = list(dict.fromkeys(s.label for b in bars for s in b.segments))
    colors = dict(colors or {})
    for i, label in enumerate(labels):
        colors.setdefault(label, PALETTE[i % len(PALETTE)])
    legend, lx, ly = [], MARGIN_L, HEIGHT + 4
    for label in labels:
        w = 22 + int(len(label) * 6.8)
        if lx + w > WIDTH - 10 and lx > MARGIN_L:
            lx, ly = MARGIN_L, ly + 17
        legend.append(f'<rect x="{lx}" y="{ly - 10}" width="11" height="11" '
                      f'fill="{colors[label]}"/><text class="legend" x="{lx + 16}" '
                      f'y="{ly}">{escape(label)}</text>')
        lx += w + 14
    height = ly + 10

    def sy(y: float) -> float:
        return top + plot_h - y / y_hi * plot_h

    out = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'aria-label="{_attr(y_label)}" xmlns="http://www.w3.org/2000/svg">',
           f'<text class="axis-label" x="4" y="12">{escape(y_label)}</text>']
    for t in ticks:
        out.append(f'<line class="grid" x1="{MARGIN_L}" x2="{MARGIN_L + plot_w}" '
                   f'y1="{sy(t):.1f}" y2="{sy(t):.1f}"/>')
        out.append(f'<text class="tick" x="{MARGIN_L - 6}" y="{sy(t) + 4:.1f}" '
                   f'text-anchor="end">{compact(t, money)}</text>')
    n = max(len(bars), 1)
    slot = plot_w / n
    bw = min(slot * 0.7, 46)
    every = max(1, math.ceil(n / (plot_w / 40)))
    for i, bar in enumerate(bars):
        cx = MARGIN_L + slot * (i + 0.5)
        y = 0.0
        if not bar.segments:
            out.append(f'<text class="na" x="{cx:.1f}" y="{top + plot_h - 4}" '
                       f'text-anchor="middle">n/a<title>{escape(bar.label)}: no figure in the '
                       f'evidence base</title></text>')
        for seg in bar.segments:
            y0, y1 = sy(y), sy(y + seg.value)
            out.append(f'<rect class="seg" x="{cx - bw / 2:.1f}" y="{y1:.1f}" width="{bw:.1f}" '
                       f'height="{max(y0 - y1, 0.5):.1f}" fill="{colors[seg.label]}" '
                       f'data-tip="{_attr(seg.tip)}"><title>{escape(seg.tip)}</title></rect>')
            y += seg.value
        if i % every == 0:
            out.append(f'<text class="tick" x="{cx:.1f}" y="{top + plot_h + 17}" '
                       f'text-anchor="middle">{escape(bar.label)}</text>')
    out.append(f'<line class="axis" x1="{MARGIN_L}" x2="{MARGIN_L + plot_w}" '
               f'y1="{top + plot_h}" y2="{top + plot_h}"/>')
    out.extend(legend)
    out.append("</svg>")
    return "\n".join(out)


def interval_glyph(effect: float, lo: float | None, hi: float | None, *, tip: str,
                   width: int = 180, height: int = 26) -> str:
    """A one-row interval plot (point, whiskers, zero line) scaled to its own range."""
    vals = [v for v in (effect, lo, hi, 0.0) if v is not None and math.isfinite(v)]
    a, b = min(vals), max(vals)
    pad = (b - a) * 0.08 or 1.0
    a, b = a - pad, b + pad

    def sx(v: float) -> float:
        return 6 + (v - a) / (b - a) * (width - 12)

    mid = height / 2
    parts = [f'<svg class="glyph" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg" data-tip="{_attr(tip)}">'
             f'<title>{escape(tip)}</title>',
             f'<line class="zero" x1="{sx(0):.1f}" x2="{sx(0):.1f}" y1="2" y2="{height - 2}"/>']
    if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
        parts.append(f'<line class="ci" x1="{sx(lo):.1f}" x2="{sx(hi):.1f}" y1="{mid}" '
                     f'y2="{mid}"/><line class="ci" x1="{sx(lo):.1f}" x2="{sx(lo):.1f}" '
                     f'y1="{mid - 5}" y2="{mid + 5}"/><line class="ci" x1="{sx(hi):.1f}" '
                     f'x2="{sx(hi):.1f}" y1="{mid - 5}" y2="{mid + 5}"/>')
    parts.append(f'<circle class="est" cx="{sx(effect):.1f}" cy="{mid}" r="4"/></svg>')
    return "".join(parts)
