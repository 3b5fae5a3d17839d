"""The dispute-case model: what proofbox knows about one after-sales dispute, validated.

A :class:`DisputeCase` is the input of prediction (``disputes.predict``). It is plain frozen data
with a JSON form (:func:`from_dict` / :meth:`DisputeCase.to_dict`) that round-trips exactly: the
proto JSON mapping of ``proofbox.v1.DisputeCase`` (read by protobuf's ``json_format``, either
spelling of names; see :mod:`disputes.wire`), money a decimal string in yuan. Every validation error is an :class:`~evidence.errors.InvalidInput` whose ``field`` is the
exact path (``timeline.buyer_signed_at``, ``order.amount``).

Conventions the rules rely on:

* ``None`` in a ``timeline`` field means the event has not happened (as of ``as_of``).
* ``bool`` facts about conduct and goods default to ``False``: "not established".
* ``bool | None`` facts default to ``None``: "unknown". Rules that turn on them report them as
  missing facts instead of guessing.
* Merchant violation flags (``merchant.*`` booleans marked ``violation``) only ever count against
  the merchant; the policy loader enforces that (see ``disputes.expr``).

Trade success (交易成功, the buyer confirmed receipt) sits on the order, not the timeline, because
re-opening the after-sales entry is decided from the order alone (``reopen_eligibility``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from evidence.errors import InvalidInput
from evidence.model import Assessment, CaseFacts, Element, Verdict

from .wire import aware, from_json, money, to_dict

__all__ = [
    "Actor",
    "ActorKind",
    "Claim",
    "ClaimKind",
    "ClaimReason",
    "Complaint",
    "DisputeCase",
    "ElementSummary",
    "EvidenceSummary",
    "FreightPayer",
    "GoodsFacts",
    "GoodsType",
    "Guarantee",
    "Interception",
    "Logistics",
    "MerchantConduct",
    "MismatchSeverity",
    "Order",
    "OrderSource",
    "PaymentMethod",
    "Platform",
    "RefundState",
    "RefusalReason",
    "SaleType",
    "Ticket",
    "TicketStatus",
    "TicketType",
    "Timeline",
    "evidence_facts",
    "from_dict",
]


# --- enums (wire form: the lower-case value) ---------------------------------------------------


class Platform(StrEnum):
    TMALL = "tmall"
    TAOBAO = "taobao"
    DOUYIN = "douyin"


class PaymentMethod(StrEnum):
    ONLINE = "online"  # 在线支付
    CASH_ON_DELIVERY = "cash_on_delivery"  # 货到付款


class GoodsType(StrEnum):
    PHYSICAL = "physical"  # 实物商品
    VIRTUAL = "virtual"  # 虚拟商品
    VOUCHER = "voucher"  # 卡券类商品


class SaleType(StrEnum):
    NORMAL = "normal"
    GROUP_BUY = "group_buy"  # 聚划算
    PRESALE = "presale"  # 预售
    CUSTOM = "custom"  # 定制


class OrderSource(StrEnum):
    """Where a Douyin order came from; the education programmes cannot have their entry re-opened."""

    STANDARD = "standard"
    QINGBEI_ONLINE_SCHOOL = "qingbei_online_school"  # 清北网校
    XUELANG = "xuelang"  # 学浪
    HAOHAO_XUEXI = "haohao_xuexi"  # 好好学习


class Guarantee(StrEnum):
    """Consumer-guarantee services an item carries (seed 003 §一, seed 002 Ⅵ)."""

    QUALITY_COMMITMENT = "quality_commitment"  # 品质承诺
    SHIPPING_TIME_COMMITMENT = "shipping_time_commitment"  # 时间承诺
    RETURN_COMMITMENT = "return_commitment"  # 退货承诺
    DAMAGE_RESHIP = "damage_reship"  # 破损补寄
    DESIGNATED_COURIER = "designated_courier"  # 指定快递
    ARRIVAL_COMMITMENT = "arrival_commitment"  # 到货承诺
    THREE_GUARANTEES = "three_guarantees"  # 三包 (statutory repair/replace/return)


class RefundState(StrEnum):
    NONE = "none"
    IN_PROGRESS = "in_progress"  # 退款中
    PARTIALLY_REFUNDED = "partially_refunded"
    FULLY_REFUNDED = "fully_refunded"  # 已全款退款成功


class ClaimKind(StrEnum):
    REFUND_ONLY = "refund_only"  # 仅退款
    RETURN_AND_REFUND = "return_and_refund"  # 退货退款
    EXCHANGE = "exchange"  # 换货
    GUARANTEE_COMPENSATION = "guarantee_compensation"  # 消费者保障服务赔付 (seed 003 §一)
    RULE_COMPLAINT = "rule_complaint"  # a stand-alone 规则类投诉 (seed 002 Ⅲ-三)


class ClaimReason(StrEnum):
    """The reason the buyer chose; a swapped/damaged *return* is the merchant's position (RefusalReason)."""

    NO_REASON_7_DAY = "no_reason_7_day"  # 七天无理由
    QUALITY = "quality"  # 质量问题
    NOT_AS_DESCRIBED = "not_as_described"  # 描述不符 / 货不对版
    DAMAGED = "damaged"  # 破损
    WRONG_ITEM = "wrong_item"  # 错发
    MISSING_ITEM = "missing_item"  # 少发漏发
    MISSING_GIFT = "missing_gift"  # 赠品漏发
    NOT_RECEIVED = "not_received"  # 未收到货
    LATE_SHIPMENT = "late_shipment"  # 未按约定时间发货
    OUT_OF_STOCK = "out_of_stock"  # 卖家缺货
    INVOICE = "invoice"  # 发票问题
    PRICE_DROP = "price_drop"  # 商品降价
    NO_LONGER_WANTED = "no_longer_wanted"  # 不想要了 (seed 002 Ⅱ-二-1)
    REFUSED_DELIVERY = "refused_delivery"  # 拒收/拒签 (seed 002 Ⅲ-二 关于拒签)
    COUNTERFEIT = "counterfeit"  # 假冒品牌 (seed 001 常见问题5)
    REFUSED_BEFORE_PAYMENT = "refused_before_payment"  # 付款前拒绝交易或发货 (seed 002 Ⅲ-三-1)
    OFFICIAL_ACTIVITY = "official_activity"  # 官方活动未按要求服务 (seed 002 Ⅲ-三-1)
    OTHER = "other"


class Complaint(StrEnum):
    """A rule complaint (规则类投诉) the buyer filed alongside the after-sales request (seed 002 Ⅲ-三)."""

    NONE = "none"  # no complaint filed
    INVOICE = "invoice"  # 发票问题
    REFUSED_BEFORE_PAYMENT = "refused_before_payment"  # 付款前拒绝交易或发货
    PROMISE_BREACH = "promise_breach"  # 承诺的赠品/服务/包邮未做到
    OFFICIAL_ACTIVITY = "official_activity"  # 官方活动未按要求服务
    DESCRIPTION_MISMATCH = "description_mismatch"  # 描述不符


class MismatchSeverity(StrEnum):
    """The three description-mismatch severities of seed 002 Ⅲ-三-2."""

    SEVERE = "severe"  # 材质、成份严重不符, or the buyer cannot use it
    AFFECTS_USE = "affects_use"  # not disclosed / not matching, affects normal use
    MINOR = "minor"  # not disclosed / not matching, no material effect on use


class TicketType(StrEnum):
    """After-sales ticket (工单) types of seed 003, plus refund-only and the types it excludes."""

    RETURN_REFUND = "return_refund"  # 退货退款
    REFUND_ONLY = "refund_only"  # 仅退款
    EXCHANGE = "exchange"  # 换货
    ADDRESS_CHANGE = "address_change"  # 改地址
    RESHIP = "reship"  # 补发
    RETURN_ADDRESS = "return_address"  # 提供退货地址
    REPAIR = "repair"  # 维修
    POSTAGE_REFUND = "postage_refund"  # 退邮费
    DELIVERY_PROBLEM = "delivery_problem"  # 配送问题
    URGE_SHIPMENT = "urge_shipment"  # 催发货
    SIGNED_ELSEWHERE = "signed_elsewhere"  # 异地签收
    LOGISTICS_STALLED = "logistics_stalled"  # 物流停滞
    INVOICE_REQUEST = "invoice_request"  # 催开发票
    PRESALE_DEPOSIT_REFUND = "presale_deposit_refund"  # 预售退定金


class TicketStatus(StrEnum):
    AWAITING_MERCHANT = "awaiting_merchant"  # 等待商家处理
    MERCHANT_REFUSED = "merchant_refused"  # 商家拒绝
    AWAITING_RETURN = "awaiting_return"  # 等待买家退货
    RETURN_SHIPPED = "return_shipped"  # 买家已退货,等待商家确认收货
    PLATFORM_INTERVENTION = "platform_intervention"  # 平台介入中
    REFUNDED = "refunded"
    CLOSED = "closed"
    NEGOTIATING = "negotiating"  # 协商中: not yet agreed with the buyer (seed 003 二.3)
    AWAITING_BUYER_CONFIRMATION = "awaiting_buyer_confirmation"  # 等待买家确认、修改 (seed 002 Ⅷ 1a)


IN_REFUND = frozenset(
    {
        TicketStatus.AWAITING_MERCHANT,
        TicketStatus.MERCHANT_REFUSED,
        TicketStatus.AWAITING_RETURN,
        TicketStatus.RETURN_SHIPPED,
        TicketStatus.NEGOTIATING,
        TicketStatus.AWAITING_BUYER_CONFIRMATION,
    }
)


class RefusalReason(StrEnum):
    """Why the merchant refuses or contests the buyer's request."""

    NONE = "none"  # the merchant does not refuse
    RETURNED_SWAPPED = "returned_swapped"  # 买家寄回的商品被调包
    RETURNED_DAMAGED = "returned_damaged"  # 寄回的商品破损
    RETURNED_INCOMPLETE = "returned_incomplete"  # 寄回的商品缺件
    NOT_RESALEABLE = "not_resaleable"  # 影响二次销售
    OUTSIDE_NO_REASON_PERIOD = "outside_no_reason_period"  # 超过7天无理由期限
    NO_QUALITY_PROBLEM = "no_quality_problem"  # 商品无质量问题
    DELIVERED = "delivered"  # 物流显示已签收
    DEMANDS_RETURN = "demands_return"  # 要求先退货再退款
    RECEIPT_CONFIRMED = "receipt_confirmed"  # 买家已确认收货 (seed 002 Ⅰ)
    GENUINE_GOODS = "genuine_goods"  # 商品为正品 (answer to a counterfeit claim; seed 001 进货凭证)
    OTHER = "other"


class Interception(StrEnum):
    NONE = "none"
    REQUESTED = "requested"  # 已点击拦截快递
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class FreightPayer(StrEnum):
    BUYER = "buyer"
    MERCHANT = "merchant"
    SPLIT = "split"  # each party pays the leg it ships (七天无理由, 商家包邮)


class ActorKind(StrEnum):
    MAIN_ACCOUNT = "main_account"  # 主账号
    SUB_ACCOUNT = "sub_account"  # 子账号


MAX_DAYS = 3650  # day counts (after-sales periods, return commitments): ten years at most
MAX_COUNT = 10_000  # request/re-open counters


def _violation() -> Any:
    """A merchant-violation flag: establishing it may only ever count against the merchant."""
    return field(default=False, metadata={"violation": True})


# --- parts of a case ---------------------------------------------------------------------------


class _Codec:
    """``from_dict`` / ``to_dict`` for every part, so parts can be sent on their own (e.g. an order).

    The JSON form is the proto JSON mapping of the proofbox.v1 message of the same name (see
    :mod:`disputes.wire`): both spellings of field names, enum names or their short lower-case form.
    """

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "") -> Any:
        return from_json(cls, data, path)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


def _check_order(earlier: tuple[str, datetime | None], later: tuple[str, datetime | None]) -> None:
    """``later`` must not precede ``earlier`` when both are known; the error names ``later``'s path."""
    (early_name, early), (late_name, late) = earlier, later
    if early is not None and late is not None and late < early:
        raise InvalidInput(
            f"{late.isoformat()} is before {early_name} ({early.isoformat()}); one of the two is wrong",
            field=late_name,
        )


@dataclass(frozen=True)
class Order(_Codec):
    """The order as the platform records it.

    Only ``order_id`` is required: rules that need a missing fact (the amount for compensation, the
    creation time for the re-open age limits) come out *unknown* and name it, the others still answer.
    """

    order_id: str  #: the platform's order number
    amount: Decimal | None = None  #: the amount actually paid for the item, in yuan (实际成交额)
    created_at: datetime | None = None  #: when the order was created (下单)
    currency: str = "CNY"  #: ISO 4217 code; the packs' money rules are in yuan (CNY)
    paid_at: datetime | None = None  #: when the buyer paid; None for unpaid or cash on delivery
    payment_method: PaymentMethod = PaymentMethod.ONLINE  #: online or cash on delivery
    goods_type: GoodsType = GoodsType.PHYSICAL  #: physical, virtual or voucher (卡券)
    category: str = ""  #: the platform category, free text (for reports)
    sale_type: SaleType = SaleType.NORMAL  #: normal, group buy (聚划算), presale or custom-made
    source: OrderSource = OrderSource.STANDARD  #: Douyin education programmes and the like
    guarantees: frozenset[Guarantee] = frozenset()  #: consumer-guarantee services on the item
    free_shipping: bool = False  #: the merchant ships free (商家包邮)
    promised_ship_by: datetime | None = None  #: agreed/described shipping time (约定/描述的发货时间)
    protection_period_days: int | None = None  #: the category's after-sales period if not the default
    return_commitment_days: int | None = None  #: days from sign-for promised by 退货承诺
    agreed_freight_payer: FreightPayer | None = None  #: who pays return freight under 退货承诺
    item_codes: tuple[str, ...] = ()  #: product barcodes (EAN/UPC/SKU) of the ordered item
    trade_succeeded_at: datetime | None = None  #: trade success / confirmed receipt (交易成功)
    after_sales_requests: int = 0  #: after-sales requests the buyer has made on this order
    entry_reopens: int = 0  #: times the merchant re-opened the after-sales entry
    refund_state: RefundState = RefundState.NONE  #: refund status of the order as a whole
    closed_at: datetime | None = None  #: the trade closed (交易关闭; seed 003 "自关闭状态之日起")
    #: when the merchant re-opened the entry, each time (seed 004 注意事项1: the entry shows for 5 days
    #: from opening; seed 000: the buyer may apply within 30 days of opening). None: times unknown.
    entry_reopened_at: tuple[datetime, ...] | None = None
    #: when the buyer made each after-sales application (seed 004 注意事项2 counts those within the
    #: period; seed 000 allows one after re-opening). None: times unknown.
    after_sales_requested_at: tuple[datetime, ...] | None = None

    def __post_init__(self) -> None:
        if not self.order_id:
            raise InvalidInput("must not be empty", field="order.order_id")
        if self.amount is not None:
            money(self.amount, "order.amount")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise InvalidInput(
                f"{self.currency!r} is not an ISO 4217 code such as 'CNY'", field="order.currency"
            )
        for name in ("created_at", "paid_at", "promised_ship_by", "trade_succeeded_at", "closed_at"):
            value = getattr(self, name)
            if value is not None:
                aware(value, f"order.{name}")
        for name in ("protection_period_days", "return_commitment_days"):
            days = getattr(self, name)
            if days is not None and not 0 < days <= MAX_DAYS:
                raise InvalidInput(f"must be 1 to {MAX_DAYS} days, got {days}", field=f"order.{name}")
        for name in ("after_sales_requests", "entry_reopens"):
            if not 0 <= getattr(self, name) <= MAX_COUNT:
                raise InvalidInput(f"must be 0 to {MAX_COUNT}", field=f"order.{name}")
        created = ("order.created_at", self.created_at)
        _check_order(created, ("order.paid_at", self.paid_at))
        _check_order(created, ("order.trade_succeeded_at", self.trade_succeeded_at))
        _check_order(created, ("order.promised_ship_by", self.promised_ship_by))
        _check_order(created, ("order.closed_at", self.closed_at))
        self._times("entry_reopened_at", "entry_reopens")
        self._times("after_sales_requested_at", "after_sales_requests")

    def _times(self, name: str, count_name: str) -> None:
        """Check a list of event times against its count, and normalise: with no times given, the
        times are known to be none when the count is 0 and unknown (None) otherwise; with times
        given, a count of 0 becomes their number."""
        times: tuple[datetime, ...] | None = getattr(self, name)
        count: int = getattr(self, count_name)
        if not times:
            object.__setattr__(self, name, () if count == 0 else None)
            return
        if len(times) > MAX_COUNT:
            raise InvalidInput(f"lists more than {MAX_COUNT} times", field=f"order.{name}")
        for i, t in enumerate(times):
            aware(t, f"order.{name}[{i}]")
            _check_order(("order.created_at", self.created_at), (f"order.{name}[{i}]", t))
        if count == 0:
            object.__setattr__(self, count_name, len(times))
        elif count != len(times):
            raise InvalidInput(
                f"lists {len(times)} time(s) but order.{count_name} is {count}; give every time or none",
                field=f"order.{name}",
            )
        if list(times) != sorted(times):
            object.__setattr__(self, name, tuple(sorted(times)))


@dataclass(frozen=True)
class Claim(_Codec):
    """What the buyer asks for and why."""

    kind: ClaimKind  #: refund only, return and refund, or exchange
    reason: ClaimReason  #: the reason the buyer chose
    amount: Decimal | None = None  #: refund asked for, in yuan; at most the order amount
    complaint: Complaint = Complaint.NONE  #: a rule complaint (规则类投诉) filed with the request
    complaint_withdrawn: bool = False  #: the buyer withdrew the complaint (cannot file it again)
    buyer_evidence_valid: bool | None = None  #: the buyer's photos/videos prove the problem
    buyer_accepts_compensation: bool | None = None  #: the buyer accepted a compensation offer
    buyer_wants_goods: bool | None = None  #: after a failed interception, the buyer still wants the goods
    buyer_paid_merchant: bool = False  #: the buyer already paid the merchant (买家已打款给商家)

    def __post_init__(self) -> None:
        if self.amount is not None:
            money(self.amount, "claim.amount")
        if self.complaint_withdrawn and self.complaint is Complaint.NONE:
            raise InvalidInput("is true but no complaint was filed", field="claim.complaint_withdrawn")
        if self.kind is ClaimKind.RULE_COMPLAINT and self.complaint is Complaint.NONE:
            raise InvalidInput(
                "a rule_complaint claim needs the complaint filed (invoice, promise_breach, ...)",
                field="claim.complaint",
            )


@dataclass(frozen=True)
class Ticket(_Codec):
    """The after-sales ticket (工单) and where it stands."""

    type: TicketType  #: the ticket type
    status: TicketStatus  #: where the ticket stands
    ticket_id: str = ""  #: the platform's ticket or refund number

    @property
    def in_refund(self) -> bool:
        """The refund is still in progress (退款中): the state in which intervention may be requested."""
        return self.status in IN_REFUND


@dataclass(frozen=True)
class Timeline(_Codec):
    """When things happened. ``None`` means it has not happened (as of the case's ``as_of``)."""

    requested_at: datetime  #: the buyer requested the refund/after-sales (申请)
    modified_at: datetime | None = None  #: the buyer last modified the request (修改)
    merchant_responded_at: datetime | None = None  #: the merchant first acted on the request
    merchant_refused_at: datetime | None = None  #: the merchant refused (拒绝)
    shipped_at: datetime | None = None  #: shipped, as the courier's system records it
    buyer_signed_at: datetime | None = None  #: logistics shows the parcel signed for (签收)
    delivery_refused_at: datetime | None = None  #: the buyer refused the delivery (拒签)
    return_agreed_at: datetime | None = None  #: the merchant agreed to the return (同意退货)
    return_shipped_at: datetime | None = None  #: the buyer shipped the return
    return_signed_at: datetime | None = None  #: the merchant signed for the returned parcel
    reshipped_at: datetime | None = None  #: the merchant reshipped goods (补寄/补发)
    exchange_shipped_at: datetime | None = None  #: the merchant sent the exchanged/repaired item
    intervention_requested_at: datetime | None = None  #: someone asked the platform to intervene
    evidence_deadline: datetime | None = None  #: end of the merchant's evidence period (举证期)
    evidence_submitted_at: datetime | None = None  #: the merchant submitted evidence
    buyer_evidence_submitted_at: datetime | None = None  #: the buyer completed their evidence
    #: the merchant marked the order shipped in the back end; the courier's record (shipped_at) is
    #: what counts (seed 002 Ⅲ-一 "以快遞公司系統內記錄的時間為准")
    marked_shipped_at: datetime | None = None
    interception_result_at: datetime | None = None  #: the courier reported the interception's result
    refunded_at: datetime | None = None  #: the refund was completed (退款完成)
    complaint_filed_at: datetime | None = None  #: the rule complaint (规则类投诉) was filed

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                aware(value, f"timeline.{f.name}")


@dataclass(frozen=True)
class MerchantConduct(_Codec):
    """The merchant's position and any established violations (申诉失败 list, seed 001 常见问题5)."""

    refusal_reason: RefusalReason = RefusalReason.NONE  #: why the merchant refuses, if it does
    problem_time_s: float | None = None  #: where the merchant's video shows the problem (seconds)
    valid_sign_proof: bool | None = None  #: a valid sign-for proof was provided in the evidence period
    abused_buyer: bool = _violation()  #: 辱骂消费者
    passive_service: bool = _violation()  #: 服务消极或敷衍
    forced_shipment: bool = _violation()  #: 强行发货
    fake_shipment: bool = _violation()  #: 虚假发货
    out_of_stock: bool = _violation()  #: 缺货
    return_address_unclear: bool = _violation()  #: 退货地址不清晰
    return_address_wrong: bool = _violation()  #: 退货地址错误
    broke_promise: bool = _violation()  #: broke a promise made in the listing, chat or refund message
    breached_three_guarantees: bool = _violation()  #: did not honour 三包
    no_purchase_proof: bool = _violation()  #: cannot show valid, order-related purchase records
    no_return_method_offered: bool = (
        _violation()
    )  #: couriers refuse the goods and no way to return was offered
    daigou_in_stock: bool = _violation()  #: sold as 代购 but actually shipped from stock
    refused_invoice: bool = _violation()  #: refused an invoice or charged the buyer its tax or postage
    refused_before_payment: bool = (
        _violation()
    )  #: refused the trade or shipping before payment (e.g. closed it)
    charged_extra_shipping: bool = _violation()  #: asked extra postage despite a free-shipping promise
    violated_official_activity: bool = _violation()  #: did not serve as an official activity requires
    #: shipped late (未按约定时间发货), as a stated fact, e.g. when the promised time is unknown
    late_shipment: bool = _violation()

    def __post_init__(self) -> None:
        if self.problem_time_s is not None and not 0 <= self.problem_time_s < math.inf:
            raise InvalidInput(
                "must be a finite, non-negative number of seconds", field="merchant.problem_time_s"
            )


@dataclass(frozen=True)
class GoodsFacts(_Codec):
    """Facts about the goods; ``False`` means not established, ``None`` means unknown."""

    quality_defect: bool = False  #: the goods have a quality problem
    not_as_described: bool = False  #: 货不对版 / 描述不符
    mismatch_severity: MismatchSeverity | None = None  #: how badly, when not as described
    damaged: bool = False  #: arrived damaged (破损)
    wrong_item_sent: bool = False  #: 错发
    missing_item: bool = False  #: 漏发 (an item or a gift)
    exaggerated_advertising: bool = False  #: 夸大宣传 or another breach of the advertising law
    food_safety_violation: bool = False  #: breaches the Food Safety Law
    prohibited: bool = False  #: 违禁品
    counterfeit_or_ip: bool = False  #: 假冒品牌 or intellectual-property infringement
    unfit_for_return: bool = False  #: expired/opened food or fresh goods, destroyed goods
    courier_refuses_return: bool = False  #: couriers will not take the goods back (nature of the goods)
    missing_affects_main_use: bool | None = None  #: the missing item/gift affects using the main item
    resaleable: bool | None = None  #: the returned goods can be resold (tags on, unwashed, unused)
    returned_intact: bool | None = None  #: the goods came back to the merchant intact
    return_freight_exceeds_value: bool = False  #: return postage costs more than the goods are worth
    worthless_after_return: bool = False  #: returned goods would be worthless (e.g. rotten fruit)
    return_courier_embargo: bool = False  #: couriers embargo the goods for returns

    def __post_init__(self) -> None:
        if self.mismatch_severity is not None and not self.not_as_described:
            raise InvalidInput(
                "is set but goods.not_as_described is false; set both or neither",
                field="goods.mismatch_severity",
            )


@dataclass(frozen=True)
class Logistics(_Codec):
    """Parcels both ways."""

    tracking_number: str | None = None  #: outbound waybill number
    return_tracking_number: str | None = None  #: return waybill number
    interception: Interception = Interception.NONE  #: interception of an in-transit parcel
    buyer_refused_delivery: bool = False  #: the buyer refused the parcel (拒签)
    refusal_had_reason: bool | None = None  #: the refusal had a reason (e.g. damaged on arrival)
    signed_by_buyer: bool | None = None  #: the courier confirms the buyer signed in person (本人签收)
    signed_by_other: bool | None = None  #: someone else signed for the buyer (代签)
    designated_courier_matched: bool | None = None  #: the designated courier (指定快递) delivered
    arrived_late: bool | None = None  #: arrived later than the arrival commitment (到货承诺)
    return_by_surface_mail: bool = False  #: the return went by surface mail (平邮)

    def __post_init__(self) -> None:
        if self.refusal_had_reason is not None and not self.buyer_refused_delivery:
            raise InvalidInput(
                "is set but logistics.buyer_refused_delivery is false", field="logistics.refusal_had_reason"
            )


@dataclass(frozen=True)
class ElementSummary(_Codec):
    """One element's verdict as plain data (from an Assessment, or an archived case)."""

    verdict: Verdict  #: pass, fail or inconclusive
    score: float = 0.0  #: in [0, 1]; 1 is fully satisfied
    findings: tuple[str, ...] = ()  #: stable finding codes behind the verdict


ELEMENT_NAMES = ("consistency", "completeness", "validity", "timeliness")


@dataclass(frozen=True)
class EvidenceSummary(_Codec):
    """The merchant's unboxing evidence, reduced to the four element verdicts (seed 001 常见问题3)."""

    consistency: ElementSummary  #: 一致性
    completeness: ElementSummary  #: 完整性
    validity: ElementSummary  #: 有效性
    timeliness: ElementSummary  #: 时效性
    analyser_version: str = ""  #: the evidence core version that produced it

    def __post_init__(self) -> None:
        for name in ELEMENT_NAMES:
            score = getattr(self, name).score
            if not 0.0 <= score <= 1.0:
                raise InvalidInput(f"must be within [0, 1], got {score}", field=f"evidence.{name}.score")

    @property
    def elements(self) -> tuple[ElementSummary, ...]:
        return (self.consistency, self.completeness, self.validity, self.timeliness)

    @property
    def all_pass(self) -> bool:
        """All four elements PASS."""
        return all(e.verdict is Verdict.PASS for e in self.elements)

    @property
    def any_fail(self) -> bool:
        """At least one element FAILs: the evidence is invalid under the principle."""
        return any(e.verdict is Verdict.FAIL for e in self.elements)

    @property
    def any_inconclusive(self) -> bool:
        """At least one element is INCONCLUSIVE."""
        return any(e.verdict is Verdict.INCONCLUSIVE for e in self.elements)

    @property
    def finding_codes(self) -> frozenset[str]:
        """Every finding code of every element."""
        return frozenset(code for e in self.elements for code in e.findings)

    @classmethod
    def from_assessment(cls, assessment: Assessment) -> EvidenceSummary:
        """Reduce the evidence core's Assessment to the summary prediction uses."""
        parts: dict[str, ElementSummary] = {}
        for element, name in zip(
            (Element.CONSISTENCY, Element.COMPLETENESS, Element.VALIDITY, Element.TIMELINESS),
            ELEMENT_NAMES,
            strict=True,
        ):
            try:
                result = assessment.element(element)
            except KeyError:
                raise InvalidInput(
                    "the assessment has no result for this element; re-run the evidence analysis",
                    field=f"evidence.{name}",
                ) from None
            parts[name] = ElementSummary(
                verdict=result.verdict,
                score=min(1.0, max(0.0, float(result.score))),
                findings=tuple(f.code for f in result.findings),
            )
        return cls(analyser_version=assessment.analyser_version, **parts)


@dataclass(frozen=True)
class Actor(_Codec):
    """Who operates the merchant back end (for re-opening the after-sales entry)."""

    kind: ActorKind = ActorKind.MAIN_ACCOUNT  #: main account or sub-account
    refund_permission: bool = False  #: a sub-account granted 子账号售中退款 by the main account


# --- the case ----------------------------------------------------------------------------------


_CHRONOLOGY: tuple[tuple[str, str], ...] = (
    # (earlier, later): ``later`` must not precede ``earlier``
    ("order.created_at", "timeline.requested_at"),
    ("order.paid_at", "timeline.shipped_at"),
    ("order.created_at", "timeline.shipped_at"),
    ("timeline.shipped_at", "timeline.buyer_signed_at"),
    ("timeline.shipped_at", "timeline.delivery_refused_at"),
    ("timeline.requested_at", "timeline.modified_at"),
    ("timeline.requested_at", "timeline.merchant_responded_at"),
    ("timeline.requested_at", "timeline.merchant_refused_at"),
    ("timeline.requested_at", "timeline.return_agreed_at"),
    ("timeline.requested_at", "timeline.return_shipped_at"),
    ("timeline.shipped_at", "timeline.return_shipped_at"),
    ("timeline.return_shipped_at", "timeline.return_signed_at"),
    ("timeline.requested_at", "timeline.reshipped_at"),
    ("timeline.requested_at", "timeline.exchange_shipped_at"),
    ("timeline.requested_at", "timeline.intervention_requested_at"),
    ("timeline.requested_at", "timeline.evidence_submitted_at"),
    ("timeline.requested_at", "timeline.buyer_evidence_submitted_at"),
    ("order.created_at", "timeline.marked_shipped_at"),
    ("timeline.shipped_at", "timeline.interception_result_at"),
    ("timeline.requested_at", "timeline.refunded_at"),
    ("order.created_at", "timeline.complaint_filed_at"),
)

_SPLIT = {p: tuple(p.split(".", 1)) for pair in _CHRONOLOGY for p in pair}

# (field, prerequisite): ``field`` cannot be set unless ``prerequisite`` is
_REQUIRES: tuple[tuple[str, str], ...] = (
    ("timeline.buyer_signed_at", "timeline.shipped_at"),
    ("timeline.delivery_refused_at", "timeline.shipped_at"),
    ("timeline.return_signed_at", "timeline.return_shipped_at"),
    ("timeline.interception_result_at", "timeline.shipped_at"),
)


@dataclass(frozen=True)
class DisputeCase(_Codec):
    """One after-sales dispute: the order, the buyer's claim, the ticket, what happened and when."""

    case_id: str  #: proofbox's or the caller's id for the case
    platform: Platform  #: tmall, taobao or douyin
    order: Order  #: the order
    claim: Claim  #: the buyer's request
    ticket: Ticket  #: the after-sales ticket
    timeline: Timeline  #: the events so far
    merchant: MerchantConduct = MerchantConduct()  #: the merchant's position and violations
    goods: GoodsFacts = GoodsFacts()  #: facts about the goods
    logistics: Logistics = Logistics()  #: parcels both ways
    evidence: EvidenceSummary | None = None  #: the merchant's unboxing evidence, when there is one
    as_of: datetime | None = None  #: when this snapshot was taken; prediction's default "now"

    def __post_init__(self) -> None:
        if not self.case_id:
            raise InvalidInput("must not be empty", field="case_id")
        for earlier, later in _CHRONOLOGY:
            _check_order((earlier, self._get(earlier)), (later, self._get(later)))
        for name, prerequisite in _REQUIRES:  # all paths of _REQUIRES also appear in _CHRONOLOGY
            if self._get(name) is not None and self._get(prerequisite) is None:
                raise InvalidInput(f"is set but {prerequisite} is missing", field=name)
        if self.timeline.interception_result_at is not None and self.logistics.interception not in (
            Interception.SUCCEEDED,
            Interception.FAILED,
        ):
            raise InvalidInput(
                "is set but logistics.interception is not succeeded or failed",
                field="timeline.interception_result_at",
            )
        if (
            self.claim.amount is not None
            and self.order.amount is not None
            and self.claim.amount > self.order.amount
        ):
            raise InvalidInput(
                f"refund of {self.claim.amount} exceeds the order amount {self.order.amount}",
                field="claim.amount",
            )
        if self.as_of is not None:
            aware(self.as_of, "as_of")
            for f in fields(Timeline):
                value = getattr(self.timeline, f.name)
                if value is not None and value > self.as_of and f.name != "evidence_deadline":
                    raise InvalidInput(
                        f"{value.isoformat()} is after the snapshot time as_of ({self.as_of.isoformat()})",
                        field=f"timeline.{f.name}",
                    )

    def _get(self, path: str) -> datetime | None:
        part, name = _SPLIT[path]
        value: datetime | None = getattr(getattr(self, part), name)
        return value

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "") -> DisputeCase:
        return from_json(cls, data, path)


def from_dict(data: Mapping[str, Any]) -> DisputeCase:
    """Parse and validate a case from its JSON form; raises InvalidInput naming the field."""
    return from_json(DisputeCase, data)


_PROBLEMS = {
    RefusalReason.RETURNED_SWAPPED: "swapped",
    RefusalReason.RETURNED_DAMAGED: "damaged",
    RefusalReason.RETURNED_INCOMPLETE: "missing_item",
}


def evidence_facts(case: DisputeCase) -> CaseFacts:
    """The facts the evidence core checks the merchant's unboxing video against."""
    return CaseFacts(
        return_tracking_number=case.logistics.return_tracking_number,
        return_signed_at=case.timeline.return_signed_at,
        evidence_deadline=case.timeline.evidence_deadline,
        evidence_submitted_at=case.timeline.evidence_submitted_at,
        claimed_problem=_PROBLEMS.get(case.merchant.refusal_reason),
        claimed_problem_time_s=case.merchant.problem_time_s,
        expected_item_codes=case.order.item_codes,
    )
