"""What the camera is looking at, from the tiny per-sample frames: table, parcel, interior, item.

The parcel is whatever stands out from the surface it sits on. The surface colour is learned
from the frame borders across the video (the dominant border colour); the object is the largest
region far from it. Inside the object, pixels are classed by colour: cardboard, label (white),
dark (an opened box's interior and shadows) and other (printed goods, the item). A sealed parcel
is cardboard and label; an opened one shows interior and contents. These are heuristics for
cardboard parcels on a contrasting surface; their confidence is reported with every verdict that
rests on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .config import AnalysisConfig

__all__ = ["SceneFeatures", "TableModel", "border_ring", "describe", "distance_matrix", "learn_table"]


@dataclass(frozen=True)
class TableModel:
    """The surface the parcel stands on: one or more Lab colours, each with an acceptance radius.

    A textured surface (wood grain, a mottled cloth) shows up as several border colours close to
    each other; each of them is table, or its patches would join the parcel and reach the frame's
    edge.
    """

    labs: np.ndarray  # float32 (n, 3), the dominant colour first
    radii: np.ndarray  # float32 (n,)
    support: float  # share of border pixels that matched it


@dataclass(frozen=True)
class SceneFeatures:
    """Per-sample description of the object in view."""

    fill: float  # object area / frame area
    touches_border: bool  # the object runs off the frame (close-up or partial view)
    bbox: tuple[int, int, int, int]  # x, y, w, h in tiny-frame pixels
    cardboard: float  # shares of the object's pixels
    label: float  # white or grey (labels, print, tape)
    dark: float  # very dark (an opened box's interior, shadows, black print)
    other: float
    descriptor: np.ndarray  # appearance of the object, for telling faces apart

    @property
    def open_evidence(self) -> float:
        """Interior and contents: how much of the object is neither cardboard nor label."""
        return self.dark + self.other

    @property
    def aspect(self) -> float:
        return self.bbox[2] / max(1, self.bbox[3])


def border_ring(tiny: np.ndarray) -> np.ndarray:
    """The pixels of the frame's border band (a tenth of the height, a twelfth of the width), as (n, 3)."""
    h, w = tiny.shape[:2]
    by, bx = max(1, h // 10), max(1, w // 12)
    return np.concatenate(
        [
            tiny[:by].reshape(-1, 3),
            tiny[-by:].reshape(-1, 3),
            tiny[by:-by, :bx].reshape(-1, 3),
            tiny[by:-by, -bx:].reshape(-1, 3),
        ]
    )


_DEFAULTS = AnalysisConfig()


def learn_table(tinies: Sequence[np.ndarray], cfg: AnalysisConfig | None = None) -> TableModel | None:
    """The surface's colours: the dominant border colour over ``tinies`` (k-means in Lab) and the
    common ones near it that come with it, or None."""
    if not tinies:
        return None
    cfg = cfg or _DEFAULTS
    step = max(1, len(tinies) // 400)
    rings = [border_ring(t) for t in tinies[::step]]
    pixels = np.concatenate(rings).reshape(-1, 1, 3)
    lab = cv2.cvtColor(pixels, cv2.COLOR_BGR2LAB).reshape(-1, 3).astype(np.float32)
    k = min(4, len(lab))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    cv2.setRNGSeed(1234)
    best_labels = np.zeros((len(lab), 1), np.int32)
    _, labels, centers = cv2.kmeans(lab, k, best_labels, criteria, 3, cv2.KMEANS_PP_CENTERS)
    labels = labels.ravel()
    counts = np.bincount(labels, minlength=k)
    best = int(np.argmax(counts))
    # per frame, which colours are on its border
    ends = np.cumsum([len(r) for r in rings])
    on_ring = np.stack(
        [
            np.bincount(labels[a:b], minlength=k) >= cfg.table_ring_presence * (b - a)
            for a, b in zip(np.concatenate([[0], ends[:-1]]), ends, strict=True)
        ]
    )
    with_best = on_ring[:, best]

    def comes_with_best(c: int) -> bool:
        # texture of the surface is on the border wherever the surface is; the parcel's or the
        # item's colours reach the border only while the camera is close to them (tuning seed 19:
        # a teal printed box on a pale tiled floor, on the border in 48 % of the frames that
        # show the floor; seed 13: a grey bag and garment on a red desk, 54 %)
        return bool(with_best.any()) and float((on_ring[:, c] & with_best).sum()) >= (
            cfg.table_cooccur_min * float(with_best.sum())
        )

    # further border colours near the dominant one, common on the border and there whenever the
    # dominant one is, are texture of the same surface (wood grain, a mottled cloth)
    chosen = [best] + [
        int(c)
        for c in np.argsort(-counts)
        if c != best
        and counts[c] >= cfg.table_min_share * len(lab)
        and float(np.linalg.norm(centers[c] - centers[best])) <= cfg.table_max_spread
        and comes_with_best(int(c))
    ]
    radii = []
    for c in chosen:
        members = lab[labels == c]
        spread = float(np.sqrt(((members - centers[c]) ** 2).sum(axis=1)).mean())
        radii.append(max(14.0, 2.6 * spread))
    return TableModel(
        centers[chosen].astype(np.float32),
        np.asarray(radii, np.float32),
        float(counts[chosen].sum()) / len(lab),
    )


_KERNEL = np.ones((3, 3), np.uint8)


def describe(tiny: np.ndarray, table: TableModel, cfg: AnalysisConfig = _DEFAULTS) -> SceneFeatures:
    """Segment the object standing out from ``table`` in ``tiny`` and describe it."""
    h, w = tiny.shape[:2]
    lab = cv2.cvtColor(tiny, cv2.COLOR_BGR2LAB).astype(np.float32)
    far = np.ones((h, w), bool)
    for centre, radius in zip(table.labs, table.radii, strict=True):
        far &= ((lab - centre) ** 2).sum(axis=2) > radius * radius
    mask = cv2.morphologyEx(far.astype(np.uint8), cv2.MORPH_OPEN, _KERNEL)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _KERNEL, iterations=2)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        empty = np.zeros(_DESC_LEN, np.float32)
        return SceneFeatures(0.0, False, (0, 0, 0, 0), 0.0, 0.0, 0.0, 0.0, empty)
    idx = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh, area = (int(v) for v in stats[idx])
    obj = labels == idx
    # fill holes: an opened box's interior is dark but belongs to the object
    filled = np.zeros((h + 2, w + 2), np.uint8)
    filled[1:-1, 1:-1] = obj.astype(np.uint8)
    cv2.floodFill(filled, None, (0, 0), 2)
    obj = filled[1:-1, 1:-1] != 2
    area = int(obj.sum())
    touches = x <= 0 or y <= 0 or x + bw >= w or y + bh >= h
    hsv = cv2.cvtColor(tiny, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    cardboard = (hue >= 5) & (hue <= 26) & (sat >= 55) & (val >= 70)
    neutral = sat < 45
    dark = val < 62
    label = neutral & ~dark  # white labels, grey print and tape: part of a sealed parcel's surface
    other = ~(cardboard | label | dark)  # saturated colours that are not cardboard: print or goods
    denom = float(max(1, area))
    c_share, l_share, o_share = (float((c & obj).sum()) / denom for c in (cardboard, label, other))
    d_share = float(_not_arms(tiny, dark & obj, cfg).sum()) / denom
    desc = _descriptor(tiny, obj, (x, y, bw, bh))
    return SceneFeatures(
        area / float(h * w), touches, (x, y, bw, bh), c_share, l_share, d_share, o_share, desc
    )


def _not_arms(tiny: np.ndarray, mask: np.ndarray, cfg: AnalysisConfig) -> np.ndarray:
    """``mask`` without its skin-coloured parts that reach the frame's edge: dark hands and arms
    reaching in (shaded skin is very dark) are not an opened parcel's interior."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask
    h, w = mask.shape
    x, y, bw, bh = (stats[:, i] for i in range(4))
    edge = (x <= 0) | (y <= 0) | (x + bw >= w) | (y + bh >= h)
    edge[0] = True  # background
    if not edge[1:].any():
        return mask
    ycc = cv2.cvtColor(tiny, cv2.COLOR_BGR2YCrCb)
    cr, cb = ycc[..., 1].astype(np.int16), ycc[..., 2].astype(np.int16)
    (cr_lo, cr_hi), (cb_lo, cb_hi) = cfg.skin_cr, cfg.skin_cb
    skin = (cr >= cr_lo) & (cr <= cr_hi) & (cb >= cb_lo) & (cb <= cb_hi)
    skin_share = np.bincount(labels.ravel(), weights=skin.ravel(), minlength=n) / np.maximum(1, stats[:, 4])
    arms = edge & (skin_share >= cfg.arm_skin_share)
    arms[0] = True
    kept: np.ndarray = ~arms[labels]
    return kept


_GRID = (8, 6)
_DESC_LEN = _GRID[0] * _GRID[1] * 3 + 1


def _descriptor(tiny: np.ndarray, obj: np.ndarray, bbox: tuple[int, int, int, int]) -> np.ndarray:
    """Coarse colour layout of the object (Lab on an 8x6 grid, brightness-normalised) + log aspect."""
    x, y, bw, bh = bbox
    if bw < 4 or bh < 4:
        return np.zeros(_DESC_LEN, np.float32)
    crop = tiny[y : y + bh, x : x + bw]
    lab = cv2.cvtColor(cv2.resize(crop, _GRID, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2LAB).astype(
        np.float32
    )
    lab[..., 0] -= lab[..., 0].mean()
    lab /= 40.0
    return np.concatenate([lab.ravel(), [np.log(bw / bh) * 3.0]]).astype(np.float32)


def view_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between two object descriptors (0 = same view)."""
    layout = float(np.abs(a[:-1] - b[:-1]).mean())
    aspect = float(abs(a[-1] - b[-1])) / 3.0
    return layout + aspect


def distance_matrix(descriptors: np.ndarray, rows_per_block: int = 32) -> np.ndarray:
    """:func:`view_distance` between every pair of rows of ``descriptors`` (n, d), as (n, n).

    Computed a block of rows at a time, so the temporary stays small (32 x n x d floats: 18 MB for
    the 1,000 scene samples a long video keeps) instead of n x n x d."""
    d = np.asarray(descriptors, np.float32)
    out = np.empty((len(d), len(d)), np.float32)
    for i in range(0, len(d), rows_per_block):
        block = d[i : i + rows_per_block]
        layout = np.abs(block[:, None, :-1] - d[None, :, :-1]).mean(axis=2)
        out[i : i + rows_per_block] = layout + np.abs(block[:, None, -1] - d[None, :, -1]) / 3.0
    return out
