"""An INCONCLUSIVE evidence element that could move P(merchant) across 0.5 means NEEDS_REVIEW with
the element named (issue #14), however low or high the probability is otherwise."""

from __future__ import annotations

from disputes import Outcome, load_pack, predict

from .helpers import AT, evidence, make_case

SWAP = {
    "merchant": {"refusal_reason": "returned_swapped"},
    "timeline": {
        "return_shipped_at": "2024-11-11T10:00:00+08:00",
        "return_signed_at": "2024-11-13T10:00:00+08:00",
        "evidence_deadline": "2024-11-18T12:00:00+08:00",
        "evidence_submitted_at": "2024-11-14T09:00:00+08:00",
    },
}
# a no-reason return inside 7 days with resaleable goods: -3 for the buyer; a valid video adds +4
NO_REASON_IN_TIME = {"claim": {"reason": "no_reason_7_day"}, "goods": {"resaleable": True}}


def _predict(patch: dict) -> object:
    return predict(make_case("tmall", patch), load_pack("tmall"), at=AT)


def test_an_inconclusive_element_that_could_flip_the_outcome_means_review() -> None:
    p = predict(
        make_case("tmall", {**SWAP, **NO_REASON_IN_TIME, "evidence": evidence(consistency="inconclusive")}),
        load_pack("tmall"),
        at=AT,
    )
    assert p.merchant_probability < 0.1  # below the review band: the old rule let it through
    assert p.outcome is Outcome.NEEDS_REVIEW
    assert "evidence.consistency" in p.missing_facts
    assert any("evidence.consistency is INCONCLUSIVE; as PASS" in r for r in p.review_reasons), (
        p.review_reasons
    )
    assert p.evidence_used


def test_several_inconclusive_elements_are_tried_together() -> None:
    ev = evidence(consistency="inconclusive", timeliness="inconclusive")
    p = predict(make_case("tmall", {**SWAP, **NO_REASON_IN_TIME, "evidence": ev}), load_pack("tmall"), at=AT)
    assert p.outcome is Outcome.NEEDS_REVIEW
    assert {"evidence.consistency", "evidence.timeliness"} <= set(p.missing_facts)
    assert any("evidence.consistency and evidence.timeliness are INCONCLUSIVE" in r for r in p.review_reasons)


def test_an_inconclusive_element_that_cannot_flip_the_outcome_does_not() -> None:
    """Abuse (-5) decides whatever the video shows: no review for the element."""
    patch = {
        **SWAP,
        **NO_REASON_IN_TIME,
        "merchant": {"refusal_reason": "returned_swapped", "abused_buyer": True},
        "evidence": evidence(consistency="inconclusive"),
    }
    p = predict(make_case("tmall", patch), load_pack("tmall"), at=AT)
    assert p.outcome is Outcome.BUYER_FAVORED
    assert "evidence.consistency" not in p.missing_facts


def test_a_fail_that_could_flip_a_merchant_win_also_means_review() -> None:
    """The merchant wins on other grounds (+4 after-sales period over); a FAIL would cost it -3 -1."""
    patch = {
        **SWAP,
        "order": {
            "created_at": "2024-10-01T10:00:00+08:00",
            "paid_at": None,
            "trade_succeeded_at": "2024-10-20T10:00:00+08:00",
        },
        "timeline": {
            **SWAP["timeline"],
            "shipped_at": "2024-10-02T10:00:00+08:00",
            "buyer_signed_at": "2024-10-04T10:00:00+08:00",
        },
        "evidence": evidence(validity="inconclusive"),
    }
    p = predict(make_case("tmall", patch), load_pack("tmall"), at=AT)
    assert "timing.after_sales_expired" in p.rule_ids
    assert p.merchant_probability > 0.5
    assert p.outcome is Outcome.NEEDS_REVIEW
    assert any("evidence.validity is INCONCLUSIVE; as FAIL" in r for r in p.review_reasons), p.review_reasons


def test_all_pass_evidence_is_untouched() -> None:
    p = predict(
        make_case("tmall", {**SWAP, **NO_REASON_IN_TIME, "evidence": evidence()}), load_pack("tmall"), at=AT
    )
    assert not any("INCONCLUSIVE" in r for r in p.review_reasons)
