"""The public entry points for one case: :func:`predict` and :func:`deadlines`."""

from __future__ import annotations

from datetime import datetime

from evidence.model import Assessment

from .case import DisputeCase, EvidenceSummary
from .context import DisputeContext
from .engine import check_platform, deadlines_for, predict_with, resolve_at
from .loader import load_pack
from .pack import PolicyPack
from .results import Deadline, Prediction

__all__ = ["deadlines", "predict"]


def predict(
    case: DisputeCase,
    pack: PolicyPack | None = None,
    *,
    at: datetime | None = None,
    assessment: Assessment | None = None,
) -> Prediction:
    """Predict how the platform will decide ``case``, with the rules that decide it.

    ``pack`` defaults to the shipped pack of the case's platform; ``at`` ("now") defaults to the
    case's ``as_of``, else the current time. ``assessment`` (the evidence core's result) replaces the
    evidence summary the case carries, if any.
    """
    if pack is None:
        pack = load_pack(case.platform.value)
    check_platform(pack, case.platform)
    when = resolve_at(at, case)
    evidence = EvidenceSummary.from_assessment(assessment) if assessment is not None else case.evidence
    return predict_with(pack, case, when, evidence)


def deadlines(
    case: DisputeCase, at: datetime | None = None, pack: PolicyPack | None = None
) -> list[Deadline]:
    """Every deadline the platform's rules set for ``case``, in the platform's time zone."""
    if pack is None:
        pack = load_pack(case.platform.value)
    check_platform(pack, case.platform)
    ctx = DisputeContext(case, resolve_at(at, case), case.evidence, None)
    found, _ = deadlines_for(pack.runtime, ctx)
    return found
