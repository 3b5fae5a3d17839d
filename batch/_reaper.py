"""Ends what is left of a local Ray cluster once the process that started it is gone.

``ray.init()`` on this machine starts the head (GCS, raylet, monitors, agents, task workers) as
children that die with the driver, but after a ``kill -9`` of the driver Ray's dashboard and
runtime-env agents first try to report the raylet's death to the GCS, which is dead too, and stay
alive about 60 s (ray 2.60). So the driver starts this script (by path, standard library only: it
must not import the package) with the cluster's own temporary directory; it waits for end-of-file
on its stdin, i.e. for the driver to close the pipe or to die, then kills every process of this user
that still uses the directory (command line, working directory or an open file: every Ray process
of the session logs there), and removes the directory.

Usage: ``python -I _reaper.py ROOT DRIVER_PID``.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time

SWEEP_S = 10.0  # give up on processes that do not die within this time (they cannot: SIGKILL)


def uses(pid: int, root: str) -> bool:
    """Whether process ``pid`` has ``root`` (or anything under it) on its command line, as its
    working directory or among its open files."""
    proc = f"/proc/{pid}"
    inside = (root, root + os.sep)
    with open(f"{proc}/cmdline", "rb") as cmdline:
        if root.encode() in cmdline.read():
            return True
    if os.readlink(f"{proc}/cwd").startswith(inside):
        return True
    for fd in os.listdir(f"{proc}/fd"):
        try:
            if os.readlink(f"{proc}/fd/{fd}").startswith(inside):
                return True
        except OSError:  # closed meanwhile
            continue
    return False


def sweep(root: str, spare: set[int]) -> int:
    """SIGKILL every process of this user using ``root`` except ``spare``; returns how many."""
    uid, killed = os.getuid(), 0
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in spare:
            continue
        pid = int(name)
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            handle = os.pidfd_open(pid)  # the process checked is the one killed, never a reused pid
        except OSError:
            continue
        try:
            if uses(pid, root):
                signal.pidfd_send_signal(handle, signal.SIGKILL)
                killed += 1
        except OSError:  # gone meanwhile
            pass
        finally:
            os.close(handle)
    return killed


def main(root: str, driver: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides; we only clean up after it
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while sys.stdin.buffer.read(65536):  # the driver writes nothing: this returns when it is gone
        pass
    if sys.platform.startswith("linux"):
        spare = {os.getpid(), driver}
        ends = time.monotonic() + SWEEP_S
        while sweep(root, spare) and time.monotonic() < ends:
            time.sleep(0.1)  # a raylet may have started a worker meanwhile
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(os.path.realpath(sys.argv[1]), int(sys.argv[2]))
