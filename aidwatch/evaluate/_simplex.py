"""The numerical core of the synthetic control: the simplex least-squares problem (inner)
and the search over predictor weights V (outer), written for speed.

Inner problem, for a diagonal V:  min_w ||sqrt(V) (X1 - X0 w)||^2  s.t.  w >= 0, sum(w) = 1.
It is solved as a non-negative least-squares problem with the sum constraint appended as a
heavily weighted row (compiled Lawson-Hanson NNLS from SciPy), then polished exactly on the
active set through the equality-constrained normal equations. For the 10-40 donors of a
typical study this takes tens of microseconds, which is what makes the nested search and a
full placebo battery cheap.

Outer problem: V on the simplex minimising the pre-period outcome error of the resulting W
(Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010), searched from several
starts. A V that matches the treated unit's predictors exactly with several donors in the
support leaves W undetermined (any of infinitely many exact fits is as good as another, and
the solver's tie-break decides). A candidate whose V puts more than 99.9% on one predictor
and whose W moves when V is perturbed is called degenerate: the other predictors then only
steer the tie-break, so the outer search is fitting W to the outcome directly. Degenerate
candidates are reported (with their lower pre-period error) but chosen only when every
start ends in one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize, nnls

_BIG = 1e3        # weight of the sum-to-one row relative to the scale of the data
_ZERO_W = 1e-7    # a donor weight below this is treated as zero
_MIX = 1e-3       # share of equal weights mixed into V to test whether W is pinned down
_STABLE_W = 0.05  # largest donor-weight move that still counts as the same W
_ONE_PREDICTOR = 0.999  # V this concentrated matches on one number only
_EXACT = 1e-8     # relative predictor error below which the match counts as exact
_TIE = 1e3        # outcome rows enter the tie-break this much lighter than predictors


def simplex_ls(A: np.ndarray, b: np.ndarray, polish: bool = True) -> np.ndarray:
    """Weights w >= 0 with sum 1 minimising ||A w - b||^2 (A: k x J, b: k).

    ``polish=False`` skips the exact active-set step (about 3x faster, accurate to ~1e-6),
    which is what the outer search uses; final weights are always polished.
    """
    k, n = A.shape
    if n == 1:
        return np.ones(1)
    scale = max(1.0, float(np.abs(A).max(initial=0.0)), float(np.abs(b).max(initial=0.0)))
    m = _BIG * scale
    aug = np.empty((k + 1, n))
    aug[:k] = A
    aug[k] = m
    rhs = np.empty(k + 1)
    rhs[:k] = b
    rhs[k] = m
    w, _ = nnls(aug, rhs, maxiter=50 * n)
    total = w.sum()
    if total <= 0:
        return np.full(n, 1.0 / n)
    w = w / total
    return _polish(A, b, w) if polish else w


def _polish(A: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Solve the equality-constrained problem exactly on the support found by NNLS."""
    support = np.flatnonzero(w > _ZERO_W)
    s = len(support)
    if s <= 1:
        out = np.zeros_like(w)
        out[support if s else np.argmax(w)] = 1.0
        return out
    As = A[:, support]
    kkt = np.zeros((s + 1, s + 1))
    kkt[:s, :s] = As.T @ As
    kkt[:s, s] = 1.0
    kkt[s, :s] = 1.0
    rhs = np.append(As.T @ b, 1.0)
    try:
        sol = np.linalg.solve(kkt, rhs)
    except np.linalg.LinAlgError:
        return _clean(w)
    ws = sol[:s]
    if not np.all(np.isfinite(ws)) or ws.min() < 0:
        return _clean(w)
    out = np.zeros_like(w)
    out[support] = ws
    old = np.sum((A @ w - b) ** 2)
    new = np.sum((A @ out - b) ** 2)
    return _clean(out) if new <= old + 1e-12 * max(1.0, old) else _clean(w)


def _clean(w: np.ndarray) -> np.ndarray:
    w = np.where(w > _ZERO_W, w, 0.0)
    return w / w.sum()


def _normalise(x: np.ndarray) -> np.ndarray:
    v = np.abs(x)
    total = v.sum()
    return v / total if total > 0 else np.full(len(x), 1.0 / len(x))


@dataclass
class Candidate:
    """One local optimum of the outer search."""

    start: str
    method: str
    v: np.ndarray
    w: np.ndarray
    loss_v: float          # mean squared pre-period outcome error
    stable: bool
    nfev: int

    @property
    def degenerate(self) -> bool:
        """V on a single predictor and W not pinned down: W is the solver's tie-break."""
        return not self.stable and float(self.v.max()) > _ONE_PREDICTOR


@dataclass
class SynthSolution:
    """The chosen V and W, with every candidate tried."""

    v: np.ndarray
    w: np.ndarray
    loss_v: float
    loss_w: float
    candidates: list[Candidate] = field(default_factory=list)
    stable: bool = True    # whether V alone pins W down (see is_stable)
    tie_break: bool = False  # whether exact predictor matches were split by outcome error


def is_stable(X0: np.ndarray, X1: np.ndarray, v: np.ndarray, w: np.ndarray) -> bool:
    """Whether V pins W down: mixing 0.1% of equal weights into V moves no donor weight
    by more than 0.05.

    When V matches the treated unit's predictors exactly (all weight on one predictor, say)
    infinitely many W fit equally well and the solver's tie-break picks one; the slightest
    change of V then moves W a lot. Such a W is an artefact of the solver, not of the data.
    """
    k = len(v)
    v2 = (1 - _MIX) * v + _MIX / k
    s = np.sqrt(v2)
    w2 = simplex_ls(X0 * s[:, None], X1 * s)
    return bool(np.abs(w2 - w).max() <= _STABLE_W)


def regression_start(X0: np.ndarray, X1: np.ndarray, Z0: np.ndarray,
                     Z1: np.ndarray) -> np.ndarray:
    """V from regressing pre-period outcomes on the predictors across units (as R Synth)."""
    X = np.column_stack([X0, X1]).T                      # units x k
    Z = np.column_stack([Z0, Z1]).T                      # units x T0
    design = np.column_stack([np.ones(len(X)), X])
    beta, *_ = np.linalg.lstsq(design, Z, rcond=None)
    beta = beta[1:]
    v = np.sum(beta * beta, axis=1)
    if not np.all(np.isfinite(v)) or v.sum() <= 0:
        return np.full(X0.shape[0], 1.0 / X0.shape[0])
    return v / v.sum()


def solve_synth(X0: np.ndarray, X1: np.ndarray, Z0: np.ndarray, Z1: np.ndarray,
                v: np.ndarray | None = None, n_random: int = 2, seed: int = 0,
                methods: tuple[str, ...] = ("Powell", "Nelder-Mead")) -> SynthSolution:
    """Nested synthetic-control optimisation on scaled predictors.

    X0: k x J donor predictors, X1: k treated predictors (both already scaled);
    Z0: T0 x J donor outcomes, Z1: T0 treated outcomes over the optimisation window.
    ``v`` fixes the predictor weights (no outer search).
    """
    k = X0.shape[0]

    def inner(vv: np.ndarray, polish: bool = True) -> np.ndarray:
        s = np.sqrt(vv)
        return simplex_ls(X0 * s[:, None], X1 * s, polish)

    def loss_of(w: np.ndarray) -> float:
        r = Z1 - Z0 @ w
        return float(r @ r) / len(r)

    def finish(vv: np.ndarray, cands: list[Candidate]) -> SynthSolution:
        w = inner(vv)
        stable = is_stable(X0, X1, vv, w) if k > 1 else True
        tie = False
        s = np.sqrt(vv)
        r = s * (X1 - X0 @ w)
        if r @ r <= _EXACT * (1.0 + float(np.sum((s * X1) ** 2))):
            tie = True
            # The predictors are matched exactly, and usually by many W: rather than take
            # the solver's arbitrary pick, break the tie by the pre-period outcome error.
            scale = _TIE * np.sqrt(len(Z1))
            A = np.vstack([X0 * s[:, None], Z0 / scale])
            w = simplex_ls(A, np.append(s * X1, Z1 / scale))
            r = s * (X1 - X0 @ w)
        return SynthSolution(vv, w, loss_of(w), float(r @ r), cands, stable, tie)

    if v is not None:
        return finish(_normalise(np.asarray(v, dtype=float)), [])
    if k == 1:
        return finish(np.ones(1), [])

    starts: list[tuple[str, np.ndarray]] = [
        ("equal", np.full(k, 1.0 / k)),
        ("regression", regression_start(X0, X1, Z0, Z1)),
    ]
    rng = np.random.default_rng(seed)
    starts += [(f"random{i + 1}", rng.dirichlet(np.ones(k))) for i in range(n_random)]

    def objective(x: np.ndarray) -> float:
        return loss_of(inner(_normalise(x), polish=False))

    cands: list[Candidate] = []
    for name, x0 in starts:
        for method in methods if name == "equal" else methods[:1]:
            opts = ({"xtol": 1e-4, "ftol": 1e-10, "maxfev": 300 * k} if method == "Powell"
                    else {"xatol": 1e-6, "fatol": 1e-12, "maxfev": 300 * k, "adaptive": True})
            res = minimize(objective, x0, method=method, options=opts)
            vv = _normalise(res.x)
            w = inner(vv)
            cands.append(Candidate(name, method, vv, w, loss_of(w),
                                   is_stable(X0, X1, vv, w), int(res.nfev)))
    ok = [c for c in cands if not c.degenerate] or cands
    best = min(ok, key=lambda c: c.loss_v)
    return finish(best.v, cands)
