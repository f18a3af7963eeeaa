"""BLS Public Data API: CPI-U, U.S. city average, all items, NSA (``CUUR0000SA0``).

``POST {base}/publicAPI/v2/timeseries/data/`` with the series, a year window (at most 20
years per request with a key, 10 without) and ``annualaverage``. With
``AIDWATCH_BLS_API_KEY`` the v2 API also returns the published annual averages (period
``M13``) for ``us.cpi_u.annual``; without a key the keyless v1 API gives the monthly index
only (25 requests a day). Failures come back as HTTP 200 with
``status: REQUEST_NOT_PROCESSED``. U.S. Government work (public domain).
"""

from __future__ import annotations

from datetime import date

from .base import Batch, Connector, fmt, load_json, number
from .http import HttpClient, SourceError

SERIES_ID = "CUUR0000SA0"
SOURCE_MONTHLY = "bls-api-cpi-u-monthly"
SOURCE_ANNUAL = "bls-api-cpi-u-annual"
FIRST_YEAR = 2000


def parse_response(source: str, payload: object,
                   years: tuple[int, int] = (1900, 2100)) -> list[dict]:
    """Observation rows (monthly and M13 annual averages) from one API answer.

    ``years`` is the requested window; values outside it are not the answer to this request.
    """
    if not isinstance(payload, dict) or "status" not in payload:
        raise SourceError(source, "unexpected response shape (no status)")
    if payload["status"] != "REQUEST_SUCCEEDED":
        msg = payload.get("message") or []
        text = "; ".join(msg) if isinstance(msg, list) else str(msg)
        raise SourceError(source, f"BLS answered {payload['status']}: {text}",
                          "daily limit reached or invalid key?")
    try:
        series = payload["Results"]["series"]
    except (KeyError, TypeError):
        raise SourceError(source, "unexpected response shape (no Results.series)") from None
    out = []
    for s in series:
        if s.get("seriesID") != SERIES_ID:
            continue
        for d in s.get("data", []):
            missing = [k for k in ("year", "period", "value") if k not in d]
            if missing:
                raise SourceError(source, f"fields changed: a data point lacks "
                                  f"{', '.join(missing)}")
            if not str(d["year"]).isdigit():
                raise SourceError(source, f"bad year {d['year']!r}")
            if not years[0] <= int(d["year"]) <= years[1]:
                continue
            value = number(source, d["value"], f"{d['year']} {d['period']}")
            if value is None:
                continue
            codes = {f.get("code") for f in d.get("footnotes") or [] if f}
            texts = [f.get("text") for f in d.get("footnotes") or [] if f and f.get("text")]
            status = "provisional" if "P" in codes else "final"
            period = d["period"]
            if period == "M13":
                out.append({"series_id": "us.cpi_u.annual", "geo": "US", "period": d["year"],
                            "value": fmt(value), "status": status,
                            "source_id": SOURCE_ANNUAL, "note": "; ".join(texts)})
            elif period.startswith("M") and period[1:].isdigit() and 1 <= int(period[1:]) <= 12:
                out.append({"series_id": "us.cpi_u.monthly", "geo": "US",
                            "period": f"{d['year']}-{int(period[1:]):02d}",
                            "value": fmt(value), "status": status,
                            "source_id": SOURCE_MONTHLY, "note": "; ".join(texts)})
    return out


class BLS(Connector):
    name = "bls"
    title = "BLS Public Data API: CPI-U (CUUR0000SA0), monthly and annual average"
    publisher = "U.S. Bureau of Labor Statistics"
    default_base_url = "https://api.bls.gov"
    optional_keys = ("AIDWATCH_BLS_API_KEY",)
    licence = "U.S. Government work (public domain)"
    citation = ("U.S. Bureau of Labor Statistics, Consumer Price Index for All Urban Consumers "
                "(CPI-U), U.S. city average, all items, not seasonally adjusted, CUUR0000SA0.")
    series_ids = ("us.cpi_u.monthly", "us.cpi_u.annual")
    min_interval = 1.0

    def fetch(self, client: HttpClient, today: date) -> Batch:
        batch = Batch(self.name)
        key = self.key("AIDWATCH_BLS_API_KEY")
        version, span = ("v2", 20) if key else ("v1", 10)
        url = f"{self.base_url}/publicAPI/{version}/timeseries/data/"
        rows: list[dict] = []
        for start in range(FIRST_YEAR, today.year + 1, span):
            end = min(start + span - 1, today.year)
            body = {"seriesid": [SERIES_ID], "startyear": str(start), "endyear": str(end)}
            if key:
                body["annualaverage"] = True
            fetched = client.post_json(self.name, url, body,
                                       secret_body={"registrationkey": key} if key else None,
                                       min_interval=self.min_interval)
            batch.add_payload(fetched)
            rows.extend(parse_response(self.name, load_json(self.name, fetched), (start, end)))
        if not rows:
            raise SourceError(self.name, "no CPI-U values in the answers")
        batch.observations = rows
        note = ("" if key else "keyless v1 API: monthly index only (set AIDWATCH_BLS_API_KEY "
                "for the published annual averages)")
        for sid, title, table in (
                (SOURCE_MONTHLY, "CPI-U, U.S. city average, all items, NSA (CUUR0000SA0)",
                 "monthly index, 1982-84=100"),
                (SOURCE_ANNUAL, "CPI-U, U.S. city average, all items: annual averages "
                 "(CUUR0000SA0, M13)", "annual average, 1982-84=100")):
            if any(r["source_id"] == sid for r in rows):
                batch.sources.append(self.source_row(
                    sid, title=title, url=url, today=today, table=table,
                    notes=f"{FIRST_YEAR}-{today.year} in {span}-year requests; {note}".rstrip(
                        "; ")))
        if not key:
            batch.notes.append(note)
        return batch
