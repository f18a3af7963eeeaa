"""Export one snapshot of the evidence base as CSV, Parquet or a Frictionless Data Package."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from ._version import __version__
from .errors import InputError
from .jsonout import dumps
from .store import TABLES, Store, data_file_columns
from .storefile import sql_literal
from .validate import datapackage_descriptor

FORMATS = ("csv", "parquet", "datapackage")


def export_snapshot(store: Store, out_dir: Path, fmt: str = "csv") -> list[Path]:
    """Write every table of the store's snapshot into ``out_dir``; returns the files written.

    Files are written into a temporary folder and moved into place when all are complete.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", "use " + ", ".join(FORMATS))
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} exists and is not a directory")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return _export(store, out_dir, fmt)
    except OSError as exc:
        raise InputError(f"cannot write the export into {out_dir}: {exc.strerror or exc}"
                         + (f" ({exc.filename})" if exc.filename else ""),
                         "pass --out a folder you can write to (nothing was moved into place)"
                         ) from None
    except duckdb.IOException as exc:
        raise InputError(f"cannot write the export into {out_dir}: "
                         f"{str(exc).splitlines()[0]}",
                         "pass --out a folder you can write to (nothing was moved into place)"
                         ) from None


def _export(store: Store, out_dir: Path, fmt: str) -> list[Path]:
    suffix = "parquet" if fmt == "parquet" else "csv"
    snap = store.snapshot.snapshot_id
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".export-") as tmp_name:
        tmp = Path(tmp_name)
        written = []
        for table in TABLES:
            target = tmp / f"{table}.{suffix}"
            options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
            query = (f"SELECT {data_file_columns(table)} FROM {table} WHERE snapshot_id = "
                     + sql_literal(snap))
            store.con.execute(f"COPY ({query} ORDER BY ALL) TO {sql_literal(target)} "
                              f"({options})")
            written.append(target)
        if fmt == "datapackage":
            sources = store.sources().rename(columns={"table_ref": "table"})
            descriptor = datapackage_descriptor([(f"{t}.csv", t) for t in TABLES],
                                                sources.to_dict("records"))
            descriptor["version"] = snap
            (tmp / "datapackage.json").write_text(
                dumps(descriptor, indent=2) + "\n", encoding="utf-8")
            (tmp / "README.md").write_text(_readme(store), encoding="utf-8")
            written += [tmp / "datapackage.json", tmp / "README.md"]
        final = []
        for path in written:
            dest = out_dir / path.name
            shutil.move(path, dest)
            final.append(dest)
    return final


def _readme(store: Store) -> str:
    snap = store.snapshot
    lines = [
        "# AidWatch evidence base export", "",
        f"Snapshot `{snap.snapshot_id}` ({snap.kind}, data as of {snap.data_date}), "
        f"exported by AidWatch {__version__}.", "",
        "Tables: sources, series, observations, funding, events (see datapackage.json for "
        "fields and units). Money is nominal U.S. dollars.", "",
        "## How to cite", "",
        "Cite the original publishers below, not AidWatch:", "",
    ]
    for _, row in store.sources().iterrows():
        lines.append(f"- {row['publisher']}, *{row['title']}*"
                     f"{', ' + row['table_ref'] if row['table_ref'] else ''}. {row['url']} "
                     f"(retrieved {row['retrieved']:%Y-%m-%d}; licence: {row['licence']}).")
    return "\n".join(lines) + "\n"
