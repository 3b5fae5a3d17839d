"""Decoding frames with ffmpeg (argv built by ffmpeg-python), streamed into numpy one at a time.

One ffmpeg process per decode request writes raw BGR frames to a pipe; its ``showinfo`` filter
logs each frame's presentation time on stderr, which a reader thread pairs with the frames and
also scans for decoder errors (ffmpeg exiting 0 is not proof of a clean file). Memory stays flat:
one frame is in flight at a time, whatever the video's length. A watchdog stops the process at
its deadline.

Three requests exist (chosen by :mod:`evidence.sampling`):

* keyframes only (``-skip_frame nokey``): about a tenth of a full decode for phone video;
* dense windows (input seek to just before the window, then every frame at the window rate);
* one dense pass (every frame decoded, a sample kept every ``1/analysis_fps`` seconds).
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from collections.abc import Iterator
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

    def argv(self) -> list[str]:
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
        if self.min_interval > 0:
            # keep the first frame, then one whenever min_interval has passed (true timestamps kept)
            gap = max(0.0, self.min_interval - 0.004)
            video = video.filter(
                "select", f"{keep_from}(isnan(prev_selected_t)+gte(t-prev_selected_t,{gap:.4f}))"
            )
        elif keep_from:
            video = video.filter("select", keep_from.rstrip("*"))
        video = video.filter("scale", self.out_size[0], self.out_size[1], flags="area")
        video = video.filter("showinfo", checksum=0)
        out = ffmpeg.output(video, "pipe:", format="rawvideo", pix_fmt="bgr24", fps_mode="passthrough")
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


def decode(request: DecodeRequest, log: DecodeLog) -> Iterator[tuple[float, bool, np.ndarray]]:
    """Yield ``(t, is_key, bgr)`` for each frame of ``request``; errors are counted into ``log``.

    Raises ToolTimeout if the deadline passes and ToolError if ffmpeg cannot start or dies without
    producing what it announced. The caller decides what decode errors mean for the evidence.
    """
    argv = request.argv()
    w, h = request.out_size
    frame_bytes = w * h * 3
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
    )
    times: queue.Queue[tuple[float, bool] | None] = queue.Queue()
    timed_out = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        seen_frame = False
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace")
            m = _SHOWINFO.search(line)
            if m and "showinfo" in line:
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

    def watchdog() -> None:
        timed_out.set()
        terminate(proc, grace_s=1.0)

    reader = threading.Thread(target=read_stderr, name="ffmpeg-stderr", daemon=True)
    reader.start()
    timer = threading.Timer(request.timeout_s, watchdog)
    timer.daemon = True
    timer.start()
    started = time.monotonic()
    try:
        assert proc.stdout is not None
        while True:
            data = _read_exact(proc.stdout, frame_bytes)
            if data is None:
                break
            stamp = times.get(timeout=max(1.0, request.timeout_s - (time.monotonic() - started)))
            if stamp is None:
                raise ToolError("ffmpeg produced a frame without a timestamp; its log ended early")
            pts_time, key = stamp
            t = pts_time - request.origin
            log.frames += 1
            log.last_t = max(log.last_t, t)
            yield t, key, np.frombuffer(data, np.uint8).reshape(h, w, 3)
        proc.wait(timeout=max(1.0, request.timeout_s - (time.monotonic() - started)))
        reader.join(timeout=5.0)
        log.returncode = proc.returncode
    except queue.Empty as exc:
        raise ToolTimeout(f"ffmpeg stopped reporting frame times while decoding {request.path.name}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolTimeout(f"ffmpeg did not exit after decoding {request.path.name}") from exc
    finally:
        timer.cancel()
        terminate(proc)
    if timed_out.is_set():
        raise ToolTimeout(
            f"decoding {request.path.name} took longer than {request.timeout_s:.0f} s and was stopped; "
            "the file may be damaged or far longer than it claims"
        )
