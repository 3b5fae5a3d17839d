"""Every money and time bound of the seeds, on both sides of the line."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from disputes import Actor, ActorKind, EligibilityStatus, deadlines, load_pack, predict, reopen_eligibility

from .helpers import AT, at, make_case, make_order

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECOND = timedelta(seconds=1)


# --- 时间承诺: 5% of the price, at least 1 and at most 30 yuan (seed 003 一.3) ---------------------------------
@pytest.mark.parametrize(
    ("price", "expected", "binds"),
    [
        ("0.01", "1.00", "minimum"),
        ("10.00", "1.00", "minimum"),
        ("19.80", "1.00", "minimum"),
        ("19.99", "1.00", None),  # 0.9995 rounds to 1.00: the floor is reached, not applied
        ("20.00", "1.00", None),
        ("20.20", "1.01", None),
        ("599.80", "29.99", None),
        ("600.00", "30.00", None),
        ("600.20", "30.00", "maximum"),
        ("5000.00", "30.00", "maximum"),
    ],
)
def test_shipping_time_commitment_caps(price: str, expected: str, binds: str | None) -> None:
    case = make_case(
        "taobao",
        {
            "order": {
                "amount": price,
                "guarantees": ["shipping_time_commitment"],
                "promised_ship_by": "2024-11-02T08:59:59+08:00",
            }
        },
    )
    p = predict(case, load_pack("taobao"), at=AT)
    (comp,) = [c for c in p.compensation if c.rule_id == "taobao.guarantee.shipping_time"]
    assert comp.amount == Decimal(expected)
    assert p.compensation_total == Decimal(expected)
    assert comp.form == "cash" and comp.currency == "CNY"
    if binds is None:
        assert "minimum" not in comp.formula and "maximum" not in comp.formula
    else:
        assert binds in comp.formula


def test_caps_are_not_applied_to_other_currencies() -> None:
    case = make_case(
        "taobao",
        {
            "order": {
                "currency": "USD",
                "guarantees": ["shipping_time_commitment"],
                "promised_ship_by": "2024-11-02T08:59:59+08:00",
            }
        },
    )
    (comp,) = predict(case, load_pack("taobao"), at=AT).compensation
    assert comp.amount is None and "CNY" in comp.note


def test_tmall_late_shipment_is_thirty_percent_in_points() -> None:
    case = make_case(
        patch={"order": {"amount": "333.33"}, "timeline": {"shipped_at": "2024-11-04T10:05:01+08:00"}}
    )
    (comp,) = predict(case, load_pack("tmall"), at=AT).compensation
    assert comp.amount == Decimal("100.00") and comp.form == "points"  # 99.999 rounds half-up


# --- the holiday tables: first and last second, and just outside ---------------------------------------
def holiday_case(
    requested: datetime, kind: str = "return_and_refund", patch: dict[str, Any] | None = None
) -> Any:
    from disputes.engine import merge

    base = {
        "order": {
            "created_at": (requested - timedelta(days=10)).isoformat(),
            "paid_at": (requested - timedelta(days=10) + timedelta(minutes=5)).isoformat(),
        },
        "claim": {"kind": kind},
        "ticket": {"status": "awaiting_merchant"},
        "timeline": {
            "requested_at": requested.isoformat(),
            "merchant_responded_at": None,
            "merchant_refused_at": None,
            "shipped_at": (requested - timedelta(days=8)).isoformat(),
            "buyer_signed_at": (requested - timedelta(days=6)).isoformat(),
        },
    }
    return make_case(patch=merge(base, patch or {}))


def review_window(case: Any) -> tuple[timedelta, str | None]:
    (d,) = [d for d in deadlines(case, AT) if d.name == "merchant_response"]
    return d.due_at - case.timeline.requested_at, d.holiday_table


@pytest.mark.parametrize(
    ("requested", "days", "table"),
    [
        ("2020-01-16T23:59:59+08:00", 5, None),
        ("2020-01-17T00:00:00+08:00", 15, "holiday.spring_2020"),
        ("2020-01-16T16:00:00+00:00", 15, "holiday.spring_2020"),  # the same instant, written in UTC
        ("2020-02-02T23:59:59+08:00", 15, "holiday.spring_2020"),
        ("2020-02-02T23:59:59.999999+08:00", 15, "holiday.spring_2020"),  # the whole last second is inside
        ("2020-02-03T00:00:00+08:00", 5, None),
        ("2022-01-24T23:59:59+08:00", 5, None),
        ("2022-01-25T00:00:00+08:00", 15, "holiday.spring_2022"),
        ("2022-02-08T23:59:59+08:00", 15, "holiday.spring_2022"),
        ("2022-02-09T00:00:00+08:00", 5, None),
    ],
)
def test_holiday_ranges_for_the_merchant_review_timeout(requested: str, days: int, table: str | None) -> None:
    assert review_window(holiday_case(at(requested))) == (timedelta(days=days), table)


def test_2020_table_also_triggers_on_a_refusal_or_modification_in_range() -> None:
    refused = holiday_case(
        at("2020-01-15T10:00:00+08:00"),
        patch={"timeline": {"merchant_refused_at": "2020-01-17T00:00:00+08:00"}},
    )
    assert review_window(refused) == (timedelta(days=15), "holiday.spring_2020")
    modified = holiday_case(
        at("2020-01-15T10:00:00+08:00"), patch={"timeline": {"modified_at": "2020-02-02T23:59:59+08:00"}}
    )
    assert review_window(modified) == (timedelta(days=15), "holiday.spring_2020")


def test_2022_table_covers_returns_and_exchanges_only() -> None:
    assert review_window(holiday_case(at("2022-01-30T10:00:00+08:00"), kind="refund_only")) == (
        timedelta(days=5),
        None,
    )
    assert review_window(holiday_case(at("2022-01-30T10:00:00+08:00"), kind="exchange"))[0] == timedelta(
        days=15
    )


def _deadline(case: Any, name: str) -> Any:
    found = [d for d in deadlines(case, AT) if d.name == name]
    return found[0] if found else None


def test_2020_return_confirmation_and_its_surface_mail_exception() -> None:
    requested = at("2020-01-20T10:00:00+08:00")
    ret = {"timeline": {"return_shipped_at": "2020-01-21T10:00:00+08:00"}}
    d = _deadline(holiday_case(requested, patch=ret), "merchant_confirm_return")
    assert d.due_at == at("2020-02-10T10:00:00+08:00") and d.holiday_table == "holiday.spring_2020"
    surface = holiday_case(requested, patch={**ret, "logistics": {"return_by_surface_mail": True}})
    assert _deadline(surface, "merchant_confirm_return") is None  # 平郵不變: the seeds give no normal value
    outside = holiday_case(
        at("2020-02-03T00:00:00+08:00"),
        patch={"timeline": {"return_shipped_at": "2020-02-04T10:00:00+08:00"}},
    )
    assert _deadline(outside, "merchant_confirm_return") is None


def test_2020_return_info_excludes_virtual_categories() -> None:
    requested = at("2020-01-20T10:00:00+08:00")
    agreed = {"timeline": {"return_agreed_at": "2020-02-02T23:59:59+08:00"}}
    d = _deadline(holiday_case(requested, patch=agreed), "buyer_return_info")
    assert d.due_at - at("2020-02-02T23:59:59+08:00") == timedelta(days=25)
    virtual = holiday_case(requested, patch={**agreed, "order": {"goods_type": "virtual"}})
    assert _deadline(virtual, "buyer_return_info") is None
    late = holiday_case(requested, patch={"timeline": {"return_agreed_at": "2020-02-03T00:00:00+08:00"}})
    assert _deadline(late, "buyer_return_info") is None


def test_2020_evidence_and_processing_periods() -> None:
    requested = at("2020-01-10T10:00:00+08:00")
    inside = holiday_case(
        requested,
        patch={
            "timeline": {
                "intervention_requested_at": "2020-01-17T00:00:00+08:00",
                "buyer_evidence_submitted_at": "2020-01-20T08:00:00+08:00",
            }
        },
    )
    assert _deadline(inside, "evidence_upload").due_at == at("2020-02-01T00:00:00+08:00")
    assert _deadline(inside, "merchant_after_evidence").due_at == at("2020-01-23T08:00:00+08:00")
    outside = holiday_case(
        requested, patch={"timeline": {"intervention_requested_at": "2020-01-16T23:59:59+08:00"}}
    )
    assert _deadline(outside, "evidence_upload") is None


def test_2022_return_periods() -> None:
    requested = at("2022-02-08T23:59:59+08:00")
    case = holiday_case(
        requested,
        patch={
            "timeline": {
                "return_agreed_at": "2022-02-09T10:00:00+08:00",
                "return_shipped_at": "2022-02-12T10:00:00+08:00",
            }
        },
    )
    assert _deadline(case, "buyer_return_info").due_at == at("2022-03-01T10:00:00+08:00")  # 20 days
    assert _deadline(case, "merchant_confirm_return").due_at == at("2022-03-04T10:00:00+08:00")


# --- time bounds of the dispute rules ----------------------------------------------------------------
def fires(rule_id: str, case: Any, when: datetime = AT, platform: str = "tmall") -> bool:
    return rule_id in predict(case, load_pack(platform), at=when).rule_ids


def test_72_hours_before_intervention() -> None:
    case = make_case()
    assert _deadline(case, "intervention_from").due_at == at("2024-11-13T10:00:00+08:00")
    early = make_case(patch={"timeline": {"intervention_requested_at": "2024-11-13T09:59:59+08:00"}})
    on_time = make_case(patch={"timeline": {"intervention_requested_at": "2024-11-13T10:00:00+08:00"}})
    assert fires("timing.intervention_premature", early)
    assert not fires("timing.intervention_premature", on_time)


def test_five_days_for_the_merchant() -> None:
    case = make_case(
        patch={
            "ticket": {"status": "awaiting_merchant"},
            "timeline": {"merchant_responded_at": None, "merchant_refused_at": None},
        }
    )
    due = at("2024-11-15T10:00:00+08:00")
    assert _deadline(case, "merchant_response").due_at == due
    assert not fires("timing.merchant_timed_out", case, due)
    assert fires("timing.merchant_timed_out", case, due + SECOND)


def test_seven_days_from_sign_for() -> None:
    within = make_case(
        patch={
            "claim": {"reason": "no_reason_7_day"},
            "goods": {"resaleable": True},
            "timeline": {"buyer_signed_at": "2024-11-03T10:00:00+08:00"},
        }
    )
    late = make_case(
        patch={
            "claim": {"reason": "no_reason_7_day"},
            "goods": {"resaleable": True},
            "timeline": {"buyer_signed_at": "2024-11-03T09:59:59+08:00"},
        }
    )
    assert fires("no_reason.within_window", within) and not fires("no_reason.late", within)
    assert fires("no_reason.late", late) and not fires("no_reason.within_window", late)
    assert _deadline(within, "no_reason_end").due_at == at("2024-11-10T10:00:00+08:00")


def test_fifteen_days_after_trade_success() -> None:
    def case(trade: str) -> Any:
        return make_case(
            patch={
                "order": {
                    "created_at": "2024-10-01T10:00:00+08:00",
                    "paid_at": None,
                    "trade_succeeded_at": trade,
                }
            }
        )

    assert not fires("timing.after_sales_expired", case("2024-10-26T10:00:00+08:00"))
    assert fires("timing.after_sales_expired", case("2024-10-26T09:59:59+08:00"))
    ninety = make_case(
        patch={
            "order": {
                "created_at": "2024-08-01T10:00:00+08:00",
                "paid_at": None,
                "trade_succeeded_at": "2024-08-12T10:00:00+08:00",
                "protection_period_days": 90,
            }
        }
    )
    assert _deadline(ninety, "after_sales_end").due_at == at("2024-11-10T10:00:00+08:00")
    assert not fires("timing.after_sales_expired", ninety)


def test_24_hours_to_agree_an_unshipped_refund() -> None:
    case = make_case(
        patch={"claim": {"kind": "refund_only"}, "timeline": {"shipped_at": None, "buyer_signed_at": None}}
    )
    assert _deadline(case, "merchant_agree_refund").due_at == at("2024-11-11T10:00:00+08:00")


@pytest.mark.parametrize(
    ("sale_type", "limit"), [("normal", timedelta(hours=72)), ("group_buy", timedelta(days=7))]
)
def test_shipping_deadlines(sale_type: str, limit: timedelta) -> None:
    paid = at("2024-11-01T10:05:00+08:00")

    def case(shipped: datetime) -> Any:
        return make_case(
            patch={
                "order": {"sale_type": sale_type},
                "timeline": {
                    "shipped_at": shipped.isoformat(),
                    "buyer_signed_at": (shipped + timedelta(days=1)).isoformat(),
                },
            }
        )

    assert _deadline(case(paid + limit), "ship_by").due_at == paid + limit
    assert not fires("tmall.shipping.late", case(paid + limit))
    assert fires("tmall.shipping.late", case(paid + limit + SECOND))


def test_evidence_deadline_to_the_second() -> None:
    def case(submitted: str) -> Any:
        return make_case(
            patch={
                "timeline": {
                    "evidence_deadline": "2024-11-15T12:00:00+08:00",
                    "evidence_submitted_at": submitted,
                }
            }
        )

    assert not fires("appeal.other.evidence_late", case("2024-11-15T12:00:00+08:00"))
    assert fires("appeal.other.evidence_late", case("2024-11-15T12:00:01+08:00"))


# --- re-open bounds ------------------------------------------------------------------------------------
def status(platform: str, order: dict[str, Any], when: str, actor: Actor | None = None) -> EligibilityStatus:
    return reopen_eligibility(make_order(order), platform, actor, at=at(when)).status


def test_douyin_150_days_from_creation() -> None:
    created = "2024-10-01T10:00:00+08:00"
    assert (
        status("douyin", {"created_at": created}, "2025-02-28T10:00:00+08:00") is EligibilityStatus.ELIGIBLE
    )
    assert (
        status("douyin", {"created_at": created}, "2025-02-28T10:00:01+08:00") is EligibilityStatus.INELIGIBLE
    )


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("2020-06-30T23:59:59+08:00", EligibilityStatus.INELIGIBLE),
        ("2020-06-30T15:59:59+00:00", EligibilityStatus.INELIGIBLE),
        ("2020-07-01T00:00:00+08:00", EligibilityStatus.ELIGIBLE),
        ("2020-06-30T16:00:00+00:00", EligibilityStatus.ELIGIBLE),  # 2020-07-01 00:00 in Beijing
    ],
)
def test_douyin_orders_created_after_2020_06_30(created: str, expected: EligibilityStatus) -> None:
    order = {"created_at": created, "paid_at": None, "trade_succeeded_at": "2020-07-05T10:00:00+08:00"}
    assert status("douyin", order, "2020-07-20T00:00:00+08:00") is expected


def test_douyin_after_sales_period_is_seven_days_after_confirmation() -> None:
    assert status("douyin", {}, "2024-10-13T10:00:00+08:00") is EligibilityStatus.INELIGIBLE
    assert status("douyin", {}, "2024-10-13T10:00:01+08:00") is EligibilityStatus.ELIGIBLE


def test_tmall_period_and_three_months() -> None:
    assert status("tmall", {}, "2024-10-21T10:00:00+08:00") is EligibilityStatus.INELIGIBLE  # within 15 days
    assert status("tmall", {}, "2024-10-21T10:00:01+08:00") is EligibilityStatus.ELIGIBLE
    assert status("tmall", {}, "2025-01-01T09:59:59+08:00") is EligibilityStatus.ELIGIBLE
    assert status("tmall", {}, "2025-01-01T10:00:00+08:00") is EligibilityStatus.INELIGIBLE  # historical
    sub = Actor(kind=ActorKind.SUB_ACCOUNT, refund_permission=True)
    assert status("tmall", {}, "2024-11-20T10:00:00+08:00", sub) is EligibilityStatus.ELIGIBLE


def test_deadlines_render_in_the_platform_zone() -> None:
    case = make_case(patch={"timeline": {"requested_at": "2024-11-10T02:00:00+00:00"}})
    (d,) = [d for d in deadlines(case, AT) if d.name == "intervention_from"]
    assert d.due_at.tzinfo == SHANGHAI
    assert d.due_at.isoformat() == "2024-11-13T10:00:00+08:00"
    assert d.starts_at.isoformat() == "2024-11-10T10:00:00+08:00"
