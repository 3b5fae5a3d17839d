"""Perceptual fingerprints of evidence: what lets a re-encoded, trimmed or cropped copy be recognised.

Each sampled frame of a video (at most :data:`PRINT_FPS` a second, taken from the grey frame the
analysis pass already reduced, so nothing is decoded twice) gets a 64-bit pHash (``imagehash``: the
sign pattern of the 8x8 lowest DCT frequencies of a 32x32 grey thumbnail) of the frame's central
70 %, which drops the borders a crop or a corner logo changes. A photo gets the same hash. The hash
of the mirrored thumbnail is kept beside each, so a mirrored copy is found too.

A fingerprint is plain data (:class:`~evidence.model.Fingerprint`: times and integers): it travels
from the analysis worker to the server, which stores it per tenant and matches it
(:mod:`evidence.reuse`, which needs only NumPy).
"""

from __future__ import annotations

import importlib
import math

import cv2
import imagehash
import numpy as np
from PIL import Image

from .model import Fingerprint

__all__ = [
    "HASH_BITS",
    "PRINT_FPS",
    "Fingerprint",
    "FrameHasher",
    "image_hashes",
    "photo_fingerprint",
]

# imagehash imports SciPy's DCT at the first hash (about 2 s): importing it here makes the analysis
# worker's warm-up pay it (server.analysis imports evidence.assess), not the first assessment.
importlib.import_module("scipy.fftpack")

HASH_BITS = 64
PRINT_FPS = 2.0  # hashes kept per second of video: enough to align clips, cheap to store
CENTRE = 0.7  # share of each side hashed: a 5 % crop or a corner logo changes little of it
THUMB = 32  # pHash's grey thumbnail side


def _hash_int(h: imagehash.ImageHash) -> int:
    return int.from_bytes(np.packbits(np.asarray(h.hash, dtype=bool).ravel()).tobytes(), "big")


def _centre(grey: np.ndarray) -> np.ndarray:
    h, w = grey.shape[:2]
    dy, dx = round(h * (1 - CENTRE) / 2), round(w * (1 - CENTRE) / 2)
    return grey[dy : h - dy, dx : w - dx]


def image_hashes(grey: np.ndarray) -> tuple[int, int]:
    """(pHash, pHash of the mirror image) of a grey picture of any size (uint8 or float)."""
    thumb = cv2.resize(_centre(grey), (THUMB, THUMB), interpolation=cv2.INTER_AREA)
    thumb = np.clip(thumb, 0, 255).astype(np.uint8)
    plain = imagehash.phash(Image.fromarray(thumb))
    mirrored = imagehash.phash(Image.fromarray(np.ascontiguousarray(thumb[:, ::-1])))
    return _hash_int(plain), _hash_int(mirrored)


def photo_fingerprint(grey: np.ndarray) -> Fingerprint:
    plain, mirrored = image_hashes(grey)
    return Fingerprint("photo", (0.0,), (plain,), (mirrored,))


class FrameHasher:
    """Hashes sampled frames as the analysis pass sees them: one per 1/:data:`PRINT_FPS` slot,
    whichever decode stream (keyframes, dense windows) delivers the frame first."""

    def __init__(self, fps: float = PRINT_FPS) -> None:
        self.fps = fps
        self._by_slot: dict[int, tuple[float, int, int, int]] = {}

    def wants(self, t: float) -> bool:
        return math.isfinite(t) and round(t * self.fps) not in self._by_slot

    def offer(self, t: float, grey: np.ndarray, stream: int = 0) -> None:
        """``grey``: the frame already reduced for the analysis (any size, uint8 or float)."""
        if not self.wants(t):
            return
        plain, mirrored = image_hashes(grey)
        self._by_slot[round(t * self.fps)] = (round(t, 3), plain, mirrored, stream)

    def drop_stream(self, stream: int) -> None:
        """Forget what a decode stream contributed (a window that did not decode cleanly)."""
        self._by_slot = {k: v for k, v in self._by_slot.items() if v[3] != stream}

    def result(self, duration: float) -> Fingerprint:
        rows = sorted(self._by_slot.values())
        return Fingerprint(
            "video",
            tuple(r[0] for r in rows),
            tuple(r[1] for r in rows),
            tuple(r[2] for r in rows),
            round(duration, 3),
        )
