"""The unpacking as a story: sealed parcel, its faces, the opening, the contents, the close-ups.

Built on :mod:`evidence.scene` features of each sample. Everything here is an estimate from
colour and layout; each result carries a confidence so elements can say INCONCLUSIVE instead of
guessing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .config import AnalysisConfig
from .scene import SceneFeatures, describe, learn_table, view_distance
from .signals import Sample

__all__ = ["FaceEstimate", "Span", "Story", "read_story"]


@dataclass(frozen=True)
class Span:
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class FaceEstimate:
    count: int  # distinct faces shown before opening (capped at the required number)
    raw_clusters: int
    held_views: int  # steady stretches separated by motion (the parcel was turned this many times + 1)
    confidence: float  # 0..1
    times: tuple[float, ...]  # a representative time for each face
    usable_views: int
    nearest_ratio: float  # nearest distance between two faces / threshold


@dataclass(frozen=True)
class Story:
    parcel_seen: bool
    table_support: float
    sealed_at_start: bool | None  # None: nothing recognisable at the start
    opening_at: float | None
    open_from_start: bool
    faces: FaceEstimate
    contents: Span | None
    closeups: tuple[Span, ...]
    features: tuple[tuple[float, SceneFeatures], ...]


def _weights(times: Sequence[float], duration: float) -> list[float]:
    """Time each sample stands for (half the gap to each neighbour, capped)."""
    out = []
    for i, t in enumerate(times):
        left = t - times[i - 1] if i > 0 else t
        right = times[i + 1] - t if i + 1 < len(times) else max(0.0, duration - t)
        out.append(min(0.6, left / 2) + min(0.6, right / 2))
    return out


def _opened(f: SceneFeatures) -> bool:
    return f.fill >= 0.05 and (f.dark >= 0.12 or f.other >= 0.42)


def _sealed(f: SceneFeatures) -> bool:
    return f.fill >= 0.05 and not _opened(f) and (f.cardboard + f.label) >= 0.5


def _steady(s: Sample, cfg: AnalysisConfig) -> bool:
    p = s.pair
    if p is not None and not math.isnan(p.motion):
        return p.motion <= cfg.shake_max_px_per_s * 0.6 and p.content <= cfg.cut_min_score
    if not math.isnan(s.motion_proxy):
        return s.motion_proxy <= cfg.motion_proxy_steady
    return p is not None and p.content <= cfg.cut_min_score * 0.4


def read_story(
    samples: Sequence[Sample],
    duration: float,
    cfg: AnalysisConfig,
    segments: Sequence[float] = (),
    moved: Callable[[float, float], bool] | None = None,
) -> Story:
    """Interpret the samples (sorted by time) as an unpacking; ``segments`` are break times (takes)."""
    usable = [s for s in samples if s.tiny is not None]
    if not usable:
        return Story(False, 0.0, None, None, False, FaceEstimate(0, 0, 0, 0.0, (), 0, 0.0), None, (), ())
    # one table model per take: a splice may change the surface
    bounds = [0.0, *sorted(segments), math.inf]
    feats: list[tuple[Sample, SceneFeatures]] = []
    supports = []
    for a, b in itertools.pairwise(bounds):
        part = [s for s in usable if a <= s.t < b]
        table = learn_table([s.tiny for s in part if s.tiny is not None])
        if table is None:
            continue
        supports.append(table.support)
        feats += [(s, describe(s.tiny, table)) for s in part if s.tiny is not None]
    feats.sort(key=lambda x: x[0].t)
    times = [s.t for s, _ in feats]
    weights = _weights(times, duration)
    parcel_seen = any(f.cardboard >= 0.35 and f.fill >= 0.05 for _, f in feats)

    opening_at, open_from_start = _opening(feats, weights, cfg)
    start_window = [f for s, f in feats if s.t <= min(1.0, duration * 0.1) + 1e-6]
    sealed_at_start: bool | None
    if not start_window or not parcel_seen:
        sealed_at_start = None
    else:
        sealed_at_start = (
            sum(_sealed(f) for f in start_window) >= 0.5 * len(start_window) and not open_from_start
        )

    until = opening_at if opening_at is not None else (duration if not open_from_start else 0.0)
    faces = _faces(feats, weights, until, cfg, moved)
    contents = _contents(feats, weights, opening_at)
    closeups = _closeups(feats, weights, opening_at, cfg)
    table_support = float(np.mean(supports)) if supports else 0.0
    return Story(
        parcel_seen,
        table_support,
        sealed_at_start,
        opening_at,
        open_from_start,
        faces,
        contents,
        tuple(closeups),
        tuple((s.t, f) for s, f in feats),
    )


def _opening(
    feats: Sequence[tuple[Sample, SceneFeatures]], weights: Sequence[float], cfg: AnalysisConfig
) -> tuple[float | None, bool]:
    """First time the parcel looks open and stays so; and whether it already did at the start."""
    flags = [_opened(f) for _, f in feats]
    times = [s.t for s, _ in feats]
    for i, flag in enumerate(flags):
        if not flag:
            continue
        # open for opening_min_s, and mostly open afterwards
        held = 0.0
        j = i
        while j < len(flags) and flags[j]:
            held += weights[j]
            j += 1
        after = sum(w for w, fl in zip(weights[i:], flags[i:], strict=False) if fl)
        total_after = sum(weights[i:])
        if held >= cfg.opening_min_s and after >= 0.6 * total_after:
            return times[i], i == 0 or times[i] <= 0.5
    return None, False


def _faces(
    feats: Sequence[tuple[Sample, SceneFeatures]],
    weights: Sequence[float],
    until: float,
    cfg: AnalysisConfig,
    moved: Callable[[float, float], bool] | None = None,
) -> FaceEstimate:
    """Cluster steady, whole, sealed views before the opening into distinct faces.

    Also counts *held views*: stretches of steady views separated by motion. When the parcel was
    held still six or more times but fewer faces look distinct, the faces may simply look alike
    (plain cardboard), so the estimate is uncertain rather than a proof of missing faces.
    """
    views: list[tuple[float, float, np.ndarray]] = []
    for (s, f), w in zip(feats, weights, strict=False):
        if s.t >= until - 0.2 or not _sealed(f) or f.touches_border:
            continue
        if not (0.04 <= f.fill <= 0.75) or f.cardboard < 0.4 or not _steady(s, cfg):
            continue
        views.append((s.t, w, f.descriptor))
    thr = cfg.face_distinct_threshold
    centroids: list[np.ndarray] = []
    members: list[list[int]] = []
    labels: list[int] = []
    for i, (_, _, d) in enumerate(views):
        dists = [view_distance(d, c) for c in centroids]
        best = int(np.argmin(dists)) if dists else -1
        if best >= 0 and dists[best] < thr:
            members[best].append(i)
            centroids[best] = np.mean([views[j][2] for j in members[best]], axis=0)
            labels.append(best)
        else:
            centroids.append(d.copy())
            members.append([i])
            labels.append(len(centroids) - 1)
    weight = [sum(views[j][1] for j in m) for m in members]
    kept = [c for c in range(len(centroids)) if weight[c] >= cfg.face_min_view_s]
    # held views: runs of steady views, broken by a change of face or by motion in between
    held = 0
    run_w = 0.0
    for i, (t, w, _) in enumerate(views):
        if i == 0:
            run_w = w
            continue
        pt = views[i - 1][0]
        boundary = labels[i] != labels[i - 1] or (t - pt > 0.45 and (moved is None or moved(pt, t)))
        if boundary:
            held += run_w >= cfg.face_min_view_s
            run_w = w
        else:
            run_w += w
    if views:
        held += run_w >= cfg.face_min_view_s
    if not kept:
        return FaceEstimate(0, len(centroids), held, 0.8 if not views else 0.5, (), len(views), 0.0)
    nearest = math.inf
    for i in range(len(kept)):
        for j in range(i + 1, len(kept)):
            nearest = min(nearest, view_distance(centroids[kept[i]], centroids[kept[j]]))
    ratio = nearest / thr if math.isfinite(nearest) else 3.0
    count = min(len(kept), cfg.required_faces)
    coverage = min(1.0, len(views) / max(1.0, 2.0 * len(kept)))
    if len(kept) >= cfg.required_faces:
        # how clearly the faces are apart, discounted when views were few or extra clusters appeared
        separation = max(0.0, min(1.0, ratio - 1.0))
        excess = 0.8 if len(kept) > cfg.required_faces else 1.0
        confidence = 0.35 + 0.65 * separation * coverage * excess
    elif held < cfg.required_faces:
        confidence = 0.8 * max(0.6, coverage)  # fewer views were held at all: faces were not shown
    else:
        confidence = 0.4  # turned often enough, but the faces look alike
    times = tuple(sorted(float(np.median([views[j][0] for j in members[c]])) for c in kept))
    return FaceEstimate(count, len(kept), held, round(confidence, 2), times, len(views), round(ratio, 2))


def _contents(
    feats: Sequence[tuple[Sample, SceneFeatures]], weights: Sequence[float], opening_at: float | None
) -> Span | None:
    """When the goods are in view after the opening (non-cardboard colours), if for at least 1 s."""
    start = opening_at if opening_at is not None else 0.0
    shown = [
        (s.t, w)
        for (s, f), w in zip(feats, weights, strict=False)
        if s.t >= start and f.other >= 0.2 and f.fill >= 0.1
    ]
    if sum(w for _, w in shown) < 1.0:
        return None
    return Span(shown[0][0], shown[-1][0])


def _closeups(
    feats: Sequence[tuple[Sample, SceneFeatures]],
    weights: Sequence[float],
    opening_at: float | None,
    cfg: AnalysisConfig,
) -> list[Span]:
    """Steady, sharp stretches where the item fills the frame, after the opening."""
    start = opening_at if opening_at is not None else 0.0
    spans: list[Span] = []
    run: list[float] = []
    held = 0.0
    for (s, f), w in zip(feats, weights, strict=False):
        ok = s.t >= start and f.fill >= cfg.closeup_min_fill and s.blur <= cfg.blur_max and _steady(s, cfg)
        if ok:
            run.append(s.t)
            held += w
        else:
            if run and held >= cfg.closeup_min_s:
                spans.append(Span(run[0], run[-1]))
            run, held = [], 0.0
    if run and held >= cfg.closeup_min_s:
        spans.append(Span(run[0], run[-1]))
    return spans
