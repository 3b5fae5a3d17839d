"""Schema migrations with Alembic, for SQLite and PostgreSQL alike (``server/store/migrations``).

:func:`upgrade` brings a database to the newest revision this server knows; every server runs it at
start-up (``SqlStore.migrate``), one at a time (an advisory lock on PostgreSQL, a lock file beside
an SQLite database). A database made before migrations existed (proofbox 0.1.0, ``schema_version``
1, no ``alembic_version``) is upgraded like any other: the first revision is its schema. A database
at a revision this server does not know was written by a newer server and is refused.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evidence.errors import FailedPrecondition

from ..errors import StoreUnavailable
from .urls import redact

__all__ = ["MIGRATIONS", "current_revision", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = "proofbox-schema"


def _config(connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def engine_url(url: str) -> str:
    """The SQLAlchemy URL of a store URL (psycopg 3 for PostgreSQL)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(url: str) -> str | None:
    """The revision a database is at (None: not under migrations yet, or empty)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision
    finally:
        engine.dispose()


@contextmanager
def _exclusive(url: str, connection: Any) -> Iterator[None]:
    """One migrating server at a time."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_lock(hashtext('{_LOCK_KEY}'))")
        connection.commit()
        try:
            yield
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock(hashtext('{_LOCK_KEY}'))")
            connection.commit()
        return
    path = Path(url.removeprefix("sqlite:///"))
    with open(path.with_name(path.name + ".migrate-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _connect(engine: Any, url: str) -> Iterator[Any]:
    from sqlalchemy.exc import OperationalError

    try:
        connection = engine.connect()
    except OperationalError as exc:
        if url.startswith("sqlite:///"):
            where = f"cannot open the SQLite database {url.removeprefix('sqlite:///')}"
        else:
            where = f"cannot connect to PostgreSQL at {redact(url)}"
        raise StoreUnavailable(f"{where}: {exc.orig}") from exc
    with connection:
        yield connection


def upgrade(url: str) -> str:
    """Migrate the database at ``url`` (a store URL) to the newest revision; returns it."""
    from alembic import command
    from alembic.util.exc import CommandError
    from sqlalchemy import create_engine

    head = head_revision()
    engine = create_engine(engine_url(url))
    try:
        with _connect(engine, url) as connection, _exclusive(url, connection):
            from alembic.runtime.migration import MigrationContext

            current = MigrationContext.configure(connection).get_current_revision()
            connection.commit()
            if current == head:
                return head
            try:
                command.upgrade(_config(connection), "head")
            except CommandError as exc:
                raise FailedPrecondition(
                    f"the database is at schema revision {current!r}, which this server does not know "
                    f"(its newest is {head!r}): it was written by a newer proofbox server; run that one"
                ) from exc
            connection.commit()
    finally:
        engine.dispose()
    return head
