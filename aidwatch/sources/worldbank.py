"""World Bank Indicators API v2: intentional homicides per 100,000 and population.

``GET {base}/v2/country/{ISO3;ISO3...}/indicator/{CODE}?format=json&per_page=20000`` for
Mexico, the U.S. and the comparison pool (World Bank region "Latin America & Caribbean"
plus Canada). Errors come back as HTTP 200 with a ``message`` envelope; the response is
paged (``page``/``pages``). Licence CC BY 4.0.
"""

from __future__ import annotations

import os
from datetime import date

from .base import Batch, Connector, fmt, load_json
from .http import Fetched, HttpClient, SourceError

# World Bank region LCN (Latin America & Caribbean) members, plus USA and CAN: the
# synthetic-control donor pool of intl.* series. Override with AIDWATCH_WORLDBANK_COUNTRIES.
POOL = (
    "ABW ARG ATG BHS BLZ BOL BRA BRB CAN CHL COL CRI CUB CUW CYM DMA DOM ECU GRD GTM GUY "
    "HND HTI JAM KNA LCA MAF MEX NIC PAN PER PRI PRY SLV SUR SXM TCA TTO URY USA VCT VEN "
    "VGB VIR"
).split()

INDICATORS = {
    # code: (source_id, title, panel series, {iso3: national series})
    "VC.IHR.PSRC.P5": ("wb-api-homicides",
                       "Intentional homicides (per 100,000 people), VC.IHR.PSRC.P5",
                       "intl.homicides.rate_per_100k",
                       {"MEX": "mx.homicides.rate_per_100k",
                        "USA": "us.homicides.rate_per_100k"}),
    "SP.POP.TOTL": ("wb-api-population", "Population, total, SP.POP.TOTL",
                    "intl.population",
                    {"MEX": "mx.population", "USA": "us.population"}),
}
NATIONAL_GEO = {"MEX": "MX", "USA": "US"}


def parse_indicator(source: str, payload: object, url: str = "") -> tuple[dict, list[dict]]:
    """(metadata, rows) of one page of an indicator response; error envelopes raise."""
    if (isinstance(payload, list) and payload and isinstance(payload[0], dict)
            and "message" in payload[0]):
        msgs = payload[0]["message"]
        text = "; ".join(f"{m.get('id')} {m.get('key')}: {m.get('value')}" for m in msgs)
        raise SourceError(source, f"the API answered with an error: {text}",
                          "check the country and indicator codes")
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], dict)):
        raise SourceError(source, f"unexpected response shape from {url or 'the API'} "
                          "(expected [metadata, data])")
    meta, rows = payload
    if rows is None:
        return meta, []
    if not isinstance(rows, list):
        raise SourceError(source, "unexpected response shape: data is not a list")
    for r in rows:
        missing = [k for k in ("countryiso3code", "date", "value", "indicator") if k not in r]
        if missing:
            raise SourceError(source, f"fields changed: a row lacks {', '.join(missing)}")
    return meta, rows


def map_rows(rows: list[dict], code: str, pool: set[str]) -> list[dict]:
    """Observation rows for one indicator (panel rows for the pool, national rows for MX/US)."""
    source_id, _, panel, national = INDICATORS[code]
    out = []
    for r in rows:
        iso3 = r["countryiso3code"] or ""
        if r["value"] is None or iso3 not in pool or not str(r["date"]).isdigit():
            continue
        value = float(r["value"])
        note = f"obs_status {r['obs_status']}" if r.get("obs_status") else ""
        base = {"period": str(r["date"]), "value": fmt(value), "status": "final",
                "source_id": source_id, "note": note}
        out.append({"series_id": panel, "geo": iso3, **base})
        if iso3 in national:
            out.append({"series_id": national[iso3], "geo": NATIONAL_GEO[iso3], **base})
    return out


class WorldBank(Connector):
    name = "worldbank"
    title = "World Bank Indicators API v2 (WDI): homicide rate and population"
    publisher = "World Bank, World Development Indicators"
    default_base_url = "https://api.worldbank.org"
    licence = "CC BY 4.0"
    citation = ("The World Bank: World Development Indicators: VC.IHR.PSRC.P5 (UNODC "
                "International Homicide Statistics), SP.POP.TOTL (UN World Population "
                "Prospects). https://data.worldbank.org")
    series_ids = tuple(s for v in INDICATORS.values() for s in (v[2], *v[3].values()))
    min_interval = 0.25

    def pool(self) -> list[str]:
        env = os.environ.get("AIDWATCH_WORLDBANK_COUNTRIES")
        return env.replace(",", " ").split() if env else list(POOL)

    def fetch(self, client: HttpClient, today: date) -> Batch:
        batch = Batch(self.name)
        pool = self.pool()
        for code, (source_id, title, _, _) in INDICATORS.items():
            url = f"{self.base_url}/v2/country/{';'.join(pool)}/indicator/{code}"
            rows: list[dict] = []
            page, pages, first = 1, 1, None
            while page <= pages:
                params = {"format": "json", "per_page": "20000"}
                if page > 1:
                    params["page"] = str(page)
                fetched: Fetched = client.get(self.name, url, params=params,
                                              min_interval=self.min_interval)
                batch.add_payload(fetched)
                meta, part = parse_indicator(self.name, load_json(self.name, fetched),
                                             fetched.url)
                first = first or (fetched, meta)
                rows.extend(part)
                pages = int(meta.get("pages") or 1)
                page += 1
            assert first is not None
            fetched, meta = first
            batch.observations.extend(map_rows(rows, code, set(pool)))
            batch.sources.append(self.source_row(
                source_id, title=title, url=fetched.url, today=today,
                table=f"indicator {code}, {len(pool)} economies, all years",
                notes=f"WDI last updated {meta.get('lastupdated', 'unknown')} "
                      f"(API metadata); {self.citation}"))
        return batch
