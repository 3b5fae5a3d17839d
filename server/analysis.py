"""Media analysis in a bounded pool of worker processes, so the RPC threads stay responsive.

``evidence.assess`` is CPU-heavy (ffmpeg decoding plus numpy signals, seconds per video); it runs in
``workers`` spawned processes. At most ``workers + queue_size`` analyses are admitted: unary calls
beyond that get RESOURCE_EXHAUSTED at once, streams (ScoreCases) wait for room instead. A client's
deadline bounds the wait and the run: queued work is cancelled, and a running analysis stops at
its next progress report once the deadline has passed (the worker raises DeadlineExceeded).
Progress reports travel back over a queue and are kept per operation for GetProgress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.config import MediaLimits
from evidence.errors import MediaError, MediaTooLarge, ResourceExhausted
from evidence.model import Assessment, CaseFacts, PhotoFacts

from .errors import DeadlineExceeded, WorkerLost
from .logs import log_event
from .metrics import Metrics

__all__ = ["AnalysisJob", "AnalysisPool", "Progress", "ProgressBoard"]

_PROGRESS_INTERVAL_S = 0.2
_KEEP_FINISHED_S = 600.0


@dataclass(frozen=True)
class AnalysisJob:
    """What one worker needs: file paths, the case facts, and when to give up (wall clock)."""

    token: str
    video: str | None
    photos: tuple[str, ...]
    photo_names: tuple[str, ...]
    case: CaseFacts
    deadline: float


# --- worker side -----------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}  # per worker process: the progress queue


def _orphan_watch(parent: int) -> None:
    """Exit when the server process is gone (killed with SIGKILL, say): no orphaned workers."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(70)


def limit_memory(memory_bytes: int) -> None:
    """Cap this process's data memory (``RLIMIT_DATA``: heap and private mappings, so every large
    pixel buffer) at ``memory_bytes``; 0 leaves it alone. An allocation beyond the cap fails with
    MemoryError in this worker instead of growing until the kernel's OOM killer picks a victim.
    ``RLIMIT_DATA`` rather than ``RLIMIT_AS``: the address space of a worker is mostly reserved, not
    used (thread stacks and malloc arenas of OpenBLAS and OpenCV), and ffmpeg children inherit it."""
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))


WORKER_NAME = "proofbox-worker"
PHOTO_WORKER_NAME = "proofbox-photo"
"""Process names (``/proc/<pid>/comm``, what ``ps`` and ``top`` show) of the two kinds of worker."""


def _name_process(name: str) -> None:
    """Set this process's name (Linux ``prctl(PR_SET_NAME)``; elsewhere nothing)."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)  # 15: PR_SET_NAME


def _init_common(memory_bytes: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when work stops
    threading.Thread(target=_orphan_watch, args=(os.getppid(),), name="orphan-watch", daemon=True).start()
    _WORKER["memory_bytes"] = memory_bytes
    limit_memory(memory_bytes)


def _init_worker(progress_queue: Any, memory_bytes: int = 0) -> None:
    _name_process(WORKER_NAME)
    _WORKER["queue"] = progress_queue
    _init_common(memory_bytes)
    import evidence.assess  # noqa: F401 - warm the media stack (numpy, OpenCV, zxing) once per worker


def _init_inspector(memory_bytes: int) -> None:
    _name_process(PHOTO_WORKER_NAME)
    _init_common(memory_bytes)
    import evidence.media.photos  # noqa: F401 - Pillow and its plugins


def _out_of_memory(what: str) -> str:
    limit = _WORKER.get("memory_bytes", 0)
    cap = f" ({limit / 2**30:.1f} GiB, worker_memory_bytes)" if limit else ""
    return f"{what} needs more memory than an analysis worker may use{cap}"


def inspect_photo(path: str, limits: MediaLimits) -> tuple[str, PhotoFacts]:
    """Worker entry point for an uploaded photo: (sniffed type, facts), decoding every pixel once
    (which catches truncated scans at upload). The pixel limit is checked from the header before
    any pixel is decoded (:func:`evidence.media.photos.load_photo`); a photo that fits it and still
    needs more memory than this worker may use is IMAGE_TOO_LARGE, and costs the server nothing."""
    from evidence.media.photos import load_photo
    from evidence.media.sniff import sniff

    file = Path(path)
    try:
        facts, pixels = load_photo(file, limits)
        del pixels
    except MemoryError:
        raise MediaTooLarge(
            _out_of_memory(f"decoding {file.name}") + "; send a smaller export of the photo",
            code="IMAGE_TOO_LARGE",
        ) from None
    return sniff(file), facts


def _warm() -> int:
    return 0


def run_job(job: AnalysisJob) -> Assessment:
    """Worker entry point: assess the files, reporting progress and honouring the deadline."""
    from evidence.assess import assess

    last = 0.0

    def progress(stage: str, fraction: float) -> None:
        nonlocal last
        now = time.time()
        if now > job.deadline:
            raise DeadlineExceeded(
                f"the analysis was stopped at {fraction:.0%} ({stage}): the request's deadline passed; "
                "retry with a longer deadline (a minute per few minutes of video is ample)"
            )
        queue = _WORKER.get("queue")
        if job.token and queue is not None and (now - last >= _PROGRESS_INTERVAL_S or stage != "decoding"):
            last = now
            queue.put((job.token, stage, fraction))

    progress("started", 0.0)
    try:
        return assess(
            Path(job.video) if job.video else None,
            job.case,
            [Path(p) for p in job.photos],
            photo_names=job.photo_names,
            progress=progress,
        )
    except MemoryError:
        raise MediaTooLarge(
            _out_of_memory("analysing this evidence") + "; send a shorter or smaller recording",
            code="FILE_TOO_LARGE",
        ) from None


# --- server side -----------------------------------------------------------------------------------


@dataclass
class Progress:
    """Where one operation stands (see proofbox.v1.GetProgressResponse)."""

    state: str = "queued"  # queued, running, succeeded, failed
    stage: str = "queued"
    fraction: float = 0.0
    result_id: str = ""
    error: Exception | None = None
    updated: float = field(default_factory=time.monotonic)


class ProgressBoard:
    """Progress by operation token, shared between the event loop and the queue reader thread."""

    def __init__(self) -> None:
        self._items: dict[str, Progress] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Progress | None:
        with self._lock:
            return self._items.get(token)

    def update(self, token: str, **changes: Any) -> None:
        with self._lock:
            item = self._items.setdefault(token, Progress())
            for key, value in changes.items():
                setattr(item, key, value)
            item.updated = time.monotonic()
            if len(self._items) > 1000:
                cutoff = time.monotonic() - _KEEP_FINISHED_S
                for key in [
                    k
                    for k, v in self._items.items()
                    if v.state in {"succeeded", "failed"} and v.updated < cutoff
                ]:
                    del self._items[key]


class AnalysisPool:
    """``workers`` analysis processes, each in an executor of its own: a worker that dies (killed, out
    of memory) breaks only its own executor, so jobs on the other workers carry on. The job it was
    running is retried once on a fresh worker; a second loss is UNAVAILABLE (:class:`WorkerLost`)."""

    def __init__(
        self,
        workers: int,
        queue_size: int,
        metrics: Metrics,
        max_run_s: float,
        *,
        memory_bytes: int = 0,
        inspectors: int = 1,
    ) -> None:
        self.memory_bytes = memory_bytes
        self.inspectors = inspectors
        self._inspector: ProcessPoolExecutor | None = None  # started on the first photo upload
        self.workers = workers
        self.capacity = workers + queue_size
        self.metrics = metrics
        self.max_run_s = max_run_s
        self.board = ProgressBoard()
        self._ctx = multiprocessing.get_context("spawn")
        self._queue: Any = self._ctx.Queue()
        self._slots = [self._new_executor() for _ in range(workers)]
        self._free = list(range(workers))  # slots whose worker is idle (touched on the event loop only)
        self._slot_freed: asyncio.Event | None = None
        self._in_flight = 0
        self._room: asyncio.Event | None = None
        self._reader = threading.Thread(target=self._read_progress, name="analysis-progress", daemon=True)
        self._reader.start()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            1, mp_context=self._ctx, initializer=_init_worker, initargs=(self._queue, self.memory_bytes)
        )

    def _inspector_pool(self, broken: ProcessPoolExecutor | None = None) -> ProcessPoolExecutor:
        """The processes that decode uploaded photos (a fresh set instead of ``broken``)."""
        if self._inspector is None or self._inspector is broken:
            if self._inspector is not None:
                self._inspector.shutdown(wait=False, cancel_futures=True)
            self._inspector = ProcessPoolExecutor(
                self.inspectors,
                mp_context=self._ctx,
                initializer=_init_inspector,
                initargs=(self.memory_bytes,),
            )
        return self._inspector

    async def inspect_photo(
        self, path: Path, limits: MediaLimits, timeout_s: float | None = None
    ) -> tuple[str, PhotoFacts]:
        """(sniffed type, facts) of an uploaded photo, decoded in a worker process of its own (never in
        the server: a decompression bomb costs at most that worker). A worker lost under it is
        replaced and the photo tried once more; a second loss is UNAVAILABLE."""
        budget = self.max_run_s if timeout_s is None else min(timeout_s, self.max_run_s)
        for attempt in (1, 2):
            executor = self._inspector_pool()
            try:
                fut = executor.submit(inspect_photo, str(path), limits)
            except (BrokenProcessPool, RuntimeError):
                executor = self._inspector_pool(executor)
                fut = executor.submit(inspect_photo, str(path), limits)
            try:
                return await asyncio.wait_for(asyncio.wrap_future(fut), timeout=budget)
            except TimeoutError:
                raise DeadlineExceeded(f"decoding the photo took longer than {budget:g} s") from None
            except BrokenProcessPool:
                self._inspector_pool(executor)
                if attempt == 1:
                    log_event("photo worker died; trying the photo once more", level=logging.WARNING)
                    continue
                raise WorkerLost(
                    "the worker decoding this photo died twice (killed or out of memory); nothing was "
                    "stored, retry the upload"
                ) from None
        raise AssertionError("unreachable: the second attempt returns or raises")  # pragma: no cover

    def _replace(self, slot: int, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A fresh worker in ``slot`` instead of ``broken`` (once, however many calls saw it break)."""
        if self._slots[slot] is broken:
            broken.shutdown(wait=False, cancel_futures=True)
            self._slots[slot] = self._new_executor()
        return self._slots[slot]

    def warm_up(self) -> None:
        """Start every worker and import the media stack now rather than on the first request."""
        for fut in [executor.submit(_warm) for executor in self._slots]:
            fut.result(timeout=120)

    def _read_progress(self) -> None:
        while True:
            try:
                item = self._queue.get()
            except (EOFError, OSError, ValueError):
                return
            if item is None:
                return
            token, stage, fraction = item
            if self.board.get(token) is not None:
                self.board.update(token, state="running", stage=stage, fraction=float(fraction))

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _set_gauges(self) -> None:
        self.metrics.in_flight.set(self._in_flight)
        self.metrics.queue_depth.set(max(0, self._in_flight - self.workers))

    async def _admit(self, wait: bool) -> None:
        if self._room is None:
            self._room = asyncio.Event()
        while self._in_flight >= self.capacity:
            if not wait:
                raise ResourceExhausted(
                    f"the analysis queue is full ({self.workers} running, {self.capacity - self.workers} "
                    "waiting); retry in a few seconds with backoff, or use ScoreCases for batches"
                )
            self._room.clear()
            await self._room.wait()
        self._in_flight += 1
        self._set_gauges()

    async def _take_slot(self, timeout_s: float) -> int:
        """An idle worker's slot, waiting at most ``timeout_s`` (TimeoutError)."""
        loop = asyncio.get_running_loop()
        if self._slot_freed is None:
            self._slot_freed = asyncio.Event()
        deadline = loop.time() + timeout_s
        while not self._free:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            self._slot_freed.clear()
            with contextlib.suppress(TimeoutError):  # a lost wake-up is harmless: the loop re-checks
                await asyncio.wait_for(self._slot_freed.wait(), remaining)
        return self._free.pop()

    def _let_go(self, loop: asyncio.AbstractEventLoop, slot: int | None, fut: Future[Any] | None) -> None:
        """The job is over for the caller: free its place in the queue and its worker's slot, now if
        the worker is idle, else when the worker is done with it (a job past its deadline still runs
        to its next progress report)."""

        def free() -> None:
            self._in_flight -= 1
            self._set_gauges()
            if self._room is not None:
                self._room.set()
            if slot is not None:
                self._free.append(slot)
                if self._slot_freed is not None:
                    self._slot_freed.set()

        if fut is None or fut.done():
            free()
            return

        def on_done(_: Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # loop closed during shutdown
                loop.call_soon_threadsafe(free)

        fut.add_done_callback(on_done)

    async def run(
        self,
        token: str | None,
        video: Path | None,
        photos: list[tuple[Path, str]],
        case: CaseFacts,
        *,
        timeout_s: float | None,
        wait: bool,
    ) -> Assessment:
        """Assess in a worker. ``token`` keys progress reports (None: nobody asks); ``timeout_s`` is the
        client's remaining time (None: no deadline)."""
        budget = self.max_run_s if timeout_s is None else min(timeout_s, self.max_run_s)
        started = time.monotonic()

        def remaining() -> float:
            return max(0.001, budget - (time.monotonic() - started))

        if token:
            self.board.update(token, state="queued", stage="queued", fraction=0.0)
        try:
            await asyncio.wait_for(self._admit(wait), timeout=budget)
        except TimeoutError:
            raise DeadlineExceeded(
                "the request's deadline passed while waiting for an analysis worker"
            ) from None
        loop = asyncio.get_running_loop()
        slot: int | None = None
        fut: Future[Assessment] | None = None
        outcome = "error"
        try:
            try:
                slot = await self._take_slot(remaining())
            except TimeoutError:
                outcome = "deadline"
                raise DeadlineExceeded(
                    "the request's deadline passed while waiting for an analysis worker"
                ) from None
            job = AnalysisJob(
                token=token or "",
                video=str(video) if video else None,
                photos=tuple(str(p) for p, _ in photos),
                photo_names=tuple(name for _, name in photos),
                case=case,
                deadline=time.time() + remaining(),
            )
            for attempt in (1, 2):
                executor = self._slots[slot]
                try:
                    fut = executor.submit(run_job, job)
                except (BrokenProcessPool, RuntimeError):  # the worker died while idle
                    executor = self._replace(slot, executor)
                    fut = executor.submit(run_job, job)
                try:
                    result = await asyncio.wait_for(asyncio.wrap_future(fut), timeout=remaining() + 1.0)
                except BrokenProcessPool:
                    self._replace(slot, executor)
                    if attempt == 1:
                        log_event(
                            "analysis worker died; retrying its job once on a fresh worker",
                            level=logging.WARNING,
                            slot=slot,
                        )
                        if token:
                            self.board.update(token, state="queued", stage="retrying", fraction=0.0)
                        continue
                    outcome = "worker_lost"
                    log_event(
                        "analysis worker died again; the job is given up", level=logging.ERROR, slot=slot
                    )
                    raise WorkerLost(
                        "the analysis worker running this job died twice (killed or out of memory); "
                        "nothing was stored, retry the request"
                    ) from None
                outcome = "ok"
                return result
            raise AssertionError("unreachable: the second attempt returns or raises")  # pragma: no cover
        except TimeoutError:
            if fut is not None:
                fut.cancel()
            outcome = "deadline"
            raise DeadlineExceeded("the request's deadline passed before the analysis finished") from None
        except DeadlineExceeded:
            outcome = "deadline"
            raise
        except MediaError:
            outcome = "media_error"
            raise
        finally:
            self.metrics.analysis.labels(outcome).observe(time.monotonic() - started)
            self._let_go(loop, slot, fut)

    def close(self, wait: bool = False) -> None:
        """Stop the workers: queued jobs are cancelled; running ones finish when ``wait``, else are killed."""
        for executor in [*self._slots, *([self._inspector] if self._inspector is not None else [])]:
            processes = list(getattr(executor, "_processes", {}).values())  # no public API for this
            executor.shutdown(wait=wait, cancel_futures=True)
            if not wait:
                for process in processes:
                    if process.is_alive():
                        process.terminate()
                for process in processes:
                    process.join(timeout=5)
        with contextlib.suppress(OSError, ValueError):
            self._queue.put(None)
        self._reader.join(timeout=5)
        with contextlib.suppress(OSError, ValueError):
            self._queue.close()
            self._queue.join_thread()
