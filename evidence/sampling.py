"""Deciding which frames to decode: keyframes everywhere, dense windows only where they are needed.

Phone recordings put a keyframe about every second. Decoding only keyframes costs roughly a tenth
of a full decode, and the packet index (sizes, timestamps, key flags; read without decoding)
shows where something may have happened between them:

* a non-key packet many times larger than its neighbours: the encoder had to redraw the picture
  (a cut, in compressed-domain shot-boundary detection terms);
* a keyframe off the regular cadence: an editor's encoder inserted one at a scene change;
* a run of tiny packets: nothing changed (a frozen picture);
* a jump in timestamps: recording paused.

Pairs of consecutive keyframes add more: an abrupt change of background (a splice), identical
keyframes (a freeze). Around each such candidate a short window is decoded densely; if candidates
would cover too much of the video, or keyframes are too far apart, the whole video is decoded
once, densely, instead. Each frame is decoded at most once, except the keyframe a window starts
from.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .config import AnalysisConfig
from .signals import Sample, rises

__all__ = ["PacketEvidence", "Window", "choose_mode", "merge_windows", "pixel_windows"]


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    reason: str

    @property
    def length(self) -> float:
        return self.end - self.start


class PacketEvidence:
    """Compressed-domain evidence from a packet table (times relative to the first packet)."""

    def __init__(self, pts: np.ndarray, size: np.ndarray, key: np.ndarray, cfg: AnalysisConfig) -> None:
        order = np.argsort(pts, kind="stable")
        self.origin = float(pts[order[0]]) if len(pts) else 0.0
        self.t = (pts[order] - self.origin).astype(np.float64)
        self.size = size[order].astype(np.float64)
        self.key = key[order].astype(bool)
        self.cfg = cfg
        nonkey = self.size[~self.key]
        self.quiet = float(np.percentile(nonkey, 30)) if len(nonkey) >= 5 else 0.0
        self.median_nonkey = float(np.median(nonkey)) if len(nonkey) else 0.0
        self._tiny_flags = self._tiny()
        self._spikes: list[tuple[float, float, float]] | None = None
        self._grid = self._keyframe_grid()
        self.dynamic_range = self._dynamic_range()

    def _dynamic_range(self) -> float:
        """p90/p10 of non-key packet sizes smoothed over 15 packets.

        Variable-bitrate encoders (phone cameras) spend bits where the picture changes, so sizes
        swing 3-10x between a still shot and a rotation; constant-bitrate ones pad or starve frames
        to a flat size (~1-2x), and then packet sizes say nothing about motion, cuts or freezes.
        """
        nonkey = self.size[~self.key]
        if len(nonkey) < 30:
            return 0.0
        smooth = np.median(np.lib.stride_tricks.sliding_window_view(nonkey, 15), axis=1)
        low = float(np.percentile(smooth, 10))
        return float(np.percentile(smooth, 90)) / low if low > 0 else 0.0

    @property
    def informative(self) -> bool:
        """Whether packet sizes carry motion (variable bitrate); hybrid sampling relies on it."""
        return self.dynamic_range >= self.cfg.packet_min_dynamic_range

    @property
    def keyframe_times(self) -> np.ndarray:
        return np.asarray(self.t[self.key])

    def median_keyframe_interval(self) -> float:
        k = self.keyframe_times
        return float(np.median(np.diff(k))) if len(k) >= 2 else float("inf")

    def scene_cut_keyframes(self) -> list[float]:
        """Keyframes an encoder inserted at a scene change: the group of frames before each is
        shorter than the video's regular one by more than ``keyframe_grid_jitter`` of it.

        A camera writes a keyframe every N frames (counted in frames, so variable frame timing does
        not move the grid); an encoder that places keyframes at scene changes (x264's scene-cut
        detection, as in editors' exports) shortens a group wherever the picture changed a lot,
        an edit or a fast movement alike.
        """
        idx = np.nonzero(self.key)[0]
        if len(idx) < 3:
            return []
        gops = np.diff(idx)
        limit = (1.0 - self.cfg.keyframe_grid_jitter) * float(np.median(gops))
        return [float(self.t[i]) for g, i in zip(gops, idx[1:], strict=True) if g < limit]

    def has_keyframe_grid(self) -> bool:
        """Whether the encoder kept a keyframe cadence (a camera's every N frames, or an encoder's
        interval with a few scene-cut keyframes between): enough groups of frames, most of them
        about the median length (``keyframe_grid_*``). Without one, keyframes mark only where the
        encoder saw the picture change."""
        return self._grid

    def _keyframe_grid(self) -> bool:
        cfg = self.cfg
        gops = np.diff(np.nonzero(self.key)[0])
        if len(gops) < cfg.keyframe_grid_min_gops:
            return False
        regular = float(np.median(gops))
        on = np.abs(gops - regular) <= cfg.keyframe_grid_tolerance * regular
        return int(on.sum()) >= cfg.keyframe_grid_min_gops and float(on.mean()) >= cfg.keyframe_grid_min_share

    def grid_keyframes(self) -> list[float]:
        """The keyframes on the encoder's regular grid (all but :meth:`scene_cut_keyframes`)."""
        inserted = set(self.scene_cut_keyframes())
        return [float(k) for k in self.keyframe_times if float(k) not in inserted]

    def gaps(self, min_gap_s: float) -> list[tuple[float, float]]:
        """(time before the gap, gap length) wherever timestamps jump by at least ``min_gap_s``."""
        if len(self.t) < 2:
            return []
        d = np.diff(self.t)
        typical = float(np.median(d)) if len(d) else 0.0
        idx = np.nonzero(d >= max(min_gap_s, 4 * typical))[0]
        return [(float(self.t[i]), float(d[i])) for i in idx]

    def spikes(self) -> list[tuple[float, float, float]]:
        """(time, size ratio, share of a keyframe's size) of non-key packets that redraw the picture.

        Such a packet is both far larger than its neighbourhood (75th percentile of the 30 nearest
        non-key packets) and a sizeable share of a keyframe: motion inflates P-frames a few times,
        a cut makes the encoder code nearly the whole picture afresh.
        """
        if self._spikes is None:
            self._spikes = self._find_spikes()
        return list(self._spikes)

    def _find_spikes(self) -> list[tuple[float, float, float]]:
        n = len(self.size)
        keys = self.size[self.key]
        if n < 8 or self.median_nonkey <= 0 or len(keys) == 0:
            return []
        key_median = float(np.median(keys))
        idx = np.nonzero(~self.key)[0]
        nonkey = self.size[idx]
        floor = max(2.0 * self.median_nonkey, self.cfg.packet_spike_keyframe_share * key_median)
        cand = np.nonzero(nonkey >= floor)[0]
        out: list[tuple[float, float, float]] = []
        half = 15
        for c in cand:
            lo, hi = max(0, c - half), min(len(nonkey), c + half + 1)
            neigh = np.concatenate([nonkey[lo:c], nonkey[c + 1 : hi]])
            if len(neigh) < 4:
                continue
            base = float(np.percentile(neigh, 75))
            ratio = float(nonkey[c]) / base if base > 0 else float("inf")
            if ratio >= self.cfg.packet_spike_ratio:
                out.append((float(self.t[idx[c]]), ratio, float(nonkey[c]) / key_median))
        return out

    def off_cadence_keyframes(self) -> list[float]:
        """Keyframes arriving much sooner than the regular interval (scene-cut keyframes).

        A keyframe back on the regular grid after an inserted one (fixed-GOP encoders keep their
        cadence) is not counted.
        """
        k = self.keyframe_times
        if len(k) < 3:
            return []
        regular = float(np.median(np.diff(k)))
        out: list[float] = []
        last_regular = float(k[0])
        for prev, cur in itertools.pairwise(k):
            if cur - prev >= 0.75 * regular:
                last_regular = float(cur)
            elif abs((cur - last_regular) - regular) <= 0.25 * regular:
                last_regular = float(cur)  # back on the grid
            else:
                out.append(float(cur))
        return out

    def edit_mark(self, t: float, tol: float) -> str | None:
        """What the packets say an editor's encoder did at the frame shown at ``t``, if anything.

        A keyframe there that is off the video's keyframe grid (its distance from the previous one
        more than 25 % away from the median keyframe interval: encoders insert one at a scene
        change; only where the video has a grid, :meth:`has_keyframe_grid`), or a near-intra
        P-frame there with no other within a second (motion compensation failed once, not in a
        rhythm some encoders keep).
        """
        keys = self.keyframe_times
        near = np.nonzero(np.abs(keys - t) <= tol + 1e-6)[0]
        if len(near) and near[0] > 0 and self.has_keyframe_grid():
            regular = float(np.median(np.diff(keys)))
            since = float(keys[near[0]] - keys[near[0] - 1])
            if abs(since - regular) > 0.25 * regular:
                return "an encoder inserted a keyframe at that frame"
        spikes = [s for s in self.spikes() if s[2] >= self.cfg.packet_spike_keyframe_share]
        at = [s for s in spikes if abs(s[0] - t) <= tol + 1e-6]
        if at and not any(0 < abs(s[0] - at[0][0]) <= 1.0 for s in spikes):
            return f"the frame is coded almost afresh ({at[0][1]:.1f}x the packets around it)"
        return None

    def _tiny(self) -> np.ndarray:
        """Per packet: whether the 5 non-key packets around it are near-empty (median)."""
        if self.median_nonkey <= 0:
            return np.zeros(len(self.size), bool)
        idx = np.nonzero(~self.key)[0]
        sizes = self.size[idx]
        if len(sizes) < 5:
            return np.zeros(len(self.size), bool)
        windows = np.lib.stride_tricks.sliding_window_view(np.pad(sizes, 2, mode="edge"), 5)
        rolling = np.median(windows, axis=1)
        flags = np.zeros(len(self.size), bool)
        flags[idx] = rolling <= self.cfg.packet_tiny_ratio * self.median_nonkey
        return flags

    def tiny_between(self, a: float, b: float) -> bool:
        """Whether every non-key packet in (a, b] is part of a near-empty run (nothing changed)."""
        lo, hi = np.searchsorted(self.t, [a + 1e-6, b + 1e-6])
        seg_key = self.key[lo:hi]
        seg = self._tiny_flags[lo:hi][~seg_key]
        return len(seg) > 0 and bool(seg.all())

    def tiny_runs(self, min_s: float) -> list[tuple[float, float]]:
        """(start, end) of runs of near-empty non-key packets lasting at least ``min_s``."""
        tiny = self._tiny_flags
        runs: list[tuple[float, float]] = []
        start: int | None = None
        for i, flag in enumerate(tiny):
            if self.key[i]:
                continue  # keyframes are large even in a frozen run
            if flag and start is None:
                start = i
            elif not flag and start is not None:
                if self.t[i - 1] - self.t[start] >= min_s * 0.8:
                    runs.append((float(self.t[start]), float(self.t[i - 1])))
                start = None
        if start is not None and self.t[-1] - self.t[start] >= min_s * 0.8:
            runs.append((float(self.t[start]), float(self.t[-1])))
        return runs

    def moved(self, a: float, b: float) -> bool:
        """Whether the packets between ``a`` and ``b`` show motion (median size above the steady level)."""
        if self.quiet <= 0:
            return True
        lo, hi = np.searchsorted(self.t, [a, b])
        seg = self.size[lo:hi][~self.key[lo:hi]]
        if len(seg) == 0:
            return True
        return float(np.percentile(seg, 75)) / self.quiet > self.cfg.motion_proxy_steady

    def quiet_spans(self, min_s: float, half_s: float = 0.15) -> list[tuple[float, float]]:
        """Stretches of at least ``min_s`` where the packets show no motion (the camera and the
        parcel held still), at the frame rate: keyframe sampling alone cannot time a 1 s hold.

        A frame is quiet when the median non-key packet size within ``half_s`` is at most
        ``motion_proxy_steady`` times the video's quiet level.
        """
        if self.quiet <= 0:
            return []
        idx = np.nonzero(~self.key)[0]
        if len(idx) < 5:
            return []
        t, size = self.t[idx], self.size[idx]
        lo = np.searchsorted(t, t - half_s)
        hi = np.searchsorted(t, t + half_s, side="right")
        level = np.array([np.median(size[a:b]) for a, b in zip(lo, hi, strict=True)]) / self.quiet
        quiet = level <= self.cfg.motion_proxy_steady
        # a turn of a thin parcel moves little of the picture and stays under the steady level
        cfg = self.cfg
        quiet &= ~rises(t, level, cfg.quiet_bump_min, cfg.quiet_bump_ratio, cfg.quiet_bump_side_s)
        spans: list[tuple[float, float]] = []
        start: int | None = None
        for i, q in enumerate([*quiet, False]):
            if q and start is None:
                start = i
            elif not q and start is not None:
                a, b = float(t[start]), float(t[i - 1])
                if b - a >= min_s:
                    spans.append((a, b))
                start = None
        return spans

    def motion_proxy(self, t: float, half_s: float = 0.25) -> float:
        """Median non-key packet size near ``t`` relative to the video's quiet level (1 = quiet)."""
        if self.quiet <= 0:
            return float("nan")
        lo, hi = np.searchsorted(self.t, [t - half_s, t + half_s])
        seg = self.size[lo:hi][~self.key[lo:hi]]
        if len(seg) == 0:
            return float("nan")
        return float(np.median(seg)) / self.quiet

    def candidate_windows(self) -> list[Window]:
        """Windows worth decoding densely, from the packet index alone."""
        cfg = self.cfg
        pad = cfg.window_pad_s
        out = [
            Window(t - pad, t + pad, f"packet {ratio:.1f}x its neighbours") for t, ratio, _ in self.spikes()
        ]
        out += [
            Window(t - pad, t + pad, "keyframe off the regular cadence") for t in self.off_cadence_keyframes()
        ]
        out += [
            Window(a - 2 * pad, b + 2 * pad, "run of near-empty packets")
            for a, b in self.tiny_runs(cfg.freeze_min_s)
        ]
        return out


def choose_mode(packets: PacketEvidence | None, cfg: AnalysisConfig) -> str:
    """ "hybrid" when keyframes come often enough, on a fixed grid, to stand for the video between
    them, else "dense"."""
    if cfg.sampling_mode == "dense" or packets is None or len(packets.keyframe_times) < 2:
        return "dense"
    if cfg.sampling_mode == "hybrid":
        return "hybrid"
    short_gop = packets.median_keyframe_interval() <= cfg.hybrid_max_keyframe_interval_s
    # keyframes off a fixed grid were placed by an encoder at scene changes (an editor's export):
    # keyframes alone cannot stand for the frames between them there, and packets need not mark a cut
    fixed_grid = not packets.scene_cut_keyframes()
    return "hybrid" if short_gop and fixed_grid and packets.informative else "dense"


def pixel_windows(samples: Sequence[Sample], cfg: AnalysisConfig) -> list[Window]:
    """Windows around first-pass pairs that may hide a cut: too coarse to tell, worth a closer look.

    Dense first-pass pairs (5 fps) are flagged on a content spike, a drop of alignment or a change
    of background; keyframe pairs (about 1 s apart) on a changed background, identical pictures,
    or a drastic change.
    """
    out: list[Window] = []
    pad = 2 * cfg.window_pad_s
    by_stream: dict[int, list[Sample]] = {}
    for s in samples:
        by_stream.setdefault(s.stream, []).append(s)
    for seq in by_stream.values():
        seq.sort(key=lambda s: s.t)
        pairs = [s for s in seq if s.pair is not None and s.pair.dt <= 0.35]
        for i, s in enumerate(pairs):
            p = s.pair
            assert p is not None
            near = [
                q.pair.content
                for q in (pairs[j] for j in (i - 1, i + 1) if 0 <= j < len(pairs))
                if q.pair is not None
            ]
            around = max(near) if near else 0.0
            spike = p.content >= 0.5 * cfg.cut_min_score and p.content >= 1.8 * max(around, 1.0)
            dropped = p.align <= 2 * cfg.cut_align_max and p.content >= 0.2 * cfg.cut_min_score
            if spike or dropped or p.border_shift >= 0.7 * cfg.splice_background_shift:
                out.append(Window(s.t - p.dt - 0.25, s.t + 0.25, "first-pass frames change abruptly"))
        # a fade through black: light falling to black or rising from it between first-pass frames
        reach = cfg.fade_max_s + 0.3
        for s0, s1 in itertools.pairwise(seq):
            if s1.t - s0.t > 2.5:
                continue
            lo, hi = sorted((s0.luma, s1.luma))
            if lo <= 1.5 * cfg.fade_black_luma and hi >= cfg.fade_lit_luma:
                dark = s0 if s0.luma <= s1.luma else s1
                out.append(Window(dark.t - reach, dark.t + reach, "the picture goes dark"))
    for s in samples:
        p = s.pair
        if p is None or p.dt <= 0.35 or p.dt > 2.5:
            continue
        a = s.t - p.dt
        if p.border_shift >= 0.7 * cfg.splice_background_shift:
            out.append(Window(a - 0.1, s.t + 0.1, "background changed between keyframes"))
        elif p.freeze <= 2.0 * cfg.freeze_max_diff:
            out.append(Window(a - pad, s.t + pad, "identical keyframes"))
        elif p.content >= cfg.window_keyframe_change:
            out.append(Window(a - 0.1, s.t + 0.1, "large change between keyframes"))
    return out


def merge_windows(windows: Sequence[Window], duration: float) -> list[Window]:
    """Clip to the video and merge overlapping windows (reasons joined)."""
    clipped = sorted(
        (
            Window(max(0.0, w.start), min(duration, w.end), w.reason)
            for w in windows
            if w.end > 0 and w.start < duration
        ),
        key=lambda w: w.start,
    )
    merged: list[Window] = []
    for w in clipped:
        if merged and w.start <= merged[-1].end + 0.2:
            last = merged[-1]
            reasons = last.reason if w.reason in last.reason else f"{last.reason}; {w.reason}"
            merged[-1] = Window(last.start, max(last.end, w.end), reasons)
        else:
            merged.append(w)
    return [w for w in merged if w.length > 0.05]
