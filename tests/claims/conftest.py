"""A small, known evidence base for the claim checker's tests (frames, no store needed)."""

from __future__ import annotations

import pandas as pd
import pytest

from aidwatch.claims.link import Evidence

SERIES = [
    # series_id, name, unit, frequency, kind, selector
    ("us.overdose_deaths.total", "U.S. drug overdose deaths, all drugs", "deaths", "annual",
     "observation", None),
    ("us.overdose_deaths.unintentional", "U.S. unintentional drug overdose deaths", "deaths",
     "annual", "observation", None),
    ("us.overdose_deaths.synthetic_opioids", "U.S. overdose deaths involving synthetic opioids",
     "deaths", "annual", "observation", None),
    ("us.overdose_deaths.provisional_12m", "U.S. provisional overdose deaths, 12-month ending",
     "deaths", "monthly", "observation", None),
    ("us.overdose_deaths.synthetic_opioids.provisional_12m",
     "U.S. provisional synthetic-opioid overdose deaths, 12-month ending", "deaths", "monthly",
     "observation", None),
    ("us.overdose_deaths.total.rate_age_adjusted", "U.S. overdose death rate, age-adjusted",
     "per 100,000 population, age-adjusted", "annual", "observation", None),
    ("us.overdose_deaths.by_state", "by state", "deaths", "annual", "panel", None),
    ("mx.homicides.inegi.rate_per_100k", "Mexico homicide rate (INEGI)",
     "per 100,000 population", "annual", "observation", None),
    ("mx.homicides.inegi.count", "Mexico homicides (INEGI)", "deaths", "annual",
     "observation", None),
    ("mx.homicide_victims.sesnsp.monthly", "Mexico homicide victims (SESNSP), monthly",
     "victims", "monthly", "observation", None),
    ("fx.brl_per_usd.annual", "Brazilian reais per U.S. dollar", "BRL per USD", "annual",
     "observation", None),
    ("fx.mxn_per_usd.annual", "Mexican pesos per U.S. dollar", "MXN per USD", "annual",
     "observation", None),
    ("us.aid.mexico.merida", "Mérida Initiative funding for Mexico", "USD", "fiscal_year",
     "funding", "recipient=Mexico;program=Mérida Initiative|Bicentennial Framework"),
]
# series_id → measure, drug, intent, sex, age_group, agency, period_kind (the cube's dimensions)
OD = ("overdose_deaths", "_T", "_T", "_T", "_T", "NCHS", "year")
DIMS = {
    "us.overdose_deaths.total": OD,
    "us.overdose_deaths.unintentional": ("overdose_deaths", "_T", "unintentional", "_T", "_T",
                                         "NCHS", "year"),
    "us.overdose_deaths.synthetic_opioids": ("overdose_deaths", "synthetic_opioids", "_T",
                                             "_T", "_T", "NCHS", "year"),
    "us.overdose_deaths.provisional_12m": (*OD[:6], "12m_ending"),
    "us.overdose_deaths.synthetic_opioids.provisional_12m": (
        "overdose_deaths", "synthetic_opioids", "_T", "_T", "_T", "NCHS", "12m_ending"),
    "us.overdose_deaths.total.rate_age_adjusted": OD,
    "us.overdose_deaths.by_state": OD,
    "mx.homicides.inegi.rate_per_100k": ("homicides", "_Z", "_Z", "_T", "_T", "INEGI", "year"),
    "mx.homicides.inegi.count": ("homicides", "_Z", "_Z", "_T", "_T", "INEGI", "year"),
    "mx.homicide_victims.sesnsp.monthly": ("homicide_victims", "_Z", "_Z", "_T", "_T", "SESNSP",
                                           "month"),
    "fx.brl_per_usd.annual": ("exchange_rate", "_Z", "_Z", "_Z", "_Z", "FRB", "year"),
    "fx.mxn_per_usd.annual": ("exchange_rate", "_Z", "_Z", "_Z", "_Z", "FRB", "year"),
    "us.aid.mexico.merida": ("assistance", "_Z", "_Z", "_Z", "_Z", "MIXED", "fiscal_year"),
}
HOMICIDE_RATE = {2004: 9.0, 2005: 9.3, 2006: 9.7, 2007: 8.1, 2008: 12.7, 2009: 17.6,
                 2010: 21.8, 2011: 22.8, 2019: 29.1, 2023: 24.9}
OBS = [
    ("us.overdose_deaths.total", "2007", 36010, "final", "nida"),
    ("us.overdose_deaths.total", "2019", 70630, "final", "nida"),
    ("us.overdose_deaths.total", "2021", 106699, "final", "nida"),
    ("us.overdose_deaths.total", "2022", 107941, "final", "nchs-db"),
    ("us.overdose_deaths.total", "2023", 105007, "final", "nchs-db"),
    ("us.overdose_deaths.unintentional", "2007", 27658, "final", "cdc-unintentional"),
    ("us.overdose_deaths.synthetic_opioids", "2021", 70601, "final", "nida"),
    ("us.overdose_deaths.synthetic_opioids", "2022", 73838, "final", "nchs-db"),
    ("us.overdose_deaths.provisional_12m", "2023-12", 107543, "provisional", "vsrr"),
    ("us.overdose_deaths.synthetic_opioids.provisional_12m", "2023-12", 74702, "provisional",
     "vsrr"),
    ("us.overdose_deaths.total.rate_age_adjusted", "2021", 32.4, "final", "nida"),
    ("us.overdose_deaths.by_state", "2021", 5174, "final", "nchs-state"),
    *[("mx.homicides.inegi.rate_per_100k", str(y), v, "final", "inegi")
      for y, v in HOMICIDE_RATE.items()],
    ("mx.homicides.inegi.count", "2007", 8867, "final", "inegi"),
    ("mx.homicides.inegi.count", "2019", 36661, "final", "inegi"),
    ("mx.homicides.inegi.count", "2023", 32252, "final", "inegi"),
    *[("mx.homicide_victims.sesnsp.monthly", f"2023-{m:02d}", 2500, "final", "sesnsp")
      for m in range(1, 13)],
    ("fx.brl_per_usd.annual", "2023", 4.9946, "final", "frb"),
    ("fx.brl_per_usd.annual", "2024", 5.3872, "final", "frb"),
    ("fx.mxn_per_usd.annual", "2023", 17.7334, "final", "frb"),
    ("fx.mxn_per_usd.annual", "2024", 18.3062, "final", "frb"),
]
FUNDING = [
    # line_id, recipient, program, fy_start, fy_end, stage, amount, approximate, source
    ("l1", "Mexico", "Mérida Initiative", 2008, 2021, "appropriated", 3.3e9, "yes (roughly)",
     "crs-2021"),
    ("l2", "Mexico", "Mérida Initiative", 2009, 2009, "appropriated", 420e6, "no", "embassy"),
    ("l3", "Mexico", "Mérida Initiative", 2013, 2013, "requested", 234e6, "no", "press"),
    ("l4", "Central America", "Mérida Initiative", 2009, 2009, "appropriated", 110e6, "no",
     "crs-2009"),
]
EVENTS = [
    ("e1", "2020-10-15", "day", "arrest", "US;MX",
     "Former defense secretary Salvador Cienfuegos arrested in Los Angeles",
     "U.S. agents arrest General Cienfuegos on drug trafficking charges.", "wapo"),
    ("e2", "2020-12-15", "day", "law", "MX", "Mexico restricts foreign agents",
     "Congress passes the law regulating foreign agents.", "reuters"),
    ("e3", "2021-10-08", "day", "agreement", "US;MX",
     "Bicentennial Framework launched at High-Level Security Dialogue",
     "The two governments agree a new framework replacing the Mérida Initiative.", "voa"),
    ("e4", "2024-07-25", "day", "arrest", "US;MX",
     "Ismael 'El Mayo' Zambada taken into U.S. custody",
     "Zambada detained in El Paso after landing with Joaquín Guzmán López.", "ktsm"),
    ("e5", "2007-10-22", "day", "policy", "US;MX", "Mérida Initiative announced",
     "Presidents Bush and Calderón announce the Mérida Initiative.", "state"),
]


def make_evidence() -> Evidence:
    series = pd.DataFrame(SERIES, columns=["series_id", "name", "unit", "frequency", "kind",
                                           "selector"])
    dims = ["measure", "drug", "intent", "sex", "age_group", "agency", "period_kind"]
    for i, name in enumerate(dims):
        series[name] = [DIMS[sid][i] for sid in series["series_id"]]
    obs = pd.DataFrame(OBS, columns=["series_id", "period", "value", "status", "source_id"])
    obs["geo"] = ["OH" if sid.endswith("by_state") else sid[:2].upper()
                  for sid in obs["series_id"]]
    funding = pd.DataFrame(FUNDING, columns=["line_id", "recipient", "program", "fy_start",
                                             "fy_end", "stage", "amount_usd", "approximate",
                                             "source_id"])
    events = pd.DataFrame(EVENTS, columns=["event_id", "date", "precision", "kind", "actors",
                                           "title", "description", "source_id"])
    publishers = {s: s.upper() for s in set(obs["source_id"]) | set(funding["source_id"]) |
                  set(events["source_id"])}
    return Evidence(series=series, observations=obs, funding=funding, events=events,
                    sources=publishers, publishers=publishers, snapshot="test-snapshot",
                    places={"Ohio": "OH", "Sinaloa": "MX-25", "Chihuahua": "MX-08"})


@pytest.fixture(scope="session")
def evidence() -> Evidence:
    return make_evidence()
