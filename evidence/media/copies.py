"""Lightly edited copies of a video, as someone reusing footage for another dispute would make them.

Each copy is one ffmpeg command (the recipe is the argument list in :data:`COPIES`); the tests
(``tests/evidence/test_reuse.py``) and the benchmark (``bench/reuse.py``) check that every one is
recognised as the original, with its time range.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["COPIES", "make_copy"]

_X264 = ("-c:v", "libx264", "-preset", "ultrafast")

# name -> ffmpeg output arguments ("{half}"/"{quarter}": half and a quarter of the duration, in s)
COPIES: dict[str, tuple[str, ...]] = {
    "reencoded-hevc-250k": ("-c:v", "libx265", "-preset", "ultrafast", "-b:v", "250k"),
    "scaled-720p": ("-vf", "scale=1280:720", *_X264),
    "scaled-480p": ("-vf", "scale=854:480", *_X264),
    "scaled-240p": ("-vf", "scale=426:240", *_X264),
    "cropped-5pct": ("-vf", "crop=iw*0.95:ih*0.95", *_X264),
    "trimmed-middle-half": ("-ss", "{quarter}", "-t", "{half}", *_X264),
    "fps-15": ("-vf", "fps=15", *_X264),
    "mirrored": ("-vf", "hflip", *_X264),
    "logo-overlay": (
        "-vf",
        "drawbox=x=12:y=12:w=150:h=48:color=white@0.85:t=fill,drawbox=x=24:y=24:w=60:h=24:color=red:t=fill",
        *_X264,
    ),
    "refilmed-warp-noise": (
        "-vf",
        "perspective=x0=24:y0=12:x1=W-8:y1=0:x2=0:y2=H:x3=W-16:y3=H-14,eq=brightness=0.04:contrast=0.9,"
        "noise=alls=18:allf=t",
        *_X264,
    ),
}


def make_copy(src: Path, out: Path, name: str, duration_s: float, timeout: float = 300.0) -> Path:
    """Write the copy ``name`` of ``src`` (``duration_s`` long) to ``out``, without audio."""
    args = [a.format(half=f"{duration_s / 2:.2f}", quarter=f"{duration_s / 4:.2f}") for a in COPIES[name]]
    subprocess.run(
        ["ffmpeg", "-y", "-v", "error", "-i", str(src), "-an", *args, str(out)], check=True, timeout=timeout
    )
    return out
