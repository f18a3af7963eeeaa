"""The claim checker's one door to the store: load the evidence, read articles, check them.

``check_text`` is the public entry point (re-exported as ``aidwatch.check_text``); the CLI's
``aidwatch check`` calls ``check_paths``. Everything else in ``aidwatch.claims`` is pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import InputError
from ..store import Store, open_store
from ..textfile import read_text_input
from .consistency import check_consistency
from .document import make_document
from .extract import extract_claims
from .link import Evidence
from .records import VERDICTS, Verdict
from .verify import Checker

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".xhtml")


def load_evidence(store: Store) -> Evidence:
    """The slice of one snapshot the checker needs, read once (national series only)."""
    snap = store.snapshot.snapshot_id
    series = store.con.execute(
        "SELECT series_id, name, unit, frequency, geo, kind, selector FROM series "
        "WHERE snapshot_id = ?", [snap]).df()
    # national series, plus the U.S. and Mexican by-state panels (for "in Ohio", "en Sinaloa")
    obs = store.con.execute(
        "SELECT o.series_id, o.geo, o.period, o.value, o.status, o.source_id FROM observations o "
        "JOIN series s ON s.snapshot_id = o.snapshot_id AND s.series_id = o.series_id "
        "WHERE o.snapshot_id = ? AND (s.kind = 'observation' OR (s.kind = 'panel' AND "
        "(o.series_id LIKE 'us.%' OR o.series_id LIKE 'mx.%'))) "
        # one value per period: the current vintage, as Store.series gives it
        "QUALIFY row_number() OVER (PARTITION BY o.series_id, o.geo, o.period ORDER BY "
        "(o.status = 'final') DESC, (o.published = '') DESC, o.published DESC) = 1",
        [snap]).df()
    cube = store.con.execute(
        "SELECT series_id, measure, unit, drug, intent, sex, age_group, area, period_start, "
        "period_end, period_kind, status, published, agency, source_id, value FROM cube "
        "WHERE snapshot_id = ? AND measure NOT IN ('population', 'consumer_prices', "
        "'exchange_rate') AND (series_kind <> 'panel' OR area NOT SIMILAR TO '[A-Z]{3}')",
        [snap]).df()
    funding = store.con.execute(
        "SELECT * EXCLUDE (snapshot_id) FROM funding WHERE snapshot_id = ?", [snap]).df()
    events = store.events()
    sources = store.sources()
    publishers = {}
    for r in sources.to_dict("records"):
        pub = str(r["publisher"]).split(";")[0].strip()
        title = str(r["title"])
        label = f"{pub}, {title}"
        publishers[r["source_id"]] = label if len(label) <= 110 else label[:107] + "..."
    places = {}
    try:
        geos = store.con.execute("SELECT geo, name FROM geos WHERE snapshot_id = ? AND level IN "
                                 "('us_state', 'mx_state')", [snap]).fetchall()
    except duckdb.Error:
        geos = []  # a store from before the geographies table
    for geo, name in geos:
        # "Washington" and "Georgia" name a government and a country more often than a state
        if name and name not in ("Washington", "Georgia"):
            places[name] = geo
    return Evidence(series=series, observations=obs, funding=funding, events=events,
                    sources={k: v for k, v in publishers.items()}, publishers=publishers,
                    snapshot=snap, places=places, cube_frame=cube)


def check_text(text: str, store: Store | None = None, *, article: str = "-",
               evidence: Evidence | None = None, published: date | None = None,
               lang: str | None = None, html: bool | None = None) -> list[Verdict]:
    """Every numeric and dated claim in ``text`` (plain text or HTML), judged against the
    evidence base, plus the text's own consistency findings, in reading order.

    Args:
        store: an open store (default: ``open_store()``); ignored when ``evidence`` is given.
        article: the name shown in results (a file name, or "-").
        published: when the text was written or said (default: its ``published:`` header
            line, dateline or HTML date); claims are judged as of that date.
        lang: ``en`` or ``es`` (default: detected).
        html: whether the text is HTML (default: sniffed from the text).

    Example:
        >>> verdicts = check_text("Overdose deaths reached 106,699 in 2021.")
        >>> verdicts[0].verdict
        'supported'
    """
    if evidence is None:
        if store is None:
            with open_store() as s:
                evidence = load_evidence(s)
        else:
            evidence = load_evidence(store)
    doc = make_document(text, published=published, lang=lang, html=html)
    claims = extract_claims(doc, evidence.places)
    checker = Checker(evidence, doc.metadata.published, article)
    verdicts = [checker.check(c) for c in claims]
    verdicts += check_consistency(doc, claims, article, evidence.snapshot)
    return sorted(verdicts, key=lambda v: (v.claim.start, v.claim.kind == "consistency"))


def describe_metadata(text: str) -> str:
    """One line on what the article says about itself: dateline, publisher, dated ids."""
    meta = make_document(text).metadata
    parts = []
    if meta.dateline:
        parts.append(f"dated {meta.dateline.isoformat()} ({meta.dateline.strftime('%A')})")
    else:
        parts.append("no dateline found")
    if meta.publisher:
        via = f" via {meta.wire}" if meta.wire and meta.wire != meta.publisher else ""
        parts.append(f"publisher {meta.publisher}{via}")
    for name, _, when, _, _ in meta.encoded_dates:
        parts.append(f"{name} id encodes {when.isoformat()}")
    return "; ".join(parts)


def summarize(verdicts: list[Verdict]) -> dict[str, int]:
    counts = Counter(v.verdict for v in verdicts)
    return {k: counts.get(k, 0) for k in VERDICTS}


def read_input(path: str) -> tuple[str, str]:
    """(name, text) of one input: a file path or "-" for standard input.

    Read by ``aidwatch.textfile`` (the one reader: regular files only, a size limit, BOMs and
    UTF-16, cp1252, NUL bytes), the same reader as ``report --check``.
    """
    got = read_text_input(path)
    return got.name, got.text


def expand_paths(paths: list[str]) -> list[str]:
    """Files to check: files as given, directories expanded to their article files."""
    out: list[str] = []
    for p in paths:
        if p != "-" and Path(p).is_dir():
            found = sorted(str(f) for f in Path(p).rglob("*")
                           if f.is_file() and f.suffix.lower() in ARTICLE_SUFFIXES)
            if not found:
                raise InputError(f"{p} holds no article files",
                                 "expected " + ", ".join(ARTICLE_SUFFIXES))
            out.extend(found)
        else:
            out.append(p)
    if not out:
        raise InputError("no input given", "pass a file, a directory or - for standard input")
    return out


def check_paths(paths: list[str], store: Store) -> Iterator[tuple[str, list[Verdict]]]:
    """(article name, verdicts) for each input, reading the evidence once."""
    evidence = load_evidence(store)
    for p in expand_paths(paths):
        name, text = read_input(p)
        yield name, check_text(text, article=name, evidence=evidence)


def verdict_frame(verdicts: list[Verdict]) -> pd.DataFrame:
    return pd.DataFrame([v.to_json() for v in verdicts])
