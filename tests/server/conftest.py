"""Fixtures for the server tests: a shared real server, the generated unboxing video, PostgreSQL.

One ``proofbox serve`` process (port 0, its own data directory, two analysis workers) serves most
tests; tests that restart, kill or reconfigure a server start their own. The unboxing video is the
session's ``clean`` variant from ``tests/conftest.py`` (rendered once).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence.media.synthetic import UnboxingSpec
from server.store import Store, open_store
from tests.conftest import SyntheticVideo, VideoFactory

from .helpers import Client, ServerProcess, create_key

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


@pytest.fixture(scope="session")
def video(unboxing_videos: VideoFactory) -> SyntheticVideo:
    """The clean generated unboxing video (~20 s, 640x360, waybill SF1234567890123)."""
    return unboxing_videos("clean", UnboxingSpec())


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The shared server: SQLite in a temporary data directory, metrics on a free port."""
    process = ServerProcess(
        tmp_path_factory.mktemp("shared-server"),
        ("--listen", "127.0.0.1:0", "--workers", "2", "--metrics-port", "0"),
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture
def tenant(server: ServerProcess) -> Iterator[Client]:
    """A client of the shared server acting for a new tenant of its own (no state from other tests)."""
    admin = server.client()
    client = server.client(create_key(admin, "t-" + uuid.uuid4().hex[:12]))
    yield client
    client.close()
    admin.close()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own (for restarts and kills); always stopped afterwards."""
    process = ServerProcess(
        tmp_path / "data", ("--listen", "127.0.0.1:0", "--workers", "1", "--grace-s", "60")
    )
    yield process
    process.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _postgres_bin() -> Path | None:
    import glob

    found = sorted(glob.glob(PG_BIN_GLOB))
    return Path(found[-1]) if found and (Path(found[-1]) / "initdb").is_file() else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server on a Unix socket; yields a DSN prefix (append a database name).

    Skips when Debian's postgresql package is not installed. As root, the server runs as the
    ``postgres`` user (PostgreSQL refuses to run as root).
    """
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
        if shutil.which("runuser") is None:
            pytest.skip("running as root and runuser is missing")
        run_as = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="proofbox-pg-"))
    base.chmod(0o755)
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    data = base / "data"
    subprocess.run(
        [
            *run_as,
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-k {base} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=200"
    subprocess.run(
        [
            *run_as,
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(base / "log"),
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@/{{db}}?host={base}&port={port}"
    finally:
        stop = [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(stop, capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_db(postgres: str, request: pytest.FixtureRequest) -> str:
    """A new, empty database on the throwaway server; returns its URL."""
    import psycopg

    name = (
        "t_"
        + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
        + f"_{os.getpid()}"
    )
    with psycopg.connect(postgres.format(db="postgres"), autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    return postgres.format(db=name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An opened store on SQLite, and on PostgreSQL where it runs (shared by the store-level tests)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'proofbox.db'}"
    else:
        url = request.getfixturevalue("postgres_db")
    opened = open_store(url)
    yield opened
    opened.close()
