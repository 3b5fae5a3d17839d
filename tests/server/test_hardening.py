"""Issue 11: hostile values at the edge get a precise status naming the field, over a real server.

Each test here failed on the code before the fix (INTERNAL, or worse); see docs/notes/issue-11.md.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from google.protobuf import timestamp_pb2

from proofbox.v1 import service_pb2
from tests.conftest import SyntheticVideo

from .helpers import PHOTO, Client, ServerProcess, case_message, trailers

# (seconds, nanos): year 10000, before year 1, 2^62 seconds, negative nanos, nanos above a second
BAD_TIMES = [
    (253402300800, 0),
    (-62198755200, 0),
    (2**62, 0),
    (1_764_000_000, -1),
    (1_764_000_000, 2 * 10**9),
]
BAD_TIME_IDS = ["year-10000", "before-year-1", "2^62", "nanos--1", "nanos-2e9"]


def _refused(call: Callable[..., object], *args: object, **kwargs: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call(*args, **kwargs)
    return info.value


@pytest.mark.parametrize(("seconds", "nanos"), BAD_TIMES, ids=BAD_TIME_IDS)
def test_out_of_range_timestamps_are_invalid_argument_with_the_field(
    tenant: Client, seconds: int, nanos: int
) -> None:
    bad = timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)
    case = case_message("ts-case")
    case.timeline.shipped_at.CopyFrom(bad)
    put = _refused(tenant, "PutCase", service_pb2.PutCaseRequest(case=case))
    assert put.code() == grpc.StatusCode.INVALID_ARGUMENT, put.details()
    assert trailers(put)["proofbox-error-field"] == "case.timeline.shipped_at"

    tenant.put_case(case_message("ts-case"))
    for method, request in (
        ("PredictOutcome", service_pb2.PredictOutcomeRequest(case_id="ts-case", at=bad)),
        ("CheckDeadlines", service_pb2.CheckDeadlinesRequest(case_id="ts-case", at=bad)),
    ):
        error = _refused(tenant, method, request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, error.details())
        assert trailers(error)["proofbox-error-field"] == "at", method

    items = [
        service_pb2.ScoreCasesRequest(ref="bad-at", case_id="ts-case", at=bad, dry_run=True),
        service_pb2.ScoreCasesRequest(ref="bad-case", case=case, dry_run=True),
        service_pb2.ScoreCasesRequest(ref="fine", case_id="ts-case", dry_run=True),
    ]
    responses = list(tenant.svc.ScoreCases(iter(items), metadata=tenant.metadata, timeout=60))
    assert [r.ref for r in responses] == ["bad-at", "bad-case", "fine"]
    assert [(r.problem.status, r.problem.field) for r in responses[:2]] == [
        ("INVALID_ARGUMENT", "at"),
        ("INVALID_ARGUMENT", "case.timeline.shipped_at"),
    ]
    assert responses[2].HasField("result")


# --- item 6: every string is bounded at the edge, and no error echoes a client's megabytes -----------

HUGE = "x" * 2**20


def _small_error(error: grpc.RpcError) -> None:
    details = error.details() or ""
    assert len(details) < 2000 and HUGE[:2000] not in details
    assert all(len(v) < 2000 for v in trailers(error).values())


def test_one_megabyte_ids_are_invalid_argument_not_echoed(tenant: Client, server: ServerProcess) -> None:
    """GetResult(result_id="x" * 2**20) was RESOURCE_EXHAUSTED (the id echoed into metadata)."""
    from proofbox.v1 import admin_pb2

    case = case_message("bounds")
    case.order.order_id = HUGE
    calls: list[tuple[str, object, str]] = [
        ("GetResult", service_pb2.GetResultRequest(result_id=HUGE), "result_id"),
        ("GetCase", service_pb2.GetCaseRequest(case_id=HUGE), "case_id"),
        ("ListEvidence", service_pb2.ListEvidenceRequest(case_id="c", page_token=HUGE), "page_token"),
        (
            "PredictOutcome",
            service_pb2.PredictOutcomeRequest(case_id="c", policy_pack_version=HUGE),
            "policy_pack_version",
        ),
        ("PutCase", service_pb2.PutCaseRequest(case=case), "case.order.order_id"),
        ("ListApiKeys", admin_pb2.ListApiKeysRequest(tenant_id=HUGE), "tenant_id"),
    ]
    admin = server.client()
    for method, request, field in calls:
        error = _refused(admin if method == "ListApiKeys" else tenant, method, request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, error.code())
        assert trailers(error)["proofbox-error-field"] == field, method
        _small_error(error)
    header = service_pb2.UploadHeader(case_id="c", kind=1, filename=HUGE, size_bytes=10, sha256="a" * 64)
    upload = _refused(
        tenant.svc.UploadEvidence,
        iter([service_pb2.UploadEvidenceRequest(header=header)]),
        metadata=tenant.metadata,
        timeout=30,
    )
    assert upload.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert trailers(upload)["proofbox-error-field"] == "header.filename"
    _small_error(upload)
    # still found-or-not for a sane id
    missing = _refused(tenant, "GetResult", service_pb2.GetResultRequest(result_id="res_" + "0" * 32))
    assert missing.code() == grpc.StatusCode.NOT_FOUND


def test_an_oversized_score_cases_item_is_that_items_problem(tenant: Client) -> None:
    tenant.put_case(case_message("bounded-stream"))
    items = [
        service_pb2.ScoreCasesRequest(ref="r" * 10_000, case_id="bounded-stream", dry_run=True),
        service_pb2.ScoreCasesRequest(ref="fine", case_id="bounded-stream", dry_run=True),
    ]
    responses = list(tenant.svc.ScoreCases(iter(items), metadata=tenant.metadata, timeout=60))
    assert responses[0].problem.status == "INVALID_ARGUMENT" and responses[0].problem.field == "ref"
    assert responses[1].ref == "fine" and responses[1].HasField("result")


# --- item 3: page tokens are opaque, tamper-evident and survive a restart ----------------------------


def _jpeg(shade: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 80, 160)).save(out, "JPEG")
    return out.getvalue()


def _page(client: Client, case_id: str, token: str = "") -> service_pb2.ListEvidenceResponse:
    request = service_pb2.ListEvidenceRequest(case_id=case_id, page_size=1, page_token=token)
    response: service_pb2.ListEvidenceResponse = client("ListEvidence", request)
    return response


def test_forged_or_foreign_page_tokens_are_invalid_argument(tenant: Client, server: ServerProcess) -> None:
    import base64

    from .helpers import create_key

    for i in range(2):
        tenant.upload(_jpeg(i * 60), "paged-tokens", PHOTO, filename=f"p{i}.jpg")
    first = _page(tenant, "paged-tokens")
    token = first.next_page_token
    assert token and _page(tenant, "paged-tokens", token).evidence[0] != first.evidence[0]
    other = server.client(create_key(server.client(), "tokens-other"))
    forged_old_style = base64.urlsafe_b64encode(b"99999999999999999999999999:" + b"a" * 64).decode()
    middle = len(token) - 5  # a character of the tag with all six bits significant
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    padding = token[:-1] + ("A" if token[-1] != "A" else "B")  # only padding bits: not canonical
    bad = [
        (tenant, "paged-tokens", forged_old_style),  # the OverflowError of the issue
        (tenant, "paged-tokens", flipped),
        (tenant, "paged-tokens", padding),
        (tenant, "paged-tokens", token.split(".")[0]),
        (tenant, "paged-tokens", "x" * 500),
        (tenant, "other-case", token),  # issued for another case
        (other, "paged-tokens", token),  # issued to another tenant
    ]
    for client, case_id, value in bad:
        error = _refused(_page, client, case_id, value)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (value, error.details())
        assert trailers(error)["proofbox-error-field"] == "page_token"
    for value in (forged_old_style, token, "res_" + "0" * 32):  # a ListEvidence token is no ListResults token
        error = _refused(tenant, "ListResults", service_pb2.ListResultsRequest(page_token=value))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_page_tokens_survive_a_restart(fresh_server: ServerProcess) -> None:
    fresh_server.start()
    client = fresh_server.client()
    for i in range(2):
        client.upload(_jpeg(i * 60 + 30), "restart-tokens", PHOTO, filename=f"r{i}.jpg")
    first = _page(client, "restart-tokens")
    client.close()
    fresh_server.stop()
    fresh_server.start()
    again = fresh_server.client()
    second = _page(again, "restart-tokens", first.next_page_token)
    assert [e.evidence_id for e in second.evidence] != [e.evidence_id for e in first.evidence]
    again.close()


# --- item 7: request bytes that do not parse are INVALID_ARGUMENT, with a request id and a log line -

# a string field whose length runs past the end; a string field that is not UTF-8; an unknown wire type
UNPARSABLE = [b"\x0a\xff", b"\x0a\x02\xff\xfe", b"\x0f"]


def _raw(client: Client, kind: str, method: str) -> Callable[..., object]:
    factory = getattr(client.channel, kind)
    call: Callable[..., object] = factory(method)  # no serializers: the bytes go out as they are
    return call


def _logged(server: ServerProcess, request_id: str) -> dict[str, object]:
    from .helpers import wait_until

    def find() -> list[dict[str, object]]:
        return [e for e in server.events() if e.get("msg") == "rpc" and e.get("request_id") == request_id]

    assert wait_until(find, timeout=10), request_id
    return find()[0]


def test_unparsable_request_bytes_are_invalid_argument_with_a_request_id(
    tenant: Client, server: ServerProcess
) -> None:
    """Before: UNKNOWN "Unexpected <class 'google.protobuf.message.DecodeError'>", no request id, no
    log line (grpc's deserializer fails before the interceptor's code runs)."""
    unary = _raw(tenant, "unary_unary", "/proofbox.v1.ProofboxService/GetResult")
    for raw in UNPARSABLE:
        error = _refused(unary, raw, metadata=tenant.metadata, timeout=30)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (raw, error.code(), error.details())
        assert "GetResultRequest" in (error.details() or "")
        request_id = trailers(error)["x-request-id"]
        event = _logged(server, request_id)
        assert event["status"] == "INVALID_ARGUMENT" and event["method"] == "GetResult"
    listing = _raw(tenant, "unary_stream", "/proofbox.v1.ProofboxService/CheckDeadlines")
    error = _refused(lambda: list(listing(UNPARSABLE[0], metadata=tenant.metadata, timeout=30)))  # type: ignore[operator]
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    upload = _raw(tenant, "stream_unary", "/proofbox.v1.ProofboxService/UploadEvidence")
    error = _refused(upload, iter([UNPARSABLE[1]]), metadata=tenant.metadata, timeout=30)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    _logged(server, trailers(error)["x-request-id"])

    # inside a ScoreCases stream, an unparsable item is that item's problem; the others are scored
    tenant.put_case(case_message("raw-items"))
    good = service_pb2.ScoreCasesRequest(ref="fine", case_id="raw-items", dry_run=True).SerializeToString()
    score = _raw(tenant, "stream_stream", "/proofbox.v1.ProofboxService/ScoreCases")
    answers = [
        service_pb2.ScoreCasesResponse.FromString(raw)  # type: ignore[arg-type]
        for raw in score(iter([UNPARSABLE[0], good]), metadata=tenant.metadata, timeout=60)  # type: ignore[operator]
    ]
    assert [a.index for a in answers] == [0, 1]
    assert answers[0].problem.status == "INVALID_ARGUMENT"
    assert answers[1].ref == "fine" and answers[1].HasField("result")


# --- item 9: a killed analysis worker costs a retry, not the calls on the other workers --------------


def test_a_killed_worker_fails_no_call_on_either_worker(
    tenant: Client, server: ServerProcess, video: SyntheticVideo
) -> None:
    """Two assessments run on the shared server's two workers; one worker is killed. Before: both
    calls failed with INTERNAL (the whole process pool broke). Now the killed worker's job is retried
    on a fresh worker and the other job carries on: both succeed."""
    import os
    import signal

    from .helpers import analysis_workers, wait_until

    data = video.path.read_bytes()
    futures = []
    for name in ("kill-a", "kill-b"):
        tenant.upload(data, name)
        tenant.put_case(case_message(name))
    for name in ("kill-a", "kill-b"):
        request = service_pb2.AssessEvidenceRequest(case_id=name, operation_id=f"op-{name}")
        futures.append(tenant.svc.AssessEvidence.future(request, metadata=tenant.metadata, timeout=240))

    def running(operation_id: str) -> bool:
        request = service_pb2.GetProgressRequest(operation_id=operation_id)
        try:
            state = tenant("GetProgress", request, timeout=5).state
        except grpc.RpcError:
            return False
        return bool(state == service_pb2.OPERATION_STATE_RUNNING)

    assert wait_until(lambda: running("op-kill-a") and running("op-kill-b"), timeout=60, interval=0.02)
    workers = analysis_workers(server)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    for future in futures:
        assert len(future.result().result.assessment.elements) == 4
    assert len(analysis_workers(server)) == 2  # the killed one was replaced


# --- item 10: photos are decoded in memory-capped workers, never in the server --------------------


def _blank_png(path: Path, width: int, height: int) -> None:
    """An RGBA PNG of ``width`` x ``height`` transparent pixels: a few hundred kB on disk, four bytes
    a pixel (and several copies) once decoded. Written row by row, so the test never holds it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(1)
    row = bytes(1 + 4 * width)  # filter byte, then the pixels
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_a_photo_bomb_costs_a_worker_not_the_server(tmp_path: Path) -> None:
    """A 36-megapixel PNG (under the 80 MP pixel limit, ~0.8 GB to decode) on a server whose workers
    may use 512 MiB. Before: the server process decoded it (its peak RSS grew by the whole decode,
    ~1.1 GB for the issue's 79 MP file) and stored it. Now a photo worker decodes it, runs out of
    its allowance, and the upload is IMAGE_TOO_LARGE; the server's own peak memory does not move."""
    from PIL import Image

    bomb = tmp_path / "bomb.png"
    _blank_png(bomb, 6000, 6000)
    server = ServerProcess(
        tmp_path / "data",
        ("--listen", "127.0.0.1:0", "--workers", "1"),
        env={"PROOFBOX_WORKER_MEMORY_BYTES": "512MiB"},
    )
    server.start()
    try:
        assert server.process is not None
        client = server.client()
        small = io.BytesIO()  # a first photo starts the photo worker (and warms up the upload path)
        Image.new("RGB", (64, 48), (20, 80, 160)).save(small, "JPEG")
        assert client.upload(small.getvalue(), "bomb", PHOTO, filename="fine.jpg").created
        before = _peak_rss(server.process.pid)
        error = _refused(client.upload, bomb.read_bytes(), "bomb", PHOTO, filename="bomb.png")
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        assert trailers(error)["proofbox-error-code"] == "IMAGE_TOO_LARGE"
        assert "more memory than an analysis worker may use" in (error.details() or "")
        grown = _peak_rss(server.process.pid) - before
        assert grown < 100 * 2**20, f"the server's peak RSS grew by {grown / 2**20:.0f} MiB"
        small2 = io.BytesIO()  # the photo worker still serves
        Image.new("RGB", (64, 48), (200, 80, 10)).save(small2, "JPEG")
        assert client.upload(small2.getvalue(), "bomb", PHOTO, filename="fine2.jpg").created
        client.close()
    finally:
        server.kill()


# --- smaller items: amounts, an exactly 8 MiB chunk --------------------------------------------------


def test_amounts_are_plain_ascii_decimals(tenant: Client) -> None:
    """ " 5 ", "١٢٣" (Arabic-Indic digits), "-0" and "1e3" were accepted as amounts."""
    from .helpers import case_dict

    for amount in (" 5 ", "١٢٣", "-0", "1e3"):
        data = case_dict("amounts")
        data["order"]["amount"] = amount
        error = _refused(tenant, "PutCase", service_pb2.PutCaseRequest(case=_case(data)))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (amount, error.details())
        assert trailers(error)["proofbox-error-field"] == "case.order.amount", amount
    data = case_dict("amounts")
    data["order"]["amount"] = "399"
    assert tenant("PutCase", service_pb2.PutCaseRequest(case=_case(data))).changed


def _case(data: dict[str, object]) -> object:
    from proofbox.jsonform import parse
    from proofbox.v1 import cases_pb2

    return parse(data, cases_pb2.DisputeCase())


def test_an_upload_chunk_of_exactly_8_mib_is_accepted(tenant: Client) -> None:
    """The docs allow chunks up to max_message_bytes (8 MiB); a chunk of exactly 8 MiB was refused
    (RESOURCE_EXHAUSTED: the message with its framing is a few bytes larger)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2048, 1400), (30, 90, 150)).save(out, "BMP")  # 8.6 MB uncompressed
    data = out.getvalue()
    assert len(data) > 8 * 2**20
    stored = tenant.upload(data, "big-chunk", PHOTO, filename="big.bmp", chunk=8 * 2**20)
    assert stored.evidence.size_bytes == len(data)


def test_a_passed_deadline_is_logged_as_deadline_exceeded(
    tenant: Client, server: ServerProcess, video: SyntheticVideo
) -> None:
    """A client deadline that passed during an analysis was logged (and counted) as CANCELLED."""
    import json

    from .helpers import wait_until

    stored = tenant.upload(video.path.read_bytes(), "late")
    tenant.put_case(case_message("late"))
    seen = len(server.lines)

    def late(request_id: str) -> tuple[tuple[str, str], ...]:
        return (*tenant.metadata, ("x-request-id", request_id))

    for request_id, method, request in (
        ("late-assess", "AssessEvidence", service_pb2.AssessEvidenceRequest(case_id="late")),
        ("late-both", "AssessAndPredict", service_pb2.AssessAndPredictRequest(case_id="late")),
    ):
        error = _refused(getattr(tenant.svc, method), request, timeout=1.0, metadata=late(request_id))
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    item = service_pb2.ScoreCasesRequest(
        ref="late", case_id="late", evidence_ids=[stored.evidence.evidence_id]
    )
    with pytest.raises(grpc.RpcError) as info:
        list(tenant.svc.ScoreCases(iter([item] * 3), metadata=late("late-stream"), timeout=1.0))
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED

    def events() -> list[dict[str, object]]:
        found = []
        for line in list(server.lines)[seen:]:
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return found

    def logged() -> dict[object, object]:
        return {
            e.get("request_id"): e.get("status")
            for e in events()
            if e.get("msg") == "rpc" and str(e.get("request_id", "")).startswith("late-")
        }

    assert wait_until(lambda: len(logged()) == 3, timeout=20), logged()
    assert set(logged().values()) == {"DEADLINE_EXCEEDED"}, logged()
    time.sleep(2)  # the analyses stop at their next progress report meanwhile
    tenant("GetCase", service_pb2.GetCaseRequest(case_id="late"))  # more requests come and go
    assert [e for e in events() if e.get("level") == "error"] == []
