"""Peak resident memory of this process and of its descendants, sampled from /proc.

``resource.getrusage(...).ru_maxrss`` is not used: Linux keeps a process's high-water mark across
``execve``, so a child started by a large parent reports the parent's size.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

__all__ = ["RssSampler", "descendants"]


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (through /proc/PID/task/TID/children)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


class RssSampler:
    """Samples every ``interval`` seconds: ``self_mb`` (process ``pid``, default this one) and
    ``child_mb`` (its largest descendant)."""

    def __init__(self, interval: float = 0.1, pid: int | None = None) -> None:
        self.interval = interval
        self.pid = os.getpid() if pid is None else pid
        self.self_mb = 0.0
        self.child_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.self_mb = max(self.self_mb, _rss_mb(self.pid))
            for child in descendants(self.pid):
                self.child_mb = max(self.child_mb, _rss_mb(child))
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
