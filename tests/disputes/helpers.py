"""Builders for dispute cases in tests: a plain base case per platform, patched field by field."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from disputes import DisputeCase, Order, from_dict
from disputes.engine import merge

AT = datetime.fromisoformat("2024-11-20T12:00:00+08:00")

BASE: dict[str, Any] = {
    "case_id": "t-1",
    "platform": "tmall",
    "order": {
        "order_id": "O-1",
        "amount": "199.00",
        "created_at": "2024-11-01T10:00:00+08:00",
        "paid_at": "2024-11-01T10:05:00+08:00",
    },
    "claim": {"kind": "return_and_refund", "reason": "other"},
    "ticket": {"type": "return_refund", "status": "merchant_refused"},
    "timeline": {
        "requested_at": "2024-11-10T10:00:00+08:00",
        "merchant_responded_at": "2024-11-10T12:00:00+08:00",
        "merchant_refused_at": "2024-11-10T12:00:00+08:00",
        "shipped_at": "2024-11-02T09:00:00+08:00",
        "buyer_signed_at": "2024-11-04T15:00:00+08:00",
    },
}

ALL_PASS = {
    "consistency": {"verdict": "pass", "score": 0.95},
    "completeness": {"verdict": "pass", "score": 0.9},
    "validity": {"verdict": "pass", "score": 0.9},
    "timeliness": {"verdict": "pass", "score": 0.9},
}

REOPEN_ORDER: dict[str, Any] = {
    "order_id": "O-2",
    "amount": "199.00",
    "created_at": "2024-10-01T10:00:00+08:00",
    "paid_at": "2024-10-01T10:05:00+08:00",
    "trade_succeeded_at": "2024-10-06T10:00:00+08:00",
}


def evidence(**verdicts: str) -> dict[str, Any]:
    """An evidence summary: every element passes unless given, e.g. ``evidence(validity="fail")``."""
    result = copy.deepcopy(ALL_PASS)
    for name, verdict in verdicts.items():
        result[name] = {"verdict": verdict, "score": 0.9 if verdict == "pass" else 0.3}
    return result


def case_data(platform: str = "tmall", patch: Mapping[str, Any] | None = None) -> dict[str, Any]:
    data = merge(BASE, {"platform": platform})
    return merge(data, patch or {})


def make_case(platform: str = "tmall", patch: Mapping[str, Any] | None = None) -> DisputeCase:
    return from_dict(case_data(platform, patch))


def make_order(patch: Mapping[str, Any] | None = None) -> Order:
    return Order.from_dict(merge(REOPEN_ORDER, patch or {}), "order")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
