"""The case model: JSON round trip, validation with exact field paths, evidence hand-off."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from disputes import (
    Actor,
    ClaimReason,
    DisputeCase,
    EvidenceSummary,
    Guarantee,
    Order,
    Platform,
    RefusalReason,
    evidence_facts,
    from_dict,
)
from disputes.synthetic import generate_cases
from evidence.errors import InvalidInput
from evidence.model import Assessment, Element, ElementResult, Finding, Severity, Verdict

from .helpers import BASE, case_data, evidence, make_case


def test_round_trip_is_exact_and_json_ready() -> None:
    data = case_data(
        "taobao",
        {
            "order": {
                "guarantees": ["shipping_time_commitment", "damage_reship"],
                "item_codes": ["6901234567892"],
            },
            "merchant": {"refusal_reason": "returned_swapped", "problem_time_s": 12.5, "abused_buyer": True},
            "evidence": evidence(validity="inconclusive"),
            "as_of": "2024-11-20T04:00:00+00:00",
        },
    )
    case = from_dict(data)
    wire = case.to_dict()
    assert json.loads(json.dumps(wire, ensure_ascii=False)) == wire
    assert from_dict(wire) == case
    assert wire["order"]["amount"] == "199.00"
    assert wire["order"]["guarantees"] == [  # by number, as the proto enum lists them
        "GUARANTEE_SHIPPING_TIME_COMMITMENT",
        "GUARANTEE_DAMAGE_RESHIP",
    ]
    assert wire["claim"]["complaint"] == "COMPLAINT_NONE"
    assert wire["evidence"]["validity"]["verdict"] == "VERDICT_INCONCLUSIVE"
    assert wire["as_of"] == "2024-11-20T04:00:00Z"  # RFC 3339 in UTC, as the proto JSON mapping writes it
    assert wire["timeline"]["shipped_at"] == "2024-11-02T01:00:00Z"


def test_synthetic_cases_round_trip() -> None:
    for case in generate_cases(200, seed=7):
        assert from_dict(json.loads(json.dumps(case.to_dict()))) == case


def test_the_wire_form_is_the_proto_json_mapping() -> None:
    wire = make_case().to_dict()
    assert wire["platform"] == "PLATFORM_TMALL"
    assert wire["claim"]["kind"] == "CLAIM_KIND_RETURN_AND_REFUND"
    assert wire["ticket"]["status"] == "TICKET_STATUS_MERCHANT_REFUSED"


def test_camel_case_names_and_enum_spellings_are_all_accepted() -> None:
    from google.protobuf import json_format

    from disputes.wire import to_message

    case = make_case(patch={"logistics": {"return_tracking_number": "SF1"}, "claim": {"amount": "10.00"}})
    message = to_message(case)
    camel = json.loads(json_format.MessageToJson(message))
    assert "caseId" in camel and "returnTrackingNumber" in camel["logistics"]
    snake = json.loads(json_format.MessageToJson(message, preserving_proto_field_name=True))
    numbers = json_format.MessageToDict(message, use_integers_for_enums=True)
    for data in (camel, snake, numbers, case.to_dict()):
        assert from_dict(data) == case
    short = {**snake, "platform": "tmall", "claim": {**snake["claim"], "kind": "Return_And_Refund"}}
    assert from_dict(short) == case
    with pytest.raises(InvalidInput) as info:
        from_dict({**snake, "caseId": "other"})
    assert info.value.field == "caseId" and "twice" in str(info.value)


def test_money_accepts_numbers_and_strings_to_the_fen() -> None:
    assert make_case(patch={"order": {"amount": 19.9}}).order.amount == Decimal("19.90")
    assert make_case(patch={"order": {"amount": 20}}).order.amount == Decimal("20.00")


@pytest.mark.parametrize(
    ("patch", "field", "words"),
    [
        (
            {"timeline": {"buyer_signed_at": "2024-11-01T09:00:00+08:00"}},
            "timeline.buyer_signed_at",
            "before",
        ),
        ({"timeline": {"shipped_at": None}}, "timeline.buyer_signed_at", "shipped_at is missing"),
        ({"order": {"amount": "-1"}}, "order.amount", "negative"),
        ({"order": {"amount": "1.001"}}, "order.amount", "two decimal places"),
        ({"order": {"amount": "abc"}}, "order.amount", "decimal"),
        ({"order": {"amount": True}}, "order.amount", "amount"),
        ({"claim": {"reason": "qualty"}}, "claim.reason", "did you mean 'quality'"),
        ({"claim": {"kind": "refund"}}, "claim.kind", "unknown value"),
        ({"platform": "jd"}, "platform", "tmall"),
        ({"timeline": {"requested_at": "2024-11-10T10:00:00"}}, "timeline.requested_at", "no UTC offset"),
        ({"timeline": {"requested_at": "yesterday"}}, "timeline.requested_at", "ISO 8601"),
        ({"order": {"created_at": 5}}, "order.created_at", "ISO 8601"),
        ({"ticket": {"colour": "red"}}, "ticket.colour", "unknown field"),
        ({"ticket": {"statsu": "closed"}}, "ticket.statsu", "did you mean 'status'"),
        ({"claim": {"amount": "500.00"}}, "claim.amount", "exceeds"),
        ({"claim": {"complaint_withdrawn": True}}, "claim.complaint_withdrawn", "no complaint"),
        ({"goods": {"mismatch_severity": "minor"}}, "goods.mismatch_severity", "not_as_described"),
        (
            {"logistics": {"refusal_had_reason": True}},
            "logistics.refusal_had_reason",
            "buyer_refused_delivery",
        ),
        ({"order": {"paid_at": "2024-10-01T10:00:00+08:00"}}, "order.paid_at", "before"),
        ({"order": {"entry_reopens": -1}}, "order.entry_reopens", "0 to 10000"),
        ({"order": {"protection_period_days": 0}}, "order.protection_period_days", "1 to 3650"),
        ({"order": {"currency": "rmb"}}, "order.currency", "ISO 4217"),
        ({"order": {"guarantees": ["damage_reship", "damage_reship"]}}, "order.guarantees", "twice"),
        ({"order": {"guarantees": ["gold"]}}, "order.guarantees[0]", "unknown value"),
        ({"merchant": {"abused_buyer": "yes"}}, "merchant.abused_buyer", "true or false"),
        ({"as_of": "2024-11-09T00:00:00+08:00"}, "timeline.requested_at", "after the snapshot"),
        (
            {"evidence": {**evidence(), "validity": {"verdict": "pass", "score": 1.5}}},
            "evidence.validity.score",
            "[0, 1]",
        ),
        ({"evidence": {"consistency": {"verdict": "pass"}}}, "evidence.completeness", "required"),
        ({"case_id": ""}, "case_id", "empty"),
        ({"order": {"protection_period_days": 10**9}}, "order.protection_period_days", "1 to 3650"),
        ({"order": {"return_commitment_days": 4000}}, "order.return_commitment_days", "1 to 3650"),
        ({"order": {"entry_reopens": 10**7}}, "order.entry_reopens", "0 to 10000"),
        ({"order": {"amount": "1" + "0" * 30}}, "order.amount", "check the unit"),
        (
            {"timeline": {"requested_at": "9999-12-31T00:00:00+08:00"}},
            "timeline.requested_at",
            "check the year",
        ),
        ({"order": {"created_at": "1970-01-01T00:00:00+00:00"}}, "order.created_at", "check the year"),
        ({"merchant": {"problem_time_s": -1}}, "merchant.problem_time_s", "non-negative"),
        # issue #14 additions
        ({"claim": {"kind": "rule_complaint"}}, "claim.complaint", "needs the complaint"),
        (
            {"order": {"entry_reopens": 2, "entry_reopened_at": ["2024-11-08T10:00:00+08:00"]}},
            "order.entry_reopened_at",
            "give every time or none",
        ),
        (
            {"order": {"after_sales_requested_at": ["2024-10-31T10:00:00+08:00"]}},
            "order.after_sales_requested_at[0]",
            "before order.created_at",
        ),
        (
            {"order": {"entry_reopened_at": ["2024-11-08T10:00:00"]}},
            "order.entry_reopened_at[0]",
            "UTC offset",
        ),
        ({"order": {"closed_at": "2024-10-31T10:00:00+08:00"}}, "order.closed_at", "before"),
        (
            {"timeline": {"interception_result_at": "2024-11-03T10:00:00+08:00"}},
            "timeline.interception_result_at",
            "succeeded or failed",
        ),
        (
            {
                "timeline": {"interception_result_at": "2024-11-01T10:00:00+08:00"},
                "logistics": {"interception": "failed"},
            },
            "timeline.interception_result_at",
            "before",
        ),
        ({"timeline": {"refunded_at": "2024-11-09T10:00:00+08:00"}}, "timeline.refunded_at", "before"),
        (
            {"timeline": {"marked_shipped_at": "2024-10-09T10:00:00+08:00"}},
            "timeline.marked_shipped_at",
            "before",
        ),
    ],
)
def test_malformed_or_contradictory_cases_name_the_field(
    patch: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        make_case(patch=patch)
    assert info.value.field == field
    assert words in str(info.value)
    assert info.value.code == "INVALID_ARGUMENT"


def test_missing_required_sections_are_named() -> None:
    data = {k: v for k, v in BASE.items() if k != "ticket"}
    with pytest.raises(InvalidInput) as info:
        from_dict(data)
    assert info.value.field == "ticket"
    with pytest.raises(InvalidInput) as info:
        from_dict([1, 2])  # type: ignore[arg-type]
    assert info.value.field == "case"


def test_programmatic_construction_rejects_naive_datetimes() -> None:
    good = make_case()
    with pytest.raises(InvalidInput) as info:
        Order(order_id="x", amount=Decimal("1.00"), created_at=datetime(2024, 1, 1))
    assert info.value.field == "order.created_at"
    with pytest.raises(InvalidInput) as info:
        DisputeCase(**{**good.__dict__, "as_of": datetime(2024, 12, 1)})
    assert info.value.field == "as_of"


def test_parts_round_trip_on_their_own() -> None:
    order = Order.from_dict({"order_id": "A", "amount": "5", "created_at": "2024-01-01T00:00:00Z"}, "order")
    assert order.created_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert Order.from_dict(order.to_dict(), "order") == order
    assert Actor.from_dict({"kind": "sub_account"}, "actor").refund_permission is False


def test_evidence_facts_carry_what_the_evidence_core_needs() -> None:
    case = make_case(
        patch={
            "order": {"item_codes": ["6901234567892"]},
            "merchant": {"refusal_reason": "returned_swapped", "problem_time_s": 31.0},
            "logistics": {"return_tracking_number": "SF123"},
            "timeline": {
                "return_shipped_at": "2024-11-11T10:00:00+08:00",
                "return_signed_at": "2024-11-13T10:00:00+08:00",
                "evidence_deadline": "2024-11-18T10:00:00+08:00",
                "evidence_submitted_at": "2024-11-14T10:00:00+08:00",
            },
        }
    )
    facts = evidence_facts(case)
    assert facts.return_tracking_number == "SF123"
    assert facts.return_signed_at == case.timeline.return_signed_at
    assert facts.evidence_deadline == case.timeline.evidence_deadline
    assert facts.evidence_submitted_at == case.timeline.evidence_submitted_at
    assert facts.claimed_problem == "swapped"
    assert facts.claimed_problem_time_s == 31.0
    assert facts.expected_item_codes == ("6901234567892",)
    assert evidence_facts(
        make_case(patch={"merchant": {"refusal_reason": "returned_damaged"}})
    ).claimed_problem == ("damaged")
    assert evidence_facts(make_case()).claimed_problem is None


def _assessment(verdicts: dict[Element, Verdict]) -> Assessment:
    return Assessment(
        elements=tuple(
            ElementResult(
                element=e,
                verdict=v,
                score=1.0 if v is Verdict.PASS else 0.2,
                findings=(Finding(code=f"{e.value}_X", element=e, severity=Severity.INFO, message="m"),),
            )
            for e, v in verdicts.items()
        ),
        video=None,
        photos=(),
        analyser_version="test-1",
    )


def test_evidence_summary_from_assessment() -> None:
    verdicts = dict.fromkeys(Element, Verdict.PASS) | {Element.VALIDITY: Verdict.FAIL}
    summary = EvidenceSummary.from_assessment(_assessment(verdicts))
    assert summary.validity.verdict is Verdict.FAIL
    assert summary.any_fail and not summary.all_pass and not summary.any_inconclusive
    assert summary.finding_codes == {"CONSISTENCY_X", "COMPLETENESS_X", "VALIDITY_X", "TIMELINESS_X"}
    assert summary.analyser_version == "test-1"
    partial = {Element.CONSISTENCY: Verdict.PASS}
    with pytest.raises(InvalidInput) as info:
        EvidenceSummary.from_assessment(_assessment(partial))
    assert info.value.field == "evidence.completeness"


def test_defaults_mean_not_established_or_unknown() -> None:
    case = make_case()
    assert case.merchant.refusal_reason is RefusalReason.NONE
    assert case.merchant.abused_buyer is False  # not established
    assert case.goods.resaleable is None  # unknown
    assert case.claim.reason is ClaimReason.OTHER
    assert case.platform is Platform.TMALL
    assert Guarantee.THREE_GUARANTEES not in case.order.guarantees
    assert case.ticket.in_refund


def test_as_of_may_precede_the_evidence_deadline_only() -> None:
    case = make_case(
        patch={
            "as_of": "2024-11-12T00:00:00+08:00",
            "timeline": {"evidence_deadline": "2024-11-15T00:00:00+08:00"},
        }
    )
    assert case.as_of is not None and case.timeline.evidence_deadline is not None
    assert case.timeline.evidence_deadline - case.as_of == timedelta(days=3)


def test_new_facts_round_trip() -> None:
    """Issue #14: claim kinds, reasons, statuses, grounds and times the seeds turn on."""
    case = make_case(
        patch={
            "order": {
                "closed_at": "2024-11-25T10:00:00+08:00",
                "entry_reopened_at": ["2024-11-12T10:00:00+08:00", "2024-11-08T10:00:00+08:00"],
                "after_sales_requested_at": ["2024-11-09T10:00:00+08:00"],
            },
            "claim": {
                "kind": "rule_complaint",
                "reason": "official_activity",
                "complaint": "official_activity",
            },
            "ticket": {"status": "awaiting_buyer_confirmation"},
            "timeline": {
                "marked_shipped_at": "2024-11-01T20:00:00+08:00",
                "refunded_at": "2024-11-12T10:00:00+08:00",
                "complaint_filed_at": "2024-11-10T09:00:00+08:00",
            },
            "merchant": {"refusal_reason": "genuine_goods", "late_shipment": True},
        }
    )
    assert case.order.entry_reopens == 2  # filled from the times
    assert case.order.entry_reopened_at == tuple(
        datetime.fromisoformat(t) for t in ("2024-11-08T10:00:00+08:00", "2024-11-12T10:00:00+08:00")
    )  # sorted
    assert case.order.after_sales_requests == 1
    assert from_dict(json.loads(json.dumps(case.to_dict()))) == case
    assert case.ticket.in_refund


def test_event_times_known_none_or_unknown() -> None:
    """No times with a count of 0: known to be none; no times with a positive count: unknown (None)."""
    assert make_case().order.entry_reopened_at == ()
    unknown = make_case(patch={"order": {"entry_reopens": 1, "after_sales_requests": 2}})
    assert unknown.order.entry_reopened_at is None and unknown.order.after_sales_requested_at is None
    assert from_dict(unknown.to_dict()) == unknown


def test_an_order_needs_only_its_id() -> None:
    """Amount and creation time are optional: the rules that need them say so (tests/disputes)."""
    order = Order.from_dict({"order_id": "O-9"}, "order")
    assert order.amount is None and order.created_at is None
    case = make_case(patch={"order": {"amount": None, "created_at": None}})
    assert case.order.amount is None
    assert from_dict(case.to_dict()) == case
