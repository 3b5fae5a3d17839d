"""Every policy entry, beside its tests: each rule's inline examples must make it fire and not fire,
every source must quote its seed verbatim, and the appeal-failure list must be covered as grouped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from disputes import PolicyPack, Rule, load_pack
from disputes.engine import rule_fires
from disputes.pack import Push, Scope
from disputes.sources import SEEDS

from ..conftest import REPO

PLATFORMS = ("tmall", "taobao", "douyin")
SEED_DIR = REPO.parent / "shared" / "seeds"


def _entries() -> list[Any]:
    params = []
    for platform in PLATFORMS:
        pack = load_pack(platform)
        for rule in pack.rules:
            for kind in ("fire", "quiet"):
                for i, example in enumerate(rule.examples[kind]):
                    params.append(
                        pytest.param(pack, rule, kind, example, id=f"{platform}:{rule.id}:{kind}[{i}]")
                    )
    return params


@pytest.mark.parametrize(("pack", "rule", "kind", "example"), _entries())
def test_rule_examples(pack: PolicyPack, rule: Rule, kind: str, example: dict[str, Any]) -> None:
    result = rule_fires(pack, rule, example)
    if kind == "fire":
        assert result is True, f"{rule.id} should fire on {example}"
    else:
        assert result is not True, f"{rule.id} should stay quiet on {example}"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_rule_has_both_kinds_of_example(platform: str) -> None:
    for rule in load_pack(platform).rules:
        assert rule.examples["fire"] and rule.examples["quiet"], rule.id


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    if not SEED_DIR.is_dir():
        pytest.skip(f"seed documents not found at {SEED_DIR}")
    return {
        doc: _normalise((SEED_DIR / seed.file).read_text(encoding="utf-8")) for doc, seed in SEEDS.items()
    }


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_quote_is_verbatim_in_its_seed(platform: str, seed_texts: dict[str, str]) -> None:
    pack = load_pack(platform)
    quotes = [(r.id, r.source.doc, r.source.quote) for r in pack.rules]
    quotes += [(t.id, t.source.doc, t.source.quote) for t in pack.holiday_tables]
    quotes += [
        (f"{t.id}/{o.timeout}", t.source.doc, o.quote) for t in pack.holiday_tables for o in t.overrides
    ]
    bad = [(i, doc, q) for i, doc, q in quotes if q and _normalise(q) not in seed_texts[doc]]
    assert not bad, f"quotes not found verbatim in their seed: {bad}"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_sources_are_documents_about_the_platform(platform: str) -> None:
    for rule in load_pack(platform).rules:
        assert platform in SEEDS[rule.source.doc].platforms, (rule.id, rule.source.doc)


# The appeal-failure list (申訴失敗) of seed 001 FAQ 5, as the guide groups it.
APPEAL_FAILURE_LIST = {
    "service_attitude": ["辱罵消費者", "服務消極或敷衍"],
    "shipping": ["強行發貨", "虛假發貨", "未按約定時間發貨", "缺貨", "未在舉證期內提供有效簽收憑證"],
    "returns": ["退貨地址不清晰", "地址錯誤", "退貨有爭議無有效憑證證實當場驗貨", "憑證無法核實商品問題"],
    "promises": ["未履行在商品詳情、聊天、退款留言中對消費者的承諾", "三包規定"],
    "goods": [
        "商品存在質量問題",
        "貨不對版/描述不符",
        "商品破損/錯發/漏發",
        "夸大宣傳以及其他違反廣告法的行為",
        "違反《食品安全法》、屬于違禁品、假冒品牌或知識產權侵權",
        "商家無法提供有效進貨合規憑證",
        "以影響二次銷售的理由拒絕退款",
    ],
    "other": [
        "商品性質已不適宜退貨",
        "逾期未提供或舉證無效不支持申訴",
        "商品性質導致退貨快遞不收件,商家未配合提供退貨方式",
        "承諾是代購實際是現貨",
        "買家已將商品完好寄回給商家",
        "買家已打款給商家",
        "商家簽收退貨且商品完好",
    ],
}


@pytest.mark.parametrize("platform", ["tmall", "taobao"])
def test_appeal_failure_list_is_complete_and_grouped(platform: str) -> None:
    pack = load_pack(platform)
    for group, reasons in APPEAL_FAILURE_LIST.items():
        rules = [r for r in pack.rules if r.group == f"appeal_failure/{group}"]
        for reason in reasons:
            matching = [r for r in rules if reason in r.source.quote]
            assert matching, f"no appeal_failure/{group} rule quotes {reason!r}"
            assert all(r.effect.push is Push.BUYER and r.effect.weight <= -3 for r in matching)
    every = [r for r in pack.rules if r.group.startswith("appeal_failure/")]
    assert {r.group.split("/")[1] for r in every} == set(APPEAL_FAILURE_LIST)


def test_any_single_appeal_failure_outweighs_the_strongest_merchant_rule() -> None:
    for platform in ("tmall", "taobao"):
        pack = load_pack(platform)
        strongest = max(r.effect.weight for r in pack.rules if r.effect.push is Push.MERCHANT)
        buyer_bound = pack.model.buyer_at_most
        for r in pack.rules:
            if r.group.startswith("appeal_failure/") and r.group != "appeal_failure/returns":
                logit = pack.model.bias + strongest + r.effect.weight
                assert 1 / (1 + 2.718281828**-logit) <= buyer_bound, r.id


def test_scopes_and_coverage_per_platform() -> None:
    tmall, taobao, douyin = (load_pack(p) for p in PLATFORMS)
    assert [r.id for r in tmall.rules if r.scope is Scope.REOPEN]
    assert [r.id for r in douyin.rules if r.scope is Scope.REOPEN]
    assert {t.id for t in tmall.holiday_tables} == {"holiday.spring_2020", "holiday.spring_2022"}
    assert not douyin.holiday_tables  # the tables are Taobao/Tmall's
    assert (
        "taobao.guarantee.shipping_time" in taobao.rule_ids
        and "taobao.guarantee.shipping_time" not in tmall.rule_ids
    )
    assert "tmall.shipping.late" in tmall.rule_ids and "tmall.shipping.late" not in taobao.rule_ids
    for pack in (tmall, taobao, douyin):
        assert re.match(rf"^{pack.platform.value}-\d{{4}}\.\d+\.\d+$", pack.version)
        assert len(set(pack.rule_ids)) == len(pack.rule_ids)


def test_pack_files_are_package_data() -> None:
    packs = Path(__import__("disputes").__file__).parent / "packs"
    assert {p.name for p in packs.glob("*.yaml")} == {
        "alibaba_common.yaml",
        "tmall.yaml",
        "taobao.yaml",
        "douyin.yaml",
    }
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"packs/*.yaml"' in text
