"""Connectors to the public sources, and the refresh that turns their payloads into snapshots.

    from aidwatch.sources import refresh
    report = refresh(["worldbank", "cdc"])      # fetch, validate, write a new snapshot
    report.snapshot_id, [o.status for o in report.outcomes]

Each module holds one source (``cdc``, ``worldbank``, ``inegi``, ``sesnsp``,
``foreignassistance``, ``fred``, ``bls``); ``http`` is the shared client (timeouts, retries,
rate limits, cache); ``refresh`` is the only module that talks to the store.
"""

from .base import Batch, Connector
from .http import HttpClient, MissingKey, SourceError, SourceOffline
from .refresh import CONNECTORS, RefreshReport, SourceOutcome, connector_table, refresh

__all__ = [
    "CONNECTORS",
    "Batch",
    "Connector",
    "HttpClient",
    "MissingKey",
    "RefreshReport",
    "SourceError",
    "SourceOffline",
    "SourceOutcome",
    "connector_table",
    "refresh",
]
