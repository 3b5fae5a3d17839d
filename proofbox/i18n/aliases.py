"""The platforms' own words for enum values, accepted as aliases in case and order JSON.

Ticketing systems hold statuses, reasons and ticket types in Chinese, as the platforms show them
(seed 003: 「平台介入中」; the ticket types 退货退款、换货、改地址、补发、提供退货地址、维修、退邮费、
配送问题). :mod:`proofbox.jsonform` accepts each word below wherever the enum is expected, in
Simplified or Traditional characters, beside the value's name (``TICKET_STATUS_PLATFORM_INTERVENTION``)
and its short form (``platform_intervention``). Output stays canonical (the value's name).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ALIASES"]

ALIASES: Mapping[str, Mapping[str, str]] = {
    "proofbox.v1.Platform": {"天猫": "TMALL", "淘宝": "TAOBAO", "抖音": "DOUYIN", "抖店": "DOUYIN"},
    "proofbox.v1.ClaimKind": {
        "仅退款": "REFUND_ONLY",
        "退货退款": "RETURN_AND_REFUND",
        "换货": "EXCHANGE",
        "保障赔付": "GUARANTEE_COMPENSATION",
        "保金先行赔付": "GUARANTEE_COMPENSATION",
        "规则类投诉": "RULE_COMPLAINT",
    },
    "proofbox.v1.ClaimReason": {
        "七天无理由": "NO_REASON_7_DAY",
        "七天无理由退货": "NO_REASON_7_DAY",
        "7天无理由": "NO_REASON_7_DAY",
        "质量问题": "QUALITY",
        "描述不符": "NOT_AS_DESCRIBED",
        "货不对版": "NOT_AS_DESCRIBED",
        "商品破损": "DAMAGED",
        "破损": "DAMAGED",
        "错发": "WRONG_ITEM",
        "商家发错货": "WRONG_ITEM",
        "少件": "MISSING_ITEM",
        "漏发": "MISSING_ITEM",
        "少件/漏发": "MISSING_ITEM",
        "赠品漏发": "MISSING_GIFT",
        "未收到货": "NOT_RECEIVED",
        "延迟发货": "LATE_SHIPMENT",
        "未按约定时间发货": "LATE_SHIPMENT",
        "缺货": "OUT_OF_STOCK",
        "发票问题": "INVOICE",
        "降价": "PRICE_DROP",
        "其他": "OTHER",
        "不想要了": "NO_LONGER_WANTED",
        "拒收": "REFUSED_DELIVERY",
        "假冒品牌": "COUNTERFEIT",
        "付款前拒绝交易": "REFUSED_BEFORE_PAYMENT",
        "官方活动": "OFFICIAL_ACTIVITY",
    },
    "proofbox.v1.TicketType": {
        "退货退款": "RETURN_REFUND",
        "仅退款": "REFUND_ONLY",
        "换货": "EXCHANGE",
        "改地址": "ADDRESS_CHANGE",
        "补发": "RESHIP",
        "提供退货地址": "RETURN_ADDRESS",
        "维修": "REPAIR",
        "退邮费": "POSTAGE_REFUND",
        "配送问题": "DELIVERY_PROBLEM",
        "催发货": "URGE_SHIPMENT",
        "签收异地": "SIGNED_ELSEWHERE",
        "物流停滞": "LOGISTICS_STALLED",
        "发票": "INVOICE_REQUEST",
        "预售定金退款": "PRESALE_DEPOSIT_REFUND",
    },
    "proofbox.v1.TicketStatus": {
        "待商家处理": "AWAITING_MERCHANT",
        "请处理退款申请": "AWAITING_MERCHANT",
        "商家已拒绝": "MERCHANT_REFUSED",
        "卖家拒绝退款": "MERCHANT_REFUSED",
        "待买家退货": "AWAITING_RETURN",
        "等待买家退货": "AWAITING_RETURN",
        "买家已退货": "RETURN_SHIPPED",
        "平台介入中": "PLATFORM_INTERVENTION",
        "退款成功": "REFUNDED",
        "退款关闭": "CLOSED",
        "协商中": "NEGOTIATING",
        "等待买家确认": "AWAITING_BUYER_CONFIRMATION",
        "等待买家确认、修改": "AWAITING_BUYER_CONFIRMATION",
    },
    "proofbox.v1.RefusalReason": {
        "退回商品被调包": "RETURNED_SWAPPED",
        "调包": "RETURNED_SWAPPED",
        "退回商品破损": "RETURNED_DAMAGED",
        "退回商品缺件": "RETURNED_INCOMPLETE",
        "影响二次销售": "NOT_RESALEABLE",
        "超过七天无理由期限": "OUTSIDE_NO_REASON_PERIOD",
        "商品无质量问题": "NO_QUALITY_PROBLEM",
        "已签收": "DELIVERED",
        "需退货": "DEMANDS_RETURN",
        "买家已确认收货": "RECEIPT_CONFIRMED",
        "正品": "GENUINE_GOODS",
    },
    "proofbox.v1.RefundState": {
        "退款中": "IN_PROGRESS",
        "部分退款": "PARTIALLY_REFUNDED",
        "全额退款": "FULLY_REFUNDED",
    },
    "proofbox.v1.Interception": {
        "已拦截": "SUCCEEDED",
        "拦截成功": "SUCCEEDED",
        "拦截失败": "FAILED",
        "拦截中": "REQUESTED",
    },
    "proofbox.v1.PaymentMethod": {"在线支付": "ONLINE", "货到付款": "CASH_ON_DELIVERY"},
    "proofbox.v1.FreightPayer": {
        "买家": "BUYER",
        "商家": "MERCHANT",
        "卖家": "MERCHANT",
        "各自承担": "SPLIT",
    },
    "proofbox.v1.SaleType": {"普通": "NORMAL", "聚划算": "GROUP_BUY", "预售": "PRESALE", "定制": "CUSTOM"},
    "proofbox.v1.GoodsType": {"实物": "PHYSICAL", "虚拟": "VIRTUAL", "卡券": "VOUCHER"},
    "proofbox.v1.Guarantee": {
        "品质承诺": "QUALITY_COMMITMENT",
        "时间承诺": "SHIPPING_TIME_COMMITMENT",
        "退货承诺": "RETURN_COMMITMENT",
        "破损补寄": "DAMAGE_RESHIP",
        "指定快递": "DESIGNATED_COURIER",
        "到货承诺": "ARRIVAL_COMMITMENT",
        "三包": "THREE_GUARANTEES",
    },
    "proofbox.v1.Complaint": {
        "发票投诉": "INVOICE",
        "违背承诺": "PROMISE_BREACH",
        "描述不符投诉": "DESCRIPTION_MISMATCH",
    },
    "proofbox.v1.ActorKind": {"主账号": "MAIN_ACCOUNT", "子账号": "SUB_ACCOUNT"},
}
"""Enum full name -> Chinese word -> the value's name without the enum's prefix."""
