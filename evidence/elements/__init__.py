"""The four elements of the unboxing-video principle, each judged from the same measured evidence."""

from __future__ import annotations

from ..model import ElementResult
from .base import DecodeSummary, Evidence
from .completeness import judge_completeness
from .consistency import judge_consistency
from .timeliness import judge_timeliness
from .validity import judge_validity

__all__ = ["DecodeSummary", "Evidence", "judge_all"]


def judge_all(ev: Evidence) -> tuple[ElementResult, ...]:
    """Consistency, completeness, validity and timeliness, in that order."""
    return (judge_consistency(ev), judge_completeness(ev), judge_validity(ev), judge_timeliness(ev))
