"""One real server per test session: uvicorn on a loopback port, used over HTTP."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import httpx
import pytest

from aidwatch.web.app import BackgroundServer, Limits, create_app


@pytest.fixture(scope="session")
def server_db(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session store for the server: DuckDB refuses a second connection to one
    file with another configuration in the same process, and the server's is locked down."""
    path = tmp_path_factory.mktemp("served") / "aidwatch.duckdb"
    shutil.copyfile(db_path, path)
    return path


@pytest.fixture(scope="session")
def server_db_digest(server_db: Path) -> str:
    return hashlib.sha256(server_db.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def server(server_db: Path, server_db_digest: str) -> str:
    """Base URL of the app served on 127.0.0.1 (a generous compute rate for the tests)."""
    app = create_app(server_db, limits=Limits(compute_per_minute=10_000))
    with BackgroundServer(app) as url:
        yield url


@pytest.fixture(scope="session")
def client(server: str) -> httpx.Client:
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c
