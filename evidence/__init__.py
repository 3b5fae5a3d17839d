"""proofbox's evidence core: unboxing videos and photos in, four element verdicts with findings out.

The public surface is small: :func:`assess` for files, :class:`VideoAnalyzer` for frames already
in memory, the result types in :mod:`evidence.model`, the thresholds in :class:`AnalysisConfig`,
and the exception tree in :mod:`evidence.errors`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .config import AnalysisConfig, MediaLimits
from .errors import MediaError, ProofboxError
from .model import Assessment, CaseFacts, Element, ElementResult, Finding, Severity, Verdict

__all__ = [
    "AnalysisConfig",
    "Assessment",
    "CaseFacts",
    "Element",
    "ElementResult",
    "Finding",
    "MediaError",
    "MediaLimits",
    "ProofboxError",
    "Severity",
    "Verdict",
    "__version__",
    "assess",
]


def __getattr__(name: str) -> object:
    # imported lazily: the media stack (ffmpeg, zxing, OpenCV) is only needed to assess files
    if name == "assess":
        from .assess import assess

        return assess
    raise AttributeError(name)
