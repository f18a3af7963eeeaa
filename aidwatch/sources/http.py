"""The one HTTP client every connector uses: timeouts, retries, rate limits, a disk cache.

* Timeouts on connect and on each read (``AIDWATCH_HTTP_TIMEOUT``, seconds, default 60), and
  a total deadline per request, retries and waits included (``AIDWATCH_HTTP_DEADLINE``,
  default 300 s; ``AIDWATCH_HTTP_DOWNLOAD_DEADLINE``, default 3600 s, for files streamed to
  disk): a server that drips a byte at a time cannot hold a refresh for ever.
* A body-size cap per source (``set_limits``): bodies held in memory stop at 256 MB, files
  streamed to disk at 4096 MB, unless the connector sets its own (``Connector.max_body_mb``)
  or ``AIDWATCH_<SOURCE>_MAX_MB`` does. An endless body fails that source; it never fills
  memory or the disk. A ``Content-Length`` over the cap fails before any byte is read.
* Retries with exponential backoff on 429 and 5xx and on read timeouts; a ``Retry-After``
  header is honoured (capped). ``AIDWATCH_HTTP_BACKOFF`` sets the first wait (default 1 s).
* A minimum interval between requests to the same host (per connector), so a refresh never
  exceeds a publisher's published rate limit.
* Every successful response body is cached under ``<user data dir>/cache/<source>/``
  (``AIDWATCH_CACHE_DIR`` overrides); the next request sends ``If-None-Match`` /
  ``If-Modified-Since`` and a ``304`` is answered from the cache.
* Secrets (API keys, tokens) never reach the cache file names, the cache metadata, messages
  or the Source rows: callers pass them in ``secret_params``/``secret_path`` and get back a
  ``Fetched`` whose ``url`` has them removed.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

from .. import settings
from .._version import __version__
from ..errors import AidWatchError

USER_AGENT = f"aidwatch/{__version__} (+https://github.com/aidwatch; research use)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class SourceError(AidWatchError):
    """A source could not be fetched or its payload could not be used; names the source."""

    def __init__(self, source: str, message: str, hint: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}", hint)


class SourceOffline(SourceError):
    """The publisher's host could not be reached at all (DNS, refused connection)."""


class MissingKey(SourceError):
    """A source needs a key from the environment that is not set."""


class _TooLarge(Exception):
    def __init__(self, size: int, declared: bool) -> None:
        self.size, self.declared = size, declared


class _DeadlineExceeded(Exception):
    pass


MB = 1 << 20
DEFAULT_BODY_MB = 256.0
DEFAULT_DOWNLOAD_MB = 4096.0


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ[name])
    except (KeyError, ValueError):
        return default


def cache_dir() -> Path:
    """Where raw responses are kept: ``$AIDWATCH_CACHE_DIR`` or ``<user data dir>/cache``."""
    if env := os.environ.get("AIDWATCH_CACHE_DIR"):
        return Path(env).expanduser()
    return settings.user_data_dir() / "cache"


@dataclass
class Fetched:
    """One response body with where it came from (secrets removed from ``url``)."""

    url: str
    status: int
    content: bytes
    headers: dict[str, str]
    from_cache: bool = False
    path: Path | None = None      # set by ``download``: the body is on disk, not in content
    digest: str = ""

    @property
    def sha256(self) -> str:
        return self.digest or hashlib.sha256(self.content).hexdigest()


@dataclass
class HttpClient:
    """Shared client. One instance per refresh; ``source`` names the caller in messages.

    Args:
        timeout: seconds for connect and for each read (``$AIDWATCH_HTTP_TIMEOUT`` or 60).
        deadline: total seconds for one request, retries and waits included
            (``$AIDWATCH_HTTP_DEADLINE`` or 300); ``download_deadline`` for ``download``.
        retries: attempts after the first one on 429/5xx/timeouts.
        backoff: first wait in seconds, doubled each retry (``$AIDWATCH_HTTP_BACKOFF``).
        max_wait: cap on any single wait, including a server's Retry-After.
        on_event: called with (source, message) for progress display.
        pace: multiplies every connector's minimum interval between requests (0 disables
            pacing; for tests against a local server).
    """

    timeout: float = field(default_factory=lambda: env_float("AIDWATCH_HTTP_TIMEOUT", 60.0))
    deadline: float = field(default_factory=lambda: env_float("AIDWATCH_HTTP_DEADLINE", 300.0))
    download_deadline: float = field(
        default_factory=lambda: env_float("AIDWATCH_HTTP_DOWNLOAD_DEADLINE", 3600.0))
    retries: int = 3
    backoff: float = field(default_factory=lambda: env_float("AIDWATCH_HTTP_BACKOFF", 1.0))
    max_wait: float = field(default_factory=lambda: env_float("AIDWATCH_HTTP_MAX_WAIT", 60.0))
    cache: Path | str | None = None
    on_event: Callable[[str, str], None] | None = None
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    pace: float = 1.0
    _last_call: dict[str, float] = field(default_factory=dict)
    _limits: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.cache = Path(self.cache) if self.cache else cache_dir()
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 20.0)),
            headers={"User-Agent": USER_AGENT}, follow_redirects=True,
            transport=self.transport)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public ----------------------------------------------------------------------------
    def set_limits(self, source: str, body_mb: float, download_mb: float) -> None:
        """Cap ``source``'s bodies: ``body_mb`` held in memory, ``download_mb`` streamed to
        disk (refresh sets each connector's own caps)."""
        self._limits[source] = (body_mb, download_mb)

    def limits(self, source: str) -> tuple[float, float]:
        """``source``'s caps in MB (in memory, on disk); ``$AIDWATCH_<SOURCE>_MAX_MB`` wins."""
        env = env_float(f"AIDWATCH_{source.upper()}_MAX_MB", 0.0)
        if env > 0:
            return env, env
        return self._limits.get(source, (DEFAULT_BODY_MB, DEFAULT_DOWNLOAD_MB))

    def get(self, source: str, url: str, *, params: Mapping[str, str] | None = None,
            secret_params: Mapping[str, str] | None = None, secret_path: str = "",
            headers: Mapping[str, str] | None = None, min_interval: float = 0.0,
            accept_statuses: tuple[int, ...] = ()) -> Fetched:
        """GET ``url`` (+ ``secret_path`` appended, + params); returns the body or raises.

        ``accept_statuses`` lists non-2xx statuses whose body the caller wants to read
        (publishers that explain errors in the body, e.g. INEGI's 400 "no results").
        """
        return self._request(source, "GET", url, params=params, secret_params=secret_params,
                             secret_path=secret_path, headers=headers, json_body=None,
                             min_interval=min_interval, accept_statuses=accept_statuses)

    def download(self, source: str, url: str, *, min_interval: float = 0.0) -> Fetched:
        """GET a large file straight into the cache (never held in memory).

        The returned ``Fetched`` has ``path`` (the cached body) and ``digest``; retries,
        revalidation and error handling are those of ``get``.
        """
        return self._request(source, "GET", url, params=None, secret_params=None,
                             secret_path="", headers=None, json_body=None,
                             min_interval=min_interval, accept_statuses=(), stream=True)

    def post_json(self, source: str, url: str, body: dict, *,
                  secret_body: Mapping[str, str] | None = None,
                  headers: Mapping[str, str] | None = None,
                  min_interval: float = 0.0) -> Fetched:
        """POST a JSON body (secret fields merged in but never cached or shown)."""
        full = {**body, **(secret_body or {})}
        return self._request(source, "POST", url, params=None, secret_params=None,
                             secret_path="", headers=headers, json_body=(body, full),
                             min_interval=min_interval, accept_statuses=())

    # -- internals -------------------------------------------------------------------------
    def _emit(self, source: str, message: str) -> None:
        if self.on_event:
            self.on_event(source, message)

    def _pace(self, host: str, min_interval: float) -> None:
        min_interval *= self.pace
        with self._lock:
            last = self._last_call.get(host)
            now = time.monotonic()
            if last is not None and min_interval > 0 and now - last < min_interval:
                self.sleep(min_interval - (now - last))
            self._last_call[host] = time.monotonic()

    def _request(self, source: str, method: str, url: str, *, params, secret_params,
                 secret_path: str, headers, json_body, min_interval: float,
                 accept_statuses: tuple[int, ...], stream: bool = False) -> Fetched:
        public_url = url + (("?" + urlencode(params)) if params else "")
        real_url = url + secret_path
        query = {**(params or {}), **(secret_params or {})}
        if query:
            real_url += "?" + urlencode(query)
        cache_key = public_url + ("\n" + json.dumps(json_body[0], sort_keys=True)
                                  if json_body else "")
        entry = self._cache_path(source, cache_key)
        meta = self._read_meta(entry)
        send_headers = dict(headers or {})
        if meta and entry.with_suffix(".body").exists():
            if meta.get("etag"):
                send_headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                send_headers["If-Modified-Since"] = meta["last_modified"]
        host = urlsplit(url).netloc
        total = self.download_deadline if stream else self.deadline
        deadline = time.monotonic() + total
        cap = self.limits(source)[1 if stream else 0]
        attempt = 0
        while True:
            self._pace(host, min_interval)
            self._emit(source, f"{method} {public_url}" + (f" (retry {attempt})"
                                                            if attempt else ""))
            try:
                response, body, streamed = self._send(
                    source, method, real_url, send_headers,
                    json_body[1] if json_body is not None else None,
                    entry if stream else None, deadline, int(cap * MB))
            except _TooLarge as exc:
                what = "declares" if exc.declared else "sent more than"
                size = f" ({exc.size / MB:,.0f} MB)" if exc.declared else ""
                raise SourceError(source, f"the response from {host} {what} the {cap:g} MB "
                                  f"limit for {source}{size}; nothing was kept",
                                  f"set AIDWATCH_{source.upper()}_MAX_MB to allow more") from None
            except _DeadlineExceeded:
                raise SourceError(source, f"no complete response from {host} within the "
                                  f"{total:g}s deadline ({attempt + 1} attempts)",
                                  "the server is too slow; AIDWATCH_HTTP_DEADLINE sets the "
                                  "limit") from None
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise SourceOffline(source, f"cannot reach {host} ({_reason(exc)})",
                                    "offline? the embedded data keeps working") from None
            except (httpx.TimeoutException, httpx.RemoteProtocolError) as exc:
                # A timeout or a body cut short: retried while the deadline allows, never
                # used as data.
                wait = self._wait(attempt + 1, None)
                if attempt < self.retries and time.monotonic() + wait < deadline:
                    attempt += 1
                    self.sleep(wait)
                    continue
                if isinstance(exc, httpx.TimeoutException):
                    raise SourceError(source, f"timed out after {self.timeout:g}s waiting for "
                                      f"{host} ({attempt + 1} attempts)") from None
                raise SourceError(source, f"truncated or malformed response from {host} "
                                  f"({_reason(exc)}, {attempt + 1} attempts)") from None
            except httpx.HTTPError as exc:
                raise SourceError(source, f"request to {host} failed ({_reason(exc)})") from None
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                wait = self._wait(attempt + 1, response.headers.get("Retry-After"))
                if time.monotonic() + wait < deadline:
                    attempt += 1
                    self._emit(source, f"HTTP {response.status_code}, waiting {wait:.2g}s")
                    self.sleep(wait)
                    continue
            break
        if response.status_code == 304 and meta:
            self._emit(source, f"not modified, using cached copy of {public_url}")
            if stream:
                return Fetched(public_url, 200, b"", dict(meta.get("headers", {})),
                               from_cache=True, path=entry.with_suffix(".body"),
                               digest=meta.get("sha256", ""))
            body = entry.with_suffix(".body").read_bytes()
            return Fetched(public_url, 200, body, dict(meta.get("headers", {})),
                           from_cache=True)
        if not (200 <= response.status_code < 300
                or response.status_code in accept_statuses):
            detail = response.reason_phrase or ""
            tries = f" after {attempt + 1} attempts" if attempt else ""
            raise SourceError(source, f"HTTP {response.status_code} {detail} from {host}{tries}"
                              .replace("  ", " "), _status_hint(response.status_code))
        kept = {k: v for k, v in response.headers.items()
                if k.lower() in ("content-type", "etag", "last-modified", "date")}
        if streamed is not None:
            tmp, digest, size = streamed
            os.replace(tmp, entry.with_suffix(".body"))
            fetched = Fetched(public_url, response.status_code, b"", kept,
                              path=entry.with_suffix(".body"), digest=digest)
            self._write_meta(entry, fetched, size)
            return fetched
        fetched = Fetched(public_url, response.status_code, body, kept)
        if 200 <= response.status_code < 300:
            self._write_cache(entry, fetched)
        return fetched

    def _send(self, source: str, method: str, url: str, headers: dict, json_payload,
              to_file: Path | None, deadline: float, cap: int,
              ) -> tuple[httpx.Response, bytes, tuple[Path, str, int] | None]:
        """One attempt: the response, its body (in memory, or on 2xx with ``to_file`` written
        to a temporary file beside it), both bounded by ``cap`` bytes and by ``deadline``."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlineExceeded
        per_read = min(self.timeout, remaining)
        kwargs: dict = {"headers": headers,
                        "timeout": httpx.Timeout(per_read, connect=min(per_read, 20.0))}
        if json_payload is not None:
            kwargs["json"] = json_payload
        with self._client.stream(method, url, **kwargs) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise _TooLarge(int(declared), True)
            if to_file is None or not 200 <= response.status_code < 300:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise _TooLarge(size, False)
                    if time.monotonic() > deadline:
                        raise _DeadlineExceeded
                    chunks.append(chunk)
                return response, b"".join(chunks), None
            to_file.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=to_file.parent, prefix=".download")
            tmp, h, size, step = Path(name), hashlib.sha256(), 0, 0
            try:
                with os.fdopen(fd, "wb") as fh:
                    for chunk in response.iter_bytes(1 << 20):
                        size += len(chunk)
                        if size > cap:
                            raise _TooLarge(size, False)
                        if time.monotonic() > deadline:
                            raise _DeadlineExceeded
                        fh.write(chunk)
                        h.update(chunk)
                        if size >> 26 > step:  # every 64 MB
                            step = size >> 26
                            self._emit(source, f"downloaded {size / 1e6:,.0f} MB")
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            return response, b"", (tmp, h.hexdigest(), size)

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        wait = self.backoff * 2 ** (attempt - 1)
        if retry_after:
            try:
                wait = float(retry_after)
            except ValueError:
                try:
                    when = email.utils.parsedate_to_datetime(retry_after)
                    wait = (when - datetime.now(UTC)).total_seconds()
                except (TypeError, ValueError):
                    pass  # an unreadable Retry-After: keep the backoff
        return max(0.0, min(wait, self.max_wait))

    def _cache_path(self, source: str, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        assert self.cache is not None
        return self.cache / source / digest

    @staticmethod
    def _read_meta(entry: Path) -> dict | None:
        try:
            return json.loads(entry.with_suffix(".json").read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def _write_meta(self, entry: Path, fetched: Fetched, size: int) -> None:
        meta = self._meta(fetched, size)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(meta, indent=1).encode())
        os.replace(tmp, entry.with_suffix(".json"))

    @staticmethod
    def _meta(fetched: Fetched, size: int) -> dict:
        return {"url": fetched.url, "status": fetched.status,
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "sha256": fetched.sha256, "bytes": size,
                "etag": fetched.headers.get("etag") or fetched.headers.get("ETag"),
                "last_modified": (fetched.headers.get("last-modified")
                                  or fetched.headers.get("Last-Modified")),
                "headers": fetched.headers}

    def _write_cache(self, entry: Path, fetched: Fetched) -> None:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            meta = self._meta(fetched, len(fetched.content))
            for suffix, data in ((".body", fetched.content),
                                 (".json", json.dumps(meta, indent=1).encode())):
                fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp")
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, entry.with_suffix(suffix))
        except OSError as exc:
            self._emit("cache", f"could not write the response cache: {exc.strerror}")


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _status_hint(status: int) -> str | None:
    if status in (401, 403):
        return "the publisher refused the request; check the key in the environment"
    if status == 404:
        return "the publisher moved or removed the resource; check the base URL"
    if status == 429:
        return "rate-limited by the publisher; try again later"
    if status >= 500:
        return "the publisher's server failed; try again later"
    return None


def base_url(name: str, default: str) -> str:
    """``$AIDWATCH_<NAME>_BASE_URL`` if set (a mirror, proxy or test server), else default."""
    return os.environ.get(f"AIDWATCH_{name.upper()}_BASE_URL", default).rstrip("/")
