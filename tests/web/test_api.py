"""The JSON API's contracts and limits, over real HTTP."""

from __future__ import annotations

import io
import json
import re
import zipfile

from aidwatch.claims import JSON_KEYS
from aidwatch.web.app import BackgroundServer, Limits, create_app

ARTICLE = ("Overdose deaths reached 106,699 in 2021. Mexico recorded 32,252 homicides in 2023. "
           "The Merida Initiative was launched in 2007.")


def test_series_list_rows_have_the_data_list_json_keys(client):
    body = client.get("/api/v1/series").json()
    keys = {"id", "name", "unit", "geo", "frequency", "kind", "first_period", "last_period",
            "n_obs", "n_geo", "sources", "statuses"}
    assert body["data"] and all(keys <= set(r) for r in body["data"])


def test_series_search_needs_every_word(client):
    rows = client.get("/api/v1/series", params={"q": "overdose synthetic rate"}).json()["data"]
    assert rows and all("synthetic" in r["id"] and "rate" in r["id"] for r in rows)
    panels = client.get("/api/v1/series", params={"kind": "panel"}).json()["data"]
    assert panels and {r["kind"] for r in panels} == {"panel"}
    assert client.get("/api/v1/series", params={"kind": "nonsense"}).status_code == 422


def test_panel_series_by_geography(client, store):
    body = client.get("/api/v1/series/intl.homicides.rate_per_100k",
                      params={"geo": "COL", "start": "2000", "end": "2010"}).json()
    expected = store.series("intl.homicides.rate_per_100k", geo="COL", start="2000", end="2010")
    assert [d["value"] for d in body["data"]] == expected["value"].tolist()
    assert {d["geo"] for d in body["data"]} == {"COL"}
    r = client.get("/api/v1/series/intl.homicides.rate_per_100k", params={"geo": "XXX"})
    assert r.status_code == 400 and "no geography" in r.json()["error"]["message"]


def test_zip_download_holds_csv_metadata_and_readme(client):
    r = client.get("/api/v1/series/us.overdose_deaths.total", params={"format": "zip"})
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert sorted(z.namelist()) == ["README.txt", "datapackage.json",
                                    "us.overdose_deaths.total.csv"]
    meta = json.loads(z.read("datapackage.json"))
    assert meta["series"]["unit"] == "deaths" and meta["sources"]
    assert "Snapshot" in z.read("README.txt").decode()
    assert z.read("us.overdose_deaths.total.csv").decode().startswith("series_id,unit,period")


def test_funding_never_adds_stages_and_offers_constant_dollars(client, store):
    from aidwatch.money import funding_table
    body = client.get("/api/v1/funding", params={"series": "us.aid.mexico.merida",
                                                 "by": "account", "constant_dollars": 2024}
                      ).json()
    expected = funding_table(store, "us.aid.mexico.merida", by="account", constant_dollars=2024)
    assert len(body["data"]) == len(expected)
    assert all("stage" in r for r in body["data"])  # one row per stage, never a sum of stages
    assert "CPI-U" in body["deflator"]
    cum = client.get("/api/v1/funding/cumulative").json()["data"]
    assert cum and all("-" in r["fiscal_year"] for r in cum)


def test_events_and_sources_follow_the_cli_keys(client):
    events = client.get("/api/v1/events", params={"start": "2019", "end": "2020"}).json()["data"]
    assert events and all(e["date"][:4] in ("2019", "2020") for e in events)
    assert set(events[0]) == {"event_id", "date", "precision", "kind", "actors", "title",
                              "description", "source_id"}
    src = client.get("/api/v1/sources").json()["data"]
    assert {"source_id", "publisher", "title", "url", "table_ref", "retrieved", "licence",
            "via", "notes", "citation", "short"} <= set(src[0])
    one = client.get(f"/api/v1/sources/{src[0]['source_id']}").json()
    assert one["citation"] == src[0]["citation"]
    assert client.get("/api/v1/sources/no-such-source").status_code == 404


def test_diff_with_one_snapshot_is_a_400_saying_why(client):
    r = client.get("/api/v1/diff")
    assert r.status_code == 400 and "one snapshot" in r.json()["error"]["message"]
    snaps = client.get("/api/v1/snapshots").json()["data"]
    assert snaps[0]["kind"] == "embedded" and "n_observations" in snaps[0]


def test_check_returns_the_json_lines_keys_and_a_summary(client):
    body = client.post("/api/v1/check", json={"text": ARTICLE, "article": "a.txt"}).json()
    assert body["data"]
    for row in body["data"]:
        assert set(JSON_KEYS) <= set(row)
        assert ARTICLE[row["start"]:row["end"]] == row["quantity_text"]
    assert sum(body["summary"].values()) == len(body["data"])
    first = next(r for r in body["data"] if r["quantity_text"] == "106,699")
    assert first["verdict"] == "supported"
    lines = client.post("/api/v1/check", params={"format": "jsonl"},
                        json={"text": ARTICLE}).text.splitlines()
    assert [json.loads(x)["quantity_text"] for x in lines] == [
        r["quantity_text"] for r in body["data"]]


def test_check_refuses_an_article_over_the_limit_with_413(client):
    r = client.post("/api/v1/check", json={"text": "x" * 200_001})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert client.post("/api/v1/check", json={"nope": 1}).status_code == 422


def test_evaluate_its_matches_the_library_and_is_cached(client, store):
    from aidwatch.evaluate import run_battery
    params = {"method": "its", "outcome": "mx.homicides.rate_per_100k"}
    first = client.get("/api/v1/evaluate", params=params).json()
    again = client.get("/api/v1/evaluate", params=params).json()
    expected = [e.to_dict() for e in run_battery(store, outcome=params["outcome"],
                                                 method="its").estimates]
    assert [e["effect"] for e in first["data"]] == [e["effect"] for e in expected]
    assert set(first["data"][0]) == set(expected[0])
    assert again["cached"] is True


def test_repeated_or_too_many_donors_are_refused(client):
    r = client.get("/api/v1/evaluate", params={"method": "synth", "donors": "COL,COL,COL"})
    assert r.status_code == 400 and "COL" in r.json()["error"]["message"]
    many = ",".join(f"A{i:02d}" for i in range(61))
    r = client.get("/api/v1/evaluate", params={"method": "synth", "donors": many})
    assert r.status_code == 422 and "at most" in r.json()["error"]["message"]


def test_compute_endpoints_are_rate_limited_per_client(db_path, tmp_path):
    import shutil

    import httpx
    shutil.copyfile(db_path, tmp_path / "s.duckdb")  # one configuration per file and process
    app = create_app(tmp_path / "s.duckdb", limits=Limits(compute_per_minute=2))
    with BackgroundServer(app) as url:
        codes = [httpx.post(url + "/api/v1/check", json={"text": "In 2021."}).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429]
        r = httpx.post(url + "/api/v1/check", json={"text": "In 2021."})
        assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) > 0
        assert httpx.get(url + "/api/v1/series").status_code == 200  # reads are not limited


def test_openapi_schema_and_local_docs_page(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/series", "/api/v1/series/{series_id}", "/api/v1/funding",
                 "/api/v1/events", "/api/v1/sources", "/api/v1/snapshots", "/api/v1/diff",
                 "/api/v1/evaluate", "/api/v1/check"):
        assert path in spec["paths"], path
    assert not any(p.startswith(("/series", "/money")) for p in spec["paths"])
    html = client.get("/api/v1/docs").text
    assert "GET /api/v1/series/{series_id}" in html
    assert "cdn." not in html and "unpkg" not in html
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links and all(u.startswith(("/", "#", "data:")) for u in links), links
    assert client.get("/docs").status_code == 404  # FastAPI's CDN-based page is off
