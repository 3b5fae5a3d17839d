"""Real continuous takes re-encoded many ways: no continuity finding may appear on any (issue 10).

``python -m bench.real_takes`` takes the videos the corpus manifest marks ``continuous_take: true``
(``../shared/corpus`` beside the repo, or ``PROOFBOX_CORPUS``), encodes each again the ways a
merchant's phone, an editing app or a re-upload would (x264 at several keyframe intervals with
scene-cut keyframes, fast and hard presets, a low capped bitrate at 480p, a frame-rate change, x265),
assesses the original and every encode with :func:`evidence.assess.assess`, and prints the sampling
mode and any continuity finding (a cut, splice, pause, freeze or transition: each one is false, the
takes are one uninterrupted recording). Re-encoding is what an encoder's keyframes and noise
change, so a finding that appears only on some encodes rests on the encoder, not on the picture.
Encodes are cached in ``--out``. A figure, not a test: run it after any change to continuity.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from evidence import CaseFacts
from evidence.assess import assess
from evidence.media.tools import require_tool

from .continuity_recall import CONTINUITY

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("PROOFBOX_CORPUS", REPO.parent / "shared" / "corpus"))
_X264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-an"]
ENCODES: dict[str, list[str]] = {
    **{f"x264-g{g}": [*_X264, "-g", str(g)] for g in (20, 25, 30, 40, 60, 90)},
    "ultrafast-crf28": [*_X264, "-preset", "ultrafast", "-crf", "28"],
    "faster-crf32-g60": [*_X264, "-preset", "faster", "-crf", "32", "-g", "60"],
    "480p-1M-capped": ["-vf", "scale=-2:480", *_X264, "-b:v", "1M", "-maxrate", "1M", "-bufsize", "2M"],
    "30fps-no-scenecut": ["-r", "30", *_X264, "-g", "30", "-sc_threshold", "0"],
    "x265": ["-c:v", "libx265", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p", "-an"],
}


def continuous_takes(corpus: Path) -> list[Path]:
    """The manifest's videos marked as one uninterrupted recording."""
    entries: list[dict[str, Any]] = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))[
        "entries"
    ]
    return [
        corpus / e["path"]
        for e in entries
        if e["kind"] == "video" and e.get("expected", {}).get("continuous_take")
    ]


def encoded(src: Path, name: str, out: Path) -> Path:
    """``src`` encoded the ``name`` way (cached in ``out``)."""
    path = out / f"{src.stem}-{name}.mp4"
    if not path.exists():
        tmp = path.with_suffix(".part.mp4")
        argv = [
            require_tool("ffmpeg"),
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-i",
            str(src),
            *ENCODES[name],
            str(tmp),
        ]
        subprocess.run(argv, check=True, timeout=600)
        tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "real-takes")
    ap.add_argument("--encodes", default=",".join(ENCODES), help="comma-separated names, or 'none'")
    args = ap.parse_args(argv)
    if not (args.corpus / "manifest.json").is_file():
        print(f"corpus not found at {args.corpus} (set PROOFBOX_CORPUS or place shared/ beside the repo)")
        return 2
    names = [] if args.encodes == "none" else args.encodes.split(",")
    unknown = [n for n in names if n not in ENCODES]
    if unknown:
        print(f"unknown encode(s): {', '.join(unknown)}; choose from {', '.join(ENCODES)}")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    takes = continuous_takes(args.corpus)
    started = time.perf_counter()
    files = flagged = 0
    for take in takes:
        for name in ["original", *names]:
            path = take if name == "original" else encoded(take, name, args.out)
            a = assess(path, CaseFacts(return_tracking_number="0"))
            found = [
                f.code
                + ("" if (t := f.t_start if f.t_start is not None else f.t_end) is None else f" at {t:.2f} s")
                for result in a.elements
                for f in result.findings
                if f.code in CONTINUITY
            ]
            files += 1
            flagged += bool(found)
            mode = a.sampling.mode if a.sampling else "?"
            print(
                f"  {take.stem:14s} {name:18s} {mode:6s} {'; '.join(found) or 'no continuity finding'}",
                flush=True,
            )
    print(
        f"\n{len(takes)} continuous takes, {files} files (originals and encodes): "
        f"{flagged} with a continuity finding (should be 0), {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
