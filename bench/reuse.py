"""Reused-evidence benchmark (issue 15): robustness, false matches, fingerprint cost, lookup latency.

* **Robustness**: the clean generated unboxing video (~20 s, 640x360) and each lightly edited copy
  of ``evidence.media.copies`` are analysed (``evidence.assess``, which fingerprints in its pass);
  each copy is matched against the original: matched or not, time ranges, similarity; and looked
  up through a store's index holding the original (``server.reuse.check_reuse``: the bands and
  probes of the server), the similarity of the finding naming the original's case, or "no".
* **False matches**: randomised unboxings of different parcels (``randomised_spec``, seeds
  300..320: 210 pairs), fingerprinted from in-memory frames at 2 fps (320x180), matched pairwise.
* **Fingerprint cost**: the 60 s 1080p phone-like video of ``bench.evidence`` (cached in
  ``bench/out``) analysed once, with the time spent hashing frames measured inside the pass
  (``FrameHasher.offer`` wrapped): its share of the whole analysis (target < 5 %).
* **Lookup latency**: an SQLite store holding N synthetic index rows (videos of 60 frame hashes,
  one a second of a 60 s video, drifting about 6 bits a frame) at N = 10,000 and 1,000,000 (and
  60,000,000: a million stored videos, ~7 GB, ``BENCH_REUSE_ROWS=60000000``), built in bulk
  (``_build_index``); a lookup is ``server.reuse.check_reuse`` without storing (band query,
  Hamming verification, alignment of the candidates) for a re-encoded clip of a stored video
  (24 frames, each 2-8 random bits off), an unrelated clip and a frame grab as a photo (4 bits
  off): median and p95, index rows read, found or falsely matched.

``BENCH_REUSE=robustness,false,cost,lookup`` picks parts; ``BENCH_REUSE_ROWS=10000,1000000`` sizes.
The index databases go to ``bench/out`` (``BENCH_REUSE_DIR``) and are removed after the run unless
``BENCH_REUSE_KEEP=1`` (a kept one is measured again without rebuilding). With
``BENCH_REUSE_POSTGRES=postgresql://user@/postgres?host=...`` (a server the bench may create
databases on) the index is built in PostgreSQL instead (``COPY``), one database per size.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import statistics
import struct
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np

from evidence import fingerprint as fingerprint_module
from evidence.assess import assess
from evidence.fingerprint import FrameHasher
from evidence.media.copies import COPIES, make_copy
from evidence.media.synthetic import UnboxingSpec, randomised_spec, render_frames, write_unboxing_video
from evidence.model import Assessment, CaseFacts, Element, ElementResult, Fingerprint, Verdict
from evidence.reuse import match, pack, unpack

OUT = Path(__file__).resolve().parent / "out"
CASE = CaseFacts(return_tracking_number="SF1234567890123", claimed_problem="damaged")
PER_FILE = 60  # index rows of a stored video: about one a second of a 60 s video
CHUNK = 20_000  # videos loaded per transaction by the bulk builder


def _index_finds(store: object, fp: Fingerprint, name: str, save: bool) -> str:
    """Through the store's index (``server.reuse.check_reuse``): the similarity of the finding that
    names the original's case, or "no"."""
    from server.reuse import Offered, check_reuse
    from server.store import EvidenceRecord, Store

    assert isinstance(store, Store)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    record, _ = store.put_evidence(
        EvidenceRecord("t1", name.ljust(64, "0")[:64], "video", name, 1, "mp4", b"", at), f"case-{name}"
    )
    blank = Assessment(tuple(ElementResult(e, Verdict.PASS, 0.9) for e in Element), None, (), "bench")
    judged = check_reuse(store, "t1", f"case-{name}", [Offered(record, fp, "video")], blank, save)
    for f in judged.element(Element.CONSISTENCY).findings:
        if f.code == "CONSISTENCY_EVIDENCE_REUSED" and dict(f.params)["other_case_ids"] == "case-original":
            return dict(f.params)["similarity"]
    return "no"


def _robustness() -> None:
    from server.store import open_store

    OUT.mkdir(exist_ok=True)
    clean = OUT / "reuse-clean.mp4"
    if not clean.exists():
        write_unboxing_video(clean, UnboxingSpec())
    original = assess(clean, CASE).fingerprint
    assert original is not None
    duration = original.duration
    print(f"  original: {clean.name}, {duration:.1f} s, {len(original.hashes)} frame hashes")
    print(
        "  | copy | matched | copy's range | original's range | similarity | mirrored | through the index |"
    )
    print("  |---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'index.db'}")
        _index_finds(store, original, "original", save=True)
        for name in COPIES:
            copy = make_copy(clean, Path(tmp) / f"{name}.mp4", name, duration)
            fp = assess(copy, CASE).fingerprint
            found = match(fp, original) if fp is not None else None
            indexed = _index_finds(store, fp, name, save=False) if fp is not None else "no"
            if found is None:
                print(f"  | {name} | no | | | | | {indexed} |")
                continue
            print(
                f"  | {name} | yes | {found.start:.1f}–{found.end:.1f} s | "
                f"{found.other_start:.1f}–{found.other_end:.1f} s | {found.similarity:.3f} | "
                f"{'yes' if found.mirrored else 'no'} | {indexed} |",
                flush=True,
            )
        store.close()


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


def _synthetic_prints(rng: np.random.Generator, files: int) -> tuple[np.ndarray, np.ndarray]:
    """``files`` x PER_FILE frame hashes drifting about 6 bits a frame (as a video's do, so every
    frame is indexed), and as many random mirrored hashes; unsigned 64-bit."""
    start = rng.integers(0, 2**63, files, dtype=np.int64).astype(np.uint64) << np.uint64(1)
    bits = rng.integers(0, 64, (files, PER_FILE, 6), dtype=np.uint64)
    masks = np.bitwise_or.reduce(np.uint64(1) << bits, axis=2)
    masks[:, 0] = 0
    hashes = start[:, None] ^ np.bitwise_xor.accumulate(masks, axis=1)
    mirrored = rng.integers(0, 2**63, (files, PER_FILE), dtype=np.int64).astype(np.uint64)
    return hashes, mirrored


def _packed(hashes: np.ndarray, mirrored: np.ndarray) -> list[bytes]:
    """``evidence.reuse.pack`` of each row's fingerprint (times every 0.5 s), built in one go."""
    n = hashes.shape[1]
    head = np.frombuffer(
        struct.pack("<BBIf", 1, 1, n, n / 2) + (np.arange(n) * 500).astype("<u4").tobytes(), np.uint8
    )
    body = np.concatenate(
        [
            np.broadcast_to(head, (len(hashes), len(head))),
            hashes.astype("<u8").view(np.uint8),
            mirrored.astype("<u8").view(np.uint8),
        ],
        axis=1,
    )
    return [row.tobytes() for row in body]


def _chunks(files: int, rng: np.random.Generator) -> Iterator[tuple[list[Any], list[Any], list[Any], Any]]:
    """The bulk rows of ``files`` synthetic videos of tenant t1, CHUNK videos at a time: evidence
    records, case links, fingerprints (``evidence.reuse.pack`` form) and index rows (as columns)."""
    from evidence.reuse import _FORMAT_VERSION
    from server.store.base import BANDS

    assert _FORMAT_VERSION == 1, "the bulk builder writes format 1 (evidence.reuse.pack)"
    stamp = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp() * 1_000_000)
    times = np.tile(np.arange(PER_FILE, dtype=np.int64) * 500, CHUNK)
    for first in range(0, files, CHUNK):
        count = min(CHUNK, files - first)
        hashes, mirrored = _synthetic_prints(rng, count)
        ids = np.arange(first + 1, first + count + 1, dtype=np.int64)
        shas = [f"{i:064x}" for i in range(first, first + count)]
        blobs = _packed(hashes, mirrored)
        if first == 0:  # the bulk form is evidence.reuse.pack's
            one = Fingerprint(
                "video",
                tuple(i / 2 for i in range(PER_FILE)),
                tuple(int(h) for h in hashes[0]),
                tuple(int(h) for h in mirrored[0]),
                PER_FILE / 2,
            )
            assert blobs[0] == pack(one)
        flat = hashes.reshape(-1)
        bands = [
            ((flat >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.int64)
            for shift, width in BANDS
        ]
        evidence = [(sha, stamp) for sha in shas]
        links = [(f"case-{first + k}", sha, stamp) for k, sha in enumerate(shas)]
        prints = list(zip(ids.tolist(), shas, blobs, itertools.repeat(stamp), strict=False))
        index = zip(
            np.repeat(ids, PER_FILE).tolist(),
            times[: flat.size].tolist(),
            flat.view(np.int64).tolist(),
            *(b.tolist() for b in bands),
            strict=True,
        )
        yield evidence, links, prints, index
        if files >= 100_000 and (first // CHUNK) % 10 == 0:
            print(f"    loaded {first + count:,} of {files:,} files", flush=True)


def _build_index(path: Path, rows: int, rng: np.random.Generator) -> None:
    """A store at ``path`` (migrated by ``open_store``) holding ``rows // PER_FILE`` synthetic videos
    (:func:`_chunks`), loaded in bulk: ``executemany`` in transactions of CHUNK videos, the band
    indexes dropped during the load and built once at the end; journal and fsync off for the build
    only (a crash loses the bench database, nothing else)."""
    from server.store import open_store
    from server.store.base import BANDS

    open_store(f"sqlite:///{path}").close()
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "locking_mode=EXCLUSIVE"):
        con.execute(f"PRAGMA {pragma}")
    for band in range(len(BANDS)):
        con.execute(f"DROP INDEX IF EXISTS evidence_hashes_b{band}")
    for evidence, links, prints, index in _chunks(max(1, rows // PER_FILE), rng):
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO evidence (tenant_id, sha256, kind, filename, size_bytes, detected_type, facts, created_at) "
            "VALUES ('t1', ?, 'video', 'v.mp4', 1, 'mp4', x'', ?)",
            evidence,
        )
        con.executemany(
            "INSERT INTO evidence_cases (tenant_id, case_id, sha256, linked_at) VALUES ('t1', ?, ?, ?)", links
        )
        con.executemany(
            "INSERT INTO evidence_prints (file_id, tenant_id, sha256, kind, print, created_at) "
            "VALUES (?, 't1', ?, 'video', ?, ?)",
            prints,
        )
        con.executemany(
            "INSERT INTO evidence_hashes (tenant_id, file_id, t_ms, hash, b0, b1, b2) VALUES ('t1', ?, ?, ?, ?, ?, ?)",
            index,
        )
        con.execute("COMMIT")
    for band in range(len(BANDS)):
        con.execute(f"CREATE INDEX evidence_hashes_b{band} ON evidence_hashes (tenant_id, b{band})")
    con.execute("ANALYZE")
    con.close()


def _build_postgres(url: str, rows: int, rng: np.random.Generator) -> None:
    """The same synthetic store in PostgreSQL at ``url`` (an empty database), loaded with ``COPY``
    in transactions of CHUNK videos; band indexes built at the end, then ``ANALYZE``."""
    import psycopg

    from server.store import open_store
    from server.store.base import BANDS

    open_store(url).close()
    with psycopg.connect(url, autocommit=True) as con:
        for band in range(len(BANDS)):
            con.execute(f"DROP INDEX IF EXISTS evidence_hashes_b{band}")
        for evidence, links, prints, index in _chunks(max(1, rows // PER_FILE), rng):
            with con.transaction(), con.cursor() as cur:
                with cur.copy(
                    "COPY evidence (tenant_id, sha256, kind, filename, size_bytes, detected_type, facts, "
                    "created_at) FROM STDIN"
                ) as copy:
                    for sha, stamp in evidence:
                        copy.write_row(("t1", sha, "video", "v.mp4", 1, "mp4", b"", stamp))
                with cur.copy(
                    "COPY evidence_cases (tenant_id, case_id, sha256, linked_at) FROM STDIN"
                ) as copy:
                    for link in links:
                        copy.write_row(("t1", *link))
                with cur.copy(
                    "COPY evidence_prints (file_id, tenant_id, sha256, kind, print, created_at) FROM STDIN"
                ) as copy:
                    for file_id, sha, blob, stamp in prints:
                        copy.write_row((file_id, "t1", sha, "video", blob, stamp))
                with cur.copy(
                    "COPY evidence_hashes (tenant_id, file_id, t_ms, hash, b0, b1, b2) FROM STDIN"
                ) as copy:
                    for row in index:
                        copy.write_row(("t1", *row))
        con.execute(
            "SELECT setval(pg_get_serial_sequence('evidence_prints', 'file_id'), max(file_id)) FROM evidence_prints"
        )
        for band in range(len(BANDS)):
            con.execute(f"CREATE INDEX evidence_hashes_b{band} ON evidence_hashes (tenant_id, b{band})")
        con.execute("ANALYZE")


def _postgres_database(admin: str, name: str, fresh: bool, drop_only: bool = False) -> str:
    """The URL of database ``name`` on the server of ``admin``: made if missing, dropped and made
    anew if ``fresh``, only dropped with ``drop_only``."""
    import psycopg

    parts = urlsplit(admin)
    with psycopg.connect(admin, autocommit=True) as con:
        if fresh:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists and not drop_only:
            con.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _count_files_or_zero(url: str) -> int:
    import psycopg

    try:
        return _count_files(url)
    except psycopg.errors.UndefinedTable:  # a new database: nothing loaded yet
        return 0


def _count_files(url: str) -> int:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
            return int(con.execute("SELECT max(file_id) FROM evidence_prints").fetchone()[0])
    import psycopg

    with psycopg.connect(url) as pg:
        found = pg.execute("SELECT max(file_id) FROM evidence_prints").fetchone()
        return int(found[0]) if found and found[0] is not None else 0


def _database_size(url: str) -> int:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).stat().st_size
    import psycopg

    with psycopg.connect(url) as pg:
        found = pg.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(found[0]) if found else 0


def _copy_of(hashes: list[int], rng: np.random.Generator) -> list[int]:
    """A re-encoded clip of the middle of a stored video: frames 8..31, each 2-8 random bits off
    (the real copies of the robustness table are 0-12 bits from the nearest stored frame)."""
    out = []
    for h in hashes[8:32]:
        bits = rng.choice(64, int(rng.integers(2, 9)), replace=False)
        out.append(h ^ sum(1 << int(b) for b in bits))
    return out


def _lookup(rows: int) -> None:
    from server.reuse import Offered, check_reuse
    from server.store import EvidenceRecord, Store, open_store

    rng = np.random.default_rng(rows)
    keep = os.environ.get("BENCH_REUSE_KEEP") == "1"
    postgres = os.environ.get("BENCH_REUSE_POSTGRES")  # an admin URL: databases reuse_index_<rows> made there
    where = Path(os.environ.get("BENCH_REUSE_DIR", OUT))
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"reuse-index-{rows}.db"
    if postgres:
        url = _postgres_database(postgres, f"reuse_index_{rows}", fresh=not keep)
        built_now = _count_files_or_zero(url) == 0
    else:
        url = f"sqlite:///{path}"
        if path.exists() and not keep:
            path.unlink()
        built_now = not path.exists()
    started = time.perf_counter()
    if built_now:  # else kept from an earlier run (BENCH_REUSE_KEEP=1)
        if postgres:
            _build_postgres(url, rows, rng)
        else:
            _build_index(path, rows, rng)
    built = time.perf_counter() - started
    size = _database_size(url)
    store = open_store(url)
    files = _count_files(url)
    picked = list(range(1, files + 1, max(1, files // 30)))
    kept = {i - 1: list(unpack(r.data).hashes) for i, r in store.get_prints_by_id("t1", picked).items()}
    read: list[int] = []
    plain = type(store).find_hashes

    def counted(
        self: Store, tenant_id: str, probes: list[int], limit: int, radius: int = 0
    ) -> list[tuple[int, int]]:
        found = plain(self, tenant_id, probes, limit, radius)
        read.append(len(found))
        return found

    type(store).find_hashes = counted  # type: ignore[method-assign,assignment]
    at = datetime(2026, 12, 1, tzinfo=UTC)
    elements = tuple(ElementResult(e, Verdict.PASS, 0.9) for e in Element)
    blank = Assessment(elements, None, (), "bench")
    timings: dict[str, list[float]] = {"copy": [], "unrelated": [], "photo": []}
    rows_read: dict[str, list[int]] = {k: [] for k in timings}
    found = dict.fromkeys(timings, 0)
    kinds = list(timings)
    try:
        for round_ in range(3):
            for i, hashes in kept.items():
                for kind in kinds:
                    if kind == "copy":
                        fp = _file_print(_copy_of(hashes, rng), rng)
                    elif kind == "photo":  # a grab of frame 20, 4 random bits off
                        grab = hashes[20]
                        for bit in rng.choice(64, 4, replace=False):
                            grab ^= 1 << int(bit)
                        fp = Fingerprint("photo", (0.0,), (grab,), (int(rng.integers(0, 2**63)),), 0.0)
                    else:
                        fp = _file_print(_drifting(rng, 24), rng)
                    record = EvidenceRecord(
                        "t1",
                        f"q{round_}{i}{kind}".ljust(64, "0"),
                        fp.kind,
                        "q",
                        1,
                        "mp4",
                        b"",
                        at,
                        ("case-q",),
                    )
                    started = time.perf_counter()
                    judged = check_reuse(store, "t1", "case-q", [Offered(record, fp, "q")], blank, False)
                    timings[kind].append(time.perf_counter() - started)
                    rows_read[kind].append(read[-1])
                    hit = [
                        f
                        for f in judged.element(Element.CONSISTENCY).findings
                        if f.code == "CONSISTENCY_EVIDENCE_REUSED"
                    ]
                    named = any(dict(f.params)["other_case_ids"] == f"case-{i}" for f in hit)
                    found[kind] += named if kind != "unrelated" else bool(hit)
    finally:
        type(store).find_hashes = plain  # type: ignore[method-assign]
        store.close()
    for kind, values in timings.items():
        values.sort()
        what = "false matches" if kind == "unrelated" else "found, other case named"
        print(
            f"  {rows:>11,} rows ({files:,} videos): {kind:9s} median {statistics.median(values) * 1000:6.1f} ms, "
            f"p95 {values[int(0.95 * (len(values) - 1))] * 1000:6.1f} ms; index rows read median "
            f"{statistics.median(rows_read[kind]):,.0f}; {what} {found[kind]}/{len(values)}",
            flush=True,
        )
    print(
        f"  {rows:>11,} rows: built in {built:.0f} s{' (bulk)' if built_now else ' (kept)'}, "
        f"database {size / 1e9:.2f} GB ({size / max(rows, 1):.0f} bytes a row with its file's records)",
        flush=True,
    )
    if not keep and postgres:
        _postgres_database(postgres, f"reuse_index_{rows}", fresh=True, drop_only=True)
    elif not keep:
        path.unlink()
        path.with_name(path.name + ".migrate-lock").unlink(missing_ok=True)


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
