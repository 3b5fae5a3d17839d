"""Server secrets (page-token signing) and the operator role (proofbox 0.3, issue 11).

``server_secrets`` holds random secrets every server on the database shares, made on first use:
``page-tokens`` signs page tokens, so they survive restarts and are accepted by every replica.

ADMIN keys used to manage every tenant's keys; now an ADMIN key manages its own tenant's keys only
and the new ``operator`` role manages tenants. The key the server wrote on first start (tenant
``local``) becomes an operator key, so the local key file keeps the powers it had. Every other
ADMIN key becomes a tenant administrator; an operator re-issues any that must stay global.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FIRST_START = "local key created on first start"


def upgrade() -> None:
    op.execute(
        "CREATE TABLE IF NOT EXISTS server_secrets (name TEXT PRIMARY KEY, secret TEXT NOT NULL, "
        "created_at BIGINT NOT NULL)"
    )
    op.execute(
        "UPDATE api_keys SET role = 'operator' "
        f"WHERE tenant_id = 'local' AND role = 'admin' AND description = '{FIRST_START}'"
    )


def downgrade() -> None:
    op.execute("UPDATE api_keys SET role = 'admin' WHERE role = 'operator'")
    op.execute("DROP TABLE IF EXISTS server_secrets")
