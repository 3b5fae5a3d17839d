"""The buyer's side of a re-opened entry (issue #14): seed 000 (30 days from opening, one
application) and seed 004 (shown 5 days, no limit past the period)."""

from __future__ import annotations

from disputes import EligibilityStatus, buyer_application

from .helpers import at, make_order

OPENED = {"entry_reopens": 1, "entry_reopened_at": ["2024-11-01T10:00:00+08:00"]}


def test_tmall_one_application_within_30_days() -> None:
    a = buyer_application(make_order(OPENED), "tmall", at=at("2024-11-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.ELIGIBLE and a.may_apply
    assert (a.applications_allowed, a.applications_used, a.applications_left) == (1, 0, 1)
    assert a.apply_by == at("2024-12-01T10:00:00+08:00")
    assert {"tmall.reopen.grant", "tmall.reopen.one_application"} <= {r.id for r in a.rules}
    assert all(r.source.startswith("seed:000") for r in a.rules)


def test_tmall_the_one_application_is_used() -> None:
    order = make_order({**OPENED, "after_sales_requested_at": ["2024-11-03T10:00:00+08:00"]})
    a = buyer_application(order, "tmall", at=at("2024-11-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.INELIGIBLE
    assert (a.applications_used, a.applications_left) == (1, 0)
    assert "used the 1 application" in a.reasons[0]


def test_applications_before_the_reopening_do_not_count() -> None:
    order = make_order(
        {
            "entry_reopens": 1,
            "entry_reopened_at": ["2024-11-01T10:00:00+08:00"],
            "after_sales_requested_at": ["2024-10-07T10:00:00+08:00"],
        }
    )
    a = buyer_application(order, "tmall", at=at("2024-11-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.ELIGIBLE and a.applications_used == 0


def test_tmall_after_30_days_the_entry_is_closed() -> None:
    a = buyer_application(make_order(OPENED), "tmall", at=at("2024-12-01T10:00:01+08:00"))
    assert a.status is EligibilityStatus.INELIGIBLE
    assert any("365" in n for n in a.notes)  # the seed's "部分为365天" is said, not decided


def test_unknown_times_are_named() -> None:
    a = buyer_application(make_order({"entry_reopens": 1}), "tmall", at=at("2024-11-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.UNKNOWN and a.missing_facts == ("order.entry_reopened_at",)
    counted = make_order({**OPENED, "after_sales_requests": 1})
    a = buyer_application(counted, "tmall", at=at("2024-11-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.UNKNOWN and "order.after_sales_requested_at" in a.missing_facts


def test_douyin_no_limit_within_5_days() -> None:
    order = make_order({**OPENED, "after_sales_requested_at": ["2024-11-02T10:00:00+08:00"] * 6})
    a = buyer_application(order, "douyin", at=at("2024-11-06T10:00:00+08:00"))
    assert a.status is EligibilityStatus.ELIGIBLE
    assert a.applications_allowed is None and a.applications_left is None and a.applications_used == 6
    assert "无次数限制" in a.applications_note


def test_douyin_entry_closes_after_5_days_without_a_request() -> None:
    a = buyer_application(make_order(OPENED), "douyin", at=at("2024-11-06T10:00:01+08:00"))
    assert a.status is EligibilityStatus.INELIGIBLE
    assert any("再次申请打开" in n for n in a.notes)


def test_douyin_after_5_days_with_a_request_is_not_decided() -> None:
    order = make_order({**OPENED, "after_sales_requested_at": ["2024-11-02T10:00:00+08:00"]})
    a = buyer_application(order, "douyin", at=at("2024-11-08T10:00:00+08:00"))
    assert a.status is EligibilityStatus.UNKNOWN


def test_taobao_and_unopened_entries_are_unknown_with_the_reason() -> None:
    a = buyer_application(make_order(OPENED), "taobao", at=at("2024-11-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.UNKNOWN and "no rule" in a.reasons[0]
    a = buyer_application(make_order(), "tmall", at=at("2024-11-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.UNKNOWN and "not been re-opened" in a.reasons[0]


# --- Douyin's in-period cap (seed 004 注意事项2: 售后期内,售后申请次数不超过5次) for orders never re-opened ---


def test_douyin_in_period_cap_fires_at_five_applications() -> None:
    # REOPEN_ORDER: receipt confirmed 2024-10-06 10:00, so the period ends 2024-10-13 10:00
    times = [f"2024-10-0{d}T10:00:00+08:00" for d in range(6, 10)]
    four = make_order({"after_sales_requested_at": times})
    a = buyer_application(four, "douyin", at=at("2024-10-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.ELIGIBLE
    assert (a.applications_allowed, a.applications_used, a.applications_left) == (5, 4, 1)
    assert a.apply_by == at("2024-10-13T10:00:00+08:00")
    assert [r.id for r in a.rules] == ["douyin.after_sales.period", "douyin.reopen.application_limit"]
    assert "售后期内,售后申请次数不超过5次" in a.rules[1].source
    five = make_order({"after_sales_requests": 5})  # the count alone is enough inside the period
    a = buyer_application(five, "douyin", at=at("2024-10-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.INELIGIBLE and a.applications_left == 0
    assert "douyin.reopen.application_limit" in a.reasons[0]


def test_douyin_in_period_cap_counts_only_applications_made_by_then() -> None:
    later = make_order(
        {"after_sales_requested_at": ["2024-10-07T10:00:00+08:00"] * 4 + ["2024-10-12T10:00:00+08:00"]}
    )
    a = buyer_application(later, "douyin", at=at("2024-10-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.ELIGIBLE and a.applications_used == 4


def test_douyin_never_reopened_past_the_period_only_the_merchant_can_open_it() -> None:
    a = buyer_application(make_order(), "douyin", at=at("2024-10-13T10:00:00+08:00"))
    assert a.status is EligibilityStatus.ELIGIBLE  # the period's last instant still counts
    a = buyer_application(make_order(), "douyin", at=at("2024-10-13T10:00:01+08:00"))
    assert a.status is EligibilityStatus.INELIGIBLE and "douyin.after_sales.period" in a.reasons[0]


def test_douyin_before_confirmed_receipt_the_cap_still_applies() -> None:
    order = make_order({"trade_succeeded_at": None, "after_sales_requests": 2})
    a = buyer_application(order, "douyin", at=at("2024-10-10T10:00:00+08:00"))
    assert a.status is EligibilityStatus.ELIGIBLE and a.apply_by is None and a.applications_left == 3
    assert any("not yet confirmed" in n for n in a.notes)


def test_the_cap_does_not_touch_a_reopened_douyin_entry() -> None:
    order = make_order({**OPENED, "after_sales_requested_at": ["2024-10-07T10:00:00+08:00"] * 5})
    a = buyer_application(order, "douyin", at=at("2024-11-03T10:00:00+08:00"))
    assert a.status is EligibilityStatus.ELIGIBLE and a.applications_allowed is None
