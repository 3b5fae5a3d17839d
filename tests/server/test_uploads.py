"""The upload protocol: verified size and hash, limits enforced while streaming, nothing left behind."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from proofbox.v1 import service_pb2

from .helpers import VIDEO, ServerProcess, trailers, upload_requests, wait_until

MIB = 1024 * 1024


def _blobs(server: ServerProcess) -> set[Path]:
    return {p for p in (server.data_dir / "blobs" / "sha256").rglob("*") if p.is_file()}


def _tmp(server: ServerProcess) -> list[Path]:
    return list((server.data_dir / "blobs" / "tmp").iterdir())


def _refused(server: ServerProcess, requests: Iterator[service_pb2.UploadEvidenceRequest]) -> grpc.RpcError:
    client = server.client()
    with pytest.raises(grpc.RpcError) as info:
        client.svc.UploadEvidence(requests, metadata=client.metadata, timeout=60)
    return info.value


def test_size_and_hash_are_verified(server: ServerProcess) -> None:
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64
    short = _refused(server, upload_requests(data, "up-1", VIDEO, size=len(data) + 10))
    assert short.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert trailers(short)["proofbox-error-field"] == "header.size_bytes" and "cut short" in (
        short.details() or ""
    )
    wrong = _refused(server, upload_requests(data, "up-1", VIDEO, sha256="0" * 64))
    assert trailers(wrong)["proofbox-error-field"] == "header.sha256"
    assert hashlib.sha256(data).hexdigest() in (wrong.details() or "")
    malformed = _refused(server, upload_requests(data, "up-1", VIDEO, sha256="xyz"))
    assert trailers(malformed)["proofbox-error-field"] == "header.sha256"
    no_header = _refused(server, iter([service_pb2.UploadEvidenceRequest(chunk=b"abc")]))
    assert trailers(no_header)["proofbox-error-field"] == "header"
    empty = _refused(server, upload_requests(b"", "up-1", VIDEO))
    assert trailers(empty)["proofbox-error-code"] == "EMPTY_FILE"
    assert wait_until(lambda: _tmp(server) == [])


def _counting(
    requests: Iterator[service_pb2.UploadEvidenceRequest], pulled: list[int]
) -> Iterator[service_pb2.UploadEvidenceRequest]:
    for message in requests:
        pulled[0] += 1
        yield message


def test_oversized_uploads_are_refused_from_the_header(server: ServerProcess) -> None:
    pulled = [0]

    def endless() -> Iterator[service_pb2.UploadEvidenceRequest]:
        header = service_pb2.UploadHeader(
            case_id="up-2", kind=VIDEO, filename="huge.mp4", size_bytes=9 * 1024**3, sha256="a" * 64
        )
        yield service_pb2.UploadEvidenceRequest(header=header)
        chunk = b"\x00" * MIB
        while True:
            yield service_pb2.UploadEvidenceRequest(chunk=chunk)

    error = _refused(server, _counting(endless(), pulled))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert trailers(error)["proofbox-error-code"] == "FILE_TOO_LARGE" and "upload limit" in (
        error.details() or ""
    )
    assert pulled[0] < 64  # refused before the client could send more than a few buffered MiB


def test_more_bytes_than_declared_are_cut_off(server: ServerProcess) -> None:
    before = _blobs(server)
    data = bytes(64 * MIB)
    pulled = [0]
    requests = upload_requests(
        data, "up-3", VIDEO, size=MIB, sha256=hashlib.sha256(data[:MIB]).hexdigest(), chunk=MIB // 4
    )
    error = _refused(server, _counting(requests, pulled))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert trailers(error)["proofbox-error-field"] == "header.size_bytes" and "stopped" in (
        error.details() or ""
    )
    assert pulled[0] < 200  # 256 chunks were offered; the server stopped reading after the declared size
    assert wait_until(lambda: _tmp(server) == [])
    assert _blobs(server) == before


def test_an_interrupted_upload_leaves_nothing(server: ServerProcess) -> None:
    client = server.client()
    before = _blobs(server)
    data = bytes(range(256)) * (16 * 4096)  # 16 MiB
    stalled = threading.Event()
    release = threading.Event()

    def requests() -> Iterator[service_pb2.UploadEvidenceRequest]:
        for i, message in enumerate(upload_requests(data, "up-4", VIDEO, filename="partial.mp4", chunk=MIB)):
            yield message
            if i == 4:
                stalled.set()
                release.wait(30)

    future = client.svc.UploadEvidence.future(requests(), metadata=client.metadata, timeout=60)
    assert stalled.wait(30)
    assert wait_until(lambda: any((server.data_dir / "blobs" / "tmp").rglob("partial.mp4")))
    future.cancel()  # the client goes away mid-upload
    release.set()
    assert wait_until(lambda: _tmp(server) == [])
    assert _blobs(server) == before
    with pytest.raises(grpc.RpcError) as info:
        client("GetEvidence", service_pb2.GetEvidenceRequest(evidence_id=hashlib.sha256(data).hexdigest()))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
