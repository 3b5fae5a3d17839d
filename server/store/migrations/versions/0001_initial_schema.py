"""The schema of proofbox 0.1.0 (schema_version 1): tenants, keys, evidence, case versions, results.

Databases created before migrations existed already have these tables (created with IF NOT EXISTS
by the server itself); upgrading them runs this as a no-op and records the revision.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    blob = "BYTEA" if op.get_bind().dialect.name == "postgresql" else "BLOB"
    for statement in (
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS tenants (tenant_id TEXT PRIMARY KEY, created_at BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS api_keys (key_id TEXT PRIMARY KEY, "
        "tenant_id TEXT NOT NULL REFERENCES tenants (tenant_id), role TEXT NOT NULL, "
        "key_hash TEXT NOT NULL, description TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT)",
        "CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant_id, created_at)",
        f"CREATE TABLE IF NOT EXISTS evidence (tenant_id TEXT NOT NULL, sha256 TEXT NOT NULL, "
        f"kind TEXT NOT NULL, filename TEXT NOT NULL, size_bytes BIGINT NOT NULL, "
        f"detected_type TEXT NOT NULL, facts {blob} NOT NULL, created_at BIGINT NOT NULL, "
        "PRIMARY KEY (tenant_id, sha256))",
        "CREATE TABLE IF NOT EXISTS evidence_cases (tenant_id TEXT NOT NULL, case_id TEXT NOT NULL, "
        "sha256 TEXT NOT NULL, linked_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, case_id, sha256))",
        "CREATE INDEX IF NOT EXISTS evidence_cases_order ON evidence_cases (tenant_id, case_id, linked_at)",
        "CREATE TABLE IF NOT EXISTS cases (tenant_id TEXT NOT NULL, case_id TEXT NOT NULL, "
        "version BIGINT NOT NULL, content_sha256 TEXT NOT NULL, content TEXT NOT NULL, "
        "created_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, case_id, version))",
        f"CREATE TABLE IF NOT EXISTS results (tenant_id TEXT NOT NULL, result_id TEXT NOT NULL, "
        f"case_id TEXT NOT NULL, kind TEXT NOT NULL, created_at BIGINT NOT NULL, payload {blob} NOT NULL, "
        f"keyframes {blob}, operation_id TEXT, PRIMARY KEY (tenant_id, result_id))",
        "CREATE UNIQUE INDEX IF NOT EXISTS results_operation ON results (tenant_id, operation_id) "
        "WHERE operation_id IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS results_case ON results (tenant_id, case_id, result_id)",
    ):
        op.execute(statement)
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT COUNT(*) FROM schema_version").scalar() == 0:
        op.execute("INSERT INTO schema_version (version) VALUES (1)")


def downgrade() -> None:
    raise NotImplementedError("the first schema has nothing to go back to")
