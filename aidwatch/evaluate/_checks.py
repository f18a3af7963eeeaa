"""Input checks shared by the estimators: each failure is one ``InputError`` naming the problem."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import InputError


def require_columns(data: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InputError(f"{what}: the data have no column {', '.join(map(repr, missing))}",
                         f"columns present: {', '.join(map(str, data.columns))}")


def require_finite(values: pd.Series, what: str) -> None:
    bad = values[~np.isfinite(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float))]
    if len(bad):
        where = ", ".join(str(i) for i in bad.index[:5]) + (" …" if len(bad) > 5 else "")
        raise InputError(f"{what} has missing values at {where}",
                         "fill or drop those periods before estimating")


def require_not_constant(values: np.ndarray, what: str) -> None:
    if len(values) and np.nanmax(values) - np.nanmin(values) == 0:
        raise InputError(f"{what} is constant: there is no variation to estimate from")


def require_min(n: int, minimum: int, what: str) -> None:
    if n < minimum:
        raise InputError(f"too few {what}: {n} (the method needs at least {minimum})")
