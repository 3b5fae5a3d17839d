"""proofbox.v1 messages <-> the domain types of ``disputes`` and ``evidence``.

Cases arrive as messages (from a request, or from the canonical JSON the store keeps, read by
:mod:`proofbox.jsonform`) and become validated :class:`disputes.DisputeCase` objects through
:func:`disputes.wire.from_message`, whose errors name the offending field. Results and the evidence
core's frozen dataclasses become messages field for field (:func:`disputes.wire.to_message`).
``tests/server/test_contract.py`` proves the field names stay identical on both sides.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from disputes import (
    Actor,
    BuyerApplication,
    Deadline,
    DisputeCase,
    ElementSummary,
    Eligibility,
    EvidenceSummary,
    Order,
    Prediction,
)
from disputes.wire import from_message, read_timestamp, to_message
from evidence.errors import InvalidInput
from evidence.model import Assessment, PhotoFacts, Verdict, VideoFacts
from proofbox.jsonform import JsonFormError, canonical_json, parse_text
from proofbox.v1 import assessment_pb2, cases_pb2, evidence_pb2, prediction_pb2

__all__ = [
    "actor_from_proto",
    "assessment_to_proto",
    "canonical_case",
    "case_from_json",
    "case_from_proto",
    "case_proto_from_json",
    "deadline_to_proto",
    "eligibility_to_proto",
    "evidence_summary_from_proto",
    "model_plain",
    "order_from_proto",
    "photo_facts_to_proto",
    "prediction_to_proto",
    "timestamp_or_none",
    "video_facts_to_proto",
]


def case_from_proto(message: cases_pb2.DisputeCase, field: str = "case") -> DisputeCase:
    """Validate a case message; errors name ``case.<path>``."""
    try:
        return from_message(DisputeCase, message, field)
    except InvalidInput as exc:
        if exc.field == field or exc.field.startswith(f"{field}."):
            raise
        # the model's own checks name paths within the case: say where they are in the request
        raw = exc.message.removeprefix(f"{exc.field}: ") if exc.field else exc.message
        raise InvalidInput(raw, field=f"{field}.{exc.field}" if exc.field else field, code=exc.code) from None


def canonical_case(case: DisputeCase) -> tuple[str, str]:
    """The case's canonical JSON (the proto JSON mapping, sorted keys, UTC times) and its SHA-256:
    equal content, equal hash."""
    text = canonical_json(to_message(case, cases_pb2.DisputeCase))
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def case_proto_from_json(content: str) -> cases_pb2.DisputeCase:
    """A stored case's message (any spelling :mod:`proofbox.jsonform` reads, so older rows too)."""
    try:
        return parse_text(content, cases_pb2.DisputeCase())
    except JsonFormError as exc:
        raise InvalidInput(exc.reason, field=f"case.{exc.field}" if exc.field else "case") from None


def case_from_json(content: str) -> DisputeCase:
    return case_from_proto(case_proto_from_json(content))


def evidence_summary_from_proto(assessment: assessment_pb2.Assessment) -> EvidenceSummary:
    """A stored assessment reduced to the four verdicts prediction uses (as ``from_assessment``)."""
    names = {
        assessment_pb2.ELEMENT_CONSISTENCY: "consistency",
        assessment_pb2.ELEMENT_COMPLETENESS: "completeness",
        assessment_pb2.ELEMENT_VALIDITY: "validity",
        assessment_pb2.ELEMENT_TIMELINESS: "timeliness",
    }
    verdicts = {
        assessment_pb2.VERDICT_PASS: Verdict.PASS,
        assessment_pb2.VERDICT_FAIL: Verdict.FAIL,
        assessment_pb2.VERDICT_INCONCLUSIVE: Verdict.INCONCLUSIVE,
    }
    parts: dict[str, ElementSummary] = {}
    for element in assessment.elements:
        name = names.get(element.element)
        if name is not None and element.verdict in verdicts:
            parts[name] = ElementSummary(
                verdict=verdicts[element.verdict],
                score=min(1.0, max(0.0, element.score)),
                findings=tuple(f.code for f in element.findings),
            )
    missing = [n for n in names.values() if n not in parts]
    if missing:
        raise InvalidInput(
            "the stored assessment has no result for this element; assess the evidence again",
            field=f"evidence.{missing[0]}",
        )
    return EvidenceSummary(analyser_version=assessment.analyser_version, **parts)


def order_from_proto(message: cases_pb2.Order) -> Order:
    return from_message(Order, message, "order")


def actor_from_proto(message: cases_pb2.Actor) -> Actor:
    return from_message(Actor, message, "actor")


def timestamp_or_none(holder: Any, name: str) -> datetime | None:
    """``holder.name`` as an aware datetime (checked by :func:`disputes.wire.read_timestamp`: out of
    range is INVALID_ARGUMENT naming the field), or None when the Timestamp field is unset."""
    if not holder.HasField(name):
        return None
    return read_timestamp(getattr(holder, name), name)


def model_plain(value: Any) -> Any:
    """An evidence-core value as plain data: dataclasses to dicts (None fields dropped), enums to
    their values, datetimes to ISO strings, (x, y) corner tuples to points."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None or f.metadata.get("proto") is False:
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


def buyer_application_to_proto(answer: BuyerApplication) -> prediction_pb2.BuyerApplication:
    result: prediction_pb2.BuyerApplication = to_message(answer, prediction_pb2.BuyerApplication)
    return result
