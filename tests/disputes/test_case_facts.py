"""Rules that read the case facts of issue #14 (grounds, reasons, statuses, times), end to end through
``predict``; each rule's own fire/quiet examples live in its pack entry (tests/disputes/test_rules.py)."""

from __future__ import annotations

from typing import Any

import disputes
from disputes import Outcome

from .helpers import AT, case_data


def _predict(platform: str, patch: dict[str, Any]) -> disputes.Prediction:
    return disputes.predict(disputes.from_dict(case_data(platform, patch)), at=AT)


def test_the_arrival_window_counts_from_the_day_the_trade_closed() -> None:
    # seed 003 一.7 「自关闭状态之日起半个月内」: closed 2024-11-01, so a request on 11-10 is in time even
    # though trade success (2024-10-20) was more than 15 days before
    patch: dict[str, Any] = {
        "order": {
            "created_at": "2024-10-10T10:00:00+08:00",
            "paid_at": "2024-10-10T10:05:00+08:00",
            "trade_succeeded_at": "2024-10-20T10:00:00+08:00",
            "guarantees": ["arrival_commitment"],
        },
        "logistics": {"arrived_late": True},
        "timeline": {
            "shipped_at": "2024-10-11T09:00:00+08:00",
            "buyer_signed_at": "2024-10-14T15:00:00+08:00",
        },
    }
    without = _predict("taobao", patch)
    assert without.deadline("arrival_claim_end") is not None
    assert "taobao.guarantee.arrival" not in without.rule_ids
    patch["order"]["closed_at"] = "2024-11-01T10:00:00+08:00"
    closed = _predict("taobao", patch)
    due = closed.deadline("arrival_claim_end")
    assert (
        due is not None
        and due.start == "order.closed_at"
        and due.rule_id == "taobao.guarantee.arrival_window_closed"
    )
    assert "taobao.guarantee.arrival" in closed.rule_ids


def test_receipt_confirmed_is_no_ground_against_a_quality_claim() -> None:
    base = {"claim": {"reason": "quality"}}
    plain = _predict("tmall", base)
    refused = _predict("tmall", {**base, "merchant": {"refusal_reason": "receipt_confirmed"}})
    assert "refusal.receipt_confirmed.not_a_ground" in refused.rule_ids
    assert refused.merchant_probability < plain.merchant_probability


def test_an_official_activity_failure_favours_the_buyer_without_points() -> None:
    p = _predict(
        "tmall", {"claim": {"reason": "official_activity"}, "merchant": {"violated_official_activity": True}}
    )
    assert "points.official_activity.reason" in p.rule_ids and p.penalty_points == 0
    assert p.outcome is not Outcome.MERCHANT_FAVORED


def test_the_courier_time_counts_not_the_merchants_mark() -> None:
    p = _predict(
        "tmall",
        {
            "timeline": {
                "marked_shipped_at": "2024-11-04T10:00:00+08:00",
                "shipped_at": "2024-11-04T10:05:01+08:00",
            }
        },
    )
    assert {"tmall.shipping.courier_time_counts", "tmall.shipping.late"} <= p.rule_ids
    assert "CHECK_COURIER_RECORD" in {a.code for a in p.actions}


def test_interception_result_time_starts_the_refund() -> None:
    p = _predict(
        "tmall",
        {
            "claim": {"kind": "refund_only"},
            "logistics": {"interception": "succeeded"},
            "timeline": {"buyer_signed_at": None, "interception_result_at": "2024-11-03T10:00:00+08:00"},
        },
    )
    due = p.deadline("refund_after_interception")
    assert due is not None and due.party == "merchant" and due.passed
