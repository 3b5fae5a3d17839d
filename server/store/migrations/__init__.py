"""Alembic migrations of the server's database (SQLite and PostgreSQL); run at start-up by
:meth:`server.store.base.SqlStore.migrate`. One file per schema change in ``versions/``."""
