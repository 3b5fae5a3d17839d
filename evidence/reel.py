"""A bounded reel of small JPEG thumbnails, so findings can show the frames behind them.

The reel keeps at most ``max_frames`` thumbnails spread evenly over the video: when it is full,
every other one is dropped and the spacing doubles. Memory is bounded whatever the video's length.
"""

from __future__ import annotations

import bisect

import cv2
import numpy as np

from .model import KeyFrame

__all__ = ["Reel"]


class Reel:
    def __init__(
        self, max_frames: int = 480, min_spacing: float = 0.25, width: int = 320, quality: int = 72
    ) -> None:
        self.max_frames = max_frames
        self.spacing = min_spacing
        self.width = width
        self.quality = quality
        self._times: list[float] = []
        self._jpegs: list[bytes] = []
        self._pinned: dict[float, bytes] = {}

    def __len__(self) -> int:
        return len(self._times) + len(self._pinned)

    def _encode(self, image: np.ndarray) -> bytes:
        h, w = image.shape[:2]
        scale = self.width / max(w, h)
        small = cv2.resize(
            image, (max(2, round(w * scale)), max(2, round(h * scale))), interpolation=cv2.INTER_AREA
        )
        ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return bytes(buf) if ok else b""

    def offer(self, t: float, image: np.ndarray) -> None:
        """Keep a thumbnail of ``image`` at ``t`` unless one is already near."""
        i = bisect.bisect_left(self._times, t)
        near = any(abs(self._times[j] - t) < self.spacing for j in (i - 1, i) if 0 <= j < len(self._times))
        if near:
            return
        self._times.insert(i, t)
        self._jpegs.insert(i, self._encode(image))
        if len(self._times) > self.max_frames:
            self._times = self._times[::2]
            self._jpegs = self._jpegs[::2]
            self.spacing *= 2

    def pin(self, t: float, image: np.ndarray) -> None:
        """Always keep this moment (e.g. a barcode read), independent of thinning (bounded by callers)."""
        if len(self._pinned) < 64:
            self._pinned[t] = self._encode(image)

    def nearest(self, t: float, label: str = "") -> KeyFrame | None:
        candidates = list(self._pinned.items())
        if self._times:
            i = bisect.bisect_left(self._times, t)
            for j in (i - 1, i):
                if 0 <= j < len(self._times):
                    candidates.append((self._times[j], self._jpegs[j]))
        if not candidates:
            return None
        best_t, jpeg = min(candidates, key=lambda c: abs(c[0] - t))
        return KeyFrame(best_t, jpeg, label)
