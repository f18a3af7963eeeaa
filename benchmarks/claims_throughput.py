"""Claim checker throughput: articles per second on a generated corpus of ~1,000-word articles.

    python benchmarks/claims_throughput.py [--articles 200] [--words 1000] [--seed 7]

The corpus mixes claim sentences of every form (counts, rates, shares, ratios, money,
conversions, dated events, Spanish sentences) with filler prose, so each article carries
30-60 claims. Start-up (opening the store, loading the evidence) is timed separately; the
issue's budget is one 1,000-word article in under a second after start-up. The last line is
``articles_per_second=<n> p95_ms=<ms> budget_ratio=<1000 ms / p95 ms>``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aidwatch  # noqa: E402
from aidwatch.claims.check import check_text, load_evidence  # noqa: E402

CLAIMS = [
    "Drug overdose deaths in the United States rose from {a:,} in {y1} to {b:,} in {y2}.",
    "Fentanyl was linked to {p:.1f}% of these deaths.",
    "Mexico's homicide rate {mult} between {y1} and {y2}.",
    "Mexico recorded a homicide rate of {r:.1f} per 100,000 people in {y2}.",
    "Congress appropriated about ${m:.1f} billion for the Mérida Initiative from FY{y1} to "
    "FY{y2}.",
    "The program cost R${f:.1f} billion (${m:.1f} billion).",
    "In {y2}, U.S. agents arrested former defense secretary Salvador Cienfuegos.",
    "Tensions resurfaced in July {y2} when the US detained Ismael Zambada.",
    "More than {a:,} Americans died of overdoses in {y2}.",
    "Overdose deaths rose {p:.0f}% between {y1} and {y2}.",
    "En {y2} se registraron {h:,} homicidios en México, según el INEGI.",
    "La tasa de homicidios fue de {r:.1f} por cada 100 mil habitantes en {y2}.",
]
FILLER = [
    "Officials on both sides of the border described the talks as constructive.",
    "Analysts cautioned that the figures reflect reporting practices as much as violence.",
    "The agreement covers training, equipment and judicial reform programs.",
    "Critics argue that security spending has not addressed the root causes of crime.",
    "Lawmakers asked the State Department for a detailed accounting of the programs.",
    "Human rights groups documented abuses by security forces in several states.",
    "The debate is likely to continue as both governments prepare new budgets.",
]


def make_article(rng: random.Random, words: int) -> str:
    parts = ["Tuesday, 02 January 2024 12:17 GMT", "", "Security cooperation under review", ""]
    n = 0
    while n < words:
        y1 = rng.randint(2000, 2015)
        y2 = rng.randint(y1 + 1, 2024)
        template = rng.choice(CLAIMS) if rng.random() < 0.45 else rng.choice(FILLER)
        sentence = template.format(
            a=rng.randint(20000, 120000), b=rng.randint(20000, 120000),
            p=rng.uniform(5, 95), r=rng.uniform(5, 35), m=rng.uniform(0.1, 5),
            f=rng.uniform(1, 30), h=rng.randint(10000, 40000), y1=y1, y2=y2,
            mult=rng.choice(["doubled", "tripled", "rose fourfold", "rose 2.5-fold"]))
        parts.append(sentence)
        n += len(sentence.split())
    return "\n".join(parts) + "\n\nMENAFN14102024007421016031ID1108776268\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--words", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    corpus = [make_article(rng, args.words) for _ in range(args.articles)]

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, aidwatch.open_store(Path(tmp) / "s.duckdb") as s:
        evidence = load_evidence(s)
        startup = time.perf_counter() - started
        check_text(corpus[0], evidence=evidence)  # warm regex caches
        times, claims = [], 0
        t0 = time.perf_counter()
        for text in corpus:
            t = time.perf_counter()
            claims += len(check_text(text, evidence=evidence))
            times.append(time.perf_counter() - t)
        total = time.perf_counter() - t0
    words = sum(len(t.split()) for t in corpus)
    p50 = statistics.median(times) * 1000
    p95 = sorted(times)[int(0.95 * (len(times) - 1))] * 1000
    print(f"corpus: {len(corpus)} articles, {words / len(corpus):,.0f} words each, "
          f"{claims / len(corpus):.0f} findings each (seed {args.seed})")
    print(f"start-up (build/open store, load evidence): {startup:.2f} s")
    print(f"per article: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(times) * 1000:.1f} ms")
    print(f"throughput: {len(corpus) / total:.1f} articles/s, {words / total:,.0f} words/s")
    print(f"articles_per_second={len(corpus) / total:.1f} p95_ms={p95:.1f} "
          f"budget_ratio={1000 / p95:.1f}")


if __name__ == "__main__":
    main()
