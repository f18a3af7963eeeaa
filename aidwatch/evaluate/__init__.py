"""Effectiveness evaluation: did outcomes change when the money and the policy changed?

Estimators are pure (frames in, ``Estimate`` records out):
``InterruptedTimeSeries`` (its.py), ``SyntheticControl`` (synth.py), ``DiffInDiff`` and
``EventStudy`` (did.py), ``DoseResponse`` (dose.py). ``run_battery`` (battery.py) is the one
module that reads the store: it runs the default battery on the evidence base.

Heavy numerical imports (SciPy, statsmodels) load on first use, so importing ``aidwatch``
stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from .estimate import Estimate, not_estimable

_LAZY = {
    "SyntheticControl": "synth", "Predictor": "synth", "PlaceboResult": "synth",
    "parse_donors": "synth",
    "InterruptedTimeSeries": "its",
    "DiffInDiff": "did", "EventStudy": "did",
    "DoseResponse": "dose",
    "run_battery": "battery", "evaluate": "battery", "BatteryResult": "battery",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Estimate", "not_estimable", *_LAZY]
