"""API keys per tenant: isolation (NOT_FOUND, never PERMISSION_DENIED), refusals, roles, revocation."""

from __future__ import annotations

import hashlib
import stat

import grpc
import pytest

from proofbox.v1 import admin_pb2, service_pb2

from .helpers import PHOTO, Client, ServerProcess, case_message, create_key


def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as info:
        call()  # type: ignore[operator]
    code: grpc.StatusCode = info.value.code()
    return code


def test_tenants_cannot_see_each_other(server: ServerProcess, corpus_dir: object) -> None:
    from pathlib import Path

    admin = server.client()
    alice = server.client(create_key(admin, "alice"))
    bob = server.client(create_key(admin, "bob"))
    photo = (Path(str(corpus_dir)) / "bad" / "frame_full_reference.jpg").read_bytes()
    evidence_id = alice.upload(photo, "shared-id", PHOTO, filename="a.jpg").evidence.evidence_id
    alice.put_case(case_message("shared-id"))
    result = alice("PredictOutcome", service_pb2.PredictOutcomeRequest(case_id="shared-id")).result

    for call in (
        lambda: bob("GetCase", service_pb2.GetCaseRequest(case_id="shared-id")),
        lambda: bob("GetEvidence", service_pb2.GetEvidenceRequest(evidence_id=evidence_id)),
        lambda: bob("GetResult", service_pb2.GetResultRequest(result_id=result.result_id)),
        lambda: bob("PredictOutcome", service_pb2.PredictOutcomeRequest(case_id="shared-id")),
        lambda: bob(
            "AssessEvidence",
            service_pb2.AssessEvidenceRequest(case=case_message("shared-id"), evidence_ids=[evidence_id]),
        ),
    ):
        assert _code(call) == grpc.StatusCode.NOT_FOUND
    assert list(bob("ListResults", service_pb2.ListResultsRequest(case_id="shared-id")).results) == []
    assert list(bob("ListEvidence", service_pb2.ListEvidenceRequest(case_id="shared-id")).evidence) == []
    assert result.result_id not in {
        r.result_id for r in bob("ListResults", service_pb2.ListResultsRequest()).results
    }

    # the same case id is bob's own, independent case; the same bytes become bob's own record
    assert bob.put_case(case_message("shared-id", ticket={"status": "refunded"})).stored.version == 1
    assert alice("GetCase", service_pb2.GetCaseRequest(case_id="shared-id")).stored.version == 1
    bob_upload = bob.upload(photo, "other", PHOTO, filename="b.jpg")
    assert bob_upload.created and list(bob_upload.evidence.case_ids) == ["other"]
    assert list(
        alice("GetEvidence", service_pb2.GetEvidenceRequest(evidence_id=evidence_id)).evidence.case_ids
    ) == ["shared-id"]


def test_missing_or_wrong_keys_are_refused(server: ServerProcess) -> None:
    request = service_pb2.GetCaseRequest(case_id="x")
    key = server.key
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for client in (
        server.client(None),
        server.client("not-a-key"),
        server.client(wrong),
        server.client("pbx_0000000000000000_" + "A" * 43),
    ):
        with pytest.raises(grpc.RpcError) as info:
            client("GetCase", request)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "key" in (info.value.details() or "")
    basic = Client(server.address, None)
    basic.metadata = (("authorization", f"Basic {key}"),)
    with pytest.raises(grpc.RpcError) as info:
        basic("GetCase", request)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED and "Bearer" in (info.value.details() or "")
    header = Client(server.address, None)
    header.metadata = (("x-api-key", key),)  # the other accepted header
    with pytest.raises(grpc.RpcError) as info:
        header("GetCase", request)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND  # authenticated; the case just does not exist


def test_roles(server: ServerProcess) -> None:
    admin = server.client()
    reader = server.client(create_key(admin, "carol", admin_pb2.ROLE_READ_ONLY))
    writer = server.client(create_key(admin, "carol", admin_pb2.ROLE_READ_WRITE))
    writer.put_case(case_message("carol-1"))
    assert reader("GetCase", service_pb2.GetCaseRequest(case_id="carol-1")).stored.version == 1  # same tenant
    deadlines = reader("CheckDeadlines", service_pb2.CheckDeadlinesRequest(case_id="carol-1"))
    assert deadlines.deadlines
    for call in (
        lambda: reader.put_case(case_message("carol-2")),
        lambda: reader("PredictOutcome", service_pb2.PredictOutcomeRequest(case_id="carol-1")),
        lambda: reader.upload(b"\xff\xd8\xff" + b"0" * 100, "carol-1", PHOTO),
        lambda: writer(
            "CreateApiKey", admin_pb2.CreateApiKeyRequest(tenant_id="carol", role=admin_pb2.ROLE_ADMIN)
        ),
    ):
        with pytest.raises(grpc.RpcError) as info:
            call()
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "role" in (info.value.details() or "")


def test_revoked_keys_stop_working(server: ServerProcess) -> None:
    admin = server.client()
    created = admin(
        "CreateApiKey", admin_pb2.CreateApiKeyRequest(tenant_id="dave", role=admin_pb2.ROLE_READ_WRITE)
    )
    dave = server.client(created.secret)
    dave.put_case(case_message("dave-1"))
    keys = admin("ListApiKeys", admin_pb2.ListApiKeysRequest(tenant_id="dave")).keys
    assert [k.key_id for k in keys] == [created.key.key_id] and not keys[0].HasField("revoked_at")
    assert created.secret not in str(keys)
    revoked = admin("RevokeApiKey", admin_pb2.RevokeApiKeyRequest(key_id=created.key.key_id)).key
    assert revoked.HasField("revoked_at")
    with pytest.raises(grpc.RpcError) as info:
        dave("GetCase", service_pb2.GetCaseRequest(case_id="dave-1"))
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED and "revoked" in (info.value.details() or "")
    with pytest.raises(grpc.RpcError) as info:
        admin(
            "CreateApiKey",
            admin_pb2.CreateApiKeyRequest(tenant_id="Not A Tenant!", role=admin_pb2.ROLE_READ_ONLY),
        )
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_local_key_file_is_private_and_keys_are_stored_hashed(server: ServerProcess) -> None:
    key_file = server.data_dir / "local-api-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = server.key.split("_", 2)[2]
    database = b"".join(p.read_bytes() for p in server.data_dir.glob("proofbox.db*"))
    assert secret.encode() not in database
    key_id = server.key.split("_")[1]
    assert hashlib.sha256(f"{key_id}:{secret}".encode()).hexdigest().encode() in database
    created = [e for e in server.events() if e.get("key_file")]
    assert created and created[0]["key_file"].endswith("local-api-key")  # the log says where the key is
