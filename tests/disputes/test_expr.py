"""The policy expression language: what compiles, what is refused at load, and 3-valued evaluation."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from disputes import Actor, Platform
from disputes.context import DisputeContext, ReopenContext, dispute_schema, reopen_schema
from disputes.expr import Kind, compile_expr
from evidence.errors import PolicyError

from .helpers import AT, evidence, make_case, make_order

ZONE = ZoneInfo("Asia/Shanghai")
SCHEMA = dispute_schema(ZONE, ["merchant_response"])


class _Deadlines:
    merchant_response: datetime | None = None


def run(expr: str, patch: dict[str, Any] | None = None, now: datetime = AT, deadline: Any = None) -> Any:
    case = make_case(patch=patch)
    compiled = compile_expr(expr, SCHEMA, entry="t")
    return compiled.fn(DisputeContext(case, now, case.evidence, deadline or _Deadlines()))


@pytest.mark.parametrize(
    ("expr", "patch", "expected"),
    [
        ('claim.reason == "other"', {}, True),
        ('claim.reason in ["quality", "damaged"]', {"claim": {"reason": "damaged"}}, True),
        ('claim.reason not in ["quality", "damaged"]', {}, True),
        ("order.amount > 100 and order.amount * 0.05 < 30", {}, True),
        ("order.amount - order.amount == 0", {}, True),
        ("order.amount / 2 > 99.5", {}, False),
        ("0 < order.after_sales_requests + 1 <= 1", {}, True),
        ("hours(timeline.requested_at, now) >= 72", {}, True),
        ("days(timeline.shipped_at, timeline.buyer_signed_at) > 2", {}, True),
        ("minutes(timeline.requested_at, timeline.merchant_refused_at) == 120", {}, True),
        (
            'within(timeline.requested_at, time("2024-11-10T00:00:00+08:00"), time("2024-11-10T23:59:59+08:00"))',
            {},
            True,
        ),
        ("add_days(timeline.buyer_signed_at, 7) < timeline.requested_at", {}, False),
        ("add_hours(order.paid_at, 72) < timeline.shipped_at", {}, False),
        ('add_months(order.created_at, 3) == time("2025-02-01T10:00:00+08:00")', {}, True),
        ("max(timeline.shipped_at, timeline.buyer_signed_at) == timeline.buyer_signed_at", {}, True),
        ("min(order.amount, 30) == 30", {}, True),
        ("abs(-2) == 2 and len(order.guarantees) == 0", {}, True),
        ('"three_guarantees" in order.guarantees', {"order": {"guarantees": ["three_guarantees"]}}, True),
        ("not merchant.abused_buyer", {}, True),
        ("has(evidence) and evidence.all_pass", {"evidence": evidence()}, True),
        (
            'has(evidence) and evidence.validity.verdict == "fail"',
            {"evidence": evidence(validity="fail")},
            True,
        ),
        ("ticket.in_refund", {}, True),
        ('platform == "tmall"', {}, True),
        ("has(goods.resaleable)", {}, False),
        ("-order.amount < 0", {}, True),
    ],
)
def test_expressions_evaluate(expr: str, patch: dict[str, Any], expected: bool) -> None:
    assert run(expr, patch) is expected


def test_unknown_propagates_kleene_style() -> None:
    assert run("goods.resaleable") is None
    assert run("not goods.resaleable") is None
    assert run("goods.resaleable and False") is False  # False dominates and
    assert run("False or goods.resaleable") is None
    assert run("goods.resaleable or True") is True  # True dominates or
    assert run("goods.resaleable and merchant.abused_buyer") is False
    assert run("evidence.all_pass") is None  # no evidence: unknown, never an AttributeError
    assert run("timeline.return_signed_at > timeline.requested_at") is None
    assert run('merchant.valid_sign_proof == True and claim.reason == "other"') is None
    assert run("now > deadline.merchant_response") is None
    assert run("hours(timeline.return_signed_at, now) > 1") is None


def test_missing_names_the_shortest_unknown_prefix() -> None:
    compiled = compile_expr("evidence.consistency.verdict == 'fail' or goods.resaleable", SCHEMA, entry="t")
    case = make_case()
    assert compiled.missing(DisputeContext(case, AT, None, _Deadlines())) == ("evidence", "goods.resaleable")
    compiled = compile_expr("has(goods.resaleable)", SCHEMA, entry="t")
    assert compiled.refs == ()  # has() never makes a rule unknown


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("order.amout > 1", "unknown attribute `order.amout`; did you mean `amount`?"),
        ("evidence.consistency.verdikt == 'pass'", "did you mean `verdict`"),
        ("ordr.amount > 1", "unknown name `ordr`; did you mean `order`?"),
        ('order.amount == "x"', "cannot compare money"),
        ('claim.reason == "qualty"', "'qualty' is not a value of ClaimReason; did you mean `quality`"),
        ("claim.reason == 3", "cannot compare"),
        ('claim.reason < "quality"', "cannot compare"),
        ("timeline.shipped_at > 3", "cannot compare datetime"),
        ("order.amount", "must be a bool"),
        ("has(order.order_id)", "never null"),
        ("has(1)", "one attribute path"),
        ("foo(1)", "unknown function `foo`"),
        ("__import__('os').system('true')", "only the functions"),
        ("open('/etc/passwd')", "unknown function `open`"),
        ("order.__class__", "unknown attribute"),
        ("(lambda: True)()", "only the functions"),
        ("[x for x in order.guarantees]", "ListComp"),
        ("order.guarantees[0]", "Subscript"),
        ("True if merchant.abused_buyer else False", "IfExp"),
        ("claim.reason == None", "`None` is not allowed"),
        ("order.amount ** 2 > 1", "not allowed"),
        ("order.amount / order.amount > 1", "divide only by a literal"),
        ("order.amount / 0 > 1", "division by zero"),
        ("order.amount + order.after_sales_requests > 1", "add or subtract money only to money"),
        ("merchant.problem_time_s * order.amount > 1", "cannot mix money with a float"),
        ('time("2020-01-01T00:00:00") < now', "no UTC offset"),
        ('time("soon") < now', "not an ISO 8601"),
        ("hours(order.amount, now) > 1", "needs datetimes"),
        ("hours(now) > 1", "takes 2 argument"),
        ("hours(now, now, key=1) > 1", "no keyword"),
        ("[1, 2]", "only allowed on the right of `in`"),
        ("claim.reason in []", "always false"),
        ("claim.reason in [claim.kind]", "must be literals"),
        ("1 in order.amount", "set/list field"),
        ("not order.amount", "must be a boolean"),
        ("merchant.abused_buyer and 1", "must be a boolean"),
        ("-claim.reason", "needs a number"),
        ("add_months(now, 1.5) > now", "whole number of months"),
        ("max(now, 1) > now", "numbers of one kind or datetimes"),
        ("len(order.amount) > 1", "set or list"),
        ("order.amount >", "cannot parse"),
        ("", "empty"),
    ],
)
def test_bad_expressions_fail_at_load_naming_the_rule(expr: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        compile_expr(expr, SCHEMA, entry="rule.under_test")
    assert info.value.entry == "rule.under_test"
    assert message in str(info.value)


def test_no_eval_exec_or_compile_in_the_engine() -> None:
    source = __import__("disputes.expr", fromlist=["_"]).__file__
    assert source is not None
    tree = ast.parse(Path(source).read_text(encoding="utf-8"))
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__"}


def test_violation_polarity_is_tracked() -> None:
    c = compile_expr("merchant.abused_buyer or not merchant.fake_shipment", SCHEMA, entry="t")
    assert c.violations_pos == {"merchant.abused_buyer"}
    assert c.violations_neg == {"merchant.fake_shipment"}
    c = compile_expr("merchant.abused_buyer == False", SCHEMA, entry="t")
    assert c.violations_neg == {"merchant.abused_buyer"} and not c.violations_pos
    c = compile_expr("merchant.abused_buyer != merchant.fake_shipment", SCHEMA, entry="t")
    assert c.violations_pos == c.violations_neg == {"merchant.abused_buyer", "merchant.fake_shipment"}


def test_guards_are_extracted_for_rule_indexing() -> None:
    c = compile_expr('claim.reason in ["quality", "damaged"] and goods.quality_defect', SCHEMA, entry="t")
    assert c.guard is not None and c.guard[0] == "claim.reason"
    assert {v.value for v in c.guard[2]} == {"quality", "damaged"}
    c = compile_expr('claim.complaint != "none"', SCHEMA, entry="t")
    assert c.guard is not None and "none" not in {v.value for v in c.guard[2]}
    assert compile_expr("goods.quality_defect", SCHEMA, entry="t").guard is None
    assert compile_expr('goods.quality_defect and claim.reason == "quality"', SCHEMA, entry="t").guard is None


def test_add_months_clamps_to_month_end_in_the_platform_zone() -> None:
    schema = reopen_schema(ZONE)
    c = compile_expr(
        'add_months(order.created_at, 3) == time("2025-02-28T23:30:00+08:00")', schema, entry="t"
    )
    order = make_order(
        {"created_at": "2024-11-30T15:30:00+00:00", "paid_at": None, "trade_succeeded_at": None}
    )  # 23:30 on 30 Nov in Beijing
    assert c.fn(ReopenContext(order, Actor(), Platform.TMALL, AT))


def test_deadline_names_are_typed() -> None:
    with pytest.raises(PolicyError, match=r"unknown attribute `deadline\.merchant_respons`"):
        compile_expr("now > deadline.merchant_respons", SCHEMA, entry="t")
    schema = dispute_schema(ZONE, None)
    with pytest.raises(PolicyError, match="unknown name `deadline`"):
        compile_expr("now > deadline.merchant_response", schema, entry="t")
    assert (
        compile_expr("timeline.requested_at", SCHEMA, entry="t", expect=Kind.DATETIME).ty.kind
        is Kind.DATETIME
    )
