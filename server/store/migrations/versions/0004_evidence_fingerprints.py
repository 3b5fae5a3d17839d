"""Perceptual fingerprints of assessed evidence, per tenant, with a multi-index hash (issue 15).

``evidence_prints`` keeps one fingerprint per evidence file (``evidence.reuse.pack``: the frame
times and 64-bit hashes, for verifying and aligning a candidate). ``evidence_hashes`` is the index:
a few hashes per file (about one a second of video; one per photo), each split into four 16-bit
bands in indexed columns. A lookup takes the rows sharing any band with a query hash (two hashes
within 3 bits always share one), then verifies the Hamming distance in Python.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    blob = "BYTEA" if op.get_bind().dialect.name == "postgresql" else "BLOB"
    op.execute(
        "CREATE TABLE IF NOT EXISTS evidence_prints (tenant_id TEXT NOT NULL, sha256 TEXT NOT NULL, "
        f"kind TEXT NOT NULL, print {blob} NOT NULL, created_at BIGINT NOT NULL, "
        "PRIMARY KEY (tenant_id, sha256))"
    )
    op.execute(
        "CREATE TABLE IF NOT EXISTS evidence_hashes (tenant_id TEXT NOT NULL, sha256 TEXT NOT NULL, "
        "t_ms BIGINT NOT NULL, hash BIGINT NOT NULL, b0 INTEGER NOT NULL, b1 INTEGER NOT NULL, "
        "b2 INTEGER NOT NULL, b3 INTEGER NOT NULL)"
    )
    for band in range(4):
        op.execute(
            f"CREATE INDEX IF NOT EXISTS evidence_hashes_b{band} ON evidence_hashes (tenant_id, b{band})"
        )
    op.execute("CREATE INDEX IF NOT EXISTS evidence_hashes_file ON evidence_hashes (tenant_id, sha256)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS evidence_hashes")
    op.execute("DROP TABLE IF EXISTS evidence_prints")
