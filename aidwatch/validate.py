"""Read and validate the evidence base: a directory of CSV files plus ``datapackage.json``.

The same checks guard the embedded data, ``aidwatch data validate`` and every refresh: a
file that is not UTF-8, a duplicate key, an unknown unit, a value without a source, a period
outside its series' range or a value outside its plausible range is a ``Problem`` that names
the file, the line and the field.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from .dimensions import check_series_dimensions
from .errors import Problem
from .model import (
    FREQUENCIES,
    KINDS,
    PRECISIONS,
    STAGES,
    STATUSES,
    UNITS,
    parse_period,
    parse_selector,
)

EVENT_KINDS = (
    "policy", "funding", "agreement", "arrest", "extradition", "violence", "government",
    "law", "data_release", "escape", "release", "indictment", "conviction", "sentence",
    "reward",
)

# name -> (type, required, description). Types: str, int, number, date, url.
Field = tuple[str, str, bool, str]
SCHEMAS: dict[str, list[Field]] = {
    "sources": [
        ("source_id", "str", True, "Identifier used by every row that cites this source"),
        ("publisher", "str", True, "Original publisher (not the copy)"),
        ("title", "str", True, "Title of the dataset, table or document"),
        ("url", "url", True, "Canonical public URL"),
        ("table", "str", False, "Table, sheet, page or figure within the document"),
        ("retrieved", "date", True, "Date the figures were read (YYYY-MM-DD)"),
        ("licence", "str", True, "Licence or terms of the published figures"),
        ("via", "str", False, "The copy actually read, when not the publisher's own file"),
        ("notes", "str", False, "Caveats"),
    ],
    "series": [
        ("series_id", "str", True, "Dotted id: geography.topic.measure"),
        ("name", "str", True, "Human-readable name"),
        ("unit", "str", True, "One of the units in aidwatch.model.UNITS"),
        ("frequency", "str", True, "annual, fiscal_year or monthly"),
        ("geo", "str", True, "Geography (for panels: what the per-row geo codes are)"),
        ("kind", "str", True, "observation, panel or funding"),
        ("definition", "str", True, "What is counted, and how"),
        ("default_source_id", "str", True, "Source of most observations"),
        ("min_value", "number", True, "Lowest plausible value"),
        ("max_value", "number", True, "Highest plausible value"),
        ("valid_from", "int", True, "First year a period may have"),
        ("valid_to", "int", True, "Last year a period may have"),
        ("selector", "str", False, "Funding series: filter on funding lines (field=value;...)"),
        ("measure", "str", True, "Dimension: what is counted (aidwatch.dimensions.MEASURES)"),
        ("drug", "str", True, "Dimension: drug class, _T all drugs, _Z not applicable"),
        ("intent", "str", True, "Dimension: _T all intents, unintentional, _Z"),
        ("sex", "str", True, "Dimension: _T both sexes, F, M, _Z"),
        ("age_group", "str", True, "Dimension: _T all ages, 15-24, 65+, _Z"),
        ("agency", "str", True, "Dimension: according to whom (NCHS, INEGI, SESNSP, ...)"),
        ("period_kind", "str", True, "Dimension: year, fiscal_year, month, 12m_ending, half, "
                                     "quarter"),
    ],
    "observations": [
        ("series_id", "str", True, "Series the value belongs to"),
        ("geo", "str", True, "Geography code of the value"),
        ("period", "str", True, "2019 (annual), FY2019 (fiscal year) or 2019-07 (monthly)"),
        ("value", "number", True, "The value, in the series' unit"),
        ("status", "str", True, "final, provisional or estimate"),
        ("source_id", "str", True, "Source the value was read from"),
        ("note", "str", False, "How the value was derived, when it is not copied as published"),
        ("published", "str", False, "Vintage: date the value was first public (YYYY-MM-DD or "
                                    "YYYY-MM); a file may leave this column out"),
    ],
    "funding": [
        ("line_id", "str", True, "Identifier of the funding line"),
        ("donor", "str", True, "Donor government"),
        ("recipient", "str", True, "Recipient country or region, as the source names it"),
        ("program", "str", True, "Program (Mérida Initiative, Bicentennial Framework, ...)"),
        ("account", "str", True, "Appropriation account (INCLE, ESF, FMF, IMET, NADR) or all"),
        ("fy_start", "int", True, "First U.S. fiscal year covered"),
        ("fy_end", "int", True, "Last U.S. fiscal year covered (differs for cumulative lines)"),
        ("stage", "str", True, "requested, appropriated, allocated, obligated or disbursed"),
        ("amount_usd", "number", True, "Nominal U.S. dollars"),
        ("approximate", "str", True, "no, or the source's qualifier (about, roughly, over)"),
        ("source_id", "str", True, "Source the figure was read from"),
        ("vehicle", "str", False, "Appropriation act or budget document"),
        ("note", "str", False, "Caveats"),
    ],
    "geos": [
        ("geo", "str", True, "Code used in the geo column of observations"),
        ("name", "str", True, "Name as the source spells it"),
        ("level", "str", True, "country, us_state or mx_state"),
        ("source_id", "str", True, "Source of the name and code"),
    ],
    "events": [
        ("event_id", "str", True, "Identifier"),
        ("date", "str", True, "YYYY-MM-DD, YYYY-MM or YYYY, matching the precision"),
        ("precision", "str", True, "day, month or year"),
        ("kind", "str", True, "One of " + ", ".join(EVENT_KINDS)),
        ("actors", "str", True, "Semicolon-separated actors (US;MX)"),
        ("title", "str", True, "Short title"),
        ("description", "str", True, "One sentence"),
        ("source_id", "str", True, "Source that states the date"),
    ],
}
KEYS = {
    "sources": ("source_id",),
    "series": ("series_id",),
    "observations": ("series_id", "geo", "period", "published"),
    "funding": ("line_id",),
    "events": ("event_id",),
    "geos": ("geo",),
}
# Trailing columns a data file may leave out (files written before they existed).
OMITTABLE = {"observations": ("published",)}
GEO_LEVELS = ("country", "us_state", "mx_state")
FUNDING_FIELDS = {f[0] for f in SCHEMAS["funding"]}
_DATE_BY_PRECISION = {
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "year": re.compile(r"^\d{4}$"),
}


@dataclass
class EvidenceBase:
    """The parsed tables of a data directory (rows as dicts of typed values)."""

    tables: dict[str, list[dict]] = field(default_factory=dict)
    file_hashes: dict[str, str] = field(default_factory=dict)

    def rows(self, kind: str) -> list[dict]:
        return self.tables.get(kind, [])


def data_hash(data_dir: Path) -> str:
    """A hash of every file the evidence base is built from (names and bytes)."""
    h = hashlib.sha256()
    for path in sorted(data_dir.glob("*")):
        if path.suffix in (".csv", ".json"):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def read_text(path: Path) -> str:
    """A file's text; non-UTF-8 bytes raise a Problem-bearing ValueError naming the line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def _convert(value: str, typ: str) -> object:
    if typ == "str":
        return value
    if typ == "int":
        return int(value)
    if typ == "number":
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        return number
    if typ == "date":
        return date.fromisoformat(value).isoformat()
    if typ == "url":
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value:
            raise ValueError("not a well-formed http(s) URL")
        return value
    raise AssertionError(typ)


def parse_table(path: Path, kind: str, problems: list[Problem]) -> list[dict]:
    """Rows of one CSV file, typed per its schema; problems are appended, bad rows dropped."""
    name = path.name
    try:
        text = read_text(path)
    except ValueError as exc:
        line = int(re.search(r"line (\d+)", str(exc)).group(1))  # type: ignore[union-attr]
        problems.append(Problem(name, line, None, str(exc).split(": ", 1)[1]))
        return []
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot read: {exc.strerror}"))
        return []
    schema = SCHEMAS[kind]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(name, 1, None, "empty file: expected a header row"))
        return []
    except csv.Error as exc:
        problems.append(Problem(name, 1, None, f"malformed CSV: {exc}"))
        return []
    expected = [f[0] for f in schema]
    omitted = expected[len(header):]
    if header == expected[:len(header)] and omitted and all(
            f[0] in OMITTABLE.get(kind, ()) for f in schema[len(header):]):
        # an older file without the trailing optional columns (e.g. ``published``)
        schema = schema[:len(header)]
        expected = header
    if header != expected:
        missing = [c for c in expected if c not in header]
        extra = [c for c in header if c not in expected]
        detail = []
        if missing:
            detail.append("missing " + ", ".join(missing))
        if extra:
            detail.append("unexpected " + ", ".join(extra))
        if not detail:
            detail.append("columns out of order")
        problems.append(Problem(name, 1, None, f"header does not match the {kind} schema: "
                                + "; ".join(detail) + f" (expected: {','.join(expected)})"))
        return []
    rows = []
    try:
        for cells in reader:
            line = reader.line_num
            if not cells:
                continue
            if len(cells) != len(expected):
                problems.append(Problem(name, line, None,
                                        f"{len(cells)} fields, expected {len(expected)}"))
                continue
            row: dict = {"_file": name, "_line": line}
            ok = True
            for (fname, typ, required, _), raw in zip(schema, cells, strict=True):
                value = raw.strip()
                if not value:
                    if required:
                        problems.append(Problem(name, line, fname, "empty (required)"))
                        ok = False
                    row[fname] = None if typ != "str" else ""
                    continue
                try:
                    row[fname] = _convert(value, typ)
                except ValueError as exc:
                    problems.append(Problem(name, line, fname, f"{value!r}: {exc}"))
                    ok = False
            if ok:
                for fname, *_ in SCHEMAS[kind][len(schema):]:
                    row[fname] = ""
                rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, None, f"malformed CSV: {exc}"))
    return rows


def _check_keys(kind: str, rows: Iterable[dict], problems: list[Problem]) -> None:
    seen: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in KEYS[kind])
        if key in seen:
            first = seen[key]
            problems.append(Problem(row["_file"], row["_line"], ",".join(KEYS[kind]),
                                    f"duplicate key {key} (first at {first['_file']}:"
                                    f"{first['_line']})"))
        else:
            seen[key] = row


def _check_semantics(base: EvidenceBase, problems: list[Problem]) -> None:
    def p(row: dict, fld: str | None, msg: str) -> None:
        problems.append(Problem(row["_file"], row["_line"], fld, msg))

    today = date.today().isoformat()
    sources = {r["source_id"] for r in base.rows("sources")}
    for r in base.rows("sources"):
        if r["retrieved"] > today:
            p(r, "retrieved", f"{r['retrieved']} is in the future")
    series: dict[str, dict] = {}
    for r in base.rows("series"):
        series[r["series_id"]] = r
        if r["unit"] not in UNITS:
            p(r, "unit", f"unknown unit {r['unit']!r} (known: {', '.join(UNITS)})")
        if r["frequency"] not in FREQUENCIES:
            p(r, "frequency", f"unknown frequency {r['frequency']!r}")
        if r["kind"] not in KINDS:
            p(r, "kind", f"unknown kind {r['kind']!r}")
        if r["default_source_id"] not in sources:
            p(r, "default_source_id", f"unknown source {r['default_source_id']!r}")
        if r["min_value"] > r["max_value"]:
            p(r, "min_value", "min_value is above max_value")
        if r["valid_from"] > r["valid_to"]:
            p(r, "valid_from", "valid_from is after valid_to")
        try:
            fields = [f for f, _ in parse_selector(r["selector"])]
        except ValueError as exc:
            p(r, "selector", str(exc))
        else:
            unknown = [f for f in fields if f not in FUNDING_FIELDS]
            if unknown:
                p(r, "selector", f"unknown funding field(s) {', '.join(unknown)}")
            if fields and r["kind"] != "funding":
                p(r, "selector", "only funding series take a selector")
        for fld, msg in check_series_dimensions(r):
            p(r, fld, msg)
    geos = {r["geo"] for r in base.rows("geos")}
    for r in base.rows("geos"):
        if r["level"] not in GEO_LEVELS:
            p(r, "level", f"unknown level {r['level']!r} (use {', '.join(GEO_LEVELS)})")
        if r["source_id"] not in sources:
            p(r, "source_id", f"unknown source {r['source_id']!r}")
    for r in base.rows("observations"):
        if geos and r["geo"] not in geos:
            p(r, "geo", f"unknown geography {r['geo']!r} (add it to geos.csv)")
        s = series.get(r["series_id"])
        if s is None:
            p(r, "series_id", f"unknown series {r['series_id']!r}")
            continue
        if s["kind"] == "funding":
            p(r, "series_id", "funding series take funding lines, not observations")
        if r["source_id"] not in sources:
            p(r, "source_id", f"value without a known source ({r['source_id']!r})")
        if r["status"] not in STATUSES:
            p(r, "status", f"unknown status {r['status']!r} (use {', '.join(STATUSES)})")
        published = r.get("published") or ""
        if published:
            try:
                first = date.fromisoformat(published if len(published) == 10 else
                                           published + "-01")
            except ValueError:
                p(r, "published", f"{published!r} is not a date (use YYYY-MM-DD or YYYY-MM)")
            else:
                if first.isoformat() > today:
                    p(r, "published", f"{published} is in the future")
        if s["kind"] == "observation" and r["geo"] != s["geo"]:
            p(r, "geo", f"{r['geo']!r} differs from the series geography {s['geo']!r}")
        try:
            start = parse_period(r["period"], s["frequency"])
        except ValueError as exc:
            p(r, "period", str(exc))
        else:
            year = start.year + (s["frequency"] == "fiscal_year")
            if not s["valid_from"] <= year <= s["valid_to"]:
                p(r, "period", f"{r['period']} is outside the series range "
                               f"{s['valid_from']}-{s['valid_to']}")
        if not s["min_value"] <= r["value"] <= s["max_value"]:
            p(r, "value", f"{r['value']:g} is outside the plausible range "
                          f"[{s['min_value']:g}, {s['max_value']:g}] for {s['series_id']}")
    for r in base.rows("funding"):
        if r["stage"] not in STAGES:
            p(r, "stage", f"unknown stage {r['stage']!r} (use {', '.join(STAGES)})")
        if r["source_id"] not in sources:
            p(r, "source_id", f"funding line without a known source ({r['source_id']!r})")
        if r["fy_start"] > r["fy_end"]:
            p(r, "fy_start", "fy_start is after fy_end")
        if not 1946 <= r["fy_start"] <= 2035:
            p(r, "fy_start", f"fiscal year {r['fy_start']} is outside 1946-2035")
        if not 0 <= r["amount_usd"] <= 1e11:
            p(r, "amount_usd", f"{r['amount_usd']:g} USD is not a plausible amount")
    for r in base.rows("events"):
        if r["precision"] not in PRECISIONS:
            p(r, "precision", f"unknown precision {r['precision']!r}")
        elif not _DATE_BY_PRECISION[r["precision"]].match(r["date"]):
            p(r, "date", f"{r['date']!r} does not match precision {r['precision']!r}")
        else:
            try:
                date.fromisoformat(r["date"] + {"day": "", "month": "-01", "year": "-01-01"}[
                    r["precision"]])
            except ValueError:
                p(r, "date", f"{r['date']!r} is not a calendar date")
        if r["kind"] not in EVENT_KINDS:
            p(r, "kind", f"unknown event kind {r['kind']!r}")
        if r["source_id"] not in sources:
            p(r, "source_id", f"event without a known source ({r['source_id']!r})")


def load_datapackage(data_dir: Path, problems: list[Problem]) -> list[dict]:
    """The resources listed in ``datapackage.json`` (path and AidWatch table kind)."""
    path = data_dir / "datapackage.json"
    try:
        package = json.loads(read_text(path))
    except FileNotFoundError:
        problems.append(Problem("datapackage.json", None, None, "missing"))
        return []
    except (ValueError, json.JSONDecodeError) as exc:
        problems.append(Problem("datapackage.json", None, None, f"unreadable: {exc}"))
        return []
    resources = []
    for res in package.get("resources", []):
        kind = res.get("aidwatch_table")
        if kind not in SCHEMAS:
            problems.append(Problem("datapackage.json", None, "resources",
                                    f"{res.get('path')}: unknown aidwatch_table {kind!r}"))
            continue
        resources.append({"path": res["path"], "kind": kind})
    listed = {r["path"] for r in resources}
    for csv_path in sorted(data_dir.glob("*.csv")):
        if csv_path.name not in listed:
            problems.append(Problem(csv_path.name, None, None,
                                    "not listed in datapackage.json (add it as a resource)"))
    return resources


def load_evidence(data_dir: Path) -> tuple[EvidenceBase, list[Problem]]:
    """Parse and check every table of a data directory. Returns the data and its problems."""
    problems: list[Problem] = []
    base = EvidenceBase(tables={k: [] for k in SCHEMAS})
    for res in load_datapackage(data_dir, problems):
        path = data_dir / res["path"]
        if not path.exists():
            problems.append(Problem(res["path"], None, None, "listed in datapackage.json "
                                    "but missing"))
            continue
        base.tables[res["kind"]].extend(parse_table(path, res["kind"], problems))
        base.file_hashes[res["path"]] = hashlib.sha256(path.read_bytes()).hexdigest()
    for kind, rows in base.tables.items():
        _check_keys(kind, rows, problems)
    _check_semantics(base, problems)
    return base, problems


def validate_data_dir(data_dir: Path) -> list[Problem]:
    """Every problem in a data directory (empty list: valid)."""
    return load_evidence(data_dir)[1]


def datapackage_descriptor(resources: list[tuple[str, str]], sources: list[dict],
                           name: str = "aidwatch-evidence-base") -> dict:
    """A Frictionless Data Package descriptor for (path, kind) resources and their sources."""
    def fields(kind: str) -> list[dict]:
        typ = {"str": "string", "int": "integer", "number": "number", "date": "date",
               "url": "string"}
        return [{"name": n, "type": typ[t], "description": d,
                 **({"constraints": {"required": True}} if req else {})}
                for n, t, req, d in SCHEMAS[kind]]

    return {
        "name": name,
        "title": "AidWatch evidence base: U.S.-Mexico security cooperation, outcomes, events",
        "licenses": [
            {"name": "PDDL-1.0", "title": "U.S. Government works are public domain; see each "
             "source's licence"},
            {"name": "CC-BY-4.0", "title": "World Bank WDI data"},
        ],
        "sources": [{"title": f"{s['publisher']}: {s['title']}", "path": s["url"]}
                    for s in sources],
        "resources": [
            {"name": Path(path).stem.replace("_", "-"), "path": path, "format": "csv",
             "encoding": "utf-8", "aidwatch_table": kind,
             "schema": {"fields": fields(kind), "primaryKey": list(KEYS[kind])}}
            for path, kind in resources
        ],
    }
