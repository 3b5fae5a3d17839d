"""The server edge: one interceptor for every RPC.

For each call it: takes or makes a request id (``x-request-id``) and keeps it, with the tenant, in
contextvars for the logs; authenticates the API key and checks the method's role; runs the handler;
maps a :class:`~evidence.errors.ProofboxError` to its status (``server.errors``) with the error code,
field and request id in trailing metadata and in ``grpc-status-details-bin``; turns anything
unexpected into INTERNAL (logged with its traceback, never a crash); and writes one JSON log line and
the Prometheus request metrics. Health checks and reflection pass through unauthenticated.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from evidence.errors import InvalidInput, ProofboxError, ResourceExhausted
from proofbox.i18n import negotiate
from proofbox.i18n.errors import localized_error

from .auth import Authenticator, Principal, key_from_metadata, require_role
from .bounds import check_bounds, clip, lenient
from .errors import status_for
from .ids import new_request_id
from .logs import REQUEST_ID, TENANT, TRACEPARENT, log_event
from .metrics import BIDI_STREAM, CLIENT_STREAM, SERVER_STREAM, UNARY, Metrics, RpcSeries

__all__ = ["METHOD_ROLES", "EdgeInterceptor", "current_principal", "use_principal"]

_PRINCIPAL: contextvars.ContextVar[Principal] = contextvars.ContextVar("proofbox_principal")
PUBLIC_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
ERROR_DOMAIN = "proofbox.dev"
DEFAULT_RETRY_S = 5.0
QUIET_METHODS = frozenset({"GetProgress"})  # logged at debug when they succeed

_SVC = "/proofbox.v1.ProofboxService/"
_ADMIN = "/proofbox.v1.AdminService/"
METHOD_ROLES: dict[str, tuple[str, str]] = {
    # method: (role needed, what it does, for the PERMISSION_DENIED message)
    _SVC + "UploadEvidence": ("read_write", "upload evidence"),
    _SVC + "GetEvidence": ("read_only", "read evidence"),
    _SVC + "ListEvidence": ("read_only", "list evidence"),
    _SVC + "PutCase": ("read_write", "store cases"),
    _SVC + "GetCase": ("read_only", "read cases"),
    _SVC + "AssessEvidence": ("read_write", "assess evidence (results are stored)"),
    _SVC + "PredictOutcome": ("read_write", "predict outcomes (results are stored)"),
    _SVC + "AssessAndPredict": ("read_write", "assess and predict (results are stored)"),
    _SVC + "GetResult": ("read_only", "read results"),
    _SVC + "ListResults": ("read_only", "list results"),
    _SVC + "GetProgress": ("read_only", "read progress"),
    _SVC + "CheckDeadlines": ("read_only", "check deadlines"),
    _SVC + "CheckReopenEligibility": ("read_only", "check re-open eligibility"),
    _SVC + "ScoreCases": ("read_write", "score cases (results are stored)"),
    _ADMIN + "CreateApiKey": ("admin", "create API keys"),
    _ADMIN + "RevokeApiKey": ("admin", "revoke API keys"),
    _ADMIN + "ListApiKeys": ("admin", "list API keys"),
}


def current_principal() -> Principal:
    """The caller of the RPC being served (set by the interceptor before the handler runs)."""
    return _PRINCIPAL.get()


def use_principal(principal: Principal) -> None:
    """Act as ``principal`` in the current context: for servicers driven without the interceptor
    (tests, batch jobs running in the server process)."""
    _PRINCIPAL.set(principal)


@dataclass
class Call:
    """What the edge knows about one RPC while it runs."""

    method: str
    request_id: str
    peer: str
    principal: Principal | None = None
    denial: ProofboxError | None = None
    code: grpc.StatusCode = grpc.StatusCode.OK
    error_code: str = ""
    error: str = ""
    started: float = field(default_factory=time.perf_counter)
    traceparent: str = ""
    series: RpcSeries | None = None
    language: str = ""  # what the request asked for (its language field, else accept-language)

    @property
    def short_method(self) -> str:
        return self.method.rsplit("/", 1)[-1]


def _details(call: Call, error: ProofboxError, code: grpc.StatusCode, default_language: str = "en") -> bytes:
    info = error_details_pb2.ErrorInfo(
        reason=error.code, domain=ERROR_DOMAIN, metadata={"request_id": call.request_id}
    )
    details: list[Any] = [info]
    if isinstance(error, ResourceExhausted):
        delay = duration_pb2.Duration()
        delay.FromTimedelta(timedelta(seconds=retry_delay_s(error)))
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    if isinstance(error, InvalidInput) and error.field:
        info.metadata["field"] = error.field
        violation = error_details_pb2.BadRequest.FieldViolation(field=error.field, description=error.message)
        details.append(error_details_pb2.BadRequest(field_violations=[violation]))
    lang, _note = negotiate(call.language, default_language)
    field_name = error.field if isinstance(error, InvalidInput) else ""
    details.append(
        error_details_pb2.LocalizedMessage(
            locale=lang, message=localized_error(error.code, error.message, field_name, lang)
        )
    )
    packed = []
    for detail in details:
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    status = status_pb2.Status(code=code.value[0], message=error.message, details=packed)
    encoded: bytes = status.SerializeToString()
    return encoded


class EdgeInterceptor(grpc.aio.ServerInterceptor):
    def __init__(
        self,
        auth: Authenticator,
        metrics: Metrics,
        auth_call: Callable[[str | None], Awaitable[Principal]],
        language: str = "en",
    ) -> None:
        self.language = language  # the server's default language for error texts
        self.auth = auth
        self.metrics = metrics
        self._auth_call = auth_call

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or method.startswith(PUBLIC_PREFIXES):
            return handler
        metadata = {k: v for k, v in (handler_call_details.invocation_metadata or ()) if isinstance(v, str)}
        call = Call(method, new_request_id(metadata.get("x-request-id")), "")
        call.traceparent = valid_traceparent(metadata.get("traceparent"))
        call.language = metadata.get("accept-language", "")
        try:
            call.principal = await self._authenticate(method, metadata)
        except ProofboxError as exc:
            call.denial = exc
        return self._wrap(handler, call)

    async def _authenticate(self, method: str, metadata: Mapping[str, str]) -> Principal:
        key = key_from_metadata(metadata)
        principal = self.auth.cached(key) if key else None
        if principal is None:
            principal = await self._auth_call(key)
        role, what = METHOD_ROLES.get(method, ("admin", "call this method"))
        require_role(principal, role, what)
        return principal

    # --- wrapping -------------------------------------------------------------------------------

    def _wrap(self, handler: grpc.RpcMethodHandler[Any, Any], call: Call) -> grpc.RpcMethodHandler[Any, Any]:
        h: Any = handler
        kind = (
            UNARY
            if h.unary_unary is not None
            else CLIENT_STREAM
            if h.stream_unary is not None
            else SERVER_STREAM
            if h.unary_stream is not None
            else BIDI_STREAM
        )
        call.series = series = self.metrics.rpc(kind, call.method)
        if h.unary_unary is not None:
            inner_uu = h.unary_unary

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                series.received.inc()
                call.language = getattr(request, "language", "") or call.language

                async def run() -> Any:
                    check_bounds(request)
                    return await inner_uu(request, context)

                return await self._unary(call, context, run)

            return grpc.unary_unary_rpc_method_handler(
                unary_unary,
                request_deserializer=lenient(h.request_deserializer),
                response_serializer=h.response_serializer,
            )
        if h.stream_unary is not None:
            inner_su = h.stream_unary

            async def stream_unary(requests: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                counted = _counted(requests, series.received, bounded=True)
                return await self._unary(call, context, lambda: inner_su(counted, context))

            return grpc.stream_unary_rpc_method_handler(
                stream_unary,
                request_deserializer=lenient(h.request_deserializer),
                response_serializer=h.response_serializer,
            )
        if h.unary_stream is not None:
            inner_us = h.unary_stream

            async def unary_stream(
                request: Any, context: grpc.aio.ServicerContext[Any, Any]
            ) -> AsyncIterator[Any]:
                series.received.inc()

                async def run() -> AsyncIterator[Any]:
                    check_bounds(request)
                    async for item in inner_us(request, context):
                        yield item

                async for item in self._stream(call, context, run):
                    yield item

            return grpc.unary_stream_rpc_method_handler(
                unary_stream,
                request_deserializer=lenient(h.request_deserializer),
                response_serializer=h.response_serializer,
            )
        inner_ss = h.stream_stream

        async def stream_stream(
            requests: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            # an async generator function itself: grpc.aio tells streaming handlers apart by that
            # ScoreCases bounds each item itself, so one oversized item does not end the stream
            counted = _counted(requests, series.received, bounded=False)
            async for item in self._stream(call, context, lambda: inner_ss(counted, context)):
                yield item

        return grpc.stream_stream_rpc_method_handler(
            stream_stream,
            request_deserializer=lenient(h.request_deserializer),
            response_serializer=h.response_serializer,
        )

    def _enter(self, call: Call, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        call.started = time.perf_counter()
        call.peer = context.peer()
        if call.series is not None:
            call.series.started.inc()
        REQUEST_ID.set(call.request_id)
        TRACEPARENT.set(call.traceparent)
        if call.principal is not None:
            TENANT.set(call.principal.tenant_id)
            _PRINCIPAL.set(call.principal)
        if call.denial is not None:
            raise call.denial

    async def _unary(
        self, call: Call, context: grpc.aio.ServicerContext[Any, Any], run: Callable[[], Any]
    ) -> Any:
        try:
            self._enter(call, context)
            response = await run()
            context.set_trailing_metadata((("x-request-id", call.request_id),))
            if call.series is not None:
                call.series.sent.inc()
            return response
        except BaseException as exc:
            await self._fail(call, context, exc)
        finally:
            self._finish(call)

    async def _stream(
        self, call: Call, context: grpc.aio.ServicerContext[Any, Any], run: Callable[[], AsyncIterator[Any]]
    ) -> AsyncIterator[Any]:
        try:
            self._enter(call, context)
            async for item in run():
                if call.series is not None:
                    call.series.sent.inc()
                yield item
            context.set_trailing_metadata((("x-request-id", call.request_id),))
        except BaseException as exc:
            await self._fail(call, context, exc)
        finally:
            self._finish(call)

    async def _fail(
        self, call: Call, context: grpc.aio.ServicerContext[Any, Any], exc: BaseException
    ) -> NoReturn:
        if isinstance(exc, asyncio.CancelledError):
            # grpc cancels the handler both when the client goes away and when its deadline passes;
            # logs and metrics tell the two apart (the client sees DEADLINE_EXCEEDED either way)
            call.code = (
                grpc.StatusCode.DEADLINE_EXCEEDED if _deadline_passed(context) else grpc.StatusCode.CANCELLED
            )
            raise exc
        if isinstance(exc, grpc.aio.AbortError):  # a handler aborted by itself
            code: Any = context.code()
            call.code = code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN
            raise exc
        if isinstance(exc, ProofboxError):
            error = exc
            call.code = status_for(error)
        else:
            call.code = grpc.StatusCode.INTERNAL
            _log_unexpected(call, exc)
            error = ProofboxError(
                f"internal server error; quote request id {call.request_id} when reporting it "
                "(the server log has the details)",
                code="INTERNAL",
            )
        # the last line of defence against echoing a client's megabytes into trailing metadata
        if len(error.message) > MAX_MESSAGE or (
            isinstance(error, InvalidInput) and len(error.field) > MAX_FIELD
        ):
            error = _clipped(error)
        call.error_code, call.error = error.code, error.message
        trailing: list[tuple[str, str | bytes]] = [
            ("x-request-id", call.request_id),
            ("proofbox-error-code", error.code),
            ("grpc-status-details-bin", _details(call, error, call.code, self.language)),
        ]
        if isinstance(error, InvalidInput) and error.field:
            trailing.append(("proofbox-error-field", error.field))
        if isinstance(error, ResourceExhausted):  # gRPC's own retries wait this long (retry throttling)
            trailing.append(("grpc-retry-pushback-ms", str(int(retry_delay_s(error) * 1000))))
        await context.abort(call.code, error.message, trailing_metadata=tuple(trailing))
        raise AssertionError("unreachable: context.abort raises")  # pragma: no cover

    def _finish(self, call: Call) -> None:
        elapsed = time.perf_counter() - call.started
        code = call.code.name
        method = call.short_method
        if call.series is not None:
            call.series.handled(code).inc()
            call.series.latency.observe(elapsed)
        fields: dict[str, Any] = {
            "method": method,
            "status": code,
            "duration_ms": round(elapsed * 1000, 3),
            "peer": call.peer,
            "key_id": call.principal.key_id if call.principal else None,
        }
        if call.error_code:
            fields["error_code"], fields["error"] = call.error_code, call.error
        if call.traceparent:
            fields["traceparent"] = call.traceparent
        if call.code is grpc.StatusCode.INTERNAL:
            level = logging.ERROR
        elif method in QUIET_METHODS and call.code is grpc.StatusCode.OK:
            level = logging.DEBUG  # a progress bar polls several times a second
        else:
            level = logging.INFO
        log_event("rpc", level=level, **fields)


MAX_MESSAGE = 1000  # characters of an error message sent back (and logged)
MAX_FIELD = 200  # characters of a field path


def _clipped(error: ProofboxError) -> ProofboxError:
    """A copy of ``error`` with its message and field path cut to size (same class, code and extras)."""
    clipped = copy.copy(error)
    clipped.args = (clip(error.message, MAX_MESSAGE),)
    if isinstance(clipped, InvalidInput):
        clipped.field = clip(clipped.field, MAX_FIELD)
    return clipped


def _deadline_passed(context: grpc.aio.ServicerContext[Any, Any]) -> bool:
    try:
        remaining = context.time_remaining()
    except Exception:  # no deadline, or the call is already torn down
        return False
    return remaining is not None and remaining <= DEADLINE_SLACK_S


DEADLINE_SLACK_S = 0.05
"""A call cancelled with this little time left counts as past its deadline (timer granularity)."""


def _log_unexpected(call: Call, exc: BaseException) -> None:
    logging.getLogger("proofbox.server").error(
        "unexpected error", exc_info=(type(exc), exc, exc.__traceback__), extra={"method": call.short_method}
    )


def retry_delay_s(error: ResourceExhausted) -> float:
    """How long a client should wait before retrying (``retry_after_s`` on the error, else 5 s)."""
    value = getattr(error, "retry_after_s", None)
    return float(value) if isinstance(value, int | float) and value > 0 else DEFAULT_RETRY_S


_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


def valid_traceparent(value: str | None) -> str:
    """The W3C ``traceparent`` header when well formed (and not all zeros), else ""."""
    if not value:
        return ""
    value = value.strip().lower()
    match = _TRACEPARENT.match(value)
    if match is None or set(match.group(1)) == {"0"} or set(match.group(2)) == {"0"}:
        return ""
    return value


async def _counted(requests: AsyncIterator[Any], counter: Any, *, bounded: bool) -> AsyncIterator[Any]:
    """The request stream, counted; with ``bounded``, each message's strings are checked
    (:mod:`server.bounds`)."""
    async for request in requests:
        counter.inc()
        if bounded:
            check_bounds(request)
        yield request
