"""Terminal presentation: Rich tables, sparklines, source footers, stable JSON output.

Nothing here computes a result; it formats frames that the library returned.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .store import Store

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

COUNT_UNITS = {"deaths", "victims", "persons", "USD"}
BARS = "▁▂▃▄▅▆▇█"


def format_value(value: Any, unit: str = "") -> str:
    """A number as people read it: thousands separators for counts, up to 6 digits else."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d" if value == value.normalize() else "%Y-%m-%d %H:%M") \
            if isinstance(value, pd.Timestamp) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, int | float | np.integer | np.floating):
        if unit in COUNT_UNITS or (float(value).is_integer() and abs(value) >= 1000):
            return f"{value:,.0f}"
        return f"{value:,.6g}" if abs(value) >= 1 else f"{value:.4g}"
    return str(value)


def sparkline(values: Iterable[float]) -> str:
    """A one-line chart of the values (gaps shown as spaces)."""
    vals = [v for v in values]
    finite = [v for v in vals if v is not None and not math.isnan(v)]
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    span = hi - lo or 1.0
    return "".join(" " if v is None or math.isnan(v) else
                    BARS[min(len(BARS) - 1, int((v - lo) / span * (len(BARS) - 1) + 0.5))]
                    for v in vals)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    return value


def print_json(records: list[dict] | dict) -> None:
    """Stable JSON on stdout: UTF-8, keys in the order given, no trailing prose."""
    if isinstance(records, dict):
        payload: Any = {k: to_jsonable(v) for k, v in records.items()}
    else:
        payload = [{k: to_jsonable(v) for k, v in r.items()} for r in records]
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")


def frame_records(df: pd.DataFrame) -> list[dict]:
    return [{k: to_jsonable(v) for k, v in row.items()} for row in df.to_dict("records")]


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
        table.add_row(*[format_value(v, (units or {}).get(c, "")) if not isinstance(v, list)
                        else ", ".join(map(str, v)) for c, v in zip(df.columns, row,
                                                                    strict=True)])
    out.print(table)
    if len(df) > max_rows:
        out.print(f"[dim]… {len(df) - max_rows} more rows not shown (use --json for all)[/dim]")
