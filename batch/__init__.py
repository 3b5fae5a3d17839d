"""Batch re-scoring of archived disputes: archive format, the per-record scorer, a resumable
parallel runner (process pool or Ray), the run's summary, and weight calibration."""

from __future__ import annotations

from .archive import OUTCOMES, RawRecord, count_records, read_archive, write_archive
from .calibration import PlatformCalibration, calibrate
from .report import Summary, render, summarize
from .runner import RunOptions, RunStats, recover_output, rescore, score_chunk
from .scoring import Scorer, ScoringOptions

__all__ = [
    "OUTCOMES",
    "PlatformCalibration",
    "RawRecord",
    "RunOptions",
    "RunStats",
    "Scorer",
    "ScoringOptions",
    "Summary",
    "calibrate",
    "count_records",
    "read_archive",
    "recover_output",
    "render",
    "rescore",
    "score_chunk",
    "summarize",
    "write_archive",
]
