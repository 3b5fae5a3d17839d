"""Fuzzing the request surface of a real server (issue 11): every request message of every RPC,
built by hypothesis from the message descriptors (out-of-range integers and timestamps, unknown enum
values, odd and oversized strings, random bytes for bytes fields), and raw bytes that are no message
at all. Only precise status codes may come back (never INTERNAL or UNKNOWN), and the server must
keep serving.

Brief in ``make test`` (``PROOFBOX_FUZZ_EXAMPLES``, default 20 per RPC); ``make fuzz`` runs long.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofbox.v1 import admin_pb2, service_pb2

from .helpers import Client, ServerProcess, case_message, create_key

EXAMPLES = int(os.environ.get("PROOFBOX_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
    derandomize=EXAMPLES <= 50,  # the brief run is the same every time; the long one explores
)
PRECISE = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
}
CASE_ID = "fuzz-case"
SERVICES = {
    "ProofboxService": service_pb2.DESCRIPTOR.services_by_name["ProofboxService"],
    "AdminService": admin_pb2.DESCRIPTOR.services_by_name["AdminService"],
}
UNARY = [
    (name, method)
    for name, service in SERVICES.items()
    for method in service.methods
    if not method.client_streaming and not method.server_streaming
]
SERVER_STREAMING = [
    (name, method)
    for name, service in SERVICES.items()
    for method in service.methods
    if method.server_streaming and not method.client_streaming
]

# --- strategies from descriptors ---------------------------------------------------------------------

_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
# strings that mean something somewhere: a real case id, id shapes, amounts and times as text, odd
# characters, one just over the usual bounds
_STRINGS = st.sampled_from(
    [
        CASE_ID,
        "",
        " ",
        "res_" + "0" * 32,
        "a" * 64,
        "tmall",
        "local",
        "-0",
        " 5 ",
        "١٢٣",
        "1e9999",
        "NaN",
        "2026-11-20T10:00:00+08:00",
        "9999-12-31T23:59:59Z",
        "\x00",
        "\ud7ff\ue000",
        "../../etc/passwd",
        "x" * 300,
        "开箱视频" * 70,
    ]
)


def _scalar(fd: FieldDescriptor) -> st.SearchStrategy[Any]:
    if fd.type in _INT_RANGES:
        low, high = _INT_RANGES[fd.type]
        return st.integers(low, high) | st.sampled_from([low, high, 0, -1 if low < 0 else 1, 2**31 - 1])
    if fd.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if fd.type == FieldDescriptor.TYPE_STRING:
        return _STRINGS | st.text(max_size=40)
    if fd.type == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if fd.type == FieldDescriptor.TYPE_ENUM:
        known = [v.number for v in fd.enum_type.values]
        return st.sampled_from(known) | st.integers(-3, 1000)
    if fd.type == FieldDescriptor.TYPE_FLOAT:
        return st.floats(width=32)
    if fd.type == FieldDescriptor.TYPE_DOUBLE:
        return st.floats()
    raise AssertionError(f"no strategy for {fd.full_name}")


def _timestamp() -> st.SearchStrategy[timestamp_pb2.Timestamp]:
    seconds = st.sampled_from([0, 1_764_000_000, 253402300800, -62198755200, 2**62, -(2**63)]) | st.integers(
        -(2**63), 2**63 - 1
    )
    nanos = st.sampled_from([0, -1, 999_999_999, 10**9, 2 * 10**9]) | st.integers(-(2**31), 2**31 - 1)
    return st.builds(timestamp_pb2.Timestamp, seconds=seconds, nanos=nanos)


def messages(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Message]:
    """Any message of ``descriptor``'s type: each field set or not, nested messages to depth 3."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for fd in descriptor.fields:
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            continue
        if fd.message_type is not None:
            if fd.message_type.full_name == "google.protobuf.Timestamp":
                one: st.SearchStrategy[Any] = _timestamp()
            elif depth >= 3:
                continue
            else:
                one = st.deferred(lambda fd=fd: messages(fd.message_type, depth + 1))
        else:
            one = _scalar(fd)
        fields[fd.name] = st.lists(one, max_size=3) if fd.is_repeated else one
    cls = GetMessageClass(descriptor)

    def build(values: dict[str, Any]) -> Message:
        message = cls()
        for name, value in values.items():
            fd = descriptor.fields_by_name[name]
            if fd.is_repeated:
                target = getattr(message, name)
                if fd.message_type is not None:
                    for item in value:
                        target.add().CopyFrom(item)
                else:
                    target.extend(value)
            elif fd.message_type is not None:
                getattr(message, name).CopyFrom(value)
            else:
                setattr(message, name, value)
        return message

    return st.fixed_dictionaries({}, optional=fields).map(build)


def _set_fields(message: Message) -> list[tuple[Message, FieldDescriptor]]:
    found: list[tuple[Message, FieldDescriptor]] = []
    for fd, value in message.ListFields():
        found.append((message, fd))
        if (
            fd.message_type is not None
            and not fd.is_repeated
            and fd.message_type.full_name.startswith("proofbox.")
        ):
            found += _set_fields(value)
    return found


@st.composite
def cases_with_one_value_replaced(draw: st.DrawFn) -> service_pb2.PutCaseRequest:
    """A valid case (as PutCase carries it) with one of its set fields, at any depth, replaced."""
    case = case_message(CASE_ID + "-mutated")
    parent, fd = draw(st.sampled_from(_set_fields(case)))
    parent.ClearField(fd.name)
    if fd.message_type is not None and fd.message_type.full_name == "google.protobuf.Timestamp":
        value: Any = draw(_timestamp())
    elif fd.message_type is not None:
        value = draw(messages(fd.message_type, 2))
    else:
        value = draw(_scalar(fd))
    if fd.is_repeated:
        if fd.message_type is not None:
            getattr(parent, fd.name).add().CopyFrom(value)
        else:
            getattr(parent, fd.name).append(value)
    elif fd.message_type is not None:
        getattr(parent, fd.name).CopyFrom(value)
    else:
        setattr(parent, fd.name, value)
    return service_pb2.PutCaseRequest(case=case)


# --- the server under fuzz ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzzer(server: ServerProcess) -> Iterator[tuple[Client, Client]]:
    """(a read-write client, the same tenant's ADMIN client); the tenant has one case, no evidence."""
    operator = server.client()
    writer = server.client(create_key(operator, "fuzz-tenant"))
    admin = server.client(create_key(operator, "fuzz-tenant", admin_pb2.ROLE_ADMIN))
    writer.put_case(case_message(CASE_ID))
    yield writer, admin
    for client in (writer, admin, operator):
        client.close()


def _caller(client: Client, service: str, method: Any) -> Any:
    path = f"/proofbox.v1.{service}/{method.name}"
    request_type = GetMessageClass(method.input_type)
    response_type = GetMessageClass(method.output_type)
    kind = "unary_stream" if method.server_streaming else "unary_unary"
    return getattr(client.channel, kind)(
        path,
        request_serializer=lambda m: m if isinstance(m, bytes) else m.SerializeToString(),
        response_deserializer=response_type.FromString,
    ), request_type


def _precise(call: Any, request: Any, client: Client, streaming: bool) -> grpc.StatusCode:
    try:
        if streaming:
            list(call(request, metadata=client.metadata, timeout=60))
        else:
            call(request, metadata=client.metadata, timeout=60)
    except grpc.RpcError as error:
        code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
        assert code in PRECISE, (code, error.details(), request)  # type: ignore[attr-defined]
        return code
    return grpc.StatusCode.OK


@pytest.mark.parametrize(("service", "method"), UNARY + SERVER_STREAMING, ids=lambda v: getattr(v, "name", v))
def test_any_request_message_gets_a_precise_status(
    fuzzer: tuple[Client, Client], service: str, method: Any
) -> None:
    client = fuzzer[1] if service == "AdminService" else fuzzer[0]
    call, request_type = _caller(client, service, method)
    streaming = bool(method.server_streaming)

    @FUZZ
    @given(messages(request_type.DESCRIPTOR) | st.binary(max_size=48))
    def run(request: Any) -> None:
        _precise(call, request, client, streaming)

    run()


def test_a_case_with_one_value_replaced_gets_a_precise_status(fuzzer: tuple[Client, Client]) -> None:
    writer = fuzzer[0]

    @FUZZ
    @given(cases_with_one_value_replaced())
    def run(request: service_pb2.PutCaseRequest) -> None:
        _precise(writer.svc.PutCase, request, writer, False)

    run()


def test_upload_and_score_streams_get_precise_statuses(
    fuzzer: tuple[Client, Client], server: ServerProcess
) -> None:
    writer = fuzzer[0]
    uploads = st.lists(messages(service_pb2.UploadEvidenceRequest.DESCRIPTOR), min_size=0, max_size=3)
    items = st.lists(messages(service_pb2.ScoreCasesRequest.DESCRIPTOR), min_size=1, max_size=3)

    @FUZZ
    @given(uploads)
    def upload(requests: list[Any]) -> None:
        try:
            writer.svc.UploadEvidence(iter(requests), metadata=writer.metadata, timeout=60)
        except grpc.RpcError as error:
            assert error.code() in PRECISE, (error.code(), error.details(), requests)  # type: ignore[attr-defined]

    @FUZZ
    @given(items)
    def score(requests: list[Any]) -> None:
        for request in requests:
            request.dry_run = True  # no stored results from noise
            del request.evidence_ids[:]  # predictions only: an analysis per example is too slow here
        responses = list(writer.svc.ScoreCases(iter(requests), metadata=writer.metadata, timeout=60))
        assert [r.index for r in responses] == list(range(len(requests)))
        for response in responses:
            assert response.problem.status in {"", *(c.name for c in PRECISE)}, response.problem

    upload()
    score()
    # and the server still serves
    health = health_pb2_grpc.HealthStub(writer.channel)
    assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
    assert writer("GetCase", service_pb2.GetCaseRequest(case_id=CASE_ID)).stored.case.case_id == CASE_ID
    assert server.process is not None and server.process.poll() is None
