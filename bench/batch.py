"""Batch re-scoring benchmark.

* prediction-only re-scoring of 100,000 archived records, file to file, with the default process
  pool (one worker per core): records per second (target ≥ 3,000/s on this 2-core machine);
* media re-assessment throughput (every record carries a generated 640x360 unboxing video,
  assessed afresh) with 1 and 2 workers: the scaling ratio (target ≥ 1.7x). Measured two ways:
  one worker on one core (the process pinned with ``sched_setaffinity``) against two workers on
  two cores (pinned likewise), which is the pool's scaling per core; and one worker on two
  cores, whose ffmpeg decoder threads use part of the second one (its CPU use is printed);
* peak memory of the run (parent process and largest worker) for 20,000 and 100,000 records:
  flat in the archive's size.

Each measurement runs ``rescore`` in a fresh Python process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from evidence.media.synthetic import UnboxingSpec, write_unboxing_video

OUT = Path(__file__).resolve().parent / "out" / "batch"
REPO = Path(__file__).resolve().parents[1]

RUN = """
import json, os, resource, sys, time
from pathlib import Path
from batch import RunOptions, ScoringOptions, rescore
from bench._rss import RssSampler
archive, out, workers, force = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
cores = int(sys.argv[5])
if cores and hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:cores]))
with RssSampler() as rss:
    t = time.perf_counter()
    stats = rescore(archive, out, ScoringOptions(archive_dir=archive.parent, force=force), RunOptions(workers=workers))
    wall = time.perf_counter() - t
cpu = sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
          for f in ("ru_utime", "ru_stime"))
print(json.dumps({"wall": wall, "cpu": cpu, "scored": stats.scored, "errors": stats.errors,
                  "rss_mb": rss.self_mb, "worker_rss_mb": rss.child_mb}))
"""


def _archive(n: int) -> Path:
    path = OUT / f"archive-{n}.jsonl"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"  generating an archive of {n} records (once) ...", flush=True)
    from disputes.synthetic import generate_cases

    with path.open("w", encoding="utf-8") as fh:
        for i, case in enumerate(generate_cases(n, seed=11)):
            fh.write(
                json.dumps({"record_id": f"B{i:07d}", "case": case.to_dict()}, ensure_ascii=False) + "\n"
            )
    return path


def _media_archive(n: int) -> Path:
    path = OUT / f"media-{n}.jsonl"
    videos = OUT / "media"
    if path.exists():
        return path
    videos.mkdir(parents=True, exist_ok=True)
    print(f"  generating {n} unboxing videos (once) ...", flush=True)
    from disputes.synthetic import generate_cases

    cases = generate_cases(n, seed=12)
    with path.open("w", encoding="utf-8") as fh:
        for i, case in enumerate(cases):
            video = videos / f"v{i}.mp4"
            if not video.exists():
                write_unboxing_video(video, UnboxingSpec(seed=100 + i))
            rec = {
                "record_id": f"M{i:04d}",
                "case": case.to_dict(),
                "evidence": [{"kind": "video", "path": f"media/v{i}.mp4"}],
            }
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def _run(archive: Path, workers: int, force: bool = False, cores: int = 0) -> dict[str, float]:
    """Run ``rescore`` in a fresh process; ``cores`` > 0 pins it (and its children) to that many."""
    out = archive.with_suffix(f".w{workers}.results")
    out.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, "-c", RUN, str(archive), str(out), str(workers), "1" if force else "0", str(cores)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    out.unlink(missing_ok=True)
    return result


def main() -> None:
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores")
    big = _archive(100_000)
    small = _archive(20_000)
    r = _run(big, 0)
    rate = r["scored"] / r["wall"]
    print(
        f"\nprediction-only re-scoring, 100,000 records, {cores} workers: {r['wall']:.1f} s, {rate:,.0f} records/s "
        f"(target >= 3,000/s; ratio {rate / 3000:.2f})"
    )
    print(f"  peak RSS: parent {r['rss_mb']:.0f} MB, largest worker {r['worker_rss_mb']:.0f} MB")
    s = _run(small, 0)
    print(
        f"  20,000 records: parent {s['rss_mb']:.0f} MB, largest worker {s['worker_rss_mb']:.0f} MB "
        f"-> 100k/20k parent RSS ratio {r['rss_mb'] / s['rss_mb']:.2f} (flat = about 1.0)"
    )
    media = _media_archive(8)
    pinned = _run(media, 1, force=True, cores=1)
    one = _run(media, 1, force=True, cores=2)
    two = _run(media, 2, force=True, cores=2)
    r0, r1, r2 = (x["scored"] / x["wall"] for x in (pinned, one, two))
    print("\nmedia re-assessment (8 records, each a 21 s 640x360 video, assessed afresh):")
    print(f"  1 worker, 1 core   {pinned['wall']:6.1f} s  {r0:.2f} records/s")
    print(
        f"  1 worker, 2 cores  {one['wall']:6.1f} s  {r1:.2f} records/s   "
        f"(uses {one['cpu'] / one['wall']:.2f} cores: ffmpeg's decoder threads)"
    )
    print(
        f"  2 workers, 2 cores {two['wall']:6.1f} s  {r2:.2f} records/s   "
        f"scaling per core {r2 / r0:.2f}x (target >= 1.7x), over one unpinned worker {r2 / r1:.2f}x"
    )
    if "--clean" in sys.argv:
        shutil.rmtree(OUT, ignore_errors=True)


if __name__ == "__main__":
    main()
