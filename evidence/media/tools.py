"""Running ffmpeg and ffprobe: always with a time limit, never through a shell."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ToolError, ToolTimeout

__all__ = ["ToolResult", "require_tool", "run_tool", "terminate"]


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    stdout: bytes
    stderr: str


def require_tool(name: str) -> str:
    """The absolute path of ``name`` (``ffmpeg``/``ffprobe``), or a ToolError saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise ToolError(
            f"{name} is not installed or not on PATH; install Debian's ffmpeg package "
            "(`apt-get install ffmpeg`) or run `make test`/`make run`, which install it"
        )
    return path


def run_tool(args: Sequence[str], *, timeout: float, what: str) -> ToolResult:
    """Run a tool to completion within ``timeout`` seconds; ``what`` names the job in errors."""
    argv = [require_tool(args[0]), *args[1:]]
    try:
        proc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ToolTimeout(f"{what} did not finish within {timeout:.0f} s and was stopped") from exc
    except OSError as exc:  # pragma: no cover - exec failure of an existing binary
        raise ToolError(f"{what} could not start: {exc}") from exc
    return ToolResult(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))


def terminate(proc: subprocess.Popen[bytes], grace_s: float = 2.0) -> None:
    """Stop a child process: SIGTERM, then SIGKILL after ``grace_s``; always reaps it."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except ProcessLookupError:  # pragma: no cover - exited between poll and signal
        pass
    finally:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if os.name == "posix":
            proc.poll()
