"""Dispute scenarios written from the seeds, each citing its passage: outcome, key reasons, freight
payer, penalty points, compensation, missing facts and actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from disputes import Outcome, load_pack, predict

from .helpers import AT, at, evidence, make_case

B, M, R = Outcome.BUYER_FAVORED, Outcome.MERCHANT_FAVORED, Outcome.NEEDS_REVIEW
ANY = object()

UNSHIPPED = {
    "claim": {"kind": "refund_only"},
    "ticket": {"type": "refund_only", "status": "awaiting_merchant"},
    "timeline": {
        "requested_at": "2024-11-02T10:00:00+08:00",
        "merchant_responded_at": None,
        "merchant_refused_at": None,
        "shipped_at": None,
        "buyer_signed_at": None,
    },
}
IN_TRANSIT = {
    "claim": {"kind": "refund_only"},
    "ticket": {"type": "refund_only"},
    "timeline": {"buyer_signed_at": None},
}
RETURNED = {
    "claim": {"reason": "quality"},
    "timeline": {
        "return_shipped_at": "2024-11-11T10:00:00+08:00",
        "return_signed_at": "2024-11-13T10:00:00+08:00",
        "evidence_deadline": "2024-11-18T12:00:00+08:00",
        "evidence_submitted_at": "2024-11-14T09:00:00+08:00",
    },
}
SWAPPED = {**RETURNED, "merchant": {"refusal_reason": "returned_swapped"}}
NO_REASON = {"claim": {"reason": "no_reason_7_day"}}
OLD = {
    "timeline": {"shipped_at": "2024-10-02T10:00:00+08:00", "buyer_signed_at": "2024-10-04T10:00:00+08:00"}
}
OLD_ORDER = {"created_at": "2024-10-01T10:00:00+08:00", "paid_at": "2024-10-01T10:05:00+08:00"}
SPRING_2020 = {
    "order": {"created_at": "2020-01-08T10:00:00+08:00", "paid_at": "2020-01-08T10:05:00+08:00"},
    "ticket": {"status": "awaiting_merchant"},
    "timeline": {
        "requested_at": "2020-01-20T10:00:00+08:00",
        "merchant_responded_at": None,
        "merchant_refused_at": None,
        "shipped_at": "2020-01-10T10:00:00+08:00",
        "buyer_signed_at": "2020-01-12T10:00:00+08:00",
    },
}
SPRING_2022_RETURN = {
    "order": {"created_at": "2022-01-19T10:00:00+08:00", "paid_at": "2022-01-19T10:05:00+08:00"},
    "ticket": {"status": "return_shipped"},
    "timeline": {
        "requested_at": "2022-01-26T10:00:00+08:00",
        "merchant_responded_at": "2022-01-26T12:00:00+08:00",
        "merchant_refused_at": None,
        "return_agreed_at": "2022-01-26T12:00:00+08:00",
        "return_shipped_at": "2022-01-28T10:00:00+08:00",
        "shipped_at": "2022-01-20T10:00:00+08:00",
        "buyer_signed_at": "2022-01-22T10:00:00+08:00",
    },
}


def _m(*parts: dict[str, Any]) -> dict[str, Any]:
    from disputes.engine import merge

    out: dict[str, Any] = {}
    for p in parts:
        out = merge(out, p)
    return out


@dataclass(frozen=True)
class Scenario:
    id: str
    cite: str  # the passage the scenario is written from
    patch: dict[str, Any]
    outcome: Outcome
    reasons: tuple[str, ...] = ()  # rule ids that must be among the hits
    platform: str = "tmall"
    when: str | None = None
    freight: Any = None  # expected payer, None for none, ANY to skip
    points: int = 0
    compensation: str = "0.00"
    missing: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # rule ids that must not fire
    deadlines: dict[str, str] = field(default_factory=dict)  # name -> due ISO


SCENARIOS = [
    Scenario(
        "unshipped_refund_only",
        "seed:001 §1 未發貨僅退款: 客服應在24小時內對售后單進行【同意退款】操作",
        UNSHIPPED,
        B,
        ("scenario.unshipped_refund.refund",),
        when="2024-11-02T12:00:00+08:00",
        actions=("AGREE_REFUND", "SET_AUTO_REFUND"),
        deadlines={
            "merchant_agree_refund": "2024-11-03T10:00:00+08:00",
            "merchant_response": "2024-11-07T10:00:00+08:00",
        },
        freight="not_applicable",
    ),
    Scenario(
        "unshipped_reason_contested",
        "seed:002 Ⅲ-一: 先聯系客戶修改退款原因,如實在溝通無果,可聯系小二介入處理",
        _m(UNSHIPPED, {"claim": {"reason": "out_of_stock"}}),
        B,
        ("scenario.unshipped_refund.refund",),
        when="2024-11-02T12:00:00+08:00",
        actions=("ASK_BUYER_TO_CHANGE_REASON",),
        absent=("scenario.unshipped_refund.compensation_reason",),
        freight="not_applicable",
    ),
    Scenario(
        "unshipped_out_of_stock",
        "seed:001 §5 缺貨; seed:002 Ⅲ-二: 涉及賠付的,同樣退款完成,自動完成賠付",
        _m(UNSHIPPED, {"claim": {"reason": "out_of_stock"}, "merchant": {"out_of_stock": True}}),
        B,
        ("appeal.shipping.out_of_stock", "scenario.unshipped_refund.compensation_reason"),
        when="2024-11-02T12:00:00+08:00",
        freight="not_applicable",
    ),
    Scenario(
        "tmall_unshipped_past_72h",
        "seed:002 Ⅲ: 普通信息72小時內發貨; 在買家付款後,剛是賠付30%,不扣分",
        _m(UNSHIPPED, {"claim": {"reason": "late_shipment"}}),
        B,
        ("tmall.shipping.late",),
        when="2024-11-05T12:00:00+08:00",
        compensation="59.70",
        points=0,
        freight="not_applicable",
    ),
    Scenario(
        "in_transit_intercept",
        "seed:001 §2 貨在途退款: 點擊【攔截快遞】…引導其拒簽包裹",
        IN_TRANSIT,
        R,
        actions=("INTERCEPT_PARCEL", "ASK_BUYER_TO_REFUSE_DELIVERY"),
        freight="not_applicable",
    ),
    Scenario(
        "in_transit_intercepted",
        "seed:001 §2: 如果物流公司已經反饋攔截成功或者物流有拒簽記錄,及時操作退款",
        _m(IN_TRANSIT, {"logistics": {"interception": "succeeded"}}),
        B,
        ("scenario.in_transit.intercepted",),
        actions=("REFUND_PROMPTLY",),
        freight="not_applicable",
    ),
    Scenario(
        "refused_without_reason",
        "seed:002 Ⅲ-二 關於拒簽: 如果是買家無理由拒簽,運費由買家承擔,需要商家舉證",
        _m(
            IN_TRANSIT,
            {
                "logistics": {"buyer_refused_delivery": True, "refusal_had_reason": False},
                "timeline": {"delivery_refused_at": "2024-11-04T10:00:00+08:00"},
            },
        ),
        B,
        ("scenario.in_transit.intercepted", "freight.refusal.without_reason"),
        freight="buyer",
    ),
    Scenario(
        "refused_with_reason",
        "seed:002 Ⅲ-二 關於拒簽: 如果買家是有理由拒簽,運費由商家承擔,需要由買家舉證",
        _m(
            IN_TRANSIT,
            {
                "logistics": {"buyer_refused_delivery": True, "refusal_had_reason": True},
                "timeline": {"delivery_refused_at": "2024-11-04T10:00:00+08:00"},
            },
        ),
        B,
        ("freight.refusal.with_reason",),
        freight="merchant",
    ),
    Scenario(
        "intercept_failed_wants_goods",
        "seed:001 FAQ1: 若消費者反饋需要貨物,引導撤銷退款",
        _m(IN_TRANSIT, {"logistics": {"interception": "failed"}, "claim": {"buyer_wants_goods": True}}),
        M,
        ("scenario.in_transit.failed_wants_goods",),
        actions=("GUIDE_BUYER_TO_CANCEL_REFUND",),
        freight="not_applicable",
    ),
    Scenario(
        "intercept_failed_no_goods",
        "seed:001 FAQ1: 若消費者反饋不要貨物…點擊【協商退貨退款】",
        _m(IN_TRANSIT, {"logistics": {"interception": "failed"}, "claim": {"buyer_wants_goods": False}}),
        M,
        ("scenario.in_transit.failed_no_goods",),
        actions=("NEGOTIATE_RETURN_REFUND",),
        freight="not_applicable",
    ),
    Scenario(
        "intercept_failed_unknown_wish",
        "seed:001 FAQ1: 建議優先和消費者協商是否需要貨物",
        _m(IN_TRANSIT, {"logistics": {"interception": "failed"}}),
        R,
        missing=("claim.buyer_wants_goods",),
        freight="not_applicable",
    ),
    Scenario(
        "not_received_signed_in_person",
        "seed:001 FAQ1: 若快遞反饋本人簽收…告知消費者具體簽收人和簽收時間",
        {
            "claim": {"kind": "refund_only", "reason": "not_received"},
            "logistics": {"signed_by_buyer": True},
            "merchant": {"valid_sign_proof": True},
        },
        M,
        ("scenario.not_received.signed_in_person",),
        actions=("VERIFY_DELIVERY_WITH_COURIER", "TELL_BUYER_SIGNER_AND_TIME"),
        freight="not_applicable",
    ),
    Scenario(
        "not_received_no_sign_proof",
        "seed:001 §5 商家違反發貨規範: 未在舉證期內提供有效簽收憑證",
        {"claim": {"kind": "refund_only", "reason": "not_received"}, "merchant": {"valid_sign_proof": False}},
        B,
        ("appeal.shipping.no_sign_proof",),
        actions=("SUBMIT_SIGN_PROOF",),
        freight="not_applicable",
    ),
    Scenario(
        "not_received_facts_unknown",
        "seed:001 FAQ1: 優先聯系快遞核實具體派送/簽收情況",
        {"claim": {"kind": "refund_only", "reason": "not_received"}},
        R,
        missing=("merchant.valid_sign_proof", "logistics.signed_by_buyer"),
        freight="not_applicable",
    ),
    Scenario(
        "swapped_return_valid_video",
        "seed:001 FAQ3 拆包視頻認定原則: 需要滿足四要素",
        _m(SWAPPED, {"evidence": evidence()}),
        M,
        ("unboxing.valid", "unboxing.applies"),
        freight="buyer",
    ),
    Scenario(
        "swapped_return_no_video",
        "seed:001 §5 商家違反退貨規範: 退貨有爭議無有效憑證證實當場驗貨",
        SWAPPED,
        B,
        ("appeal.return.no_inspection_proof",),
        actions=("SUBMIT_UNBOXING_VIDEO", "NO_RERECORDED_VIDEO"),
        freight="merchant",
    ),
    Scenario(
        "damaged_return_video_cut",
        "seed:001 §5: 或憑證無法核實商品問題; FAQ3 完整性",
        _m(
            RETURNED,
            {"merchant": {"refusal_reason": "returned_damaged"}, "evidence": evidence(completeness="fail")},
        ),
        B,
        ("appeal.return.proof_unverifiable", "unboxing.fail.completeness"),
        absent=("unboxing.valid",),
        freight="merchant",
    ),
    Scenario(
        "swapped_return_inconclusive",
        "seed:001 FAQ3: 需要滿足四要素 (an element undecided)",
        _m(SWAPPED, {"evidence": evidence(consistency="inconclusive")}),
        R,
        ("unboxing.inconclusive",),
        missing=("evidence",),
        actions=("REVIEW_UNBOXING_VIDEO",),
        freight="undetermined",
    ),
    Scenario(
        "swapped_return_video_late",
        "seed:001 §5 其他: 逾期未提供或舉證無效不支持申訴",
        _m(
            SWAPPED,
            {"evidence": evidence(), "timeline": {"evidence_submitted_at": "2024-11-18T12:00:01+08:00"}},
        ),
        B,
        ("appeal.other.evidence_late",),
        absent=("unboxing.valid",),
        freight="merchant",
    ),
    Scenario(
        "swapped_return_deadline_unknown",
        "seed:001 FAQ3 時效性 (in time must be known)",
        _m(SWAPPED, {"evidence": evidence(), "timeline": {"evidence_deadline": None}}),
        R,
        missing=("timeline.evidence_deadline",),
        freight="undetermined",
    ),
    Scenario(
        "valid_video_but_abuse",
        "seed:001 §5 服務態度問題: 辱罵消費者",
        _m(SWAPPED, {"evidence": evidence(), "merchant": {"abused_buyer": True}}),
        B,
        ("appeal.service.abuse", "unboxing.valid"),
        freight="merchant",
    ),
    Scenario(
        "quality_refused_as_unresaleable",
        "seed:001 §5: 質量問題的退貨…以影響二次銷售的理由拒絕退款",
        {"claim": {"reason": "quality"}, "merchant": {"refusal_reason": "not_resaleable"}},
        B,
        ("appeal.goods.quality_return_resale",),
        freight="merchant",
    ),
    Scenario(
        "quality_buyer_proof_valid",
        "seed:001 §3: 在查看消費者提供的商品品質問題的有效憑證后,平臺不僅會支持退款",
        {
            "claim": {"reason": "quality", "buyer_evidence_valid": True},
            "merchant": {"refusal_reason": "no_quality_problem"},
        },
        B,
        ("scenario.quality.buyer_proof_valid",),
        freight="merchant",
        actions=("SETTLE_BEFORE_INTERVENTION",),
    ),
    Scenario(
        "quality_buyer_proof_invalid",
        "seed:001 §3: 應對重點是聯系買家提供相關圖片、視頻等憑證信息",
        {
            "claim": {"reason": "quality", "buyer_evidence_valid": False},
            "merchant": {"refusal_reason": "no_quality_problem"},
        },
        M,
        ("scenario.quality.buyer_proof_invalid",),
        freight="not_applicable",
    ),
    Scenario(
        "quality_buyer_proof_unknown",
        "seed:001 §3 (the buyer's proof decides)",
        {"claim": {"reason": "quality"}},
        R,
        missing=("claim.buyer_evidence_valid",),
        actions=("REQUEST_BUYER_PROOF", "OFFER_COMPENSATION"),
        freight="undetermined",
    ),
    Scenario(
        "no_reason_within_free_shipping",
        "seed:002 Ⅲ-二: 商家包郵產品由雙方分別承擔發貨運費",
        _m(NO_REASON, {"goods": {"resaleable": True}, "order": {"free_shipping": True}}),
        B,
        ("no_reason.within_window", "freight.no_reason.free_shipping"),
        freight="split",
        deadlines={"no_reason_end": "2024-11-11T15:00:00+08:00"},
    ),
    Scenario(
        "no_reason_within_paid_shipping",
        "seed:002 Ⅲ-二: 非商家包郵產品,所有郵費均由買家承擔",
        _m(NO_REASON, {"goods": {"resaleable": True}}),
        B,
        ("no_reason.within_window",),
        freight="buyer",
    ),
    Scenario(
        "no_reason_not_resaleable",
        "seed:002 Ⅱ: 返回的產品不影響二次銷售,包括但不限於是否標簽切割、清洗,已經使用",
        _m(NO_REASON, {"goods": {"resaleable": False}}),
        M,
        ("no_reason.not_resaleable",),
        freight="not_applicable",
    ),
    Scenario(
        "no_reason_after_7_days",
        "seed:001 FAQ2: 自物流顯示簽收起計算7天; 因個人原因退貨運費可由消費者承擔",
        _m(
            NO_REASON,
            {"timeline": {"buyer_signed_at": "2024-11-02T10:00:00+08:00"}, "order": {"free_shipping": True}},
        ),
        M,
        ("no_reason.late",),
        freight="not_applicable",
        actions=("ASK_WHY_LATE", "CONSIDER_GOODWILL_RETURN"),
    ),
    Scenario(
        "no_reason_late_signed_by_other",
        "seed:001 FAQ2: 如被他人代簽、外地旅行等",
        _m(
            NO_REASON,
            {
                "timeline": {"buyer_signed_at": "2024-11-02T10:00:00+08:00"},
                "logistics": {"signed_by_other": True},
            },
        ),
        R,
        ("no_reason.late", "no_reason.late_special_circumstance"),
        freight="undetermined",
    ),
    Scenario(
        "no_reason_resale_unknown",
        "seed:002 Ⅱ: 對於不影響二次銷售的商品,您可以直接通過標準的退貨流程",
        NO_REASON,
        R,
        missing=("goods.resaleable",),
        freight="undetermined",
    ),
    Scenario(
        "no_reason_after_confirming_receipt",
        "seed:002 Ⅰ: 確認收貨的訂單再申請退貨…商家是有權利拒絕的了",
        _m(
            NO_REASON,
            {"goods": {"resaleable": True}, "order": {"trade_succeeded_at": "2024-11-05T10:00:00+08:00"}},
        ),
        B,
        ("no_reason.within_window", "no_reason.after_trade_success"),
        freight="buyer",
    ),
    Scenario(
        "missing_gift",
        "seed:001 FAQ4: 這個情況商家有責在先…補發…部分退款",
        {"claim": {"reason": "missing_gift"}, "goods": {"missing_affects_main_use": False}},
        B,
        ("scenario.missing_gift.merchant_at_fault",),
        freight="merchant",
        actions=("RESHIP_GIFT", "OFFER_PARTIAL_REFUND"),
    ),
    Scenario(
        "missing_item_established",
        "seed:001 §3: 如為少發漏發場景,可直接補發; seed:002 Ⅱ 發貨數量少",
        {"claim": {"reason": "missing_item"}, "goods": {"missing_item": True}},
        B,
        ("appeal.goods.damaged_wrong_missing",),
        freight="merchant",
        actions=("RESHIP_MISSING_ITEM", "REFUND_OR_RESHIP_SHORTFALL"),
    ),
    Scenario(
        "exchange_damaged_round_trip",
        "seed:001 §3: 主動給買家換貨/維修并承擔往返運費",
        {"claim": {"kind": "exchange", "reason": "damaged"}, "goods": {"damaged": True}},
        B,
        ("freight.ladder.round_trip",),
        freight="merchant",
        actions=("OFFER_EXCHANGE_OR_REPAIR",),
    ),
    Scenario(
        "rotten_fruit_direct_refund",
        "seed:001 §3: 退回商品無價值(如水果腐爛)…可以選擇直接退款消費者",
        {"claim": {"reason": "quality"}, "goods": {"quality_defect": True, "worthless_after_return": True}},
        B,
        ("appeal.goods.quality",),
        freight="not_applicable",
        actions=("REFUND_WITHOUT_RETURN",),
    ),
    Scenario(
        "merchant_silent_5_days",
        "seed:002 Ⅳ: 如果5天內商家沒答有做出任何操作,系統會自動把錢退給你",
        {
            "ticket": {"status": "awaiting_merchant"},
            "timeline": {"merchant_responded_at": None, "merchant_refused_at": None},
        },
        B,
        ("timing.merchant_timed_out",),
        when="2024-11-15T10:00:01+08:00",
        deadlines={"merchant_response": "2024-11-15T10:00:00+08:00"},
        freight="undetermined",
    ),
    Scenario(
        "spring_2020_review_window",
        "seed:002 Ⅷ 1a: 等待賣家或買家確認、修改的超時統一調整至15天",
        SPRING_2020,
        R,
        when="2020-01-27T10:00:00+08:00",
        absent=("timing.merchant_timed_out",),
        deadlines={"merchant_response": "2020-02-04T10:00:00+08:00"},
        freight="undetermined",
    ),
    Scenario(
        "spring_2020_timed_out",
        "seed:002 Ⅷ 1a (15 days, then automatic refund)",
        SPRING_2020,
        B,
        ("timing.merchant_timed_out",),
        when="2020-02-04T10:00:01+08:00",
        freight="undetermined",
    ),
    Scenario(
        "spring_2022_return_not_confirmed",
        "seed:002 Ⅸ 3: 商家應在20日內完成確認收貨並處理,如超時未處理的,系統將自動退款",
        SPRING_2022_RETURN,
        B,
        ("timing.return_receipt_timed_out",),
        when="2022-02-17T10:00:01+08:00",
        deadlines={
            "merchant_confirm_return": "2022-02-17T10:00:00+08:00",
            "buyer_return_info": "2022-02-15T12:00:00+08:00",
        },
        freight="undetermined",
    ),
    Scenario(
        "after_sales_period_over",
        "seed:002 Ⅵ: 超出期限的,維權通道關閉",
        _m(OLD, {"order": {**OLD_ORDER, "trade_succeeded_at": "2024-10-20T10:00:00+08:00"}}),
        M,
        ("timing.after_sales_expired",),
        deadlines={"after_sales_end": "2024-11-04T10:00:00+08:00"},
        freight="not_applicable",
    ),
    Scenario(
        "after_sales_over_three_guarantees",
        "seed:002 Ⅵ: 除非,該商品屬於三包產品",
        _m(
            OLD,
            {
                "order": {
                    **OLD_ORDER,
                    "trade_succeeded_at": "2024-10-20T10:00:00+08:00",
                    "guarantees": ["three_guarantees"],
                }
            },
        ),
        R,
        ("timing.three_guarantees_after_period",),
        absent=("timing.after_sales_expired",),
        actions=("SERVE_THREE_GUARANTEES",),
        freight="undetermined",
    ),
    Scenario(
        "mismatch_complaint_severe",
        "seed:002 Ⅲ-三 描述不符(一): 12分",
        {
            "claim": {"reason": "not_as_described", "complaint": "description_mismatch"},
            "goods": {"not_as_described": True, "mismatch_severity": "severe"},
        },
        B,
        ("appeal.goods.not_as_described", "points.mismatch.severe"),
        points=12,
        freight="merchant",
        actions=("ANSWER_PLATFORM_AGENT",),
    ),
    Scenario(
        "mismatch_complaint_minor",
        "seed:002 Ⅲ-三 描述不符(三): 3分",
        {
            "claim": {"reason": "not_as_described", "complaint": "description_mismatch"},
            "goods": {"not_as_described": True, "mismatch_severity": "minor"},
        },
        B,
        ("points.mismatch.minor",),
        points=3,
        freight="merchant",
    ),
    Scenario(
        "invoice_complaint",
        "seed:002 Ⅲ-三: 發票問題…(扣6分)",
        {"claim": {"reason": "invoice", "complaint": "invoice"}, "merchant": {"refused_invoice": True}},
        B,
        ("points.invoice",),
        points=6,
        freight="undetermined",
    ),
    Scenario(
        "promise_breach_complaint",
        "seed:002 Ⅲ-三: 發其他快遞要加錢而實際向買家要求加運費的(扣4分)",
        {"claim": {"complaint": "promise_breach"}, "merchant": {"charged_extra_shipping": True}},
        B,
        ("points.promise_breach",),
        points=4,
        freight="undetermined",
    ),
    Scenario(
        "official_activity_complaint",
        "seed:002 Ⅲ-三: 參加官方活動,未按照活動要求服務消費者(扣6分)",
        {"claim": {"complaint": "official_activity"}, "merchant": {"violated_official_activity": True}},
        B,
        ("points.official_activity",),
        points=6,
        freight="undetermined",
    ),
    Scenario(
        "refused_before_payment_complaint",
        "seed:002 Ⅲ-三: 在買家付示前…拒絕交易或者發貨(扣1分)",
        {"claim": {"complaint": "refused_before_payment"}, "merchant": {"refused_before_payment": True}},
        B,
        ("points.refused_before_payment",),
        points=1,
        freight="undetermined",
    ),
    Scenario(
        "complaint_withdrawn",
        "seed:002 Ⅲ-三: 一旦撤銷投訴不得再發起",
        {
            "claim": {"reason": "invoice", "complaint": "invoice", "complaint_withdrawn": True},
            "merchant": {"refused_invoice": True},
        },
        R,
        ("points.complaint_withdrawn",),
        points=0,
        absent=("points.invoice",),
        freight="undetermined",
    ),
    Scenario(
        "presale_shipped_late",
        "seed:002 Ⅲ: 預售和定製產品以信息中描述時間為准; seed:001 §5 未按約定時間發貨",
        {"order": {"sale_type": "presale", "promised_ship_by": "2024-11-02T08:00:00+08:00"}},
        B,
        ("appeal.shipping.late_agreed", "tmall.shipping.late"),
        compensation="59.70",
        freight="undetermined",
    ),
    Scenario(
        "group_buy_on_time",
        "seed:002 Ⅲ: 聚劃算7天內發貨",
        {
            "order": {"sale_type": "group_buy"},
            "timeline": {
                "shipped_at": "2024-11-07T10:00:00+08:00",
                "buyer_signed_at": "2024-11-09T10:00:00+08:00",
            },
        },
        R,
        absent=("tmall.shipping.late",),
        deadlines={"ship_by": "2024-11-08T10:05:00+08:00"},
        freight="undetermined",
    ),
    Scenario(
        "merchant_signed_intact_return",
        "seed:001 §5 其他: 商家簽收退貨且商品完好",
        _m(RETURNED, {"goods": {"returned_intact": True}}),
        B,
        ("appeal.other.merchant_signed_intact",),
        actions=("REFUND_AFTER_RETURN",),
        freight="merchant",
    ),
    Scenario(
        "counterfeit",
        "seed:001 §5: 假冒品牌或知識產權侵權",
        {"goods": {"counterfeit_or_ip": True}},
        B,
        ("appeal.goods.unlawful",),
        freight="merchant",
    ),
    Scenario(
        "platform_intervention_message",
        "seed:003 一.2: 當以上幾種工單狀態為「平台介入中」時…「給客服留言」",
        {
            "ticket": {"status": "platform_intervention"},
            "timeline": {"intervention_requested_at": "2024-11-14T10:00:00+08:00"},
        },
        R,
        ("ticket.leave_message", "ticket.intervention_cause"),
        actions=("LEAVE_MESSAGE_FOR_AGENT", "PRESENT_YOUR_SIDE"),
        freight="undetermined",
    ),
    Scenario(
        "taobao_shipping_time_commitment",
        "seed:003 一.3 時間承諾: 5%, 最低不少于1元,高不超过30元",
        {
            "order": {
                "guarantees": ["shipping_time_commitment"],
                "promised_ship_by": "2024-11-02T08:00:00+08:00",
            }
        },
        B,
        ("taobao.guarantee.shipping_time",),
        platform="taobao",
        compensation="9.95",
        freight="undetermined",
    ),
    Scenario(
        "taobao_return_commitment",
        "seed:003 一.4 退貨承諾: 按照約定的承擔方來承擔",
        {
            "order": {
                "guarantees": ["return_commitment"],
                "return_commitment_days": 15,
                "agreed_freight_payer": "merchant",
            },
            "goods": {"resaleable": True},
        },
        B,
        ("taobao.guarantee.return_commitment",),
        platform="taobao",
        freight="merchant",
    ),
    Scenario(
        "taobao_designated_courier",
        "seed:003 一.6 指定快遞: 保金先行賠付",
        {"order": {"guarantees": ["designated_courier"]}, "logistics": {"designated_courier_matched": False}},
        B,
        ("taobao.guarantee.designated_courier",),
        platform="taobao",
        freight="undetermined",
    ),
    Scenario(
        "taobao_swapped_return_valid_video",
        "seed:001 FAQ3 (the gold guide is Taobao's and Tmall's)",
        _m(SWAPPED, {"evidence": evidence()}),
        M,
        ("unboxing.valid",),
        platform="taobao",
        freight="buyer",
    ),
    Scenario(
        "douyin_inside_period",
        "seed:004 三.2: 请店铺严格按照国家法律规定和平台售后规则要求提供售后服务",
        {"claim": {"reason": "quality"}},
        R,
        ("douyin.no_dispute_rules",),
        platform="douyin",
        freight="undetermined",
    ),
    Scenario(
        "douyin_after_period",
        "seed:004: 订单在确认收货的七天后,后台就没有该订单的售后入口了",
        {
            "order": {"trade_succeeded_at": "2024-11-02T10:00:00+08:00"},
            "timeline": {
                "shipped_at": "2024-11-01T12:00:00+08:00",
                "buyer_signed_at": "2024-11-02T09:00:00+08:00",
            },
        },
        M,
        ("douyin.after_sales.expired",),
        platform="douyin",
        deadlines={"after_sales_end": "2024-11-09T10:00:00+08:00"},
        freight="not_applicable",
    ),
    Scenario(
        "douyin_reopened_after_period",
        "seed:004 注意事项3: 超售后期打开售后入口带来的退款金额由商家全额承担",
        {
            "order": {"trade_succeeded_at": "2024-11-02T10:00:00+08:00", "entry_reopens": 1},
            "timeline": {
                "shipped_at": "2024-11-01T12:00:00+08:00",
                "buyer_signed_at": "2024-11-02T09:00:00+08:00",
            },
        },
        R,
        ("douyin.after_sales.reopened_same_process", "douyin.no_dispute_rules"),
        platform="douyin",
        actions=("ENSURE_CASH_ACCOUNT_BALANCE",),
        freight="undetermined",
    ),
]


def test_there_are_at_least_forty_scenarios() -> None:
    assert len(SCENARIOS) >= 40
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)
    assert all(s.cite.startswith("seed:00") for s in SCENARIOS)


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(s: Scenario) -> None:
    case = make_case(s.platform, s.patch)
    p = predict(case, load_pack(s.platform), at=at(s.when) if s.when else AT)
    detail = f"{s.id}: p={p.merchant_probability:.3f} hits={sorted(p.rule_ids)} missing={p.missing_facts}"
    assert p.outcome is s.outcome, detail
    assert set(s.reasons) <= p.rule_ids, detail
    assert not set(s.absent) & p.rule_ids, detail
    if s.freight is not ANY:
        assert (p.freight.payer if p.freight else None) == s.freight, detail
    assert p.penalty_points == s.points, detail
    assert p.compensation_total == Decimal(s.compensation), detail
    assert set(s.missing) <= set(p.missing_facts), detail
    assert set(s.actions) <= {a.code for a in p.actions}, detail
    for name, due in s.deadlines.items():
        d = p.deadline(name)
        assert d is not None and d.due_at == at(due), (name, d)
    if p.outcome is Outcome.NEEDS_REVIEW:
        assert p.review_reasons, detail
    for hit in p.hits:
        assert hit.source.startswith("seed:00") and hit.description
