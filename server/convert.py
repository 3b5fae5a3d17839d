"""proofbox.v1 messages <-> the domain types of ``disputes`` and ``evidence``.

Cases travel as dicts in the JSON form ``disputes`` defines (``DisputeCase.from_dict`` validates
and names the offending field); results use their own ``to_dict``; the evidence core's frozen
dataclasses are flattened generically. :mod:`proofbox.codec` maps dict keys and enum names onto the
messages. ``tests/server/test_contract.py`` proves the field names stay identical on both sides.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from google.protobuf import timestamp_pb2

import disputes
from disputes import Deadline, DisputeCase, Eligibility, Prediction
from evidence.errors import InvalidInput
from evidence.model import Assessment, PhotoFacts, VideoFacts
from proofbox.codec import CodecError, enum_prefix, message_to_plain, plain_to_message
from proofbox.v1 import assessment_pb2, cases_pb2, evidence_pb2, prediction_pb2

__all__ = [
    "assessment_to_proto",
    "canonical_case",
    "case_from_json",
    "case_from_proto",
    "case_proto_from_json",
    "deadline_to_proto",
    "eligibility_to_proto",
    "model_plain",
    "photo_facts_to_proto",
    "prediction_to_proto",
    "timestamp_or_none",
    "video_facts_to_proto",
]


def _reprefix(error: InvalidInput, prefix: str) -> InvalidInput:
    """The same error with its field path seen from the request (``case.timeline.x``)."""
    raw = error.message.removeprefix(f"{error.field}: ") if error.field else error.message
    field = f"{prefix}.{error.field}" if error.field else prefix
    return InvalidInput(raw, field=field, code=error.code)


def case_from_proto(message: cases_pb2.DisputeCase, field: str = "case") -> DisputeCase:
    """Validate a case message through ``disputes.from_dict``; errors name ``case.<path>``."""
    try:
        return disputes.from_dict(message_to_plain(message))
    except InvalidInput as exc:
        raise _reprefix(exc, field) from None


def canonical_case(case: DisputeCase) -> tuple[str, str]:
    """The case's canonical JSON (sorted keys, UTC times) and its SHA-256: equal content, equal hash."""
    plain = message_to_plain(plain_to_message(case.to_dict(), cases_pb2.DisputeCase()))
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def case_from_json(content: str) -> DisputeCase:
    return disputes.from_dict(json.loads(content))


def case_proto_from_json(content: str) -> cases_pb2.DisputeCase:
    return plain_to_message(json.loads(content), cases_pb2.DisputeCase())


def order_from_proto(message: cases_pb2.Order) -> dict[str, Any]:
    return message_to_plain(message)


def timestamp_or_none(holder: Any, name: str) -> datetime | None:
    """``holder.name`` as an aware datetime, or None when the Timestamp field is unset."""
    if not holder.HasField(name):
        return None
    value: datetime = getattr(holder, name).ToDatetime(tzinfo=UTC)
    return value


def model_plain(value: Any) -> Any:
    """An evidence-core value as plain data: dataclasses to dicts (None fields dropped), enums to
    their values, datetimes to ISO strings, (x, y) corner tuples to points."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None:
                continue
            if f.name == "position":  # BarcodeRead corners
                out[f.name] = [{"x": int(x), "y": int(y)} for x, y in item]
            else:
                out[f.name] = model_plain(item)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): model_plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [model_plain(v) for v in value]
    return value


# --- dataclass -> message without an intermediate dict (results are converted on every call) ---------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SCALAR, _STRING, _ENUM, _TIME, _MESSAGE, _LIST, _ENUMS, _MESSAGES, _TIMES, _MAP, _POINTS = range(11)


def _timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    delta = value - _EPOCH
    return timestamp_pb2.Timestamp(
        seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000
    )


def _enum_table(descriptor: Any) -> dict[str, int]:
    prefix = enum_prefix(descriptor)
    return {v.name[len(prefix) :]: v.number for v in descriptor.values if v.number}


@functools.cache
def _plan(cls: type, message_cls: Any) -> tuple[tuple[str, int, Any], ...]:
    """How to fill each field of ``message_cls`` from a ``cls`` instance (derived from the descriptor)."""
    steps: list[tuple[str, int, Any]] = []
    for f in dataclasses.fields(cls):
        fd = message_cls.DESCRIPTOR.fields_by_name[f.name]
        sub = fd.message_type
        if sub is not None and sub.GetOptions().map_entry:
            steps.append((f.name, _MAP, None))
        elif sub is not None and sub.full_name == "proofbox.v1.Point":
            steps.append((f.name, _POINTS, sub._concrete_class))
        elif sub is not None and sub.full_name == "google.protobuf.Timestamp":
            steps.append((f.name, _TIMES if fd.is_repeated else _TIME, None))
        elif sub is not None:
            steps.append((f.name, _MESSAGES if fd.is_repeated else _MESSAGE, sub._concrete_class))
        elif fd.enum_type is not None:
            steps.append((f.name, _ENUMS if fd.is_repeated else _ENUM, _enum_table(fd.enum_type)))
        elif fd.is_repeated:
            steps.append((f.name, _LIST, None))
        elif fd.type == fd.TYPE_STRING:
            steps.append((f.name, _STRING, None))
        else:
            steps.append((f.name, _SCALAR, None))
    return tuple(steps)


def _enum_key(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value).upper()


def to_message(obj: Any, message_cls: Any) -> Any:
    """A frozen dataclass as ``message_cls``, field for field (names must match; see test_contract)."""
    kwargs: dict[str, Any] = {}
    plan: Any = _plan
    for name, kind, extra in plan(type(obj), message_cls):
        value = getattr(obj, name)
        if value is None:
            continue
        if kind == _SCALAR:
            kwargs[name] = value
        elif kind == _STRING:
            kwargs[name] = (
                value
                if isinstance(value, str)
                else f"{value:.2f}"
                if isinstance(value, Decimal)
                else str(value)
            )
        elif kind == _ENUM:
            kwargs[name] = extra[_enum_key(value)]
        elif kind == _TIME:
            kwargs[name] = _timestamp(value)
        elif kind == _MESSAGE:
            kwargs[name] = to_message(value, extra)
        elif kind == _MESSAGES:
            kwargs[name] = [to_message(v, extra) for v in value]
        elif kind == _ENUMS:
            kwargs[name] = sorted(extra[_enum_key(v)] for v in value)
        elif kind == _TIMES:
            kwargs[name] = [_timestamp(v) for v in value]
        elif kind == _LIST:
            kwargs[name] = list(value)
        elif kind == _MAP:
            kwargs[name] = dict(value)
        else:  # _POINTS
            kwargs[name] = [extra(x=int(x), y=int(y)) for x, y in value]
    return message_cls(**kwargs)


def _fill(plain: Mapping[str, Any], message: Any) -> Any:
    try:
        return plain_to_message(plain, message)
    except CodecError as exc:  # a model value the API cannot carry: a server bug, not bad input
        raise TypeError(f"cannot convert to {message.DESCRIPTOR.full_name}: {exc}") from exc


def video_facts_to_proto(facts: VideoFacts) -> evidence_pb2.VideoFacts:
    result: evidence_pb2.VideoFacts = to_message(facts, evidence_pb2.VideoFacts)
    return result


def photo_facts_to_proto(facts: PhotoFacts) -> evidence_pb2.PhotoFacts:
    result: evidence_pb2.PhotoFacts = to_message(facts, evidence_pb2.PhotoFacts)
    return result


def assessment_to_proto(assessment: Assessment) -> assessment_pb2.Assessment:
    result: assessment_pb2.Assessment = to_message(assessment, assessment_pb2.Assessment)
    return result


def prediction_to_proto(prediction: Prediction) -> prediction_pb2.Prediction:
    result: prediction_pb2.Prediction = to_message(prediction, prediction_pb2.Prediction)
    return result


def deadline_to_proto(deadline: Deadline) -> prediction_pb2.Deadline:
    result: prediction_pb2.Deadline = to_message(deadline, prediction_pb2.Deadline)
    return result


def eligibility_to_proto(eligibility: Eligibility) -> prediction_pb2.Eligibility:
    result: prediction_pb2.Eligibility = to_message(eligibility, prediction_pb2.Eligibility)
    return result
