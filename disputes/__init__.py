"""Platform policy as data, and dispute-outcome prediction with reasons (issue #3).

A :class:`DisputeCase` (``disputes.case``) is judged against a versioned :class:`PolicyPack` of
rules written from the platforms' own documents (``disputes/packs/*.yaml``), each rule citing its
source. :func:`predict` says how the platform is likely to decide, with the rules that decided it,
deadlines, freight, penalty points, compensation and recommended actions. :func:`deadlines` and
:func:`reopen_eligibility` work without a full prediction. :func:`fit_weights` refits the
transparent log-odds model from archived outcomes; :func:`brier_score` and
:func:`reliability_table` measure calibration.

Errors are the project's: :class:`evidence.errors.InvalidInput` (with ``field``) for malformed
cases, :class:`evidence.errors.PolicyError` (with ``entry``) for bad packs.
"""

from .calibrate import (
    CalibrationReport,
    LabelledCase,
    ReliabilityBin,
    brier_score,
    calibration_report,
    fit_weights,
    reliability_table,
)
from .case import (
    Actor,
    ActorKind,
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
    evidence_facts,
    from_dict,
)
from .loader import available_packs, load_pack, load_pack_file
from .pack import PolicyPack, Rule, Source
from .predict import deadlines, predict
from .reopen import reopen_eligibility
from .results import (
    Compensation,
    Deadline,
    Eligibility,
    EligibilityStatus,
    Freight,
    Outcome,
    Prediction,
    RecommendedAction,
    RuleHit,
    Undecided,
    diff_hits,
)

__all__ = [
    "Actor",
    "ActorKind",
    "CalibrationReport",
    "Claim",
    "ClaimKind",
    "ClaimReason",
    "Compensation",
    "Complaint",
    "Deadline",
    "DisputeCase",
    "ElementSummary",
    "Eligibility",
    "EligibilityStatus",
    "EvidenceSummary",
    "Freight",
    "FreightPayer",
    "GoodsFacts",
    "GoodsType",
    "Guarantee",
    "Interception",
    "LabelledCase",
    "Logistics",
    "MerchantConduct",
    "MismatchSeverity",
    "Order",
    "OrderSource",
    "Outcome",
    "PaymentMethod",
    "Platform",
    "PolicyPack",
    "Prediction",
    "RecommendedAction",
    "RefundState",
    "RefusalReason",
    "ReliabilityBin",
    "Rule",
    "RuleHit",
    "SaleType",
    "Source",
    "Ticket",
    "TicketStatus",
    "TicketType",
    "Timeline",
    "Undecided",
    "available_packs",
    "brier_score",
    "calibration_report",
    "deadlines",
    "diff_hits",
    "evidence_facts",
    "fit_weights",
    "from_dict",
    "load_pack",
    "load_pack_file",
    "predict",
    "reliability_table",
    "reopen_eligibility",
]
