"""Bounded load test of `aidwatch serve` on loopback: requests/s and latency percentiles.

    python benchmarks/serve_load.py [--clients 50] [--seconds 30] [--check-share 0.1]

Starts the real server (uvicorn, in its own process, on a free 127.0.0.1 port, on a copy of
the store built from the embedded data), then runs ``--clients`` concurrent clients for
``--seconds``: each client loops over series reads (one series with its values and sources,
panel slices, CSV, the series list) and, with probability ``--check-share``, checks a
generated ~1,000-word article (``benchmarks/claims_throughput.make_article``). The server's
per-client compute rate limit is switched off for the run (every client shares 127.0.0.1).
Prints, per kind: requests, requests/s, p50/p95/p99 and errors, and the targets:
p95 < 100 ms for series reads, p95 < 1 s for checking a 1,000-word article, no errors.
"""

from __future__ import annotations

import argparse
import asyncio
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
app = create_app(sys.argv[1], limits=Limits(compute_per_minute=0))
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


async def client_loop(http: httpx.AsyncClient, until: float, rng: random.Random,
                      articles: list[str], share: float, out: dict) -> None:
    while time.perf_counter() < until:
        if rng.random() < share:
            kind, started = "check", time.perf_counter()
            try:
                r = await http.post("/api/v1/check", json={"text": rng.choice(articles)})
                ok = r.status_code == 200 and r.json()["data"]
            except httpx.HTTPError:
                ok = False
        else:
            kind, started = "read", time.perf_counter()
            try:
                r = await http.get(read_url(rng))
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
        out[kind]["ms"].append((time.perf_counter() - started) * 1000)
        if not ok:
            out[kind]["errors"] += 1


async def run_load(url: str, clients: int, seconds: float, share: float,
                   articles: list[str]) -> dict:
    out = {k: {"ms": [], "errors": 0} for k in ("read", "check")}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        await http.get("/api/v1/series")  # warm: store catalogue
        await http.post("/api/v1/check", json={"text": articles[0]})  # warm: evidence
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(client_loop(http, until, random.Random(i), articles, share, out)
                               for i in range(clients)))
        out["elapsed"] = time.perf_counter() - started
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--check-share", type=float, default=0.1,
                    help="share of requests that check an article (default 0.1)")
    ap.add_argument("--words", type=int, default=1000)
    args = ap.parse_args()
    rng = random.Random(7)
    articles = [make_article(rng, args.words) for _ in range(20)]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "aidwatch.duckdb"
        aidwatch.open_store(db).close()
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port)],
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
            out = asyncio.run(run_load(url, args.clients, args.seconds, args.check_share,
                                       articles))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    elapsed = out["elapsed"]
    total = sum(len(out[k]["ms"]) for k in ("read", "check"))
    print(f"aidwatch serve on loopback: {args.clients} clients for {elapsed:.1f} s, "
          f"{total} requests, {total / elapsed:.0f} requests/s "
          f"(server and load generator share this machine's {os.cpu_count()} cores)")
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
