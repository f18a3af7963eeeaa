"""A real HTTP server on 127.0.0.1 serving the recorded payloads, with fault injection.

Tests register routes (a regex on the request path) with one or more ``Reply`` objects;
each request takes the next reply and the last one repeats. Every connector's base URL is
pointed at the server through ``AIDWATCH_<SOURCE>_BASE_URL``.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from aidwatch.sources import HttpClient
from aidwatch.sources.refresh import CONNECTORS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0          # seconds before answering (slow responses)
    truncate_at: int | None = None   # send only this many bytes of a longer Content-Length
    etag: str | None = None     # answer 304 when the request carries this ETag
    drip: float = 0.0           # seconds between single bytes of the body (a dripping server)
    endless: bool = False       # no Content-Length, bytes until the client hangs up
    declare_length: int | None = None  # a Content-Length to announce instead of the real one


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Request], Reply]


class FixtureServer:
    def __init__(self) -> None:
        self.routes: list[tuple[re.Pattern, str, list[Reply] | Handler]] = []
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self.sent_bytes = 0
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(self.command, parts.path, parse_qs(parts.query),
                              {k.lower(): v for k, v in self.headers.items()},
                              self.rfile.read(length) if length else b"")
                server.requests.append(req)
                reply = server.reply_for(req)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.etag and req.headers.get("if-none-match") == reply.etag:
                    self.send_response(304)
                    self.send_header("ETag", reply.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if reply.etag:
                    self.send_header("ETag", reply.etag)
                if reply.endless:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    chunk = (reply.body or b"x") * max(1, 65536 // max(1, len(reply.body)))
                    try:
                        while not server.stopping.is_set():
                            self.wfile.write(chunk)
                            server.sent_bytes += len(chunk)
                    except OSError:
                        pass  # the client hung up: what an endless body should end with
                    return
                length = reply.declare_length if reply.declare_length is not None \
                    else len(reply.body)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                if reply.drip:
                    try:
                        for i in range(len(reply.body)):
                            if server.stopping.is_set():
                                break
                            self.wfile.write(reply.body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(reply.drip)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                if reply.truncate_at is not None:
                    self.wfile.write(reply.body[: reply.truncate_at])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(reply.body)

            do_GET = _serve
            do_POST = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, pattern: str, *replies: Reply | Handler, method: str = "") -> None:
        """Answer requests whose path matches ``pattern`` (later routes win)."""
        target: list[Reply] | Handler
        if len(replies) == 1 and callable(replies[0]) and not isinstance(replies[0], Reply):
            target = replies[0]
        else:
            target = list(replies)  # type: ignore[arg-type]
        self.routes.insert(0, (re.compile(pattern), method, target))

    def reply_for(self, req: Request) -> Reply:
        for pattern, method, target in self.routes:
            if pattern.search(req.path) and (not method or method == req.method):
                if callable(target):
                    return target(req)
                return target.pop(0) if len(target) > 1 else target[0]
        return Reply(b"not found", 404)

    def hits(self, pattern: str) -> list[Request]:
        return [r for r in self.requests if re.search(pattern, r.path)]

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def bls_handler(payload: bytes) -> Handler:
    """BLS answers per requested window: the recorded excerpt (values outside the window are
    dropped by the connector)."""
    def handle(req: Request) -> Reply:
        json.loads(req.body)  # the connector must send JSON
        return Reply(payload, headers={"Content-Type": "application/json"})
    return handle


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch):
    srv = FixtureServer()
    for name in CONNECTORS:
        monkeypatch.setenv(f"AIDWATCH_{name.upper()}_BASE_URL", f"{srv.url}/{name}")
    for var in ("AIDWATCH_FRED_API_KEY", "AIDWATCH_BLS_API_KEY", "AIDWATCH_INEGI_TOKEN",
                "AIDWATCH_INEGI_INDICATOR", "AIDWATCH_SESNSP_FILE", "AIDWATCH_CDC_APP_TOKEN",
                "AIDWATCH_WORLDBANK_COUNTRIES"):
        monkeypatch.delenv(var, raising=False)
    yield srv
    srv.close()


def install_recorded(srv: FixtureServer) -> None:
    """Routes answering every connector with its recorded payloads."""
    j = {"Content-Type": "application/json"}
    srv.route(r"^/cdc/api/views/xkb8-kh2a/rows\.csv$",
              Reply(fixture_bytes("cdc/vsrr_rows_export_excerpt.csv"),
                    headers={"Content-Type": "text/csv"}))
    srv.route(r"^/worldbank/v2/country/.+/indicator/SP\.POP\.TOTL$",
              Reply(fixture_bytes("worldbank/sp_pop_totl_usa_2022_2023.json"), headers=j))
    srv.route(r"^/worldbank/v2/country/.+/indicator/VC\.IHR\.PSRC\.P5$",
              Reply(fixture_bytes("worldbank/vc_ihr_psrc_p5_mex_usa_2021_2024_reshaped.json"),
                    headers=j))
    srv.route(r"^/foreignassistance/us_foreign_aid_country\.csv$",
              Reply(fixture_bytes("foreignassistance/us_foreign_aid_country_mexico_excerpt.csv")))
    srv.route(r"^/inegi/app/tabulados/pxwebapi/api/tabulado$",
              Reply(fixture_bytes("inegi/tabulados_pxweb_tabulado_structure_constructed.json")))
    srv.route(r"^/inegi/app/tabulados/pxwebapi/api/datatable$",
              Reply(fixture_bytes("inegi/tabulados_pxweb_datatable_fixture.json")))
    srv.route(r"^/inegi/app/tabulados/pxwebapi/api/info$",
              Reply(fixture_bytes("inegi/tabulados_pxweb_info_constructed.json")))
    srv.route(r"^/sesnsp/victimas\.csv$",
              Reply(fixture_bytes("sesnsp/victimas_estatal_excerpt.csv")))

    def fred(req: Request) -> Reply:
        sid = req.query.get("series_id", [""])[0]
        return Reply(fixture_bytes(f"fred/{sid}_annual_reshaped.json"), headers=j)

    srv.route(r"^/fred/fred/series/observations$", fred)
    srv.route(r"^/bls/publicAPI/v[12]/timeseries/data/$",
              bls_handler(fixture_bytes("bls/timeseries_CUUR0000SA0_excerpt.json")))


@pytest.fixture()
def recorded(server: FixtureServer, monkeypatch: pytest.MonkeyPatch) -> FixtureServer:
    install_recorded(server)
    monkeypatch.setenv("AIDWATCH_FRED_API_KEY", "abcdefghijklmnopqrstuvwxyz123456")
    monkeypatch.setenv("AIDWATCH_BLS_API_KEY", "test-bls-key")
    monkeypatch.setenv("AIDWATCH_SESNSP_FILE", "victimas.csv")
    return server


@pytest.fixture()
def client(tmp_path: Path):
    c = HttpClient(timeout=0.5, retries=2, backoff=0.01, max_wait=0.05,
                   cache=tmp_path / "cache", pace=0.0)
    yield c
    c.close()


@pytest.fixture()
def fresh_db(db_path: Path, tmp_path: Path) -> Path:
    """A private copy of the session's embedded store (refreshes write to it)."""
    target = tmp_path / "store" / "aidwatch.duckdb"
    target.parent.mkdir()
    shutil.copy(db_path, target)
    return target
