"""Is a frame good enough to see what it shows? Sharpness, exposure and steadiness, per sample.

Sharpness uses the no-reference *blur effect* of Crete et al. (2007), which compares a frame with
a re-blurred copy of itself: a sharp frame loses much of its edge contrast when blurred, a blurred
one loses little. Unlike the variance of the Laplacian it barely depends on how much texture the
scene has (a plain cardboard face and a printed label score alike when both are in focus).
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

__all__ = ["blur_effect", "edge_spread", "stretch_contrast", "subject_blur", "tile_blur"]


def _blur_diffs(img: np.ndarray, h_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """For each direction (along rows, then along columns): the neighbour differences of ``img``
    and of its box blur over ``h_size`` pixels, without the border the box filter smears."""
    for ksize, axis in (((h_size, 1), 1), ((1, h_size), 0)):
        blurred = cv2.blur(img, ksize)
        if axis == 1:
            inner = (slice(None), slice(h_size, -h_size))
            yield (
                cv2.absdiff(img[:, 1:], img[:, :-1])[inner],
                cv2.absdiff(blurred[:, 1:], blurred[:, :-1])[inner],
            )
        else:
            inner = (slice(h_size, -h_size), slice(None))
            yield cv2.absdiff(img[1:], img[:-1])[inner], cv2.absdiff(blurred[1:], blurred[:-1])[inner]


def blur_effect(grey: np.ndarray, h_size: int = 11) -> float:
    """Crete's blur metric in [0, 1]: about 0.2–0.45 for sharp footage, above ~0.6 when blurred.

    Computed in 16-bit fixed point (grey levels x 64): twice as fast as float32 and within 0.001
    of it (the box filter's rounding is at 1/64 of a grey level).
    """
    src = grey if grey.dtype == np.uint8 else np.clip(grey, 0, 255)
    img = (src * 64).astype(np.uint16) if src.dtype != np.uint8 else src.astype(np.uint16) << 6
    worst = 0.0
    for d_img, d_blur in _blur_diffs(img, h_size):
        total = float(cv2.sumElems(d_img)[0])
        if total <= 1e-6:
            return 1.0  # a flat frame shows nothing
        # the variation the blur removed is d_img - min(d_img, d_blur); what is left of it, relative
        kept = float(cv2.sumElems(cv2.min(d_img, d_blur))[0])
        worst = max(worst, kept / total)
    return worst


def tile_blur(
    grey: np.ndarray, grid: tuple[int, int] = (4, 4), h_size: int = 11
) -> tuple[np.ndarray, np.ndarray]:
    """Crete's blur metric per tile of a ``grid`` (columns, rows), and each tile's texture.

    Returns ``(blur, texture)``, float32 arrays of shape (rows, columns): ``blur`` in [0, 1] as
    :func:`blur_effect` but for the tile alone (the worse of the two directions), ``texture`` the
    tile's mean neighbour difference in grey levels (a flat tile says nothing about focus). The
    difference maps are computed once over the frame (16-bit fixed point, as :func:`blur_effect`)
    and averaged per tile, so this costs about as much as :func:`blur_effect`.
    """
    src = grey if grey.dtype == np.uint8 else np.clip(grey, 0, 255).astype(np.uint8)
    img = src.astype(np.uint16) << 6
    cols, rows = grid
    blur = np.zeros((rows, cols), np.float32)
    texture = np.zeros((rows, cols), np.float32)
    for d_img, d_blur in _blur_diffs(img, h_size):
        if d_img.size == 0:
            return np.ones((rows, cols), np.float32), texture
        total = cv2.resize(d_img, (cols, rows), interpolation=cv2.INTER_AREA).astype(np.float32)
        kept = cv2.resize(cv2.min(d_img, d_blur), (cols, rows), interpolation=cv2.INTER_AREA).astype(
            np.float32
        )
        ratio = np.where(total > 0, kept / np.maximum(total, 1.0), 1.0)
        blur = np.maximum(blur, ratio.astype(np.float32))
        texture += total / (2.0 * 64.0)
    return blur, texture


def subject_blur(
    grey: np.ndarray, min_texture: float = 1.0, relative: float = 0.35, share: float = 0.25
) -> float:
    """Blur of the sharpest textured part of the frame (0 sharp … 1 blurred).

    Whole-frame blur mixes the subject with the background: a finely textured cloth table or a
    defocused background makes a sharp parcel look blurred. The subject is what the camera
    focuses on, so the sharpest textured tiles stand for it, and a defocused video has no sharp
    tile. Textured tiles have a mean neighbour difference of at least ``min_texture`` grey levels
    and ``relative`` of the most textured tile's; the result is the mean blur of the sharpest
    ``share`` of them (at least two). A frame with no textured tile falls back to
    :func:`blur_effect` of the whole frame.
    """
    blur, texture = tile_blur(grey)
    level = max(min_texture, relative * float(texture.max()))
    values = np.sort(blur[texture >= level].ravel())
    if values.size == 0:
        return blur_effect(grey)
    n = min(values.size, max(2, int(np.ceil(share * values.size))))
    return float(values[:n].mean())


_SQRT_2PI = float(np.sqrt(2.0 * np.pi))


def edge_spread(
    grey: np.ndarray, reach: int = 8, min_step: float = 30.0, steepest: float = 0.1, stride: int = 3
) -> float:
    """How wide the frame's clearest step edges are, as the Gaussian blur σ in pixels that would
    give them their profile; nan when the frame has no clear step edge.

    A step of height A blurred by a Gaussian of σ rises with a steepest slope of A / (σ·√(2π)), so
    σ = A / (slope·√(2π)). Along rows and columns, A is the grey-level difference ``reach`` pixels
    either side of a point and the slope its central difference (every ``stride``-th row and
    column is scanned: edges are long, and this keeps the cost near 1 ms at 640x360). The points
    are local slope maxima among the ``steepest`` share of them that step by at least
    ``min_step`` grey levels, and the frame's value is their median. A focused edge measures about 0.8 px whatever the scene (the
    central difference of a one-pixel step), an out-of-focus picture its defocus: a physical size,
    not a score that depends on how much texture the scene has.
    """
    g = grey.astype(np.int16) if grey.dtype == np.uint8 else np.clip(grey, 0, 255).astype(np.int16)
    h, w = g.shape[:2]
    if h <= 2 * reach + 2 or w <= 2 * reach + 2:
        return float("nan")
    spreads = []
    for axis in (1, 0):
        a = g[::stride] if axis == 1 else g[:, ::stride].T
        # central difference at x (x = reach .. n - reach - 1), its neighbours, and the step across
        slope = np.abs(a[:, reach + 1 : -reach + 1 or None] - a[:, reach - 1 : -reach - 1]) / 2.0
        step = np.abs(a[:, 2 * reach :] - a[:, : -2 * reach]).astype(np.float32)
        peak = (slope[:, 1:-1] >= slope[:, :-2]) & (slope[:, 1:-1] >= slope[:, 2:])
        slope, step = slope[:, 1:-1], step[:, 1:-1]
        good = peak & (step >= min_step) & (slope >= 2.0)
        if int(good.sum()) < 10:
            continue
        s_vals, a_vals = slope[good], step[good]
        cut = np.quantile(s_vals, 1.0 - steepest)
        keep = s_vals >= cut
        spreads.append(a_vals[keep] / (s_vals[keep] * _SQRT_2PI))
    if not spreads:
        return float("nan")
    return float(np.median(np.concatenate(spreads)))


def stretch_contrast(grey: np.ndarray, low: float = 1.0, high: float = 99.0) -> np.ndarray:
    """``grey`` with its ``low``…``high`` percentile range stretched to 0…255 (``uint8``).

    What a person does with a dim picture on a screen (raise brightness and contrast): a waybill
    that reads after this is legible, not hidden. Flat pictures are returned unchanged.
    """
    lo, hi = np.percentile(grey, (low, high))
    if hi - lo < 8:
        return grey
    scaled = (grey.astype(np.float32) - float(lo)) * (255.0 / float(hi - lo))
    out: np.ndarray = np.clip(scaled, 0, 255).astype(np.uint8)
    return out
