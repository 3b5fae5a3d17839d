"""Pack loading: a bad pack fails at start-up with a PolicyError naming the entry; good packs round-trip."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from disputes import available_packs, load_pack, load_pack_file
from disputes.loader import build_pack
from evidence.errors import InvalidInput, NotFound, PolicyError

from .helpers import BASE, REOPEN_ORDER

GOOD_RULE: dict[str, Any] = {
    "id": "test.abuse",
    "group": "appeal_failure/service_attitude",
    "description": "abuse fails the appeal",
    "source": {"doc": "seed:001", "section": "常見問題5", "quote": "辱罵消費者"},
    "when": "merchant.abused_buyer",
    "effect": {"push": "buyer", "weight": -5.0},
    "examples": {"fire": [{"merchant": {"abused_buyer": True}}], "quiet": [{}]},
}
DEADLINE_RULE: dict[str, Any] = {
    "id": "test.window",
    "group": "timing",
    "description": "merchant response window",
    "source": {"doc": "seed:002", "section": "Ⅳ", "quote": "期限是5天"},
    "when": 'ticket.status == "awaiting_merchant"',
    "effect": {
        "deadline": {
            "name": "merchant_response",
            "from": "timeline.requested_at",
            "after": "5d",
            "timeout": "merchant_review",
            "party": "merchant",
            "consequence": "auto refund",
        }
    },
    "examples": {"fire": [{"ticket": {"status": "awaiting_merchant"}}], "quiet": [{}]},
}
TABLE: dict[str, Any] = {
    "id": "holiday.test",
    "description": "a holiday",
    "source": {"doc": "seed:002", "section": "Ⅷ", "quote": "相關超時規定如下"},
    "start": "2020-01-17T00:00:00+08:00",
    "end": "2020-02-02T23:59:59+08:00",
    "overrides": [{"timeout": "merchant_review", "after": "15d", "triggers": ["timeline.requested_at"]}],
}


def pack(rules: list[dict[str, Any]] | None = None, **top: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "pack": "tmall",
        "version": "tmall-2026.1.0",
        "timezone": "Asia/Shanghai",
        "model": {
            "bias": 0.0,
            "buyer_at_most": 0.35,
            "merchant_at_least": 0.65,
            "review_holds_within": [0.1, 0.9],
        },
        "examples": {
            "at": "2024-11-20T12:00:00+08:00",
            "base": copy.deepcopy(BASE),
            "reopen_base": {"order": dict(REOPEN_ORDER)},
        },
        "rules": copy.deepcopy(rules if rules is not None else [GOOD_RULE, DEADLINE_RULE]),
        "holiday_tables": [],
    }
    if any(r["id"] == "test.window" for r in data["rules"]):
        data["holiday_tables"] = [copy.deepcopy(TABLE)]
    data.update(top)
    return data


def rule(**changes: Any) -> dict[str, Any]:
    r = copy.deepcopy(GOOD_RULE)
    r.update(changes)
    return r


def test_minimal_pack_builds() -> None:
    p = build_pack(pack(), origin="test")
    assert p.rule_ids == ("test.abuse", "test.window")
    assert p.weights == {"test.abuse": -5.0}


@pytest.mark.parametrize(
    ("data", "entry", "message"),
    [
        (pack([GOOD_RULE, GOOD_RULE]), "test.abuse", "duplicate id"),
        (pack([rule(when="merchant.abused_buyr")]), "test.abuse", "did you mean `abused_buyer`"),
        (pack([rule(when='order.amount == "x"')]), "test.abuse", "cannot compare money"),
        (pack([rule(when="order.amount")]), "test.abuse", "must be a bool"),
        (
            pack([rule(source={"doc": "seed:009", "section": "x", "quote": "y"})]),
            "test.abuse",
            "not a known document",
        ),
        (pack([rule(source={"doc": "seed:001", "section": "x"})]), "test.abuse", "missing quote"),
        (pack([rule(description=" ")]), "test.abuse", "`description` must be a non-empty string"),
        (pack([rule(id="Bad Id")]), "Bad Id", "dotted lower-case"),
        (pack([rule(effect={"push": "buyer", "weight": 2.0})]), "test.abuse", "wrong sign"),
        (pack([rule(effect={"push": "merchant"})]), "test.abuse", "weight is missing"),
        (pack([rule(effect={"weight": -1.0})]), "test.abuse", "push is none"),
        (pack([rule(effect={"push": "sideways", "weight": 1})]), "test.abuse", "buyer, merchant or none"),
        (
            pack([rule(effect={"push": "buyer", "weight": -1, "colour": 1})]),
            "test.abuse",
            "unknown key(s) colour",
        ),
        (
            pack(
                [
                    rule(
                        when="merchant.abused_buyer",
                        effect={"push": "merchant", "weight": 1.0},
                        examples={"fire": [{"merchant": {"abused_buyer": True}}], "quiet": [{}]},
                    )
                ]
            ),
            "test.abuse",
            "never raise the merchant's chances",
        ),
        (
            pack(
                [
                    rule(
                        when="not merchant.fake_shipment",
                        examples={"fire": [{}], "quiet": [{"merchant": {"fake_shipment": True}}]},
                    )
                ]
            ),
            "test.abuse",
            "is NOT established",
        ),
        (
            pack([rule(examples={"fire": [{}], "quiet": [{}]})]),
            "test.abuse",
            "examples.fire[0] does not fire",
        ),
        (
            pack(
                [
                    rule(
                        examples={
                            "fire": [{"merchant": {"abused_buyer": True}}],
                            "quiet": [{"merchant": {"abused_buyer": True}}],
                        }
                    )
                ]
            ),
            "test.abuse",
            "quiet[0] fires",
        ),
        (
            pack([rule(examples={"fire": [{"merchant": {"abused_buyer": "yes"}}], "quiet": [{}]})]),
            "test.abuse",
            "not a valid case: merchant.abused_buyer",
        ),
        (
            pack([rule(examples={"fire": [{"merchant": {"abused_buyer": True}}]})]),
            "test.abuse",
            "missing quiet",
        ),
        (pack([rule(examples={"fire": [], "quiet": [{}]})]), "test.abuse", "at least one example"),
        (pack([rule(effect={"reopen": {"deny": "no"}})]), "test.abuse", "needs `scope: reopen`"),
        (
            pack(
                [rule(scope="reopen", when="order.entry_reopens > 0", effect={"push": "buyer", "weight": -1})]
            ),
            "test.abuse",
            "needs effect.reopen",
        ),
        (
            pack([rule(scope="reopen", when="merchant.abused_buyer", effect={"reopen": {"deny": "x"}})]),
            "test.abuse",
            "unknown name `merchant`",
        ),
        (
            pack(
                [
                    rule(
                        scope="reopen",
                        when="order.entry_reopens > 0",
                        effect={"reopen": {"deny": "x", "info": "y"}},
                    )
                ]
            ),
            "test.abuse",
            "exactly one of deny, grant, unknown or info",
        ),
        (pack([rule(overrides=["no.such.rule"])]), "test.abuse", "not another rule"),
        (
            pack(
                [
                    rule(
                        effect={
                            "push": "buyer",
                            "weight": -1,
                            "compensation": {"form": "cash", "payer": "merchant"},
                        }
                    )
                ]
            ),
            "test.abuse",
            "exactly one of `rate` or `unknown`",
        ),
        (
            pack(
                [
                    rule(
                        effect={
                            "push": "buyer",
                            "weight": -1,
                            "compensation": {
                                "form": "cash",
                                "payer": "merchant",
                                "rate": "0.05",
                                "min": "30",
                                "max": "1",
                            },
                        }
                    )
                ]
            ),
            "test.abuse",
            "min exceeds",
        ),
        (
            pack(
                [
                    rule(
                        effect={
                            "push": "buyer",
                            "weight": -1,
                            "compensation": {"form": "gold", "payer": "merchant", "rate": "0.05"},
                        }
                    )
                ]
            ),
            "test.abuse",
            "form must be one of",
        ),
        (
            pack(
                [rule(effect={"push": "buyer", "weight": -1, "freight": {"payer": "courier", "priority": 1}})]
            ),
            "test.abuse",
            "payer must be one of buyer, merchant, split, not_applicable",
        ),
        (
            pack([rule(effect={"push": "buyer", "weight": -1, "penalty_points": -2})]),
            "test.abuse",
            "non-negative",
        ),
        (
            pack(
                [
                    rule(
                        effect={
                            "push": "buyer",
                            "weight": -1,
                            "review": {"reason": "x", "missing": ["goods.colour"]},
                        }
                    )
                ]
            ),
            "test.abuse",
            "unknown attribute `goods.colour`",
        ),
        (
            pack([rule(effect={"push": "buyer", "weight": -1, "actions": [{"code": "do it", "text": "x"}]})]),
            "test.abuse",
            "UPPER_SNAKE_CASE",
        ),
        (
            pack([rule(when="now > deadline.merchant_respons"), DEADLINE_RULE]),
            "test.abuse",
            "did you mean `merchant_response`",
        ),
    ],
)
def test_bad_rules_fail_naming_the_entry(data: dict[str, Any], entry: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        build_pack(data, origin="test")
    assert info.value.entry == entry
    assert message in str(info.value)
    assert info.value.code == "POLICY_INVALID"


def deadline(**changes: Any) -> dict[str, Any]:
    r = copy.deepcopy(DEADLINE_RULE)
    r["effect"]["deadline"].update(changes)
    return r


@pytest.mark.parametrize(
    ("rules", "tables", "entry", "message"),
    [
        ([deadline(after="3 days")], [TABLE], "test.window", "duration such as"),
        ([deadline(after=None, timeout=None) | {}], [TABLE], "test.window", "duration such as"),
        ([deadline(**{"from": "order.amount"})], [TABLE], "test.window", "must be a datetime"),
        ([deadline(party="courier")], [TABLE], "test.window", "party must be one of"),
        (
            [{**DEADLINE_RULE, "effect": {**DEADLINE_RULE["effect"], "push": "buyer", "weight": -1}}],
            [TABLE],
            "test.window",
            "must not push the outcome",
        ),
        (
            [{**DEADLINE_RULE, "when": "merchant.abused_buyer"}],
            [TABLE],
            "test.window",
            "fire[0] does not fire",
        ),
        (
            [{**DEADLINE_RULE, "when": "now > deadline.merchant_response"}],
            [TABLE],
            "test.window",
            "unknown name",
        ),
        (
            [DEADLINE_RULE],
            [{**TABLE, "end": "2020-01-01T00:00:00+08:00"}],
            "holiday.test",
            "end must be after",
        ),
        ([DEADLINE_RULE], [{**TABLE, "start": "2020-01-17T00:00:00"}], "holiday.test", "no UTC offset"),
        (
            [DEADLINE_RULE],
            [
                {
                    **TABLE,
                    "overrides": [
                        {"timeout": "merchant_reviw", "after": "15d", "triggers": ["timeline.requested_at"]}
                    ],
                }
            ],
            "holiday.test",
            "matches no deadline's timeout; known: merchant_review",
        ),
        (
            [DEADLINE_RULE],
            [
                {
                    **TABLE,
                    "overrides": [
                        {"timeout": "merchant_review", "after": "15d", "triggers": ["claim.reason"]}
                    ],
                }
            ],
            "holiday.test",
            "datetime",
        ),
        ([DEADLINE_RULE], [{**TABLE, "overrides": []}], "holiday.test", "non-empty list"),
    ],
)
def test_bad_deadlines_and_tables(
    rules: list[dict[str, Any]], tables: list[dict[str, Any]], entry: str, message: str
) -> None:
    if rules[0]["effect"].get("deadline", {}).get("after", "x") is None:
        del rules[0]["effect"]["deadline"]["after"]
        del rules[0]["effect"]["deadline"]["timeout"]
        message = "needs `after`, `timeout`"
    with pytest.raises(PolicyError) as info:
        build_pack(pack(rules, holiday_tables=tables), origin="test")
    assert info.value.entry == entry
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("top", "message"),
    [
        ({"version": "2026.1"}, "must look like tmall-2026.12.0"),
        ({"version": "taobao-2026.1.0"}, "must look like tmall"),
        ({"pack": "jd"}, "pack must be one of"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        (
            {
                "model": {
                    "bias": 0,
                    "buyer_at_most": 0.7,
                    "merchant_at_least": 0.6,
                    "review_holds_within": [0.1, 0.9],
                }
            },
            "review low <= buyer_at_most < merchant_at_least",
        ),
        ({"colour": "red"}, "unknown key(s) colour"),
    ],
)
def test_bad_pack_headers(top: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError) as info:
        build_pack(pack(**top), origin="test")
    assert message in str(info.value)


def test_bad_files(tmp_path: Path) -> None:
    broken = tmp_path / "tmall.yaml"
    broken.write_text("pack: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_pack_file(broken)
    with pytest.raises(PolicyError, match="cannot read"):
        load_pack_file(tmp_path / "missing.yaml")
    including = tmp_path / "inc.yaml"
    including.write_text(yaml.safe_dump({**pack(), "include": ["nope.yaml"]}), encoding="utf-8")
    with pytest.raises(PolicyError, match="cannot read"):
        load_pack_file(including)


def test_include_files_merge_rules(tmp_path: Path) -> None:
    (tmp_path / "common.yaml").write_text(
        yaml.safe_dump({"include_id": "c", "rules": [GOOD_RULE]}), encoding="utf-8"
    )
    (tmp_path / "tmall.yaml").write_text(
        yaml.safe_dump({**pack([DEADLINE_RULE]), "include": ["common.yaml"]}, allow_unicode=True),
        encoding="utf-8",
    )
    p = load_pack_file(tmp_path / "tmall.yaml")
    assert p.rule_ids == ("test.abuse", "test.window")
    (tmp_path / "tmall.yaml").write_text(
        yaml.safe_dump({**pack([GOOD_RULE]), "include": ["common.yaml"]}, allow_unicode=True),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="duplicate id"):
        load_pack_file(tmp_path / "tmall.yaml")


def test_shipped_packs_load_and_are_cached() -> None:
    assert available_packs() == {
        "tmall": ["tmall-2026.12.0"],
        "taobao": ["taobao-2026.12.0"],
        "douyin": ["douyin-2026.12.0"],
    }
    assert load_pack("tmall") is load_pack("tmall")
    assert load_pack("tmall", "tmall-2026.12.0") is load_pack("tmall", "tmall-2026.12.0")
    with pytest.raises(NotFound, match=r"shipped: tmall-2026\.12\.0"):
        load_pack("tmall", "tmall-1999.1.0")
    with pytest.raises(InvalidInput) as info:
        load_pack("jd")
    assert info.value.field == "platform"


@pytest.mark.parametrize("platform", ["tmall", "taobao", "douyin"])
def test_dump_writes_a_loadable_identical_pack(platform: str, tmp_path: Path) -> None:
    original = load_pack(platform)
    path = original.dump(tmp_path / f"{platform}.yaml")
    again = load_pack_file(path)
    assert again.version == original.version and again.platform is original.platform
    assert again.rules == original.rules
    assert again.holiday_tables == original.holiday_tables
    assert again.model == original.model
    assert again.to_data() == original.to_data()
