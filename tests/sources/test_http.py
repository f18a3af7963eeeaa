"""The shared HTTP client against a real loopback server: retries, timeouts, cache, secrets."""

from __future__ import annotations

import json
import socket

import pytest

from aidwatch.sources import HttpClient, SourceError, SourceOffline
from aidwatch.sources.http import base_url, cache_dir

from .conftest import Reply


def test_retries_server_errors_with_backoff_then_succeeds(server, client):
    server.route(r"^/x$", Reply(b"boom", 500), Reply(b"boom", 503), Reply(b"ok"))
    waits: list[float] = []
    client.sleep = waits.append
    assert client.get("t", f"{server.url}/x").content == b"ok"
    assert len(server.hits(r"^/x$")) == 3
    assert waits == [0.01, 0.02]  # exponential backoff from the configured first wait


def test_honours_retry_after_on_429_capped_by_max_wait(server, client):
    server.route(r"^/x$", Reply(b"slow down", 429, {"Retry-After": "0.03"}), Reply(b"ok"))
    waits: list[float] = []
    client.sleep = waits.append
    client.get("t", f"{server.url}/x")
    assert waits == [0.03]
    server.route(r"^/y$", Reply(b"slow down", 429, {"Retry-After": "3600"}), Reply(b"ok"))
    waits.clear()
    client.get("t", f"{server.url}/y")
    assert waits == [0.05]  # never waits longer than max_wait


def test_gives_up_after_retries_with_a_message_naming_source_and_status(server, client):
    server.route(r"^/x$", Reply(b"down", 502))
    with pytest.raises(SourceError) as exc:
        client.get("worldbank", f"{server.url}/x")
    assert str(exc.value).startswith("worldbank: HTTP 502")
    assert "3 attempts" in str(exc.value)
    assert len(server.hits(r"^/x$")) == 3


def test_client_error_is_not_retried(server, client):
    server.route(r"^/x$", Reply(b"gone", 404))
    with pytest.raises(SourceError, match="HTTP 404"):
        client.get("t", f"{server.url}/x")
    assert len(server.hits(r"^/x$")) == 1


def test_slow_response_times_out_after_retries(server, tmp_path):
    server.route(r"^/x$", Reply(b"late", delay=0.5))
    with HttpClient(timeout=0.2, retries=1, backoff=0.0, cache=tmp_path) as c:
        with pytest.raises(SourceError, match="timed out after 0.2s"):
            c.get("cdc", f"{server.url}/x")
    assert len(server.hits(r"^/x$")) == 2


def test_truncated_body_is_an_error_not_data(server, client):
    server.route(r"^/x$", Reply(b'{"a": [1, 2, 3, 4, 5, 6]}', truncate_at=9))
    with pytest.raises(SourceError, match="truncated"):
        client.get("t", f"{server.url}/x")
    assert not list((client.cache / "t").glob("*.body"))


def test_unreachable_host_is_reported_as_offline():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with HttpClient(timeout=1, retries=0, backoff=0) as c:
        with pytest.raises(SourceOffline, match="cannot reach 127.0.0.1"):
            c.get("fred", f"http://127.0.0.1:{port}/x")


def test_responses_are_cached_and_revalidated_with_etag(server, client):
    server.route(r"^/x$", Reply(b"payload-v1", etag='"v1"'))
    first = client.get("t", f"{server.url}/x")
    assert not first.from_cache
    second = client.get("t", f"{server.url}/x")
    assert second.from_cache and second.content == b"payload-v1"
    assert server.requests[-1].headers["if-none-match"] == '"v1"'
    meta = json.loads(next((client.cache / "t").glob("*.json")).read_text())
    assert meta["sha256"] == first.sha256 and meta["bytes"] == len(b"payload-v1")


def test_secrets_never_reach_the_url_cache_or_messages(server, client):
    server.route(r"^/x", Reply(b"{}"))
    fetched = client.get("fred", f"{server.url}/x", params={"series_id": "AEXMXUS"},
                         secret_params={"api_key": "s3cr3t"}, secret_path="/tok3n")
    assert server.requests[-1].query["api_key"] == ["s3cr3t"]
    assert "s3cr3t" not in fetched.url and "tok3n" not in fetched.url
    for f in (client.cache / "fred").iterdir():
        assert b"s3cr3t" not in f.read_bytes() and b"tok3n" not in f.read_bytes()
    server.route(r"^/z", Reply(b"no", 403))
    with pytest.raises(SourceError) as exc:
        client.get("fred", f"{server.url}/z", secret_params={"api_key": "s3cr3t"})
    assert "s3cr3t" not in str(exc.value)


def test_post_json_keeps_secret_fields_out_of_the_cache_key(server, client):
    server.route(r"^/p$", Reply(b'{"ok": true}'))
    client.post_json("bls", f"{server.url}/p", {"seriesid": ["X"]},
                     secret_body={"registrationkey": "k3y"})
    assert json.loads(server.requests[-1].body)["registrationkey"] == "k3y"
    for f in (client.cache / "bls").iterdir():
        assert b"k3y" not in f.read_bytes()


def test_rate_limit_spaces_requests_to_the_same_host(server, client):
    server.route(r"^/x$", Reply(b"ok"))
    waits: list[float] = []
    client.sleep = waits.append
    client.pace = 1.0
    client.get("t", f"{server.url}/x", min_interval=5.0)
    client.get("t", f"{server.url}/x", min_interval=5.0)
    assert len(waits) == 1 and 4.0 < waits[0] <= 5.0


def test_base_url_and_cache_dir_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AIDWATCH_WORLDBANK_BASE_URL", "http://mirror.example/wb/")
    assert base_url("worldbank", "https://api.worldbank.org") == "http://mirror.example/wb"
    monkeypatch.delenv("AIDWATCH_CACHE_DIR", raising=False)
    assert cache_dir() == tmp_path / "home" / "cache"  # under the user data dir
    monkeypatch.setenv("AIDWATCH_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"


def test_cache_directory_may_be_given_as_text(server, tmp_path):
    server.route(r"^/x$", Reply(b"ok"))
    with HttpClient(cache=str(tmp_path / "c"), pace=0) as c:
        c.get("t", f"{server.url}/x")
    assert list((tmp_path / "c" / "t").glob("*.body"))


@pytest.mark.parametrize("header, expected", [
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),   # a date in the past: retry at once
    ("soon", 0.01),                           # unreadable: the configured backoff
])
def test_retry_after_as_http_date_or_garbage(server, client, header, expected):
    server.route(r"^/x$", Reply(b"", 503, {"Retry-After": header}), Reply(b"ok"))
    waits: list[float] = []
    client.sleep = waits.append
    client.get("t", f"{server.url}/x")
    assert waits == [expected]
