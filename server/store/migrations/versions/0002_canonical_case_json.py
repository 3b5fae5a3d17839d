"""Stored cases in the canonical proto JSON mapping, with their hashes (proofbox 0.2).

Case versions used to be stored as proofbox's own JSON form (short lower-case enum values, times
with "+00:00"); they are now the proto JSON mapping (``PLATFORM_TMALL``, ``...Z``), and the content
hash is taken of that text. This rewrites each stored version in the new form, updates its hash,
and the ``case_sha256`` of the results computed from it, so putting the same content again changes
nothing and results still name the hash of the version they used. A row the current model cannot
read is left as it was (it is still readable: the old spellings are accepted).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from evidence.errors import ProofboxError
    from proofbox.v1 import records_pb2
    from server.convert import canonical_case, case_from_json

    bind = op.get_bind()
    placeholder = "%s" if bind.dialect.name == "postgresql" else "?"

    def sql(statement: str) -> str:
        return statement.replace("?", placeholder)

    renamed: dict[tuple[str, str, str], str] = {}  # (tenant, case id, old hash) -> new hash
    rows = bind.exec_driver_sql(
        "SELECT tenant_id, case_id, version, content_sha256, content FROM cases"
    ).all()
    for tenant_id, case_id, version, old_sha, content in rows:
        try:
            text, sha = canonical_case(case_from_json(content))
        except ProofboxError:
            continue
        if sha == old_sha and text == content:
            continue
        bind.exec_driver_sql(
            sql(
                "UPDATE cases SET content = ?, content_sha256 = ? WHERE tenant_id = ? AND case_id = ? AND version = ?"
            ),
            (text, sha, tenant_id, case_id, version),
        )
        renamed[(tenant_id, case_id, old_sha)] = sha
    if not renamed:
        return
    results = bind.exec_driver_sql("SELECT tenant_id, result_id, case_id, payload FROM results").all()
    for tenant_id, result_id, case_id, payload in results:
        result = records_pb2.Result.FromString(bytes(payload))
        new = renamed.get((tenant_id, case_id, result.case_sha256))
        if new is None:
            continue
        result.case_sha256 = new
        bind.exec_driver_sql(
            sql("UPDATE results SET payload = ? WHERE tenant_id = ? AND result_id = ?"),
            (result.SerializeToString(), tenant_id, result_id),
        )


def downgrade() -> None:
    raise NotImplementedError(
        "proofbox 0.1 cannot read results whose hashes were rewritten; restore a backup"
    )
