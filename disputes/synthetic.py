"""Varied, valid synthetic dispute cases from a seeded RNG: for the benchmark, property tests and
calibration tests. Not platform data: the mix is chosen to exercise every rule family (violations,
unboxing evidence, in-transit refunds, 7-day returns, holiday ranges, guarantees, complaints).

``random_case`` takes any :class:`random.Random`, so Hypothesis can drive it through
``st.randoms()`` and shrink failures.
"""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from evidence.model import Verdict

from .case import (
    Claim,
    ClaimKind,
    ClaimReason,
    Complaint,
    DisputeCase,
    ElementSummary,
    EvidenceSummary,
    FreightPayer,
    GoodsFacts,
    GoodsType,
    Guarantee,
    Interception,
    Logistics,
    MerchantConduct,
    MismatchSeverity,
    Order,
    OrderSource,
    PaymentMethod,
    Platform,
    RefundState,
    RefusalReason,
    SaleType,
    Ticket,
    TicketStatus,
    TicketType,
    Timeline,
)

__all__ = ["VIOLATIONS", "generate_cases", "random_case"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
VIOLATIONS = tuple(f.name for f in fields(MerchantConduct) if f.metadata.get("violation"))
_GOODS_FLAGS = tuple(f.name for f in fields(GoodsFacts) if f.type in ("bool", bool))
_EPOCHS = (
    datetime(2020, 1, 10, tzinfo=SHANGHAI),  # around the 2020 Spring Festival table
    datetime(2022, 1, 20, tzinfo=SHANGHAI),  # around the 2022 table
    datetime(2023, 3, 1, tzinfo=SHANGHAI),
    datetime(2024, 10, 1, tzinfo=SHANGHAI),
)


def _maybe(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def _tri(rng: random.Random) -> bool | None:
    return rng.choice((None, True, False))


def _after(rng: random.Random, t: datetime, max_hours: float) -> datetime:
    return t + timedelta(seconds=int(rng.random() * max_hours * 3600))


def _evidence(rng: random.Random) -> EvidenceSummary:
    weights = rng.choice(((0.9, 0.07, 0.03), (0.6, 0.25, 0.15), (0.3, 0.5, 0.2)))

    def element() -> ElementSummary:
        verdict = rng.choices((Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE), weights)[0]
        score = rng.uniform(0.7, 1.0) if verdict is Verdict.PASS else rng.uniform(0.0, 0.6)
        return ElementSummary(verdict=verdict, score=round(score, 3))

    return EvidenceSummary(
        consistency=element(),
        completeness=element(),
        validity=element(),
        timeliness=element(),
        analyser_version="synthetic",
    )


def random_case(rng: random.Random, index: int = 0, platform: Platform | None = None) -> DisputeCase:
    """One valid case; every field drawn from ``rng``."""
    plat = platform or rng.choice(tuple(Platform))
    created = _after(rng, rng.choice(_EPOCHS), 24 * 40)
    cod = plat is Platform.DOUYIN and _maybe(rng, 0.05)
    paid = None if cod else _after(rng, created, 2)
    kind = rng.choice((ClaimKind.REFUND_ONLY, ClaimKind.RETURN_AND_REFUND, ClaimKind.EXCHANGE))
    reason = rng.choice(tuple(ClaimReason))
    shipped = (
        None
        if (kind is ClaimKind.REFUND_ONLY and _maybe(rng, 0.35))
        else _after(rng, paid or created, 24 * 4)
    )
    signed = _after(rng, shipped, 24 * 4) if shipped is not None and _maybe(rng, 0.8) else None
    succeeded = _after(rng, signed, 24 * 12) if signed is not None and _maybe(rng, 0.5) else None
    requested = _after(rng, signed or shipped or paid or created, 24 * 25)
    timeline: dict[str, datetime | None] = {
        "requested_at": requested,
        "shipped_at": shipped,
        "buyer_signed_at": signed,
    }
    if _maybe(rng, 0.1):
        timeline["modified_at"] = _after(rng, requested, 24 * 2)
    responded = _after(rng, requested, 24 * 7) if _maybe(rng, 0.75) else None
    timeline["merchant_responded_at"] = responded
    refusal = RefusalReason.NONE
    if responded is not None and _maybe(rng, 0.7):
        timeline["merchant_refused_at"] = responded
        refusal = rng.choice(tuple(RefusalReason)[1:])
    last = responded or requested
    if kind is not ClaimKind.REFUND_ONLY and shipped is not None and _maybe(rng, 0.6):
        timeline["return_agreed_at"] = agreed = _after(rng, requested, 24 * 2)
        timeline["return_shipped_at"] = ret = _after(rng, max(agreed, shipped), 24 * 3)
        last = max(last, ret)
        if _maybe(rng, 0.8):
            timeline["return_signed_at"] = last = _after(rng, ret, 24 * 4)
    if _maybe(rng, 0.05):
        timeline["reshipped_at"] = _after(rng, requested, 24 * 3)
    if kind is ClaimKind.EXCHANGE and _maybe(rng, 0.3):
        timeline["exchange_shipped_at"] = _after(rng, requested, 24 * 5)
    if _maybe(rng, 0.4):
        timeline["intervention_requested_at"] = iv = _after(rng, requested, 24 * 8)
        timeline["evidence_deadline"] = _after(rng, iv, 24 * 7)
        if _maybe(rng, 0.3):
            timeline["buyer_evidence_submitted_at"] = _after(rng, iv, 24 * 3)
    evidence = _evidence(rng) if _maybe(rng, 0.45) else None
    if evidence is not None or _maybe(rng, 0.2):
        base = max(t for t in (last, timeline.get("intervention_requested_at")) if t is not None)
        timeline["evidence_submitted_at"] = _after(rng, base, 24 * 9)
    as_of = max(t for k, t in timeline.items() if t is not None and k != "evidence_deadline")
    as_of = _after(rng, as_of, 24 * 12)
    refused_delivery = shipped is not None and signed is None and _maybe(rng, 0.2)
    if refused_delivery:
        assert shipped is not None
        timeline["delivery_refused_at"] = _after(rng, shipped, 24 * 2)
        as_of = max(as_of, timeline["delivery_refused_at"] or as_of)
    guarantees = frozenset(g for g in Guarantee if _maybe(rng, 0.12))
    sale_type = rng.choices(tuple(SaleType), (0.7, 0.1, 0.1, 0.1))[0]
    paid_amount = Decimal(rng.choice((rng.randint(1, 2000), rng.randint(100, 99999) / 100))).quantize(
        Decimal("0.01")
    )
    order = Order(
        order_id=f"SYN-{index}",
        amount=paid_amount,
        created_at=created,
        paid_at=paid,
        payment_method=PaymentMethod.CASH_ON_DELIVERY if cod else PaymentMethod.ONLINE,
        goods_type=rng.choices(tuple(GoodsType), (0.9, 0.05, 0.05))[0],
        sale_type=sale_type,
        source=rng.choices(tuple(OrderSource), (0.94, 0.02, 0.02, 0.02))[0],
        guarantees=guarantees,
        free_shipping=_maybe(rng, 0.5),
        promised_ship_by=_after(rng, created, 24 * 6)
        if (sale_type in (SaleType.PRESALE, SaleType.CUSTOM) or _maybe(rng, 0.15))
        else None,
        protection_period_days=rng.choice((None, None, None, 30, 90)),
        return_commitment_days=rng.choice((7, 15, 30)) if Guarantee.RETURN_COMMITMENT in guarantees else None,
        agreed_freight_payer=rng.choice((None, *FreightPayer))
        if Guarantee.RETURN_COMMITMENT in guarantees
        else None,
        trade_succeeded_at=succeeded,
        after_sales_requests=rng.choice((0, 0, 1)),
        entry_reopens=rng.choice((0, 0, 0, 1)),
        refund_state=rng.choice(tuple(RefundState)),
    )
    amount = (
        paid_amount if _maybe(rng, 0.7) else (paid_amount * Decimal(rng.random())).quantize(Decimal("0.01"))
    )
    complaint = rng.choice(tuple(Complaint)[1:]) if _maybe(rng, 0.15) else Complaint.NONE
    claim = Claim(
        kind=kind,
        reason=reason,
        amount=amount,
        complaint=complaint,
        complaint_withdrawn=complaint is not Complaint.NONE and _maybe(rng, 0.1),
        buyer_evidence_valid=_tri(rng),
        buyer_accepts_compensation=rng.choice((None, None, True, False)),
        buyer_wants_goods=_tri(rng),
        buyer_paid_merchant=_maybe(rng, 0.02),
    )
    merchant = MerchantConduct(
        refusal_reason=refusal,
        valid_sign_proof=_tri(rng),
        **{name: _maybe(rng, 0.03) for name in VIOLATIONS},
    )
    not_as_described = _maybe(rng, 0.05)
    goods = GoodsFacts(
        **{name: _maybe(rng, 0.04) for name in _GOODS_FLAGS if name != "not_as_described"},
        not_as_described=not_as_described,
        mismatch_severity=rng.choice(tuple(MismatchSeverity))
        if not_as_described and _maybe(rng, 0.8)
        else None,
        missing_affects_main_use=_tri(rng),
        resaleable=_tri(rng),
        returned_intact=_tri(rng) if "return_signed_at" in timeline else None,
    )
    logistics = Logistics(
        return_tracking_number=f"RT{index:08d}" if "return_shipped_at" in timeline else None,
        interception=rng.choice(tuple(Interception)) if kind is ClaimKind.REFUND_ONLY else Interception.NONE,
        buyer_refused_delivery=refused_delivery,
        refusal_had_reason=_tri(rng) if refused_delivery else None,
        signed_by_buyer=_tri(rng) if signed is not None else None,
        signed_by_other=_tri(rng) if signed is not None else None,
        designated_courier_matched=_tri(rng),
        arrived_late=_tri(rng),
        return_by_surface_mail=_maybe(rng, 0.05),
    )
    ticket = Ticket(
        type=rng.choice(tuple(TicketType)),
        status=TicketStatus.AWAITING_MERCHANT if responded is None else rng.choice(tuple(TicketStatus)[1:]),
    )
    # facts added with issue #14, drawn last so the draws above keep their order
    order, claim, timeline, as_of = _later_facts(rng, order, claim, timeline, logistics, as_of)
    return DisputeCase(
        case_id=f"synthetic-{index}",
        platform=plat,
        order=order,
        claim=claim,
        ticket=ticket,
        timeline=Timeline(**{k: v for k, v in timeline.items() if v is not None}),
        merchant=merchant,
        goods=goods,
        logistics=logistics,
        evidence=evidence,
        as_of=as_of,
    )


def _times(rng: random.Random, count: int, start: datetime, hours: float) -> tuple[datetime, ...] | None:
    """``count`` event times after ``start``, or None (times unknown) now and then."""
    if count == 0 or _maybe(rng, 0.4):
        return None
    return tuple(sorted(_after(rng, start, hours) for _ in range(count)))


def _later_facts(
    rng: random.Random,
    order: Order,
    claim: Claim,
    timeline: dict[str, datetime | None],
    logistics: Logistics,
    as_of: datetime,
) -> tuple[Order, Claim, dict[str, datetime | None], datetime]:
    """The claim kinds, times and unknowns of issue #14 (guarantee claims, rule complaints, re-open
    and application times, a missing amount or creation time)."""
    assert order.created_at is not None
    roll = rng.random()
    if roll < 0.04:
        claim = replace(claim, kind=ClaimKind.GUARANTEE_COMPENSATION)
    elif roll < 0.08:
        complaint = (
            claim.complaint if claim.complaint is not Complaint.NONE else rng.choice(tuple(Complaint)[1:])
        )
        claim = replace(claim, kind=ClaimKind.RULE_COMPLAINT, complaint=complaint)
    requested = timeline["requested_at"]
    assert requested is not None
    shipped = timeline.get("shipped_at")
    if shipped is not None and _maybe(rng, 0.3):
        timeline["marked_shipped_at"] = max(order.created_at, shipped - timedelta(hours=rng.random() * 30))
    decided = logistics.interception in (Interception.SUCCEEDED, Interception.FAILED)
    if shipped is not None and decided and _maybe(rng, 0.5):
        timeline["interception_result_at"] = _after(rng, shipped, 24 * 2)
    if _maybe(rng, 0.15):
        timeline["refunded_at"] = _after(rng, requested, 24 * 6)
    if claim.complaint is not Complaint.NONE and _maybe(rng, 0.6):
        timeline["complaint_filed_at"] = _after(rng, order.created_at, 24 * 20)
    base = order.trade_succeeded_at or order.created_at
    updates: dict[str, object] = {
        "closed_at": _after(rng, base, 24 * 30) if _maybe(rng, 0.1) else None,
        "entry_reopened_at": _times(rng, order.entry_reopens, base + timedelta(days=8), 24 * 40),
        "after_sales_requested_at": _times(rng, order.after_sales_requests, base, 24 * 30),
    }
    if _maybe(rng, 0.03):
        updates["amount"] = None
        claim = replace(claim, amount=None)
    if _maybe(rng, 0.03):
        updates["created_at"] = None
    order = replace(order, **updates)  # type: ignore[arg-type]
    latest = max(
        [t for k, t in timeline.items() if t is not None and k != "evidence_deadline"]
        + [t for t in (order.closed_at,) if t is not None]
        + list(order.entry_reopened_at or ())
        + list(order.after_sales_requested_at or ())
    )
    return order, claim, timeline, max(as_of, latest)


def generate_cases(n: int, seed: int = 0, platform: Platform | None = None) -> list[DisputeCase]:
    """``n`` cases from ``random.Random(seed)`` (same seed, same cases)."""
    rng = random.Random(seed)
    return [random_case(rng, i, platform) for i in range(n)]
