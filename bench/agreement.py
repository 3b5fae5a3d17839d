"""Agreement of the four elements with the known truth on domain-randomised unboxing videos.

``python -m bench.agreement --seeds 6 --variants clean,cut --out bench/out/agreement`` (or
``make bench-agreement AGREEMENT_SEEDS=6 AGREEMENT_VARIANTS=clean,cut``) renders, for the first N
seeds of ``TUNING_SEEDS`` and of ``HELD_OUT_SEEDS``, the clean video and each variant from
:func:`~evidence.media.synthetic.randomised_spec`, runs :func:`evidence.assess.assess` with a
matching :class:`CaseFacts`, and compares each element's verdict with :data:`TRUTH`. It prints, per
seed group, the agreement per element, the clean videos with any FAIL (the worst error: a valid
video judged invalid), the FAIL rate of each failure variant and every disagreement, and writes a
contact sheet per disagreement (frames at the findings' times and at each script phase) so a person
can look. Rendered videos are cached by (seed, spec, generator source hash) in ``--cache``.

Scene-reading work without decoding again: ``--capture DIR`` also stores, per video, what the one
decode measured (the :class:`~evidence.elements.Evidence` and the story's inputs, pickled);
``--replay DIR`` then re-reads the story and re-judges the four elements from those files with the
current code and :class:`~evidence.config.AnalysisConfig` in seconds (continuity, barcodes and
metadata stay as captured), printing where the opening was placed against the script's window.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from evidence import CaseFacts, Element, Verdict

P, F, U = Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE
ELEMENTS = (Element.CONSISTENCY, Element.COMPLETENESS, Element.VALIDITY, Element.TIMELINESS)
RECORDED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # the generator's default creation time


@dataclass(frozen=True)
class Variant:
    """One way a video is made, with the verdicts an honest reviewer gives each element.

    ``truth[element]`` is the set of acceptable verdicts, the expected one first. Where the
    evidence cannot confirm something (no waybill in view, a blurred label) INCONCLUSIVE is the
    honest answer; a FAIL is accepted there only where today's tests demand it."""

    overrides: dict[str, Any]
    truth: dict[Element, tuple[Verdict, ...]]
    case: Callable[[CaseFacts], CaseFacts] = lambda c: c
    failure: Element | None = None  # the element this variant must fail


def _truth(**cells: tuple[Verdict, ...]) -> dict[Element, tuple[Verdict, ...]]:
    out: dict[Element, tuple[Verdict, ...]] = dict.fromkeys(ELEMENTS, (P,))
    for name, verdicts in cells.items():
        out[Element(name.upper())] = verdicts
    return out


# Derived from tests/evidence/test_unboxing_variants.py (the failure each variant must cause), with
# everything else PASS; clean = PASS everywhere.
VARIANTS: dict[str, Variant] = {
    "clean": Variant({}, _truth()),
    "swapped": Variant({"claim": "swapped"}, _truth(), case=lambda c: replace(c, claimed_problem="swapped")),
    "cut": Variant({"cut": (5.0, 7.5)}, _truth(completeness=(F,)), failure=Element.COMPLETENESS),
    "splice": Variant({"splice_at": 8.0}, _truth(completeness=(F,)), failure=Element.COMPLETENESS),
    "pause": Variant({"pts_gap": (6.0, 3.0)}, _truth(completeness=(F,)), failure=Element.COMPLETENESS),
    "freeze": Variant({"freeze": (6.0, 2.5)}, _truth(completeness=(F,)), failure=Element.COMPLETENESS),
    "faces3": Variant(
        {"faces": ("top", "front", "back")}, _truth(completeness=(F, U)), failure=Element.COMPLETENESS
    ),
    "open_at_start": Variant(
        {"open_at_start": True}, _truth(completeness=(F,)), failure=Element.COMPLETENESS
    ),
    "wrong_label": Variant(
        {"label_number": "YT9876543210987"}, _truth(consistency=(F,)), failure=Element.CONSISTENCY
    ),
    # nothing to read is not proof of a wrong parcel: the honest answer is INCONCLUSIVE
    "no_label": Variant({"label": False}, _truth(consistency=(U, F))),
    "blurry": Variant(
        {"blur_sigma": 3.5},
        _truth(validity=(F,), consistency=(P, U), completeness=(P, U)),
        failure=Element.VALIDITY,
    ),
    "dark": Variant(
        {"brightness": 0.18},
        _truth(validity=(F,), consistency=(P, U), completeness=(P, U)),
        failure=Element.VALIDITY,
    ),
    "capcut": Variant(
        {
            "editor_comment": "Made with CapCut",
            "extra_metadata": (("com.apple.quicktime.software", "CapCut 12.1.0"),),
        },
        _truth(validity=(F,)),
        failure=Element.VALIDITY,
    ),
    "too_short": Variant(
        {
            "faces": ("top",),
            "label_hold_s": 1.0,
            "face_hold_s": 0.8,
            "opening_s": 1.2,
            "contents_s": 1.5,
            "closeup_s": 1.5,
        },
        _truth(completeness=(F,), validity=(P, U), consistency=(P, U)),
        failure=Element.COMPLETENESS,
    ),
    # recorded before the merchant signed for the parcel
    "early": Variant(
        {},
        _truth(timeliness=(F,)),
        case=lambda c: replace(c, return_signed_at=RECORDED + timedelta(hours=5)),
        failure=Element.TIMELINESS,
    ),
}


def case_for(tracking: str, variant: Variant) -> CaseFacts:
    base = CaseFacts(
        return_tracking_number=tracking,
        return_signed_at=RECORDED - timedelta(hours=1),
        evidence_deadline=datetime(2026, 11, 25, tzinfo=UTC),
        evidence_submitted_at=datetime(2026, 11, 21, tzinfo=UTC),
        claimed_problem="damaged",
    )
    return variant.case(base)


def agrees(variant: str, element: Element, verdict: Verdict) -> bool:
    return verdict in VARIANTS[variant].truth[element]


def generator_hash() -> str:
    """Hash of the generator's sources: a cached video is reused only while they are unchanged."""
    from evidence.media import looks, render, synthetic

    h = hashlib.sha256()
    for mod in (looks, render, synthetic):
        h.update(Path(str(mod.__file__)).read_bytes())
    return h.hexdigest()[:12]


def _grab(path: Path, t: float, width: int = 240) -> Any:
    import numpy as np

    out = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{max(0.0, t):.3f}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-vf",
            f"scale=w={width}:h=230:force_original_aspect_ratio=decrease",
            "-f",
            "image2pipe",
            "-vcodec",
            "png",
            "pipe:",
        ],
        capture_output=True,
        check=False,
    ).stdout
    if not out:
        return None
    import cv2

    return cv2.imdecode(np.frombuffer(out, np.uint8), cv2.IMREAD_COLOR)


def contact_sheet(video: Path, moments: list[tuple[float, str]], out: Path, title: str) -> None:
    """Frames at ``moments`` (time, caption) in a grid of 6 per row, captioned, with a title line."""
    import cv2
    import numpy as np

    tiles = []
    for t, caption in moments:
        img = _grab(video, t)
        if img is None:
            continue
        tile = np.zeros((250, 240, 3), np.uint8)
        h = min(img.shape[0], 230)
        tile[:h, : img.shape[1]] = img[:h, :240]
        cv2.putText(
            tile, f"{t:.1f}s {caption}"[:38], (2, 245), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 255, 255), 1
        )
        tiles.append(tile)
    if not tiles:
        return
    while len(tiles) % 6:
        tiles.append(np.zeros_like(tiles[0]))
    sheet = np.vstack([np.hstack(tiles[i : i + 6]) for i in range(0, len(tiles), 6)])
    head = np.zeros((40, sheet.shape[1], 3), np.uint8)
    for i, line in enumerate((title[:230], "")):
        cv2.putText(head, line, (4, 16 + 18 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
    cv2.imwrite(str(out), np.vstack([head, sheet]))


def _capturing(target: Path | None) -> Callable[[dict[str, Any]], None]:
    """With a target file: record the story's inputs and the Evidence of the next assessment in
    this process (wrapping the analyser's two calls); returns the function that writes them."""
    if target is None:
        return lambda info: None
    from evidence import analyzer

    seen: dict[str, Any] = {}
    read_story, judge_all = analyzer.read_story, analyzer.judge_all  # type: ignore[attr-defined]

    def story(*args: Any, **kwargs: Any) -> Any:
        seen["story_args"] = (args, kwargs)
        return read_story(*args, **kwargs)

    def judge(ev: Any) -> Any:
        seen["evidence"] = ev
        return judge_all(ev)

    analyzer.read_story, analyzer.judge_all = story, judge  # type: ignore[attr-defined]

    def write(info: dict[str, Any]) -> None:
        import pickle

        analyzer.read_story, analyzer.judge_all = read_story, judge_all  # type: ignore[attr-defined]
        if "evidence" in seen:
            part = target.with_suffix(f".{os.getpid()}.part")
            part.write_bytes(pickle.dumps({**seen, **info}, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(part, target)

    return write


def run_one(
    seed: int, variant: str, cache: Path, out: Path, gen: str, capture: Path | None = None
) -> dict[str, Any]:
    """Render (or reuse) one video, assess it, compare with the truth; a sheet per disagreement."""
    from evidence.assess import assess
    from evidence.media.synthetic import randomised_spec, write_unboxing_video

    v = VARIANTS[variant]
    spec = randomised_spec(seed, **v.overrides)
    # keyed by the spec itself: variants that differ only in the case (early) share one video
    key = hashlib.sha256(repr(spec).encode()).hexdigest()[:10]
    path = cache / f"{seed}-{key}-{gen}.mp4"
    meta = path.with_suffix(".json")
    render_s = 0.0
    if path.exists() and meta.exists():
        script_info = json.loads(meta.read_text())
    else:
        started = time.perf_counter()
        part = path.with_name(f"{path.stem}.{os.getpid()}.mp4")  # two workers may render the same spec
        script = write_unboxing_video(part, spec)
        os.replace(part, path)
        render_s = time.perf_counter() - started
        script_info = {
            "duration": script.duration_s,
            "phases": [(p.name, p.start, p.end, p.detail) for p in script.phases],
            "look": script.look,
            "problem_fill": script.problem_fill,
        }
        meta.write_text(json.dumps(script_info))
    started = time.perf_counter()
    write_capture = _capturing(capture / f"{seed}-{variant}.pkl" if capture is not None else None)
    a = assess(path, case_for(spec.tracking_number, v))
    assess_s = time.perf_counter() - started
    write_capture({"seed": seed, "variant": variant, "script": script_info, "video": str(path), "gen": gen})
    verdicts = {e.value: a.element(e).verdict.value for e in ELEMENTS}
    findings = [
        (f.element.value, f.severity.value, f.code, f.t_start, f.message)
        for r in a.elements
        for f in r.findings
    ]
    wrong = [e.value for e in ELEMENTS if not agrees(variant, e, a.element(e).verdict)]
    sheet = ""
    if wrong:
        moments = [(float(t), code) for _, sev, code, t, _ in findings if t is not None and sev != "INFO"]
        moments += [((s + e) / 2, f"{n} {d}") for n, s, e, d in script_info["phases"]]
        sheet_path = out / f"{seed}-{variant}.png"
        bad = ", ".join(f"{e}={verdicts[e]}" for e in wrong)
        contact_sheet(
            path, sorted(moments), sheet_path, f"seed {seed} {variant}: {bad} | {script_info['look']}"
        )
        sheet = str(sheet_path)
    return {
        "seed": seed,
        "variant": variant,
        "verdicts": verdicts,
        "wrong": wrong,
        "findings": [(e, s, c, t) for e, s, c, t, _ in findings if s != "INFO"],
        "render_s": round(render_s, 2),
        "assess_s": round(assess_s, 2),
        "duration": script_info["duration"],
        "look": script_info["look"],
        "sheet": sheet,
    }


def replay_one(path: Path) -> dict[str, Any]:
    """Re-read the story and re-judge the elements of one captured video with today's code."""
    import pickle

    from evidence.config import AnalysisConfig
    from evidence.elements import judge_all
    from evidence.views import read_story

    saved = pickle.loads(path.read_bytes())
    cfg = AnalysisConfig()
    args, kwargs = saved["story_args"]
    for sample in args[0]:  # captured before edge spread was measured: not measured
        if not hasattr(sample, "edge_spread"):
            sample.edge_spread = float("nan")
    args = (args[0], args[1], cfg, *args[3:])
    moved = kwargs.get("moved")
    if moved is not None and kwargs.get("quiet", True):  # holds from the packets, with today's code
        kwargs = {**kwargs, "quiet": moved.__self__.quiet_spans(cfg.face_min_view_s)}
    story = read_story(*args, **kwargs)
    ev = saved["evidence"]
    # frozen runs are filtered by length last: today's limit applies to the captured runs
    from evidence.continuity import held_frames

    freezes = held_frames([f for f in ev.freezes if f.length >= cfg.freeze_min_s], ev.samples, cfg)
    ev = replace(ev, cfg=cfg, story=story, freezes=freezes)
    elements = judge_all(ev)
    variant = saved["variant"]
    verdicts = {r.element.value: r.verdict.value for r in elements}
    by = {r.element: r.verdict for r in elements}
    phases = {n: (s, e) for n, s, e, _ in saved["script"]["phases"]}
    window = None
    if "opening" in phases:
        window = (phases["opening"][0] - 0.5, phases.get("contents", phases["opening"])[1])
    opened = story.opening_at
    return {
        "seed": saved["seed"],
        "variant": variant,
        "verdicts": verdicts,
        "wrong": [e.value for e in ELEMENTS if not agrees(variant, e, by[e])],
        "findings": [
            (r.element.value, f.severity.value, f.code, f.t_start)
            for r in elements
            for f in r.findings
            if f.severity.value != "INFO"
        ],
        "duration": saved["script"]["duration"],
        "look": saved["script"]["look"],
        "sheet": "",
        "opening": (opened, window, story.open_from_start, story.parcel, story.faces.count),
        "opening_right": (window is not None and opened is not None and window[0] <= opened <= window[1])
        if window is not None
        else opened is None or story.open_from_start,
    }


def replay(directory: Path, groups: dict[str, list[int]], seeds: int, names: list[str]) -> int:
    """Replay every capture of the chosen seeds and variants; print agreement per group."""
    started = time.perf_counter()
    for group, all_seeds in groups.items():
        chosen = set(all_seeds[:seeds])
        files = sorted(
            p
            for p in directory.glob("*.pkl")
            if int(p.stem.split("-")[0]) in chosen and p.stem.split("-", 1)[1] in names
        )
        results = [replay_one(p) for p in files]
        if not results:
            continue
        for r in results:
            at, window, from_start, parcel, faces = r["opening"]
            where = "from start" if from_start else (f"{at:5.1f}" if at is not None else "  -  ")
            win = f"{window[0]:5.1f}-{window[1]:5.1f}" if window else "   (none)  "
            mark = "" if r["opening_right"] else "  <- opening"
            print(
                f"  {group:<8} {r['seed']:>5} {r['variant']:<13} parcel={parcel or '-':<7} faces={faces} "
                f"open {where:>10} truth {win}{mark}  {'ok' if not r['wrong'] else 'WRONG ' + ','.join(r['wrong'])}"
            )
        report(group, results)
        right = sum(1 for r in results if r["opening_right"])
        print(f"  opening placed right: {right}/{len(results)}")
    print(f"\nreplayed in {time.perf_counter() - started:.1f} s")
    return 0


def report(group: str, results: list[dict[str, Any]]) -> None:
    print(f"\n--- {group}: {len({r['seed'] for r in results})} seeds, {len(results)} videos ---")
    for e in ELEMENTS:
        ok = sum(1 for r in results if e.value not in r["wrong"])
        print(f"  {e.value:<12} agreement {100 * ok / max(1, len(results)):5.1f} %  ({ok}/{len(results)})")
    clean = [r for r in results if r["variant"] in ("clean", "swapped")]
    failed = [r for r in clean if "FAIL" in r["verdicts"].values()]
    print(f"  clean videos with any FAIL: {len(failed)}/{len(clean)}")
    for name, v in VARIANTS.items():
        runs = [r for r in results if r["variant"] == name]
        if runs and v.failure is not None:
            hit = sum(1 for r in runs if r["verdicts"][v.failure.value] == "FAIL")
            print(f"  {name:<14} FAIL rate on {v.failure.value}: {hit}/{len(runs)}")
    wrong = [r for r in results if r["wrong"]]
    if wrong:
        print("  disagreements:")
    for r in wrong:
        got = ", ".join(f"{e}={r['verdicts'][e]}" for e in r["wrong"])
        codes = ", ".join(sorted({c for e, s, c, _ in r["findings"] if e in r["wrong"]}))
        print(f"    seed {r['seed']:>5} {r['variant']:<13} {got}  [{codes}]  {r['sheet']}")
        print(f"          {r['look']}")


def main(argv: list[str] | None = None) -> int:
    from evidence.media.synthetic import HELD_OUT_SEEDS, TUNING_SEEDS

    ap = argparse.ArgumentParser(prog="python -m bench.agreement", description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=6, help="seeds per group (tuning, held-out)")
    ap.add_argument("--skip", type=int, default=0, help="leave out the first N seeds of each group")
    ap.add_argument("--variants", default="all", help=f"comma-separated, or 'all': {','.join(VARIANTS)}")
    ap.add_argument(
        "--out", type=Path, default=Path("bench/out/agreement"), help="contact sheets and results"
    )
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache/proofbox-agreement")
    ap.add_argument("--jobs", type=int, default=2, help="processes (the machine has two cores)")
    ap.add_argument("--groups", default="tuning,held_out", help="tuning, held_out or both")
    ap.add_argument("--capture", type=Path, help="also store what each decode measured here (for --replay)")
    ap.add_argument(
        "--replay", type=Path, help="re-judge the captures in this directory (no rendering, no decoding)"
    )
    args = ap.parse_args(argv)
    names = (
        list(VARIANTS)
        if args.variants == "all"
        else [v.strip() for v in args.variants.split(",") if v.strip()]
    )
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        print(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}", file=sys.stderr)
        return 2
    groups = {"tuning": TUNING_SEEDS, "held_out": HELD_OUT_SEEDS}
    chosen = [g.strip() for g in args.groups.split(",") if g.strip()]
    if chosen == ["both"]:
        chosen = list(groups)
    if not chosen or any(g not in groups for g in chosen):
        print(f"unknown group(s) {args.groups!r}; choose tuning, held_out or both", file=sys.stderr)
        return 2
    if args.replay is not None:
        return replay(args.replay, {g: list(groups[g]) for g in chosen}, args.seeds, names)
    args.out.mkdir(parents=True, exist_ok=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.capture is not None:
        args.capture.mkdir(parents=True, exist_ok=True)
    gen = generator_hash()
    jobs = [(g, s, n) for g in chosen for s in list(groups[g])[args.skip : args.seeds] for n in names]
    print(
        f"generator {gen}: {len(jobs)} videos (seeds {args.skip}-{args.seeds - 1} of each group x {len(names)} variants x {len(chosen)} groups)"
    )
    results: dict[str, list[dict[str, Any]]] = {g: [] for g in chosen}
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [
            (g, pool.submit(run_one, s, n, args.cache, args.out, gen, args.capture)) for g, s, n in jobs
        ]
        for g, fut in futures:
            r = fut.result()
            results[g].append(r)
            mark = "ok" if not r["wrong"] else "DISAGREE " + ",".join(r["wrong"])
            print(
                f"  {g:<8} seed {r['seed']:>5} {r['variant']:<13} {r['duration']:5.1f} s video: "
                f"render {r['render_s']:5.2f} s, assess {r['assess_s']:5.2f} s  {mark}",
                flush=True,
            )
    for g in chosen:
        report(g, results[g])
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    print(
        f"\n{len(jobs)} videos in {time.perf_counter() - started:.0f} s; results in {args.out / 'results.json'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
