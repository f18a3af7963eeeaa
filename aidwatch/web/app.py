"""The FastAPI app factory: one read-only store, JSON error shapes, limits, security headers.

    app = create_app()                        # the embedded store, newest snapshot
    app = create_app("my.duckdb", "embedded") # another store, pinned to a snapshot

The store is opened once, read-only and locked out of the file system
(``enable_external_access = false``), so nothing in a request can write it or read a file;
each request reads through its own cursor of that connection. Routes call the library
(``Store`` methods, ``aidwatch.evaluate``, ``aidwatch.check_text``, ``aidwatch.money``).
"""

from __future__ import annotations

import ipaddress
import math
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..console import to_jsonable
from ..errors import AidWatchError, InputError, StoreError, UnknownSeriesError
from ..store import Store, open_store

HERE = Path(__file__).resolve().parent
API_PREFIX = "/api/v1"
# No inline script or style anywhere, so the policy can forbid both: even if a pasted
# article slipped through escaping, the browser would not run it or load from elsewhere.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; beyond these the API answers 4xx with a JSON error."""

    max_article_chars: int = 200_000   # ~30,000 words; a long feature is ~3,000
    max_upload_bytes: int = 1_000_000
    max_donors: int = 60               # the comparison panel has 44 countries
    max_series: int = 8                # series on one explorer chart
    min_year: int = 1900
    max_year: int = 2100
    compute_per_minute: int = 60       # per client, for /evaluate and /check; 0 = no limit
    check_processes: int = 1           # claim checks in worker processes; 0 = in the server


class RateLimiter:
    """A sliding one-minute window of request times per client (in memory)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float | None:
        """Record one request; None when allowed, else seconds until the next is."""
        if self.per_minute <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and now - hits[0] >= 60.0:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(0.1, 60.0 - (now - hits[0]))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients
                for key in [k for k, v in self._hits.items() if not v]:
                    del self._hits[key]
            return None


class ResponseCache:
    """A bounded LRU of API read responses (bytes), at most ``max_bytes`` in all."""

    def __init__(self, max_bytes: int = 64_000_000, max_item: int = 2_000_000) -> None:
        self.max_bytes, self.max_item, self.size = max_bytes, max_item, 0
        self._items: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple, item: tuple) -> None:
        if len(item[0]) > self.max_item:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = item
            self.size += len(item[0])
            while self.size > self.max_bytes and self._items:
                _, old = self._items.popitem(last=False)
                self.size -= len(old[0])


class WebState:
    """The app's one store connection, its default snapshot, limits and result caches."""

    def __init__(self, db: str | Path | None, snapshot: str | None, limits: Limits) -> None:
        self.base = open_store(db, snapshot, allow_files=False)
        self.path = self.base.path
        self.default_snapshot = self.base.snapshot.snapshot_id
        self.limits = limits
        self.limiter = RateLimiter(limits.compute_per_minute)
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.response_cache = ResponseCache()
        self._idle: dict[str, list[Store]] = {}
        self.checks = None
        if limits.check_processes > 0:
            from .checking import CheckPool

            self.checks = CheckPool(self.path, limits.check_processes)

    @contextmanager
    def store(self, snapshot: str | None = None) -> Iterator[Store]:
        """A Store on a cursor of its own for the time of one request (a DuckDB connection
        serves one call at a time), taken from a pool of idle ones: the store does not
        change while served, so neither does what a snapshot id resolves to. (Not
        thread-local: FastAPI may run a dependency and its route in different threads.)"""
        key = snapshot or self.default_snapshot
        with self._lock:
            idle = self._idle.get(key)  # a key is added only when a good store comes back
            s = idle.pop() if idle else None
        if s is None:
            with self._lock:
                cursor = self.base.con.cursor()
            try:
                s = Store(cursor, self.path, key)
            except BaseException:
                cursor.close()
                raise
        try:
            yield s
        finally:
            with self._lock:
                idle = self._idle.setdefault(key, [])
                keep = len(idle) < 64 and len(self._idle) <= 16
                if keep:
                    idle.append(s)
            if not keep:
                s.close()

    def memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``cached`` without the flag: facts of one snapshot (series definitions, sources)."""
        return self.cached(key, compute, maxsize=4096)[0]

    def cached(self, key: tuple, compute: Callable[[], Any],
               maxsize: int = 4096) -> tuple[Any, bool]:
        """(value, was_cached): results keyed by their inputs and the snapshot id.

        One cache of one size for every caller (a smaller ``maxsize`` from one caller would
        trim everybody's entries)."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key], True
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > maxsize:
                self._cache.popitem(last=False)
        return value, False

    def close(self) -> None:
        if self.checks is not None:
            self.checks.close()
        self.base.close()


def jsonable(value: Any) -> Any:
    """Deeply JSON-safe: numpy and dates converted, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    value = to_jsonable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def error_body(status: int, code: str, message: str, hint: str | None = None) -> dict:
    return {"error": {"status": status, "code": code, "message": message, "hint": hint}}


def _status_of(exc: AidWatchError) -> tuple[int, str]:
    if isinstance(exc, UnknownSeriesError):
        return 404, "unknown_series"
    if isinstance(exc, InputError):
        return 400, "bad_input"
    if isinstance(exc, StoreError):
        return 503, "store_unavailable"
    return 500, "failed"


def create_app(db: str | Path | None = None, snapshot: str | None = None, *,
               limits: Limits | None = None) -> FastAPI:
    """The AidWatch web app (pages and ``/api/v1``) on one read-only store.

    Args:
        db: the DuckDB store (default: ``$AIDWATCH_DB`` or the user data directory; built
            from the embedded data on first use, as the CLI does).
        snapshot: serve this snapshot by default (requests may still pass ``?snapshot=``).
        limits: request limits (``Limits()`` by default).
    """
    from . import api, pages

    state = WebState(db, snapshot, limits or Limits())

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if state.checks is not None:
            state.checks.warm(state.default_snapshot)
        yield
        state.close()

    app = FastAPI(
        lifespan=lifespan,
        title="AidWatch API", version=__version__,
        description="Versioned JSON API of AidWatch: the sourced evidence base on U.S.-Mexico "
        "security cooperation (series, funding, events, sources, snapshots), the evaluation "
        "battery and the claim checker. Keys follow the CLI's `--json` contracts. Every "
        "response names the snapshot it was read from; errors are "
        '`{"error": {"status", "code", "message", "hint"}}`.',
        openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None)
    app.state.web = state
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        if request.method == "GET" and not request.url.path.startswith(API_PREFIX):
            # An HTML form sends its empty fields (from=&at=): on pages they mean "not set".
            query = request.scope.get("query_string", b"")
            if query:
                kept = [(k, v) for k, v in parse_qsl(query.decode("latin-1"),
                                                     keep_blank_values=True) if v.strip()]
                request.scope["query_string"] = urlencode(kept).encode("latin-1")
        key = None
        if (request.method == "GET" and request.url.path.startswith(API_PREFIX)
                and not request.url.path.endswith(("/evaluate", "/docs"))):
            # The store is read-only while served: a read's answer never changes, so it is
            # kept (bounded) and served again without touching the store.
            key = ("response", request.url.path, request.scope.get("query_string", b""))
            hit = state.response_cache.get(key)
            if hit is not None:
                body, status, media, headers = hit
                response = Response(body, status_code=status, media_type=media,
                                    headers=headers)
                key = None
            else:
                response = await call_next(request)
        else:
            response = await call_next(request)
        if key is not None and response.status_code == 200:
            body = b"".join([chunk async for chunk in response.body_iterator])
            headers = {k: v for k, v in response.headers.items()
                       if k.lower() == "content-disposition"}
            state.response_cache.put(key, (body, 200, response.media_type
                                           or response.headers.get("content-type"), headers))
            response = Response(body, status_code=200, headers=headers,
                                media_type=response.headers.get("content-type"))
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    def _is_api(request: Request) -> bool:
        return request.url.path.startswith(API_PREFIX)

    def _respond(request: Request, status: int, code: str, message: str,
                 hint: str | None = None, headers: dict | None = None):
        if _is_api(request):
            return JSONResponse(error_body(status, code, message, hint), status_code=status,
                                headers=headers)
        return pages.error_page(request, status, message, hint, headers)

    @app.exception_handler(AidWatchError)
    async def _aidwatch_error(request: Request, exc: AidWatchError):
        status, code = _status_of(exc)
        return _respond(request, status, code, exc.message, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        parts = []
        for e in errors[:3]:
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", ""))
        return _respond(request, 422, "invalid_request", "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        code = {400: "bad_input", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
                422: "invalid_request",
                429: "rate_limited"}.get(exc.status_code, f"http_{exc.status_code}")
        return _respond(request, exc.status_code, code, detail, None,
                        getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        return _respond(request, 500, "internal_error",
                        f"unexpected error: {type(exc).__name__}",
                        "this is a bug in AidWatch; please report the request")

    return app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> None:
    """Raise InputError (one line) when ``host:port`` cannot be listened on."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         "pick another --port, or stop the program using it") from None


def serve(host: str = "127.0.0.1", port: int = 8000, db: str | Path | None = None,
          snapshot: str | None = None, *, echo: Callable[[str], None] = print) -> None:
    """Run the web app with uvicorn until interrupted, after saying its URL."""
    import uvicorn

    if not 0 < port < 65536:
        raise InputError(f"--port {port} is not a TCP port", "use 1-65535")
    check_port(host, port)
    app = create_app(db, snapshot)
    state: WebState = app.state.web
    shown = f"[{host}]" if ":" in host else host
    echo(f"AidWatch serving http://{shown}:{port}/ (API: http://{shown}:{port}{API_PREFIX}/, "
         f"docs {API_PREFIX}/docs) · store {state.path} read-only · snapshot "
         f"{state.default_snapshot} · Ctrl-C to stop")
    if not is_loopback(host):
        echo(f"warning: {host} is not a loopback address; anyone who can reach this machine "
             "can use the server (it has no login)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


class BackgroundServer:
    """The app served by uvicorn in a thread on loopback (tests, benchmarks).

        with BackgroundServer(create_app(db)) as url:
            httpx.get(url + "/api/v1/series")
    """

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        if port == 0:
            with socket.socket() as sock:
                sock.bind((host, 0))
                port = sock.getsockname()[1]
        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                                access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on {self.url}")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
