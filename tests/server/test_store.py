"""The store contract, run against SQLite and a real PostgreSQL server started by the test suite."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evidence.errors import FailedPrecondition, ResourceExhausted
from server.auth import Authenticator, ensure_local_key, mint_key
from server.blobs import BlobStore
from server.store import EvidenceRecord, ResultRecord, Store, open_store

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def evidence(tenant: str, sha: str, kind: str = "video", at: datetime = T0) -> EvidenceRecord:
    return EvidenceRecord(tenant, sha, kind, f"{sha[:4]}.mp4", 1000, "mp4", b"facts", at)


def result(tenant: str, result_id: str, case_id: str = "c1", operation_id: str | None = None) -> ResultRecord:
    return ResultRecord(
        tenant, result_id, case_id, "prediction", T0, b"payload-" + result_id.encode(), b"", operation_id
    )


def test_case_versions(store: Store) -> None:
    first, changed = store.put_case("t1", "c1", '{"a":1}', "sha-a", 0, T0)
    assert (first.version, changed) == (1, True)
    again, changed = store.put_case("t1", "c1", '{"a":1}', "sha-a", 0, T0 + timedelta(seconds=1))
    assert (again.version, changed, again.created_at) == (1, False, first.created_at)
    second, changed = store.put_case("t1", "c1", '{"a":2}', "sha-b", 1, T0 + timedelta(seconds=2))
    assert (second.version, changed) == (2, True)
    with pytest.raises(FailedPrecondition) as info:
        store.put_case("t1", "c1", '{"a":3}', "sha-c", 1, T0)
    assert "version 2, not 1" in info.value.message
    latest = store.get_case("t1", "c1")
    assert latest is not None and (latest.version, latest.content) == (2, '{"a":2}')
    old = store.get_case("t1", "c1", 1)
    assert old is not None and old.content == '{"a":1}'
    assert store.get_case("t2", "c1") is None  # another tenant
    assert store.get_case("t1", "c1", 9) is None


def test_concurrent_writers_of_one_case_get_distinct_versions(store: Store) -> None:
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            store.put_case("t1", "race", f'{{"i":{i}}}', f"sha-{i}", 0, T0)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    latest = store.get_case("t1", "race")
    assert latest is not None and latest.version == 8
    assert {store.get_case("t1", "race", v).content_sha256 for v in range(1, 9)} == {
        f"sha-{i}" for i in range(8)
    }  # type: ignore[union-attr]


def test_evidence_is_deduplicated_per_tenant_and_linked_to_cases(store: Store) -> None:
    sha = "a" * 64
    stored, created = store.put_evidence(evidence("t1", sha), "c1")
    assert created and stored.case_ids == ("c1",)
    again, created = store.put_evidence(evidence("t1", sha, at=T0 + timedelta(seconds=5)), "c2")
    assert not created and again.created_at == stored.created_at and again.case_ids == ("c1", "c2")
    other, created = store.put_evidence(evidence("t2", sha), "c1")
    assert created and other.case_ids == ("c1",)  # the other tenant's record is its own
    assert store.get_evidence("t3", sha) is None
    for i in range(5):
        store.put_evidence(evidence("t1", f"{i}" * 64, "photo", T0 + timedelta(seconds=10 + i)), "c1")
    page, position = store.list_evidence("t1", "c1", 4)
    assert [r.sha256 for r in page] == [sha, "0" * 64, "1" * 64, "2" * 64]
    rest, _ = store.list_evidence("t1", "c1", 4, position)
    assert [r.sha256 for r in rest] == ["3" * 64, "4" * 64]
    assert store.list_evidence("t2", "c2", 10) == ([], None)


def test_results_are_idempotent_by_operation_and_listed_newest_first(store: Store) -> None:
    first, created = store.put_result(result("t1", "res_01", operation_id="op-1"))
    assert created
    second, created = store.put_result(result("t1", "res_02", operation_id="op-1"))
    assert not created and second.result_id == "res_01" and second.payload == first.payload
    store.put_result(result("t2", "res_03", operation_id="op-1"))  # same op id, other tenant: independent
    for i in range(4, 9):
        store.put_result(result("t1", f"res_0{i}", case_id="c2" if i % 2 else "c1"))
    newest = store.list_results("t1", None, 3)
    assert [r.result_id for r in newest] == ["res_08", "res_07", "res_06"]
    assert [r.result_id for r in store.list_results("t1", None, 10, before="res_06")] == [
        "res_05",
        "res_04",
        "res_01",
    ]
    assert [r.result_id for r in store.list_results("t1", "c2", 10)] == ["res_07", "res_05"]
    found = store.find_result_by_operation("t1", "op-1")
    assert found is not None and found.result_id == "res_01"
    assert store.get_result("t2", "res_01") is None
    assert store.get_result("t1", "res_03") is None


def test_api_keys_are_stored_hashed_and_revocable(store: Store, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    path, created = ensure_local_key(store, key_file)
    assert created and path.stat().st_mode & 0o777 == 0o600
    secret = key_file.read_text().strip()
    assert ensure_local_key(store, key_file) == (key_file, False)  # once only
    auth = Authenticator(store, cache_s=0)
    principal = auth.verify(secret)
    assert (principal.tenant_id, principal.role) == ("local", "operator")
    record = store.get_api_key(principal.key_id)
    assert (
        record is not None
        and secret not in record.key_hash
        and secret.split("_", 2)[2] not in record.key_hash
    )
    extra, extra_secret = mint_key("acme", "read_only")
    store.add_api_key(extra)
    assert auth.verify(extra_secret).role == "read_only"
    assert [k.key_id for k in store.list_api_keys("acme")] == [extra.key_id]
    revoked = store.revoke_api_key(extra.key_id, T0)
    assert revoked is not None and revoked.revoked_at == T0
    from evidence.errors import Unauthenticated

    with pytest.raises(Unauthenticated, match="revoked"):
        auth.verify(extra_secret)
    with pytest.raises(Unauthenticated, match="not valid"):
        auth.verify(secret[:-1] + ("A" if secret[-1] != "A" else "B"))


def test_sqlite_file_holds_no_key_secret(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'proofbox.db'}")
    ensure_local_key(store, tmp_path / "key")
    store.close()
    secret = (tmp_path / "key").read_text().strip()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("proofbox.db*"))
    assert secret.split("_", 2)[2].encode() not in raw


def test_blob_store_reserves_disk_and_cleans_interrupted_uploads(tmp_path: Path) -> None:
    import shutil

    free = shutil.disk_usage(tmp_path).free
    blobs = BlobStore(tmp_path, min_free_bytes=free // 2)
    first = blobs.reserve(free // 4)
    with pytest.raises(ResourceExhausted, match="not enough disk space"):
        blobs.reserve(free // 4 + 1024**2)  # the first reservation counts
    first.release()
    first.release()  # idempotent
    second = blobs.reserve(free // 4)
    second.wrote(1024**2)  # written bytes are on disk, no longer promised
    assert blobs.promised() == free // 4 - 1024**2
    blobs.reservation_ttl_s = 0.0  # an upload that stopped writing: its reservation lapses
    assert blobs.promised() == 0
    leftover = blobs.open_upload("half.mp4")
    leftover.path.write_bytes(b"partial")
    assert blobs.clean_temporary() == 1
    assert list(blobs.tmp.iterdir()) == []
