"""ForeignAssistance.gov: U.S. foreign assistance to Mexico by fiscal year and stage.

Reads the "Country Summary" bulk file ``us_foreign_aid_country.csv`` from the public S3
bucket behind ForeignAssistance.gov (``{base}/us_foreign_aid_country.csv``), keeps Mexico,
and maps each (transaction type, fiscal year) onto a FundingLine with the same ids and
semantics as the embedded ``fagov-country-summary`` lines: stages requested (President's
Budget Requests), appropriated (Appropriated and Planned), obligated, disbursed; nominal
(current) dollars. U.S. Government work (public domain).
"""

from __future__ import annotations

import csv
import os
import re
from datetime import date
from pathlib import Path

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


SECTOR_SOURCE_ID = "fagov-complete-by-sector"
SECTOR_SERIES = "us.aid.mexico.by_sector"
COMPLETE_FILE = "us_foreign_aid_complete.csv"
SECTOR_REQUIRED = ("country code", "fiscal year", "transaction type name", "current amount",
                   "us sector name")
SECTOR_ALIASES = {"current dollar amount": "current amount", "current amount":
                  "current amount", "us sector name": "us sector name",
                  "country code": "country code", "fiscal year": "fiscal year",
                  "transaction type name": "transaction type name"}


def sector_lines(source: str, path: Path, country: str = "MEX",
                 name: str = "Mexico") -> tuple[list[dict], int]:
    """Funding lines by (fiscal year, stage, U.S. sector) from the complete transaction file.

    Streams the file (several GB) row by row; returns the lines and the number of
    (year, stage, sector) totals skipped because they were net negative (de-obligations).
    """
    totals: dict[tuple[str, str, str, str], float] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise SourceError(source, f"{COMPLETE_FILE} is empty")
            canon = [SECTOR_ALIASES.get(norm_header(h), norm_header(h)) for h in header]
            missing = [c for c in SECTOR_REQUIRED if c not in canon]
            if missing:
                raise SourceError(source, f"{COMPLETE_FILE}: columns changed: missing "
                                  f"{', '.join(map(repr, missing))}")
            col = {c: canon.index(c) for c in SECTOR_REQUIRED}
            for cells in reader:
                if len(cells) != len(canon):
                    if not cells:
                        continue
                    raise SourceError(source, f"truncated or malformed {COMPLETE_FILE}: line "
                                      f"{reader.line_num} has {len(cells)} fields, the header "
                                      f"has {len(canon)}")
                if cells[col["country code"]].strip() != country:
                    continue
                kind = cells[col["transaction type name"]].strip()
                stage = STAGES.get(kind.lower())
                fy = cells[col["fiscal year"]].strip()
                if stage is None or not fy.isdigit():
                    continue
                amount = number(source, cells[col["current amount"]], f"FY{fy} {kind}")
                if amount is None:
                    continue
                sector = " ".join(cells[col["us sector name"]].split()) or "Unspecified"
                key = (fy, stage, kind, sector)
                totals[key] = totals.get(key, 0.0) + amount
    except UnicodeDecodeError as exc:
        raise SourceError(source, f"{COMPLETE_FILE} is not UTF-8 ({exc.reason} at byte "
                          f"{exc.start} of a line)") from None
    lines, negative = [], 0
    for (fy, stage, kind, sector), amount in sorted(totals.items()):
        if amount < 0:
            negative += 1
            continue
        if amount == 0:
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", sector.lower()).strip("-")
        lines.append({
            "line_id": f"fagov-sector-{stage}-FY{fy}-{slug}", "donor": "United States",
            "recipient": name, "program": sector, "account": "all", "fy_start": fy,
            "fy_end": fy, "stage": stage, "amount_usd": fmt(round(amount)), "approximate": "no",
            "source_id": SECTOR_SOURCE_ID, "vehicle": kind,
            "note": "sum of the year's transactions in this U.S. Government sector"})
    return lines, negative


def sector_series() -> dict:
    return {"series_id": SECTOR_SERIES,
            "name": "U.S. foreign assistance to Mexico by U.S. sector (ForeignAssistance.gov)",
            "unit": "USD", "frequency": "fiscal_year", "geo": "MX", "kind": "funding",
            "definition": "Obligations and disbursements to Mexico summed by fiscal year and "
                          "U.S. Government sector (program = sector) from ForeignAssistance.gov "
                          "transactions; sectors add up to the country total of the same stage",
            "default_source_id": SECTOR_SOURCE_ID, "min_value": "0",
            "max_value": "5000000000", "valid_from": "1946", "valid_to": "2035",
            "selector": f"recipient=Mexico;source_id={SECTOR_SOURCE_ID}",
            "measure": "assistance", "drug": "_Z", "intent": "_Z", "sex": "_Z",
            "age_group": "_Z", "agency": "FAGOV", "period_kind": "fiscal_year"}


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
        # The line ids, source and series are Mexico's: another country would overwrite them.
        country = "MEX"
        batch.funding = parse_rows(self.name, rows, country)
        if not batch.funding:
            raise SourceError(self.name, f"no rows for country {country} in {FILE}")
        if os.environ.get("AIDWATCH_FOREIGNASSISTANCE_SECTORS", "").strip() not in ("", "0"):
            self._sectors(client, today, batch, country)
        modified = fetched.headers.get("last-modified") or fetched.headers.get("Last-Modified")
        batch.sources.append(self.source_row(
            SOURCE_ID, title="U.S. foreign assistance, Country Summary (us_foreign_aid_country"
            ".csv)", url=fetched.url, today=today,
            table="Mexico, all agencies, by transaction type and fiscal year, current USD",
            notes="Totals of all U.S. assistance (not only security); no account breakdown; "
                  "\"Appropriated and Planned\" stored as stage appropriated"
                  + (f"; file Last-Modified {modified}" if modified else "")))
        return batch

    def _sectors(self, client: HttpClient, today: date, batch: Batch, country: str) -> None:
        """Opt-in: stream the complete transaction file and add lines by U.S. sector."""
        fetched = client.download(self.name, f"{self.base_url}/{COMPLETE_FILE}",
                                  min_interval=self.min_interval)
        batch.add_payload(fetched)
        assert fetched.path is not None
        lines, negative = sector_lines(self.name, fetched.path, country)
        if not lines:
            raise SourceError(self.name, f"no rows for country {country} in {COMPLETE_FILE}")
        batch.funding.extend(lines)
        batch.series.append(sector_series())
        if negative:
            batch.notes.append(f"{negative} net-negative sector totals (de-obligations) "
                               "skipped")
        batch.sources.append(self.source_row(
            SECTOR_SOURCE_ID, title="U.S. foreign assistance, complete transaction data "
            "(us_foreign_aid_complete.csv)", url=fetched.url, today=today,
            table="Mexico, obligations and disbursements summed by fiscal year and U.S. sector",
            notes="current dollars; agencies report quarterly, the latest year is partial"))
