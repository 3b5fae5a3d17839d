"""The buyer's deadlines and every timeout of the seeds' tables by party and starting event; the
intervention window needs the merchant's refusal (issue #14, seed 002 Ⅳ, Ⅷ, Ⅸ)."""

from __future__ import annotations

from disputes import deadlines, load_pack

from .helpers import at, make_case

SPRING_2020_REFUSED = {
    "order": {"created_at": "2020-01-08T10:00:00+08:00", "paid_at": "2020-01-08T10:05:00+08:00"},
    "timeline": {
        "requested_at": "2020-01-20T10:00:00+08:00",
        "merchant_responded_at": "2020-01-21T10:00:00+08:00",
        "merchant_refused_at": "2020-01-21T10:00:00+08:00",
        "intervention_requested_at": "2020-01-24T10:00:00+08:00",
        "shipped_at": "2020-01-10T10:00:00+08:00",
        "buyer_signed_at": "2020-01-12T10:00:00+08:00",
    },
}


def _by_name(case_patch: dict, when: str) -> dict:
    return {d.name: d for d in deadlines(make_case("tmall", case_patch), at(when))}


def test_every_holiday_timeout_has_a_deadline_with_party_and_start() -> None:
    for platform in ("tmall", "taobao"):
        pack = load_pack(platform)
        specs = [r.effect.deadline for r in pack.rules if r.effect.deadline is not None]
        keys = {o.timeout for t in pack.holiday_tables for o in t.overrides}
        for key in keys:
            found = [s for s in specs if s.timeout == key]
            assert found, (platform, key)
            assert all(s.party in ("buyer", "merchant", "platform") and s.start for s in found)


def test_the_buyer_has_15_days_to_confirm_or_modify_after_a_refusal_in_spring_2020() -> None:
    found = _by_name(SPRING_2020_REFUSED, "2020-01-25T10:00:00+08:00")
    d = found["buyer_confirm_modify"]
    assert d.party == "buyer" and d.start == "timeline.merchant_refused_at"
    assert d.due_at == at("2020-02-05T10:00:00+08:00") and d.holiday_table == "holiday.spring_2020"
    # both sides upload evidence within 15 days of the intervention request
    assert found["evidence_upload"].party == "merchant" and found["buyer_evidence_upload"].party == "buyer"
    assert found["buyer_evidence_upload"].due_at == at("2020-02-08T10:00:00+08:00")


def test_outside_the_holiday_range_no_buyer_confirm_deadline_is_invented() -> None:
    assert "buyer_confirm_modify" not in _by_name({}, "2024-11-20T12:00:00+08:00")


def test_the_intervention_window_needs_the_merchants_refusal() -> None:
    assert "intervention_from" not in _by_name(
        {"ticket": {"status": "awaiting_merchant"}, "timeline": {"merchant_refused_at": None}},
        "2024-11-20T12:00:00+08:00",
    )
    late_refusal = {
        "timeline": {
            "merchant_responded_at": "2024-11-15T10:00:00+08:00",
            "merchant_refused_at": "2024-11-15T10:00:00+08:00",
        }
    }
    d = _by_name(late_refusal, "2024-11-20T12:00:00+08:00")["intervention_from"]
    assert d.due_at == at("2024-11-15T10:00:00+08:00") and d.rule_id == "timing.intervention_after_refusal"
    early = _by_name({}, "2024-11-20T12:00:00+08:00")["intervention_from"]
    assert early.due_at == at("2024-11-13T10:00:00+08:00") and early.rule_id == "timing.intervention_window"
