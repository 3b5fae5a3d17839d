"""The unpacking as a story: sealed parcel, its faces, the opening, the contents, the close-ups.

Built on :mod:`evidence.scene` features of each sample and on the waybill reads. Everything here
is an estimate; each result carries a confidence so elements can say INCONCLUSIVE instead of
guessing, and nothing is claimed about a parcel that was not recognised.

The parcel is recognised by its waybill (a shipping-label barcode or QR code read in the video),
or, without one, by a parcel-coloured object followed across the video. Faces are counted as
*holds*: the parcel held still, turned, held still again (colour-independent), and as distinct
views where their looks differ. The opening is a sustained change towards an open look (interior
or contents) measured against the parcel's own sealed appearance, so black or printed parcels do
not look "open" from the start.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .config import AnalysisConfig
from .scene import SceneFeatures, describe, distance_matrix, learn_table, view_distance
from .signals import Sample, is_blurred, rises

__all__ = ["FaceEstimate", "Span", "Story", "read_story"]


@dataclass(frozen=True)
class Span:
    start: float
    end: float
    size: float = 0.0  # for close-ups: the object's mean share of the frame over the span

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
    parcel: str  # how the parcel was recognised: "waybill", "object" (clear of the frame's edges),
    # "held" (running off the frame, held in hands), or "" (not recognised)
    table_support: float
    sealed_at_start: bool | None  # None: nothing recognisable at the start
    opening_at: float | None
    open_from_start: bool
    faces: FaceEstimate
    contents: Span | None
    closeups: tuple[Span, ...]
    features: tuple[tuple[float, SceneFeatures], ...]
    holds: tuple[Span, ...] = ()  # steady stretches of the whole video (where a person can look)
    sealed_look: tuple[float, float] = (0.0, 0.0)  # the sealed parcel's own dark and other shares

    @property
    def parcel_seen(self) -> bool:
        return bool(self.parcel)


def _weights(times: Sequence[float], duration: float) -> list[float]:
    """Time each sample stands for (half the gap to each neighbour, capped)."""
    out = []
    for i, t in enumerate(times):
        left = t - times[i - 1] if i > 0 else t
        right = times[i + 1] - t if i + 1 < len(times) else max(0.0, duration - t)
        out.append(min(0.6, left / 2) + min(0.6, right / 2))
    return out


def _first_showing(times: Sequence[float], gap: float) -> float:
    """The end of the first time the waybill is shown: its reads from the first on, until a gap
    longer than ``gap``. A bag's label stays in view while the bag is opened, and a reader that
    reads smaller bars finds it there again (tuning seed 5 at 17 s): that later read does not
    make the parcel sealed up to it."""
    ordered = sorted(times)
    end = ordered[0]
    for t in ordered[1:]:
        if t - end > gap:
            break
        end = t
    return end


def _opened(f: SceneFeatures, base: tuple[float, float], cfg: AnalysisConfig) -> bool:
    """An open look (interior, filler, contents): darker or more colourful than the sealed parcel."""
    return f.fill >= 0.05 and (
        f.dark - base[0] >= cfg.open_dark_rise or f.other - base[1] >= cfg.open_other_rise
    )


def _steady(s: Sample, cfg: AnalysisConfig, max_content: float | None = None) -> bool:
    limit = cfg.hold_max_content if max_content is None else max_content
    p = s.pair
    if p is not None and not math.isnan(p.motion):
        return p.motion <= cfg.shake_max_px_per_s * 0.6 and p.content <= limit
    if not math.isnan(s.motion_proxy):
        return s.motion_proxy <= cfg.motion_proxy_steady
    return p is not None and p.content <= limit * 0.5


def holds_of(samples: Sequence[Sample], weights: Sequence[float], cfg: AnalysisConfig) -> list[Span]:
    """Steady stretches at least ``face_min_view_s`` long (the camera or the parcel held still)."""
    spans: list[Span] = []
    run: list[float] = []
    held = 0.0
    content = np.array([s.pair.content if s.pair is not None else np.nan for s in samples], float)
    turns = rises(
        np.array([s.t for s in samples]),
        content,
        cfg.hold_bump_min,
        cfg.quiet_bump_ratio,
        cfg.quiet_bump_side_s,
    )
    for s, w, turn in zip(samples, weights, turns, strict=False):
        if _steady(s, cfg) and not turn:
            run.append(s.t)
            held += w
            continue
        if run and held >= cfg.face_min_view_s:
            spans.append(Span(run[0], run[-1]))
        run, held = [], 0.0
    if run and held >= cfg.face_min_view_s:
        spans.append(Span(run[0], run[-1]))
    return spans


def read_story(
    samples: Sequence[Sample],
    duration: float,
    cfg: AnalysisConfig,
    segments: Sequence[float] = (),
    moved: Callable[[float, float], bool] | None = None,
    waybill_times: Sequence[float] = (),
    quiet: Sequence[tuple[float, float]] = (),
) -> Story:
    """Interpret the samples (sorted by time) as an unpacking.

    ``segments`` are break times (takes); ``waybill_times`` the times a shipping label (not a
    product code) was read in the video: the parcel is sealed while its waybill is being shown.
    ``quiet`` are the stretches the packets show no motion, at the frame rate (a video read from
    its keyframes, a second apart, cannot time a 1 s hold from its samples): when given, they are
    the video's holds.
    """
    usable = [s for s in samples if s.tiny is not None]
    empty = FaceEstimate(0, 0, 0, 0.0, (), 0, 0.0)
    if not usable:
        return Story("", 0.0, None, None, False, empty, None, (), ())
    # one table model per take: a splice may change the surface
    bounds = [0.0, *sorted(segments), math.inf]
    feats: list[tuple[Sample, SceneFeatures]] = []
    supports = []
    for a, b in itertools.pairwise(bounds):
        part = [s for s in usable if a <= s.t < b]
        table = learn_table([s.tiny for s in part if s.tiny is not None], cfg)
        if table is None:
            continue
        supports.append(table.support)
        feats += [(s, describe(s.tiny, table, cfg)) for s in part if s.tiny is not None]
    feats.sort(key=lambda x: x[0].t)
    times = [s.t for s, _ in feats]
    weights = _weights(times, duration)
    holds = [Span(a, b) for a, b in quiet] if quiet else holds_of([s for s, _ in feats], weights, cfg)

    parcel = ""
    if waybill_times:
        parcel = "waybill"
    else:
        # whatever its colour or material: one object standing clear of the table and inside the
        # frame for much of the video, held still several times (a parcel being turned)
        inside = sum(
            w
            for (_, f), w in zip(feats, weights, strict=False)
            if 0.05 <= f.fill <= 0.9 and not f.touches_border
        )
        # hands holding the parcel (or a large parcel) run off the frame's edge: such views count
        # when the camera held still on the object often, in a video long enough to be an unpacking
        held = sum(w for (_, f), w in zip(feats, weights, strict=False) if 0.05 <= f.fill <= 0.9)
        if (inside >= cfg.parcel_object_share * duration and len(holds) >= cfg.parcel_min_holds) or (
            held >= cfg.parcel_object_share * duration
            and len(holds) >= cfg.parcel_min_holds_at_edge
            and duration >= cfg.min_duration_s
        ):
            parcel = "object" if inside >= cfg.parcel_object_share * duration else "held"

    # the sealed parcel's own look: while its waybill is shown (a black or printed parcel is dark
    # or colourful all over, and that is not an open box)
    sealed_until = _first_showing(waybill_times, cfg.waybill_showing_gap_s) + 0.5 if waybill_times else 0.0
    sealed = [f for s, f in feats if s.t <= sealed_until and f.fill >= 0.05]
    base = (
        (float(np.median([f.dark for f in sealed])), float(np.median([f.other for f in sealed])))
        if sealed
        else (0.0, 0.0)
    )
    opening_at, open_from_start = _opening(feats, weights, cfg, base, sealed_until)
    # the layout reading needs no colour: preferred where it finds an opening (the colour cue is
    # late on goods the colour of cardboard, early on dark hands). It also overrides "open from
    # the start" for a parcel held in hands with no waybill: with no sealed look to compare with,
    # hands and shadows look open, while a tour that came back to a face was of a sealed parcel
    if not open_from_start or parcel == "held":
        by_layout = _opening_by_layout(feats, weights, cfg, sealed_until)
        if by_layout is not None:
            opening_at, open_from_start = by_layout, False
    start_window = [f for s, f in feats if s.t <= min(1.0, duration * 0.1) + 1e-6]
    sealed_at_start: bool | None
    if not start_window or not parcel:
        sealed_at_start = None
    elif parcel == "held":
        # an object in hands or running off the frame, with no waybill: no sealed look to compare
        # with, so hands and shadows could look like an open box. A start that does not look open
        # is sealed; one that does is left to a person (never "not sealed")
        looks_closed = sum(not _opened(f, base, cfg) for f in start_window) >= 0.5 * len(start_window)
        sealed_at_start = True if looks_closed and not open_from_start else None
        open_from_start = False
    elif open_from_start:
        sealed_at_start = False
    elif waybill_times and min(waybill_times) <= max(2.0, 0.15 * duration):
        sealed_at_start = True  # the waybill is shown first, and nothing looks open yet
    else:
        sealed_at_start = sum(not _opened(f, base, cfg) for f in start_window) >= 0.5 * len(start_window)

    until = opening_at if opening_at is not None else (duration if not open_from_start else 0.0)
    if opening_at is not None:
        until = _faces_until(opening_at, holds, times, cfg, frame_rate=bool(quiet))
    faces = _faces(feats, weights, until, cfg, moved)
    # colour-independent: the camera held still on the sealed parcel this often before the opening,
    # each stretch a face turned to the camera; a first stretch that shows the waybill close is the
    # top face, shown again as a face later, so it is not counted twice. Counts when the object
    # cannot be told from the surface (kraft on wood).
    before = [h for h in holds if h.end < until - 0.2 and h.length >= cfg.face_hold_min_s]
    waybill_first = bool(before) and any(
        before[0].start - cfg.face_waybill_slack_s <= t <= before[0].end + cfg.face_waybill_slack_s
        for t in waybill_times
    )
    steady_faces = len(before) - (1 if waybill_first else 0)
    if parcel and steady_faces > faces.held_views:
        enough = steady_faces >= cfg.required_faces > faces.count
        # held and turned often enough, some faces alike: the confidence _faces gives that case
        faces = replace(faces, held_views=steady_faces, confidence=0.6 if enough else faces.confidence)
    contents = _contents(feats, weights, opening_at, cfg)
    closeups = _closeups(feats, weights, opening_at, cfg)
    table_support = float(np.mean(supports)) if supports else 0.0
    return Story(
        parcel,
        table_support,
        sealed_at_start,
        opening_at,
        open_from_start,
        faces,
        contents,
        tuple(closeups),
        tuple((s.t, f) for s, f in feats),
        tuple(holds),
        base,
    )


def _opening(
    feats: Sequence[tuple[Sample, SceneFeatures]],
    weights: Sequence[float],
    cfg: AnalysisConfig,
    base: tuple[float, float],
    sealed_until: float,
) -> tuple[float | None, bool]:
    """First time the parcel looks open and stays so; and whether it already did at the start.

    Nothing before ``sealed_until`` (the waybill still being shown) counts as open.
    """
    flags = [s.t > sealed_until and _opened(f, base, cfg) for s, f in feats]
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
        if held < cfg.opening_min_s:
            continue
        # mostly open from here: over the window that follows, or over the rest of the video
        window = [k for k in range(i, len(flags)) if times[k] < times[i] + cfg.opening_window_s]
        rest = range(i, len(flags))
        if any(
            sum(weights[k] for k in part if flags[k]) >= 0.6 * sum(weights[k] for k in part)
            for part in (window, rest)
        ):
            return times[i], (i == 0 or times[i] <= 0.5) and sealed_until <= 0.0
    return None, False


def _opening_by_layout(
    feats: Sequence[tuple[Sample, SceneFeatures]],
    weights: Sequence[float],
    cfg: AnalysisConfig,
    sealed_until: float,
) -> float | None:
    """The opening read from the object's layout alone: after the last time the parcel came back
    to a look it had shown before (a sealed parcel turned back to a face), the first time from
    which the object no longer looks like anything shown before (an opened parcel never looks
    sealed again). None when the tour never came back to a look, or nothing new follows.
    """
    idx = [i for i, (_, f) in enumerate(feats) if f.fill >= cfg.face_min_fill]
    if len(idx) < 4:
        return None
    t = np.array([feats[i][0].t for i in idx])
    w = np.array([weights[i] for i in idx])
    dist = distance_matrix(np.stack([feats[i][1].descriptor for i in idx]))
    match, away = dist < cfg.opening_layout_match, dist >= cfg.opening_layout_away
    # a return is to the same look at about the same size: the descriptor does not see scale, and a
    # zoom on the contents can resemble a wide view of the opened parcel
    fills = np.array([feats[i][1].fill for i in idx])
    ratio = np.maximum(fills[:, None], fills[None, :]) / np.maximum(
        1e-3, np.minimum(fills[:, None], fills[None, :])
    )
    same_size = ratio <= cfg.opening_layout_return_scale
    n = len(idx)
    later = np.arange(n)
    last_return = -1.0
    for e in range(n):
        # away for a while (another face held, not one sample flickering within a steady close-up)
        went_away = np.cumsum(away[e] * w)
        far = went_away - went_away[e] >= cfg.opening_layout_away_s
        back = np.nonzero(match[e] & same_size[e] & far & (later > e))[0]
        if len(back):
            last_return = max(last_return, float(t[back[-1]]))
    if last_return < 0:
        return None
    for k in range(n):
        at = float(t[k])
        if at <= max(sealed_until, last_return):
            continue
        after, before = t >= at, t < at - 0.3
        if w[after].sum() < cfg.opening_min_s:
            return None
        if not before.any():
            continue
        familiar = (match & same_size)[np.ix_(after, before)].any(axis=1)
        if (w[after] * familiar).sum() <= cfg.opening_layout_return_share * w[after].sum():
            return at
    return None


def _faces(
    feats: Sequence[tuple[Sample, SceneFeatures]],
    weights: Sequence[float],
    until: float,
    cfg: AnalysisConfig,
    moved: Callable[[float, float], bool] | None = None,
) -> FaceEstimate:
    """Steady views of the parcel before the opening: how often it was held still, and how many
    of those views look distinct.

    Colour does not decide what is parcel: every steady view of the object in front of the
    surface counts, including views where it fills the frame or runs off its edge (the usual
    phone framing). *Held views* are stretches of steady views separated by motion or by a
    change of look; the parcel turned between them. Distinct views are clusters of the object's
    layout descriptor; plain faces may look alike, so fewer clusters than holds is uncertainty,
    not proof of missing faces.
    """
    views: list[tuple[float, float, np.ndarray]] = []
    for (s, f), w in zip(feats, weights, strict=False):
        if s.t >= until - 0.2 or not (cfg.face_min_fill <= f.fill <= cfg.face_max_fill):
            continue
        if not _steady(s, cfg):
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
    # held views: stretches of steady views broken by motion in between; within one stretch each
    # run of one look held long enough is a view (the parcel turned smoothly), but a look that
    # comes back after only a brief other one (a zoom on the waybill, focus hunting) is the same view
    held = 0
    runs: list[tuple[int, float]] = []  # (look, weight) of the current stretch
    for i, (t, w, _) in enumerate(views):
        if i and t - views[i - 1][0] > 0.45 and (moved is None or moved(views[i - 1][0], t)):
            held += _held_looks(runs, cfg.face_min_view_s)
            runs = []
        if runs and runs[-1][0] == labels[i]:
            runs[-1] = (labels[i], runs[-1][1] + w)
        else:
            runs.append((labels[i], w))
    held += _held_looks(runs, cfg.face_min_view_s)
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
        confidence = 0.6  # held and turned often enough; some faces look alike
    times = tuple(sorted(float(np.median([views[j][0] for j in members[c]])) for c in kept))
    return FaceEstimate(count, len(kept), held, round(confidence, 2), times, len(views), round(ratio, 2))


def _faces_until(
    opening_at: float,
    holds: Sequence[Span],
    times: Sequence[float],
    cfg: AnalysisConfig,
    frame_rate: bool = False,
) -> float:
    """Where counting faces stops: the opening is read where the parcel stops looking sealed (the
    flaps moved), after the camera settled on it to cut the tape; that steady stretch, when it was
    timed at the frame rate (``frame_rate``: from the packets) or sampled densely enough to trust,
    is the opening and not a face turned to the camera."""
    for h in holds:
        if h.start < opening_at <= h.end + cfg.opening_hold_gap_s and (
            frame_rate or _densely_seen(times, h, cfg.opening_hold_gap_s)
        ):
            return h.start
    return opening_at


def _densely_seen(times: Sequence[float], span: Span, max_gap: float) -> bool:
    """Whether a steady stretch was sampled densely (no gap over ``max_gap``): one read from
    keyframes a second apart may hide the parcel being turned."""
    inside = [t for t in times if span.start <= t <= span.end]
    return len(inside) >= 2 and all(b - a <= max_gap for a, b in itertools.pairwise(inside))


def _held_looks(runs: Sequence[tuple[int, float]], min_s: float) -> int:
    """Views held within one steady stretch: runs of a look at least ``min_s`` long, a run of the
    same look as the previous long run (only brief other looks between) not counted again."""
    count, last = 0, -1
    for look, weight in runs:
        if weight >= min_s and look != last:
            count += 1
            last = look
    return count


def _contents(
    feats: Sequence[tuple[Sample, SceneFeatures]],
    weights: Sequence[float],
    opening_at: float | None,
    cfg: AnalysisConfig,
) -> Span | None:
    """When the open parcel and its contents are in view after the opening, if for at least 1 s.

    Only after an opening that was seen: steady views of the object after it (whatever the
    goods' colour), or colourful goods in view.
    """
    if opening_at is None:
        return None
    shown = [
        (s.t, w)
        for (s, f), w in zip(feats, weights, strict=False)
        if s.t >= opening_at and f.fill >= 0.1 and (f.other >= 0.2 or _steady(s, cfg))
    ]
    if sum(w for _, w in shown) < cfg.contents_min_s:
        return None
    return Span(shown[0][0], shown[-1][0])


def _closeups(
    feats: Sequence[tuple[Sample, SceneFeatures]],
    weights: Sequence[float],
    opening_at: float | None,
    cfg: AnalysisConfig,
) -> list[Span]:
    """Steady, sharp stretches after the opening where the object is shown large.

    Large means the object covers ``closeup_min_fill`` of the frame or runs off its edge (the
    camera moved in); sharp is measured on the subject, not the whole frame. No opening seen, no
    close-up claimed.
    """
    if opening_at is None:
        return []
    spans: list[Span] = []
    run: list[float] = []
    fills: list[float] = []
    held = 0.0
    for (s, f), w in zip(feats, weights, strict=False):
        ok = (
            s.t >= opening_at
            and (f.fill >= cfg.closeup_min_fill or (f.touches_border and f.fill >= 0.1))
            and not is_blurred(s, cfg)
            and _steady(s, cfg, cfg.closeup_max_content)
        )
        if ok:
            run.append(s.t)
            fills.append(f.fill)
            held += w
            continue
        if run and held >= cfg.closeup_min_s:
            spans.append(Span(run[0], run[-1], round(sum(fills) / len(fills), 3)))
        run, fills, held = [], [], 0.0
    if run and held >= cfg.closeup_min_s:
        spans.append(Span(run[0], run[-1], round(sum(fills) / len(fills), 3)))
    return spans
