"""A small server (one worker, no queue, 3 MB uploads) for the bounded pool, deadlines and limits;
and the observability every server has: JSON logs with request ids, Prometheus metrics."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from proofbox.v1 import service_pb2
from tests.conftest import SyntheticVideo

from .helpers import VIDEO, ServerProcess, analysis_workers, case_message, child_pids, trailers, wait_until


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("small-server"),
        (
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--queue-size",
            "0",
            "--max-upload-bytes",
            "3MB",
            "--metrics-port",
            "0",
        ),
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def small_case(small: ServerProcess, video: SyntheticVideo) -> str:
    client = small.client()
    client.upload(video.path.read_bytes(), "small-1", VIDEO)
    client.put_case(case_message("small-1"))
    return "small-1"


def _running(client: object, operation_id: str) -> bool:
    try:
        state = client(
            "GetProgress", service_pb2.GetProgressRequest(operation_id=operation_id), timeout=5
        ).state  # type: ignore[operator]
    except grpc.RpcError:
        return False
    return bool(state == service_pb2.OPERATION_STATE_RUNNING)


def test_a_full_analysis_queue_answers_resource_exhausted(small: ServerProcess, small_case: str) -> None:
    client = small.client()
    first = client.svc.AssessEvidence.future(
        service_pb2.AssessEvidenceRequest(case_id=small_case, operation_id="busy-1"),
        metadata=client.metadata,
        timeout=60,
    )
    assert wait_until(lambda: _running(client, "busy-1"), timeout=30, interval=0.02)
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as info:
        client("AssessEvidence", service_pb2.AssessEvidenceRequest(case_id=small_case))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "queue is full" in (info.value.details() or "") and time.monotonic() - started < 1.0  # at once
    # RetryInfo says when to try again (and gRPC's own retries honour the pushback trailer)
    status = rpc_status.from_call(info.value)  # type: ignore[arg-type]
    assert status is not None
    retry = [d for d in status.details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
    assert len(retry) == 1
    info_detail = error_details_pb2.RetryInfo()
    retry[0].Unpack(info_detail)
    assert info_detail.retry_delay.seconds == 5
    assert dict(info.value.trailing_metadata() or ())["grpc-retry-pushback-ms"] == "5000"  # type: ignore[attr-defined]
    progress = client("GetProgress", service_pb2.GetProgressRequest(operation_id="busy-1"))
    assert 0.0 <= progress.fraction <= 1.0 and progress.stage
    assert len(first.result().result.assessment.elements) == 4  # the running one was not disturbed
    # RPC threads stayed responsive while the worker was busy
    assert client.put_case(case_message("small-2")).stored.version == 1


def test_client_deadlines_are_honoured(small: ServerProcess, small_case: str) -> None:
    client = small.client()
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as info:
        client(
            "AssessEvidence",
            service_pb2.AssessEvidenceRequest(case_id=small_case, operation_id="late-1"),
            timeout=0.4,
        )
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 2.0

    # the worker gives up too: a new analysis is admitted soon after (one worker, no queue)
    def admitted() -> bool:
        try:
            result = client(
                "AssessEvidence", service_pb2.AssessEvidenceRequest(case_id=small_case), timeout=60
            )
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            return False
        return len(result.result.assessment.elements) == 4

    assert wait_until(admitted, timeout=30, interval=0.2)

    def late() -> bool:
        events = [e for e in small.events() if e.get("msg") == "rpc" and e.get("method") == "AssessEvidence"]
        return any(e["status"] in {"DEADLINE_EXCEEDED", "CANCELLED"} for e in events)

    assert wait_until(late)


def test_upload_limit_from_configuration(small: ServerProcess, video: SyntheticVideo) -> None:
    client = small.client()
    data = video.path.read_bytes() * 4  # ~4.3 MB > 3 MB
    with pytest.raises(grpc.RpcError) as info:
        client.upload(data, "small-3", VIDEO)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert trailers(info.value)["proofbox-error-code"] == "FILE_TOO_LARGE" and "3.0 MB" in (
        info.value.details() or ""
    )


def test_one_json_log_line_per_rpc_with_request_id(small: ServerProcess) -> None:
    client = small.client()
    client.metadata = (*client.metadata, ("x-request-id", "ticket-4711"))
    client("GetCase", service_pb2.GetCaseRequest(case_id="small-2"))
    with pytest.raises(grpc.RpcError) as info:
        client("GetCase", service_pb2.GetCaseRequest(case_id="missing"))
    assert trailers(info.value)["x-request-id"] == "ticket-4711"

    def lines() -> list[dict[str, object]]:
        return [e for e in small.events() if e.get("request_id") == "ticket-4711" and e.get("msg") == "rpc"]

    assert wait_until(lambda: len(lines()) == 2)  # the line is written as the call ends
    assert [e["status"] for e in lines()] == ["OK", "NOT_FOUND"]
    for event in lines():
        assert (
            event["tenant"] == "local" and event["method"] == "GetCase" and float(event["duration_ms"]) >= 0
        )  # type: ignore[arg-type]
        assert event["level"] == "info" and str(event["ts"]).endswith("+00:00")
    failed = lines()[1]
    assert failed["error_code"] == "NOT_FOUND" and "missing" in str(failed["error"])


def test_prometheus_metrics(small: ServerProcess, small_case: str) -> None:
    assert small.metrics_port
    client = small.client()
    client("GetCase", service_pb2.GetCaseRequest(case_id=small_case))
    text = (
        urllib.request.urlopen(f"http://127.0.0.1:{small.metrics_port}/metrics", timeout=10).read().decode()
    )
    service = 'grpc_service="proofbox.v1.ProofboxService"'
    assert (
        f'grpc_server_handled_total{{grpc_code="OK",grpc_method="GetCase",{service},grpc_type="unary"}}'
        in text
    )
    assert (
        'grpc_server_handled_total{grpc_code="INVALID_ARGUMENT",grpc_method="UploadEvidence",'
        f'{service},grpc_type="client_stream"}}'
    ) in text
    assert 'proofbox_analysis_duration_seconds_count{outcome="ok"}' in text
    assert "proofbox_analysis_queue_depth 0.0" in text
    assert "proofbox_upload_bytes_total" in text


def test_workers_do_not_outlive_a_killed_server(tmp_path: Path) -> None:
    import os
    import signal

    process = ServerProcess(tmp_path, ("--listen", "127.0.0.1:0", "--workers", "2")).start()
    assert process.process is not None
    pid = process.process.pid
    children: list[int] = []
    try:
        children = child_pids(pid)
        assert len(children) >= 2  # the analysis workers (and multiprocessing's resource tracker)
        os.kill(pid, signal.SIGKILL)
        process.process.wait(timeout=10)
        assert wait_until(lambda: not any(Path(f"/proc/{c}").exists() for c in children), timeout=15)
    finally:
        process.kill()
        for child in children:  # never leave a process behind, even when the assertion failed
            if Path(f"/proc/{child}").exists():
                os.kill(child, signal.SIGKILL)


def _workers(server: ServerProcess) -> list[int]:
    return analysis_workers(server)


def test_a_dying_worker_is_retried_once_then_unavailable(small: ServerProcess, small_case: str) -> None:
    """Issue 11 item 9: a worker killed under a job (the OOM killer, say) costs a retry on a fresh
    worker, not the call; a second loss is UNAVAILABLE (retryable), never INTERNAL."""
    import os
    import signal

    client = small.client()

    def start(operation_id: str) -> Any:
        return client.svc.AssessEvidence.future(
            service_pb2.AssessEvidenceRequest(case_id=small_case, operation_id=operation_id),
            metadata=client.metadata,
            timeout=120,
        )

    once = start("doomed-1")
    assert wait_until(lambda: _running(client, "doomed-1"), timeout=30, interval=0.02)
    first = _workers(small)
    assert len(first) == 1
    os.kill(first[0], signal.SIGKILL)
    assert len(once.result().result.assessment.elements) == 4  # retried on a fresh worker

    twice = start("doomed-2")
    assert wait_until(lambda: _running(client, "doomed-2"), timeout=30, interval=0.02)
    second = _workers(small)
    os.kill(second[0], signal.SIGKILL)
    assert wait_until(lambda: (w := _workers(small)) != [] and w != second, timeout=30, interval=0.02)
    third = _workers(small)
    os.kill(third[0], signal.SIGKILL)  # the retry's worker dies too
    with pytest.raises(grpc.RpcError) as info:
        twice.result()
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE, info.value.details()
    assert "died twice" in (info.value.details() or "")
    result = client(
        "AssessEvidence", service_pb2.AssessEvidenceRequest(case_id=small_case), timeout=120
    ).result
    assert len(result.assessment.elements) == 4  # a fresh worker took over
    assert small.process is not None and small.process.poll() is None
