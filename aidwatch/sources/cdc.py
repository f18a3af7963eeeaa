"""CDC/NCHS VSRR provisional drug overdose death counts (data.cdc.gov dataset ``xkb8-kh2a``).

The connector reads the dataset's CSV export
(``{base}/api/views/xkb8-kh2a/rows.csv?accessType=DOWNLOAD``), maps columns by name (older
exports have another column order and no ``Predicted Value``), and keeps the 12-month-ending
counts: national by drug class, and all drugs by state. Every value is provisional: NCHS
restates the whole history each month. An app token (``AIDWATCH_CDC_APP_TOKEN``) is sent as
``X-App-Token`` when set. U.S. Government work (public domain).
"""

from __future__ import annotations

from datetime import date

from .base import Batch, Connector, decode, fmt, number, read_csv
from .http import HttpClient, SourceError

DATASET = "xkb8-kh2a"
SOURCE_ID = "cdc-vsrr-xkb8-kh2a"
MONTHS = {m: i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], start=1)}

# VSRR indicator -> class part of the series id ("" = all drugs).
INDICATORS = {
    "Number of Drug Overdose Deaths": "",
    "Opioids (T40.0-T40.4,T40.6)": "any_opioid",
    "Heroin (T40.1)": "heroin",
    "Natural & semi-synthetic opioids (T40.2)": "natural_semisynthetic_opioids",
    "Methadone (T40.3)": "methadone",
    "Synthetic opioids, excl. methadone (T40.4)": "synthetic_opioids",
    "Cocaine (T40.5)": "cocaine",
    "Psychostimulants with abuse potential (T43.6)": "psychostimulants",
}
REQUIRED = ("State", "Year", "Month", "Period", "Indicator", "Data Value")
ALIASES = {"state": "State", "year": "Year", "month": "Month", "period": "Period",
           "indicator": "Indicator", "data value": "Data Value",
           "predicted value": "Predicted Value", "footnote": "Footnote",
           "footnote symbol": "Footnote Symbol", "state name": "State Name",
           "percent complete": "Percent Complete",
           "percent pending investigation": "Percent Pending Investigation"}

_DEF = ("CDC/NCHS VSRR provisional count of drug overdose deaths occurring in the 12 months "
        "ending in the period's month (all deaths occurring in the U.S., including "
        "non-residents)")
_CLASS_TEXT = {
    "any_opioid": "involving any opioid (T40.0-T40.4, T40.6)",
    "heroin": "involving heroin (T40.1)",
    "natural_semisynthetic_opioids": "involving natural and semi-synthetic opioids (T40.2)",
    "methadone": "involving methadone (T40.3)",
    "synthetic_opioids": "involving synthetic opioids other than methadone (T40.4, mostly "
                         "fentanyl)",
    "cocaine": "involving cocaine (T40.5)",
    "psychostimulants": "involving psychostimulants with abuse potential (T43.6, mostly "
                        "methamphetamine)",
}


def series_id(drug: str, predicted: bool, by_state: bool = False) -> str:
    sid = "us.overdose_deaths" + (f".{drug}" if drug else "") + ".provisional_12m"
    sid += "_predicted" if predicted else ""
    return sid + (".by_state" if by_state else "")


def series_definitions() -> list[dict]:
    """Definitions of every series this connector writes (added only when absent)."""
    rows = []
    for drug in INDICATORS.values():
        for predicted in (False, True):
            what = "predicted value (adjusted for reporting delay)" if predicted else \
                "reported value (not adjusted for reporting delay)"
            klass = f"; {_CLASS_TEXT[drug]}; categories overlap, do not sum" if drug else ""
            label = drug.replace("_", " ") + " " if drug else ""
            rows.append(_series(series_id(drug, predicted),
                                f"U.S. provisional {label}overdose deaths, 12-month ending, "
                                + ("predicted" if predicted else "reported"),
                                "US", "observation", f"{_DEF}{klass}; {what}", 200000))
    for predicted in (False, True):
        rows.append(_series(
            series_id("", predicted, by_state=True),
            "Provisional overdose deaths by state, 12-month ending, "
            + ("predicted" if predicted else "reported"),
            "US jurisdictions (postal code per row; NY excludes New York City, YC)", "panel",
            f"{_DEF}; by state of occurrence; "
            + ("predicted value" if predicted else "reported value"), 50000))
    return rows


def _series(sid: str, name: str, geo: str, kind: str, definition: str, hi: float) -> dict:
    drug = next((d for d in INDICATORS.values() if d and f".{d}." in sid), "_T")
    return {"series_id": sid, "name": name, "unit": "deaths", "frequency": "monthly",
            "geo": geo, "kind": kind, "definition": definition,
            "default_source_id": SOURCE_ID, "min_value": "0", "max_value": str(hi),
            "valid_from": "2015", "valid_to": "2035", "selector": "",
            "measure": "overdose_deaths", "drug": drug, "intent": "_T", "sex": "_T",
            "age_group": "_T", "agency": "NCHS", "period_kind": "12m_ending"}


def parse_rows(source: str, rows: list[dict[str, str]]) -> list[dict]:
    """Observation rows from the export's rows (12-month-ending counts only)."""
    out = []
    for r in rows:
        if r["Period"].strip() != "12 month-ending":
            continue
        drug = INDICATORS.get(r["Indicator"].strip())
        if drug is None:
            continue
        state = r["State"].strip()
        if drug and state != "US":
            continue  # drug classes: national only (state cells are mostly suppressed)
        month = MONTHS.get(r["Month"].strip())
        if month is None or not r["Year"].strip().isdigit():
            raise SourceError(source, f"unexpected period {r['Year']!r} {r['Month']!r}")
        period = f"{int(r['Year']):04d}-{month:02d}"
        footnote = " ".join((r.get("Footnote") or "").split())
        note = f"12 months ending {r['Month'].strip()} {r['Year'].strip()}"
        if footnote:
            note += f"; file footnote: {footnote}"
        for predicted, col in ((False, "Data Value"), (True, "Predicted Value")):
            value = number(source, r.get(col, ""), f"{col} for {state} {period}")
            if value is None:
                continue
            status = "predicted" if predicted else "provisional"
            if state == "US":
                out.append({"series_id": series_id(drug, predicted), "geo": "US",
                            "period": period, "value": fmt(value), "status": status,
                            "source_id": SOURCE_ID, "note": note})
            else:
                out.append({"series_id": series_id("", predicted, by_state=True),
                            "geo": state, "period": period, "value": fmt(value),
                            "status": status, "source_id": SOURCE_ID, "note": note})
    return out


class CDC(Connector):
    name = "cdc"
    title = "CDC/NCHS VSRR provisional drug overdose death counts (data.cdc.gov xkb8-kh2a)"
    publisher = "CDC, National Center for Health Statistics (NVSS)"
    default_base_url = "https://data.cdc.gov"
    optional_keys = ("AIDWATCH_CDC_APP_TOKEN",)
    licence = "U.S. Government work (public domain)"
    citation = ("National Center for Health Statistics. VSRR Provisional Drug Overdose Death "
                "Counts. data.cdc.gov dataset xkb8-kh2a.")
    series_ids = tuple(r["series_id"] for r in series_definitions())
    min_interval = 1.0

    def fetch(self, client: HttpClient, today: date) -> Batch:
        batch = Batch(self.name)
        headers = {}
        if token := self.key("AIDWATCH_CDC_APP_TOKEN"):
            headers["X-App-Token"] = token
        fetched = client.get(self.name, f"{self.base_url}/api/views/{DATASET}/rows.csv",
                             params={"accessType": "DOWNLOAD"}, headers=headers,
                             min_interval=self.min_interval)
        batch.add_payload(fetched)
        rows = read_csv(self.name, decode(self.name, fetched), REQUIRED, fetched.url, ALIASES)
        batch.observations = parse_rows(self.name, rows)
        if not batch.observations:
            raise SourceError(self.name, "no 12-month-ending counts in the payload")
        latest = max(o["period"] for o in batch.observations)
        batch.series = series_definitions()
        batch.geos = [{"geo": "YC", "name": "New York City (VSRR reports it apart from NY)",
                       "level": "us_state", "source_id": SOURCE_ID}]
        batch.sources.append(self.source_row(
            SOURCE_ID, title=f"VSRR Provisional Drug Overdose Death Counts (dataset {DATASET})",
            url=fetched.url, today=today,
            table="12 month-ending counts: national by drug class, all drugs by state; "
                  f"latest period {latest}",
            notes="provisional; each monthly release restates history; drug classes overlap"))
        return batch
