"""Decoding frames with ffmpeg (argv built by ffmpeg-python), streamed into numpy one at a time.

One ffmpeg process per decode request writes raw BGR frames at analysis size to a pipe; its
``showinfo`` filter logs each frame's presentation time on stderr, which a reader thread pairs with
the frames and also scans for decoder errors (ffmpeg exiting 0 is not proof of a clean file).
When full-detail frames are wanted (barcodes), the same process splits the decoded picture and
writes every ``detail_every``-th sampled frame, grey at detail size, to a second pipe: detail comes
from the same decode, scaled and converted in ffmpeg rather than in Python. Memory stays flat: a
frame or two is in flight at a time, whatever the video's length. A watchdog stops the process at
its deadline.

Three requests exist (chosen by :mod:`evidence.sampling`):

* keyframes only (``-skip_frame nokey``): about a tenth of a full decode for phone video;
* dense windows (input seek to just before the window, then every frame at the window rate);
* one dense pass (every frame decoded, a sample kept every ``min_interval`` seconds).
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg
import numpy as np

from ..errors import ToolError, ToolTimeout
from .tools import require_tool, terminate

__all__ = ["DecodeLog", "DecodeRequest", "Frame", "decode"]

_SHOWINFO = re.compile(r"\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:(\S+).*?\biskey:(\d)")
_LEVEL = re.compile(r"\[(error|fatal|panic)\]")
MAX_KEPT_ERRORS = 50
NATIVE_SHOWINFO = "showinfo@native"  # the native branch's showinfo, told apart by its instance name
NativeSink = Callable[[float, np.ndarray], None]


@dataclass
class Frame:
    """One decoded sample: presentation time and pixels (analysis size, optional full detail)."""

    t: float  # seconds from the first packet of the video stream
    image: np.ndarray  # BGR, long side <= analysis size
    detail: np.ndarray | None  # grey, long side <= detail size (None for window samples)
    key: bool
    dense: bool  # True when neighbours at the dense rate were decoded around it


@dataclass
class DecodeLog:
    """What ffmpeg said while decoding: error lines (first few kept) and how far it got."""

    error_count: int = 0
    errors: list[str] = field(default_factory=list)
    lead_errors: int = 0  # errors while decoding up to a window's first kept frame (seek artefacts)
    frames: int = 0
    last_t: float = -1.0
    returncode: int | None = None

    def add_error(self, line: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(line.strip())


@dataclass(frozen=True)
class DecodeRequest:
    """Which frames to decode from one file, and at what sizes."""

    path: Path
    stream_index: int
    origin: float  # pts of the stream's first packet; frame times are relative to it
    out_size: tuple[int, int]  # (w, h) frames are scaled to, after display rotation
    keyframes_only: bool = False
    start: float | None = None  # window start, seconds from origin: frames before it are dropped
    end: float | None = None
    seek_to: float | None = None  # input seek point (before the keyframe preceding ``start``)
    min_interval: float = 0.0  # keep at most one frame per this many seconds
    timeout_s: float = 600.0
    threads: int = 0  # decoder threads (0: ffmpeg's default)
    detail_size: tuple[int, int] | None = None  # (w, h) of grey detail frames; None: no detail
    detail_every: int = 1  # a detail frame for every n-th kept frame (the 0th, n-th, 2n-th, ...)
    native_size: tuple[int, int] | None = None  # (w, h) of a BGR copy of *every* decoded frame

    def argv(self, detail_fd: int | None = None, native_fd: int | None = None) -> list[str]:
        in_opts: dict[str, object] = {}
        if self.keyframes_only:
            in_opts["skip_frame"] = "nokey"
        if self.threads > 0:
            in_opts["threads"] = str(self.threads)
        keep_from = ""
        if self.start is not None:
            # Seek a little before the keyframe ahead of the window (landing exactly on a keyframe's
            # time can skip it in some demuxers), decode from there, keep frames from ``start`` on.
            seek = self.start if self.seek_to is None else min(self.seek_to, self.start)
            in_opts["ss"] = f"{max(0.0, self.origin + seek):.6f}"
            if self.end is not None:
                in_opts["t"] = f"{max(0.001, self.end - seek):.6f}"
            keep_from = f"gte(t,{self.origin + self.start:.6f})*"
        src = ffmpeg.input(str(self.path), **in_opts)
        video = src[str(self.stream_index)]
        native = None
        if self.native_size is not None:
            if native_fd is None:
                raise ValueError("a request with native frames needs the native pipe's descriptor")
            split = video.split()
            video, native = split[0], split[1]
            if keep_from:
                native = native.filter("select", keep_from.rstrip("*"))
            native = native.filter("scale", self.native_size[0], self.native_size[1], flags="area")
            native = native.filter(NATIVE_SHOWINFO, checksum=0)
        if self.min_interval > 0:
            # keep the first frame, then one whenever min_interval has passed (true timestamps kept)
            gap = max(0.0, self.min_interval - 0.004)
            video = video.filter(
                "select", f"{keep_from}(isnan(prev_selected_t)+gte(t-prev_selected_t,{gap:.4f}))"
            )
        elif keep_from:
            video = video.filter("select", keep_from.rstrip("*"))
        detail = None
        if self.detail_size is not None:
            if detail_fd is None:
                raise ValueError("a request with detail frames needs the detail pipe's descriptor")
            parts = video.split()
            video, detail = parts[0], parts[1]
        video = video.filter("scale", self.out_size[0], self.out_size[1], flags="area")
        video = video.filter("showinfo", checksum=0)
        out = ffmpeg.output(video, "pipe:", format="rawvideo", pix_fmt="bgr24", fps_mode="passthrough")
        if detail is not None and self.detail_size is not None:
            # the select's n counts the frames the split passes on: the 0th, n-th, 2n-th kept frame
            if self.detail_every > 1:
                detail = detail.filter("select", f"not(mod(n,{self.detail_every}))")
            detail = detail.filter("scale", self.detail_size[0], self.detail_size[1], flags="area")
            second = ffmpeg.output(
                detail, f"pipe:{detail_fd}", format="rawvideo", pix_fmt="gray", fps_mode="passthrough"
            )
            out = ffmpeg.merge_outputs(out, second)
        if native is not None:
            third = ffmpeg.output(
                native, f"pipe:{native_fd}", format="rawvideo", pix_fmt="bgr24", fps_mode="passthrough"
            )
            out = ffmpeg.merge_outputs(out, third)
        out = out.global_args("-hide_banner", "-nostdin", "-nostats", "-loglevel", "level+info", "-copyts")
        args: list[str] = out.compile(cmd=require_tool("ffmpeg"))
        return args


def _read_exact(stream: object, size: int) -> bytes | None:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    reader = stream.readinto  # type: ignore[attr-defined]
    while got < size:
        n = reader(view[got:])
        if not n:
            return None
        got += n
    return bytes(buf)


def decode(
    request: DecodeRequest, log: DecodeLog, native_sink: NativeSink | None = None
) -> Iterator[tuple[float, bool, np.ndarray, np.ndarray | None]]:
    """Yield ``(t, is_key, bgr, grey_detail_or_None)`` for each frame of ``request``.

    With ``request.native_size``, every decoded frame is also handed, small, to ``native_sink``
    (``(t, bgr)``, in order, from a reader thread; done before this generator ends).
    Errors are counted into ``log``. Raises ToolTimeout if the deadline passes and ToolError if
    ffmpeg cannot start or dies without producing what it announced. The caller decides what
    decode errors mean for the evidence.
    """
    w, h = request.out_size
    frame_bytes = w * h * 3
    detail_r = detail_w = native_r = native_w = -1
    if request.native_size is not None and native_sink is None:
        raise ValueError("a request with native frames needs a sink for them")
    try:
        if request.detail_size is not None:
            detail_r, detail_w = os.pipe()
        if request.native_size is not None:
            native_r, native_w = os.pipe()
        argv = request.argv(detail_w if detail_w >= 0 else None, native_w if native_w >= 0 else None)
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            pass_fds=tuple(fd for fd in (detail_w, native_w) if fd >= 0),
        )
    except BaseException:
        for fd in (detail_r, detail_w, native_r, native_w):
            if fd >= 0:
                os.close(fd)
        raise
    for fd in (detail_w, native_w):
        if fd >= 0:
            os.close(fd)  # the child holds it; our copy would keep the pipe from ending
    times: queue.Queue[tuple[float, bool] | None] = queue.Queue()
    native_times: queue.Queue[float | None] = queue.Queue()
    native_failure: list[BaseException] = []
    details: queue.Queue[np.ndarray | None] = queue.Queue()
    timed_out = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        seen_frame = False
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace")
            m = _SHOWINFO.search(line)
            if m and NATIVE_SHOWINFO in line:
                try:
                    native_times.put(float(m.group(3)))
                except ValueError:
                    continue
            elif m and "showinfo" in line:
                try:
                    pts_time = float(m.group(3))
                except ValueError:
                    continue
                seen_frame = True
                times.put((pts_time, m.group(4) == "1"))
            elif _LEVEL.search(line):
                if request.start is not None and not seen_frame:
                    # a window decodes from a keyframe before it; an open GOP's leading frames may lack
                    # their references there. Only errors in the frames it keeps say the file is damaged.
                    log.lead_errors += 1
                else:
                    log.add_error(line)
        times.put(None)
        native_times.put(None)

    def read_details() -> None:
        # drained continuously so ffmpeg never blocks on this pipe; the main pipe's backpressure
        # keeps ffmpeg (and so this queue) within a frame or two of the consumer
        assert request.detail_size is not None
        dw, dh = request.detail_size
        with os.fdopen(detail_r, "rb", buffering=0) as pipe:
            while (data := _read_exact(pipe, dw * dh)) is not None:
                details.put(np.frombuffer(data, np.uint8).reshape(dh, dw))
        details.put(None)

    def read_native() -> None:
        # every decoded frame, small: handed to the sink at once, so nothing piles up here
        assert request.native_size is not None and native_sink is not None
        nw, nh = request.native_size
        with os.fdopen(native_r, "rb", buffering=0) as pipe:
            try:
                while (data := _read_exact(pipe, nw * nh * 3)) is not None:
                    stamp = native_times.get(timeout=request.timeout_s)
                    if stamp is None:
                        break
                    native_sink(stamp - request.origin, np.frombuffer(data, np.uint8).reshape(nh, nw, 3))
            except BaseException as exc:  # re-raised by the consumer once decoding has ended
                native_failure.append(exc)
            # drain whatever is left so ffmpeg never blocks on this pipe
            while pipe.read(1 << 16):
                pass

    def watchdog() -> None:
        timed_out.set()
        terminate(proc, grace_s=1.0)

    reader = threading.Thread(target=read_stderr, name="ffmpeg-stderr", daemon=True)
    reader.start()
    detail_reader = None
    if detail_r >= 0:
        detail_reader = threading.Thread(target=read_details, name="ffmpeg-detail", daemon=True)
        detail_reader.start()
    native_reader = None
    if native_r >= 0:
        native_reader = threading.Thread(target=read_native, name="ffmpeg-native", daemon=True)
        native_reader.start()
    timer = threading.Timer(request.timeout_s, watchdog)
    timer.daemon = True
    timer.start()
    started = time.monotonic()

    def left() -> float:
        return max(1.0, request.timeout_s - (time.monotonic() - started))

    # ffmpeg writes a detail frame a few main frames after its main frame: main frames wait in a
    # short reorder queue (bounded) for their detail, and are yielded in order
    pending: deque[tuple[float, bool, np.ndarray, bool]] = deque()
    max_pending = 4 * request.detail_every + 8
    state = {"details_open": detail_reader is not None}

    def next_detail(block: bool) -> tuple[bool, np.ndarray | None]:
        if not state["details_open"]:
            return True, None
        try:
            item = details.get(timeout=left()) if block else details.get_nowait()
        except queue.Empty:
            if block:
                raise
            return False, None
        if item is None:
            state["details_open"] = False
        return True, item

    def ready(
        block: bool, drain: bool = False
    ) -> Iterator[tuple[float, bool, np.ndarray, np.ndarray | None]]:
        """Yield the frames whose detail is in; ``block``: wait for the first one's (the queue is
        full); ``drain``: wait for every one's (the main pipe has ended)."""
        while pending:
            t, key, image, wants = pending[0]
            detail = None
            if wants:
                got, detail = next_detail(block or drain)
                if not got:
                    return
                block = False  # ffmpeg may need the main pipe read before it writes later details
            pending.popleft()
            yield t, key, image, detail

    try:
        assert proc.stdout is not None
        index = 0
        while True:
            data = _read_exact(proc.stdout, frame_bytes)
            if data is None:
                break
            stamp = times.get(timeout=left())
            if stamp is None:
                raise ToolError("ffmpeg produced a frame without a timestamp; its log ended early")
            pts_time, key = stamp
            t = pts_time - request.origin
            wants = detail_reader is not None and index % request.detail_every == 0
            pending.append((t, key, np.frombuffer(data, np.uint8).reshape(h, w, 3), wants))
            index += 1
            log.frames += 1
            log.last_t = max(log.last_t, t)
            yield from ready(block=len(pending) > max_pending)
        yield from ready(block=False, drain=True)
        proc.wait(timeout=left())
        reader.join(timeout=5.0)
        if native_reader is not None:
            native_reader.join(timeout=left())
            if native_failure:
                raise native_failure[0]
        log.returncode = proc.returncode
    except queue.Empty as exc:
        raise ToolTimeout(f"ffmpeg stopped reporting frames while decoding {request.path.name}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolTimeout(f"ffmpeg did not exit after decoding {request.path.name}") from exc
    finally:
        timer.cancel()
        terminate(proc)
        if detail_reader is not None:
            detail_reader.join(timeout=5.0)
        if native_reader is not None:
            native_reader.join(timeout=5.0)
