"""The CLI's connection to a proofbox server: address, TLS, API key, and errors as a person reads them.

Only the generated stubs are used, as any ticketing system would. The API key comes from
``--api-key``, else ``PROOFBOX_API_KEY``, else the key file ``proofbox serve`` writes on first
start (``<data dir>/local-api-key``; the data dir is ``--data-dir``, ``PROOFBOX_DATA`` or ``./data``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from proofbox.channel import channel_options
from proofbox.i18n import translate
from proofbox.v1 import admin_pb2_grpc, evidence_pb2, service_pb2, service_pb2_grpc

__all__ = [
    "CHUNK_BYTES",
    "CliError",
    "Connection",
    "ServerError",
    "file_sha256",
    "find_api_key",
    "needs_extra",
]

CHUNK_BYTES = 1024 * 1024
DEFAULT_SERVER = "127.0.0.1:50051"


class CliError(Exception):
    """A problem on this side (a missing file, no key); the CLI prints it and exits with 2.

    ``code`` is a stable code for scripts (``--json`` prints it): ``LOCAL_ERROR`` by default,
    ``INVALID_ARGUMENT`` for a JSON file that does not fit its message (with ``field``).
    """

    def __init__(self, message: str, *, code: str = "LOCAL_ERROR", field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.field = field

    def to_json(self) -> dict[str, str]:
        return {"status": "LOCAL", "code": self.code, "message": str(self), "field": self.field}


def T_(msgid: str, /, **params: Any) -> str:
    """``msgid`` in the context's language (the CLI's ``--lang``); marked for extraction as ``T_``."""
    return translate(msgid, params)


@contextmanager
def needs_extra(extra: str, what: str) -> Iterator[None]:
    """Imports of an optional part: a light (client-only) install says which extra to add."""
    try:
        yield
    except ModuleNotFoundError as exc:
        raise CliError(
            translate(
                "{what} needs proofbox's {extra} extra (Python module {module} is not installed): {command}",
                {
                    "what": what,
                    "extra": repr(extra),
                    "module": repr(exc.name),
                    "command": f"pip install 'proofbox[{extra}]'",
                },
            ),
            code="MISSING_EXTRA",
        ) from None


@dataclass(frozen=True)
class ServerError(Exception):
    """The server refused a call; carries what it said."""

    code: str
    message: str
    error_code: str = ""
    field: str = ""
    request_id: str = ""
    localized: str = ""  # google.rpc.LocalizedMessage in the language the CLI asked for

    @classmethod
    def from_rpc(cls, error: grpc.RpcError) -> ServerError:
        call: Any = error
        metadata = tuple(call.trailing_metadata() or ())
        trailers = {k: v for k, v in metadata if isinstance(v, str)}
        return cls(
            code=call.code().name,
            message=call.details() or "",
            error_code=trailers.get("proofbox-error-code", ""),
            field=trailers.get("proofbox-error-field", ""),
            request_id=trailers.get("x-request-id", ""),
            localized=_localized(metadata),
        )

    def to_json(self) -> dict[str, str]:
        """What ``--json`` prints on stderr: the gRPC status, proofbox's stable code and the rest."""
        return {
            "status": self.code,
            "code": self.error_code or self.code,
            "message": self.message,
            "field": self.field,
            "request_id": self.request_id,
        }

    def __str__(self) -> str:
        extra = [f"code {self.error_code}" if self.error_code and self.error_code != self.code else ""]
        extra.append(f"request {self.request_id}" if self.request_id else "")
        tail = ", ".join(e for e in extra if e)
        hint = ""
        if self.code == "UNAVAILABLE":
            hint = " (is `proofbox serve` running, and is --server right?)"
        return f"{self.code}: {self.localized or self.message}{hint}" + (f" [{tail}]" if tail else "")


def _localized(metadata: tuple[tuple[str, Any], ...]) -> str:
    """The LocalizedMessage detail of a status, when it is not English (that is the message)."""
    try:  # googleapis-common-protos comes with grpcio-status (the server extra), not the light client
        from google.rpc import error_details_pb2, status_pb2
    except ImportError:
        return ""
    for key, value in metadata:
        if key != "grpc-status-details-bin" or not isinstance(value, bytes):
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            if detail.Is(error_details_pb2.LocalizedMessage.DESCRIPTOR):
                message = error_details_pb2.LocalizedMessage()
                detail.Unpack(message)
                if message.locale != "en":
                    return str(message.message)
    return ""


def data_dir(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("PROOFBOX_DATA") or "data")


def find_api_key(explicit: str | None, data: str | None) -> str:
    if explicit:
        return explicit.strip()
    from_env = os.environ.get("PROOFBOX_API_KEY", "").strip()
    if from_env:
        return from_env
    key_file = data_dir(data) / "local-api-key"
    try:
        return key_file.read_text(encoding="utf-8").strip()
    except OSError:
        raise CliError(
            translate(
                "no API key: pass --api-key, set PROOFBOX_API_KEY, or run where `proofbox serve` keeps its data "
                "(looked for {path}; use --data-dir to point elsewhere)",
                {"path": str(key_file)},
            )
        ) from None


def file_sha256(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
            if progress is not None:
                progress(len(chunk))
    return digest.hexdigest()


class Connection:
    """A channel with the API key attached to every call."""

    def __init__(
        self,
        address: str | None,
        api_key: str,
        *,
        ca_file: str | None = None,
        tls: bool = False,
        timeout_s: float | None = None,
        language: str = "",
    ) -> None:
        self.address = address or os.environ.get("PROOFBOX_SERVER") or DEFAULT_SERVER
        self.timeout_s = timeout_s
        options = channel_options()  # the documented service config (retries) and keepalive
        if ca_file or tls:
            root = Path(ca_file).read_bytes() if ca_file else None
            self.channel = grpc.secure_channel(
                self.address, grpc.ssl_channel_credentials(root), options=options
            )
        else:
            self.channel = grpc.insecure_channel(self.address, options=options)
        self.metadata: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {api_key}"),)
        if language:  # the texts of every reply in the CLI's language (docs/api.md, "Languages")
            self.metadata += (("accept-language", language),)
        self.service = service_pb2_grpc.ProofboxServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)

    def call(self, method: Any, request: Any, *, timeout_s: float | None = None) -> Any:
        """Call a unary method; grpc errors become :class:`ServerError`."""
        try:
            return method(request, metadata=self.metadata, timeout=timeout_s or self.timeout_s)
        except grpc.RpcError as exc:
            raise ServerError.from_rpc(exc) from None

    def start(self, method: Any, request: Any, *, timeout_s: float | None = None) -> Any:
        """Start a unary call without waiting (a grpc future)."""
        return method.future(request, metadata=self.metadata, timeout=timeout_s or self.timeout_s)

    def evidence(self, sha256: str) -> evidence_pb2.Evidence | None:
        """The stored evidence with these bytes, or None when this tenant has not uploaded them."""
        try:
            response = self.call(self.service.GetEvidence, service_pb2.GetEvidenceRequest(evidence_id=sha256))
        except ServerError as exc:
            if exc.code == "NOT_FOUND":
                return None
            raise
        evidence: evidence_pb2.Evidence = response.evidence
        return evidence

    def upload(
        self,
        path: Path,
        case_id: str,
        kind: int,
        sha256: str,
        progress: Callable[[int], None] | None = None,
    ) -> service_pb2.UploadEvidenceResponse:
        size = path.stat().st_size

        def requests() -> Iterator[service_pb2.UploadEvidenceRequest]:
            header = service_pb2.UploadHeader(
                case_id=case_id,
                kind=kind,  # type: ignore[arg-type]
                filename=path.name,
                size_bytes=size,
                sha256=sha256,
            )
            yield service_pb2.UploadEvidenceRequest(header=header)
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK_BYTES):
                    yield service_pb2.UploadEvidenceRequest(chunk=chunk)
                    if progress is not None:
                        progress(len(chunk))

        try:
            response: service_pb2.UploadEvidenceResponse = self.service.UploadEvidence(
                requests(), metadata=self.metadata, timeout=self.timeout_s
            )
        except grpc.RpcError as exc:
            raise ServerError.from_rpc(exc) from None
        return response

    def close(self) -> None:
        self.channel.close()
