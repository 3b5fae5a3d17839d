"""Re-opening the after-sales entry (seed 000 Tmall, seed 004 Douyin), from the order alone."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from disputes import Actor, ActorKind, EligibilityStatus, Platform, reopen_eligibility
from evidence.errors import InvalidInput

from .helpers import AT, REOPEN_ORDER, make_order

E, N, U = EligibilityStatus.ELIGIBLE, EligibilityStatus.INELIGIBLE, EligibilityStatus.UNKNOWN
SUB = Actor(kind=ActorKind.SUB_ACCOUNT)


def check(platform: str, patch: dict[str, Any], actor: Actor | None = None) -> Any:
    return reopen_eligibility(make_order(patch), platform, actor, at=AT)


def test_tmall_eligible_order_and_its_terms() -> None:
    e = check("tmall", {})
    assert e.status is E and e.eligible and not e.denials
    assert e.grant is not None and e.grant.id == "tmall.reopen.grant"
    assert e.entry_open_days == 30 and "365" in e.entry_open_note
    assert e.entry_closes_at == (AT + timedelta(days=30)).astimezone(e.entry_closes_at.tzinfo)
    assert e.buyer_applications == 1
    assert any("tmall.reopen.one_application" in n for n in e.notes)
    json.dumps(e.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize(
    ("patch", "actor", "rule"),
    [
        ({"trade_succeeded_at": "2024-11-10T10:00:00+08:00"}, None, "tmall.reopen.not_past_period"),
        ({"trade_succeeded_at": None}, None, "tmall.reopen.not_past_period"),
        ({"after_sales_requests": 1}, None, "tmall.reopen.had_after_sales"),
        (
            {"protection_period_days": 90, "trade_succeeded_at": "2024-10-02T10:00:00+08:00"},
            None,
            "tmall.reopen.category_90_days",
        ),
        ({"created_at": "2024-08-19T10:00:00+08:00", "paid_at": None}, None, "tmall.reopen.historical"),
        ({"entry_reopens": 1}, None, "tmall.reopen.once"),
        ({}, SUB, "tmall.reopen.sub_account_permission"),
    ],
)
def test_tmall_denials_name_their_rule(patch: dict[str, Any], actor: Actor | None, rule: str) -> None:
    e = check("tmall", patch, actor)
    assert e.status is N and not e.eligible
    assert rule in {d.id for d in e.denials}
    assert e.grant is None and e.entry_open_days is None and e.entry_closes_at is None
    for d in e.denials:
        assert d.source.startswith("seed:000")


def test_tmall_sub_account_message_is_verbatim() -> None:
    e = check("tmall", {}, SUB)
    assert e.messages == ("无权限,请去申请权限",)
    assert "GRANT_SUB_ACCOUNT_PERMISSION" in {a.code for a in e.actions}


def test_several_failures_are_all_listed() -> None:
    e = check("tmall", {"entry_reopens": 1, "after_sales_requests": 2}, SUB)
    assert {d.id for d in e.denials} >= {
        "tmall.reopen.once",
        "tmall.reopen.had_after_sales",
        "tmall.reopen.sub_account_permission",
    }


def test_douyin_eligible_order_and_its_terms() -> None:
    e = check("douyin", {})
    assert e.status is E
    assert e.entry_open_days == 5 and e.entry_closes_at == (AT + timedelta(days=5)).astimezone(
        e.entry_closes_at.tzinfo
    )
    assert e.buyer_applications is None  # no limit beyond the period
    assert "5次" in e.applications_note
    assert e.refund_borne_by == "merchant"
    assert len(e.funding) == 3 and "deposit" in e.funding[1]
    assert any("commissions" in n for n in e.notes)
    assert "ENSURE_CASH_ACCOUNT_BALANCE" in {a.code for a in e.actions}


@pytest.mark.parametrize(
    ("patch", "rule"),
    [
        ({"trade_succeeded_at": "2024-11-15T10:00:00+08:00"}, "douyin.reopen.not_past_period"),
        ({"refund_state": "fully_refunded"}, "douyin.reopen.refunded"),
        ({"refund_state": "in_progress"}, "douyin.reopen.refunded"),
        ({"payment_method": "cash_on_delivery", "paid_at": None}, "douyin.reopen.cash_on_delivery"),
        ({"goods_type": "virtual"}, "douyin.reopen.virtual"),
        ({"goods_type": "voucher"}, "douyin.reopen.voucher_or_education"),
        ({"source": "qingbei_online_school"}, "douyin.reopen.voucher_or_education"),
        ({"source": "xuelang"}, "douyin.reopen.voucher_or_education"),
        ({"source": "haohao_xuexi"}, "douyin.reopen.voucher_or_education"),
        ({"created_at": "2024-06-01T10:00:00+08:00", "paid_at": None}, "douyin.reopen.older_than_150_days"),
    ],
)
def test_douyin_denials(patch: dict[str, Any], rule: str) -> None:
    e = check("douyin", patch)
    assert e.status is N
    assert rule in {d.id for d in e.denials}
    assert all(d.source.startswith("seed:004") for d in e.denials)
    assert not any("commissions" in n for n in e.notes)  # terms are not shown for an ineligible order


def test_taobao_has_no_merchant_reopen_rule() -> None:
    e = check("taobao", {})
    assert e.status is U and not e.eligible
    assert any("taobao.reopen.no_merchant_rule" in n for n in e.notes)
    e = check("taobao", {"guarantees": ["three_guarantees"]})
    assert e.status is U and "ASK_PLATFORM_TO_REOPEN" in {a.code for a in e.actions}


def test_order_as_plain_data_and_platform_as_enum() -> None:
    e = reopen_eligibility(dict(REOPEN_ORDER), Platform.DOUYIN, {"kind": "main_account"}, at=AT)
    assert e.status is E and e.platform == "douyin"


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(InvalidInput) as info:
        reopen_eligibility(make_order(), "jd", at=AT)
    assert info.value.field == "platform"
    with pytest.raises(InvalidInput) as info:
        reopen_eligibility({**REOPEN_ORDER, "amount": "-3"}, "tmall", at=AT)
    assert info.value.field == "order.amount"
    with pytest.raises(InvalidInput) as info:
        reopen_eligibility(make_order(), "tmall", {"kind": "robot"}, at=AT)
    assert info.value.field == "actor.kind"
    with pytest.raises(InvalidInput) as info:
        reopen_eligibility(make_order(), "tmall", at=AT.replace(tzinfo=None))
    assert info.value.field == "at"
