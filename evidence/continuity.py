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

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from .config import AnalysisConfig
from .signals import PairSignals, Sample

__all__ = ["Break", "Freeze", "Jump", "NativeTrack", "find_breaks", "find_freezes", "native_breaks"]

DENSE_PAIR_MAX_DT = 0.35
ALIGN_PAIR_MAX_DT = 0.15  # alignment collapse is only telling when a motion spans several pairs
NATIVE_MAX_DT = 0.2  # consecutive native frames further apart than this are a gap, not a frame step
EditMark = Callable[[float, float], str | None]


@dataclass(frozen=True)
class Break:
    """An abrupt discontinuity between two neighbouring samples."""

    t: float  # time of the first frame after the discontinuity
    kind: str  # "cut" or "splice"
    content: float  # content change across it
    neighbours: float  # the larger change of the neighbouring pairs (native: their mean)
    border_shift: float
    resolution: float  # the sample spacing: the break lies within ``resolution`` before ``t``
    ratio: float = 0.0  # native: change over the mean change of the two frame pairs either side
    persist: float = math.nan  # native: how far the picture stays changed (1 = as far as the jump)
    evidence: tuple[str, ...] = ()  # what corroborates it, in words


@dataclass(frozen=True)
class Jump:
    """A single-frame jump on a native track (a cut candidate), with what persistence showed."""

    t: float  # first frame after the jump
    t_before: float  # last frame before it
    content: float
    neighbours: float  # mean change of the (up to) two frame pairs either side
    persist: float  # min over both directions; nan when neither side had frames to compare
    border_shift: float  # border colour, averaged over ``cut_side_s`` either side

    @property
    def ratio(self) -> float:
        return self.content / max(self.neighbours, 1.0)


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


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(cv2.absdiff(a, b).mean())


@dataclass
class _Pending:
    index: int
    t: float
    t_before: float
    content: float
    neighbours: float
    before: np.ndarray  # HSV of the last frame before the jump
    bwd: float
    fwd: float
    border_before: np.ndarray
    borders_after: list[np.ndarray] = field(default_factory=list)


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
        self.luma.append(float(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).mean()))
        self._prev_hsv = hsv
        self._update_pending(t, hsv, border)
        self._ring.append((n, t, hsv, border))
        keep = self.cfg.cut_persist_window_s + 0.3
        while self._ring and self._ring[0][1] < t - keep:
            self._ring.popleft()
        if n >= 2:
            self._consider(n - 2)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        n = len(self.times)
        for k in (n - 2, n - 1):
            if k >= 1:
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
        neigh = [
            self.content[j]
            for j in (k - 2, k - 1, k + 1, k + 2)
            if 0 <= j < len(self.content) and not math.isnan(self.content[j])
        ]
        if not neigh:
            return
        around = float(np.mean(neigh))
        if c < cfg.cut_native_ratio_min * max(around, 1.0):
            return
        before = self._ring_frame(k - 1)
        after = self._ring_frame(k)
        if before is None or after is None:
            return
        t, t_before = self.times[k], self.times[k - 1]
        gap, window, side = cfg.cut_persist_gap_s, cfg.cut_persist_window_s, cfg.cut_side_s
        bwd = math.inf
        borders_before = []
        fwd = math.inf
        borders_after = []
        for _, ti, hsv, border in self._ring:
            if t - window <= ti <= t_before - gap:
                bwd = min(bwd, _diff(after[2], hsv) / c)
            if t_before - side <= ti <= t_before:
                borders_before.append(border)
            if t + gap <= ti <= t + window:
                fwd = min(fwd, _diff(before[2], hsv) / c)
            if t <= ti <= t + side:
                borders_after.append(border)
        self._pending.append(
            _Pending(
                k,
                t,
                t_before,
                c,
                around,
                before[2],
                bwd,
                fwd,
                np.mean(borders_before, axis=0),
                borders_after,
            )
        )

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
        self.jumps.append(Jump(p.t, p.t_before, p.content, p.neighbours, persist, shift))


def _streams(samples: Sequence[Sample]) -> dict[int, list[Sample]]:
    by: dict[int, list[Sample]] = {}
    for s in samples:
        by.setdefault(s.stream, []).append(s)
    for seq in by.values():
        seq.sort(key=lambda s: s.t)
    return by


def native_breaks(
    tracks: Sequence[NativeTrack], cfg: AnalysisConfig, edit_mark: EditMark | None = None
) -> list[Break]:
    """Confirmed cuts on native tracks: abrupt, persistent and corroborated.

    A candidate jump (``cut_native_ratio_min`` times the frame pairs around it) is a cut when its
    change persists (``cut_persist_min``) and either it is abrupt enough to stand on its own
    (``cut_native_ratio``) or the packets show an edit at that frame (``edit_mark``: an inserted
    keyframe, an isolated near-intra P-frame).
    """
    out: list[Break] = []
    for track in tracks:
        track.close()
        for j in track.jumps:
            if math.isnan(j.persist) or j.persist < cfg.cut_persist_min:
                continue
            evidence = [
                f"a single-frame jump {j.ratio:.1f}x the frame changes around it",
                f"the picture does not come back within {cfg.cut_persist_window_s:g} s",
            ]
            frame_dt = max(1e-3, j.t - j.t_before)
            mark = None
            if edit_mark is not None and j.content >= cfg.cut_native_marked_min:
                mark = edit_mark(j.t, 0.5 * frame_dt)
            if mark is not None:
                evidence.append(mark)
            elif j.ratio < cfg.cut_native_ratio:
                continue
            kind = "splice" if j.border_shift >= cfg.splice_background_shift else "cut"
            out.append(
                Break(
                    j.t,
                    kind,
                    j.content,
                    j.neighbours,
                    j.border_shift,
                    j.t - j.t_before,
                    ratio=j.ratio,
                    persist=j.persist,
                    evidence=tuple(evidence),
                )
            )
    return out


def find_breaks(
    samples: Sequence[Sample],
    cfg: AnalysisConfig,
    spikes: Sequence[tuple[float, float, float]] = (),
    native: Sequence[NativeTrack] = (),
    edit_mark: EditMark | None = None,
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
    for b in native_breaks(native, cfg, edit_mark):
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
    breaks = sorted(found.values(), key=lambda b: b.t)
    # the same break seen by two streams (a window and the keyframe pass) counts once
    merged: list[Break] = []
    for b in breaks:
        if merged and b.t - merged[-1].t < 0.3:
            if b.content > merged[-1].content:
                merged[-1] = b
            continue
        merged.append(b)
    return merged


def find_freezes(
    samples: Sequence[Sample], cfg: AnalysisConfig, tiny_between: Callable[[float, float], bool] | None = None
) -> list[Freeze]:
    """Runs of identical frames lasting at least ``freeze_min_s``.

    A pair is still when its frames are (nearly) identical and, where the packet index is known,
    only near-empty packets lie between them: an encoder spends almost nothing on a frozen picture
    (while still refining it for a while), but real footage of a still scene carries sensor noise.
    Runs seen by different decode streams are merged before the length test.
    """
    runs: list[Freeze] = []
    for seq in _streams(samples).values():
        start: float | None = None
        last: float | None = None
        for s in seq:
            p = s.pair
            still = False
            if p is not None and p.dt <= 2.5:
                if tiny_between is None:
                    still = p.freeze <= cfg.freeze_max_diff
                else:  # frozen frames cost the encoder nothing: demand that too
                    still = p.freeze <= 4 * cfg.freeze_max_diff and tiny_between(s.t - p.dt, s.t)
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
        if merged and f.start <= merged[-1].end + 0.25:
            merged[-1] = Freeze(merged[-1].start, max(merged[-1].end, f.end))
        else:
            merged.append(f)
    return [f for f in merged if f.length >= cfg.freeze_min_s]
