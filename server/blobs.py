"""Content-addressed evidence bytes: ``<data>/blobs/sha256/ab/cdef...``.

An upload is written to its own directory under ``<data>/blobs/tmp/`` (keeping the client's file
name, so media errors name the file the client knows), fsynced, verified, then renamed into place
and the directory entry fsynced; only then is the database row written. A crash at any point
leaves at most a temporary directory, which :meth:`BlobStore.clean_temporary` removes at start-up,
or a blob without a row, which the next upload of the same bytes reuses.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from pathlib import Path

from evidence.errors import ResourceExhausted

__all__ = ["BlobStore", "Reservation", "UploadFile", "safe_filename"]

_UNSAFE = re.compile(r"[^\w.\- ()\[\]+,@]", re.UNICODE)
NAME_MAX = 255  # bytes in one path component on Linux file systems (ext4, xfs, btrfs, tmpfs)


def safe_filename(name: str) -> str:
    """The last path component of ``name`` with odd characters replaced, at most 255 bytes of UTF-8
    (cut at a character boundary, keeping the extension when it is short); never empty or hidden."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = _UNSAFE.sub("_", base).lstrip(".")
    if len(base.encode("utf-8")) > NAME_MAX:
        stem, dot, ext = base.rpartition(".")
        suffix = f".{ext}" if dot and stem and len(ext.encode("utf-8")) <= 16 else ""
        room = NAME_MAX - len(suffix.encode("utf-8"))
        head = (stem if suffix else base).encode("utf-8")[:room].decode("utf-8", "ignore")
        base = head + suffix
    return base or "upload"


class Reservation:
    """Disk space promised to one upload in progress: what it may still write. It lapses when the
    upload has not written for ``BlobStore.reservation_ttl_s`` (an abandoned stream), and is given
    back by :meth:`release` (idempotent)."""

    def __init__(self, store: BlobStore, size: int) -> None:
        self._store = store
        self.size = size
        self.written = 0
        self.touched = time.monotonic()
        self.released = False

    @property
    def outstanding(self) -> int:
        return max(0, self.size - self.written)

    def wrote(self, n: int) -> None:
        """``n`` more bytes are on disk (so they no longer need promising); renews the lease."""
        self.written += n
        self.touched = time.monotonic()

    def release(self) -> None:
        self._store._drop(self)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, data_dir: Path, min_free_bytes: int, reservation_ttl_s: float = 300.0) -> None:
        self.root = data_dir / "blobs"
        self.objects = self.root / "sha256"
        self.tmp = self.root / "tmp"
        self.min_free_bytes = min_free_bytes
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.reservation_ttl_s = reservation_ttl_s
        self._reservations: set[Reservation] = set()
        self._lock = threading.Lock()

    def clean_temporary(self) -> int:
        """Remove what interrupted uploads left behind; returns how many were removed."""
        removed = 0
        for entry in self.tmp.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        return removed

    def path(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def reserve(self, size: int) -> Reservation:
        """Claim ``size`` bytes of disk for an upload, or ResourceExhausted when it would not fit.

        The caller must :meth:`Reservation.release` it whatever happens next; a reservation whose
        upload has not written for ``reservation_ttl_s`` no longer counts (a stream left open)."""
        with self._lock:
            promised = self._promised()
            free = shutil.disk_usage(self.root).free
            if free - promised - size < self.min_free_bytes:
                raise ResourceExhausted(
                    f"not enough disk space for {size / 1e6:.1f} MB: {free / 1e6:.0f} MB free, "
                    f"{promised / 1e6:.0f} MB promised to uploads in progress and "
                    f"{self.min_free_bytes / 1e6:.0f} MB kept free; retry later or ask the operator to free space"
                )
            reservation = Reservation(self, size)
            self._reservations.add(reservation)
            return reservation

    def promised(self) -> int:
        """Bytes promised to uploads in progress and not yet written."""
        with self._lock:
            return self._promised()

    def _promised(self) -> int:
        stale = time.monotonic() - self.reservation_ttl_s
        for lapsed in [r for r in self._reservations if r.touched < stale]:
            self._reservations.discard(lapsed)
        return sum(r.outstanding for r in self._reservations)

    def _drop(self, reservation: Reservation) -> None:
        with self._lock:
            reservation.released = True
            self._reservations.discard(reservation)

    @contextmanager
    def staged(self, items: Sequence[tuple[str, str]]) -> Iterator[list[Path]]:
        """Links to blobs named after the clients' file names, so the analyser's messages name the
        file the client knows rather than a hash. Removed afterwards (and at start-up after a crash)."""
        directory = self.tmp / f"job-{uuid.uuid4().hex}"
        directory.mkdir(mode=0o700)
        try:
            paths = []
            for i, (sha256, filename) in enumerate(items):
                target = directory / str(i) / safe_filename(filename)
                target.parent.mkdir()
                try:
                    os.link(self.path(sha256), target)
                except OSError:  # a data directory spread over file systems
                    target.symlink_to(self.path(sha256))
                paths.append(target)
            yield paths
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def open_upload(self, filename: str) -> UploadFile:
        directory = self.tmp / uuid.uuid4().hex
        directory.mkdir(mode=0o700)
        try:
            return UploadFile(directory, directory / safe_filename(filename))
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise

    def commit(self, upload: UploadFile, sha256: str) -> Path:
        """Move a verified upload into place (or drop it when the blob exists); returns the blob path."""
        target = self.path(sha256)
        if target.is_file():
            upload.discard()
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(upload.path, target)
        _fsync_dir(target.parent)
        upload.discard()
        return target


class UploadFile:
    """One upload in progress. Each chunk is hashed and written by two threads in parallel while the
    event loop receives the next one; written data is handed to the kernel for write-back as the
    upload proceeds (``POSIX_FADV_DONTNEED``), so the final fsync has less left to flush and evidence
    does not crowd the page cache."""

    WRITEBACK_BYTES = 16 * 1024 * 1024

    def __init__(self, directory: Path, path: Path) -> None:
        self.directory = directory
        self.path = path
        self.size = 0
        self._hash = hashlib.sha256()
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._written = 0
        self._flushed_to = 0
        self._hashing: Future[None] | None = None
        self._writing: Future[None] | None = None
        self._lock = threading.Lock()

    def _write(self, chunk: bytes) -> None:
        with self._lock:
            if self._fd is None:  # discarded meanwhile
                return
            view = memoryview(chunk)
            while view:
                view = view[os.write(self._fd, view) :]
            self._written += len(chunk)
            if self._written - self._flushed_to >= self.WRITEBACK_BYTES:
                os.posix_fadvise(
                    self._fd, self._flushed_to, self._written - self._flushed_to, os.POSIX_FADV_DONTNEED
                )
                self._flushed_to = self._written

    async def write(self, chunk: bytes, executor: Executor) -> None:
        """Queue ``chunk``; waits only for the previous chunk, so receiving, hashing and writing overlap."""
        for pending in (self._hashing, self._writing):
            if pending is not None:
                await asyncio.wrap_future(pending)
        self.size += len(chunk)
        self._hashing = executor.submit(self._hash.update, chunk)
        self._writing = executor.submit(self._write, chunk)

    def _finish(self) -> str:
        with self._lock:
            assert self._fd is not None
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
        return self._hash.hexdigest()

    async def finish(self, executor: Executor) -> str:
        """Wait for the last chunk, fsync; returns the SHA-256 of everything written."""
        for pending in (self._hashing, self._writing):
            if pending is not None:
                await asyncio.wrap_future(pending)
        self._hashing = self._writing = None
        return await asyncio.wrap_future(executor.submit(self._finish))

    def discard(self) -> None:
        """Close and remove the temporary file (safe while a chunk is still being written)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        shutil.rmtree(self.directory, ignore_errors=True)
