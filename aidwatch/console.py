"""Terminal presentation: Rich tables, sparklines, source footers, stable JSON output.

Nothing here computes a result; it formats frames that the library returned.

Both consoles are created with markup off: a value, a path or a query result is printed as
the characters it holds (``[/]``, ``[bold]hi[/bold]``, ``[draft]exp``), never read as Rich
markup. Styling is applied with ``Text`` objects (``dim``, ``bold``) instead.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .jsonout import jsonable, write_json
from .store import Store

out = Console(highlight=False, soft_wrap=False, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, markup=False, emoji=False)

COUNT_UNITS = {"deaths", "victims", "persons", "USD"}
BARS = "▁▂▃▄▅▆▇█"


def dim(text: str) -> Text:
    """Text shown dimmed (footers, notes), printed literally."""
    return Text(text, style="dim")


def bold(text: str) -> Text:
    return Text(text, style="bold")


def format_value(value: Any, unit: str = "") -> str:
    """A number as people read it: thousands separators for counts, up to 6 digits else."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d" if value == value.normalize() else "%Y-%m-%d %H:%M") \
            if isinstance(value, pd.Timestamp) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, int | float | np.integer | np.floating):
        if isinstance(value, float | np.floating) and not math.isfinite(value):
            return str(float(value))
        if unit in COUNT_UNITS or (float(value).is_integer() and abs(value) >= 1000):
            return f"{value:,.0f}"
        return f"{value:,.6g}" if abs(value) >= 1 else f"{value:.4g}"
    return str(value)


def literal_value(value: Any) -> str:
    """A query result cell exactly as SQL gave it: no separators, no rounding (``2021``)."""
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02X}"
                       for b in bytes(value))
    if isinstance(value, dict | list | tuple):
        return str(jsonable(value))
    return str(value)


def sparkline(values: Iterable[float]) -> str:
    """A one-line chart of the values (gaps shown as spaces)."""
    vals = [v for v in values]
    finite = [v for v in vals if v is not None and math.isfinite(v)]
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    span = hi - lo or 1.0
    return "".join(" " if v is None or not math.isfinite(v) else
                    BARS[min(len(BARS) - 1, int((v - lo) / span * (len(BARS) - 1) + 0.5))]
                    for v in vals)


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for any value (kept for callers; the encoder is ``jsonout``)."""
    return jsonable(value)


def print_json(records: Any) -> None:
    """Stable JSON on stdout: UTF-8, keys in the order given, NaN/Infinity as null."""
    write_json(records, sys.stdout)


def frame_records(df: pd.DataFrame) -> list[dict]:
    return [jsonable(row) for row in df.to_dict("records")]


def source_footer(store: Store, source_ids: Iterable[str]) -> Text:
    ids = sorted({s for s in source_ids if s})
    text = Text()
    for _, row in store.sources(ids).iterrows():
        table = f", {row['table_ref']}" if row["table_ref"] else ""
        text.append("Source: ", style="bold")
        text.append(f"{row['publisher']}, {row['title']}{table}. {row['url']} "
                    f"(retrieved {row['retrieved']:%Y-%m-%d})\n")
    snap = store.snapshot
    text.append(f"Snapshot {snap.snapshot_id} ({snap.kind}, data as of {snap.data_date})",
                style="dim")
    return text


def print_frame(df: pd.DataFrame, title: str | None = None, units: dict[str, str] | None = None,
                max_rows: int = 200) -> None:
    table = Table(title=title, title_justify="left", show_lines=False)
    for col in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[col])
        table.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
    for row in df.head(max_rows).itertuples(index=False):
        table.add_row(*[Text(format_value(v, (units or {}).get(c, "")) if not isinstance(v, list)
                             else ", ".join(map(str, v)))
                        for c, v in zip(df.columns, row, strict=True)])
    out.print(table)
    if len(df) > max_rows:
        out.print(dim(f"… {len(df) - max_rows} more rows not shown (use --json for all)"))


def print_rows(columns: Sequence[str], types: Sequence[str], rows: Iterable[Sequence[Any]],
               title: str | None = None) -> int:
    """A query result as a table, every cell printed literally; returns the rows printed."""
    numeric = ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "NUMERIC", "BIGINT", "HUGEINT")
    table = Table(title=title, title_justify="left", show_lines=False)
    for name, typ in zip(columns, types, strict=True):
        right = any(k in typ.upper() for k in numeric) and "[" not in typ
        table.add_column(Text(str(name)), justify="right" if right else "left",
                         overflow="fold")
    n = 0
    for row in rows:
        table.add_row(*[Text(literal_value(v)) for v in row])
        n += 1
    out.print(table)
    return n
