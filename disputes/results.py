"""What prediction, deadlines and eligibility return: frozen dataclasses with a JSON-ready ``to_dict``.

The server stores these and batch re-scoring diffs them, so every field is plain data; the rule ids
behind a prediction are :attr:`Prediction.rule_ids`, and :func:`diff_hits` says which differ.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "BuyerApplication",
    "Compensation",
    "Deadline",
    "Eligibility",
    "EligibilityStatus",
    "Freight",
    "Outcome",
    "Prediction",
    "RecommendedAction",
    "RuleHit",
    "Undecided",
    "diff_hits",
]


class Outcome(StrEnum):
    BUYER_FAVORED = "BUYER_FAVORED"
    MERCHANT_FAVORED = "MERCHANT_FAVORED"
    NEEDS_REVIEW = "NEEDS_REVIEW"


class EligibilityStatus(StrEnum):
    ELIGIBLE = "ELIGIBLE"
    INELIGIBLE = "INELIGIBLE"
    UNKNOWN = "UNKNOWN"  # the seeds do not decide, or facts are missing


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


class _ToDict:
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes ISO 8601 with offset, money as "12.34", enums as their values."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class RuleHit(_ToDict):
    """A rule that fired, with the text a person needs to check it."""

    id: str  #: stable rule id
    group: str  #: the rule's group, e.g. appeal_failure/shipping
    description: str  #: what the rule says, in the pack's words
    source: str  #: document, section and quote
    weight: float  #: log-odds it adds for the merchant (0 for informative rules)


@dataclass(frozen=True)
class Undecided(_ToDict):
    """A rule that could not be evaluated because facts are unknown."""

    id: str
    missing: tuple[str, ...]  #: the unknown facts (field paths)
    weight: float


@dataclass(frozen=True)
class Deadline(_ToDict):
    """A computed deadline, in the platform's time zone."""

    name: str  #: stable name, e.g. merchant_response
    due_at: datetime  #: when it passes (aware, platform zone)
    starts_at: datetime  #: the instant it counts from (platform zone)
    start: str  #: what it counts from (a case field)
    duration: str  #: e.g. "5d", "72h"
    party: str  #: who must act
    consequence: str  #: what happens when it passes
    passed: bool  #: whether it has passed at the evaluation time
    rule_id: str
    source: str
    holiday_table: str | None = None  #: the holiday table whose timeout applied, if any


@dataclass(frozen=True)
class Freight(_ToDict):
    """Who pays the return freight. Every prediction has one: ``not_applicable`` when nothing ships
    back (a refund-only claim, a refund without return, a return the outcome refuses), ``undetermined``
    when no rule decides or the payer depends on how a NEEDS_REVIEW is settled (``note`` says how)."""

    payer: str  #: buyer, merchant, split (each pays the leg it ships), not_applicable or undetermined
    rule_id: str  #: the deciding rule; empty when no rule of the pack decides
    source: str
    burden_of_proof: str | None = None
    note: str = ""
    alternatives: tuple[str, ...] = ()  #: other fired freight rules, lower priority


@dataclass(frozen=True)
class Compensation(_ToDict):
    rule_id: str
    amount: Decimal | None  #: None when the seeds give no formula
    currency: str
    form: str  #: cash, points (积分) or guarantee_fund
    payer: str
    formula: str  #: how the amount was computed
    source: str
    note: str = ""


@dataclass(frozen=True)
class RecommendedAction(_ToDict):
    code: str
    text: str
    rule_id: str


@dataclass(frozen=True)
class Prediction(_ToDict):
    """How the platform is likely to decide, why, and what the merchant should do."""

    case_id: str
    platform: str
    pack_version: str
    at: datetime  #: the evaluation time ("now"), platform zone
    outcome: Outcome
    merchant_probability: float  #: P(the merchant prevails) from the additive log-odds model
    logit: float
    hits: tuple[RuleHit, ...]  #: fired rules, strongest first
    undecided: tuple[Undecided, ...]  #: rules that need unknown facts
    missing_facts: tuple[str, ...]  #: facts that would settle a NEEDS_REVIEW
    review_reasons: tuple[str, ...]  #: why NEEDS_REVIEW (empty otherwise)
    deadlines: tuple[Deadline, ...]
    freight: Freight | None  #: always set by predict(); None only in records made before issue #14
    penalty_points: int  #: points if the complaint is upheld
    compensation: tuple[Compensation, ...]
    compensation_total: Decimal
    actions: tuple[RecommendedAction, ...]
    overridden: tuple[str, ...] = ()  #: fired rules whose consequences a more specific rule replaced
    evidence_used: bool = False  #: a fired or undecided rule read the unboxing evidence

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(h.id for h in self.hits)

    def deadline(self, name: str) -> Deadline | None:
        for d in self.deadlines:
            if d.name == name:
                return d
        return None


def diff_hits(before: Prediction, after: Prediction) -> tuple[frozenset[str], frozenset[str]]:
    """Rule ids that fire only ``after`` (added) and only ``before`` (removed)."""
    return after.rule_ids - before.rule_ids, before.rule_ids - after.rule_ids


@dataclass(frozen=True)
class Eligibility(_ToDict):
    """Whether the merchant may re-open the after-sales entry, and what follows if it does."""

    platform: str
    pack_version: str
    at: datetime
    status: EligibilityStatus
    denials: tuple[RuleHit, ...]  #: the conditions that fail
    messages: tuple[str, ...]  #: what the platform shows, verbatim (e.g. 无权限,请去申请权限)
    grant: RuleHit | None  #: the rule giving the terms below
    entry_open_days: int | None  #: how long the entry stays open
    entry_closes_at: datetime | None  #: if opened at ``at``
    entry_open_note: str
    buyer_applications: int | None  #: applications allowed once open; None: no limit
    applications_note: str
    refund_borne_by: str | None
    funding: tuple[str, ...]  #: where the refund money comes from, in order
    notes: tuple[str, ...]
    missing_facts: tuple[str, ...]
    actions: tuple[RecommendedAction, ...]

    @property
    def eligible(self) -> bool:
        return self.status is EligibilityStatus.ELIGIBLE


@dataclass(frozen=True)
class BuyerApplication(_ToDict):
    """May the buyer apply for after-sales now (through a re-opened entry, or within the period where
    the pack caps applications), and how many times?"""

    platform: str
    pack_version: str
    at: datetime
    status: EligibilityStatus  #: ELIGIBLE: the buyer may apply now; UNKNOWN: facts missing or no rule
    reasons: tuple[str, ...]  #: why, in order (each names its rule)
    rules: tuple[RuleHit, ...]  #: the rules the answer rests on, with their sources
    reopened_at: datetime | None  #: the latest re-opening, if known
    #: the entry closes at this instant (the latest re-opening + its days; never re-opened: the period's end)
    apply_by: datetime | None
    #: through the re-opened entry (never re-opened: the cap within the period); None: no limit or unknown
    applications_allowed: int | None
    #: applications since the latest re-opening (never re-opened: within the period); None: unknown
    applications_used: int | None
    applications_left: int | None  #: None: no limit or unknown
    applications_note: str
    notes: tuple[str, ...]
    missing_facts: tuple[str, ...]

    @property
    def may_apply(self) -> bool:
        return self.status is EligibilityStatus.ELIGIBLE
