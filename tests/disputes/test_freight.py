"""Return freight for every claim (issue #14): who pays, "not applicable" when nothing ships back,
the video deciding freight only when it decides the dispute, and the merchant's misconduct first."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes import ClaimKind, DisputeCase, Outcome, load_pack, predict
from disputes.synthetic import random_case

from .helpers import ALL_PASS, AT, make_case

PACKS = {p: load_pack(p) for p in ("tmall", "taobao", "douyin")}
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PAYERS = {"buyer", "merchant", "split", "not_applicable", "undetermined"}
SHIPPED_BACK = {"timeline": {"return_shipped_at": "2024-11-12T10:00:00+08:00"}}
VALID_SWAP_VIDEO = {
    "claim": {"reason": "quality"},
    "merchant": {"refusal_reason": "returned_swapped"},
    "evidence": ALL_PASS,
    "timeline": {
        "return_shipped_at": "2024-11-11T10:00:00+08:00",
        "return_signed_at": "2024-11-13T10:00:00+08:00",
        "evidence_deadline": "2024-11-18T12:00:00+08:00",
        "evidence_submitted_at": "2024-11-14T09:00:00+08:00",
    },
}


def _nothing_ships_back(case: DisputeCase) -> bool:
    """Written apart from the engine: no return leg exists whatever the outcome."""
    kind, g = case.claim.kind, case.goods
    if kind in (ClaimKind.GUARANTEE_COMPENSATION, ClaimKind.RULE_COMPLAINT):
        return True
    if case.timeline.return_shipped_at is not None:
        return False
    if kind is ClaimKind.REFUND_ONLY and not case.logistics.buyer_refused_delivery:
        return True
    return (
        g.return_freight_exceeds_value
        or g.worthless_after_return
        or g.return_courier_embargo
        or g.unfit_for_return
    )


@SETTINGS
@given(st.randoms(use_true_random=False))
def test_freight_is_not_applicable_whenever_nothing_ships_back(rng: random.Random) -> None:
    case = random_case(rng, rng.randint(0, 10**6))
    p = predict(case, PACKS[case.platform.value])
    assert p.freight is not None and p.freight.payer in PAYERS
    if _nothing_ships_back(case):
        assert p.freight.payer == "not_applicable", (case.claim, p.freight)
    if p.freight.payer in ("buyer", "merchant", "split"):
        assert p.freight.rule_id and p.freight.source.startswith("seed:00"), p.freight


@SETTINGS
@given(st.randoms(use_true_random=False))
def test_no_outcome_names_a_payer_for_a_return_it_refuses(rng: random.Random) -> None:
    case = random_case(rng, rng.randint(0, 10**6))
    p = predict(case, PACKS[case.platform.value])
    refused = (
        p.outcome is Outcome.MERCHANT_FAVORED
        and case.claim.kind in (ClaimKind.RETURN_AND_REFUND, ClaimKind.EXCHANGE)
        and case.timeline.return_shipped_at is None
    )
    if refused:
        assert p.freight is not None and p.freight.payer == "not_applicable", (case.claim, p.freight)


@pytest.mark.parametrize(
    ("patch", "payer", "rule"),
    [
        ({"claim": {"kind": "refund_only"}}, "not_applicable", "freight.none.refund_only"),
        (
            {"claim": {"kind": "guarantee_compensation"}},
            "not_applicable",
            "freight.none.guarantee_compensation",
        ),
        (
            {"claim": {"kind": "rule_complaint", "complaint": "invoice"}},
            "not_applicable",
            "freight.none.rule_complaint",
        ),
        ({"goods": {"return_courier_embargo": True}}, "not_applicable", "freight.none.direct_refund"),
        ({"goods": {"unfit_for_return": True}}, "not_applicable", "freight.none.unfit_for_return"),
        # the buyer's own reasons, whatever the reason is called
        (
            {"claim": {"reason": "no_longer_wanted"}, **SHIPPED_BACK},
            "buyer",
            "freight.personal.paid_shipping",
        ),
        (
            {"claim": {"reason": "no_longer_wanted"}, "order": {"free_shipping": True}, **SHIPPED_BACK},
            "split",
            "freight.personal.free_shipping",
        ),
        # merchant misconduct
        ({"merchant": {"forced_shipment": True}, **SHIPPED_BACK}, "merchant", "freight.misconduct.merchant"),
        ({"goods": {"counterfeit_or_ip": True}, **SHIPPED_BACK}, "merchant", "freight.misconduct.merchant"),
        ({"merchant": {"daigou_in_stock": True}, **SHIPPED_BACK}, "merchant", "freight.misconduct.merchant"),
        (
            {"merchant": {"no_purchase_proof": True}, **SHIPPED_BACK},
            "merchant",
            "freight.misconduct.merchant",
        ),
        # a valid video decides freight when it decides the dispute
        (VALID_SWAP_VIDEO, "buyer", "freight.fault.buyer"),
    ],
)
def test_who_pays(patch: dict, payer: str, rule: str) -> None:
    p = predict(make_case("tmall", patch), load_pack("tmall"), at=AT)
    assert p.freight is not None and (p.freight.payer, p.freight.rule_id) == (payer, rule), p.freight


def test_the_video_does_not_shift_freight_when_misconduct_decides() -> None:
    patch = {**VALID_SWAP_VIDEO, "merchant": {"refusal_reason": "returned_swapped", "forced_shipment": True}}
    p = predict(make_case("tmall", patch), load_pack("tmall"), at=AT)
    assert p.outcome is Outcome.BUYER_FAVORED
    assert p.freight is not None and p.freight.payer == "merchant"
    assert p.freight.rule_id == "freight.misconduct.merchant"
    abuse = {**VALID_SWAP_VIDEO, "merchant": {"refusal_reason": "returned_swapped", "abused_buyer": True}}
    p = predict(make_case("tmall", abuse), load_pack("tmall"), at=AT)
    assert p.outcome is Outcome.BUYER_FAVORED and p.freight is not None and p.freight.payer == "merchant"


def test_a_refused_return_names_no_payer() -> None:
    """A late no-reason return the merchant may refuse: nothing ships, no payer."""
    p = predict(
        make_case("tmall", {"claim": {"reason": "no_reason_7_day"}, "goods": {"resaleable": False}}),
        load_pack("tmall"),
        at=AT,
    )
    assert p.outcome is Outcome.MERCHANT_FAVORED
    assert p.freight is not None and p.freight.payer == "not_applicable"
    assert p.freight.rule_id == "freight.none.refused_return"


def test_needs_review_says_what_each_outcome_would_mean() -> None:
    p = predict(
        make_case("tmall", {"claim": {"reason": "quality"}, **SHIPPED_BACK}), load_pack("tmall"), at=AT
    )
    assert p.outcome is Outcome.NEEDS_REVIEW
    assert p.freight is not None and p.freight.payer == "undetermined"
    assert "if the buyer prevails, merchant" in p.freight.note
    assert "if the merchant prevails, buyer" in p.freight.note


def test_douyin_refund_only_is_not_applicable_without_borrowing_alibaba_rules() -> None:
    p = predict(make_case("douyin", {"claim": {"kind": "refund_only"}}), load_pack("douyin"), at=AT)
    assert p.freight is not None and p.freight.payer == "not_applicable" and p.freight.rule_id == ""
    assert "nothing ships back" in p.freight.note
