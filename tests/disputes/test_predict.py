"""predict(): evidence handling, time handling, the result's shape, overrides and diffs."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from disputes import Outcome, deadlines, diff_hits, load_pack, predict
from disputes.loader import build_pack
from disputes.pack import Push
from evidence.errors import InvalidInput
from evidence.model import Assessment, Element, ElementResult, Verdict

from .helpers import AT, BASE, REOPEN_ORDER, evidence, make_case

SWAPPED = {
    "claim": {"reason": "quality"},
    "merchant": {"refusal_reason": "returned_swapped"},
    "timeline": {
        "return_shipped_at": "2024-11-11T10:00:00+08:00",
        "return_signed_at": "2024-11-13T10:00:00+08:00",
        "evidence_deadline": "2024-11-18T12:00:00+08:00",
        "evidence_submitted_at": "2024-11-14T09:00:00+08:00",
    },
}


def assessment(**verdicts: Verdict) -> Assessment:
    return Assessment(
        elements=tuple(
            ElementResult(element=e, verdict=verdicts.get(e.name.lower(), Verdict.PASS), score=0.9)
            for e in Element
        ),
        video=None,
        photos=(),
        analyser_version="test",
    )


def test_assessment_replaces_the_case_evidence() -> None:
    case = make_case(patch={**SWAPPED, "evidence": evidence()})
    assert predict(case, at=AT).outcome is Outcome.MERCHANT_FAVORED
    failed = predict(case, at=AT, assessment=assessment(validity=Verdict.FAIL))
    assert failed.outcome is Outcome.BUYER_FAVORED
    assert {"appeal.return.proof_unverifiable", "unboxing.fail.validity"} <= failed.rule_ids
    assert failed.evidence_used
    undecided = predict(case, at=AT, assessment=assessment(timeliness=Verdict.INCONCLUSIVE))
    assert undecided.outcome is Outcome.NEEDS_REVIEW and "unboxing.inconclusive" in undecided.rule_ids
    no_case_evidence = make_case(patch=SWAPPED)
    assert predict(no_case_evidence, at=AT, assessment=assessment()).outcome is Outcome.MERCHANT_FAVORED


def test_evidence_matters_only_where_the_rules_say() -> None:
    plain = make_case(patch={"claim": {"reason": "no_reason_7_day"}, "goods": {"resaleable": True}})
    with_video = make_case(
        patch={
            "claim": {"reason": "no_reason_7_day"},
            "goods": {"resaleable": True},
            "evidence": evidence(validity="fail"),
        }
    )
    a, b = predict(plain, at=AT), predict(with_video, at=AT)
    assert a.merchant_probability == b.merchant_probability and a.rule_ids == b.rule_ids
    assert not b.evidence_used


def test_inconclusive_is_overruled_when_other_rules_decide() -> None:
    case = make_case(
        patch={
            **SWAPPED,
            "evidence": evidence(consistency="inconclusive"),
            "merchant": {"refusal_reason": "returned_swapped", "abused_buyer": True},
        }
    )
    p = predict(case, at=AT)
    assert "unboxing.inconclusive" in p.rule_ids
    assert p.outcome is Outcome.BUYER_FAVORED and not p.review_reasons


def test_time_defaults_and_checks() -> None:
    case = make_case(patch={"as_of": "2024-11-12T00:00:00+08:00"})
    assert predict(case).at == datetime.fromisoformat("2024-11-12T00:00:00+08:00")
    assert predict(make_case()).at.tzinfo == ZoneInfo("Asia/Shanghai")  # defaults to the current time
    with pytest.raises(InvalidInput) as info:
        predict(case, at=datetime(2024, 11, 12))
    assert info.value.field == "at"


def test_pack_must_match_the_platform() -> None:
    with pytest.raises(InvalidInput) as info:
        predict(make_case("douyin"), load_pack("tmall"), at=AT)
    assert info.value.field == "platform" and "load the douyin pack" in str(info.value)
    with pytest.raises(InvalidInput):
        deadlines(make_case("douyin"), AT, load_pack("tmall"))


def test_result_is_plain_json_ready_data() -> None:
    p = predict(
        make_case(
            patch={
                "claim": {"kind": "refund_only"},
                "timeline": {"shipped_at": None, "buyer_signed_at": None},
            }
        ),
        at=AT,
    )
    wire = p.to_dict()
    assert json.loads(json.dumps(wire, ensure_ascii=False)) == wire
    assert wire["outcome"] in ("BUYER_FAVORED", "MERCHANT_FAVORED", "NEEDS_REVIEW")
    assert wire["at"] == "2024-11-20T12:00:00+08:00"
    assert wire["compensation_total"] == "59.70"
    assert all(d["due_at"].endswith("+08:00") for d in wire["deadlines"])
    assert {"id", "description", "source", "weight", "group"} == set(wire["hits"][0])
    weights = [abs(h.weight) for h in p.hits]
    assert weights == sorted(weights, reverse=True)
    with pytest.raises(AttributeError):
        p.outcome = Outcome.MERCHANT_FAVORED  # type: ignore[misc]


def test_diff_hits_between_two_predictions() -> None:
    before = predict(make_case(patch=SWAPPED), at=AT)
    after = predict(make_case(patch={**SWAPPED, "evidence": evidence()}), at=AT)
    added, removed = diff_hits(before, after)
    assert "unboxing.valid" in added and "appeal.return.no_inspection_proof" in removed
    assert diff_hits(after, after) == (frozenset(), frozenset())


def test_needs_review_names_missing_facts_and_decided_outcomes_do_not() -> None:
    p = predict(make_case(patch={"claim": {"reason": "quality"}}), at=AT)
    assert p.outcome is Outcome.NEEDS_REVIEW
    assert "claim.buyer_evidence_valid" in p.missing_facts
    assert any("unknown facts" in r for r in p.review_reasons)
    assert any(u.id == "scenario.quality.buyer_proof_valid" for u in p.undecided)
    decided = predict(make_case(patch={"merchant": {"fake_shipment": True}}), at=AT)
    assert (
        decided.outcome is Outcome.BUYER_FAVORED and not decided.review_reasons and not decided.missing_facts
    )
    nothing = predict(make_case(), at=AT)
    assert nothing.outcome is Outcome.NEEDS_REVIEW and "no rule" in nothing.review_reasons[0]


def test_outcome_follows_the_bands() -> None:
    from disputes.synthetic import generate_cases

    packs = {p: load_pack(p) for p in ("tmall", "taobao", "douyin")}
    for case in generate_cases(300, seed=3):
        p = predict(case, packs[case.platform.value])
        model = packs[case.platform.value].model
        if p.outcome is Outcome.BUYER_FAVORED:
            assert p.merchant_probability <= model.buyer_at_most
        elif p.outcome is Outcome.MERCHANT_FAVORED:
            assert p.merchant_probability >= model.merchant_at_least
        else:
            assert p.review_reasons


def test_deadlines_without_a_prediction() -> None:
    case = make_case(patch={"ticket": {"status": "awaiting_merchant"}})
    found = {d.name: d for d in deadlines(case, datetime.fromisoformat("2024-11-12T00:00:00+08:00"))}
    assert found["merchant_response"].consequence.startswith("the system refunds")
    assert found["merchant_response"].source.startswith("seed:002")
    assert found["ship_by"].rule_id == "tmall.shipping.deadline_normal"
    assert not found["merchant_response"].passed and found["ship_by"].passed


def _override_pack() -> Any:
    source = {"doc": "seed:002", "section": "Ⅲ-二", "quote": "誰過錯,誰承擔"}
    general = {
        "id": "test.general",
        "group": "g",
        "description": "general",
        "source": source,
        "when": "goods.damaged",
        "effect": {
            "freight": {"payer": "merchant", "priority": 1},
            "actions": [{"code": "GENERAL", "text": "x"}],
        },
        "examples": {"fire": [{"goods": {"damaged": True}}], "quiet": [{}]},
    }
    specific = {
        "id": "test.specific",
        "group": "g",
        "description": "specific",
        "source": source,
        "when": 'goods.damaged and claim.reason == "damaged"',
        "overrides": ["test.general"],
        "effect": {"push": "buyer", "weight": -1.0, "freight": {"payer": "buyer", "priority": 0}},
        "examples": {"fire": [{"goods": {"damaged": True}, "claim": {"reason": "damaged"}}], "quiet": [{}]},
    }
    data = {
        "pack": "tmall",
        "version": "tmall-2026.1.0",
        "timezone": "Asia/Shanghai",
        "model": {
            "bias": 0.0,
            "buyer_at_most": 0.35,
            "merchant_at_least": 0.65,
            "review_holds_within": [0.1, 0.9],
        },
        "examples": {
            "at": "2024-11-20T12:00:00+08:00",
            "base": copy.deepcopy(BASE),
            "reopen_base": {"order": dict(REOPEN_ORDER)},
        },
        "rules": [general, specific],
    }
    return build_pack(data, origin="test")


def test_overrides_replace_consequences_not_weights() -> None:
    pack = _override_pack()
    p = predict(make_case(patch={"goods": {"damaged": True}, "claim": {"reason": "damaged"}}), pack, at=AT)
    assert p.overridden == ("test.general",)
    assert p.freight is not None and p.freight.payer == "buyer" and p.freight.rule_id == "test.specific"
    assert "GENERAL" not in {a.code for a in p.actions}
    assert p.rule_ids == {"test.general", "test.specific"}
    shipped_back = {
        "goods": {"damaged": True},
        "timeline": {"return_shipped_at": "2024-11-12T10:00:00+08:00"},
    }
    only_general = predict(make_case(patch=shipped_back), pack, at=AT)
    assert only_general.freight is not None and only_general.freight.payer == "merchant"


def test_with_weights_keeps_signs() -> None:
    pack = load_pack("tmall")
    with pytest.raises(Exception, match="contradicts push"):
        pack.with_weights({"appeal.service.abuse": 1.0})
    with pytest.raises(Exception, match="no such rules"):
        pack.with_weights({"no.such": -1.0})
    lighter = pack.with_weights({"appeal.service.abuse": -2.0}, bias=0.5, version="tmall-2026.11.1")
    assert lighter.version == "tmall-2026.11.1" and lighter.model.bias == 0.5
    assert lighter.rule("appeal.service.abuse").effect.weight == -2.0
    assert all(r.effect.push is not Push.NONE or r.effect.weight == 0 for r in lighter.rules)
