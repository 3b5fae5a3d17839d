"""Re-scoring an archive into a results file: in parallel, resumable, every record exactly once.

Records are read lazily and sent to workers in chunks; results come back and are appended to the
results file in archive order, each chunk with one ``write`` and an ``fsync``. A run killed at any
point (SIGKILL included) is continued by running it again with the same output: a partial last
line is cut off, the archive lines already in the file are skipped, and the rest are scored.

Workers are a local process pool (default: one per core) or a Ray cluster (``ray_address``;
``"local"`` starts one on this machine). Both run :func:`score_chunk`, the same function.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evidence.errors import InvalidInput

from .archive import RawRecord, count_records, read_archive
from .scoring import Scorer, ScoringOptions

__all__ = ["RunOptions", "RunStats", "die_with_parent", "recover_output", "rescore", "score_chunk"]

PR_SET_PDEATHSIG = 1  # prctl(2)
_REAPER = Path(__file__).with_name("_reaper.py")
_SCORER: Scorer | None = None
_SCORER_KEY: str | None = None


@dataclass(frozen=True)
class RunOptions:
    workers: int = 0  # 0: one per core; 1: one worker process
    ray_address: str | None = None  # "local", "auto" or a cluster address: run on Ray instead
    chunk_size: int = 200
    in_flight_per_worker: int = 3
    retry_failed: bool = False  # score again the records whose result is an error


@dataclass
class RunStats:
    total: int = 0  # records in the archive
    skipped: int = 0  # already in the results file
    scored: int = 0  # scored by this run
    errors: int = 0  # of those, results with status "error"
    interrupted: bool = False


Progress = Callable[[int, int], None]  # (records done in this run, records to do in this run)


def _scorer(options: ScoringOptions) -> Scorer:
    global _SCORER, _SCORER_KEY
    key = repr(options)
    if _SCORER is None or key != _SCORER_KEY:
        _SCORER, _SCORER_KEY = Scorer(options), key
    return _SCORER


def score_chunk(options: ScoringOptions, chunk: list[tuple[int, str]]) -> list[str]:
    """Score (line, text) records; returns one JSON result line each (the unit of work everywhere)."""
    scorer = _scorer(options)
    return [json.dumps(scorer.score(RawRecord(line, text)), ensure_ascii=False) for line, text in chunk]


def recover_output(out: Path, retry_failed: bool = False) -> set[int]:
    """Make ``out`` whole after an interruption and return the archive lines it already holds."""
    if not out.exists():
        return set()
    with out.open("rb+") as fh:
        data = fh.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):  # killed in the middle of a write: drop the partial line
            fh.truncate(end)
            data = data[:end]
    done: set[int] = set()
    kept: list[bytes] = []
    dropped = False
    for raw in data.splitlines():
        try:
            result = json.loads(raw)
        except json.JSONDecodeError:
            dropped = True
            continue
        if retry_failed and result.get("status") == "error":
            dropped = True
            continue
        done.add(int(result["line"]))
        kept.append(raw)
    if dropped:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(b"".join(line + b"\n" for line in kept))
        os.replace(tmp, out)
    return done


def _chunks(records: Iterator[RawRecord], done: set[int], size: int) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for rec in records:
        if rec.line in done:
            continue
        chunk.append((rec.line, rec.text))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Writer:
    def __init__(self, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, lines: list[str]) -> int:
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        os.fsync(self.fd)
        return sum(1 for line in lines if '"status": "error"' in line)

    def close(self) -> None:
        os.close(self.fd)


ORPHAN_POLL_S = 0.5


def _orphan_watch(parent: int) -> None:
    """Exit as soon as the parent is gone: the backstop for when the death signal cannot work (not
    Linux, or the thread that forked us ended while the parent lives on)."""
    while True:
        time.sleep(ORPHAN_POLL_S)
        if os.getppid() != parent:
            os._exit(1)


def die_with_parent(parent: int) -> None:
    """Make this worker process exit within about a second of ``parent``'s death, SIGKILL included.

    A forked worker inherits the parent's Python signal handlers (the CLI's SIGTERM handler only sets
    a flag), so SIGTERM is first put back to its default action; then the kernel is asked to send it
    when the parent dies, and a watchdog thread polls the parent id as well. Pool workers hold each
    other's ends of the pool's pipes, so none would ever see end-of-file on its own.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which decides
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before we could ask
        os._exit(1)
    threading.Thread(target=_orphan_watch, args=(parent,), name="orphan-watch", daemon=True).start()


def _worker_init(parent: int) -> None:
    """Process-pool initializer: pool workers die with their parent."""
    die_with_parent(parent)


def rescore(
    archive: Path,
    out: Path,
    scoring: ScoringOptions | None = None,
    run: RunOptions | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> RunStats:
    """Score every record of ``archive`` not yet in ``out``; returns what this run did."""
    run = run or RunOptions()
    scoring = scoring or ScoringOptions(archive_dir=archive.parent)
    if out.resolve() == archive.resolve():
        raise InvalidInput("the results file must not be the archive", field="out")
    workers = run.workers or (os.cpu_count() or 1)
    if scoring.decoder_threads == 0:
        scoring = replace(scoring, decoder_threads=max(1, (os.cpu_count() or 1) // workers))
    done = recover_output(out, run.retry_failed)
    stats = RunStats(total=count_records(archive), skipped=len(done))
    todo = max(0, stats.total - stats.skipped)
    # small archives (or media-heavy ones) still spread over every worker: at least 4 chunks each
    chunk_size = max(1, min(run.chunk_size, todo // (workers * 4)))
    chunks = _chunks(read_archive(archive), done, chunk_size)
    writer = _Writer(out)
    stop = stop or threading.Event()
    try:
        if run.ray_address:
            results = _run_ray(run.ray_address, scoring, chunks, workers * run.in_flight_per_worker, stop)
        else:
            results = _run_pool(workers, scoring, chunks, workers * run.in_flight_per_worker, stop)
        for lines in results:
            stats.errors += writer.write(lines)
            stats.scored += len(lines)
            if progress is not None:
                progress(stats.scored, todo)
        stats.interrupted = stop.is_set()
    finally:
        writer.close()
    return stats


def _run_pool(
    workers: int,
    scoring: ScoringOptions,
    chunks: Iterator[list[tuple[int, str]]],
    max_in_flight: int,
    stop: threading.Event,
) -> Iterator[list[str]]:
    pending: deque[Future[list[str]]] = deque()
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        for chunk in chunks:
            if stop.is_set():
                break
            pending.append(pool.submit(score_chunk, scoring, chunk))
            while len(pending) >= max_in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _run_ray(
    address: str,
    scoring: ScoringOptions,
    chunks: Iterator[list[tuple[int, str]]],
    max_in_flight: int,
    stop: threading.Event,
) -> Iterator[list[str]]:
    import ray

    with _ray_session(address):
        remote = ray.remote(score_chunk)
        options_ref = ray.put(scoring)
        pending: deque[Any] = deque()
        for chunk in chunks:
            if stop.is_set():
                break
            pending.append(remote.remote(options_ref, chunk))
            while len(pending) >= max_in_flight:
                yield ray.get(pending.popleft())
        while pending:
            yield ray.get(pending.popleft())


@contextmanager
def _ray_session(address: str) -> Iterator[None]:
    """Connected to Ray for the block (unless already connected); a cluster started here ends with it.

    ``"local"`` starts a cluster on this machine in a temporary directory of its own, watched by
    ``_reaper.py``: when this process ends, even by SIGKILL, the reaper kills whatever of the
    cluster is still running within a second or two (Ray alone leaves its agents ~60 s) and removes
    the directory, the cluster's logs included.
    """
    import ray

    if ray.is_initialized():
        yield
        return
    if address != "local":
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        try:
            yield
        finally:
            ray.shutdown()
        return
    # Ray's socket paths must stay under 107 bytes: under /tmp, as Ray's own /tmp/ray, not $TMPDIR
    parent = os.environ.get("RAY_TMPDIR") or ("/tmp" if os.path.isdir("/tmp") else None)
    root = os.path.realpath(tempfile.mkdtemp(prefix="proofbox-ray-", dir=parent))
    reaper = subprocess.Popen(
        [sys.executable, "-I", str(_REAPER), root, str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # not stopped by the terminal's Ctrl-C or hang-up with the rest of us
    )
    try:
        ray.init(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR, _temp_dir=root)
        try:
            yield
        finally:
            ray.shutdown()
    finally:
        assert reaper.stdin is not None
        reaper.stdin.close()  # the reaper's cue: sweep what is left, remove the directory
        with suppress(subprocess.TimeoutExpired):  # it finishes on its own; the results do not wait
            reaper.wait(timeout=30)
