"""ForeignAssistance.gov: U.S. foreign assistance to Mexico by fiscal year and stage.

Reads the "Country Summary" bulk file ``us_foreign_aid_country.csv`` from the public S3
bucket behind ForeignAssistance.gov (``{base}/us_foreign_aid_country.csv``), keeps Mexico,
and maps each (transaction type, fiscal year) onto a FundingLine with the same ids and
semantics as the embedded ``fagov-country-summary`` lines: stages requested (President's
Budget Requests), appropriated (Appropriated and Planned), obligated, disbursed; nominal
(current) dollars. U.S. Government work (public domain).
"""

from __future__ import annotations

import os
from datetime import date

from .base import Batch, Connector, decode, fmt, norm_header, number, read_csv
from .http import HttpClient, SourceError

SOURCE_ID = "fagov-country-summary"
FILE = "us_foreign_aid_country.csv"
STAGES = {
    "obligations": "obligated",
    "disbursements": "disbursed",
    "appropriated and planned": "appropriated",
    "president's budget requests": "requested",
}
REQUIRED = ("country code", "country name", "transaction type name", "fiscal year",
            "current amount")
# Current Title-Case headers and older snake_case ones map onto the same names.
ALIASES = {"current dollar amount": "current amount", "country code": "country code",
           "country name": "country name", "transaction type name": "transaction type name",
           "fiscal year": "fiscal year", "current amount": "current amount",
           "constant dollar amount": "constant amount", "constant amount": "constant amount"}


def parse_rows(source: str, rows: list[dict[str, str]], country: str = "MEX",
               name: str = "Mexico") -> list[dict]:
    """Funding lines for one country from the country-summary rows."""
    lines: dict[str, dict] = {}
    for r in rows:
        if r["country code"].strip() != country:
            continue
        kind = r["transaction type name"].strip()
        stage = STAGES.get(kind.lower())
        if stage is None:
            continue
        fy = r["fiscal year"].strip()
        if not fy.isdigit():
            continue  # "1976tq": the transition quarter is not a fiscal year
        amount = number(source, r["current amount"], f"amount for FY{fy} {kind}")
        if amount is None or amount == 0:
            continue
        if amount < 0:
            continue  # net de-obligations: not a stage amount the store can hold
        line_id = f"fagov-{stage}-FY{fy}"
        if line_id in lines:
            raise SourceError(source, f"two rows for {line_id}: the file layout changed")
        lines[line_id] = {
            "line_id": line_id, "donor": "United States", "recipient": name,
            "program": "All U.S. foreign assistance", "account": "all", "fy_start": fy,
            "fy_end": fy, "stage": stage, "amount_usd": fmt(amount), "approximate": "no",
            "source_id": SOURCE_ID, "vehicle": kind, "note": ""}
    for stage in ("obligated", "disbursed"):
        years = [int(v["fy_start"]) for v in lines.values() if v["stage"] == stage]
        if years:
            lines[f"fagov-{stage}-FY{max(years)}"]["note"] = (
                "latest fiscal year in this release; agencies report quarterly, likely partial")
    return sorted(lines.values(), key=lambda v: (v["stage"], int(v["fy_start"])))


class ForeignAssistance(Connector):
    name = "foreignassistance"
    title = "ForeignAssistance.gov country summary: U.S. assistance to Mexico by FY and stage"
    publisher = "U.S. Department of State and USAID, ForeignAssistance.gov"
    default_base_url = "https://s3.amazonaws.com/files.explorer.devtechlab.com"
    licence = "U.S. Government work (public domain)"
    citation = ("ForeignAssistance.gov, U.S. Department of State and USAID: U.S. foreign "
                "assistance, Country Summary (us_foreign_aid_country.csv).")
    series_ids = ("us.aid.mexico", "us.aid.mexico.total")
    min_interval = 1.0

    def fetch(self, client: HttpClient, today: date) -> Batch:
        batch = Batch(self.name)
        fetched = client.get(self.name, f"{self.base_url}/{FILE}",
                             min_interval=self.min_interval)
        batch.add_payload(fetched)
        text = decode(self.name, fetched, ("utf-8", "cp1252"))
        aliases = {norm_header(k): v for k, v in ALIASES.items()}
        rows = read_csv(self.name, text, REQUIRED, fetched.url, aliases)
        country = os.environ.get("AIDWATCH_FOREIGNASSISTANCE_COUNTRY", "MEX")
        batch.funding = parse_rows(self.name, rows, country)
        if not batch.funding:
            raise SourceError(self.name, f"no rows for country {country} in {FILE}")
        modified = fetched.headers.get("last-modified") or fetched.headers.get("Last-Modified")
        batch.sources.append(self.source_row(
            SOURCE_ID, title="U.S. foreign assistance, Country Summary (us_foreign_aid_country"
            ".csv)", url=fetched.url, today=today,
            table="Mexico, all agencies, by transaction type and fiscal year, current USD",
            notes="Totals of all U.S. assistance (not only security); no account breakdown; "
                  "\"Appropriated and Planned\" stored as stage appropriated"
                  + (f"; file Last-Modified {modified}" if modified else "")))
        return batch
