"""The store file on disk: what is at a ``--db`` path, the one way to connect, quoting.

Everything that opens a DuckDB file goes through ``connect`` (extensions are never
installed or loaded on the fly, so a SQLite file or a hostile path never reaches the
network), every path pasted into SQL goes through ``sql_literal`` (a home folder like
``/home/o'brien`` is a path, not a syntax error), and ``inspect_store`` says what a path holds
before anything is written there:

    missing     nothing there: build it
    empty       a zero-byte file or a DuckDB database with no tables: nothing to lose, build
    store       an AidWatch store (its ``meta`` table read)
    damaged     a DuckDB file that cannot be read or is shorter than its own header says
    busy        another process holds the lock
    foreign     anything else (random bytes, a SQLite file, another DuckDB database): never
                touched

It also holds the file steps of a build: the temporary file beside the store
(``build_file``), the rename into place that first keeps a damaged or old-layout store aside
(``install_build``), and the root cause of a failed build (``failure_cause``).
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import settings
from .errors import AidWatchWarning, InputError, StoreError

DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 3 * 4096  # the file header and the two database headers
SAFE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
STALE_BUILD_SECONDS = 3600


def sql_literal(text: str | os.PathLike) -> str:
    """``text`` as a SQL string literal (for ATTACH and COPY, which take no parameters)."""
    return "'" + os.fspath(text).replace("'", "''") + "'"


def connect(path: Path, *, read_only: bool, config: dict | None = None
            ) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never installs or autoloads extensions."""
    return duckdb.connect(str(path), read_only=read_only, config={**SAFE_CONFIG,
                                                                   **(config or {})})


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


@dataclass
class StoreFile:
    """What a store path holds (see the module docstring for the states)."""

    path: Path
    state: str
    meta: dict[str, str] = field(default_factory=dict)
    detail: str = ""


def check_store_path(path: Path) -> None:
    """A usable place for a store file, or InputError naming what is wrong (exit 2)."""
    if path.is_dir():
        raise InputError(f"--db {path} is a folder, not a store file",
                         f"pass a file path such as {path / 'aidwatch.duckdb'}")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"--db {path}: {parent} is a file, not a folder",
                                 "pass a path inside a folder")
            break


def inspect_store(path: Path) -> StoreFile:
    """What is at ``path``, without changing it."""
    check_store_path(path)
    if not path.exists():
        return StoreFile(path, "missing")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise InputError(f"cannot read the store {path}: {exc.strerror}",
                         "check its permissions, or pass --db another path") from None
    if size == 0:
        return StoreFile(path, "empty", detail="a zero-byte file")
    if head[8:12] != DUCKDB_MAGIC:
        what = "a SQLite database" if head.startswith(SQLITE_MAGIC) else "not a DuckDB file"
        return StoreFile(path, "foreign", detail=what)
    try:
        con = connect(path, read_only=True)
    except duckdb.Error as exc:
        if is_lock_error(exc):
            return StoreFile(path, "busy", detail=first_line(exc))
        return StoreFile(path, "damaged", detail=first_line(exc))
    try:
        try:
            blocks, block_size = con.execute(
                "SELECT total_blocks, block_size FROM pragma_database_size()").fetchone()
        except duckdb.Error as exc:
            return StoreFile(path, "damaged", detail=first_line(exc))
        wal = path.with_name(path.name + ".wal")
        expected = HEADER_BYTES + int(blocks) * int(block_size)
        if not wal.exists() and size < expected:
            return StoreFile(path, "damaged",
                             detail=f"the file is truncated ({size:,} of {expected:,} bytes)")
        try:
            n_tables = con.execute("SELECT count(*) FROM duckdb_tables() "
                                   "WHERE database_name = current_database()").fetchone()[0]
            n_views = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal "
                                  "AND database_name = current_database()").fetchone()[0]
        except duckdb.Error as exc:
            return StoreFile(path, "damaged", detail=first_line(exc))
        if n_tables == 0 and n_views == 0:
            return StoreFile(path, "empty", detail="a DuckDB database with no tables")
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        except duckdb.CatalogException:
            return StoreFile(path, "foreign", detail="a DuckDB database but not an AidWatch "
                             "store")
        except duckdb.Error as exc:
            return StoreFile(path, "damaged", detail=first_line(exc))
        if "schema_version" not in meta:
            return StoreFile(path, "foreign", detail="a DuckDB database but not an AidWatch "
                             "store")
        try:
            kinds = [r[0] for r in con.execute("SELECT kind FROM snapshots").fetchall()]
        except duckdb.Error as exc:
            return StoreFile(path, "damaged", meta, detail=first_line(exc))
        meta["n_refresh_snapshots"] = str(sum(k != "embedded" for k in kinds))
        return StoreFile(path, "store", meta)
    finally:
        con.close()


def refuse(info: StoreFile) -> None:
    """Raise the error for a path that must not be built over or opened."""
    if info.state == "foreign":
        raise InputError(f"{info.path} is not an AidWatch store ({info.detail}); it was left "
                         "untouched", "pass --db a new path or an AidWatch store")
    if info.state == "busy":
        raise StoreError(f"the store {info.path} is in use by another process",
                         "wait for the other aidwatch command (a refresh or a rebuild) to "
                         "finish, then run this again")


def set_aside(path: Path, why: str) -> Path:
    """Rename a store file (and its WAL) out of the way, keeping every byte; returns the new
    name (``aidwatch.duckdb.damaged-20261202T061500``)."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.{why}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{why}-{stamp}-{n}")
    os.replace(path, target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        os.replace(wal, target.with_name(target.name + ".wal"))
    return target


def remove_stale_builds(path: Path) -> None:
    """Delete temporary build files left by builds killed more than an hour ago."""
    now = time.time()
    for leftover in path.parent.glob(f".{path.name}.*.building*"):
        try:
            if now - leftover.stat().st_mtime > STALE_BUILD_SECONDS:
                leftover.unlink()
        except OSError:
            continue


def build_file(path: Path) -> Path:
    """A fresh temporary name beside ``path`` for a build (the folder made if needed)."""
    where = "AIDWATCH_HOME" if path.parent == settings.user_data_dir() else "--db"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".building",
                                        dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot create the store {path}: {exc.strerror} "
                         f"({exc.filename or path.parent})",
                         f"pass {where} a folder you can write to") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB wants to create the file itself
    return tmp


def install_build(tmp: Path, path: Path, old: StoreFile, keep_old: bool) -> None:
    """Rename the finished build over ``path``; a damaged store or one whose refresh
    snapshots could not be carried over is first renamed aside, never deleted."""
    if old.state == "damaged":
        kept = set_aside(path, "damaged")
        warnings.warn(AidWatchWarning(
            f"the store {path} was damaged ({old.detail}); it is kept as {kept} and the store "
            "was rebuilt from the embedded data; refresh snapshots it may have held are only "
            "in the kept file (run `aidwatch refresh` to fetch them again)"), stacklevel=3)
    elif keep_old:
        kept = set_aside(path, f"schema{old.meta.get('schema_version')}")
        warnings.warn(AidWatchWarning(
            f"the store {path} had {old.meta['n_refresh_snapshots']} refresh snapshot(s) in an "
            f"older layout (schema {old.meta.get('schema_version')}) that cannot be carried "
            f"over; the old store is kept as {kept} and the embedded data rebuilt (run "
            "`aidwatch refresh` to fetch them again)"), stacklevel=3)
    os.replace(tmp, path)


def failure_cause(exc: BaseException) -> str:
    """The root cause of a failure (DuckDB wraps a full disk in 'TransactionContext Error')."""
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc)
    text = " ".join(str(exc).split())
    for marker in ("No space left on device", "File too large", "Disk quota exceeded",
                   "Permission denied", "Read-only file system"):
        if marker in text:
            return f"{marker.lower()} — {first_line(exc)}"
    return first_line(exc)
