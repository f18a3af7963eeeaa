"""The one JSON encoder behind every ``--json`` output, JSON Lines and the web API.

Any value a DuckDB query, a pandas frame or an AidWatch record can hold becomes valid JSON
(RFC 8259): NaN and ±Infinity become ``null`` (JSON has no spelling for them), dates and
times ISO 8601 strings, intervals ISO 8601 durations (``P3DT4H``), decimals numbers, UUIDs
strings, blobs base64 strings, maps objects with text keys. Python's ``json`` would write
``NaN``, which no strict parser accepts; ``dumps`` refuses to (``allow_nan=False``), so a
value this module forgot fails loudly here rather than downstream.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
import math
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any


def _duration(td: timedelta) -> str:
    """ISO 8601 duration of a timedelta: ``P3D``, ``PT1H30M``, ``-P1DT0.5S``."""
    total_us = td.days * 86_400_000_000 + td.seconds * 1_000_000 + td.microseconds
    sign = "-" if total_us < 0 else ""
    total_us = abs(total_us)
    days, rest = divmod(total_us, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, micro = divmod(rest, 1_000_000)
    out = f"{sign}P{days}D" if days else f"{sign}P"
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or micro:
        clock += f"{seconds}.{micro:06d}".rstrip("0").rstrip(".") + "S"
    if clock:
        out += "T" + clock
    return out if out not in ("P", "-P") else "PT0S"


def jsonable(value: Any) -> Any:  # noqa: C901 - one dispatch over the value kinds, on purpose
    """``value`` as plain JSON types (dict, list, str, int, float, bool, None), recursively."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):  # Python ints of any size (DuckDB HUGEINT too)
        return value
    if isinstance(value, float):  # numpy.float64 included (a float subclass)
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {_key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() and abs(value) < 2**63 \
            else float(value)
    if isinstance(value, datetime):  # before date: a datetime is a date
        return None if value != value else value.isoformat()  # pandas' NaT is a datetime
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID | PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return _third_party(value)


def _third_party(value: Any) -> Any:
    """numpy and pandas scalars and arrays (imported lazily: the ground floor stays light)."""
    kind = type(value).__module__.split(".")[0]
    if kind == "numpy":
        import numpy as np

        if isinstance(value, np.ndarray):
            return [jsonable(v) for v in value.tolist()]
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return jsonable(float(value))
        if isinstance(value, np.datetime64 | np.timedelta64):
            import pandas as pd

            return None if np.isnat(value) else jsonable(pd.Timestamp(value).to_pydatetime()
                                                         if isinstance(value, np.datetime64)
                                                         else pd.Timedelta(value).to_pytimedelta())
        if isinstance(value, np.generic):
            return jsonable(value.item())
    if kind == "pandas":
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return None
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
        if isinstance(value, pd.Timedelta):
            return _duration(value.to_pytimedelta())
        if isinstance(value, pd.Series | pd.Index):
            return [jsonable(v) for v in value.tolist()]
        if isinstance(value, pd.DataFrame):
            return [jsonable(r) for r in value.to_dict("records")]
        if isinstance(value, pd.Period | pd.Interval):
            return str(value)
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return jsonable(value.to_dict())
    # Last resort for a type no one foresaw: its text, never an exception mid-output.
    return str(value)


def _key(key: Any) -> str:
    """A JSON object key: always text (DuckDB maps can be keyed by numbers or dates)."""
    if isinstance(key, str):
        return key
    plain = jsonable(key)
    return plain if isinstance(plain, str) else json.dumps(plain)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Strict JSON text of ``value`` (UTF-8 characters kept, key order kept)."""
    return json.dumps(jsonable(value), ensure_ascii=False, indent=indent, allow_nan=False)


def write_json(value: Any, stream: IO[str], *, indent: int | None = 1) -> None:
    """One JSON document on ``stream``, ending with a newline."""
    stream.write(dumps(value, indent=indent) + "\n")


def write_json_line(value: Any, stream: IO[str]) -> None:
    """One JSON Lines record: compact, on one line (newlines inside strings are escaped)."""
    stream.write(dumps(value) + "\n")
