"""Peak resident memory of this process and of its descendants, sampled from /proc.

``resource.getrusage(...).ru_maxrss`` is not used: Linux keeps a process's high-water mark across
``execve``, so a child started by a large parent reports the parent's size.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

__all__ = ["RssSampler"]


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


class RssSampler:
    """Samples every ``interval`` seconds: ``self_mb`` (this process) and ``child_mb`` (largest descendant)."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.self_mb = 0.0
        self.child_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            self.self_mb = max(self.self_mb, _rss_mb(me))
            todo, seen = _children(me), set()
            while todo:
                pid = todo.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                self.child_mb = max(self.child_mb, _rss_mb(pid))
                todo.extend(_children(pid))
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
