"""What every element judges from, and how findings become a verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..config import AnalysisConfig
from ..continuity import Break, Freeze
from ..model import (
    BarcodeRead,
    CaseFacts,
    Element,
    ElementResult,
    Finding,
    PhotoFacts,
    Severity,
    Verdict,
    VideoFacts,
)
from ..signals import Sample
from ..views import Story

__all__ = ["SOURCES", "SWAP_CLAIMS", "DecodeSummary", "Evidence", "conclude", "default_rule", "text_params"]

# claims that a different item came back than the one sold: shown by the wrong item itself (its
# face, label, product code or serial number), not necessarily by a zoom
SWAP_CLAIMS = frozenset({"swapped", "wrong_item"})

# Where the rules come from: the unboxing-video principle (seed 001, FAQ 3) and the appeal-failure
# list (seed 001, FAQ 5). Thresholds of our own say so.
SOURCES = {
    "principle": "seed:001 常見問題3 拆包視頻認定原則: 需要滿足四要素:一致性、完整性、有效性、時效性",
    "complete": "seed:001 常見問題3: 能完整還原拆包驗貨的全過程,包裹六個面都需要出鏡",
    "prove": "seed:001 常見問題3: 證明驗貨時賣家發現的退貨問題,表明賣家訴求合理",
    "first_opening": "seed:001 常見問題3: 只支持退貨首次拆封時錄制的視頻,不支持退貨拆封后補錄的視頻",
    "on_the_spot": "seed:001 常見問題5 商家違反退貨規範: 退貨有爭議無有效憑證證實當場驗貨,或憑證無法核實商品問題",
    "in_time": "seed:001 常見問題5 其他: 平臺要求提供的憑證必須在規定時間內提供,逾期未提供或舉證無效不支持申訴",
}


def default_rule(name: str, value: object, unit: str = "") -> str:
    return f"proofbox default {name} = {value}{unit}"


def text_params(**values: object) -> dict[str, str]:
    """Finding parameters as language-neutral text (ISO 8601 times, plain numbers in seconds or
    fractions, codes): what a finding's message and rule are written from in any language
    (``proofbox.i18n.findings``). None values are left out."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            out[name] = value.isoformat()
        elif isinstance(value, timedelta):
            out[name] = f"{value.total_seconds():g}"
        elif isinstance(value, float):
            out[name] = f"{value:g}"
        else:
            out[name] = str(value)
    return out


CLAUSES = " | "
"""Joins clauses in a parameter (``{seen:clauses}``): each is translated on its own."""


@dataclass(frozen=True)
class DecodeSummary:
    mode: str
    error_count: int
    errors: tuple[str, ...]
    decodable_until: float  # seconds of video actually decodable
    declared_duration: float  # what the container claims
    frames_analysed: int
    packets: int
    declared_frames: int | None
    dropped_windows: tuple[tuple[float, float, int], ...] = ()  # (start, end, decoder errors) not used

    @property
    def coverage(self) -> float:
        if self.declared_duration <= 0:
            return 1.0
        return min(1.0, self.decodable_until / self.declared_duration)


@dataclass(frozen=True)
class Evidence:
    """Everything measured about one case's media, ready for the four elements."""

    cfg: AnalysisConfig
    case: CaseFacts
    video: VideoFacts | None
    samples: tuple[Sample, ...]
    duration: float
    decode: DecodeSummary | None
    breaks: tuple[Break, ...] = ()
    freezes: tuple[Freeze, ...] = ()
    pauses: tuple[tuple[float, float], ...] = ()  # (time, gap)
    story: Story | None = None
    reads: tuple[BarcodeRead, ...] = ()
    photos: tuple[PhotoFacts, ...] = ()
    notes: tuple[Finding, ...] = field(default=())


def conclude(
    element: Element, findings: Sequence[Finding], score: float, inconclusive: bool = False
) -> ElementResult:
    """FAIL if any finding is a failure, INCONCLUSIVE if the element could not be decided, else PASS."""
    if any(f.severity == Severity.FAILURE for f in findings):
        verdict = Verdict.FAIL
    elif inconclusive:
        verdict = Verdict.INCONCLUSIVE
    else:
        verdict = Verdict.PASS
    score = max(0.0, min(1.0, score))
    if verdict == Verdict.FAIL:
        score = min(score, 0.49)
    elif verdict == Verdict.PASS:
        score = max(score, 0.5)
    return ElementResult(element, verdict, round(score, 3), tuple(findings))
