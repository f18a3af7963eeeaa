"""What every connector declares and returns, and the payload checks they share.

A connector is pure with respect to the store: it fetches through ``HttpClient`` and maps the
payload onto rows shaped like the evidence-base CSV files (``aidwatch.validate.SCHEMAS``).
``refresh.py`` is the only module that reads or writes the store.
"""

from __future__ import annotations

import csv
import io
import json
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date

from .http import (
    DEFAULT_BODY_MB,
    DEFAULT_DOWNLOAD_MB,
    Fetched,
    HttpClient,
    MissingKey,
    SourceError,
    base_url,
)


@dataclass
class Batch:
    """The rows one connector produced from one fetch.

    Observations replace, in the previous snapshot, every row of the same (series, geo):
    the connector fetched that publisher's whole history for it. Funding lines replace every
    line citing one of ``funding_source_ids``. ``series`` rows are definitions the
    observations need; they are only added when the snapshot does not define the series yet
    (``geos`` rows likewise: names for geography codes the snapshot does not know).
    """

    source: str
    sources: list[dict] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)
    funding: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    geos: list[dict] = field(default_factory=list)
    payload_hashes: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def funding_source_ids(self) -> set[str]:
        return {r["source_id"] for r in self.funding}

    def add_payload(self, fetched: Fetched) -> None:
        self.payload_hashes[fetched.url] = fetched.sha256


class Connector(ABC):
    """One public source. Subclasses set the class attributes and implement ``fetch``."""

    name: str = ""                  # CLI name: aidwatch refresh <name>
    title: str = ""                 # one line for people
    default_base_url: str = ""
    keys: tuple[str, ...] = ()      # environment variables that must be set
    optional_keys: tuple[str, ...] = ()
    licence: str = ""
    citation: str = ""
    series_ids: tuple[str, ...] = ()   # series the connector writes
    min_interval: float = 0.0       # seconds between requests to the publisher
    # Body-size caps (MB): responses held in memory, files streamed to disk. They stop an
    # endless or runaway body; $AIDWATCH_<NAME>_MAX_MB overrides both.
    max_body_mb: float = DEFAULT_BODY_MB
    max_download_mb: float = DEFAULT_DOWNLOAD_MB

    @property
    def base_url(self) -> str:
        return base_url(self.name, self.default_base_url)

    def key(self, env: str) -> str | None:
        value = os.environ.get(env, "").strip()
        return value or None

    def check_keys(self) -> None:
        missing = [k for k in self.keys if not self.key(k)]
        if missing:
            raise MissingKey(self.name, f"skipped: needs {', '.join(missing)} in the "
                             "environment", self.key_hint())

    def key_hint(self) -> str | None:
        return None

    @abstractmethod
    def fetch(self, client: HttpClient, today: date) -> Batch:
        """Fetch the payload(s) and map them onto evidence-base rows."""

    def source_row(self, source_id: str, *, title: str, url: str, table: str, today: date,
                   publisher: str | None = None, notes: str = "") -> dict:
        return {"source_id": source_id, "publisher": publisher or self.publisher,
                "title": title, "url": url, "table": table, "retrieved": today.isoformat(),
                "licence": self.licence, "via": f"aidwatch refresh {self.name}",
                "notes": notes}

    publisher: str = ""


# -- payload checks shared by connectors --------------------------------------------------------
def decode(source: str, fetched: Fetched, encodings: tuple[str, ...] = ("utf-8",)) -> str:
    """The body as text, trying ``encodings`` in order; a BOM is dropped."""
    for enc in encodings:
        try:
            return fetched.content.decode(enc).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            last = exc
    raise SourceError(source, f"payload from {fetched.url} is not {' or '.join(encodings)} "
                      f"(byte 0x{fetched.content[last.start]:02x} at offset {last.start})",
                      "wrong encoding: the publisher changed the file format")


def load_json(source: str, fetched: Fetched) -> object:
    text = decode(source, fetched)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = "truncated" if exc.pos >= len(text.rstrip()) - 1 else "malformed"
        raise SourceError(source, f"{where} JSON from {fetched.url} (at char {exc.pos}: "
                          f"{exc.msg})") from None


def read_csv(source: str, text: str, required: tuple[str, ...], url: str = "",
             aliases: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Rows of a CSV as dicts keyed by canonical column names; checks columns and truncation.

    ``aliases`` maps alternative header spellings (older layouts) onto canonical names.
    A missing required column, or a last row with fewer fields than the header (a body cut
    off mid-file), raises ``SourceError``.
    """
    aliases = aliases or {}
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise SourceError(source, f"empty CSV from {url or 'the publisher'}") from None
    except csv.Error as exc:
        raise SourceError(source, f"malformed CSV header: {exc}") from None
    canon = [aliases.get(norm_header(h), aliases.get(h.strip(), h.strip())) for h in header]
    missing = [c for c in required if c not in canon]
    if missing:
        raise SourceError(source, f"columns changed: missing {', '.join(map(repr, missing))} "
                          f"(got {', '.join(map(repr, header[:14]))})",
                          "the publisher renamed columns; the connector needs updating")
    rows = []
    try:
        for cells in reader:
            if not cells or cells == [""]:
                continue
            if len(cells) != len(canon):
                raise SourceError(source, f"truncated or malformed CSV: line {reader.line_num} "
                                  f"has {len(cells)} fields, the header has {len(canon)}")
            rows.append(dict(zip(canon, cells, strict=True)))
    except csv.Error as exc:
        raise SourceError(source, f"malformed CSV at line {reader.line_num}: {exc}") from None
    return rows


def norm_header(h: str) -> str:
    return h.strip().lower().replace("_", " ")


def number(source: str, text: str, what: str) -> float | None:
    """A published number: thousands separators stripped; empty -> None."""
    t = (text or "").strip().replace(",", "")
    if t in ("", ".", "N/E", "NULL", "-"):
        return None
    try:
        return float(t)
    except ValueError:
        raise SourceError(source, f"{what}: {text!r} is not a number") from None


def fmt(value: float) -> str:
    """A value for the CSV files: integers without a trailing .0."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)
