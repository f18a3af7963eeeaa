"""Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010, 2015).

A weighted average of untreated donor units, with weights on the simplex, that tracks the
treated unit before the intervention; the gap afterwards estimates the effect. Predictor
weights V are chosen by minimising the pre-period outcome error (nested optimisation) from
several starts. Inference is by placebo: every donor is treated in turn.

    sc = SyntheticControl("gdpcap", unit="regionname", time="year",
                          treated="Basque Country (Pais Vasco)", treatment_time=1970,
                          predictors=[Predictor("gdpcap", range(1960, 1970)), ...],
                          optimize_periods=range(1960, 1970)).fit(df)
    sc.weights, sc.pre_rmspe, sc.placebo_in_space().p_value
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from . import _checks
from ._simplex import SynthSolution, solve_synth
from .estimate import Estimate, reading_from_pvalue

MIN_PRE_PERIODS = 3

ASSUMPTIONS = (
    "No donor unit was affected by the intervention (no spillovers).",
    "Before the intervention, a fixed weighted average of donors reproduces the treated "
    "unit's outcome path and predictors (a good pre-period fit is necessary, not sufficient).",
    "No other shock hit the treated unit alone at the intervention date.",
    "Placebo p-values rank the treated unit among donors; with J donors the smallest "
    "possible p-value is 1/(J+1).",
)


def parse_donors(donors: str | Sequence[Any] | None, what: str = "donors",
                 normalize: Callable[[Any], Any] | None = None) -> list[Any] | None:
    """A donor pool as a list, each unit once: ``"COL, PER"`` or ``["COL", "PER"]``.

    The one reader of a donor list: the CLI's ``--donors``, ``run_battery``/``run_synth``,
    ``SyntheticControl`` and the web API (``web/api.py``; any future API route too) must all
    call it, never split or filter a list of their own. A repeated donor is refused rather
    than dropped quietly: the in-space placebo treats every listed donor as a unit, so
    ``COL,COL,COL`` would count Colombia's placebo three times and lower the permutation
    p-value at will.

    Args:
        donors: a comma-separated string, a sequence of unit labels, or None (the default
            pool: returned as None).
        what: the name used in messages (``--donors`` from the command line).
        normalize: applied to each unit before repeats are looked for (the battery passes an
            upper-casing of ISO3 codes, so ``col,COL`` is a repeat).

    Raises InputError for a repeated unit or an empty entry (``"COL,,PER"``).

    Example:
        >>> parse_donors("COL, PER")
        ['COL', 'PER']
    """
    if donors is None:
        return None
    if isinstance(donors, str):
        items: list[Any] = [d.strip() for d in donors.split(",")]
        if not any(items):
            raise InputError(f"{what}: empty donor list", "give ISO3 codes, e.g. COL,PER,BRA")
        if "" in items:
            raise InputError(f"{what}: empty entry in {donors!r}",
                             "separate codes with single commas, e.g. COL,PER")
    else:
        items = list(donors)
    if normalize is not None:
        items = [normalize(d) for d in items]
    counts: dict[Any, int] = {}
    for d in items:
        counts[d] = counts.get(d, 0) + 1
    repeated = [f"{d} ({n} times)" for d, n in counts.items() if n > 1]
    if repeated:
        raise InputError(f"{what}: each donor may appear once; repeated: {', '.join(repeated)}",
                         "a repeated donor would be counted more than once in the placebo "
                         "p-value")
    return items


@dataclass(frozen=True)
class Predictor:
    """A predictor: ``column`` aggregated (``mean``, ``median``, ``sum``) over ``periods``."""

    column: str
    periods: Sequence[Any]
    op: str = "mean"

    @property
    def label(self) -> str:
        ps = list(self.periods)
        span = f"{ps[0]}" if len(ps) == 1 else f"{ps[0]}-{ps[-1]}"
        return f"{self.column} ({self.op} {span})"


@dataclass
class _Arrays:
    """Everything the numerical core needs, for all units of the study (picklable)."""

    X: np.ndarray            # k x units, raw predictor values
    Y: np.ndarray            # times x units, outcome
    opt_rows: np.ndarray     # rows of Y in the optimisation window
    v: np.ndarray | None
    n_random: int
    seed: int


def _solve(arr: _Arrays, treated: int, donors: np.ndarray) -> SynthSolution:
    cols = np.append(donors, treated)
    X = arr.X[:, cols]
    sd = X.std(axis=1, ddof=1)
    sd[sd == 0] = 1.0
    Xs = X / sd[:, None]
    Z = arr.Y[np.ix_(arr.opt_rows, cols)]
    return solve_synth(Xs[:, :-1], Xs[:, -1], Z[:, :-1], Z[:, -1], v=arr.v,
                       n_random=arr.n_random, seed=arr.seed)


def _placebo_job(args: tuple[_Arrays, int, np.ndarray]) -> np.ndarray:
    arr, treated, donors = args
    sol = _solve(arr, treated, donors)
    return arr.Y[:, treated] - arr.Y[:, donors] @ sol.w


@dataclass
class PlaceboResult:
    """In-space placebo test: every donor treated in turn with the other donors as pool.

    ``ratios`` are post/pre RMSPE with the strict split (pre: t < T, post: t >= T);
    ``p_value`` = (1 + number of placebos with a ratio at least the treated unit's) / (J + 1).
    ``p_value_pysyncon`` follows pysyncon 1.7 (the treatment period counted in both the pre
    and the post window, the treated unit not counted in the numerator) for comparison.
    """

    gaps: pd.DataFrame          # period x unit (treated unit first)
    pre_rmspe: pd.Series
    post_rmspe: pd.Series
    ratios: pd.Series
    treated: Any
    p_value: float
    p_value_pysyncon: float
    rank: int
    excluded: list[Any]
    max_pre_ratio: float | None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"pre_rmspe": self.pre_rmspe, "post_rmspe": self.post_rmspe,
                             "ratio": self.ratios}).sort_values("ratio", ascending=False)


class SyntheticControl:
    """Synthetic control for one treated unit (see the module docstring).

    Arguments that need explaining:
      predictors: ``Predictor`` records (or ``(column, periods[, op])`` tuples); by default
        the outcome averaged over up to four blocks of the optimisation window.
      optimize_periods: periods whose outcome error V minimises (default: all before T).
      donors: the comparison pool (default: every other unit).
      on_missing: ``"error"`` (default) or ``"drop"`` donors with missing values.
      v: fixed predictor weights (skips the outer search).
      n_random: random starts added to the equal and regression-based starts.
    """

    method = "synthetic control"

    def __init__(self, outcome: str, unit: str = "unit", time: str = "time", *,
                 treated: Any, treatment_time: Any, donors: Sequence[Any] | None = None,
                 predictors: Sequence[Predictor | tuple] | None = None,
                 optimize_periods: Sequence[Any] | None = None,
                 on_missing: str = "error", v: Sequence[float] | None = None,
                 n_random: int = 2, seed: int = 0) -> None:
        if on_missing not in ("error", "drop"):
            raise InputError(f"on_missing must be 'error' or 'drop', not {on_missing!r}")
        self.outcome, self.unit, self.time = outcome, unit, time
        self.treated, self.treatment_time = treated, treatment_time
        self.donor_request = parse_donors(donors)
        self.predictor_request = predictors
        self.optimize_request = optimize_periods
        self.on_missing, self.v_fixed = on_missing, v
        self.n_random, self.seed = n_random, seed
        self._fitted = False

    # -- preparation ------------------------------------------------------------------------
    def _prepare(self, data: pd.DataFrame) -> None:
        _checks.require_columns(data, [self.unit, self.time, self.outcome], "synthetic control")
        if data.duplicated([self.unit, self.time]).any():
            raise InputError("synthetic control: more than one row per unit and period")
        units = list(pd.unique(data[self.unit]))
        if self.treated not in units:
            raise InputError(f"treated unit {self.treated!r} is not in the data")
        donors = ([u for u in units if u != self.treated] if self.donor_request is None
                  else [u for u in self.donor_request if u != self.treated])
        unknown = [d for d in donors if d not in units]
        if unknown:
            raise InputError(f"donor(s) not in the data: {', '.join(map(str, unknown))}")
        if not donors:
            raise InputError("empty donor pool: the synthetic control needs at least one "
                             "comparison unit")
        wide = data.pivot(index=self.time, columns=self.unit, values=self.outcome).sort_index()
        wide = wide.apply(pd.to_numeric, errors="coerce")
        times = list(wide.index)
        T = self.treatment_time
        pre = [t for t in times if t < T]
        post = [t for t in times if t >= T]
        opt = (list(self.optimize_request) if self.optimize_request is not None else pre)
        opt = [t for t in opt if t in wide.index]
        _checks.require_min(len(opt), MIN_PRE_PERIODS,
                            f"pre-intervention periods in the optimisation window for "
                            f"{self.treated!r}")
        if any(t >= T for t in opt):
            raise InputError("the optimisation window must end before the treatment time")
        _checks.require_min(len(post), 1, "periods at or after the treatment time")
        _checks.require_finite(wide[self.treated], f"treated unit {self.treated!r}")
        _checks.require_not_constant(wide.loc[pre, self.treated].to_numpy(dtype=float),
                                     f"the pre-period outcome of {self.treated!r}")
        preds = self._predictors(opt)
        _checks.require_columns(data, {p.column for p in preds}, "synthetic control predictors")
        X = pd.DataFrame({p.label: self._aggregate(data, p) for p in preds}).T
        tx = X.get(self.treated)
        if tx is None or tx.isna().any():
            bad = [] if tx is None else list(tx.index[tx.isna()])
            raise InputError(f"treated unit {self.treated!r} has missing predictor values: "
                             f"{', '.join(bad) or 'all'}")
        dropped: list[Any] = []
        ok = []
        for d in donors:
            missing = wide[d].isna().any() or d not in X.columns or X[d].isna().any()
            if missing:
                dropped.append(d)
            else:
                ok.append(d)
        if dropped and self.on_missing == "error":
            raise InputError(f"donor(s) with missing values: {', '.join(map(str, dropped))}",
                             "drop them from the pool or pass on_missing='drop'")
        if not ok:
            raise InputError("empty donor pool: every donor has missing values")
        cols = ok + [self.treated]
        Xm = X[cols].astype(float)
        sd = Xm.std(axis=1, ddof=1)
        constant = list(sd.index[sd == 0])
        if constant:
            Xm = Xm.drop(index=constant)
        if Xm.empty:
            raise InputError("every predictor is constant across units: nothing to match on")
        self.donors_ = ok
        self.dropped_donors_ = dropped
        self.dropped_predictors_ = constant
        self.times_ = times
        self.pre_periods_, self.post_periods_, self.opt_periods_ = pre, post, opt
        self.predictor_labels_ = list(Xm.index)
        self._units = cols
        self._X = Xm
        self._Y = wide[cols]

    def _predictors(self, opt: list[Any]) -> list[Predictor]:
        if self.predictor_request is None:
            blocks = np.array_split(np.array(opt, dtype=object), min(4, len(opt)))
            return [Predictor(self.outcome, list(b)) for b in blocks if len(b)]
        return [p if isinstance(p, Predictor) else Predictor(*p)
                for p in self.predictor_request]

    def _aggregate(self, data: pd.DataFrame, p: Predictor) -> pd.Series:
        part = data[data[self.time].isin(list(p.periods))]
        vals = pd.to_numeric(part[p.column], errors="coerce").groupby(part[self.unit])
        if p.op not in ("mean", "median", "sum"):
            raise InputError(f"unknown predictor operation {p.op!r} (mean, median or sum)")
        return getattr(vals, p.op)()

    def _arrays(self) -> _Arrays:
        opt_rows = np.array([self.times_.index(t) for t in self.opt_periods_])
        v = None if self.v_fixed is None else np.asarray(self.v_fixed, dtype=float)
        return _Arrays(self._X.to_numpy(dtype=float), self._Y.to_numpy(dtype=float),
                       opt_rows, v, self.n_random, self.seed)

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame) -> SyntheticControl:
        """Choose V and W; afterwards ``weights``, ``v``, ``gaps`` and RMSPEs are set."""
        self._data = data
        self._prepare(data)
        arr = self._arrays()
        n = len(self._units)
        sol = _solve(arr, n - 1, np.arange(n - 1))
        self.solution_ = sol
        self.weights = pd.Series(sol.w, index=pd.Index(self.donors_, name=self.unit),
                                 name="weight")
        self.v = pd.Series(sol.v, index=self.predictor_labels_, name="v")
        Y = self._Y.to_numpy(dtype=float)
        synth = Y[:, :-1] @ sol.w
        self.synthetic = pd.Series(synth, index=pd.Index(self.times_, name=self.time),
                                   name="synthetic")
        self.treated_path = self._Y[self.treated].astype(float).rename("treated")
        self.gaps = (self.treated_path - self.synthetic).rename("gap")
        self.pre_rmspe = float(np.sqrt(sol.loss_v))
        self.rmspe_pre_all = _rmspe(self.gaps.loc[self.pre_periods_])
        self.post_rmspe = _rmspe(self.gaps.loc[self.post_periods_])
        self.att = float(self.gaps.loc[self.post_periods_].mean())
        self.stable = sol.stable
        self._fitted = True
        return self

    def _need_fit(self) -> None:
        if not self._fitted:
            raise InputError("fit the synthetic control first (call .fit(data))")

    @property
    def candidates(self) -> pd.DataFrame:
        """Every local optimum of the V search: start, method, pre-period RMSPE, stability."""
        self._need_fit()
        rows = []
        for c in self.solution_.candidates:
            top = np.argsort(-c.w)[:3]
            rows.append({"start": c.start, "method": c.method,
                         "pre_rmspe": float(np.sqrt(c.loss_v)), "stable": c.stable,
                         "degenerate": c.degenerate, "v_max": float(c.v.max()),
                         "evaluations": c.nfev,
                         "top_weights": ", ".join(f"{self.donors_[i]} {c.w[i]:.3f}"
                                                  for i in top if c.w[i] > 1e-3)})
        return pd.DataFrame(rows)

    def balance(self) -> pd.DataFrame:
        """Predictor values: treated, synthetic, donor average, and their V weight."""
        self._need_fit()
        X = self._X
        return pd.DataFrame({"treated": X[self.treated],
                             "synthetic": X[self.donors_].to_numpy() @ self.weights.to_numpy(),
                             "donor mean": X[self.donors_].mean(axis=1), "v": self.v})

    def summary(self) -> str:
        """A plain-text report: weights, V, balance, fit and effect."""
        self._need_fit()
        w = self.weights[self.weights > 5e-4].sort_values(ascending=False)
        lines = [f"Synthetic control for {self.treated} ({self.outcome}), treated from "
                 f"{self.treatment_time}; {len(self.donors_)} donors",
                 f"pre-period RMSPE (optimisation window {self.opt_periods_[0]}-"
                 f"{self.opt_periods_[-1]}): {self.pre_rmspe:.4g}",
                 f"average post-period gap: {self.att:.4g}", "weights:"]
        lines += [f"  {k}: {v:.3f}" for k, v in w.items()]
        if self.dropped_donors_:
            lines.append("dropped donors (missing values): "
                         + ", ".join(map(str, self.dropped_donors_)))
        if not self.stable:
            lines.append("warning: W is not pinned down by V (several weightings fit equally "
                         "well); read individual donor weights with care")
        lines.append(self.balance().round(4).to_string())
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per period: treated, synthetic, gap, and whether it is post-treatment."""
        self._need_fit()
        df = pd.concat([self.treated_path, self.synthetic, self.gaps], axis=1)
        df["post"] = [t >= self.treatment_time for t in df.index]
        return df.reset_index()

    # -- inference and robustness -----------------------------------------------------------
    def placebo_in_space(self, n_jobs: int | None = None,
                         max_pre_ratio: float | None = None) -> PlaceboResult:
        """Treat every donor in turn (pool: the other donors) and rank the treated unit.

        n_jobs: worker processes (default: up to 2 when there are 8 or more donors).
        max_pre_ratio: leave out placebos whose pre-period RMSPE exceeds this multiple of
        the treated unit's (Abadie et al. 2010 show 20, 5 and 2).
        """
        self._need_fit()
        arr = self._arrays()
        J = len(self.donors_)
        _checks.require_min(J, 2, "donors for an in-space placebo test")
        jobs = [(arr, j, np.array([d for d in range(J) if d != j])) for j in range(J)]
        if n_jobs is None:
            n_jobs = min(2, os.cpu_count() or 1) if J >= 8 else 1
        if n_jobs > 1:
            with ProcessPoolExecutor(max_workers=n_jobs) as pool:
                gaps = list(pool.map(_placebo_job, jobs, chunksize=max(1, J // (4 * n_jobs))))
        else:
            gaps = [_placebo_job(j) for j in jobs]
        frame = pd.DataFrame(np.column_stack([self.gaps.to_numpy()] + gaps),
                             index=self.gaps.index, columns=[self.treated, *self.donors_])
        T = self.treatment_time
        pre_mask = frame.index < T
        post_mask = ~pre_mask
        pre = np.sqrt((frame[pre_mask] ** 2).mean())
        post = np.sqrt((frame[post_mask] ** 2).mean())
        ratios = post / pre
        excluded: list[Any] = []
        if max_pre_ratio is not None:
            excluded = [u for u in self.donors_ if pre[u] > max_pre_ratio * pre[self.treated]]
        keep = [u for u in self.donors_ if u not in excluded]
        r0 = ratios[self.treated]
        at_least = int((ratios[keep] >= r0 - 1e-12 * abs(r0)).sum())
        p = (1 + at_least) / (len(keep) + 1)
        # pysyncon's convention: the treatment period sits in both windows (MSPE ratio).
        pre_ps = (frame[frame.index <= T] ** 2).mean()
        post_ps = (frame[frame.index >= T] ** 2).mean()
        rps = post_ps / pre_ps
        p_ps = float((rps[self.donors_] >= rps[self.treated]).sum() / (J + 1))
        return PlaceboResult(frame, pre, post, ratios, self.treated, float(p), p_ps,
                             1 + at_least, excluded, max_pre_ratio)

    def placebo_in_time(self, at: Any) -> SyntheticControl:
        """Refit as if treatment had come at ``at`` (< T), using only data before T."""
        self._need_fit()
        if not at < self.treatment_time:
            raise InputError(f"an in-time placebo date must precede the treatment time "
                             f"{self.treatment_time}, not {at}")
        data = self._data[self._data[self.time] < self.treatment_time]
        preds = None
        if self.predictor_request is not None:
            preds = []
            for p in self._predictors(self.opt_periods_):
                periods = [t for t in p.periods if t < at]
                if periods:
                    preds.append(Predictor(p.column, periods, p.op))
        opt = [t for t in self.opt_periods_ if t < at]
        return SyntheticControl(self.outcome, self.unit, self.time, treated=self.treated,
                                treatment_time=at, donors=self.donors_, predictors=preds,
                                optimize_periods=opt, on_missing=self.on_missing,
                                n_random=self.n_random, seed=self.seed).fit(data)

    def leave_one_out(self) -> pd.DataFrame:
        """Refit without each donor that has weight; how much do fit and effect move?"""
        self._need_fit()
        rows = []
        for d in self.weights.index[self.weights > 1e-3]:
            pool = [u for u in self.donors_ if u != d]
            if not pool:
                continue
            sc = SyntheticControl(self.outcome, self.unit, self.time, treated=self.treated,
                                  treatment_time=self.treatment_time, donors=pool,
                                  predictors=self.predictor_request,
                                  optimize_periods=self.opt_periods_, on_missing="drop",
                                  n_random=self.n_random, seed=self.seed).fit(self._data)
            top = sc.weights.sort_values(ascending=False).head(3)
            rows.append({"without": d, "pre_rmspe": sc.pre_rmspe, "att": sc.att,
                         "top_weights": ", ".join(f"{k} {v:.2f}" for k, v in top.items()
                                                  if v > 1e-3)})
        return pd.DataFrame(rows)

    # -- outputs ----------------------------------------------------------------------------
    def to_estimate(self, outcome_id: str | None = None, intervention: str | None = None,
                    placebo: PlaceboResult | None = None, unit: str = "") -> Estimate:
        """The fit as an ``Estimate`` (effect = average post-period gap)."""
        self._need_fit()
        w = self.weights[self.weights > 5e-3].sort_values(ascending=False)
        diag: dict[str, Any] = {
            "pre_rmspe": self.pre_rmspe,
            "pre_rmspe_all_pre_periods": self.rmspe_pre_all,
            "post_rmspe": self.post_rmspe,
            "weights": {str(k): round(float(v), 4) for k, v in w.items()},
            "predictor_weights": {k: round(float(v), 4) for k, v in self.v.items()},
            "donors": len(self.donors_),
            "dropped_donors": [str(d) for d in self.dropped_donors_],
            "weights_stable": self.stable,
            "exact_match_tie_break": self.solution_.tie_break,
            "optimisation_window": [str(self.opt_periods_[0]), str(self.opt_periods_[-1])],
            "gaps": {str(k): round(float(v), 6) for k, v in self.gaps.items()},
        }
        degenerate = [c for c in self.solution_.candidates if c.degenerate]
        if degenerate:
            best = min(degenerate, key=lambda c: c.loss_v)
            diag["lowest_pre_rmspe_degenerate_v"] = float(np.sqrt(best.loss_v))
        what = outcome_id or self.outcome
        context = f"after {self.treatment_time} in {self.treated}"
        p = None
        if placebo is not None:
            p = placebo.p_value
            diag.update({"placebo_rank": placebo.rank,
                         "placebo_units": len(placebo.ratios) - 1 - len(placebo.excluded),
                         "post_pre_rmspe_ratio": float(placebo.ratios[self.treated]),
                         "p_value_convention": "strict split pre t<T, post t>=T; "
                                               "p=(1+#placebos with ratio>=treated)/(J+1)",
                         "p_value_pysyncon_convention": placebo.p_value_pysyncon})
            reading = reading_from_pvalue(what, self.att, p, unit, context,
                                          len(placebo.ratios) - 1 - len(placebo.excluded))
        else:
            reading = (f"{what} ran {self.att:.3g} {unit} from its synthetic control {context}"
                       "; no placebo test run, so no conclusion.")
        if self.pre_rmspe > 0.1 * float(np.abs(self.treated_path.loc[self.opt_periods_]).mean()):
            reading += " The pre-period fit is poor, so the gap is hard to interpret."
            diag["poor_fit"] = True
        return Estimate(method=self.method, outcome=what,
                        intervention=intervention or str(self.treatment_time),
                        effect=self.att, unit=unit,
                        estimand="average post-period gap, treated minus synthetic",
                        interval=None, p_value=p, diagnostics=diag, assumptions=ASSUMPTIONS,
                        n_points=int(len(self.times_) * len(self._units)), reading=reading,
                        treated=str(self.treated))

    def plot(self, path: str | os.PathLike | None = None, kind: str = "paths",
             source: str = "", placebo: PlaceboResult | None = None):
        """Treated vs synthetic (``kind="paths"``) or the gap (``"gaps"``, with placebos)."""
        self._need_fit()
        from .charts import synth_chart
        return synth_chart(self, path, kind=kind, source=source, placebo=placebo)


def _rmspe(gaps: pd.Series) -> float:
    return float(np.sqrt(np.mean(np.square(gaps.to_numpy(dtype=float))))) if len(gaps) else \
        float("nan")


__all__ = ["Predictor", "SyntheticControl", "PlaceboResult", "ASSUMPTIONS"]
