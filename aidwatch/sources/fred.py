"""FRED (Federal Reserve Bank of St. Louis): annual average exchange rates.

``GET {base}/fred/series/observations?series_id=AEXMXUS&file_type=json&api_key=...``.
AEXMXUS / AEXBZUS are the Federal Reserve's annual averages of the H.10 noon buying rates
(pesos / reais per U.S. dollar), the same measure as the embedded ``fx.*.annual`` series.
Needs a free key in ``AIDWATCH_FRED_API_KEY``; 120 requests/minute. Missing observations are
``"."``. FRED terms of use; the underlying H.10 data are U.S. Government works.
"""

from __future__ import annotations

from datetime import date

from .base import Batch, Connector, fmt, load_json, number
from .http import HttpClient, SourceError

SOURCE_ID = "fred-h10-annual"
SERIES = {"AEXMXUS": "fx.mxn_per_usd.annual", "AEXBZUS": "fx.brl_per_usd.annual"}


def parse_observations(source: str, payload: object, fred_id: str) -> list[dict]:
    """Observation rows from one ``series/observations`` answer."""
    if isinstance(payload, dict) and "error_message" in payload:
        raise SourceError(source, f"FRED error {payload.get('error_code')}: "
                          f"{payload['error_message']}")
    if not isinstance(payload, dict) or not isinstance(payload.get("observations"), list):
        raise SourceError(source, f"{fred_id}: unexpected response shape (no observations)")
    out = []
    for o in payload["observations"]:
        if "date" not in o or "value" not in o:
            raise SourceError(source, f"{fred_id}: fields changed (an observation lacks "
                              "date/value)")
        if not str(o["date"]).endswith("-01-01"):
            raise SourceError(source, f"{fred_id}: observation dated {o['date']} is not annual "
                              "(expected YYYY-01-01)")
        value = number(source, o["value"], f"{fred_id} {o['date']}")
        if value is None:
            continue
        out.append({"series_id": SERIES[fred_id], "geo": "US", "period": o["date"][:4],
                    "value": fmt(value), "status": "final", "source_id": SOURCE_ID,
                    "note": f"FRED {fred_id}"})
    return out


class FRED(Connector):
    name = "fred"
    title = "FRED: annual average MXN and BRL per USD (Federal Reserve H.10/G.5A)"
    publisher = "Board of Governors of the Federal Reserve System, via FRED (St. Louis Fed)"
    default_base_url = "https://api.stlouisfed.org"
    keys = ("AIDWATCH_FRED_API_KEY",)
    licence = "U.S. Government work (public domain); FRED API terms of use"
    citation = ("Board of Governors of the Federal Reserve System (US), Mexican Pesos to U.S. "
                "Dollar Spot Exchange Rate [AEXMXUS]; Brazilian Reals to U.S. Dollar [AEXBZUS]; "
                "retrieved from FRED, Federal Reserve Bank of St. Louis.")
    series_ids = tuple(SERIES.values())
    min_interval = 0.5

    def key_hint(self) -> str:
        return "free key: https://fred.stlouisfed.org/docs/api/api_key.html"

    def fetch(self, client: HttpClient, today: date) -> Batch:
        self.check_keys()
        batch = Batch(self.name)
        urls = []
        for fred_id in SERIES:
            fetched = client.get(
                self.name, f"{self.base_url}/fred/series/observations",
                params={"series_id": fred_id, "file_type": "json"},
                secret_params={"api_key": self.key("AIDWATCH_FRED_API_KEY") or ""},
                min_interval=self.min_interval, accept_statuses=(400,))
            batch.add_payload(fetched)
            payload = load_json(self.name, fetched)
            if fetched.status == 400 and not (isinstance(payload, dict)
                                              and "error_message" in payload):
                raise SourceError(self.name, f"HTTP 400 from FRED for {fred_id}")
            batch.observations.extend(parse_observations(self.name, payload, fred_id))
            urls.append(fetched.url)
        batch.sources.append(self.source_row(
            SOURCE_ID, title="G.5A/H.10 Foreign Exchange Rates, annual averages (FRED AEXMXUS, "
            "AEXBZUS)", url=urls[0], today=today,
            table="annual average of daily noon buying rates, currency units per USD",
            notes=f"also read: {', '.join(urls[1:])}; {self.citation}"))
        return batch
