"""PostgreSQL through psycopg 3, for deployments that outgrow one SQLite file (or one server).

A small pool of connections, one transaction per call; writers of one case id are serialised with
a transaction-scoped advisory lock, so concurrent PutCase calls cannot both take version N+1.
Commits use the server's ``synchronous_commit`` (on by default: durable when they return).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from .base import SqlStore, StoreUnavailable
from .urls import redact

__all__ = ["PostgresStore"]


class PostgresStore(SqlStore):
    placeholder = "%s"
    blob_type = "BYTEA"

    def __init__(self, url: str, pool_size: int = 8, connect_timeout_s: float = 10.0) -> None:
        self.url = url
        self._dsn = url.replace("postgres://", "postgresql://", 1)
        self._timeout = connect_timeout_s
        self._idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._closed = False
        self.migrate()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self._dsn, connect_timeout=int(self._timeout), application_name="proofbox")
        except psycopg.Error as exc:
            raise StoreUnavailable(f"cannot connect to PostgreSQL at {redact(self.url)}: {exc}") from exc

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Any]:
        del write  # PostgreSQL's MVCC needs no reader/writer distinction here
        if self._closed:
            raise StoreUnavailable("the store is closed (the server is shutting down)")
        self._slots.acquire()
        con: psycopg.Connection[Any] | None = None
        try:
            try:
                con = self._idle.get_nowait()
            except queue.Empty:
                con = self._connect()
            try:
                with con.transaction(), con.cursor() as cur:
                    yield cur
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                con.close()
                con = None
                raise StoreUnavailable(f"PostgreSQL at {redact(self.url)}: {exc}") from exc
        finally:
            if con is not None:
                if con.closed or self._closed:
                    con.close()
                else:
                    self._idle.put(con)
            self._slots.release()

    def ping(self) -> None:
        with self._transaction(write=False) as cur:
            cur.execute("SELECT 1")
            cur.fetchone()

    def _lock_case(self, cur: Any, tenant_id: str, case_id: str) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (tenant_id, case_id))

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break
