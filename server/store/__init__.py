"""Where the server keeps tenants, keys, evidence records, case versions and results.

:func:`open_store` picks the implementation from a URL: ``sqlite:///path`` (the embedded default)
or ``postgresql://...``. Both implement :class:`Store` with the same SQL (``base.SqlStore``).
"""

from __future__ import annotations

from pathlib import Path

from evidence.errors import InvalidInput

from .base import ApiKeyRecord, CaseRecord, EvidenceRecord, PrintRecord, ResultRecord, Store, StoreUnavailable

__all__ = [
    "ApiKeyRecord",
    "CaseRecord",
    "EvidenceRecord",
    "PrintRecord",
    "ResultRecord",
    "Store",
    "StoreUnavailable",
    "open_store",
]


def open_store(url: str, *, sqlite_synchronous: str = "normal", pool_size: int = 8) -> Store:
    """Open (and migrate) the store at ``url``."""
    if url.startswith("sqlite:///"):
        from .sqlite import SqliteStore

        return SqliteStore(Path(url.removeprefix("sqlite:///")), synchronous=sqlite_synchronous)
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(url, pool_size=pool_size)
    raise InvalidInput("use sqlite:///path or postgresql://...", field="database_url")
