"""Bounded load test of `aidwatch serve` on loopback: requests/s and latency percentiles.

    python benchmarks/serve_load.py [--clients 50] [--seconds 30] [--check-clients 5]

Starts the real server (uvicorn, in its own process, on a free 127.0.0.1 port, on a copy of
the store built from the embedded data), then runs ``--clients`` concurrent clients for
``--seconds``, each in a closed loop (the next request when the last is answered):
``--check-clients`` of them check generated ~1,000-word articles
(``benchmarks/claims_throughput.make_article``), the others read series (one series with its
values and sources, panel slices, CSV, the series list). A client does one kind, so the
latency of the quick reads is not the queue of the slow checks. The server's
per-client compute rate limit is switched off for the run (every client shares 127.0.0.1).
Prints, per kind: requests, requests/s, p50/p95/p99 and errors, and the targets:
p95 < 100 ms for series reads, p95 < 1 s for checking a 1,000-word article, no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402
from claims_throughput import make_article  # noqa: E402

import aidwatch  # noqa: E402

SERVER = """
import sys, uvicorn
from aidwatch.web.app import Limits, create_app
app = create_app(sys.argv[1], limits=Limits(compute_per_minute=0,
                                            check_processes=int(sys.argv[3])))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            access_log=False)
"""
# ~1,400 distinct reads: the server keeps answers to reads (the store is read-only while
# served), so a run mixes first reads (the store is queried) and repeats (served from memory).
READS = [
    "/api/v1/series/us.overdose_deaths.total?start={year}",
    "/api/v1/series/mx.homicides.rate_per_100k?start={year}",
    "/api/v1/series/intl.homicides.rate_per_100k?geo={country}&start={year}",
    "/api/v1/series/mx.homicide_victims.sesnsp.monthly?start={year}-01&format=csv",
    "/api/v1/series/us.overdose_deaths.by_state?geo={state}",
    "/api/v1/series?q=overdose",
]
COUNTRIES = ("ARG BOL BRA CHL COL CRI DOM ECU GTM HND JAM MEX NIC PAN PER PRY SLV URY "
             "VEN").split()
STATES = "AL AZ CA CO FL GA IL KY MD MA MI NY NC OH PA TN TX VA WA WV".split()


def read_url(rng: random.Random) -> str:
    return rng.choice(READS).format(year=rng.randint(1999, 2016), country=rng.choice(COUNTRIES),
                                    state=rng.choice(STATES))


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))] if s else float("nan")


class Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams.

    httpx's async client costs several times the server's CPU per request, so on a small
    machine it would measure itself; this client does only what the test needs (requests
    with a body length, responses with Content-Length, which every API answer carries).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Length: {len(body)}\r\n"
                + ("Content-Type: application/json\r\n" if body else "") + "\r\n")
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next((int(line.split(":", 1)[1]) for line in lines[1:]
                       if line.lower().startswith("content-length:")), None)
        if length is None:
            raise ConnectionError("response without Content-Length")
        data = await self.reader.readexactly(length)
        if any(line.lower() == "connection: close" for line in lines[1:]):
            self.writer.close()
            self.writer = None
        return status, data


async def client_loop(conn: Connection, until: float, rng: random.Random,
                      articles: list[bytes], check: bool, out: dict) -> None:
    while time.perf_counter() < until:
        kind, started = ("check" if check else "read"), time.perf_counter()
        try:
            if check:
                status, data = await conn.request("POST", "/api/v1/check",
                                                  rng.choice(articles))
                ok = status == 200 and b'"verdict"' in data
            else:
                status, _ = await conn.request("GET", read_url(rng))
                ok = status == 200
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            conn.writer = None
            ok = False
        out[kind]["ms"].append((time.perf_counter() - started) * 1000)
        if not ok:
            out[kind]["errors"] += 1


async def run_load(url: str, clients: int, seconds: float, checkers: int,
                   articles: list[str]) -> dict:
    out = {k: {"ms": [], "errors": 0} for k in ("read", "check")}
    host, port = url.removeprefix("http://").split(":")
    bodies = [json.dumps({"text": a}).encode() for a in articles]
    warm = Connection(host, int(port))
    await warm.request("GET", "/api/v1/series")        # the store's catalogue
    await warm.request("POST", "/api/v1/check", bodies[0])  # the checker's evidence
    conns = [Connection(host, int(port)) for _ in range(clients)]
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(client_loop(c, until, random.Random(i), bodies, i < checkers, out)
                           for i, c in enumerate(conns)))
    out["elapsed"] = time.perf_counter() - started
    for c in [warm, *conns]:
        if c.writer is not None:
            c.writer.close()
    return out


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--check-clients", type=int, default=5,
                    help="how many of the clients check articles; the others read series "
                    "(default 5)")
    ap.add_argument("--words", type=int, default=1000)
    ap.add_argument("--check-processes", type=int, default=1,
                    help="the server's claim-checker worker processes (default 1, as served)")
    args = ap.parse_args()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rng = random.Random(7)
    articles = [make_article(rng, args.words) for _ in range(20)]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "aidwatch.duckdb"
        aidwatch.open_store(db).close()
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port),
                                 str(args.check_processes)],
                                env={**os.environ, "AIDWATCH_HOME": tmp})
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(url + "/api/v1/snapshots", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        print("the server did not start", file=sys.stderr)
                        return 1
                    time.sleep(0.1)
            cpu0, server0 = time.process_time(), server_cpu(proc.pid)
            out = asyncio.run(run_load(url, args.clients, args.seconds, args.check_clients,
                                       articles))
            out["cpu"] = (time.process_time() - cpu0, server_cpu(proc.pid) - server0)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    elapsed = out["elapsed"]
    total = sum(len(out[k]["ms"]) for k in ("read", "check"))
    print(f"aidwatch serve on loopback: {args.clients} clients for {elapsed:.1f} s, "
          f"{total} requests, {total / elapsed:.0f} requests/s "
          f"(server and load generator share this machine's {os.cpu_count()} cores; CPU "
          f"seconds: load generator {out['cpu'][0]:.1f}, server {out['cpu'][1]:.1f}; load "
          f"average before the run {load_before:.1f})")
    verdicts = []
    for kind, target, label in (("read", 100.0, "series reads"),
                                ("check", 1000.0, f"check a {args.words}-word article")):
        ms, errors = out[kind]["ms"], out[kind]["errors"]
        p50, p95, p99 = pct(ms, 50), pct(ms, 95), pct(ms, 99)
        ok = bool(ms) and p95 < target and errors == 0
        verdicts.append(ok)
        print(f"  {label:<28} {len(ms):>6} requests {len(ms) / elapsed:>7.1f}/s  p50 "
              f"{p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms  errors {errors}  "
              f"target p95 < {target:.0f} ms: {'met' if ok else 'NOT met'}")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
