"""The HTML pages over real HTTP: uploads, escaping, permalinks and limits (no browser)."""

from __future__ import annotations

import html
import re

from markupsafe import escape

SCRIPT = '<script>alert("x")</script> Overdose deaths reached 106,699 in 2021.'


def test_uploaded_text_file_is_checked_and_shown_escaped(client):
    r = client.post("/check", files={"file": ("article.txt", SCRIPT.encode(), "text/plain")},
                    data={"text": ""})
    assert r.status_code == 200
    assert "<script>alert" not in r.text
    assert str(escape('<script>alert("x")</script>')) in r.text  # as Jinja escapes it
    assert re.search(r'<a class="claim v-supported"[^>]*>106,699</a>', r.text)
    assert "article.txt" in r.text


def test_uploaded_html_file_is_read_as_its_text(client):
    page = ("<html><body><nav>Menu 1999</nav><article><p>Overdose deaths reached 106,699 in "
            "2021.</p><script>var n = 2019;</script></article></body></html>")
    r = client.post("/check", files={"file": ("a.html", page.encode(), "text/html")})
    assert r.status_code == 200
    article = re.search(r'<div class="article" id="article">(.*?)</div>', r.text, re.S).group(1)
    assert "106,699" in article and "var n" not in article and "<p>" not in article


def test_an_upload_over_the_limit_or_binary_is_refused(client):
    r = client.post("/check", files={"file": ("big.txt", b"a" * 1_000_001, "text/plain")})
    assert r.status_code == 413 and "larger than" in r.text
    r = client.post("/check", files={"file": ("x.bin", b"\x00\x01" * 100, "application/x")})
    assert r.status_code == 400 and "binary" in r.text
    r = client.post("/check", data={"text": "   "})
    assert r.status_code == 400 and "nothing to check" in r.text


def test_findings_download_is_json_lines(client):
    import json
    r = client.post("/check/claims.jsonl", data={"text": SCRIPT, "article": "a"})
    assert r.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert rows and rows[0]["article"] == "a" and rows[0]["quantity_text"] == "106,699"


def test_short_checks_have_a_permalink_that_reproduces_them(client):
    r = client.post("/check", data={"text": SCRIPT})
    link = html.unescape(re.search(r'href="(/check\?[^"]+)" id="check-permalink"',
                                   r.text).group(1))
    again = client.get(link)
    assert again.status_code == 200
    marks = re.findall(r'<a class="claim[^"]*"[^>]*>([^<]*)</a>', again.text)
    assert marks == re.findall(r'<a class="claim[^"]*"[^>]*>([^<]*)</a>', r.text) != []


def test_a_snapshot_in_the_address_is_kept_by_forms_and_links(client, store):
    snap = store.snapshot.snapshot_id
    r = client.get("/series", params={"snapshot": snap[:12]})
    assert f'name="snapshot" value="{snap[:12]}"' in r.text
    assert f'href="/money?snapshot={snap[:12]}"' in r.text
    assert client.get("/series", params={"snapshot": "nonexistent"}).status_code == 400


def test_page_errors_are_pages_with_the_message(client):
    r = client.get("/series", params={"id": "us.overdose_deaths.totl"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "unknown series" in r.text and "us.overdose_deaths.total" in r.text
    r = client.get("/evaluate", params={"method": "synth", "donors": "COL,COL"})
    assert r.status_code == 400 and "repeated" in r.text


def test_synthetic_control_page_shows_estimate_fit_and_placebos(client):
    r = client.get("/evaluate", params={"method": "synth"})
    assert r.status_code == 200
    assert "placebo p" in r.text
    assert 'id="fig-synth"' in r.text and 'id="fig-placebo"' in r.text
    assert "Assumptions" in r.text
    again = client.get("/evaluate", params={"method": "synth"})
    assert "(cached)" in again.text


def test_money_page_keeps_stages_apart(client):
    r = client.get("/money", params={"series": "us.aid.mexico.merida", "by": "account"})
    assert r.status_code == 200
    header = re.search(r'<table class="data" id="funding-table">.*?<thead>(.*?)</thead>',
                       r.text, re.S).group(1)
    assert "<th scope=\"col\">stage</th>" in header
    assert 'id="cumulative-table"' in r.text and "FY2008-FY20" in r.text


def test_home_shows_the_briefs_key_findings(client, store):
    from aidwatch.brief import findings
    r = client.get("/")
    assert r.status_code == 200
    first = findings.descriptive_findings(store)[0].text
    assert html.escape(first, quote=False) in r.text or first in html.unescape(r.text)


def test_funding_series_in_the_explorer_with_constant_dollars(client, store):
    from aidwatch.money import funding_table
    r = client.get("/series", params={"id": "us.aid.mexico.merida", "constant": 2024})
    assert r.status_code == 200
    table = re.search(r'<table class="data funding" id="funding-0">(.*?)</table>', r.text,
                      re.S).group(1)
    assert "amount_usd_2024" in table and "CPI-U" in r.text
    expected = funding_table(store, "us.aid.mexico.merida", constant_dollars=2024)
    assert table.count("<tr>") - 1 == len(expected)


def test_timeline_compares_two_snapshots(db_path, tmp_path):
    import shutil

    import httpx

    from aidwatch.settings import DATA_DIR
    from aidwatch.store import write_snapshot
    from aidwatch.validate import data_hash, load_evidence
    from aidwatch.web.app import BackgroundServer, create_app
    path = tmp_path / "two.duckdb"
    shutil.copyfile(db_path, path)
    base, problems = load_evidence(DATA_DIR)
    assert not problems
    second = write_snapshot(path, base, "2026-12-02T0600", "refresh", data_hash(DATA_DIR),
                            "same data, for the test")
    with BackgroundServer(create_app(path)) as url:
        diff = httpx.get(url + "/api/v1/diff").json()
        sm = diff["summary"]
        assert diff["b"] == second and sm["added"] == sm["removed"] == 0
        page = httpx.get(url + "/timeline", params={"tab": "snapshots"}).text
        assert (f"{diff['a']} → {second}: {sm['added']} added, {sm['removed']} removed, "
                f"{sm['revised']} revised, {sm['status_changed']} status changes") in page
        snaps = httpx.get(url + "/api/v1/snapshots").json()["data"]
        assert [s["snapshot_id"] for s in snaps][0] == second
