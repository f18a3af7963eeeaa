"""AidWatch: did security-cooperation money change the outcomes it targeted?

The public Python API. ``open_store()`` gives the sourced evidence base as pandas frames.
"""

from ._version import __version__
from .errors import (
    AidWatchError,
    DataValidationError,
    InputError,
    SQLError,
    StoreError,
    UnknownSeriesError,
)
from .evaluate.estimate import Estimate
from .model import Event, FundingLine, Observation, Series, Source
from .store import Store, open_store

__all__ = [
    "AidWatchError",
    "DataValidationError",
    "Estimate",
    "Event",
    "FundingLine",
    "InputError",
    "Observation",
    "SQLError",
    "Series",
    "Source",
    "Store",
    "StoreError",
    "UnknownSeriesError",
    "__version__",
    "open_store",
]

# The claim checker: check_text(text, store) -> list[Verdict] (see docs/claims.md).
from .claims import Claim, Verdict, check_text  # noqa: E402

__all__ += ["Claim", "Verdict", "check_text"]

# The evidence brief: build_brief(out) writes brief.html, brief.pdf and data/ (docs/brief.md).
from .brief import BriefResult, build_brief  # noqa: E402

__all__ += ["BriefResult", "build_brief"]

# Live refresh: refresh(["worldbank", "cdc"]) fetches the publishers and writes a new snapshot;
# diff_snapshots(store, a, b) compares two snapshots (see docs/refresh.md).
from .store import diff_snapshots  # noqa: E402

__all__ += ["diff_snapshots", "refresh"]


def __getattr__(name: str):
    # `refresh` pulls in httpx and the connectors: loaded on first use, not at import.
    if name == "refresh":
        from .sources import refresh

        return refresh
    raise AttributeError(f"module 'aidwatch' has no attribute {name!r}")
