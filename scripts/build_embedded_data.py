"""Regenerate the derived CSV files of the embedded evidence base from the public copies.

    python scripts/build_embedded_data.py [--shared ../shared/data]

Reads the files in ``shared/data`` (each documented there with its original publisher) and
writes ``aidwatch/data/obs_*.csv`` and ``aidwatch/data/funding_fagov_merida_text.csv``.
Values are copied as published (the original text of each number is kept); the only
computations are sums over categories that the source itself splits (SESNSP victims by
means, sex and age are summed to state-month and national-month totals) and the
annual CPI-U averages for 2014-2024 (mean of the 12 published months, BLS's own method),
and each such row says so in its ``note``.

It also writes ``geos.csv`` (codes and names of the countries and states in the panels).
Hand-typed files (``sources.csv``, ``series.csv``, ``events.csv``, ``obs_*_typed.csv``,
``funding_typed.csv``) are not touched by this script.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "aidwatch" / "data"
OBS_FIELDS = ["series_id", "geo", "period", "value", "status", "source_id", "note"]

# World Bank region "Latin America & Caribbean" (LCN), the 42 economies of the WDI country
# classification; the comparison pool for Mexico.
LAC = (
    "ABW ARG ATG BHS BLZ BOL BRA BRB CHL COL CRI CUB CUW CYM DMA DOM ECU GRD GTM GUY HND HTI "
    "JAM KNA LCA MAF MEX NIC PAN PER PRI PRY SLV SUR SXM TCA TTO URY VCT VEN VGB VIR"
).split()
PANEL_COUNTRIES = sorted(set(LAC) | {"USA", "CAN"})

NIDA_CATEGORIES = {
    "Total Overdose Deaths": "total",
    "Any Opioid": "any_opioid",
    "Prescription Opioids": "prescription_opioids",
    "Synthetic Opioids other than Methadone (primarily fentanyl)": "synthetic_opioids",
    "Heroin": "heroin",
    "Stimulants": "stimulants",
    "Cocaine": "cocaine",
    "Psychostimulants With Abuse Potential (primarily methamphetamine)": "psychostimulants",
    "Benzodiazepines": "benzodiazepines",
    "Antidepressants": "antidepressants",
}

US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}

FAGOV_STAGES = {
    "President's Budget Requests": "requested",
    "Appropriated and Planned": "appropriated",
    "Obligations": "obligated",
    "Disbursements": "disbursed",
}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write(name: str, fields: list[str], rows: list[dict]) -> None:
    with (OUT / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {name}: {len(rows)} rows")


def obs(series_id, geo, period, value, status, source_id, note=""):
    return dict(series_id=series_id, geo=geo, period=period, value=value, status=status,
                source_id=source_id, note=note)


def build_nida(shared: Path) -> None:
    rows = []
    for r in read(shared / "nida_us_drug_overdose_deaths_by_drug_1999_2021.csv"):
        if r["sex"] not in ("Both sexes",) or r["value"] == "":
            continue
        if r["sheet"] == "Historical Data":
            if r["measure"] != "deaths":
                continue  # crude rates 1980-2008 come from a different table; not used
            rows.append(obs("us.drug_poisoning_deaths.historical", "US", r["year"], r["value"],
                            "final", "nida-overdose-1999-2021-historical"))
            continue
        key = NIDA_CATEGORIES.get(r["drug_category"])
        if key is None:
            continue
        if r["measure"] == "deaths":
            sid = f"us.overdose_deaths.{key}"
        else:
            sid = f"us.overdose_deaths.{key}.rate_age_adjusted"
        table = "number" if r["measure"] == "deaths" else "rate"
        rows.append(obs(sid, "US", r["year"], r["value"], "final",
                        f"nida-overdose-1999-2021-{table}"))
    rows.sort(key=lambda r: (r["series_id"], r["period"]))
    write("obs_us_overdose_nida.csv", OBS_FIELDS, rows)


NIDA_SEXES = {"Female": "female", "Male": "male"}


def build_nida_by_sex(shared: Path) -> None:
    """Deaths and age-adjusted rates by sex for the main drug categories, as published.

    The workbook prints a Female and a Male row under each category; for the categories kept
    here Female + Male equals the both-sexes count in every year (checked in the tests).
    """
    rows = []
    for r in read(shared / "nida_us_drug_overdose_deaths_by_drug_1999_2021.csv"):
        sex = NIDA_SEXES.get(r["sex"])
        key = NIDA_CATEGORIES.get(r["drug_category"])
        if sex is None or key is None or r["sheet"] == "Historical Data" or r["value"] == "":
            continue
        table = "number" if r["measure"] == "deaths" else "rate"
        sid = f"us.overdose_deaths.{key}.{sex}"
        if table == "rate":
            sid = f"us.overdose_deaths.{key}.rate_age_adjusted.{sex}"
        rows.append(obs(sid, "US", r["year"], r["value"], "final",
                        f"nida-overdose-1999-2021-{table}-by-sex",
                        f"workbook row {r['source_row']} ({r['sex']})"))
    rows.sort(key=lambda r: (r["series_id"], r["period"]))
    write("obs_us_overdose_nida_by_sex.csv", OBS_FIELDS, rows)


def build_nchs_states(shared: Path) -> None:
    rows = []
    for r in read(shared / "nchs_drug_poisoning_mortality_by_state_1999_2017.csv"):
        if (r["Sex"], r["Age Group"], r["Race and Hispanic Origin"]) != (
            "Both Sexes", "All Ages", "All Races-All Origins"):
            continue
        if r["State"] == "United States":
            continue
        geo = US_STATES[r["State"]]
        rows.append(obs("us.overdose_deaths.by_state", geo, r["Year"], r["Deaths"], "final",
                        "nchs-drug-poisoning-by-state"))
        rows.append(obs("us.overdose_deaths.by_state.rate_age_adjusted", geo, r["Year"],
                        r["Age-adjusted Rate"], "final", "nchs-drug-poisoning-by-state"))
    rows.sort(key=lambda r: (r["series_id"], r["geo"], r["period"]))
    write("obs_us_overdose_by_state_nchs.csv", OBS_FIELDS, rows)


def build_wdi(shared: Path) -> None:
    rates, pops = [], []
    for r in read(shared / "wdi_intentional_homicides_per100k_VC.IHR.PSRC.P5.csv"):
        if r["iso3"] not in PANEL_COUNTRIES:
            continue
        src = "wb-wdi-homicides"
        rates.append(obs("intl.homicides.rate_per_100k", r["iso3"], r["year"],
                         r["rate_per_100k"], "final", src))
        if r["iso3"] == "MEX":
            rates.append(obs("mx.homicides.rate_per_100k", "MX", r["year"], r["rate_per_100k"],
                             "final", src))
        if r["iso3"] == "USA":
            rates.append(obs("us.homicides.rate_per_100k", "US", r["year"], r["rate_per_100k"],
                             "final", src))
    for r in read(shared / "wdi_population_total_SP.POP.TOTL.csv"):
        if r["iso3"] not in PANEL_COUNTRIES:
            continue
        src = "wb-wdi-population"
        pops.append(obs("intl.population", r["iso3"], r["year"], r["population"], "final", src))
        if r["iso3"] == "MEX":
            pops.append(obs("mx.population", "MX", r["year"], r["population"], "final", src))
        if r["iso3"] == "USA":
            pops.append(obs("us.population", "US", r["year"], r["population"], "final", src))
    rates.sort(key=lambda r: (r["series_id"], r["geo"], int(r["period"])))
    pops.sort(key=lambda r: (r["series_id"], r["geo"], int(r["period"])))
    write("obs_homicide_rates_wdi.csv", OBS_FIELDS, rates)
    write("obs_population_wdi.csv", OBS_FIELDS, pops)


def build_sesnsp(shared: Path) -> None:
    state = defaultdict(int)
    national = defaultdict(int)
    months = set()
    for r in read(shared / "sesnsp_victimas_homicidio_doloso_feminicidio_estado_mes_2015_2025.csv"):
        kind = {"Homicidio doloso": "homicide", "Feminicidio": "femicide"}[r["subtipo_de_delito"]]
        period = f"{int(r['n_year']):04d}-{int(r['n_month']):02d}"
        n = int(r["n_victimas"])
        months.add(period)
        state[(kind, "MX-" + r["cve_ent"].zfill(2), period)] += n
        national[(kind, period)] += n
    rows = []
    last_year = max(months)[:4]
    note_sum = "sum over means, sex and age group of the published rows"
    for kind in ("homicide", "femicide"):
        for period in sorted(months):
            status = "provisional" if period[:4] == last_year else "final"
            rows.append(obs(f"mx.{kind}_victims.sesnsp.monthly", "MX", period,
                            str(national[(kind, period)]), status, "sesnsp-victimas-estatal",
                            note_sum + " and states"))
            for cve in range(1, 33):
                geo = f"MX-{cve:02d}"
                # The published file lists only non-zero combinations; absent means 0.
                rows.append(obs(f"mx.{kind}_victims.by_state_month", geo, period,
                                str(state.get((kind, geo, period), 0)), status,
                                "sesnsp-victimas-estatal", note_sum))
    write("obs_mx_homicide_victims_sesnsp.csv", OBS_FIELDS, rows)


# SESNSP's sex and age labels -> series suffix. "No identificado" (sex and age both unknown)
# stays in the national total only; "No especificado" age likewise.
SESNSP_SEXES = {"Mujer": "female", "Hombre": "male"}
SESNSP_AGES = {"Menores de edad (0-17)": "age_0_17", "Adultos (18 y más)": "age_18plus"}


def build_sesnsp_by_sex_age(shared: Path) -> None:
    """National monthly homicidio-doloso victims by sex and by age group (SESNSP's groups)."""
    by = defaultdict(int)
    months = set()
    for r in read(shared / "sesnsp_victimas_homicidio_doloso_feminicidio_estado_mes_2015_2025.csv"):
        if r["subtipo_de_delito"] != "Homicidio doloso":
            continue
        period = f"{int(r['n_year']):04d}-{int(r['n_month']):02d}"
        months.add(period)
        n = int(r["n_victimas"])
        if r["genero"] in SESNSP_SEXES:
            by[(SESNSP_SEXES[r["genero"]], period)] += n
        if r["rango_de_edad"] in SESNSP_AGES:
            by[(SESNSP_AGES[r["rango_de_edad"]], period)] += n
    rows = []
    last_year = max(months)[:4]
    labels = {**{v: f"age groups of the rows with genero={k}" for k, v in SESNSP_SEXES.items()},
              **{v: f"sexes of the rows with rango_de_edad={k}" for k, v in SESNSP_AGES.items()}}
    for part, label in labels.items():
        for period in sorted(months):
            status = "provisional" if period[:4] == last_year else "final"
            rows.append(obs(f"mx.homicide_victims.sesnsp.monthly.{part}", "MX", period,
                            str(by.get((part, period), 0)), status, "sesnsp-victimas-estatal",
                            f"sum over states, means and {label}"))
    write("obs_mx_homicide_victims_sesnsp_by_sex_age.csv", OBS_FIELDS, rows)


def build_geos(shared: Path) -> None:
    rows = [dict(geo="US", name="United States", level="country", source_id="wb-wdi-population"),
            dict(geo="MX", name="Mexico", level="country", source_id="wb-wdi-population")]
    names = {r["iso3"]: r["country"] for r in read(shared / "wdi_population_total_SP.POP.TOTL.csv")}
    rows += [dict(geo=c, name=names[c], level="country", source_id="wb-wdi-population")
             for c in PANEL_COUNTRIES]
    rows += [dict(geo=code, name=name, level="us_state", source_id="nchs-drug-poisoning-by-state")
             for name, code in sorted(US_STATES.items(), key=lambda kv: kv[1])]
    mx = {}
    for r in read(shared / "sesnsp_victimas_homicidio_doloso_feminicidio_estado_mes_2015_2025.csv"):
        mx["MX-" + r["cve_ent"].zfill(2)] = r["nombre_estado"]
    rows += [dict(geo=g, name=n, level="mx_state", source_id="sesnsp-victimas-estatal")
             for g, n in sorted(mx.items())]
    write("geos.csv", ["geo", "name", "level", "source_id"], rows)


def build_prices(shared: Path) -> None:
    rows = []
    for r in read(shared / "bls_cpi_u_monthly_nsa_2000_2024.csv"):
        rows.append(obs("us.cpi_u.monthly", "US", r["Date"][:7], r["Index"], "final",
                        "bls-cpi-u-monthly"))
    for r in read(shared / "bls_cpi_u_annual_average_2000_2024.csv"):
        if r["bls_published_annual_avg"]:
            rows.append(obs("us.cpi_u.annual", "US", r["year"], r["bls_published_annual_avg"],
                            "final", "bls-cpi-u-annual-published"))
        else:
            value = Decimal(r["annual_avg_computed_mean_of_12_published_months"]).quantize(
                Decimal("0.001"), rounding=ROUND_HALF_UP)
            rows.append(obs("us.cpi_u.annual", "US", r["year"], str(value), "final",
                            "bls-cpi-u-monthly",
                            "mean of the 12 published monthly values, rounded to 3 decimals "
                            "(BLS's method); no published annual table read for this year"))
    for r in read(shared / "fed_h10_annual_avg_fx_mxn_brl_per_usd.csv"):
        sid = {"Mexico": "fx.mxn_per_usd.annual", "Brazil": "fx.brl_per_usd.annual"}[r["Country"]]
        rows.append(obs(sid, "US", r["Date"][:4], r["Exchange rate"], "final", "frb-h10-annual"))
    rows.sort(key=lambda r: (r["series_id"], r["period"]))
    write("obs_prices_fx.csv", OBS_FIELDS, rows)


FUNDING_FIELDS = ["line_id", "donor", "recipient", "program", "account", "fy_start", "fy_end",
                  "stage", "amount_usd", "approximate", "source_id", "vehicle", "note"]


def _fy_range(text: str) -> tuple[int, int] | None:
    years = [int(y) for y in re.findall(r"FY(\d{4})", text)]
    if not years or "annual average" in text or "?" in text:
        return None
    return min(years), max(years)


def merida_source_id(r: dict[str, str]) -> str:
    doc = r["document_id"] or r["publisher"]
    slug = re.sub(r"[^a-z0-9]+", "-", doc.lower()).strip("-")
    return f"{slug}-{r['document_date'] or 'undated'}"


def build_funding(shared: Path) -> None:
    rows = []
    for r in read(shared / "foreignassistance_gov_country_summary_western_hemisphere.csv"):
        if r["Country Code"] != "MEX" or not r["Fiscal Year"].isdigit():
            continue
        fy = int(r["Fiscal Year"])
        stage = FAGOV_STAGES[r["Transaction Type Name"]]
        note = "FY2025 partial in this vintage" if fy >= 2025 else ""
        rows.append(dict(line_id=f"fagov-{stage}-FY{fy}", donor="United States",
                         recipient="Mexico", program="All U.S. foreign assistance",
                         account="all", fy_start=fy, fy_end=fy, stage=stage,
                         amount_usd=r["current_amount"], approximate="no",
                         source_id="fagov-country-summary",
                         vehicle=r["Transaction Type Name"], note=note))
    for r in read(shared / "merida_initiative_funding_figures_from_text.csv"):
        fys = _fy_range(r["fiscal_year"])
        if fys is None or r["figure_type"] not in ("appropriation", "request",
                                                     "cumulative_appropriation", "assistance"):
            continue  # annual averages and undated cumulative figures are not funding lines
        stage = "requested" if r["figure_type"] == "request" else "appropriated"
        account = {"all Merida accounts": "all"}.get(r["account"], r["account"])
        program = "Mérida Initiative"
        if "non-Merida" in r["account"] or "counternarcotics" in r["account"]:
            program = r["account"]
            account = "all"
        amount = Decimal(r["amount_usd_millions"]) * 1_000_000
        note = "; ".join(x for x in (r["fiscal_year"] if "incl." in r["fiscal_year"] else "",
                                     r["notes"]) if x)
        rows.append(dict(line_id=f"text-{r['figure_id']}", donor="United States",
                         recipient=r["recipient"], program=program, account=account,
                         fy_start=fys[0], fy_end=fys[1], stage=stage,
                         amount_usd=format(amount.quantize(Decimal(1)), "f"),
                         approximate=r["approximate"], source_id=merida_source_id(r),
                         vehicle=r["funding_vehicle"], note=note))
    write("funding_fagov_merida_text.csv", FUNDING_FIELDS, rows)


def table_kind(name: str) -> str:
    """The AidWatch table a data file holds, from its name."""
    if name in ("sources.csv", "series.csv", "events.csv", "geos.csv"):
        return name.removesuffix(".csv")
    if name.startswith("obs_"):
        return "observations"
    if name.startswith("funding"):
        return "funding"
    raise SystemExit(f"{name}: cannot tell which table it holds (name it obs_*, funding*)")


def write_datapackage() -> None:
    sys.path.insert(0, str(ROOT))
    from aidwatch.validate import datapackage_descriptor

    order = {"sources": 0, "series": 1, "geos": 2, "observations": 3, "funding": 4, "events": 5}
    resources = sorted(((p.name, table_kind(p.name)) for p in OUT.glob("*.csv")),
                       key=lambda r: (order[r[1]], r[0]))
    sources = read(OUT / "sources.csv")
    descriptor = datapackage_descriptor(resources, sources)
    (OUT / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False)
                                          + "\n", encoding="utf-8")
    print(f"wrote datapackage.json: {len(resources)} resources")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=None,
                    help="directory to write to (default: aidwatch/data)")
    ap.add_argument("--datapackage-only", action="store_true",
                    help="only rewrite datapackage.json (after editing a hand-typed file)")
    args = ap.parse_args()
    global OUT
    OUT = args.out or OUT
    if not args.datapackage_only:
        for step in (build_nida, build_nida_by_sex, build_nchs_states, build_wdi, build_sesnsp,
                     build_sesnsp_by_sex_age, build_prices, build_funding, build_geos):
            step(args.shared)
    write_datapackage()


if __name__ == "__main__":
    main()
