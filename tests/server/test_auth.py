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


def _status(client: Client, method: str, request: object) -> grpc.StatusCode:
    try:
        client(method, request)
    except grpc.RpcError as error:
        code: grpc.StatusCode = error.code()
        return code
    return grpc.StatusCode.OK


def test_a_tenant_admin_manages_only_its_own_tenants_keys(server: ServerProcess) -> None:
    """Issue 11: an ADMIN key of tenant B could list, mint and revoke keys of tenant A and of
    ``local``. Every admin RPC across tenants, as B's admin, A's writer and the operator."""
    operator = server.client()  # the key written on first start is an operator key
    a_admin = server.client(create_key(operator, "adm-a", admin_pb2.ROLE_ADMIN))
    a_writer_key = create_key(operator, "adm-a", admin_pb2.ROLE_READ_WRITE)
    a_writer = server.client(a_writer_key)
    b_admin = server.client(create_key(operator, "adm-b", admin_pb2.ROLE_ADMIN))
    a_keys = operator("ListApiKeys", admin_pb2.ListApiKeysRequest(tenant_id="adm-a")).keys
    local_keys = operator("ListApiKeys", admin_pb2.ListApiKeysRequest(tenant_id="local")).keys
    a_key_id = next(k.key_id for k in a_keys if k.role == admin_pb2.ROLE_READ_WRITE)
    operator_key_id = next(k.key_id for k in local_keys if k.role == admin_pb2.ROLE_OPERATOR)

    def create(tenant: str, role: int) -> admin_pb2.CreateApiKeyRequest:
        return admin_pb2.CreateApiKeyRequest(tenant_id=tenant, role=role, description="cross")  # type: ignore[arg-type]

    denied = grpc.StatusCode.PERMISSION_DENIED
    for tenant in ("adm-a", "local", "adm-new"):
        assert _status(b_admin, "ListApiKeys", admin_pb2.ListApiKeysRequest(tenant_id=tenant)) == denied
        for role in (admin_pb2.ROLE_READ_ONLY, admin_pb2.ROLE_READ_WRITE, admin_pb2.ROLE_ADMIN):
            assert _status(b_admin, "CreateApiKey", create(tenant, role)) == denied, (tenant, role)
    assert _status(b_admin, "CreateApiKey", create("adm-b", admin_pb2.ROLE_OPERATOR)) == denied
    assert _status(b_admin, "CreateApiKey", create("", admin_pb2.ROLE_OPERATOR)) == denied
    for key_id in (a_key_id, operator_key_id):  # another tenant's key is not even found
        revoke = admin_pb2.RevokeApiKeyRequest(key_id=key_id)
        assert _status(b_admin, "RevokeApiKey", revoke) == grpc.StatusCode.NOT_FOUND
    assert (
        _status(a_writer, "ListResults", service_pb2.ListResultsRequest()) == grpc.StatusCode.OK
    )  # still valid
    assert [
        k.key_id for k in operator("ListApiKeys", admin_pb2.ListApiKeysRequest(tenant_id="adm-a")).keys
    ] == [k.key_id for k in a_keys]  # nothing was minted for A and nothing revoked
    # a non-admin key of A: no admin RPC at all, not even on its own tenant
    assert _status(a_writer, "ListApiKeys", admin_pb2.ListApiKeysRequest(tenant_id="adm-a")) == denied
    assert _status(a_writer, "CreateApiKey", create("adm-a", admin_pb2.ROLE_READ_ONLY)) == denied
    assert _status(a_writer, "RevokeApiKey", admin_pb2.RevokeApiKeyRequest(key_id=a_key_id)) == denied
    # B's admin does all of it in its own tenant (empty tenant_id: its own)
    minted = b_admin("CreateApiKey", create("", admin_pb2.ROLE_READ_WRITE)).key
    assert minted.tenant_id == "adm-b"
    own = b_admin("ListApiKeys", admin_pb2.ListApiKeysRequest()).keys
    assert {k.tenant_id for k in own} == {"adm-b"} and minted.key_id in {k.key_id for k in own}
    assert b_admin("RevokeApiKey", admin_pb2.RevokeApiKeyRequest(key_id=minted.key_id)).key.HasField(
        "revoked_at"
    )
    assert a_admin("ListApiKeys", admin_pb2.ListApiKeysRequest(tenant_id="adm-a")).keys
    # the operator manages every tenant; operator keys only in its own tenant
    assert operator("CreateApiKey", create("adm-a", admin_pb2.ROLE_ADMIN)).key.tenant_id == "adm-a"
    assert _status(operator, "CreateApiKey", create("adm-a", admin_pb2.ROLE_OPERATOR)) == denied
    second = operator("CreateApiKey", create("", admin_pb2.ROLE_OPERATOR)).key
    assert (second.tenant_id, second.role) == ("local", admin_pb2.ROLE_OPERATOR)
    operator("RevokeApiKey", admin_pb2.RevokeApiKeyRequest(key_id=second.key_id))
    operator("RevokeApiKey", admin_pb2.RevokeApiKeyRequest(key_id=a_key_id))
    assert (
        _status(a_writer, "ListResults", service_pb2.ListResultsRequest()) == grpc.StatusCode.UNAUTHENTICATED
    )
