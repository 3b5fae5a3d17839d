"""Facts a caller may not have (issue #14): an order without its amount or creation time still gets
every answer that does not depend on them, and the ones that do name what is missing."""

from __future__ import annotations

from disputes import EligibilityStatus, predict, reopen_eligibility

from .helpers import AT, make_case, make_order


def test_reopen_without_creation_time_names_it_and_keeps_other_denials() -> None:
    unknown = reopen_eligibility(make_order({"created_at": None, "paid_at": None}), "tmall", at=AT)
    assert unknown.status is EligibilityStatus.UNKNOWN
    assert "order.created_at" in unknown.missing_facts
    denied = reopen_eligibility(
        make_order({"created_at": None, "paid_at": None, "entry_reopens": 1}), "tmall", at=AT
    )
    assert denied.status is EligibilityStatus.INELIGIBLE
    assert {d.id for d in denied.denials} == {"tmall.reopen.once"}
    douyin = reopen_eligibility(make_order({"created_at": None, "paid_at": None}), "douyin", at=AT)
    assert douyin.status is EligibilityStatus.UNKNOWN
    assert "order.created_at" in douyin.missing_facts


def test_compensation_without_amount_says_what_is_missing() -> None:
    case = make_case(
        patch={
            "order": {"amount": None},
            "timeline": {"shipped_at": "2024-11-05T09:00:00+08:00", "buyer_signed_at": None},
        }
    )
    p = predict(case, at=AT)
    late = next(c for c in p.compensation if c.rule_id == "tmall.shipping.late")
    assert late.amount is None and "order.amount" in late.note
    assert p.deadline("ship_by") is not None  # counted from paid_at, not from the amount
