"""One continuous take? Cuts, splices of different takes, frozen runs and paused recording.

Works on samples from any mix of decode streams: pairs are only compared inside one stream
(a keyframe pass, a dense window, or the dense pass), and only where they are close in time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .config import AnalysisConfig
from .signals import PairSignals, Sample

__all__ = ["Break", "Freeze", "find_breaks", "find_freezes"]

DENSE_PAIR_MAX_DT = 0.35
ALIGN_PAIR_MAX_DT = 0.15  # alignment collapse is only telling when a motion spans several pairs


@dataclass(frozen=True)
class Break:
    """An abrupt discontinuity between two neighbouring samples."""

    t: float  # time of the first frame after the discontinuity
    kind: str  # "cut" or "splice"
    content: float  # content change across it
    neighbours: float  # the larger change of the neighbouring pairs
    border_shift: float
    resolution: float  # the sample spacing: the break lies within ``resolution`` before ``t``


@dataclass(frozen=True)
class Freeze:
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


def _streams(samples: Sequence[Sample]) -> dict[int, list[Sample]]:
    by: dict[int, list[Sample]] = {}
    for s in samples:
        by.setdefault(s.stream, []).append(s)
    for seq in by.values():
        seq.sort(key=lambda s: s.t)
    return by


def find_breaks(
    samples: Sequence[Sample], cfg: AnalysisConfig, spikes: Sequence[tuple[float, float, float]] = ()
) -> list[Break]:
    """Cuts and splices: isolated spikes of content change between close neighbours.

    ``spikes`` are (time, ratio, keyframe share) of near-intra P-packets from the packet index: where
    one is strong, a smaller pixel change across it suffices, and the break is placed at its frame.
    """
    found: dict[int, Break] = {}
    streams = _streams(samples)
    for t_spike, ratio, share in spikes:
        if share < cfg.packet_cut_key_share or ratio < cfg.packet_cut_ratio:
            continue
        for seq in streams.values():
            dense = [s for s in seq if s.pair is not None and s.pair.dt <= DENSE_PAIR_MAX_DT]
            for i, s in enumerate(dense):
                p = s.pair
                assert p is not None
                if not (s.t - p.dt < t_spike <= s.t + 1e-3):
                    continue
                neigh = [
                    dense[j].pair.content  # type: ignore[union-attr]
                    for j in (i - 1, i + 1)
                    if 0 <= j < len(dense) and abs(dense[j].t - s.t) <= 2.5 * DENSE_PAIR_MAX_DT
                ]
                around = max(neigh) if neigh else 0.0
                if neigh and p.content >= 0.25 * cfg.cut_min_score and p.content >= 1.5 * around:
                    kind = "splice" if p.border_shift >= cfg.splice_background_shift else "cut"
                    found[round(t_spike * 10)] = Break(t_spike, kind, p.content, around, p.border_shift, 0.0)
    for seq in streams.values():
        dense = [s for s in seq if s.pair is not None and s.pair.dt <= DENSE_PAIR_MAX_DT]
        for i, s in enumerate(dense):
            p = s.pair
            assert p is not None
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
            )
            if not (spike or collapse):
                continue
            kind = "splice" if p.border_shift >= cfg.splice_background_shift else "cut"
            key = round(s.t * 10)
            prev = found.get(key)
            if prev is None or p.content > prev.content:
                found[key] = Break(s.t, kind, p.content, around, p.border_shift, p.dt)
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
