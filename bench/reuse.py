"""Reused-evidence benchmark (issue 15): robustness, false matches, fingerprint cost, lookup latency.

* **Robustness**: the clean generated unboxing video (~20 s, 640x360) and each lightly edited copy
  of ``evidence.media.copies`` are analysed (``evidence.assess``, which fingerprints in its pass);
  each copy is matched against the original: matched or not, time ranges, similarity.
* **False matches**: randomised unboxings of different parcels (``randomised_spec``, seeds
  300..320: 210 pairs), fingerprinted from in-memory frames at 2 fps (320x180), matched pairwise.
* **Fingerprint cost**: the 60 s 1080p phone-like video of ``bench.evidence`` (cached in
  ``bench/out``) analysed once, with the time spent hashing frames measured inside the pass
  (``FrameHasher.offer`` wrapped): its share of the whole analysis (target < 5 %).
* **Lookup latency**: an SQLite store holding N synthetic index rows (files of 40 frame hashes
  that drift a few bits a frame, as a video's do) at N = 10,000 and 1,000,000; a lookup is
  ``server.reuse.check_reuse`` without storing (band query, Hamming verification, alignment of the
  candidates) for a re-encoded clip of a stored file and for an unrelated file; median and p95.

``BENCH_REUSE=robustness,false,cost,lookup`` picks parts; ``BENCH_REUSE_ROWS=10000,1000000`` sizes.
"""

from __future__ import annotations

import itertools
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from evidence import fingerprint as fingerprint_module
from evidence.assess import assess
from evidence.fingerprint import FrameHasher
from evidence.media.copies import COPIES, make_copy
from evidence.media.synthetic import UnboxingSpec, randomised_spec, render_frames, write_unboxing_video
from evidence.model import Assessment, CaseFacts, Element, ElementResult, Fingerprint, Verdict
from evidence.reuse import match, pack

OUT = Path(__file__).resolve().parent / "out"
CASE = CaseFacts(return_tracking_number="SF1234567890123", claimed_problem="damaged")
PER_FILE = 40


def _robustness() -> None:
    OUT.mkdir(exist_ok=True)
    clean = OUT / "reuse-clean.mp4"
    if not clean.exists():
        write_unboxing_video(clean, UnboxingSpec())
    original = assess(clean, CASE).fingerprint
    assert original is not None
    duration = original.duration
    print(f"  original: {clean.name}, {duration:.1f} s, {len(original.hashes)} frame hashes")
    print("  | copy | matched | copy's range | original's range | similarity | mirrored |")
    print("  |---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in COPIES:
            copy = make_copy(clean, Path(tmp) / f"{name}.mp4", name, duration)
            fp = assess(copy, CASE).fingerprint
            found = match(fp, original) if fp is not None else None
            if found is None:
                print(f"  | {name} | no | | | | |")
                continue
            print(
                f"  | {name} | yes | {found.start:.1f}–{found.end:.1f} s | "
                f"{found.other_start:.1f}–{found.other_end:.1f} s | {found.similarity:.3f} | "
                f"{'yes' if found.mirrored else 'no'} |",
                flush=True,
            )


def _print_of(spec: UnboxingSpec) -> Fingerprint:
    frames, script = render_frames(spec)
    hasher = FrameHasher()
    for i, frame in enumerate(frames):
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        size = (160, 90) if grey.shape[1] >= grey.shape[0] else (90, 160)
        hasher.offer(i / spec.fps, cv2.resize(grey, size, interpolation=cv2.INTER_AREA))
    return hasher.result(script.duration_s)


def _false_matches(seeds: range = range(300, 321)) -> None:
    started = time.perf_counter()
    prints = [_print_of(randomised_spec(s, fps=2.0, width=320, height=180)) for s in seeds]
    rendered = time.perf_counter() - started
    pairs = list(itertools.combinations(range(len(prints)), 2))
    started = time.perf_counter()
    hits = [(seeds[a], seeds[b]) for a, b in pairs if match(prints[a], prints[b]) is not None]
    per_pair = (time.perf_counter() - started) / len(pairs) * 1000
    print(
        f"  {len(prints)} different unboxings, {len(pairs)} pairs: {len(hits)} false matches "
        f"({len(hits) / len(pairs):.1%}) {hits if hits else ''}; rendering {rendered:.0f} s, "
        f"matching {per_pair:.2f} ms a pair"
    )


def _cost() -> None:
    from bench.evidence import CASES, _video

    video = _video(CASES[0])
    spent = [0.0, 0.0]
    plain = FrameHasher.offer

    def timed(self: FrameHasher, t: float, grey: np.ndarray, stream: int = 0) -> None:
        started = time.perf_counter()
        plain(self, t, grey, stream)
        spent[0] += time.perf_counter() - started
        spent[1] += 1

    FrameHasher.offer = timed  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        result = assess(video, CASE)
        wall = time.perf_counter() - started
    finally:
        FrameHasher.offer = plain  # type: ignore[method-assign]
    frames = len(result.fingerprint.hashes) if result.fingerprint else 0
    print(
        f"  {video.name}: analysis {wall:.1f} s ({result.sampling.mode if result.sampling else '?'}), "
        f"fingerprinting {spent[0] * 1000:.0f} ms over {int(spent[1])} offered frames, {frames} hashes kept: "
        f"{spent[0] / wall:.2%} of the analysis (target < 5 %)"
    )


def _drifting(rng: np.random.Generator, n: int, flips: int = 6) -> list[int]:
    value = int(rng.integers(0, 2**63)) * 2 + int(rng.integers(0, 2))
    out = []
    for _ in range(n):
        for bit in rng.choice(64, flips, replace=False):
            value ^= 1 << int(bit)
        out.append(value)
    return out


def _file_print(hashes: list[int], rng: np.random.Generator) -> Fingerprint:
    times = tuple(i / 2 for i in range(len(hashes)))
    mirrored = tuple(int(rng.integers(0, 2**63)) for _ in hashes)
    return Fingerprint("video", times, tuple(hashes), mirrored, len(hashes) / 2)


def _lookup(rows: int) -> None:
    from server.reuse import Offered, check_reuse, index_rows
    from server.store import EvidenceRecord, open_store
    from server.store.base import _EVIDENCE_COLUMNS, _signed, bands, micros

    rng = np.random.default_rng(rows)
    files = max(1, rows // PER_FILE)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        started = time.perf_counter()
        kept: dict[int, list[int]] = {}
        stamp = micros(at)
        rows = 0
        for first in range(0, files, 1000):  # bulk transactions (what put_evidence/put_print do file by file)
            evidence, links, prints, index = [], [], [], []
            for i in range(first, min(files, first + 1000)):
                hashes = _drifting(rng, PER_FILE)
                fp = _file_print(hashes, rng)
                sha = f"{i:064x}"
                evidence.append(("t1", sha, "video", "v.mp4", 1, "mp4", b"", stamp))
                links.append(("t1", f"case-{i}", sha, stamp))
                prints.append(("t1", sha, "video", pack(fp), stamp))
                index += [("t1", sha, t, _signed(h), *bands(h)) for t, h in index_rows(fp)]
                if i % max(1, files // 10) == 0:
                    kept[i] = hashes
            with store._transaction(write=True) as cur:  # type: ignore[attr-defined]
                cur.executemany(
                    f"INSERT INTO evidence ({_EVIDENCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", evidence
                )
                cur.executemany(
                    "INSERT INTO evidence_cases (tenant_id, case_id, sha256, linked_at) VALUES (?, ?, ?, ?)",
                    links,
                )
                cur.executemany(
                    "INSERT INTO evidence_prints (tenant_id, sha256, kind, print, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    prints,
                )
                cur.executemany(
                    "INSERT INTO evidence_hashes (tenant_id, sha256, t_ms, hash, b0, b1, b2, b3) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    index,
                )
            rows += len(index)
        built = time.perf_counter() - started
        elements = tuple(ElementResult(e, Verdict.PASS, 0.9) for e in Element)
        blank = Assessment(elements, None, (), "bench")
        timings: dict[str, list[float]] = {"copy": [], "unrelated": []}
        found = 0
        for round_ in range(3):
            for i, hashes in kept.items():
                for kind in ("copy", "unrelated"):
                    if kind == "copy":  # a re-encoded middle clip: 3 bits of each hash changed
                        clip = [h ^ (0b111 << int(rng.integers(0, 61))) for h in hashes[8:32]]
                    else:
                        clip = _drifting(rng, 24)
                    fp = _file_print(clip, rng)
                    record = EvidenceRecord(
                        "t1",
                        f"q{round_}{i}{kind}".ljust(64, "0"),
                        "video",
                        "q.mp4",
                        1,
                        "mp4",
                        b"",
                        at,
                        ("case-q",),
                    )
                    started = time.perf_counter()
                    judged = check_reuse(store, "t1", "case-q", [Offered(record, fp, "video")], blank, False)
                    timings[kind].append(time.perf_counter() - started)
                    hit = any(f.code == "CONSISTENCY_EVIDENCE_REUSED" for f in judged.elements[0].findings)
                    found += hit if kind == "copy" else 0
                    if kind == "unrelated" and hit:
                        print("  unexpected match of an unrelated query")
        store.close()
    for kind, values in timings.items():
        values.sort()
        print(
            f"  {rows:>9,} index rows ({files:,} files): {kind:9s} lookup median "
            f"{statistics.median(values) * 1000:.1f} ms, p95 {values[int(0.95 * (len(values) - 1))] * 1000:.1f} ms"
        )
    print(
        f"  {rows:>9,} index rows: copies found {found}/{len(timings['copy'])}; index built in {built:.0f} s"
    )


def main() -> None:
    parts = os.environ.get("BENCH_REUSE", "robustness,false,cost,lookup").split(",")
    sizes = [int(n) for n in os.environ.get("BENCH_REUSE_ROWS", "10000,1000000").split(",")]
    print(
        f"  hashing: pHash of the central {fingerprint_module.CENTRE:.0%}, {fingerprint_module.PRINT_FPS:g} a second"
    )
    if "robustness" in parts:
        _robustness()
    if "false" in parts:
        _false_matches()
    if "cost" in parts:
        _cost()
    if "lookup" in parts:
        for rows in sizes:
            _lookup(rows)
