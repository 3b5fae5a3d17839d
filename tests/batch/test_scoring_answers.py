"""Batch re-scoring answers the issue #14 questions as the RPCs do: freight, the facts that would
settle a review, and the buyer's side of a re-opened entry (without media)."""

from __future__ import annotations

import json
from datetime import datetime

import disputes
from batch.archive import RawRecord
from batch.scoring import Scorer, ScoringOptions
from tests.disputes.helpers import case_data, evidence

AT = datetime.fromisoformat("2024-11-20T12:00:00+08:00")


def _score(case: dict) -> dict:
    line = json.dumps({"record_id": "R1", "case": case}, ensure_ascii=False)
    return Scorer(ScoringOptions(at=AT)).score(RawRecord(1, line))


def test_rescoring_matches_predict_on_freight_and_review() -> None:
    case = case_data(
        "tmall",
        {
            "claim": {"reason": "no_reason_7_day"},
            "goods": {"resaleable": True},
            "merchant": {"refusal_reason": "returned_swapped"},
            "evidence": evidence(consistency="inconclusive"),
            "timeline": {
                "return_shipped_at": "2024-11-11T10:00:00+08:00",
                "return_signed_at": "2024-11-13T10:00:00+08:00",
                "evidence_deadline": "2024-11-18T12:00:00+08:00",
                "evidence_submitted_at": "2024-11-14T09:00:00+08:00",
            },
        },
    )
    result = _score(case)
    expected = disputes.predict(disputes.from_dict(case), at=AT)
    assert result["status"] == "ok" and result["outcome"] == expected.outcome.value == "NEEDS_REVIEW"
    assert (
        result["missing_facts"] == list(expected.missing_facts)
        and "evidence.consistency" in result["missing_facts"]
    )
    assert result["review_reasons"] == list(expected.review_reasons)
    assert expected.freight is not None
    assert result["freight"] == {"payer": expected.freight.payer, "rule_id": expected.freight.rule_id}
    assert "buyer_may_apply" not in result  # the entry was never re-opened


def test_rescoring_answers_the_buyers_side_of_a_reopened_entry() -> None:
    case = case_data(
        "tmall", {"order": {"entry_reopens": 1, "entry_reopened_at": ["2024-11-05T10:00:00+08:00"]}}
    )
    result = _score(case)
    assert result["status"] == "ok", result
    assert result["buyer_may_apply"] == "ELIGIBLE"
    assert "tmall.reopen.grant" in result["buyer_may_apply_rules"]
    assert result["buyer_may_apply_reasons"]


def test_rescoring_answers_douyins_in_period_cap_for_an_order_never_reopened() -> None:
    times = [f"2024-11-0{d}T10:00:00+08:00" for d in range(5, 10)]
    case = case_data(
        "douyin",
        {
            "order": {"trade_succeeded_at": "2024-11-05T08:00:00+08:00", "after_sales_requested_at": times},
            "timeline": {
                "requested_at": "2024-11-09T10:00:00+08:00",
                "merchant_responded_at": "2024-11-09T12:00:00+08:00",
                "merchant_refused_at": "2024-11-09T12:00:00+08:00",
            },
        },
    )
    result = Scorer(ScoringOptions(at=datetime.fromisoformat("2024-11-10T12:00:00+08:00"))).score(
        RawRecord(1, json.dumps({"record_id": "R2", "case": case}, ensure_ascii=False))
    )
    assert result["status"] == "ok", result
    assert result["buyer_may_apply"] == "INELIGIBLE"
    assert "douyin.reopen.application_limit" in result["buyer_may_apply_rules"]
