"""Charts for the pages, drawn by the brief's own SVG code (``aidwatch.brief.charts``).

``fmt_value`` is the one number format of a chart's hover text and of the table beside it,
so the two can be compared value for value.
"""

from __future__ import annotations

import math
import re

from ..brief import charts
from ..model import period_year
from ..store import Store


def x_of(period: str) -> float:
    """A period as a decimal year on the time axis (2019, FY2019 → 2019; 2019-07 → 2019.5)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if m:
        return int(m.group(1)) + (int(m.group(2)) - 1) / 12
    return float(period_year(period))


def fmt_value(value: float | None, unit: str = "") -> str:
    """One formatting for the chart's hover text and the table (so they can be compared)."""
    if value is None or not math.isfinite(value):
        return "–"
    if unit in ("deaths", "victims", "persons", "USD") or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"


def short_label(label: str, n: int = 30) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def series_figure(n: int, unit: str, lines: list[dict], all_marks: list) -> dict:
    chart_lines, xs = [], []
    for i, ln in enumerate(lines):
        x = [x_of(r["period"]) for r in ln["rows"]]
        y = [r["value"] for r in ln["rows"]]
        tips = [f"{r['period']} · {ln['label']}: {fmt_value(r['value'], unit)} {unit} "
                f"({r['status']})" for r in ln["rows"]]
        ln["key"] = f"l{n}-{i}"
        chart_lines.append(charts.Line(short_label(ln["label"]), x, y, tips,
                                       dashed=all(r["status"] != "final" for r in ln["rows"])
                                       and bool(ln["rows"])))
        xs += x
    periods = sorted({r["period"] for ln in lines for r in ln["rows"]}, key=x_of)
    table = []
    for p in periods:
        cells = []
        for ln in lines:
            row = next((r for r in ln["rows"] if r["period"] == p), None)
            cells.append({"key": ln["key"], "text": fmt_value(row["value"], unit) if row
                          else "", "status": row["status"] if row else "",
                          "note": (row["note"] or "") if row else ""})
        table.append({"period": p, "cells": cells})
    if not xs:
        return {"unit": unit, "lines": lines, "svg": "", "table": table, "empty": True}
    lo, hi = min(xs), max(xs)
    monthly = any(ln["frequency"] == "monthly" for ln in lines)
    x1 = hi + (1 / 12 if monthly else 0.99) if hi > lo else lo + 1
    marks = [m for m in all_marks if lo <= m.start <= x1]
    svg = charts.line_chart(chart_lines, x_domain=(lo, x1), y_label=unit, marks=marks,
                            chart_id=f"chart-{n}")
    return {"unit": unit, "lines": lines, "svg": svg, "table": table, "empty": False,
            "n_marks": len(marks)}


def placebo_figure(s: Store, placebo, at: int) -> dict:
    gaps = placebo.gaps
    names = s.geo_names()
    x = [float(p) for p in gaps.index]
    lines = []
    for col in list(gaps.columns)[1:]:
        lines.append(charts.Line("", x, gaps[col].tolist(),
                                 [f"{p} · placebo {names.get(col, col)}: gap {v:+.2f}"
                                  for p, v in zip(gaps.index, gaps[col], strict=True)],
                                 color=charts.MUTED))
    treated = gaps.columns[0]
    lines.append(charts.Line(names.get(treated, str(treated)), x, gaps[treated].tolist(),
                             [f"{p} · {names.get(treated, treated)}: gap {v:+.2f}"
                              for p, v in zip(gaps.index, gaps[treated], strict=True)],
                             color=charts.PALETTE[1]))
    mark = charts.Mark(at, at, "T", f"Intervention: {at}", strong=True)
    svg = charts.line_chart(lines, x_domain=(min(x), max(x)), y_label="gap, treated minus "
                            "synthetic", marks=[mark], chart_id="fig-placebo")
    return {"title": "In-space placebos: every donor treated in turn",
            "subtitle": f"Gaps (unit minus its synthetic control); {names.get(treated, treated)}"
                        " in colour, placebo units in grey",
            "svg": svg, "notes": [f"p = {placebo.p_value:.2f}: the share of units (Mexico "
                                  f"included) whose post/pre RMSPE ratio is at least "
                                  f"Mexico's; rank {placebo.rank} of {len(placebo.ratios)}."]}


def its_figure(s: Store, sid: str, its) -> dict:
    info = s.series_info(sid)
    cf = its.counterfactual()
    periods = [str(p) for p in cf["period"]]
    x = [x_of(p) for p in periods]

    def line(col: str, label: str, dashed: bool = False, color: str = "") -> charts.Line:
        vals = [float(v) for v in cf[col]]
        return charts.Line(label, x, vals, [f"{p} · {label}: {fmt_value(v)} {info.unit}"
                                            for p, v in zip(periods, vals, strict=True)],
                           dashed=dashed, color=color)

    lines = [line("observed", "observed"), line("fitted", "segmented fit"),
             line("counterfactual", "pre-break trend", dashed=True)]
    marks = [charts.Mark(float(b), float(b), str(b), f"Break: {b}", strong=True)
             for b in its.breaks]
    svg = charts.line_chart(lines, x_domain=(min(x), max(x)), y_label=info.unit, marks=marks,
                            chart_id=f"fig-its-{sid.replace('.', '-')}")
    return {"title": f"{info.name}: interrupted time series fit", "subtitle":
            f"{info.unit}; observed, segmented fit and the pre-break trend continued",
            "svg": svg, "notes": []}
