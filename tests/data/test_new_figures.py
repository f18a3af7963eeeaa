"""Cross-checks of the figures added for scope-exact claims: parts against wholes, rates
against counts, vintages against final figures. Each test reads the embedded CSV files, so a
typo in a hand-typed figure or a wrong filter in scripts/build_embedded_data.py fails here."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from aidwatch.settings import DATA_DIR


def _observations() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(DATA_DIR.glob("obs_*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                row.setdefault("published", "")
                row["published"] = row["published"] or ""
                rows.append(row)
    return rows


OBS = _observations()


def values(series_id: str, geo: str | None = None, *, status: str | None = None,
           published: str | None = None) -> dict[str, float]:
    """period -> value for one series (one geo), optionally one status / one vintage."""
    out: dict[str, float] = {}
    for r in OBS:
        if r["series_id"] != series_id or (geo and r["geo"] != geo):
            continue
        if status and r["status"] != status:
            continue
        if published is not None and r["published"] != published:
            continue
        out[r["period"]] = float(r["value"])
    return out


def vintages(series_id: str) -> dict[str, list[tuple[str, float]]]:
    """period -> [(published, value)] sorted by publication date."""
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in OBS:
        if r["series_id"] == series_id and r["published"]:
            out[r["period"]].append((r["published"], float(r["value"])))
    return {p: sorted(v) for p, v in out.items()}


# --- SESNSP victims by sex and age (derived by the build script from the shared file) ---

def test_sesnsp_women_plus_men_never_exceed_the_national_total():
    total = values("mx.homicide_victims.sesnsp.monthly", "MX")
    female = values("mx.homicide_victims.sesnsp.monthly.female", "MX")
    male = values("mx.homicide_victims.sesnsp.monthly.male", "MX")
    assert len(total) == len(female) == len(male) >= 120
    for month, n in total.items():
        assert female[month] + male[month] <= n, month
        assert male[month] > female[month] > 0, month


def test_sesnsp_age_groups_never_exceed_the_national_total():
    total = values("mx.homicide_victims.sesnsp.monthly", "MX")
    minors = values("mx.homicide_victims.sesnsp.monthly.age_0_17", "MX")
    adults = values("mx.homicide_victims.sesnsp.monthly.age_18plus", "MX")
    for month, n in total.items():
        assert minors[month] + adults[month] <= n, month
        assert adults[month] > minors[month], month


def test_sesnsp_women_men_and_unidentified_add_up_to_the_total(shared_dir: Path):
    """Female + male + 'No identificado' = the national total, month by month."""
    unidentified: dict[str, int] = defaultdict(int)
    name = "sesnsp_victimas_homicidio_doloso_feminicidio_estado_mes_2015_2025.csv"
    path = shared_dir / "data" / name
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["subtipo_de_delito"] == "Homicidio doloso" and r["genero"] == "No identificado":
                unidentified[f"{int(r['n_year']):04d}-{int(r['n_month']):02d}"] += int(
                    r["n_victimas"])
    total = values("mx.homicide_victims.sesnsp.monthly", "MX")
    female = values("mx.homicide_victims.sesnsp.monthly.female", "MX")
    male = values("mx.homicide_victims.sesnsp.monthly.male", "MX")
    assert sum(unidentified.values()) > 0
    for month, n in total.items():
        assert female[month] + male[month] + unidentified.get(month, 0) == n, month


# --- NIDA/NCHS overdose deaths by sex ---

NIDA_DRUGS = ("total", "any_opioid", "prescription_opioids", "synthetic_opioids", "heroin",
              "stimulants", "cocaine", "psychostimulants", "benzodiazepines", "antidepressants")


@pytest.mark.parametrize("drug", NIDA_DRUGS)
def test_overdose_deaths_of_women_and_men_sum_to_both_sexes(drug):
    both = values(f"us.overdose_deaths.{drug}", "US")
    female = values(f"us.overdose_deaths.{drug}.female", "US")
    male = values(f"us.overdose_deaths.{drug}.male", "US")
    years = [str(y) for y in range(1999, 2022)]
    for year in years:
        assert female[year] + male[year] == both[year], (drug, year)


@pytest.mark.parametrize("drug", NIDA_DRUGS)
def test_age_adjusted_rate_of_both_sexes_lies_between_women_and_men(drug):
    both = values(f"us.overdose_deaths.{drug}.rate_age_adjusted", "US")
    female = values(f"us.overdose_deaths.{drug}.rate_age_adjusted.female", "US")
    male = values(f"us.overdose_deaths.{drug}.rate_age_adjusted.male", "US")
    for year, rate in both.items():
        if year in female and year in male:
            low, high = sorted((female[year], male[year]))
            assert low - 0.1 <= rate <= high + 0.1, (drug, year)


def test_synthetic_opioid_deaths_of_men_2021_as_published():
    assert values("us.overdose_deaths.synthetic_opioids.male", "US")["2021"] == 51030
    assert values("us.overdose_deaths.synthetic_opioids.rate_age_adjusted.female",
                  "US")["2021"] == 12.2


# --- NCHS final figures after 2021 (Data Briefs 491 and 522) ---

def test_total_rate_of_2022_lies_between_the_rates_of_women_and_men():
    total = values("us.overdose_deaths.total.rate_age_adjusted", "US")["2022"]
    female = values("us.overdose_deaths.total.rate_age_adjusted.female", "US")["2022"]
    male = values("us.overdose_deaths.total.rate_age_adjusted.male", "US")["2022"]
    assert female < total < male
    # db491: the male rate rose 1.1% and the female rate fell 1.0% from 2021 (NIDA workbook)
    male_2021 = values("us.overdose_deaths.total.rate_age_adjusted.male", "US")["2021"]
    female_2021 = values("us.overdose_deaths.total.rate_age_adjusted.female", "US")["2021"]
    assert round(100 * (male / male_2021 - 1), 1) == 1.1
    assert round(100 * (female / female_2021 - 1), 1) == -1.0


@pytest.mark.parametrize("drug,change", [("cocaine", 4.9), ("psychostimulants", 1.9)])
def test_stimulant_rates_2022_to_2023_match_the_stated_percent_change(drug, change):
    rate = values(f"us.overdose_deaths.{drug}.rate_age_adjusted", "US")
    assert round(100 * (rate["2023"] / rate["2022"] - 1), 1) == change


@pytest.mark.parametrize("year", ["2021", "2022"])
def test_age_adjusted_rate_lies_within_the_age_specific_rates(year):
    ages = ("15_24", "25_34", "35_44", "45_54", "55_64", "65plus")
    rates = [values(f"us.overdose_deaths.total.rate.age_{a}", "US")[year] for a in ages]
    total = values("us.overdose_deaths.total.rate_age_adjusted", "US")[year]
    assert min(rates) < total < max(rates)
    # db491: 35-44 highest and 65+ lowest among people 15 and older, in 2021 and 2022
    assert max(rates) == rates[2] and min(rates) == rates[5]


# --- INEGI homicides: half years, sex, states ---

def test_first_half_is_roughly_half_of_the_definitive_year():
    half = values("mx.homicides.inegi.count.half", "MX", status="final")
    year = values("mx.homicides.inegi.count", "MX", status="final")
    assert len(half) == 11
    for period, n in half.items():
        share = n / year[period[:4]]
        assert 0.4 < share < 0.6, period


@pytest.mark.parametrize("count_id,rate_id,period", [
    ("mx.homicides.inegi.count.half", "mx.homicides.inegi.rate_per_100k.half", "2023-H1"),
    ("mx.homicides.inegi.count.half", "mx.homicides.inegi.rate_per_100k.half", "2019-H1"),
    ("mx.homicides.inegi.count_preliminary", "mx.homicides.inegi.rate_per_100k_preliminary",
     "2021"),
    ("mx.homicides.inegi.count_preliminary", "mx.homicides.inegi.rate_per_100k_preliminary",
     "2024"),
])
def test_stated_inegi_rate_is_count_over_population(count_id, rate_id, period):
    """INEGI's rate = count / population (INEGI's own estimate; WDI's differs by < 2%)."""
    count = values(count_id, "MX")[period]
    rate = values(rate_id, "MX")[period]
    population = values("mx.population", "MX")[period[:4]]
    implied = count / population * 100_000
    decimals = 1 if rate != int(rate) else 0
    assert abs(implied - rate) <= 0.5 * 10 ** -decimals + 0.02 * rate, (implied, rate)


@pytest.mark.parametrize("year,status", [("2022", "final"), ("2023", "final"),
                                         ("2023", "preliminary"), ("2024", "preliminary")])
def test_rate_of_all_lies_between_women_and_men_near_their_mean(year, status):
    male = values("mx.homicides.inegi.rate_per_100k.male", "MX", status=status)[year]
    female = values("mx.homicides.inegi.rate_per_100k.female", "MX", status=status)[year]
    total_id = ("mx.homicides.inegi.rate_per_100k" if status == "final"
                else "mx.homicides.inegi.rate_per_100k_preliminary")
    total = values(total_id, "MX")[year]
    assert female < total < male
    # men are a little under half the population; deaths of unrecorded sex add ~1%
    assert abs(total - (male + female) / 2) <= 0.6


@pytest.mark.parametrize("period,status", [("2022-H1", "final"), ("2022-H1", "preliminary"),
                                           ("2023-H1", "preliminary")])
def test_half_year_rates_of_women_and_men_bracket_the_total(period, status):
    male = values("mx.homicides.inegi.rate_per_100k.half.male", "MX", status=status)[period]
    female = values("mx.homicides.inegi.rate_per_100k.half.female", "MX", status=status)[period]
    total = values("mx.homicides.inegi.rate_per_100k.half", "MX", status=status)[period]
    assert female < total < male


@pytest.mark.parametrize("year,status,national_id", [
    ("2021", "preliminary", "mx.homicides.inegi.count_preliminary"),
    ("2024", "preliminary", "mx.homicides.inegi.count_preliminary"),
    ("2024", "final", "mx.homicides.inegi.count"),
])
def test_state_counts_are_parts_of_the_national_count(year, status, national_id):
    states = [float(r["value"]) for r in OBS
              if r["series_id"] == "mx.homicides.inegi.count.by_state"
              and r["period"] == year and r["status"] == status]
    assert states and all(r.startswith("MX-") for r in
                          {r["geo"] for r in OBS
                           if r["series_id"] == "mx.homicides.inegi.count.by_state"})
    assert sum(states) < values(national_id, "MX")[year]


def test_definitive_state_counts_revise_the_preliminary_ones_upwards():
    prelim = values("mx.homicides.inegi.count.by_state", "MX-11", status="preliminary")
    final = values("mx.homicides.inegi.count.by_state", "MX-11", status="final")
    assert prelim["2024"] < final["2024"]


# --- NCHS provisional counts as published (vintages) ---

PRED = "us.overdose_deaths.provisional_12m_predicted"


def test_first_announcement_exceeds_the_final_count_by_a_few_percent():
    """Provisional counts include non-residents and predicted pending cases; final = residents."""
    first = values(PRED + ".first_release", "US")
    final = values("us.overdose_deaths.total", "US")
    years = [p[:4] for p in first if p[:4] in final]
    assert len(years) >= 6
    for year in years:
        ratio = first[f"{year}-12"] / final[year]
        assert 1.0 < ratio < 1.05, (year, ratio)


@pytest.mark.parametrize("earlier,later,change", [
    (("2019-12", "2021-07-14"), ("2020-12", "2021-07-14"), 29.4),
    (("2020-12", "2022-05-11"), ("2021-12", "2022-05-11"), 14.9),
    (("2019-09", "2021-04-14"), ("2020-09", "2021-04-14"), 28.8),
    (("2020-06", "2022-01-12"), ("2021-06", "2022-01-12"), 20.6),
])
def test_stated_year_on_year_changes_hold_within_one_release(earlier, later, change):
    by_vintage = {(p, pub): v for p, vs in vintages(PRED).items() for pub, v in vs}
    by_vintage.update({(p, pub): v for p, vs in vintages(PRED + ".first_release").items()
                       for pub, v in vs})
    a, b = by_vintage[earlier], by_vintage[later]
    assert round(100 * (b / a - 1), 1) == change


def test_every_vintage_is_published_after_its_period_ends():
    for r in OBS:
        if not r["published"]:
            continue
        period, published = r["period"], r["published"]
        if "-H" in period:
            end = f"{period[:4]}-{'06' if period.endswith('1') else '12'}"
        elif len(period) == 7:
            end = period
        else:
            end = f"{period[:4]}-12"
        assert published[:7] > end, (r["series_id"], period, published)


def test_reported_counts_never_exceed_predicted_counts_of_the_same_release():
    for reported_id, predicted_id in (
            ("us.overdose_deaths.provisional_12m", PRED),
            ("us.overdose_deaths.any_opioid.provisional_12m",
             "us.overdose_deaths.any_opioid.provisional_12m_predicted")):
        predicted = {(p, pub): v for p, vs in vintages(predicted_id).items() for pub, v in vs}
        pairs = 0
        for p, vs in vintages(reported_id).items():
            for pub, v in vs:
                if (p, pub) in predicted:
                    pairs += 1
                    assert v <= predicted[(p, pub)], (reported_id, p, pub)
        assert pairs >= 2


def test_opioid_deaths_are_a_part_of_all_overdose_deaths_in_the_same_release():
    total = {(p, pub): v for p, vs in vintages(PRED).items() for pub, v in vs}
    opioid = vintages("us.overdose_deaths.any_opioid.provisional_12m_predicted")
    matched = 0
    for p, vs in opioid.items():
        for pub, v in vs:
            if (p, pub) in total:
                matched += 1
                assert 0.6 < v / total[(p, pub)] < 0.85, (p, pub)
    assert matched >= 4


# --- events ---

def _events() -> list[dict[str, str]]:
    with (DATA_DIR / "events.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_el_chapo_timeline_is_in_order_escape_capture_escape_recapture_extradition_verdict():
    events = _events()

    def date_of(*words: str) -> str:
        hits = [e["date"] for e in events
                if "Chapo" in e["title"] and all(w in e["title"] for w in words)]
        assert len(hits) == 1, (words, hits)
        return hits[0]

    steps = [date_of("escapes Puente Grande"), date_of("captured by"), date_of("escapes Altiplano"),
             date_of("recaptured"), date_of("extradited"), date_of("convicted"),
             date_of("sentenced")]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert steps[5] == "2019-02-12"


def test_every_event_quotes_a_source_that_names_its_year_or_day():
    sources = {}
    with (DATA_DIR / "sources.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            sources[r["source_id"]] = r
    new_kinds = {"escape", "release", "indictment", "conviction", "sentence", "reward"}
    checked = 0
    for e in _events():
        if e["kind"] not in new_kinds:
            continue
        src = sources[e["source_id"]]
        text = " ".join((src["title"], src["url"], src["notes"]))
        year = e["date"][:4]
        assert year in text or "Aug. 9" in text or "Tuesday" in text, e["event_id"]
        checked += 1
    assert checked >= 7


def test_preliminary_inegi_vintages_are_close_to_the_definitive_count():
    prelim = vintages("mx.homicides.inegi.count")
    final = values("mx.homicides.inegi.count", "MX", status="final")
    assert len(prelim) >= 11
    for year, vs in prelim.items():
        for published, n in vs:
            assert published[:4] > year
            assert abs(final[year] - n) / final[year] < 0.05, (year, published)


@pytest.mark.parametrize("year,status,published,unrecorded", [
    ("2019", "preliminary", "2020-09-23", 230),  # the comunicado: 230 of unrecorded sex
    ("2018", "final", "", 168),                   # definitive 2018: 168 of unrecorded sex
])
def test_inegi_men_women_and_unrecorded_sex_add_up_to_the_total(year, status, published,
                                                                 unrecorded):
    total = values("mx.homicides.inegi.count", "MX", status=status,
                   published=published)[year]
    men = values("mx.homicides.inegi.count.male", "MX", status=status,
                 published=published)[year]
    women = values("mx.homicides.inegi.count.female", "MX", status=status,
                   published=published)[year]
    assert men + women + unrecorded == total


def test_inegi_2018_preliminary_sex_counts_are_parts_of_the_preliminary_total():
    pub = "2019-07-25"
    total = values("mx.homicides.inegi.count", "MX", published=pub)["2018"]
    men = values("mx.homicides.inegi.count.male", "MX", published=pub)["2018"]
    women = values("mx.homicides.inegi.count.female", "MX", published=pub)["2018"]
    assert 0.99 * total < men + women < total
    # the definitive figure is the preliminary one plus 721 (as the definitive release says)
    assert values("mx.homicides.inegi.count", "MX", status="final")["2018"] - total == 721


@pytest.mark.parametrize("period", ["2019-H1", "2022-H1", "2023-H1"])
def test_half_year_counts_of_men_and_women_are_parts_of_the_total(period):
    total = values("mx.homicides.inegi.count.half", "MX", status="preliminary")[period]
    men = values("mx.homicides.inegi.count.half.male", "MX")[period]
    women = values("mx.homicides.inegi.count.half.female", "MX")[period]
    assert 0.98 * total < men + women <= total
    assert 0.85 < men / total < 0.92


def test_definitive_2018_state_counts_sum_below_the_national_count_and_rank_as_stated():
    final = {r["geo"]: float(r["value"]) for r in OBS
             if r["series_id"] == "mx.homicides.inegi.count.by_state"
             and r["period"] == "2018" and r["status"] == "final"}
    assert sum(final.values()) < values("mx.homicides.inegi.count", "MX", status="final")["2018"]
    ranked = sorted(final, key=final.get, reverse=True)
    assert ranked[:3] == ["MX-11", "MX-15", "MX-08"]  # Guanajuato, Estado de México, Chihuahua
    assert ranked[-1] == "MX-31"                       # Yucatán


def test_every_inegi_count_by_sex_is_a_part_of_the_total_of_the_same_vintage():
    def keyed(series_id):
        return {(r["period"], r["status"], r["published"]): float(r["value"]) for r in OBS
                if r["series_id"] == series_id and r["geo"] == "MX"}
    total = keyed("mx.homicides.inegi.count")
    men, women = keyed("mx.homicides.inegi.count.male"), keyed("mx.homicides.inegi.count.female")
    shared = set(men) & set(women) & set(total)
    assert len(shared) >= 4
    for key in shared:
        assert 0.97 * total[key] < men[key] + women[key] <= total[key], key


# --- the build script reproduces the derived files from shared/data ---

def test_build_script_reproduces_the_committed_derived_files(shared_dir: Path, tmp_path: Path):
    import shutil
    import subprocess
    import sys

    out = tmp_path / "data"
    shutil.copytree(DATA_DIR, out)
    derived = ("obs_us_overdose_nida_by_sex.csv", "obs_mx_homicide_victims_sesnsp_by_sex_age.csv",
               "obs_us_overdose_nida.csv", "obs_mx_homicide_victims_sesnsp.csv")
    for name in derived:
        (out / name).unlink()
    script = DATA_DIR.parents[1] / "scripts" / "build_embedded_data.py"
    run = subprocess.run([sys.executable, str(script), "--shared", str(shared_dir / "data"),
                          "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    for name in derived:
        assert (out / name).read_bytes() == (DATA_DIR / name).read_bytes(), name
    assert (out / "datapackage.json").read_bytes() == (DATA_DIR / "datapackage.json").read_bytes()


def test_guard_reform_of_2024_is_approved_then_published_then_in_force():
    stages = {}
    for e in _events():
        if "SEDENA" in e["title"] and e["date"].startswith("2024"):
            for word in ("approves", "published", "enters into force"):
                if word in e["title"]:
                    stages[word] = e["date"]
    assert stages["approves"] < stages["published"] < stages["enters into force"]
