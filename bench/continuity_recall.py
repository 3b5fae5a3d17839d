"""Continuity recall on domain-randomised unboxing videos (issue 10).

``python -m bench.continuity_recall --group held-out --seeds 8`` renders, for the first N seeds of
``HELD_OUT_SEEDS`` (or ``TUNING_SEEDS``), a clean video and one video per edit (a removed segment,
a splice of a second take, a timestamp gap, a frozen run), each edit placed at a time drawn from the
seed, runs :func:`evidence.assess.assess`, and counts an edit found when a continuity finding with
the right code lies within ``--tolerance`` seconds (1 s) of it. It prints recall per edit (right
code, and any continuity code), the continuity findings on the clean videos, and every miss.
A cut or splice whose two sides differ no more than neighbouring frames do (an envelope seen
edge-on on both sides of the removed seconds) is counted, and also reported apart as "invisible":
no pixel comparison can see it (see :func:`visibility`).
Thresholds are only ever tuned on ``TUNING_SEEDS``; report ``HELD_OUT_SEEDS``. Videos are cached
in ``--cache`` by seed, edit and generator source hash. ``--explain`` decodes the 4 s around each
missed cut or splice again at the native track's size and prints every candidate jump near it with
its figures and the rule that turned it down (:func:`evidence.continuity.judge_jumps`), or the
largest frame change there when no jump was even a candidate.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from evidence import AnalysisConfig, CaseFacts, Element
from evidence.assess import assess, fit_size
from evidence.continuity import NativeTrack, judge_jumps
from evidence.media.probe import probe_video, read_packets
from evidence.media.synthetic import (
    HELD_OUT_SEEDS,
    TUNING_SEEDS,
    randomised_spec,
    render_frames,
    write_unboxing_video,
)
from evidence.media.tools import require_tool
from evidence.sampling import PacketEvidence

from .agreement import generator_hash

CONTINUITY = (
    "COMPLETENESS_CUT",
    "COMPLETENESS_SPLICE",
    "COMPLETENESS_PAUSE",
    "COMPLETENESS_FROZEN",
    "COMPLETENESS_TRANSITION",
)
EXPECTED = {
    "cut": "COMPLETENESS_CUT",
    "splice": "COMPLETENESS_SPLICE",
    "pause": "COMPLETENESS_PAUSE",
    "freeze": "COMPLETENESS_FROZEN",
}
EDITS = ("clean", "cut", "splice", "pause", "freeze")
INVISIBLE = 2.0  # a cut whose jump is under this many times the neighbouring frame changes


def edit_overrides(seed: int, edit: str, duration: float) -> dict[str, Any]:
    """Where and how long the edit is, drawn from the seed (inside the middle of the script)."""
    rng = np.random.default_rng([seed, 0xED17])
    at = round(float(rng.uniform(0.3, 0.7)) * duration, 2)
    length = round(float(rng.uniform(1.5, 3.0)), 2)
    if edit == "cut":
        return {"cut": (at, at + length)}
    if edit == "splice":
        return {"splice_at": at}
    if edit == "pause":
        return {"pts_gap": (at, length)}
    if edit == "freeze":
        return {"freeze": (at, round(float(rng.uniform(1.2, 2.5)), 2))}
    return {}


def truths(script: Any, edit: str) -> list[tuple[float, float]]:
    """(start, end) of each edit in output seconds (a cut or splice: one instant)."""
    if edit == "cut":
        return [(t, t) for t in script.cuts if t not in script.splices]
    if edit == "splice":
        return [(t, t) for t in script.splices]
    if edit == "pause":
        return [(a, a + g) for a, g in script.pauses]
    if edit == "freeze":
        return [(a, a + g) for a, g in script.freezes]
    return []


def small_frames(
    path: Path, start: float, seconds: float, size: tuple[int, int], flags: str = ""
) -> np.ndarray:
    """Every frame of ``seconds`` from ``start``, scaled to ``size`` (w, h; ``flags``: ffmpeg's
    scaling algorithm, its default when empty), as BGR (n, h, w, 3)."""
    w, h = size
    scale = f"scale={w}:{h}" + (f":flags={flags}" if flags else "")
    argv = [
        require_tool("ffmpeg"),
        "-v",
        "error",
        "-ss",
        f"{start:.4f}",
        "-i",
        str(path),
        "-t",
        f"{seconds:g}",
    ]
    argv += ["-vf", scale, "-f", "rawvideo", "-pix_fmt", "bgr24", "-fps_mode", "passthrough", "pipe:"]
    raw = subprocess.run(argv, capture_output=True, check=True, timeout=60).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def visibility(path: Path, t: float, fps: float) -> float:
    """How far the picture jumps at ``t`` (first frame after the edit): the HSV mean |difference|
    of the frame pair across it over the median of the other frame pairs in the 0.6 s either side,
    at 160 px (what a person stepping frame by frame would see). Below 2: the edit joins two
    pictures no more different than neighbouring frames."""
    start = max(0.0, t - 0.6)
    hsv = [cv2.cvtColor(f, cv2.COLOR_BGR2HSV) for f in small_frames(path, start, 1.2, (160, 90))]
    diffs = [float(cv2.absdiff(a, b).mean()) for a, b in itertools.pairwise(hsv)]
    if len(diffs) < 3:
        return float("nan")
    at = min(len(diffs) - 1, max(0, round((t - start) * fps) - 1))  # pair (at, at + 1) straddles t
    jump = max(diffs[max(0, at - 1) : at + 2])
    k = diffs.index(jump)
    others = [d for i, d in enumerate(diffs) if abs(i - k) > 1]
    return jump / max(float(np.median(others)) if others else 0.0, 1.0)


def explain(path: Path, t: float, fps: float, cfg: AnalysisConfig | None = None) -> list[str]:
    """Lines on what the native track made of the frames around ``t`` (a missed edit): each
    candidate jump within 0.3 s with its figures and verdict, or the largest change when none."""
    cfg = cfg or AnalysisConfig()
    facts = probe_video(path, cfg.limits)
    w, h = fit_size(facts.width, facts.height, cfg.native_max_side)
    first = max(0, round((t - 2.0) * fps))
    frames = small_frames(
        path, first / fps, 4.0, (w, h), "area"
    )  # as evidence.media.decode scales the native copy
    track = NativeTrack(cfg)
    for i, frame in enumerate(frames):
        track.feed((first + i) / fps, frame)
    packets = read_packets(path, facts.stream.index, cfg.limits)
    pe = PacketEvidence(packets.pts, packets.size, packets.key, cfg)
    judged = judge_jumps([track], cfg, pe.edit_mark, pe.grid_keyframes())
    lines = []
    for j, verdict in judged:
        if abs(j.t - t) > 0.3:
            continue
        what = verdict if isinstance(verdict, str) else f"found: {verdict.kind}"
        lines.append(
            f"jump at {j.t:.2f} s: change {j.content:.2f} against {j.neighbours:.2f} around, "
            f"{j.abrupt:.1f}x (motion followed), persist {j.persist:.2f}, brightness {j.value:.1f}, "
            f"larger step near {j.step_around:.2f}: {what}"
        )
    if not lines:
        near = [
            (c, ti)
            for ti, c in zip(track.times, track.content, strict=True)
            if abs(ti - t) <= 0.1 and not np.isnan(c)
        ]
        c, ti = max(near, default=(float("nan"), t))
        lines.append(
            f"no candidate jump: the largest change within 0.1 s is {c:.2f} at {ti:.2f} s "
            f"(cut_native_min {cfg.cut_native_min:g}, then {cfg.cut_native_ratio_min:g}x the frames around it)"
        )
    return lines


def run_one(seed: int, edit: str, cache: Path, gen: str) -> dict[str, Any]:
    base = randomised_spec(seed)
    _, plain = render_frames(base)
    spec = replace(base, **edit_overrides(seed, edit, plain.duration_s))
    path = cache / f"{seed}-{edit}-{gen}.mp4"
    meta = path.with_suffix(".json")
    stored = json.loads(meta.read_text()) if path.exists() and meta.exists() else {}
    if "truth" in stored:
        truth = [tuple(x) for x in stored["truth"]]
    else:
        script = write_unboxing_video(path, spec)
        truth = truths(script, edit)
    if "visible" not in stored:
        stored = {
            "truth": truth,
            "visible": [visibility(path, a, spec.fps) if a == b else None for a, b in truth],
        }
        meta.write_text(json.dumps(stored))
    a = assess(path, CaseFacts(return_tracking_number=spec.tracking_number))
    found = [
        (f.code, f.t_start, f.t_end)
        for f in a.element(Element.COMPLETENESS).findings
        if f.code in CONTINUITY and f.t_end is not None
    ]
    return {
        "seed": seed,
        "edit": edit,
        "truth": truth,
        "visible": stored["visible"],
        "found": found,
        "mode": a.sampling.mode if a.sampling else "",
    }


def matched(
    truth: tuple[float, float], found: list[tuple[str, float | None, float]], tol: float
) -> list[str]:
    """Codes of the findings within ``tol`` of the edit (a span: its start and end)."""
    a, b = truth
    out = []
    for code, start, end in found:
        s = end if start is None else start
        if a == b:  # an instant: the finding's first frame after the edit
            if abs(end - a) <= tol:
                out.append(code)
        elif abs(s - a) <= tol and abs(end - b) <= tol + 0.5:
            out.append(code)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--group", choices=("held-out", "tuning"), default="held-out")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--start", type=int, default=0, help="skip this many seeds of the group first")
    ap.add_argument("--edits", default=",".join(EDITS))
    ap.add_argument("--tolerance", type=float, default=1.0)
    ap.add_argument("--cache", type=Path, default=Path("bench/out/continuity-cache"))
    ap.add_argument("--explain", action="store_true", help="for each missed cut or splice, why it was missed")
    args = ap.parse_args(argv)
    group = HELD_OUT_SEEDS if args.group == "held-out" else TUNING_SEEDS
    seeds = list(group[args.start : args.start + args.seeds])
    edits = args.edits.split(",")
    args.cache.mkdir(parents=True, exist_ok=True)
    gen = generator_hash()
    results = []
    for edit in edits:
        for seed in seeds:
            r = run_one(seed, edit, args.cache, gen)
            results.append(r)
            vis = "".join(f" jump {v:.1f}x" for v in r["visible"] if v is not None)
            print(
                f"{edit:7s} seed {seed}: truth {r['truth']}{vis} found {r['found']} ({r['mode']})", flush=True
            )
            if args.explain and edit in ("cut", "splice"):
                for t, _ in r["truth"]:
                    if EXPECTED[edit] not in matched((t, t), r["found"], args.tolerance):
                        spec = randomised_spec(seed)
                        path = args.cache / f"{seed}-{edit}-{gen}.mp4"
                        for line in explain(path, t, spec.fps):
                            print(f"          {line}", flush=True)
    print(f"\ncontinuity on {args.group} seeds {seeds[0]}..{seeds[-1]}, tolerance {args.tolerance:g} s")
    for edit in edits:
        rs = [r for r in results if r["edit"] == edit]
        if edit == "clean":
            bad = [r for r in rs if r["found"]]
            print(f"  clean   {len(rs) - len(bad)}/{len(rs)} without any continuity finding")
            continue
        n = right = anyc = 0
        extra = 0
        hidden = hidden_right = 0
        for r in rs:
            for t, vis in zip(r["truth"], r["visible"], strict=True):
                n += 1
                codes = matched(tuple(t), r["found"], args.tolerance)
                right += EXPECTED[edit] in codes
                anyc += bool(codes)
                if vis is not None and vis < INVISIBLE:
                    hidden += 1
                    hidden_right += EXPECTED[edit] in codes
            extra += max(0, len(r["found"]) - len(r["truth"]))
        seen = n - hidden
        print(
            f"  {edit:7s} right code {right}/{n} ({100 * right / max(n, 1):.0f} %), any continuity code "
            f"{anyc}/{n}, extra findings {extra}; visible edits {right - hidden_right}/{seen} "
            f"({100 * (right - hidden_right) / max(seen, 1):.0f} %), invisible {hidden_right}/{hidden}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
