"""Schema migrations (Alembic): a database made by proofbox 0.1.0's schema, with data in its old case
JSON, is upgraded in place on SQLite and PostgreSQL and keeps every row; a newer database is refused."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from disputes.synthetic import generate_cases
from disputes.wire import to_message
from evidence.errors import FailedPrecondition
from proofbox.jsonform import short_enum
from proofbox.v1 import cases_pb2, prediction_pb2, records_pb2
from server.auth import hash_secret
from server.convert import canonical_case, case_from_json
from server.store import open_store
from server.store.base import micros
from server.store.schema import current_revision, head_revision

# The schema proofbox 0.1.0 created by itself (server/store/base.py before migrations), as it was.
SCHEMA_0_1_0 = [
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tenants (tenant_id TEXT PRIMARY KEY, created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS api_keys (key_id TEXT PRIMARY KEY, "
    "tenant_id TEXT NOT NULL REFERENCES tenants (tenant_id), role TEXT NOT NULL, "
    "key_hash TEXT NOT NULL, description TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT)",
    "CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant_id, created_at)",
    "CREATE TABLE IF NOT EXISTS evidence (tenant_id TEXT NOT NULL, sha256 TEXT NOT NULL, "
    "kind TEXT NOT NULL, filename TEXT NOT NULL, size_bytes BIGINT NOT NULL, "
    "detected_type TEXT NOT NULL, facts {blob} NOT NULL, created_at BIGINT NOT NULL, "
    "PRIMARY KEY (tenant_id, sha256))",
    "CREATE TABLE IF NOT EXISTS evidence_cases (tenant_id TEXT NOT NULL, case_id TEXT NOT NULL, "
    "sha256 TEXT NOT NULL, linked_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, case_id, sha256))",
    "CREATE INDEX IF NOT EXISTS evidence_cases_order ON evidence_cases (tenant_id, case_id, linked_at)",
    "CREATE TABLE IF NOT EXISTS cases (tenant_id TEXT NOT NULL, case_id TEXT NOT NULL, "
    "version BIGINT NOT NULL, content_sha256 TEXT NOT NULL, content TEXT NOT NULL, "
    "created_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, case_id, version))",
    "CREATE TABLE IF NOT EXISTS results (tenant_id TEXT NOT NULL, result_id TEXT NOT NULL, "
    "case_id TEXT NOT NULL, kind TEXT NOT NULL, created_at BIGINT NOT NULL, payload {blob} NOT NULL, "
    "keyframes {blob}, operation_id TEXT, PRIMARY KEY (tenant_id, result_id))",
    "CREATE UNIQUE INDEX IF NOT EXISTS results_operation ON results (tenant_id, operation_id) "
    "WHERE operation_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS results_case ON results (tenant_id, case_id, result_id)",
]
AT = micros(datetime(2026, 11, 20, tzinfo=UTC))
SECRET = "s" * 43
KEY_HASH = hash_secret("k0000000000000001", SECRET)


def _legacy(message: Any) -> Any:
    """proofbox 0.1.0's case JSON form: .proto names, short lower-case enum values, "+00:00" times."""
    out: dict[str, Any] = {}
    for fd, value in message.ListFields():

        def one(v: Any, fd: Any = fd) -> Any:
            if fd.enum_type is not None:
                return short_enum(fd.enum_type, v)
            if fd.message_type is not None and fd.message_type.full_name == "google.protobuf.Timestamp":
                return v.ToDatetime(tzinfo=UTC).isoformat()
            return _legacy(v) if fd.message_type is not None else v

        out[fd.name] = [one(v) for v in value] if fd.is_repeated else one(value)
    return out


def _fill(execute: Callable[[str, tuple[Any, ...]], Any], blob: str) -> dict[str, Any]:
    """Rows as 0.1.0 wrote them: a tenant and key, evidence, two case versions, a result."""
    for statement in SCHEMA_0_1_0:
        execute(statement.format(blob=blob), ())
    execute("INSERT INTO schema_version (version) VALUES (?)", (1,))
    execute("INSERT INTO tenants (tenant_id, created_at) VALUES (?, ?)", ("shop-1", AT))
    execute(
        "INSERT INTO api_keys (key_id, tenant_id, role, key_hash, description, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        ("k0000000000000001", "shop-1", "read_write", KEY_HASH, "ticketing", AT),
    )
    # 0.1.0's global admin keys: the first-start key becomes the operator (0003), others tenant admins
    execute("INSERT INTO tenants (tenant_id, created_at) VALUES (?, ?)", ("local", AT))
    for key_id, tenant, description in (
        ("k0000000000000002", "local", "local key created on first start"),
        ("k0000000000000003", "shop-1", "shop admin"),
    ):
        execute(
            "INSERT INTO api_keys (key_id, tenant_id, role, key_hash, description, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (key_id, tenant, "admin", KEY_HASH, description, AT),
        )
    execute(
        "INSERT INTO evidence (tenant_id, sha256, kind, filename, size_bytes, detected_type, facts, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ("shop-1", "a" * 64, "video", "unboxing.mp4", 1234, "mp4", b"\x08\x01", AT),
    )
    execute(
        "INSERT INTO evidence_cases (tenant_id, case_id, sha256, linked_at) VALUES (?, ?, ?, ?)",
        ("shop-1", "old-1", "a" * 64, AT),
    )
    cases = generate_cases(2, seed=12)
    texts = []
    for version, case in enumerate(cases, start=1):
        message = to_message(case, cases_pb2.DisputeCase)
        message.case_id = "old-1"
        text = json.dumps(_legacy(message), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        sha = hashlib.sha256(text.encode()).hexdigest()
        execute(
            "INSERT INTO cases (tenant_id, case_id, version, content_sha256, content, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ("shop-1", "old-1", version, sha, text, AT + version),
        )
        texts.append((text, sha))
    result = records_pb2.Result(
        result_id="res_019aa8f4c2d0000061c4e7b2d8a36f05",
        kind=records_pb2.RESULT_KIND_PREDICTION,
        case_id="old-1",
        case_version=2,
        case_sha256=texts[1][1],
        prediction=prediction_pb2.Prediction(case_id="old-1", outcome=prediction_pb2.OUTCOME_BUYER_FAVORED),
    )
    execute(
        "INSERT INTO results (tenant_id, result_id, case_id, kind, created_at, payload, keyframes, operation_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ("shop-1", result.result_id, "old-1", "prediction", AT, result.SerializeToString(), b"", "op-1"),
    )
    return {"texts": texts, "result_id": result.result_id}


def _check_upgraded(url: str, before: dict[str, Any]) -> None:
    store = open_store(url)
    try:
        assert current_revision(url) == head_revision()
        key = store.get_api_key("k0000000000000001")
        assert key is not None and key.tenant_id == "shop-1" and key.key_hash == KEY_HASH
        roles = {
            k: (r.role if (r := store.get_api_key(k)) else None)
            for k in ("k0000000000000002", "k0000000000000003")
        }
        assert roles == {"k0000000000000002": "operator", "k0000000000000003": "admin"}
        secret = store.server_secret("page-tokens")
        assert len(secret) == 32 and store.server_secret("page-tokens") == secret
        evidence = store.get_evidence("shop-1", "a" * 64)
        assert evidence is not None and evidence.case_ids == ("old-1",) and evidence.facts == b"\x08\x01"
        for version, (old_text, old_sha) in enumerate(before["texts"], start=1):
            record = store.get_case("shop-1", "old-1", version)
            assert record is not None
            case = case_from_json(old_text)
            assert case_from_json(record.content) == case  # the same content ...
            assert (record.content, record.content_sha256) == canonical_case(case)  # ... in the new form
            assert '"PLATFORM_' in record.content and record.content_sha256 != old_sha
        latest = store.get_case("shop-1", "old-1")
        assert latest is not None and latest.version == 2
        # the same content put again is recognised: no new version
        text, sha = canonical_case(case_from_json(before["texts"][1][0]))
        again, changed = store.put_case("shop-1", "old-1", text, sha, 0, datetime.now(UTC))
        assert not changed and again.version == 2
        stored = store.get_result("shop-1", before["result_id"])
        assert stored is not None and stored.operation_id == "op-1"
        result = records_pb2.Result.FromString(stored.payload)
        assert result.case_sha256 == latest.content_sha256  # still names the version it used
        assert result.prediction.outcome == prediction_pb2.OUTCOME_BUYER_FAVORED
    finally:
        store.close()
    # upgrading again changes nothing
    store = open_store(url)
    store.close()


def test_upgrade_a_sqlite_database_made_by_0_1_0(tmp_path: Path) -> None:
    path = tmp_path / "proofbox.db"
    with sqlite3.connect(path) as con:
        before = _fill(con.execute, "BLOB")
    url = f"sqlite:///{path}"
    assert current_revision(url) is None
    _check_upgraded(url, before)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE alembic_version SET version_num = 'ffff'")
    with pytest.raises(FailedPrecondition) as info:
        open_store(url)
    assert "newer proofbox server" in str(info.value)


@pytest.mark.postgres
def test_upgrade_a_postgresql_database_made_by_0_1_0(postgres_db: str) -> None:
    import psycopg

    with psycopg.connect(postgres_db, autocommit=True) as con:
        before = _fill(lambda sql, params: con.execute(sql.replace("?", "%s"), params), "BYTEA")  # type: ignore[arg-type]
    assert current_revision(postgres_db) is None
    _check_upgraded(postgres_db, before)
    with psycopg.connect(postgres_db, autocommit=True) as con:
        con.execute("UPDATE alembic_version SET version_num = 'ffff'")
    with pytest.raises(FailedPrecondition):
        open_store(postgres_db)
