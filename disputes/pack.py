"""A policy pack in memory: versioned rules with sources and structured effects, compiled.

Packs are loaded from YAML by ``disputes.loader``; this module holds the frozen types and the two
operations that make new packs from old ones: :meth:`PolicyPack.with_weights` (calibration) and
:meth:`PolicyPack.dump` (writes a self-contained YAML file the loader reads back).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from evidence.errors import PolicyError

from .case import Platform
from .expr import Compiled

__all__ = [
    "FREIGHT_PAYERS",
    "Action",
    "CompensationSpec",
    "DeadlineSpec",
    "Effect",
    "FreightSpec",
    "HolidayOverride",
    "HolidayTable",
    "ModelConfig",
    "PolicyPack",
    "Push",
    "ReopenSpec",
    "ReviewSpec",
    "Rule",
    "Scope",
    "Source",
]


class Push(StrEnum):
    """Which way a rule moves the outcome; fixed when weights are refitted."""

    BUYER = "buyer"  # weight <= 0: lowers the merchant's log-odds
    MERCHANT = "merchant"  # weight >= 0
    NONE = "none"  # weight == 0: the rule only informs (deadline, action, freight...)


class Scope(StrEnum):
    DISPUTE = "dispute"  # evaluated by predict() and deadlines()
    REOPEN = "reopen"  # evaluated by reopen_eligibility()


@dataclass(frozen=True)
class Source:
    """Where a rule comes from: document id, section, and a verbatim quote."""

    doc: str  #: a key of disputes.sources.SEEDS, e.g. "seed:001"
    section: str  #: section within the document, e.g. "常見問題5 申訴失敗/商家違反退貨規範"
    quote: str  #: the passage, verbatim

    def cite(self) -> str:
        return f"{self.doc} §{self.section} 「{self.quote}」"


@dataclass(frozen=True)
class Action:
    """Something the merchant should do."""

    code: str  #: stable, upper-case, e.g. "AGREE_REFUND"
    text: str  #: what to do, for a person


@dataclass(frozen=True)
class DeadlineSpec:
    """A deadline the rule sets: ``start`` + ``after`` (or a holiday table's override)."""

    name: str  #: stable name; rules may read it as ``deadline.<name>``
    start: str  #: expression for the starting instant (a datetime path)
    after: timedelta | None  #: normal duration; None when the seeds give only holiday values
    timeout: str | None  #: key a holiday table may override
    party: str  #: who must act: buyer, merchant or platform
    consequence: str  #: what happens when it passes
    after_text: str = ""  #: the duration as the pack writes it ("72h")
    start_compiled: Compiled | None = field(default=None, compare=False, repr=False)


FREIGHT_PAYERS = ("buyer", "merchant", "split", "not_applicable")


@dataclass(frozen=True)
class FreightSpec:
    """Who pays the return freight, when the rule fires (and the outcome is ``outcome``, if set)."""

    payer: str  #: buyer, merchant, split (each pays the leg it ships) or not_applicable (nothing ships back)
    priority: int  #: the highest-priority fired freight rule decides
    burden_of_proof: str | None = None  #: who must prove the facts (拒签: merchant or buyer)
    note: str = ""
    #: the rule decides freight only when the prediction's outcome is this (BUYER_FAVORED or
    #: MERCHANT_FAVORED): e.g. a valid unboxing video puts freight on the buyer only when it decides
    outcome: str | None = None


@dataclass(frozen=True)
class CompensationSpec:
    """``rate`` × order amount clamped to [minimum, maximum], or ``unknown`` (the seeds give no formula)."""

    rate: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    form: str  #: cash, points (积分) or guarantee_fund (保证金先行赔付)
    payer: str  #: who pays
    note: str = ""
    unknown: str = ""  #: why the amount cannot be computed


@dataclass(frozen=True)
class ReviewSpec:
    reason: str  #: why a person must look
    missing: tuple[str, ...] = ()  #: facts that would settle it


@dataclass(frozen=True)
class ReopenSpec:
    """Re-open (打开售后入口) effects: a denial, a grant's terms, or an undecided note."""

    deny: str = ""  #: why the entry cannot be opened
    platform_message: str = ""  #: the message the platform shows, verbatim
    grant: Mapping[str, Any] | None = None  #: terms once opened (days, applications, who pays...)
    unknown: str = ""  #: the seeds do not decide
    info: str = ""  #: a consequence worth knowing; does not change eligibility
    #: with ``info``: the buyer's applications allowed within the after-sales period (seed 004 注意事项2)
    applications_in_period: int | None = None


@dataclass(frozen=True)
class Effect:
    push: Push = Push.NONE
    weight: float = 0.0  #: log-odds added for the merchant prevailing
    actions: tuple[Action, ...] = ()
    deadline: DeadlineSpec | None = None
    freight: FreightSpec | None = None
    penalty_points: int = 0
    compensation: CompensationSpec | None = None
    review: ReviewSpec | None = None
    reopen: ReopenSpec | None = None
    note: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    group: str
    description: str
    source: Source
    when: str
    effect: Effect
    scope: Scope
    overrides: tuple[str, ...]
    examples: Mapping[str, Any]  #: {"fire": [...], "quiet": [...]} patches on the pack's example base
    raw: Mapping[str, Any] = field(compare=False, repr=False)
    compiled: Compiled | None = field(default=None, compare=False, repr=False)

    @property
    def cite(self) -> str:
        return self.source.cite()


@dataclass(frozen=True)
class HolidayOverride:
    timeout: str  #: the DeadlineSpec.timeout key it replaces
    after: timedelta  #: the holiday duration
    triggers: tuple[str, ...]  #: event paths; the override applies when one falls in the range
    when: str = ""  #: optional extra condition (e.g. not surface mail)
    note: str = ""
    quote: str = ""  #: the table line it encodes, verbatim
    after_text: str = ""  #: the duration as the pack writes it ("15d")
    trigger_compiled: tuple[Compiled, ...] = field(default=(), compare=False, repr=False)
    when_compiled: Compiled | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class HolidayTable:
    id: str
    description: str
    source: Source
    start: datetime  #: first instant in the range
    end: datetime  #: the last second of the range as the seed states it; the whole second is inside
    overrides: tuple[HolidayOverride, ...]
    raw: Mapping[str, Any] = field(compare=False, repr=False)

    def covers(self, t: datetime) -> bool:
        """``t`` falls in [start, end + 1 s): the seeds state ranges to the second, both ends inclusive."""
        return self.start <= t < self.end + timedelta(seconds=1)


@dataclass(frozen=True)
class ModelConfig:
    """The transparent probability model: logistic over the fired rules' weights."""

    bias: float  #: log-odds before any rule fires
    buyer_at_most: float  #: P(merchant) at or below this: BUYER_FAVORED
    merchant_at_least: float  #: at or above this: MERCHANT_FAVORED
    review_holds_within: tuple[float, float]  #: a review effect forces NEEDS_REVIEW while P is inside


@dataclass(frozen=True)
class PolicyPack:
    """One platform's rules, compiled, at one version."""

    platform: Platform
    version: str
    timezone: str
    model: ModelConfig
    rules: tuple[Rule, ...]
    holiday_tables: tuple[HolidayTable, ...]
    examples: Mapping[str, Any]  #: {"base": case dict, "at": iso, "reopen_base": {...}}
    description: str = ""
    origin: str = ""  #: the file it was loaded from
    runtime: Any = field(default=None, compare=False, repr=False)  #: engine tables (disputes.engine)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)

    @property
    def weights(self) -> dict[str, float]:
        """Every weighted rule's log-odds weight, by id."""
        return {r.id: r.effect.weight for r in self.rules if r.effect.push is not Push.NONE}

    def to_data(self) -> dict[str, Any]:
        """The pack as one self-contained YAML-ready mapping (includes flattened)."""
        return {
            "pack": self.platform.value,
            "version": self.version,
            "timezone": self.timezone,
            "description": self.description,
            "model": {
                "bias": self.model.bias,
                "buyer_at_most": self.model.buyer_at_most,
                "merchant_at_least": self.model.merchant_at_least,
                "review_holds_within": list(self.model.review_holds_within),
            },
            "examples": copy.deepcopy(dict(self.examples)),
            "rules": [copy.deepcopy(dict(r.raw)) for r in self.rules],
            "holiday_tables": [copy.deepcopy(dict(t.raw)) for t in self.holiday_tables],
        }

    def dump(self, path: str | Path) -> Path:
        """Write the pack as a YAML file that ``disputes.load_pack_file`` loads back unchanged."""
        target = Path(path)
        text = yaml.safe_dump(self.to_data(), allow_unicode=True, sort_keys=False, width=110)
        target.write_text(
            f"# proofbox policy pack {self.version} (generated; edit the source packs instead)\n" + text,
            encoding="utf-8",
        )
        return target

    def with_weights(
        self, weights: Mapping[str, float], bias: float | None = None, version: str | None = None
    ) -> PolicyPack:
        """A copy with new weights (signs must respect each rule's push) and a new version."""
        rules: list[Rule] = []
        for r in self.rules:
            if r.id not in weights:
                rules.append(r)
                continue
            w = float(weights[r.id])
            if (
                (r.effect.push is Push.BUYER and w > 0)
                or (r.effect.push is Push.MERCHANT and w < 0)
                or (r.effect.push is Push.NONE and w != 0)
            ):
                raise PolicyError(f"weight {w} contradicts push {r.effect.push.value}", entry=r.id)
            raw = copy.deepcopy(dict(r.raw))
            raw["effect"] = {**raw["effect"], "weight": round(w, 4)}
            rules.append(replace(r, effect=replace(r.effect, weight=round(w, 4)), raw=raw))
        unknown = set(weights) - {r.id for r in self.rules}
        if unknown:
            raise PolicyError(f"no such rules: {', '.join(sorted(unknown))}", entry=self.version)
        model = self.model if bias is None else replace(self.model, bias=round(float(bias), 4))
        if version is None:
            digest = hashlib.sha256(
                json.dumps(
                    {"w": {r.id: r.effect.weight for r in rules}, "b": model.bias}, sort_keys=True
                ).encode()
            ).hexdigest()[:8]
            version = f"{self.version.split('+')[0]}+fit.{digest}"
        from .loader import build_pack  # the loader compiles and self-tests the new pack

        data = self.to_data()
        data["version"] = version
        data["model"]["bias"] = model.bias
        data["rules"] = [copy.deepcopy(dict(r.raw)) for r in rules]
        return build_pack(data, origin=f"{self.origin} (refitted)")
