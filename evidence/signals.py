"""Per-frame signals: what one sampled frame (and its predecessor in the same decode) shows.

Everything is computed once per sample from the analysis-size BGR frame; the full-detail frame is
only used for barcodes (see :mod:`evidence.barcodes`). A sample keeps a tiny copy of itself
(``TINY`` pixels) for the scene analysis done after the pass (parcel faces, opening, close-ups);
nothing larger outlives the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .config import AnalysisConfig
from .quality import blur_effect, edge_spread, subject_blur
from .scene import border_ring

__all__ = [
    "TINY",
    "PairSignals",
    "Sample",
    "SignalState",
    "focus",
    "is_blurred",
    "is_dark",
    "is_defocused",
    "is_washed_out",
    "measure",
    "rises",
]

TINY = (96, 54)  # w, h of the per-sample thumbnail kept for scene analysis (landscape; swapped for portrait)
CONTENT = (160, 90)  # HSV content-change resolution (PySceneDetect-like)
FREEZE = (320, 180)  # grey resolution for "identical frame" tests (noise survives here)
EDGE_SPREAD_EVERY_S = 0.5  # edge spread is measured this often (about 1 ms a frame at 640x360)


@dataclass(slots=True)
class PairSignals:
    """How a sample differs from the previous sample of the same decode stream."""

    dt: float  # seconds since that sample
    content: float  # mean |ΔH|,|ΔS|,|ΔV| averaged (0–255): cuts and scene changes
    freeze: float  # mean |Δgrey| at 320 px (0–255): identical frames are ≈ 0
    motion: float  # global translation, px/s on the 640-px frame (phase correlation); nan if dt too long
    border_shift: float  # change of the frame border's mean colour (0–255): lighting/background
    align: float  # phase-correlation peak (≈1: the frames differ by a shift; ≈0: unrelated pictures)


@dataclass(slots=True)
class Sample:
    """Signals of one decoded frame."""

    t: float
    key: bool
    dense: bool
    stream: int  # which decode pass/window produced it (pairs are only compared within one)
    blur: float  # Crete blur effect on the 640-px grey frame, smoothed σ=1 (0 sharp … 1 blurred)
    luma: float  # mean grey level
    clipped: float  # fraction of pixels < 16 or > 239
    tiny: np.ndarray | None  # TINY BGR copy for scene analysis (may be thinned away on long videos)
    pair: PairSignals | None  # vs the previous sample of the same decode stream
    motion_proxy: float = float("nan")  # packet-size motion estimate (hybrid mode), 1 = quiet
    subject_blur: float = float("nan")  # blur of the sharpest textured tiles (the subject), 0 sharp … 1;
    # nan when not measured (samples built by hand): the whole-frame ``blur`` stands in
    edge_spread: float = float("nan")  # width of the clearest step edges as a Gaussian σ, px at 640;
    # nan when the frame has no clear edge or it was not measured
    crushed: float = 0.0  # fraction of pixels crushed to black (< 16)
    blown: float = 0.0  # fraction of pixels blown to white (> 239)
    highlight: float = 255.0  # 95th percentile grey level: how bright the brightest things are
    shadow: float = 0.0  # 5th percentile grey level: how dark the darkest things are


class SignalState:
    """The previous frame's reduced forms, so each pair is compared without keeping full frames."""

    __slots__ = ("border", "grey_freeze", "grey_small", "hsv", "spread", "spread_t", "t")

    def __init__(self) -> None:
        self.t: float | None = None
        self.hsv: np.ndarray | None = None
        self.grey_freeze: np.ndarray | None = None
        self.grey_small: np.ndarray | None = None
        self.border: np.ndarray | None = None
        self.spread = float("nan")
        self.spread_t: float | None = None

    def reset(self) -> None:
        self.t = None
        self.spread_t = None


def _border_colour(tiny: np.ndarray) -> np.ndarray:
    return np.asarray(border_ring(tiny).mean(axis=0), dtype=np.float32)


def _resize(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = img.shape[:2]
    if h > w and size[0] > size[1]:  # portrait frames keep their orientation
        size = (size[1], size[0])
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def measure(
    image: np.ndarray,
    t: float,
    key: bool,
    dense: bool,
    stream: int,
    state: SignalState,
    max_pair_dt: float = 0.55,
) -> Sample:
    """Signals of ``image`` (BGR, analysis size) at time ``t``; updates ``state`` for the next call."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = 640.0 / max(grey.shape)
    norm = (
        grey
        if abs(scale - 1.0) < 0.05
        else cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    )
    smooth = cv2.GaussianBlur(norm, (0, 0), 1.0)
    blur = blur_effect(smooth)
    luma = float(grey.mean())
    hist = cv2.calcHist([norm], [0], None, [256], [0, 256]).ravel()
    n_px = float(hist.sum()) or 1.0
    crushed = float(hist[:16].sum()) / n_px
    blown = float(hist[240:].sum()) / n_px
    clipped = crushed + blown
    cumulative = np.cumsum(hist)
    highlight = float(np.searchsorted(cumulative, 0.95 * n_px))
    shadow = float(np.searchsorted(cumulative, 0.05 * n_px))
    # the subject's focus at 320 px: sensor noise and compression softness live at the finest
    # scale and are averaged away; defocus and motion blur span several pixels and remain
    sharp = subject_blur(cv2.resize(norm, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    # the focus in physical terms (how wide a step edge is), measured every EDGE_SPREAD_EVERY_S
    # and carried to the samples between (a focus change that lasts under half a second is not
    # what makes a video too blurred to see)
    if state.spread_t is None or not 0.0 <= t - state.spread_t < EDGE_SPREAD_EVERY_S:
        state.spread, state.spread_t = edge_spread(norm), t
    spread = state.spread
    tiny = _resize(image, TINY)
    hsv = cv2.cvtColor(_resize(image, CONTENT), cv2.COLOR_BGR2HSV)
    grey_freeze = _resize(grey, FREEZE)
    grey_small = _resize(grey, CONTENT).astype(np.float32)
    border = _border_colour(tiny)
    pair: PairSignals | None = None
    if state.t is not None and state.hsv is not None and state.grey_freeze is not None:
        dt = t - state.t
        if dt > 0:
            content = float(cv2.absdiff(hsv, state.hsv).mean())
            freeze = float(cv2.absdiff(grey_freeze, state.grey_freeze).mean())
            motion = float("nan")
            align = float("nan")
            if dt <= max_pair_dt and state.grey_small is not None:
                window = cv2.createHanningWindow(
                    CONTENT if grey_small.shape[1] >= grey_small.shape[0] else CONTENT[::-1], cv2.CV_32F
                )
                (dx, dy), response = cv2.phaseCorrelate(state.grey_small, grey_small, window)
                align = float(response)
                px = float(np.hypot(dx, dy)) * (640.0 / max(grey_small.shape))
                motion = px / dt
            assert state.border is not None
            shift = float(np.abs(border - state.border).mean())
            pair = PairSignals(dt, content, freeze, motion, shift, align)
    state.t, state.hsv, state.grey_freeze, state.grey_small, state.border = (
        t,
        hsv,
        grey_freeze,
        grey_small,
        border,
    )
    return Sample(
        t,
        key,
        dense,
        stream,
        blur,
        luma,
        clipped,
        tiny,
        pair,
        subject_blur=sharp,
        edge_spread=spread,
        crushed=crushed,
        blown=blown,
        highlight=highlight,
        shadow=shadow,
    )


# --- what a sample shows a person ------------------------------------------------------------


def focus(s: Sample) -> float:
    """Blur of the subject (the sharpest textured part of the picture), or of the whole frame
    where no subject blur was measured; 0 sharp … 1 blurred."""
    return s.blur if math.isnan(s.subject_blur) else s.subject_blur


def is_blurred(s: Sample, cfg: AnalysisConfig) -> bool:
    """The subject is not sharp (soft or worse; a sharp subject on a soft background is sharp)."""
    if math.isnan(s.subject_blur):
        return s.blur > cfg.blur_max
    return s.subject_blur > cfg.subject_blur_max


def is_defocused(s: Sample, cfg: AnalysisConfig) -> bool:
    """The subject is too blurred to see (beyond soft)."""
    if math.isnan(s.subject_blur):
        return s.blur > cfg.blur_max
    return s.subject_blur > cfg.subject_blur_fail


def is_dark(s: Sample, cfg: AnalysisConfig) -> bool:
    """Too dark to see: a low mean *and* nothing bright in the picture (a dark scene with a lit
    subject, or a dim picture whose brightest parts still show detail, is not)."""
    return s.luma < cfg.dark_mean_max and s.highlight < cfg.dark_highlight_max


def is_washed_out(s: Sample, cfg: AnalysisConfig) -> bool:
    """Over-exposed: a very bright mean or many highlights blown to white (crushed blacks are
    not highlights), *and* no dark tones left (a white item filling the frame still shows its
    print and damage dark)."""
    bright = s.luma > cfg.bright_mean_min or s.blown > cfg.clipped_fraction_max
    return bright and s.shadow > cfg.washed_shadow_min


def rises(t: np.ndarray, level: np.ndarray, minimum: float, ratio: float, side_s: float) -> np.ndarray:
    """Points on a clear rise of ``level`` between two calmer stretches: the turn of a thin parcel
    (a bag or envelope shown edge-on) changes little of the picture, yet stands well above the
    holds either side of it. A point is on a rise when its level is at least ``minimum`` and
    ``ratio`` times the calmest level within ``side_s`` on *each* side (NaN levels are ignored;
    with nothing on one side, at the ends or across a pause, it is not). ``t`` is increasing."""
    out = np.zeros(len(t), bool)
    left = np.searchsorted(t, t - side_s)
    right = np.searchsorted(t, t + side_s, side="right")
    with np.errstate(invalid="ignore"):
        candidates = np.nonzero(level >= minimum)[0]
    for i in candidates:
        before, after = level[left[i] : i], level[i + 1 : right[i]]
        if np.isnan(before).all() or np.isnan(after).all():  # also when a side is empty
            continue
        out[i] = level[i] >= ratio * max(np.nanmin(before), np.nanmin(after))
    return out
