"""A total deadline per request and a body-size cap per source, against a loopback server
that drips one byte at a time or never stops sending."""

from __future__ import annotations

import time

import pytest

from aidwatch.sources import HttpClient, SourceError

from .conftest import Reply


@pytest.fixture()
def strict(tmp_path):
    c = HttpClient(timeout=0.5, deadline=1.5, retries=2, backoff=0.01, max_wait=0.05,
                   cache=tmp_path / "cache", pace=0.0)
    yield c
    c.close()


def test_a_dripping_server_is_cut_off_at_the_total_deadline(server, strict):
    # one byte every 0.1 s never trips the 0.5 s per-read timeout; the 1.5 s deadline ends it
    server.route(r"^/x$", Reply(b"y" * 200, drip=0.1))
    started = time.monotonic()
    with pytest.raises(SourceError) as exc:
        strict.get("cdc", f"{server.url}/x")
    assert time.monotonic() - started < 4
    assert str(exc.value).startswith("cdc: no complete response from 127.0.0.1:")
    assert "within the 1.5s deadline" in str(exc.value)
    assert not list((strict.cache / "cdc").glob("*.body"))


def test_the_deadline_covers_retries_and_their_waits(server, tmp_path):
    server.route(r"^/x$", Reply(b"busy", 503, {"Retry-After": "30"}))
    waits: list[float] = []
    with HttpClient(timeout=0.5, deadline=1.0, retries=5, backoff=1, max_wait=60,
                    cache=tmp_path, pace=0.0, sleep=waits.append) as c:
        with pytest.raises(SourceError, match="HTTP 503"):
            c.get("t", f"{server.url}/x")
    assert waits == []  # a 30 s wait would overrun the 1 s deadline: not retried
    assert len(server.hits(r"^/x$")) == 1


def test_an_endless_body_stops_at_the_sources_size_cap(server, strict):
    server.route(r"^/x$", Reply(b"0123456789abcdef", endless=True))
    strict.set_limits("worldbank", 1, 2)
    with pytest.raises(SourceError) as exc:
        strict.get("worldbank", f"{server.url}/x")
    assert str(exc.value) == (
        f"worldbank: the response from {server.url[7:]} sent more than the 1 MB limit for "
        "worldbank; nothing was kept (set AIDWATCH_WORLDBANK_MAX_MB to allow more)")
    assert server.sent_bytes < 64 << 20  # the client hung up soon after the cap
    assert not list((strict.cache / "worldbank").glob("*.body"))


def test_an_endless_download_stops_at_its_cap_and_leaves_no_partial_file(server, strict):
    server.route(r"^/big\.csv$", Reply(b"a,b\n", endless=True))
    strict.set_limits("foreignassistance", 1, 2)
    with pytest.raises(SourceError, match="sent more than the 2 MB limit"):
        strict.download("foreignassistance", f"{server.url}/big.csv")
    folder = strict.cache / "foreignassistance"
    assert not list(folder.glob(".download*")) and not list(folder.glob("*.body"))


def test_a_declared_length_over_the_cap_fails_before_reading_the_body(server, strict):
    server.route(r"^/x$", Reply(b"tiny", declare_length=5 << 30, delay=0))
    strict.set_limits("t", 1, 1)
    with pytest.raises(SourceError, match=r"declares the 1 MB limit for t \(5,120 MB\)"):
        strict.get("t", f"{server.url}/x")


def test_a_body_under_the_cap_and_inside_the_deadline_lands(server, strict):
    server.route(r"^/x$", Reply(b"z" * 1000, drip=0.0))
    strict.set_limits("t", 0.01, 0.01)
    assert strict.get("t", f"{server.url}/x").content == b"z" * 1000


def test_size_cap_and_deadline_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AIDWATCH_HTTP_DEADLINE", "12")
    monkeypatch.setenv("AIDWATCH_HTTP_DOWNLOAD_DEADLINE", "34")
    monkeypatch.setenv("AIDWATCH_CDC_MAX_MB", "3")
    with HttpClient(cache=tmp_path) as c:
        c.set_limits("cdc", 100, 200)
        assert (c.deadline, c.download_deadline) == (12, 34)
        assert c.limits("cdc") == (3, 3)
        assert c.limits("bls") == (256, 4096)


def test_refresh_beside_a_dripping_and_an_endless_source_ends_and_lands_the_others(
        recorded, run_cli, fresh_db, monkeypatch):
    recorded.route(r"^/cdc/", Reply(b"y" * 500, drip=0.1))
    recorded.route(r"^/fred/", Reply(b"{", endless=True))
    monkeypatch.setenv("AIDWATCH_HTTP_DEADLINE", "1.5")
    monkeypatch.setenv("AIDWATCH_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("AIDWATCH_FRED_MAX_MB", "1")
    started = time.monotonic()
    code, out, err = run_cli(fresh_db, "refresh", "cdc", "fred", "bls")
    assert time.monotonic() - started < 30
    assert code == 1
    lines = err.strip().splitlines()
    assert any(line.startswith("✗ cdc: no complete response") and "1.5s deadline" in line
               for line in lines), err
    assert any(line.startswith("✗ fred: the response") and "1 MB limit for fred" in line
               for line in lines), err
    assert any(line.startswith("✓ bls: ") for line in lines), err
    assert "snapshot" in out and "written" in out
