"""Charts for the estimators (matplotlib, Agg backend): intervention marked, source under it."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _finish(fig, ax, path: str | os.PathLike | None, source: str):
    if source:
        fig.text(0.01, 0.01, source, fontsize=7, color="#555555", ha="left", va="bottom",
                 wrap=True)
    fig.tight_layout(rect=(0, 0.06 if source else 0, 1, 1))
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
        if path.suffix == ".png":  # a vector copy next to it, for print and the web
            fig.savefig(path.with_suffix(".svg"))
        plt.close(fig)
    return fig


def synth_chart(sc, path=None, kind: str = "paths", source: str = "", placebo=None,
                label: str = ""):
    """Treated vs synthetic, or gaps with placebo gaps in grey; treatment time marked."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    x = list(sc.gaps.index)
    if kind == "gaps":
        if placebo is not None:
            for col in placebo.gaps.columns[1:]:
                ax.plot(x, placebo.gaps[col], color="#bbbbbb", lw=0.8)
        ax.plot(x, sc.gaps, color="black", lw=2, label=f"{sc.treated} minus synthetic")
        ax.axhline(0, color="#666666", lw=0.8)
        ax.set_ylabel(f"gap in {label or sc.outcome}")
    else:
        ax.plot(x, sc.treated_path, color="black", lw=2, label=str(sc.treated))
        ax.plot(x, sc.synthetic, color="#d62728", ls="--", lw=2, label="synthetic control")
        ax.set_ylabel(label or sc.outcome)
    ax.axvline(sc.treatment_time, color="#1f77b4", ls=":", lw=1.5)
    ax.text(sc.treatment_time, ax.get_ylim()[1], f" intervention {sc.treatment_time}",
            va="top", fontsize=8, color="#1f77b4")
    ax.set_title(f"Synthetic control: {sc.treated} (pre-period RMSPE {sc.pre_rmspe:.3g})")
    ax.legend(fontsize=8, loc="best")
    return _finish(fig, ax, path, source)


def its_chart(its, path=None, title: str = "", source: str = "", unit: str = ""):
    """Observed points, fitted segments, and the pre-break counterfactual band."""
    cf = its.counterfactual()
    t = its._t
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.scatter(t, cf["observed"], color="black", s=14, label="observed")
    ax.plot(t, cf["fitted"], color="#d62728", lw=1.5, label="segmented fit")
    ax.plot(t, cf["counterfactual"], color="#1f77b4", ls="--", lw=1.2,
            label="pre-break trend continued")
    ax.fill_between(t, cf["cf_low"], cf["cf_high"], color="#1f77b4", alpha=0.15)
    for b, label in zip([*its.breaks_sorted], [str(b) for b in its.breaks_sorted],
                        strict=True):
        from .its import break_time
        bt = break_time(b, its.frequency_)
        ax.axvline(bt, color="#555555", ls=":", lw=1)
        ax.text(bt, ax.get_ylim()[1], f" {label}", va="top", fontsize=8)
    ax.set_title(title or "Interrupted time series")
    ax.set_ylabel(unit)
    ax.legend(fontsize=8, loc="best")
    return _finish(fig, ax, path, source)


def event_chart(es, path=None, title: str = "", source: str = ""):
    """Lead and lag coefficients with 95% intervals; the event between -1 and 0."""
    co = es.coefficients()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.errorbar(co["event_time"], co["coef"],
                yerr=[co["coef"] - co["ci_low"], co["ci_high"] - co["coef"]],
                fmt="o", color="black", capsize=3)
    ax.axhline(0, color="#666666", lw=0.8)
    ax.axvline(-0.5, color="#1f77b4", ls=":", lw=1.5)
    ax.set_xlabel(f"event time (bins of {es.bin_size_} period(s); -1 = reference)")
    ax.set_title(title or "Event study")
    return _finish(fig, ax, path, source)


def dose_chart(dr, path=None, title: str = "", source: str = "", unit: str = ""):
    """Outcome and money (constant dollars) over the years used, on two axes."""
    data = dr.data_
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(data.index, data["outcome"], color="black", lw=2, marker="o", ms=3,
            label="outcome")
    ax.set_ylabel(unit or "outcome")
    ax2 = ax.twinx()
    ax2.bar(data.index, data["money"] / 1e6, color="#1f77b4", alpha=0.3, label="money")
    ax2.set_ylabel("money, $ million (constant)")
    ax.set_title(title or f"Dose-response: cumulative {dr.cumulative:.3g} per $100M "
                 "(association, not causation)")
    return _finish(fig, ax, path, source)
