"""One continuous take? Cuts, splices of different takes, frozen runs and paused recording.

Two kinds of evidence:

* :class:`NativeTrack`: a small copy of *every* decoded frame (the dense pass, or a dense window
  around a candidate) compared with the one before, as shot-boundary detectors do. A cut is a
  single-frame jump (far larger than the changes either side) that persists (the picture before it
  does not come back within a second, nor was the picture after it seen in the second before): an
  occluder passing the lens, a fast pan, exposure or focus hunting change the picture over several
  frames or come back. Only what a jump needs is kept (a second of small frames), so memory is flat.
* samples (10 fps pairs, keyframe pairs) from any mix of decode streams: pairs are only compared
  inside one stream and only where they are close in time. Used where no native track covers the
  time (frames handed over in memory), and for frozen runs.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from .config import AnalysisConfig
from .signals import PairSignals, Sample, is_dark

__all__ = [
    "Break",
    "Freeze",
    "Jump",
    "NativeTrack",
    "drop_freeze_edges",
    "find_breaks",
    "find_fades",
    "find_freezes",
    "held_frames",
    "native_breaks",
]

DENSE_PAIR_MAX_DT = 0.35
ALIGN_PAIR_MAX_DT = 0.15  # alignment collapse is only telling when a motion spans several pairs
NATIVE_MAX_DT = 0.2  # consecutive native frames further apart than this are a gap, not a frame step
REPEAT_MAX = 0.5  # a frame pair changing less than this is a repeated frame (a rate conversion), no step
FREEZE_CHANGE = 10.0  # a pair changing this many times ``freeze_max_diff`` shows another picture
LOOK = 4  # how many frames either side of a jump its neighbours are looked for (skipping repeats)
EditMark = Callable[[float, float], str | None]


@dataclass(frozen=True)
class Break:
    """An abrupt discontinuity between two neighbouring samples."""

    t: float  # time of the first frame after the discontinuity (a fade: the first lit frame after it)
    kind: str  # "cut", "splice" or "fade" (through black)
    content: float  # content change across it
    neighbours: float  # the larger change of the neighbouring pairs (native: their mean)
    border_shift: float
    resolution: float  # the sample spacing: the break lies within ``resolution`` before ``t``
    ratio: float = 0.0  # native: change over the mean change of the two frame pairs either side
    persist: float = math.nan  # native: how far the picture stays changed (1 = as far as the jump)
    evidence: tuple[str, ...] = ()  # what corroborates it, in words
    palette: float = math.nan  # native: hue-saturation histogram distance across it (0-1)
    # native: the frames either side (small BGR), for the reviewer's key frames
    frames: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Jump:
    """A single-frame jump on a native track (a cut candidate), with what persistence showed."""

    t: float  # first frame after the jump
    t_before: float  # last frame before it
    content: float
    neighbours: float  # mean change of the (up to) two frame pairs either side
    persist: float  # min over both directions; nan when neither side had frames to compare
    border_shift: float  # border colour, averaged over ``cut_side_s`` either side
    palette: float = math.nan  # hue-saturation histogram distance, averaged over ``cut_side_s`` either side
    # the jump over the pairs around it, each compared after following the motion between its frames
    # (dense optical flow): what shake, a pan or a moving subject explain is left out, a cut is not
    flow: float = math.nan
    # the jump's change of brightness alone (value channel) and the mean of its neighbouring pairs':
    # hue is noise on dark pixels, so a keyframe redrawing a dark close-up jumps in hue only
    value: float = math.nan
    value_around: float = math.nan
    # the largest other single-frame change within ``cut_persist_window_s`` either side (before the
    # jump only steps standing out of their own neighbours, ``cut_alone_step_ratio``), over the
    # jump's: well under 1 when the picture around the jump only moves (a turning parcel, a smooth
    # zoom that ended before it), about 1 when something enters in one frame and moves on (hands
    # popping in), an occluder or a flash
    step_around: float = math.nan
    # the same, counting only steps that switch the picture in one frame (each ``cut_return_step_ratio``
    # times its own neighbouring steps): what an occluder leaving or a flash ending does, where a
    # burst of motion changes the picture over several frames
    switch_around: float = math.nan
    # share of the border ring unchanged across the jump (:func:`_border_kept`): the same take
    border_kept: float = math.nan
    # the change of the picture's mean brightness (grey) at the jump, and the largest change of it
    # over the neighbouring pairs: a mean does not follow shake or texture, an edit moves it at once
    luma_step: float = math.nan
    luma_around: float = math.nan
    # the share of the jump's brightness change (``value``) left once the light is matched
    # (:func:`_relit_change`), and how far it reorders the pixels' brightness (:func:`_reordered`)
    # with the mean of its neighbouring pairs': the same picture lit differently (a lamp switched
    # on in the shot) leaves little and keeps the order as its neighbouring frames do
    relit: float = math.nan
    reorder: float = math.nan
    reorder_around: float = math.nan
    # HSV of the frames either side, kept only when the jump may be a cut (its key frames)
    frames: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)
    floor: float = 1.0  # the neighbours' change counts as at least this (``cut_native_floor``)

    @property
    def ratio(self) -> float:
        return self.content / max(self.neighbours, self.floor)

    @property
    def abrupt(self) -> float:
        """How abrupt the jump is: its ratio to the pairs around it, plain or with motion followed
        (whichever is larger: a hand-held camera's shake makes every pair change)."""
        return max(self.ratio, 0.0 if math.isnan(self.flow) else self.flow)


@dataclass(frozen=True)
class Freeze:
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


def _border(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    by, bx = max(1, h // 10), max(1, w // 12)
    ring = np.concatenate(
        [
            img[:by].reshape(-1, 3),
            img[-by:].reshape(-1, 3),
            img[by:-by, :bx].reshape(-1, 3),
            img[by:-by, -bx:].reshape(-1, 3),
        ]
    )
    return np.asarray(ring.mean(axis=0), dtype=np.float32)


def _border_kept(a: np.ndarray, b: np.ndarray, tolerance: float) -> float:
    """Share of the border ring's pixels (the outer tenth, as :func:`_border`) whose brightness and
    saturation stay within ``tolerance`` between two HSV frames: the table or room still in view."""
    h, w = a.shape[:2]
    by, bx = max(1, h // 10), max(1, w // 12)
    ring = np.zeros((h, w), bool)
    ring[:by], ring[-by:], ring[:, :bx], ring[:, -bx:] = True, True, True, True
    sv = np.abs(a[..., 1:].astype(np.int16) - b[..., 1:].astype(np.int16)).max(axis=2)
    return float((sv[ring] <= tolerance).mean())


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(cv2.absdiff(a, b).mean())


RELIT_CLIPPED = 6  # a brightness this close to 0 or 255 may be clipped: its tones are lost


def _unclipped(va: np.ndarray, vb: np.ndarray) -> np.ndarray | None:
    """Pixels clipped in neither brightness frame; None when under a quarter of them."""
    lo, hi = RELIT_CLIPPED, 255 - RELIT_CLIPPED
    ok: np.ndarray = (va >= lo) & (va <= hi) & (vb >= lo) & (vb <= hi)
    return ok if ok.mean() >= 0.25 else None


def _tones_matched(img: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``img`` (one channel, uint8) with its tones mapped onto ``ref``'s (histogram matching): what
    ``img`` would look like under ``ref``'s light and exposure, whatever the camera's tone curve."""
    cdf_img = np.cumsum(np.bincount(img.ravel(), minlength=256)) / img.size
    cdf_ref = np.cumsum(np.bincount(ref.ravel(), minlength=256)) / ref.size
    lut = np.interp(cdf_img, cdf_ref, np.arange(256, dtype=np.float64))
    out: np.ndarray = np.clip(np.rint(lut), 0, 255).astype(np.uint8)[img]
    return out


def _relit_change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean |difference| of the brightness (V) of two small HSV frames once the light is matched:
    each frame's tones mapped onto the other's, the larger of the two ways, over the pixels clipped
    in neither frame (nan when under a quarter). A change of light or exposure over the same
    picture leaves little (a lamp switched on); another picture does not, and matching both ways
    keeps a flat picture (a wall, black) from matching anything. Hue and saturation are left out:
    noise in the dark and in the sky."""
    va, vb = a[..., 2], b[..., 2]
    ok = _unclipped(va, vb)
    if ok is None:
        return math.nan
    one = np.abs(va.astype(np.int16) - _tones_matched(vb, va))[ok].mean()
    other = np.abs(vb.astype(np.int16) - _tones_matched(va, vb))[ok].mean()
    return float(max(one, other))


def _brightness_ranks(v: np.ndarray) -> np.ndarray:
    """Each pixel's rank in its picture's brightness (0-1, ties at their middle rank)."""
    count = np.bincount(v.ravel(), minlength=256).astype(np.float64)
    mid = (np.cumsum(count) - count / 2) / v.size
    ranks: np.ndarray = mid[v]
    return ranks


def _reordered(a: np.ndarray, b: np.ndarray) -> float:
    """How far the order of brightness (V) of two small HSV frames' pixels changes: the mean
    |difference| of each pixel's rank in either frame, over the pixels clipped in neither (0-1;
    about a third between unrelated pictures; nan when under a quarter is unclipped). A change of
    light keeps brighter things brighter, so it reorders no more than the frame's own motion and
    noise do; another picture reorders it, even where its tones could be matched (a bright label
    giving way to a dark box in a dimmer room)."""
    va, vb = a[..., 2], b[..., 2]
    ok = _unclipped(va, vb)
    if ok is None:
        return math.nan
    return float(np.abs(_brightness_ranks(va) - _brightness_ranks(vb))[ok].mean())


def _flow_residual(a: np.ndarray, b: np.ndarray) -> float:
    """HSV mean |difference| of two small frames after warping ``b`` onto ``a`` along the dense
    optical flow between them (Farneback on the value channel): camera shake, a pan and a moving
    subject are followed; a cut to another picture is not. Only computed for candidate jumps and
    their neighbours (a few frames per candidate)."""
    va, vb = a[..., 2], b[..., 2]
    flow = cv2.calcOpticalFlowFarneback(va, vb, None, 0.5, 3, 9, 3, 5, 1.1, 0)
    h, w = va.shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    warped = cv2.remap(
        b, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return float(cv2.absdiff(a, warped).mean())


PALETTE_MIN_SV = 40  # below this saturation or value a pixel's hue is noise (grey, dark)
PALETTE_MIN_SHARE = 0.05  # hues only count when at least this share of the picture has colour
_HS_BINS = 18 * 4


def _palette(hsv: np.ndarray) -> np.ndarray:
    """A picture's palette: the hue-saturation histogram of its coloured pixels (18 x 4 bins, summing
    to 1), the share of coloured pixels, and the histogram of brightness (16 bins). Hue is only
    counted where it means something: compression noise on grey and dark pixels made a plain
    hue-saturation histogram drift between two encodes of one cut."""
    coloured = ((hsv[..., 1] >= PALETTE_MIN_SV) & (hsv[..., 2] >= PALETTE_MIN_SV)).astype(np.uint8)
    n = int(coloured.sum())
    hs = cv2.calcHist([hsv], [0, 1], coloured, [18, 4], [0, 180, 0, 256]).ravel() / max(n, 1)
    v = cv2.calcHist([hsv], [2], None, [16], [0, 256]).ravel() / max(coloured.size, 1)
    return np.concatenate([hs, [n / max(coloured.size, 1)], v]).astype(np.float32)


def _palette_distance(before: Sequence[np.ndarray], after: Sequence[np.ndarray]) -> float:
    """How far the palettes either side differ (0-1): the larger of the brightness histograms'
    Bhattacharyya distance and, where both sides have colour, the hue-saturation histograms'."""
    if not before or not after:
        return math.nan
    a = np.mean(before, axis=0).astype(np.float32)
    b = np.mean(after, axis=0).astype(np.float32)
    dist = float(cv2.compareHist(a[_HS_BINS + 1 :], b[_HS_BINS + 1 :], cv2.HISTCMP_BHATTACHARYYA))
    if min(a[_HS_BINS], b[_HS_BINS]) >= PALETTE_MIN_SHARE:
        hs = float(cv2.compareHist(a[:_HS_BINS], b[:_HS_BINS], cv2.HISTCMP_BHATTACHARYYA))
        dist = max(dist, hs)
    return dist


@dataclass
class _Pending:
    index: int
    t: float
    t_before: float
    content: float
    neighbours: float
    before: np.ndarray  # HSV of the last frame before the jump
    after: np.ndarray  # HSV of the first frame after it
    bwd: float
    fwd: float
    border_before: np.ndarray
    palettes_before: list[np.ndarray]
    flow: float = math.nan
    value: float = math.nan
    value_around: float = math.nan
    border_kept: float = math.nan
    luma_step: float = math.nan
    luma_around: float = math.nan
    relit: float = math.nan
    reorder: float = math.nan
    reorder_around: float = math.nan
    borders_after: list[np.ndarray] = field(default_factory=list)
    palettes_after: list[np.ndarray] = field(default_factory=list)


class NativeTrack:
    """Every decoded frame of one decode stream, small, compared with the previous one.

    Feed frames in presentation order with :meth:`feed` (BGR, ``native_max_side`` long side) and
    call :meth:`close` at the end. Keeps per frame only its time, content change and mean luma, plus
    a ring of the last second of small frames for the persistence of candidate jumps.
    """

    def __init__(self, cfg: AnalysisConfig) -> None:
        self.cfg = cfg
        self.times: list[float] = []
        self.content: list[float] = []  # vs the previous frame (nan for the first, or after a gap)
        self.luma: list[float] = []
        self.luma_std: list[float] = []
        self.jumps: list[Jump] = []
        self._ring: deque[tuple[int, float, np.ndarray, np.ndarray]] = deque()  # index, t, hsv, border
        self._pending: list[_Pending] = []
        self._prev_hsv: np.ndarray | None = None
        self._closed = False

    @property
    def span(self) -> tuple[float, float] | None:
        return (self.times[0], self.times[-1]) if self.times else None

    def covers(self, a: float, b: float) -> bool:
        span = self.span
        return span is not None and span[0] <= a + 1e-6 and b <= span[1] + 1e-6

    def feed(self, t: float, image: np.ndarray) -> None:
        if self.times and t <= self.times[-1] + 1e-6:
            return  # a repeated or out-of-order timestamp: nothing to compare
        hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
        border = _border(image)
        n = len(self.times)
        gap = bool(self.times) and t - self.times[-1] > NATIVE_MAX_DT
        c = math.nan if self._prev_hsv is None or gap else _diff(hsv, self._prev_hsv)
        self.times.append(t)
        self.content.append(c)
        mean, std = cv2.meanStdDev(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        self.luma.append(float(mean[0, 0]))
        self.luma_std.append(float(std[0, 0]))
        self._prev_hsv = hsv
        self._update_pending(t, hsv, border)
        self._ring.append((n, t, hsv, border))
        keep = self.cfg.cut_persist_window_s + 0.3
        while self._ring and self._ring[0][1] < t - keep:
            self._ring.popleft()
        if n - LOOK >= 1:
            self._consider(n - LOOK)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        n = len(self.times)
        for k in range(max(1, n - LOOK), n):
            self._consider(k)
        for p in self._pending:
            self._finish(p)
        self._pending = []

    # --- internals --------------------------------------------------------------------------

    def _ring_frame(self, index: int) -> tuple[int, float, np.ndarray, np.ndarray] | None:
        for item in reversed(self._ring):
            if item[0] == index:
                found: tuple[int, float, np.ndarray, np.ndarray] = item
                return found
            if item[0] < index:
                break
        return None

    def _consider(self, k: int) -> None:
        cfg = self.cfg
        c = self.content[k]
        if math.isnan(c) or c < cfg.cut_native_min:
            return
        # up to two frame steps either side; repeated frames (a 20 fps take written at 25 fps) are
        # no step and would make any change look abrupt
        neigh: list[float] = []
        neigh_at: list[int] = []
        seen = 0
        for steps in (range(k - 1, k - 1 - LOOK, -1), range(k + 1, k + 1 + LOOK)):
            got = 0
            for j in steps:
                if not 0 <= j < len(self.content) or math.isnan(self.content[j]):
                    break
                seen += 1
                if self.content[j] >= REPEAT_MAX:
                    neigh.append(self.content[j])
                    neigh_at.append(j)
                    got += 1
                    if got == 2:
                        break
        if not seen:
            return  # an isolated pair cannot show that its change is abrupt
        around = float(np.mean(neigh)) if neigh else 0.0
        if c < cfg.cut_native_ratio_min * max(around, cfg.cut_native_floor):
            return
        before = self._ring_frame(k - 1)
        after = self._ring_frame(k)
        if before is None or after is None:
            return
        t, t_before = self.times[k], self.times[k - 1]
        flow = self._flow_ratio(k, neigh_at)
        value = _diff(after[2][..., 2], before[2][..., 2])
        value_near = [v for v in (self._value_diff(j) for j in neigh_at) if v is not None]
        value_around = float(np.mean(value_near)) if value_near else 0.0
        gap, window, side = cfg.cut_persist_gap_s, cfg.cut_persist_window_s, cfg.cut_side_s
        bwd = math.inf
        borders_before = []
        fwd = math.inf
        borders_after = []
        palettes_before = []
        palettes_after = []
        for _, ti, hsv, border in self._ring:
            if t - window <= ti <= t_before - gap:
                bwd = min(bwd, _diff(after[2], hsv) / c)
            if t_before - side <= ti <= t_before:
                borders_before.append(border)
                palettes_before.append(_palette(hsv))
            if t + gap <= ti <= t + window:
                fwd = min(fwd, _diff(before[2], hsv) / c)
            if t <= ti <= t + side:
                borders_after.append(border)
                palettes_after.append(_palette(hsv))
        self._pending.append(
            _Pending(
                k,
                t,
                t_before,
                c,
                around,
                before[2],
                after[2],
                bwd,
                fwd,
                np.mean(borders_before, axis=0),
                palettes_before,
                flow,
                value,
                value_around,
                _border_kept(before[2], after[2], cfg.splice_kept_tolerance),
                self.luma[k] - self.luma[k - 1],
                max((abs(self.luma[j] - self.luma[j - 1]) for j in neigh_at), default=0.0),
                _relit_change(before[2], after[2]) / max(value, 1e-6),
                _reordered(before[2], after[2]),
                self._reordered_around(neigh_at),
                borders_after,
                palettes_after,
            )
        )

    def _reordered_around(self, neigh_at: Sequence[int]) -> float:
        """The mean :func:`_reordered` of the frame pairs at ``neigh_at`` (a jump's neighbours)."""
        pairs = [(self._ring_frame(j - 1), self._ring_frame(j)) for j in neigh_at]
        near = [_reordered(a[2], b[2]) for a, b in pairs if a is not None and b is not None]
        near = [r for r in near if not math.isnan(r)]
        return float(np.mean(near)) if near else 0.0  # a still picture (repeated frames) reorders nothing

    def _flow_ratio(self, k: int, neigh_at: Sequence[int]) -> float:
        """The jump at ``k`` over the mean of its neighbouring pairs, each pair compared after
        following the motion between its frames (:func:`_flow_residual`)."""
        jump = self._flow_diff(k)
        if jump is None:
            return math.nan
        around = [d for d in (self._flow_diff(j) for j in neigh_at) if d is not None]
        return jump / max(float(np.mean(around)) if around else 0.0, self.cfg.cut_native_floor)

    def _value_diff(self, k: int) -> float | None:
        a, b = self._ring_frame(k - 1), self._ring_frame(k)
        return None if a is None or b is None else _diff(a[2][..., 2], b[2][..., 2])

    def _flow_diff(self, k: int) -> float | None:
        a, b = self._ring_frame(k - 1), self._ring_frame(k)
        if a is None or b is None:
            return None
        return _flow_residual(a[2], b[2])

    def _switch(self, i: int, jump: int, ratio: float | None = None) -> bool:
        """Whether the step into frame ``i`` switches the picture in one frame: its change is
        ``ratio`` (default ``cut_return_step_ratio``) times the mean of up to two non-repeated steps
        either side (the jump at ``jump`` left out, so the step right after a one-frame occluder
        still counts)."""
        c = self.content[i]
        if math.isnan(c) or c < REPEAT_MAX:
            return False
        neigh: list[float] = []
        for steps in (range(i - 1, i - 1 - LOOK, -1), range(i + 1, i + 1 + LOOK)):
            got = 0
            for j in steps:
                if j == jump:
                    continue
                if not 0 <= j < len(self.content) or math.isnan(self.content[j]):
                    break
                if self.content[j] >= REPEAT_MAX:
                    neigh.append(self.content[j])
                    got += 1
                    if got == 2:
                        break
        around = float(np.mean(neigh)) if neigh else 0.0
        limit = self.cfg.cut_return_step_ratio if ratio is None else ratio
        return c >= limit * max(around, 1.0)

    def _update_pending(self, t: float, hsv: np.ndarray, border: np.ndarray) -> None:
        cfg = self.cfg
        still: list[_Pending] = []
        for p in self._pending:
            if t > p.t + cfg.cut_persist_window_s:
                self._finish(p)
                continue
            if t >= p.t + cfg.cut_persist_gap_s:
                p.fwd = min(p.fwd, _diff(p.before, hsv) / p.content)
            if t <= p.t + cfg.cut_side_s:
                p.borders_after.append(border)
                p.palettes_after.append(_palette(hsv))
            still.append(p)
        self._pending = still

    def _finish(self, p: _Pending) -> None:
        sides = [v for v in (p.fwd, p.bwd) if not math.isinf(v)]
        persist = min(sides) if sides else math.nan
        shift = (
            float(np.abs(np.mean(p.borders_after, axis=0) - p.border_before).mean())
            if p.borders_after
            else 0.0
        )
        cfg = self.cfg
        lo, hi = p.t - cfg.cut_persist_window_s - 1e-6, p.t + cfg.cut_persist_window_s + 1e-6
        a, b = bisect.bisect_left(self.times, lo), bisect.bisect_right(self.times, hi)
        steps = [c for i in range(a, b) if i != p.index and not math.isnan(c := self.content[i])]
        # before the jump only steps standing out of their own neighbours count: a smooth burst of
        # motion that ended (the zoom out of a close-up) rose and fell over several frames; after
        # it every step counts (something that entered in one frame moves on)
        alone = [
            self.content[i]
            for i in range(a, b)
            if (i < p.index and self._switch(i, p.index, cfg.cut_alone_step_ratio))
            or (i > p.index and not math.isnan(self.content[i]))
        ]
        step = max(alone, default=0.0) / p.content if steps else math.nan
        switches = [self.content[i] for i in range(a, b) if i != p.index and self._switch(i, p.index)]
        switch = max(switches, default=0.0) / p.content if steps else math.nan
        keep = not math.isnan(persist) and (
            persist >= cfg.cut_persist_min or switch <= cfg.cut_return_step_max
        )
        self.jumps.append(
            Jump(
                p.t,
                p.t_before,
                p.content,
                p.neighbours,
                persist,
                shift,
                _palette_distance(p.palettes_before, p.palettes_after),
                p.flow,
                p.value,
                p.value_around,
                step,
                switch,
                p.border_kept,
                p.luma_step,
                p.luma_around,
                p.relit,
                p.reorder,
                p.reorder_around,
                (p.before, p.after) if keep else None,
                cfg.cut_native_floor,
            )
        )


def _streams(samples: Sequence[Sample]) -> dict[int, list[Sample]]:
    by: dict[int, list[Sample]] = {}
    for s in samples:
        by.setdefault(s.stream, []).append(s)
    for seq in by.values():
        seq.sort(key=lambda s: s.t)
    return by


def _keyframe_pulse(track: NativeTrack, t: float, keyframes: Sequence[float], tol: float) -> float | None:
    """The change at this track's nearest *other* grid keyframes when ``t`` is a grid keyframe itself
    (the larger of the nearest one before and the nearest one after, at least 0.5 s away; None when
    ``t`` is no grid keyframe or no other one shows a change): a keyframe redraws the picture at its
    own quality, so a hard encode jumps a little at every keyframe, most in a detailed, still
    close-up. ``keyframes`` are the grid's only: one an encoder inserted at a scene change sits on a
    change, it is no redraw."""
    grid = sorted(keyframes)
    if not any(abs(k - t) <= tol for k in grid):
        return None
    times = np.asarray(track.times)
    before: float | None = None
    after: float | None = None
    for k in grid:
        if abs(k - t) < 0.5 or not track.covers(k, k):
            continue
        i = int(np.argmin(np.abs(times - k)))
        if abs(times[i] - k) > tol or math.isnan(track.content[i]):
            continue
        if k < t:
            before = track.content[i]  # the last one before wins
        elif after is None:
            after = track.content[i]
    pulses = [p for p in (before, after) if p is not None]
    return max(pulses) if pulses else None


def native_breaks(
    tracks: Sequence[NativeTrack],
    cfg: AnalysisConfig,
    edit_mark: EditMark | None = None,
    keyframes: Sequence[float] = (),
) -> list[Break]:
    """Confirmed cuts on native tracks: abrupt, persistent and corroborated.

    A candidate jump (``cut_native_ratio_min`` times the frame pairs around it) is a cut when its
    change persists (``cut_persist_min``) and either it is abrupt enough to stand on its own
    (``cut_native_ratio``, or the picture's mean brightness steps in that frame alone:
    ``cut_luma_step_min``) or the packets show an edit at that frame (``edit_mark``: an inserted
    keyframe, an isolated near-intra P-frame). A jump that does not persist is still a cut when it
    is abrupt on its own and no other single-frame switch within the persistence window comes near
    it (``cut_return_step_max``): the picture only moved back. Every cut must change brightness
    (``cut_native_value_min``), not only hue, and more than a change of light explains
    (``cut_relit_max``, ``cut_relit_reorder_ratio``: a lamp switched on in the shot steps the
    brightness at once). A jump standing on its abruptness alone must be the
    largest frame step around it (``cut_alone_step_max``; before it only steps standing out of
    their own neighbours, ``cut_alone_step_ratio``: a smooth zoom that ended does not count) and, at a grid keyframe, well above what
    the nearest other grid keyframes do (``cut_keyframe_pulse_ratio``). A cut is a splice when the
    palette changes (``splice_palette_distance``) and nothing of the border stays as it was
    (``splice_border_kept_max``). ``keyframes``: the encoder's grid keyframes
    (:meth:`evidence.sampling.PacketEvidence.grid_keyframes`).
    """
    return [b for _, b in judge_jumps(tracks, cfg, edit_mark, keyframes) if isinstance(b, Break)]


def judge_jumps(
    tracks: Sequence[NativeTrack],
    cfg: AnalysisConfig,
    edit_mark: EditMark | None = None,
    keyframes: Sequence[float] = (),
) -> list[tuple[Jump, Break | str]]:
    """Every candidate jump on the tracks with what :func:`native_breaks` made of it: the cut or
    splice, or in words the rule that turned it down (for whoever looks into a missed cut)."""
    out: list[tuple[Jump, Break | str]] = []
    for track in tracks:
        track.close()
        out += [(j, _judge_jump(track, j, cfg, edit_mark, keyframes)) for j in track.jumps]
    return out


def _judge_jump(
    track: NativeTrack, j: Jump, cfg: AnalysisConfig, edit_mark: EditMark | None, keyframes: Sequence[float]
) -> Break | str:
    """One candidate jump judged by the rules of :func:`native_breaks`: the break, or why not."""
    if math.isnan(j.persist):
        return "no frames either side to test whether the change persists"
    if j.value < cfg.cut_native_value_min:  # a keyframe redrawing hue noise in the dark, not a cut
        return f"brightness changes by {j.value:.1f} only (cut_native_value_min {cfg.cut_native_value_min:g})"
    if j.relit <= cfg.cut_relit_max and j.reorder <= cfg.cut_relit_reorder_ratio * max(
        j.reorder_around, cfg.cut_relit_reorder_min
    ):
        return "the same picture under another light (a lamp switched on)"
    if j.frames is not None and _jolted(j.frames, cfg):
        return "the same picture moved in one frame (a jolt of the hand)"
    evidence = [f"a single-frame jump {j.abrupt:.1f}x the frame changes around it (motion followed)"]
    frame_dt = max(1e-3, j.t - j.t_before)
    mark = None
    if (
        edit_mark is not None
        and j.content >= cfg.cut_native_marked_min
        and j.abrupt >= cfg.cut_native_marked_ratio
    ):
        mark = edit_mark(j.t, 0.5 * frame_dt)
    if j.persist >= cfg.cut_persist_min:
        evidence.append(f"the picture does not come back within {cfg.cut_persist_window_s:g} s")
    elif j.abrupt >= cfg.cut_native_ratio and j.switch_around <= cfg.cut_return_step_max:
        # a similar picture comes back, but only by moving (a parcel turning to a face
        # like the one before): an occluder or a flash switches back in one frame as well
        # (only such single-frame switches count: a burst of motion is no switch back)
        evidence.append(
            "the picture only moves back towards the one before, never switching back in one frame"
        )
    else:
        return f"the picture comes back (persist {j.persist:.2f}, cut_persist_min {cfg.cut_persist_min:g})"
    # the mean brightness steps in this one frame, steady around it (not under a ratio of
    # the frame changes: shake moves the picture, not its mean), and the step stays
    brightness = (
        j.persist >= cfg.cut_persist_min
        and abs(j.luma_step) >= cfg.cut_luma_step_min
        and abs(j.luma_step) >= cfg.cut_luma_step_ratio * j.luma_around
    )
    if mark is not None:
        evidence.append(mark)
    elif j.abrupt < cfg.cut_native_ratio and not brightness:  # standing on the pixels alone
        return f"{j.abrupt:.1f}x the frame changes around it (cut_native_ratio {cfg.cut_native_ratio:g}), no edit trace"
    elif j.step_around > cfg.cut_alone_step_max:  # ... it must be the largest step around it
        return f"another step {j.step_around:.2f}x as large within {cfg.cut_persist_window_s:g} s"
    else:  # abrupt on its own; on a regular keyframe it must also beat the keyframe redraw
        pulse = _keyframe_pulse(track, j.t, keyframes, 0.5 * frame_dt)
        if pulse is not None and j.content < cfg.cut_keyframe_pulse_ratio * pulse:
            return f"no more than the keyframes' own redraw ({pulse:.1f} at the nearest other keyframes)"
        if j.abrupt < cfg.cut_native_ratio:
            evidence.append(
                f"the mean brightness steps by {abs(j.luma_step):.0f} in one frame, "
                f"steady within {j.luma_around:.1f} around it"
            )
    # two different takes: the palette changes at once (the border colour alone could not
    # tell), and nothing of the table or room around stays as it was
    other_take = j.palette >= cfg.splice_palette_distance and not (j.border_kept > cfg.splice_border_kept_max)
    frames = None
    if j.frames is not None:
        frames = (cv2.cvtColor(j.frames[0], cv2.COLOR_HSV2BGR), cv2.cvtColor(j.frames[1], cv2.COLOR_HSV2BGR))
    return Break(
        j.t,
        "splice" if other_take else "cut",
        j.content,
        j.neighbours,
        j.border_shift,
        j.t - j.t_before,
        ratio=j.abrupt,
        persist=j.persist,
        evidence=tuple(evidence),
        palette=j.palette,
        frames=frames,
    )


def _jolted(frames: tuple[np.ndarray, np.ndarray], cfg: AnalysisConfig) -> bool:
    """Whether the second picture is the first one shifted: a one-frame jolt of the hand.

    Phase correlation of the two frames' brightness finds one clear shift
    (``cut_jolt_response_min``) and, shifted back, the second picture leaves at most
    ``cut_jolt_residual_max`` of the change. A cut brings another picture: no single shift
    explains it (tuning cuts: response 0.07-0.30, residual 0.71-1.52 of the change; the jolt of
    tuning 21 swapped in its waybill close-up: 0.97 and 0.20).
    """
    a, b = (np.ascontiguousarray(f[..., 2], dtype=np.float32) for f in frames)
    if a.shape != b.shape or min(a.shape) < 16:
        return False
    (dx, dy), response = cv2.phaseCorrelate(a, b)
    if response < cfg.cut_jolt_response_min:
        return False
    back = np.array([[1.0, 0.0, -dx], [0.0, 1.0, -dy]], np.float32)
    moved = cv2.warpAffine(b, back, (b.shape[1], b.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    m = max(2, int(np.ceil(max(abs(dx), abs(dy)))) + 1)
    raw = float(np.abs(a - b)[m:-m, m:-m].mean())
    left = float(np.abs(a - moved)[m:-m, m:-m].mean())
    return raw > 0 and left <= cfg.cut_jolt_residual_max * raw


def _ramp(track: NativeTrack, edge: int, step: int, cfg: AnalysisConfig) -> tuple[int, str] | None:
    """A fade's ramp next to a dark run: from the dark frame at ``edge`` walking ``step`` (-1: back
    to where the fade out began, +1: on to where the fade in ends). Returns the first lit frame's
    index and a description, or None when the light does not change like a fade.

    A fade scales the picture towards black: the brightness changes steadily over several frames
    (no step carries most of it) and the contrast keeps in proportion to the brightness (the
    picture itself stays; a hand or a cap over the lens changes it).
    """
    times, luma, std = track.times, track.luma, track.luma_std
    n = len(times)
    j = edge
    path = [edge]
    while True:
        k = j + step
        if not 0 <= k < n or abs(times[k] - times[j]) > NATIVE_MAX_DT:
            return None
        if abs(times[k] - times[edge]) > cfg.fade_max_s:
            return None
        if luma[k] + 1.5 < luma[j]:  # darker again: not a steady ramp
            return None
        path.append(k)
        j = k
        if luma[k] >= cfg.fade_lit_luma:
            break
    if len(path) - 1 < cfg.fade_min_frames:
        return None
    steps = np.abs(np.diff([luma[i] for i in path]))
    total = float(luma[path[-1]] - luma[path[0]])
    if total <= 0 or float(steps.max()) > 0.6 * total:
        return None  # one step carries most of it: a cut to or from black, not a fade
    lit = path[-1]
    cv_lit = std[lit] / max(luma[lit], 1.0)
    ramp = [i for i in path[1:-1] if luma[i] >= 2 * cfg.fade_black_luma]
    for i in ramp:
        cv = std[i] / max(luma[i], 1.0)
        if not 0.6 * cv_lit <= cv <= 1.6 * cv_lit:
            return None
    dur = abs(times[lit] - times[edge])
    return lit, f"{'out' if step < 0 else 'in'} over {dur:.1f} s ({len(path) - 1} frames)"


def find_fades(tracks: Sequence[NativeTrack], cfg: AnalysisConfig) -> list[Break]:
    """Fades through black on native tracks (an editor's transition; kind ``"fade"``).

    Near-black, flat frames with lit picture either side, reached or left by at least one steady,
    proportional ramp (see :func:`_ramp`). ``t`` is the first lit frame after the black and
    ``resolution`` reaches back to the last lit frame before it.
    """
    out: list[Break] = []
    for track in tracks:
        times, luma, std = track.times, track.luma, track.luma_std
        n = len(times)
        dark = [luma[i] <= cfg.fade_black_luma and std[i] <= cfg.fade_black_std for i in range(n)]
        i = 0
        while i < n:
            if not dark[i]:
                i += 1
                continue
            i0 = i
            while i + 1 < n and dark[i + 1] and times[i + 1] - times[i] <= NATIVE_MAX_DT:
                i += 1
            i1 = i
            i += 1
            if i0 == 0 or i1 == n - 1:
                continue  # starts or ends in black: not a transition between two pictures
            down = _ramp(track, i0, -1, cfg)
            up = _ramp(track, i1, +1, cfg)
            if down is None and up is None:
                continue
            start = down[0] if down is not None else i0 - 1
            end = up[0] if up is not None else i1 + 1
            if min(luma[start], luma[end]) < cfg.fade_lit_luma:
                # a side without a ramp must cut straight to a lit picture: a dark object zoomed
                # into (the frame stays dim, only less flat) is no picture either side of black
                continue
            if (
                times[i0] - times[start] > cfg.fade_max_s + 0.1
                or times[end] - times[i1] > cfg.fade_max_s + 0.1
            ):
                continue
            evidence = [f"{times[i1 + 1] - times[i0]:.1f} s of black"]
            evidence += [f"a steady fade {r[1]}" for r in (down, up) if r is not None]
            out.append(
                Break(
                    times[end],
                    "fade",
                    float(luma[start] + luma[end]) / 2,
                    float(min(luma[i0 : i1 + 1])),
                    0.0,
                    times[end] - times[start],
                    evidence=tuple(evidence),
                )
            )
    return out


def drop_freeze_edges(
    breaks: Sequence[Break], freezes: Sequence[Freeze], margin: float = 0.25
) -> list[Break]:
    """Cuts at the very start or end of a frozen run are the freeze's own edges (the picture stops,
    or moves on from where it stopped): the FROZEN finding reports them."""
    edges = [t for f in freezes for t in (f.start, f.end)]
    return [b for b in breaks if b.kind == "fade" or not any(abs(b.t - e) <= margin for e in edges)]


def find_breaks(
    samples: Sequence[Sample],
    cfg: AnalysisConfig,
    spikes: Sequence[tuple[float, float, float]] = (),
    native: Sequence[NativeTrack] = (),
    edit_mark: EditMark | None = None,
    keyframes: Sequence[float] = (),
) -> list[Break]:
    """Cuts and splices.

    Where a native track covers the time, only its confirmed jumps count (:func:`native_breaks`).
    Elsewhere (frames handed over in memory, no track), sample pairs are used: an isolated spike of
    content change between close neighbours; an isolated collapse of alignment only with a
    near-intra P-frame in the packet index to corroborate it. ``spikes`` are (time, ratio, keyframe
    share) of near-intra P-packets: where one is strong, a smaller pixel change across it
    suffices, and the break is placed at its frame.
    """
    found: dict[int, Break] = {}
    confirmed = native_breaks(native, cfg, edit_mark, keyframes)  # closes the tracks
    fades = find_fades(native, cfg)

    def in_fade(t: float) -> bool:  # hue is noise near black: a fade's frames are no cut
        return any(f.t - f.resolution - 0.15 <= t <= f.t + 0.15 for f in fades)

    for b in confirmed:
        found[round(b.t * 10)] = b

    def covered(a: float, b: float) -> bool:
        return any(tr.covers(a, b) for tr in native)

    streams = _streams(samples)
    strong = [
        (t, ratio, share)
        for t, ratio, share in spikes
        if share >= cfg.packet_cut_key_share and ratio >= cfg.packet_cut_ratio
    ]
    for t_spike, _ratio, _share in strong:
        for seq in streams.values():
            dense = [s for s in seq if s.pair is not None and s.pair.dt <= DENSE_PAIR_MAX_DT]
            for i, s in enumerate(dense):
                p = s.pair
                assert p is not None
                if not (s.t - p.dt < t_spike <= s.t + 1e-3) or covered(s.t - p.dt, s.t):
                    continue
                neigh = [
                    dense[j].pair.content  # type: ignore[union-attr]
                    for j in (i - 1, i + 1)
                    if 0 <= j < len(dense) and abs(dense[j].t - s.t) <= 2.5 * DENSE_PAIR_MAX_DT
                ]
                around = max(neigh) if neigh else 0.0
                if neigh and p.content >= 0.25 * cfg.cut_min_score and p.content >= 1.5 * around:
                    kind = "splice" if p.border_shift >= cfg.splice_background_shift else "cut"
                    found[round(t_spike * 10)] = Break(
                        t_spike,
                        kind,
                        p.content,
                        around,
                        p.border_shift,
                        0.0,
                        evidence=("a near-intra P-frame (the encoder redrew the picture)",),
                    )
    for seq in streams.values():
        dense = [s for s in seq if s.pair is not None and s.pair.dt <= DENSE_PAIR_MAX_DT]
        for i, s in enumerate(dense):
            p = s.pair
            assert p is not None
            if covered(s.t - p.dt, s.t):
                continue
            near: list[PairSignals] = []
            for j in (i - 1, i + 1):
                other = dense[j].pair if 0 <= j < len(dense) else None
                if other is not None and abs(dense[j].t - s.t) <= 2.5 * DENSE_PAIR_MAX_DT:
                    near.append(other)
            if not near:
                continue  # an isolated pair cannot show that the change is abrupt
            around = max(q.content for q in near)
            spike = p.content >= cfg.cut_min_score and p.content >= cfg.cut_adaptive_ratio * max(around, 1.0)
            collapse = (
                len(near) == 2
                and p.dt <= ALIGN_PAIR_MAX_DT
                and p.align <= cfg.cut_align_max
                and min(q.align for q in near) >= cfg.cut_align_neighbours
                and p.content >= 0.2 * cfg.cut_min_score
                # a collapse alone is what an occluder close to the lens does: needs the packets too
                and any(s.t - p.dt < t <= s.t + 1e-3 for t, _, _ in spikes)
            )
            if not (spike or collapse):
                continue
            kind = "splice" if p.border_shift >= cfg.splice_background_shift else "cut"
            key = round(s.t * 10)
            prev = found.get(key)
            if prev is None or p.content > prev.content:
                why = (
                    f"a content change {p.content / max(around, 1.0):.1f}x the pairs around it"
                    if spike
                    else "frame alignment collapsing, with a near-intra P-frame there"
                )
                found[key] = Break(s.t, kind, p.content, around, p.border_shift, p.dt, evidence=(why,))
    breaks = sorted((b for b in found.values() if not in_fade(b.t)), key=lambda b: b.t)
    # the same break seen by two streams (a window and the keyframe pass) counts once
    merged: list[Break] = []
    for b in breaks:
        if merged and b.t - merged[-1].t < 0.3:
            if b.content > merged[-1].content:
                merged[-1] = b
            continue
        merged.append(b)
    return sorted(merged + fades, key=lambda b: b.t)


def find_freezes(
    samples: Sequence[Sample], cfg: AnalysisConfig, tiny_between: Callable[[float, float], bool] | None = None
) -> list[Freeze]:
    """Runs of identical frames lasting at least ``freeze_min_s``.

    A pair is still when its frames are identical (``freeze_max_diff``), or nearly identical with
    only near-empty packets between them where the packet index is known: an encoder spends almost
    nothing on a frozen picture (while still refining it for a while), but real footage of a still
    scene carries sensor noise. Packets alone cannot tell when most of the video is frozen (nothing
    is tiny next to the video's own median packet), so identical pictures count on their own.
    Runs seen by different decode streams are merged before the length test.
    """
    runs: list[Freeze] = []
    changes: list[tuple[float, float]] = []  # pairs whose pictures clearly differ
    for seq in _streams(samples).values():
        start: float | None = None
        last: float | None = None
        for s in seq:
            p = s.pair
            still = False
            if p is not None and p.dt <= 2.5 and not is_dark(s, cfg):
                # (a picture too dark to see shows no change whether or not the scene moved: the
                # video is judged too dark instead, not frozen)
                # identical pictures are still whatever the packets say: when most of a video is
                # frozen (a slideshow of stills) its packets are all small and none stands out as tiny
                still = p.freeze <= cfg.freeze_max_diff
                if not still and tiny_between is not None:
                    # nearly identical, and the encoder spent nothing between them (its refinement
                    # of a frozen picture moves pixels a little)
                    still = p.freeze <= 4 * cfg.freeze_max_diff and tiny_between(s.t - p.dt, s.t)
            if p is not None and p.dt <= 2.5 and p.freeze > FREEZE_CHANGE * cfg.freeze_max_diff:
                changes.append((s.t - p.dt, s.t))
            if still:
                assert p is not None
                if start is None:
                    start = s.t - p.dt
                last = s.t
            else:
                if start is not None and last is not None:
                    runs.append(Freeze(start, last))
                start = last = None
        if start is not None and last is not None:
            runs.append(Freeze(start, last))
    runs.sort(key=lambda f: f.start)
    merged: list[Freeze] = []
    for f in runs:
        # runs of one picture split by a noisy pair (a keyframe's redraw), or seen by two decode
        # streams, are one run; two stills one after the other (a slideshow) are two
        between = bool(merged) and any(merged[-1].end - 1e-6 <= a and b <= f.start + 1e-6 for a, b in changes)
        if merged and (f.start <= merged[-1].end or (f.start <= merged[-1].end + 0.25 and not between)):
            merged[-1] = Freeze(merged[-1].start, max(merged[-1].end, f.end))
        else:
            merged.append(f)
    return held_frames([f for f in merged if f.length >= cfg.freeze_min_s], samples, cfg)


def held_frames(runs: Sequence[Freeze], samples: Sequence[Sample], cfg: AnalysisConfig) -> list[Freeze]:
    """The runs of still pairs that are a held frame, not a still scene.

    A held frame decodes to the same picture again and again; a still scene filmed with little
    noise (a phone on a stand, a denoised picture) still changes by a little between frames:
    median 0.06-0.15 over an 8 s stretch of a thin envelope turned edge-on on a static desk
    (tuning seed 29 clean), against 0.003 for an inserted still (tuning seed 28 freeze).
    """
    diffs = [
        (s.t, s.pair.freeze)
        for s in samples
        if s.pair is not None and s.pair.dt <= 2.5 and not math.isnan(s.pair.freeze)
    ]

    def held(f: Freeze) -> bool:
        inside = [d for t, d in diffs if f.start < t <= f.end]
        return not inside or float(np.median(inside)) <= cfg.freeze_run_median_max

    return [f for f in runs if held(f)]
