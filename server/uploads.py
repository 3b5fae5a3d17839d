"""The evidence upload protocol: header checks, streaming with limits, verification, media checks.

Order of checks, cheapest first, so bad uploads fail before the disk fills:

1. header: case id, kind, size (0 -> EMPTY_FILE, above the limit -> FILE_TOO_LARGE), SHA-256 format;
2. disk: the declared size must fit while leaving ``min_free_bytes`` free (RESOURCE_EXHAUSTED);
3. while streaming: more bytes than declared stops the upload at once;
4. at the end: exact size, then SHA-256;
5. media: sniff + ffprobe for videos, header + pixel decode for photos (the MediaError's code
   travels to the client: TRUNCATED, NOT_A_MEDIA_FILE, ...);
6. only then: rename into the content-addressed store, then the database row.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from evidence.config import MediaLimits
from evidence.errors import EmptyMedia, InvalidInput, MediaTooLarge, ResourceExhausted
from evidence.media.photos import load_photo
from evidence.media.probe import probe_video
from evidence.media.sniff import sniff
from evidence.model import PhotoFacts
from proofbox.v1 import evidence_pb2, service_pb2

from .auth import Principal
from .blobs import BlobStore, UploadFile, safe_filename
from .convert import photo_facts_to_proto, video_facts_to_proto
from .errors import Aborted
from .ids import check_case_id, check_sha256
from .metrics import Metrics
from .store import EvidenceRecord, Store

__all__ = ["evidence_to_proto", "receive_upload"]

T = TypeVar("T")
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""Write errors that mean "no room", not "broken": the disk (or the quota, or a file size limit)."""
KINDS = {evidence_pb2.EVIDENCE_KIND_VIDEO: "video", evidence_pb2.EVIDENCE_KIND_PHOTO: "photo"}
KIND_NUMBERS = {v: k for k, v in KINDS.items()}


def evidence_to_proto(record: EvidenceRecord) -> evidence_pb2.Evidence:
    message = evidence_pb2.Evidence(
        evidence_id=record.sha256,
        kind=KIND_NUMBERS[record.kind],
        filename=record.filename,
        size_bytes=record.size_bytes,
        sha256=record.sha256,
        detected_type=record.detected_type,
        case_ids=record.case_ids,
    )
    message.created_at.FromDatetime(record.created_at)
    if record.kind == "video":
        message.video.ParseFromString(record.facts)
    else:
        message.photo.ParseFromString(record.facts)
    return message


def inspect_media(kind: str, path: Path, limits: MediaLimits) -> tuple[str, bytes]:
    """(detected type, serialized facts) of a verified upload; raises the MediaError that explains
    why the file cannot be evidence of this kind."""
    if kind == "video":
        facts = probe_video(path, limits)
        return facts.detected_type, video_facts_to_proto(facts).SerializeToString()
    photo, _ = load_photo(path, limits)  # decodes the pixels: catches truncated scans at upload
    return sniff(path), photo_facts_to_proto(photo).SerializeToString()


def _check_header(header: service_pb2.UploadHeader, max_bytes: int) -> str:
    check_case_id(header.case_id, "header.case_id")
    kind = KINDS.get(header.kind)
    if kind is None:
        raise InvalidInput("must be EVIDENCE_KIND_VIDEO or EVIDENCE_KIND_PHOTO", field="header.kind")
    name = safe_filename(header.filename or "upload")
    if header.size_bytes < 0:
        raise InvalidInput("must not be negative", field="header.size_bytes")
    if header.size_bytes == 0:
        raise EmptyMedia(f"{name} is empty (0 bytes); the file did not copy completely, upload the original")
    if header.size_bytes > max_bytes:
        raise MediaTooLarge(
            f"{name} is {header.size_bytes / 1e6:.1f} MB, above this server's {max_bytes / 1e6:.1f} MB upload "
            "limit; trim the recording to the unboxing or export it at a lower bitrate",
            code="FILE_TOO_LARGE",
        )
    check_sha256(header.sha256, "header.sha256")
    return kind


async def receive_upload(
    principal: Principal,
    requests: AsyncIterator[service_pb2.UploadEvidenceRequest],
    *,
    blobs: BlobStore,
    store: Store,
    db: Callable[..., Awaitable[Any]],
    io: Executor,
    limits: MediaLimits,
    metrics: Metrics,
    idle_s: float = 60.0,
    inspect_photo: Callable[[Path, MediaLimits], Awaitable[tuple[str, PhotoFacts]]] | None = None,
) -> service_pb2.UploadEvidenceResponse:
    """Run one upload to completion (or leave nothing behind). ``inspect_photo`` decodes a photo
    out of process (the analysis pool's photo workers); without it, photos are decoded here."""
    stream = _idle_bounded(requests, idle_s)
    first = await anext(stream, None)
    if first is None or first.WhichOneof("payload") != "header":
        raise InvalidInput("the first message of an upload must be the header", field="header")
    header = first.header
    kind = _check_header(header, limits.max_file_bytes)
    size = header.size_bytes
    reservation = blobs.reserve(size)
    upload: UploadFile | None = None
    try:
        upload = blobs.open_upload(header.filename or "upload")
        async for message in stream:
            if message.WhichOneof("payload") != "chunk":
                raise InvalidInput("only the first message of an upload may be a header", field="header")
            chunk = message.chunk
            if upload.size + len(chunk) > size:
                raise InvalidInput(
                    f"more bytes arrived than the {size} the header declared; the upload was stopped. "
                    "Send the file's exact size in header.size_bytes",
                    field="header.size_bytes",
                )
            await upload.write(chunk, io)
            reservation.wrote(len(chunk))
        digest = await upload.finish(io)
        if upload.size != size:
            raise InvalidInput(
                f"the stream ended after {upload.size} of the {size} bytes the header declared; "
                "the upload was cut short, send the whole file again",
                field="header.size_bytes",
            )
        if digest != header.sha256:
            raise InvalidInput(
                f"the bytes received have SHA-256 {digest}, not the header's {header.sha256}; the file "
                "changed while uploading or was corrupted in transit, upload it again",
                field="header.sha256",
            )
        loop = asyncio.get_running_loop()
        if kind == "photo" and inspect_photo is not None:  # pixels are decoded in a worker, not here
            detected, photo = await inspect_photo(upload.path, limits)
            facts = photo_facts_to_proto(photo).SerializeToString()
        else:
            detected, facts = await loop.run_in_executor(io, inspect_media, kind, upload.path, limits)
        await loop.run_in_executor(io, blobs.commit, upload, digest)
        record = EvidenceRecord(
            tenant_id=principal.tenant_id,
            sha256=digest,
            kind=kind,
            filename=upload.path.name,
            size_bytes=size,
            detected_type=detected,
            facts=facts,
            created_at=datetime.now(UTC),
        )
        stored, created = await db(store.put_evidence, record, header.case_id)
        metrics.upload_bytes.inc(size)
        if stored.kind != kind:
            raise InvalidInput(
                f"these bytes are already stored as a {stored.kind} (evidence {digest}); upload them as one",
                field="header.kind",
            )
        return service_pb2.UploadEvidenceResponse(evidence=evidence_to_proto(stored), created=created)
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            raise
        full = ResourceExhausted(
            f"the server's disk filled up while this upload was being written "
            f"({errno.errorcode.get(exc.errno or 0, 'ENOSPC')}); nothing of it was kept. Retry later, or "
            "ask the operator to free space"
        )
        full.retry_after_s = 60.0  # type: ignore[attr-defined]  # read by the edge (RetryInfo)
        raise full from None
    finally:
        if upload is not None:
            upload.discard()
        reservation.release()
        await stream.aclose()


async def _idle_bounded(requests: AsyncIterator[T], idle_s: float) -> AsyncGenerator[T, None]:
    """The request stream, failing with ABORTED when no message arrives for ``idle_s`` seconds:
    a client that opened an upload and went quiet must not hold its disk reservation for ever."""
    iterator = aiter(requests)
    while True:
        try:
            message = await asyncio.wait_for(anext(iterator), idle_s)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise Aborted(
                f"no data arrived for {idle_s:g} s, so the upload was abandoned and its disk space "
                "released; upload the file again"
            ) from None
        yield message
