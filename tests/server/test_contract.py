"""The proto contract and the Python models stay in sync.

Every dataclass reachable from DisputeCase, Prediction, Eligibility and Assessment has a message of
the same name with exactly the same field names; every Python enum maps onto its proto enum (prefix
+ UNSPECIFIED) and back; Python fields that may be None have presence in the proto. Cases, results
and assessments survive the trip through the messages unchanged.
"""

from __future__ import annotations

import dataclasses
import random
import types
import typing
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

import disputes
from disputes.synthetic import generate_cases, random_case
from evidence import errors
from evidence.model import (
    Assessment,
    BarcodeRead,
    CreationTime,
    Element,
    ElementResult,
    Finding,
    KeyFrame,
    PhotoFacts,
    SamplingStats,
    Severity,
    StreamInfo,
    Verdict,
    VideoFacts,
)
from proofbox.jsonform import JsonFormError, enum_prefix, parse, short_enum
from proofbox.v1 import assessment_pb2, cases_pb2, prediction_pb2
from server import convert
from server.errors import DeadlineExceeded, StoreUnavailable, status_for

AT = datetime(2024, 11, 20, 4, 0, tzinfo=UTC)
ROOTS = [
    (disputes.DisputeCase, cases_pb2.DisputeCase),
    (disputes.Actor, cases_pb2.Actor),
    (disputes.Prediction, prediction_pb2.Prediction),
    (disputes.Eligibility, prediction_pb2.Eligibility),
    (Assessment, assessment_pb2.Assessment),
]
# Python shapes the proto spells differently, on purpose: corner points are (x, y) tuples in Python.
SHAPED = {("BarcodeRead", "position")}


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """(inner type, may be None) for ``X | None``; containers give their item type."""
    optional = False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(args) < len(typing.get_args(tp))
        tp = args[0]
    origin = typing.get_origin(tp)
    if origin in (tuple, frozenset, list):
        tp = typing.get_args(tp)[0]
    elif (origin is not None and typing.get_origin(tp) in (dict, typing.Mapping)) or str(origin).endswith(
        "Mapping"
    ):
        tp = typing.get_args(tp)[1]
    return tp, optional


def _pairs() -> list[tuple[type, Any]]:
    found: dict[type, Any] = {}
    todo = list(ROOTS)
    while todo:
        cls, message = todo.pop()
        if cls in found:
            continue
        found[cls] = message
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            inner, _ = _unwrap(hints[f.name])
            fd = message.DESCRIPTOR.fields_by_name.get(f.name)
            if dataclasses.is_dataclass(inner) and fd is not None and fd.message_type is not None:
                todo.append((inner, fd.message_type._concrete_class))
    return sorted(found.items(), key=lambda kv: kv[0].__name__)


PAIRS = _pairs()


def test_every_model_reached() -> None:
    names = {cls.__name__ for cls, _ in PAIRS}
    assert {
        "Order",
        "Timeline",
        "EvidenceSummary",
        "Deadline",
        "Finding",
        "VideoFacts",
        "StreamInfo",
    } <= names
    assert len(PAIRS) >= 29


@pytest.mark.parametrize(("cls", "message"), PAIRS, ids=[c.__name__ for c, _ in PAIRS])
def test_fields_match(cls: type, message: Any) -> None:
    # fields marked ``proto: False`` stay inside the server (e.g. evidence fingerprints, issue 15)
    python = {f.name for f in dataclasses.fields(cls) if f.init and f.metadata.get("proto") is not False}
    proto = set(message.DESCRIPTOR.fields_by_name)
    assert message.DESCRIPTOR.name == cls.__name__
    assert python - proto == set(), f"fields missing from proofbox.v1.{cls.__name__}"
    assert proto - python == set(), f"proto fields with no {cls.__module__}.{cls.__name__} field"
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name not in python:
            continue
        inner, optional = _unwrap(hints[f.name])
        fd = message.DESCRIPTOR.fields_by_name[f.name]
        if optional and not fd.is_repeated and fd.enum_type is None:  # for enums, UNSPECIFIED is None
            assert fd.has_presence, f"{cls.__name__}.{f.name} may be None: the proto field needs presence"
        if (cls.__name__, f.name) in SHAPED:
            continue
        if isinstance(inner, type) and issubclass(inner, Enum):
            assert fd.enum_type is not None, f"{cls.__name__}.{f.name} is an enum in Python"
            _check_enum(inner, fd.enum_type)
        elif inner in (str, Decimal):
            assert fd.type == fd.TYPE_STRING, f"{cls.__name__}.{f.name}"
        elif inner is bool:
            assert fd.type == fd.TYPE_BOOL, f"{cls.__name__}.{f.name}"
        elif inner is datetime:
            assert fd.message_type is not None and fd.message_type.full_name == "google.protobuf.Timestamp"
        elif inner is float:
            assert fd.type == fd.TYPE_DOUBLE, f"{cls.__name__}.{f.name}"
        elif inner is int:
            assert fd.type in (fd.TYPE_INT32, fd.TYPE_INT64), f"{cls.__name__}.{f.name}"
        elif inner is bytes:
            assert fd.type == fd.TYPE_BYTES


def _check_enum(cls: type[Enum], descriptor: Any) -> None:
    prefix = enum_prefix(descriptor)
    proto = {v.name for v in descriptor.values if v.number != 0}
    python = {prefix + str(m.value).upper() for m in cls}
    assert descriptor.values_by_number[0].name == prefix + "UNSPECIFIED"
    assert proto == python, f"{cls.__name__} vs proofbox.v1.{descriptor.name}"


CASES = generate_cases(120, seed=4)


def plain_to_message(data: dict[str, Any], message: Any) -> Any:
    return parse(data, message)


def message_to_plain(message: Message) -> dict[str, Any]:
    """The fields that are set, in the Python models' conventions (a reading aid for the checks
    below, independent of the code under test): short enum values, ISO times, no UNSPECIFIED."""
    out: dict[str, Any] = {}

    def one(fd: Any, v: Any) -> Any:
        if fd.enum_type is not None:
            return short_enum(fd.enum_type, v)
        if fd.message_type is not None and fd.message_type.full_name == "google.protobuf.Timestamp":
            return v.ToDatetime(tzinfo=UTC).isoformat()
        if fd.message_type is not None:
            return message_to_plain(v)
        return v

    for fd, value in message.ListFields():
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            value_fd = fd.message_type.fields_by_name["value"]
            out[fd.name] = {
                k: message_to_plain(v) if value_fd.message_type is not None else v for k, v in value.items()
            }
        elif fd.is_repeated:
            out[fd.name] = [x for x in (one(fd, v) for v in value) if x is not None]
        elif (plain := one(fd, value)) is not None:
            out[fd.name] = plain
    return out


def test_cases_round_trip_through_the_message() -> None:
    for case in CASES:
        message = plain_to_message(case.to_dict(), cases_pb2.DisputeCase())
        back = convert.case_from_proto(message)
        assert back == case, case.case_id
        # and through the wire bytes
        again = cases_pb2.DisputeCase.FromString(message.SerializeToString())
        assert convert.case_from_proto(again) == case


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False))
def test_random_cases_round_trip(rng: random.Random) -> None:
    case = random_case(rng)
    assert convert.case_from_proto(plain_to_message(case.to_dict(), cases_pb2.DisputeCase())) == case


def test_canonical_case_ignores_offsets_but_not_content() -> None:
    case = CASES[0]
    text, sha = convert.canonical_case(case)
    assert convert.case_from_json(text) == case
    shifted = disputes.from_dict(
        {
            **case.to_dict(),
            "order": {
                **case.to_dict()["order"],
                "created_at": case.order.created_at.astimezone(UTC).isoformat(),
            },
        }
    )
    assert convert.canonical_case(shifted)[1] == sha  # same instants, other offset
    changed = dataclasses.replace(case, case_id=case.case_id + "-x")
    assert convert.canonical_case(changed)[1] != sha


def _normal(value: Any) -> Any:
    """Plain data in one convention: no empty values, instants in UTC, enum names lower-case."""
    if isinstance(value, dict):
        out = {k: _normal(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {}, False, 0, 0.0)}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value.lower()
        return moment.astimezone(UTC).isoformat() if moment.tzinfo else value.lower()
    return value


def test_predictions_and_deadlines_convert_losslessly() -> None:
    checked = 0
    for case in CASES[:60]:
        prediction = disputes.predict(case, at=AT)
        message = convert.prediction_to_proto(prediction)
        assert _normal(message_to_plain(message)) == _normal(prediction.to_dict())
        for deadline in disputes.deadlines(case, AT):
            assert _normal(message_to_plain(convert.deadline_to_proto(deadline))) == _normal(
                deadline.to_dict()
            )
        checked += len(prediction.hits)
    assert checked > 50  # the cases exercise real rule hits


def test_eligibility_converts_losslessly() -> None:
    for case in CASES[:30]:
        eligibility = disputes.reopen_eligibility(case.order, case.platform, at=AT)
        message = convert.eligibility_to_proto(eligibility)
        assert _normal(message_to_plain(message)) == _normal(eligibility.to_dict())


def _assessment() -> Assessment:
    created = CreationTime(
        "format.creation_time", datetime(2026, 11, 20, 2, tzinfo=UTC), "2026-11-20T02:00:00Z", True
    )
    stream = StreamInfo(
        0, "video", "h264", "High", 640, 360, "yuv420p", 30.0, 30.0, 624, 20.8, 0, False, {"language": "und"}
    )
    video = VideoFacts(
        1083502, "mov,mp4", "mp4", 20.8, (stream,), 0, 640, 360, 640, 360, 0, "h264", 30.0, False,
        ("isom", "iso2"), (created,), "Apple", "iPhone 14", ("17.1",), {"major_brand": "isom"},
    )  # fmt: skip
    read = BarcodeRead("SF1234567890123", "Code128", 0.4, ((1, 2), (30, 2), (30, 9), (1, 9)), "video")
    photo = PhotoFacts(
        40000, "JPEG", 640, 360, 1, "", "", (), (created,), (BarcodeRead("SF1", "Code128"),), "waybill.jpg"
    )
    finding = Finding(
        "COMPLETENESS_CUT", Element.COMPLETENESS, Severity.FAILURE, "a cut", 6.0, 6.1, "r", "s", "video", 44.0
    )
    elements = tuple(
        ElementResult(
            e,
            Verdict.FAIL if e is Element.COMPLETENESS else Verdict.PASS,
            0.5,
            (finding,) if e is Element.COMPLETENESS else (),
        )
        for e in Element
    )
    return Assessment(
        elements, video, (photo,), "0.1.0", (read,), (KeyFrame(6.0, b"\xff\xd8jpeg", "COMPLETENESS_CUT @ 6.0s"),),
        SamplingStats("hybrid", 624, 28, 69, 3, 4.7, 0, 20.8, 1.4), {"cuts": 1.0},
    )  # fmt: skip


def test_assessment_converts_losslessly() -> None:
    assessment = _assessment()
    message = convert.assessment_to_proto(assessment)
    plain = message_to_plain(message)
    expected = convert.model_plain(assessment)
    expected["keyframes"][0]["jpeg"] = b"\xff\xd8jpeg"
    assert _normal(plain) == _normal(expected)
    assert message.barcodes[0].position[2].x == 30 and message.barcodes[0].position[2].y == 9
    assert message.elements[1].verdict == assessment_pb2.VERDICT_FAIL
    assert message.elements[1].findings[0].severity == assessment_pb2.SEVERITY_FAILURE


def test_json_errors_name_the_offending_field() -> None:
    with pytest.raises(JsonFormError) as info:
        plain_to_message({"order": {"amout": "1.00"}}, cases_pb2.DisputeCase())
    assert info.value.field == "order.amout"
    with pytest.raises(JsonFormError) as info:
        plain_to_message({"platform": "jd"}, cases_pb2.DisputeCase())
    assert info.value.field == "platform" and "tmall" in str(info.value)
    with pytest.raises(JsonFormError) as info:
        plain_to_message({"timeline": {"requested_at": "2024-11-10T10:00:00"}}, cases_pb2.DisputeCase())
    assert info.value.field == "timeline.requested_at" and "UTC offset" in str(info.value)
    with pytest.raises(JsonFormError) as info:
        plain_to_message({"order": {"guarantees": ["damage_reship", 3.5]}}, cases_pb2.DisputeCase())
    assert info.value.field == "order.guarantees[1]"
    with pytest.raises(JsonFormError) as info:
        plain_to_message({"order": {"afterSalesRequests": "many"}}, cases_pb2.DisputeCase())
    assert info.value.field == "order.afterSalesRequests"


def test_unspecified_means_absent_so_python_defaults_apply() -> None:
    message = plain_to_message(CASES[0].to_dict(), cases_pb2.DisputeCase())
    message.order.payment_method = cases_pb2.PAYMENT_METHOD_UNSPECIFIED
    assert "payment_method" not in message_to_plain(message)["order"]
    assert convert.case_from_proto(message).order.payment_method is disputes.PaymentMethod.ONLINE
    message.platform = cases_pb2.PLATFORM_UNSPECIFIED
    with pytest.raises(errors.InvalidInput) as info:
        convert.case_from_proto(message)
    assert info.value.field == "case.platform"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.InvalidInput("x", field="a.b"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.TruncatedMedia("x", code="TRUNCATED"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.EmptyMedia("x"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.NotFound("x"), grpc.StatusCode.NOT_FOUND),
        (errors.AlreadyExists("x"), grpc.StatusCode.ALREADY_EXISTS),
        (errors.FailedPrecondition("x"), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.ResourceExhausted("x"), grpc.StatusCode.RESOURCE_EXHAUSTED),
        (errors.Unauthenticated("x"), grpc.StatusCode.UNAUTHENTICATED),
        (errors.PermissionDenied("x"), grpc.StatusCode.PERMISSION_DENIED),
        (DeadlineExceeded("x"), grpc.StatusCode.DEADLINE_EXCEEDED),
        (StoreUnavailable("x"), grpc.StatusCode.UNAVAILABLE),
        (errors.ToolTimeout("x"), grpc.StatusCode.DEADLINE_EXCEEDED),
        (errors.ToolError("x"), grpc.StatusCode.INTERNAL),
        (errors.PolicyError("x"), grpc.StatusCode.INTERNAL),
        (errors.ProofboxError("x"), grpc.StatusCode.INTERNAL),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else v.name,
)
def test_status_mapping(error: errors.ProofboxError, code: grpc.StatusCode) -> None:
    assert status_for(error) is code


def test_result_ids_sort_by_creation_even_within_a_millisecond() -> None:
    from server.ids import new_result_id

    ids = [new_result_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(len(i) == len(ids[0]) and i.startswith("res_") for i in ids)
