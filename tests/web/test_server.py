"""The web app and the API over real HTTP: uvicorn on loopback, httpx as the client."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_series_api_returns_the_values_of_data_show_json(client, store):
    r = client.get("/api/v1/series/us.overdose_deaths.total")
    assert r.status_code == 200
    body = r.json()
    assert body["snapshot_id"] == store.snapshot.snapshot_id
    assert body["series"]["unit"] == "deaths"
    expected = store.series("us.overdose_deaths.total")
    assert [d["period"] for d in body["data"]] == expected["period"].tolist()
    assert [d["value"] for d in body["data"]] == expected["value"].tolist()
    first = body["data"][0]
    # the documented keys of `data show --json` (keys are only ever added)
    assert {"series_id", "unit", "period", "value", "status", "source_id", "geo", "note",
            "snapshot_id"} <= set(first)
    assert {s["source_id"] for s in body["sources"]} == set(expected["source_id"])


def test_series_csv_matches_the_json(client):
    js = client.get("/api/v1/series/mx.homicides.rate_per_100k", params={"start": "2010"}).json()
    r = client.get("/api/v1/series/mx.homicides.rate_per_100k",
                   params={"start": "2010", "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["period"] for row in rows] == [d["period"] for d in js["data"]]
    assert rows[0]["period"] == "2010"
    assert [float(row["value"]) for row in rows] == [d["value"] for d in js["data"]]


def test_unknown_series_is_a_json_404_with_suggestions(client):
    r = client.get("/api/v1/series/us.overdose_deaths.totl")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "unknown_series" and "us.overdose_deaths.total" in err["hint"]


def test_reversed_or_malformed_period_range_is_a_422_json_error(client):
    r = client.get("/api/v1/series/us.overdose_deaths.total", params={"start": "2020",
                                                                      "end": "2010"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = client.get("/api/v1/series/us.overdose_deaths.total", params={"start": "20x0"})
    assert r.status_code == 422 and "start" in r.json()["error"]["message"]


def test_series_page_renders_chart_table_and_sources(client):
    r = client.get("/series", params={"id": "us.overdose_deaths.total"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<svg class="chart"' in html and 'id="table-0"' in html
    assert "nida-overdose-1999-2021-number" in html
    assert "Snapshot" in html
    assert "https://cdn" not in html and "<script src=\"http" not in html


def test_pages_send_a_content_security_policy_without_inline_script(client):
    r = client.get("/series")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)


def test_aidwatch_serve_binds_loopback_and_says_its_url(db_path: Path, tmp_path: Path):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "AIDWATCH_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "aidwatch.cli", "--db", str(db_path),
                             "serve", "--port", str(port)], stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stderr.readline()
        assert f"http://127.0.0.1:{port}/" in line and "read-only" in line
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/snapshots", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.1)
        assert r.status_code == 200
        assert r.json()["data"][0]["kind"] == "embedded"
        # loopback only: the other addresses of this machine do not answer
        try:
            other = socket.gethostbyname(socket.gethostname())
        except OSError:
            other = None
        if other and not other.startswith("127."):
            try:
                httpx.get(f"http://{other}:{port}/", timeout=2)
                raise AssertionError(f"server answered on {other}")
            except httpx.TransportError:
                pass
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_on_a_busy_port_is_a_one_line_error(db_path: Path, run_cli):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        code, _out, err = run_cli(db_path, "serve", "--port", str(port))
    assert code == 2
    assert err.startswith("error: cannot listen on 127.0.0.1:") and "Traceback" not in err


def test_the_server_never_writes_the_store(server_db: Path, server_db_digest: str, client):
    client.get("/api/v1/series")
    client.get("/series?id=mx.homicides.rate_per_100k")
    client.post("/api/v1/check", json={"text": "Overdose deaths reached 106,699 in 2021."})
    assert hashlib.sha256(server_db.read_bytes()).hexdigest() == server_db_digest


def test_sql_and_file_access_are_refused_by_the_served_connection(server, client):
    # no route runs user SQL; the connection itself is locked out of the file system too
    r = client.get("/api/v1/series/..%2F..%2Fetc%2Fpasswd")
    assert r.status_code in (404, 422)
    r = client.get("/api/v1/series", params={"q": "'; drop table series; --"})
    assert r.status_code == 200 and r.json()["data"] == []


def test_the_served_connection_is_read_only_and_locked_out_of_files(db_path: Path, tmp_path):
    import shutil

    import duckdb
    import pytest

    from aidwatch.web.app import Limits, create_app
    shutil.copyfile(db_path, tmp_path / "s.duckdb")
    app = create_app(tmp_path / "s.duckdb", limits=Limits(check_processes=0))
    con = app.state.web.base.con
    with pytest.raises(duckdb.Error):
        con.execute("SELECT * FROM read_csv_auto('/etc/hostname')").fetchall()
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM observations")
    with pytest.raises(duckdb.Error):
        con.execute("COPY sources TO '/tmp/aidwatch-leak.csv'")
    assert con.execute("SELECT count(*) FROM observations").fetchone()[0] > 0
    app.state.web.close()
