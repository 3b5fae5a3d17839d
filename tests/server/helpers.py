"""Running real proofbox servers (``python -m proofbox serve`` on port 0) and talking to them with
the generated stubs, as a ticketing system would."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from proofbox.jsonform import parse
from proofbox.v1 import admin_pb2, admin_pb2_grpc, cases_pb2, evidence_pb2, service_pb2, service_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90.0
VIDEO = evidence_pb2.EVIDENCE_KIND_VIDEO
PHOTO = evidence_pb2.EVIDENCE_KIND_PHOTO

# A Tmall return the merchant refuses because the goods came back damaged; the return was signed for
# one hour before the generated unboxing videos are recorded (2026-11-20 10:00 Beijing time) and
# carries the waybill number the videos show.
CASE: dict[str, Any] = {
    "case_id": "case-1",
    "platform": "tmall",
    "as_of": "2026-11-21T12:00:00+08:00",
    "order": {
        "order_id": "TM-1",
        "amount": "399.00",
        "created_at": "2026-11-01T10:00:00+08:00",
        "paid_at": "2026-11-01T10:05:00+08:00",
    },
    "claim": {"kind": "return_and_refund", "reason": "no_reason_7_day", "amount": "399.00"},
    "ticket": {"type": "return_refund", "status": "return_shipped"},
    "timeline": {
        "shipped_at": "2026-11-02T09:00:00+08:00",
        "buyer_signed_at": "2026-11-04T15:00:00+08:00",
        "requested_at": "2026-11-10T10:00:00+08:00",
        "return_agreed_at": "2026-11-10T12:00:00+08:00",
        "return_shipped_at": "2026-11-18T16:00:00+08:00",
        "return_signed_at": "2026-11-20T09:00:00+08:00",
        "evidence_deadline": "2026-11-25T00:00:00+08:00",
        "evidence_submitted_at": "2026-11-21T10:00:00+08:00",
    },
    "merchant": {"refusal_reason": "returned_damaged"},
    "logistics": {"return_tracking_number": "SF1234567890123"},
}


def case_dict(case_id: str = "case-1", **patch: Any) -> dict[str, Any]:
    data = copy.deepcopy(CASE)
    data["case_id"] = case_id
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return data


def case_message(case_id: str = "case-1", **patch: Any) -> cases_pb2.DisputeCase:
    return parse(case_dict(case_id, **patch), cases_pb2.DisputeCase())


class Client:
    """Stubs with an API key attached."""

    def __init__(
        self, address: str, key: str | None, *, credentials: grpc.ChannelCredentials | None = None
    ) -> None:
        options = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
        self.channel = (
            grpc.secure_channel(address, credentials, options=options)
            if credentials is not None
            else grpc.insecure_channel(address, options=options)
        )
        self.metadata: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {key}"),) if key else ()
        self.svc = service_pb2_grpc.ProofboxServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)

    def __call__(self, method: str, request: Any, timeout: float = 60.0, **kwargs: Any) -> Any:
        stub = self.admin if hasattr(self.admin, method) and not hasattr(self.svc, method) else self.svc
        return getattr(stub, method)(request, metadata=self.metadata, timeout=timeout, **kwargs)

    def put_case(
        self, message: cases_pb2.DisputeCase, expected_version: int = 0
    ) -> service_pb2.PutCaseResponse:
        return self("PutCase", service_pb2.PutCaseRequest(case=message, expected_version=expected_version))

    def upload(
        self,
        data: bytes,
        case_id: str,
        kind: int = VIDEO,
        *,
        filename: str = "unboxing.mp4",
        chunk: int = 256 * 1024,
        size: int | None = None,
        sha256: str | None = None,
        timeout: float = 120.0,
    ) -> service_pb2.UploadEvidenceResponse:
        return self.svc.UploadEvidence(
            upload_requests(data, case_id, kind, filename=filename, chunk=chunk, size=size, sha256=sha256),
            metadata=self.metadata,
            timeout=timeout,
        )

    def close(self) -> None:
        self.channel.close()


def upload_requests(
    data: bytes,
    case_id: str,
    kind: int,
    *,
    filename: str = "unboxing.mp4",
    chunk: int = 256 * 1024,
    size: int | None = None,
    sha256: str | None = None,
) -> Iterator[service_pb2.UploadEvidenceRequest]:
    header = service_pb2.UploadHeader(
        case_id=case_id,
        kind=kind,  # type: ignore[arg-type]
        filename=filename,
        size_bytes=len(data) if size is None else size,
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
    )
    yield service_pb2.UploadEvidenceRequest(header=header)
    for start in range(0, len(data), chunk):
        yield service_pb2.UploadEvidenceRequest(chunk=data[start : start + chunk])


def trailers(error: grpc.RpcError) -> dict[str, str]:
    call: Any = error
    return {k: v for k, v in (call.trailing_metadata() or ()) if isinstance(v, str)}


@dataclass
class ServerProcess:
    """One ``proofbox serve`` process and what it logged."""

    data_dir: Path
    args: tuple[str, ...]
    env: Mapping[str, str] | None = None
    process: subprocess.Popen[str] | None = None
    address: str = ""
    metrics_port: int | None = None
    lines: list[str] = field(default_factory=list)
    _serving: threading.Event = field(default_factory=threading.Event)

    def start(self) -> ServerProcess:
        self._serving.clear()
        self.lines = []
        command = [sys.executable, "-m", "proofbox", "serve", "--data-dir", str(self.data_dir), *self.args]
        env = {**os.environ, **(self.env or {})}
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._serving.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("proofbox serve did not start:\n" + "\n".join(self.lines[-30:]))
        return self

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        with process.stderr:
            for line in process.stderr:
                self.lines.append(line.rstrip("\n"))
                if '"msg": "serving"' in line:
                    event = json.loads(line)
                    self.address = event["address"]
                    self.metrics_port = event.get("metrics_port")
                    self._serving.set()

    @property
    def key(self) -> str:
        return (self.data_dir / "local-api-key").read_text().strip()

    def client(self, key: str | None = "", **kwargs: Any) -> Client:
        return Client(self.address, self.key if key == "" else key, **kwargs)

    def events(self) -> list[dict[str, Any]]:
        found = []
        for line in list(self.lines):
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return found

    def stop(self, timeout: float = 60.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        # the worker processes die with their parent's pipe; wait for them to go
        time.sleep(0.2)


def child_pids(pid: int) -> list[int]:
    """PIDs of ``pid``'s children, from every thread's ``/proc/.../children`` (a thread that ends
    while they are read is skipped: its task directory is gone)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def analysis_workers(server: ServerProcess, name: str = "proofbox-worker") -> list[int]:
    """PIDs of the server's analysis worker processes (by process name: not the photo workers
    ``proofbox-photo``, nor multiprocessing's resource tracker)."""
    assert server.process is not None
    found = []
    for child in child_pids(server.process.pid):
        try:
            comm = Path(f"/proc/{child}/comm").read_text().strip()
        except OSError:  # gone meanwhile
            continue
        if comm == name:
            found.append(child)
    return found


def create_key(admin: Client, tenant: str, role: int = admin_pb2.ROLE_READ_WRITE) -> str:
    response = admin(
        "CreateApiKey", admin_pb2.CreateApiKeyRequest(tenant_id=tenant, role=role, description="test")
    )
    secret: str = response.secret
    return secret


def wait_until(predicate: Any, timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
