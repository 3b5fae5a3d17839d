"""proofbox.v1.ProofboxService and AdminService: requests in, engine calls, responses out.

Nothing here decides policy or touches files; the rules live in ``engine.py``, ``uploads.py`` and
the cores. Errors propagate as :mod:`evidence.errors` exceptions to the edge (``edge.py``), which
alone turns them into status codes.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from datetime import UTC, datetime
from typing import Any

import grpc

import disputes
from evidence.config import MediaLimits
from evidence.errors import InvalidInput, NotFound, PermissionDenied, ProofboxError
from proofbox.i18n import DEFAULT as DEFAULT_LANGUAGE
from proofbox.i18n import negotiate
from proofbox.i18n.results import localize, localize_buyer, localize_deadlines, localize_eligibility
from proofbox.jsonform import short_enum
from proofbox.v1 import admin_pb2, admin_pb2_grpc, cases_pb2, records_pb2, service_pb2, service_pb2_grpc

from .auth import OPERATOR, ROLES, Authenticator, Principal, check_tenant_id, mint_key
from .blobs import BlobStore
from .bounds import LIMITS, check_bounds, clip
from .convert import (
    actor_from_proto,
    buyer_application_to_proto,
    deadline_to_proto,
    eligibility_to_proto,
    order_from_proto,
    timestamp_or_none,
)
from .edge import current_principal
from .engine import CaseRef, Engine
from .errors import status_for
from .ids import check_case_id, check_operation_id, check_sha256
from .logs import REQUEST_ID, log_event
from .metrics import Metrics
from .store import ApiKeyRecord
from .tokens import PageTokens
from .uploads import evidence_to_proto, receive_upload

__all__ = ["AdminServicer", "ProofboxServicer"]

Context = grpc.aio.ServicerContext[Any, Any]
_ROLE_NUMBERS = {
    "read_only": admin_pb2.ROLE_READ_ONLY,
    "read_write": admin_pb2.ROLE_READ_WRITE,
    "admin": admin_pb2.ROLE_ADMIN,
    "operator": admin_pb2.ROLE_OPERATOR,
}
_ROLE_NAMES = {v: k for k, v in _ROLE_NUMBERS.items()}


def _page_size(requested: int, default: int, maximum: int) -> int:
    if requested < 0:
        raise InvalidInput("must not be negative", field="page_size")
    return min(requested or default, maximum)


_MAX_MICROS = 2**63 - 1
_POSITION = re.compile(r"^(\d{1,19}):([0-9a-f]{64})$")
_RESULT_ID = re.compile(r"^res_[0-9a-f]{32}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")


def _bad_token() -> InvalidInput:
    return InvalidInput("is not a page token this server issued; start again without it", field="page_token")


def language_for(request: Any, context: Context | None, default: str) -> tuple[str, str]:
    """The reply's language and a note when the request could not be honoured exactly.

    The request's ``language`` field wins; else the ``accept-language`` metadata; else the server's
    default. An unknown tag is never an error: the default is used and the note says so.
    """
    requested = getattr(request, "language", "")
    if not requested and context is not None:
        for key, value in context.invocation_metadata() or ():
            if key == "accept-language" and isinstance(value, str):
                requested = value
                break
    lang, note = negotiate(requested, default)
    return lang, note.render(lang) if note is not None else ""


def localized(result: records_pb2.Result, lang: str, note: str) -> records_pb2.Result:
    """A copy of ``result`` with its texts in ``lang`` (the stored one keeps codes and English)."""
    copy = records_pb2.Result()
    copy.CopyFrom(result)
    return localize(copy, lang, note)


def problem_for(error: BaseException, request_id: str) -> records_pb2.Problem:
    """The Problem a stream item reports instead of failing the stream."""
    if isinstance(error, ProofboxError):
        return records_pb2.Problem(
            status=status_for(error).name,
            reason=error.code,
            message=clip(error.message, 1000),
            field=clip(getattr(error, "field", "") or "", 200),
            request_id=request_id,
        )
    logging.getLogger("proofbox.server").error(
        "unexpected error in a stream item", exc_info=(type(error), error, error.__traceback__)
    )
    return records_pb2.Problem(
        status="INTERNAL",
        reason="INTERNAL",
        message=f"internal server error; quote request id {request_id} when reporting it",
        request_id=request_id,
    )


class ProofboxServicer(service_pb2_grpc.ProofboxServiceServicer):
    def __init__(
        self,
        engine: Engine,
        blobs: BlobStore,
        io_executor: Executor,
        limits: MediaLimits,
        metrics: Metrics,
        score_window: int,
        language: str = DEFAULT_LANGUAGE,
        upload_idle_s: float = 60.0,
        tokens: PageTokens | None = None,
    ) -> None:
        self.language = language
        self.engine = engine
        self.blobs = blobs
        self.io = io_executor
        self.limits = limits
        self.metrics = metrics
        self.score_window = score_window
        self.upload_idle_s = upload_idle_s
        self.tokens = tokens or PageTokens()

    # --- evidence ------------------------------------------------------------------------------

    async def UploadEvidence(
        self, request_iterator: AsyncIterator[service_pb2.UploadEvidenceRequest], context: Context
    ) -> service_pb2.UploadEvidenceResponse:
        return await receive_upload(
            current_principal(),
            request_iterator,
            blobs=self.blobs,
            store=self.engine.store,
            db=self.engine.db,
            io=self.io,
            limits=self.limits,
            metrics=self.metrics,
            idle_s=self.upload_idle_s,
            inspect_photo=self.engine.pool.inspect_photo,
        )

    async def GetEvidence(
        self, request: service_pb2.GetEvidenceRequest, context: Context
    ) -> service_pb2.GetEvidenceResponse:
        check_sha256(request.evidence_id, "evidence_id")
        record = await self.engine.db(
            self.engine.store.get_evidence, current_principal().tenant_id, request.evidence_id
        )
        if record is None:
            raise NotFound(f"evidence {request.evidence_id} is not stored for this tenant; upload it first")
        return service_pb2.GetEvidenceResponse(evidence=evidence_to_proto(record))

    async def ListEvidence(
        self, request: service_pb2.ListEvidenceRequest, context: Context
    ) -> service_pb2.ListEvidenceResponse:
        check_case_id(request.case_id)
        size = _page_size(request.page_size, 100, 1000)
        scope = ("ListEvidence", current_principal().tenant_id, request.case_id)
        after = None
        if request.page_token:
            match = _POSITION.match(self.tokens.read(request.page_token, scope))
            if match is None or int(match.group(1)) > _MAX_MICROS:
                raise _bad_token()
            after = (int(match.group(1)), match.group(2))
        records, position = await self.engine.db(
            self.engine.store.list_evidence, current_principal().tenant_id, request.case_id, size, after
        )
        token = (
            self.tokens.issue(scope, f"{position[0]}:{position[1]}")
            if position and len(records) == size
            else ""
        )
        return service_pb2.ListEvidenceResponse(
            evidence=[evidence_to_proto(r) for r in records], next_page_token=token
        )

    # --- cases ---------------------------------------------------------------------------------

    async def PutCase(
        self, request: service_pb2.PutCaseRequest, context: Context
    ) -> service_pb2.PutCaseResponse:
        if not request.HasField("case"):
            raise InvalidInput("is required", field="case")
        record, changed = await self.engine.put_case(
            current_principal(), request.case, request.expected_version
        )
        return service_pb2.PutCaseResponse(stored=self.engine.stored_case_proto(record), changed=changed)

    async def GetCase(
        self, request: service_pb2.GetCaseRequest, context: Context
    ) -> service_pb2.GetCaseResponse:
        if request.version < 0:
            raise InvalidInput("must not be negative", field="version")
        record = await self.engine.get_case(current_principal(), request.case_id, request.version)
        return service_pb2.GetCaseResponse(stored=self.engine.stored_case_proto(record))

    # --- assessment and prediction ----------------------------------------------------------------

    async def AssessEvidence(
        self, request: service_pb2.AssessEvidenceRequest, context: Context
    ) -> service_pb2.AssessEvidenceResponse:
        result = await self.engine.score(
            current_principal(),
            CaseRef.of(request),
            assess=True,
            predict=False,
            evidence_ids=list(request.evidence_ids),
            at=None,
            pack_version="",
            operation_id=request.operation_id,
            timeout_s=context.time_remaining(),
        )
        return service_pb2.AssessEvidenceResponse(
            result=localized(result, *language_for(request, context, self.language))
        )

    async def PredictOutcome(
        self, request: service_pb2.PredictOutcomeRequest, context: Context
    ) -> service_pb2.PredictOutcomeResponse:
        result = await self.engine.score(
            current_principal(),
            CaseRef.of(request),
            assess=False,
            predict=True,
            evidence_ids=[],
            at=timestamp_or_none(request, "at"),
            pack_version=request.policy_pack_version,
            operation_id=request.operation_id,
        )
        return service_pb2.PredictOutcomeResponse(
            result=localized(result, *language_for(request, context, self.language))
        )

    async def AssessAndPredict(
        self, request: service_pb2.AssessAndPredictRequest, context: Context
    ) -> service_pb2.AssessAndPredictResponse:
        result = await self.engine.score(
            current_principal(),
            CaseRef.of(request),
            assess=True,
            predict=True,
            evidence_ids=list(request.evidence_ids),
            at=timestamp_or_none(request, "at"),
            pack_version=request.policy_pack_version,
            operation_id=request.operation_id,
            timeout_s=context.time_remaining(),
        )
        return service_pb2.AssessAndPredictResponse(
            result=localized(result, *language_for(request, context, self.language))
        )

    # --- results -------------------------------------------------------------------------------

    async def GetResult(
        self, request: service_pb2.GetResultRequest, context: Context
    ) -> service_pb2.GetResultResponse:
        result = await self.engine.get_result(
            current_principal(), request.result_id, request.include_keyframes
        )
        return service_pb2.GetResultResponse(
            result=localized(result, *language_for(request, context, self.language))
        )

    async def ListResults(
        self, request: service_pb2.ListResultsRequest, context: Context
    ) -> service_pb2.ListResultsResponse:
        if request.case_id:
            check_case_id(request.case_id)
        size = _page_size(request.page_size, 50, 500)
        scope = ("ListResults", current_principal().tenant_id, request.case_id)
        before = None
        if request.page_token:
            before = self.tokens.read(request.page_token, scope)
            if not _RESULT_ID.match(before):
                raise _bad_token()
        records = await self.engine.db(
            self.engine.store.list_results,
            current_principal().tenant_id,
            request.case_id or None,
            size,
            before,
        )
        lang, note = language_for(request, context, self.language)
        results = [localize(records_pb2.Result.FromString(r.payload), lang, note) for r in records]
        token = self.tokens.issue(scope, records[-1].result_id) if len(records) == size else ""
        return service_pb2.ListResultsResponse(results=results, next_page_token=token)

    async def GetProgress(
        self, request: service_pb2.GetProgressRequest, context: Context
    ) -> service_pb2.GetProgressResponse:
        if not request.operation_id:
            raise InvalidInput("is required", field="operation_id")
        check_operation_id(request.operation_id)
        principal = current_principal()
        progress = self.engine.pool.board.get(f"{principal.tenant_id}/{request.operation_id}")
        if progress is None:
            stored = await self.engine.existing(principal, request.operation_id)
            if stored is None:
                raise NotFound(
                    f"no operation {request.operation_id!r} is known; progress is kept while it runs and for "
                    "10 minutes after, and its result for good"
                )
            return service_pb2.GetProgressResponse(
                state=service_pb2.OPERATION_STATE_SUCCEEDED,
                stage="done",
                fraction=1.0,
                result_id=stored.result_id,
            )
        states = {
            "queued": service_pb2.OPERATION_STATE_QUEUED,
            "running": service_pb2.OPERATION_STATE_RUNNING,
            "succeeded": service_pb2.OPERATION_STATE_SUCCEEDED,
            "failed": service_pb2.OPERATION_STATE_FAILED,
        }
        response = service_pb2.GetProgressResponse(
            state=states[progress.state],
            stage=progress.stage,
            fraction=progress.fraction,
            result_id=progress.result_id,
        )
        if progress.error is not None:
            response.problem.CopyFrom(problem_for(progress.error, REQUEST_ID.get()))
        return response

    # --- rules without a prediction -----------------------------------------------------------

    async def CheckDeadlines(
        self, request: service_pb2.CheckDeadlinesRequest, context: Context
    ) -> service_pb2.CheckDeadlinesResponse:
        scored = await self.engine.resolve(current_principal(), CaseRef.of(request), store=False)
        pack = self.engine.pack(scored.case, request.policy_pack_version)
        found = disputes.deadlines(scored.case, timestamp_or_none(request, "at"), pack)
        found = sorted(found, key=lambda d: d.due_at)
        lang, note = language_for(request, context, self.language)
        response = service_pb2.CheckDeadlinesResponse(
            deadlines=[deadline_to_proto(d) for d in found],
            policy_pack_version=pack.version,
            language=lang,
            language_note=note,
        )
        localize_deadlines(response.deadlines, lang)
        return response

    async def CheckReopenEligibility(
        self, request: service_pb2.CheckReopenEligibilityRequest, context: Context
    ) -> service_pb2.CheckReopenEligibilityResponse:
        if request.platform == 0:
            raise InvalidInput(
                "is required (PLATFORM_TMALL, PLATFORM_TAOBAO or PLATFORM_DOUYIN)", field="platform"
            )
        if not request.HasField("order"):
            raise InvalidInput("is required", field="order")
        platform_name = short_enum(cases_pb2.Platform.DESCRIPTOR, request.platform)
        if platform_name is None:
            raise InvalidInput(f"{request.platform} is not a known platform", field="platform")
        pack = disputes.load_pack(platform_name, request.policy_pack_version or None)
        actor = actor_from_proto(request.actor) if request.HasField("actor") else None
        order = order_from_proto(request.order)
        eligibility = disputes.reopen_eligibility(
            order,
            platform_name,
            actor,
            at=timestamp_or_none(request, "at"),
            pack=pack,
        )
        buyer = disputes.buyer_application(
            order, platform_name, at=timestamp_or_none(request, "at"), pack=pack
        )
        lang, note = language_for(request, context, self.language)
        response = service_pb2.CheckReopenEligibilityResponse(
            eligibility=eligibility_to_proto(eligibility),
            buyer=buyer_application_to_proto(buyer),
            language=lang,
            language_note=note,
        )
        localize_eligibility(response.eligibility, lang)
        localize_buyer(response.buyer, lang)
        return response

    # --- streams -------------------------------------------------------------------------------

    async def _score_item(
        self, request: service_pb2.ScoreCasesRequest, index: int
    ) -> service_pb2.ScoreCasesResponse:
        principal = current_principal()
        response = service_pb2.ScoreCasesResponse(index=index)
        try:
            # here, not at the edge: one oversized or unparsable item is that item's problem (its ref
            # is sent back only within its limit: an oversized one is clipped, never echoed whole)
            ref = getattr(request, "ref", "")
            response.ref = ref if len(ref) <= LIMITS["ref"] else clip(ref, LIMITS["ref"])
            check_bounds(request)
            evidence_ids = list(request.evidence_ids)
            result = await self.engine.score(
                principal,
                CaseRef.of(request),
                assess=bool(evidence_ids),
                predict=True,
                evidence_ids=evidence_ids,
                at=timestamp_or_none(request, "at"),
                pack_version=request.policy_pack_version,
                wait=True,
                dry_run=request.dry_run,
            )
            response.result.CopyFrom(result)
            localize(response.result, *language_for(request, None, self.language))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            response.problem.CopyFrom(problem_for(exc, f"{REQUEST_ID.get()}#{index}"))
        return response

    async def ScoreCases(
        self, request_iterator: AsyncIterator[service_pb2.ScoreCasesRequest], context: Context
    ) -> AsyncIterator[service_pb2.ScoreCasesResponse]:
        """Responses in request order; at most ``score_window`` requests are read and not yet answered."""
        slots = asyncio.Semaphore(self.score_window)
        ready: asyncio.Queue[asyncio.Task[service_pb2.ScoreCasesResponse] | None] = asyncio.Queue()
        requests = aiter(request_iterator)

        async def read() -> None:
            index = 0
            try:
                while True:
                    await slots.acquire()  # flow control: no room, no read
                    try:
                        request = await anext(requests)
                    except StopAsyncIteration:
                        return
                    ready.put_nowait(asyncio.ensure_future(self._score_item(request, index)))
                    index += 1
            finally:
                ready.put_nowait(None)

        reader = asyncio.ensure_future(read())
        pending: list[asyncio.Task[Any]] = []
        try:
            while (task := await ready.get()) is not None:
                pending.append(task)
                yield await task
                pending.remove(task)
                slots.release()
            await reader  # surfaces an error of the request stream itself
        finally:
            # on a cancelled stream (client gone, deadline passed) nobody awaits these any more: each
            # is cancelled, and an error it ends with anyway is retrieved here rather than logged
            # later as "exception was never retrieved" under whatever request is then running
            left = [reader, *pending]
            while not ready.empty():
                leftover = ready.get_nowait()
                if leftover is not None:
                    left.append(leftover)
            for task in left:
                task.cancel()
                task.add_done_callback(_retrieved)


def _retrieved(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


class AdminServicer(admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, engine: Engine, auth: Authenticator) -> None:
        self.engine = engine
        self.auth = auth

    @staticmethod
    def _key(record: ApiKeyRecord) -> admin_pb2.ApiKey:
        key = admin_pb2.ApiKey(
            key_id=record.key_id,
            tenant_id=record.tenant_id,
            role=_ROLE_NUMBERS[record.role],
            description=record.description,
        )
        key.created_at.FromDatetime(record.created_at)
        if record.revoked_at is not None:
            key.revoked_at.FromDatetime(record.revoked_at)
        return key

    @staticmethod
    def _tenant(principal: Principal, requested: str, what: str) -> str:
        """The tenant an admin call acts on: the named one (an operator: any; an admin: its own
        only, else PERMISSION_DENIED), or the caller's own when none is named."""
        tenant = check_tenant_id(requested) if requested else principal.tenant_id
        if principal.role != OPERATOR and tenant != principal.tenant_id:
            raise PermissionDenied(
                f"this API key ({principal.key_id}) administers tenant {principal.tenant_id!r} only and "
                f"cannot {what} of another tenant; ask the deployment's operator (an operator key)"
            )
        return tenant

    async def CreateApiKey(
        self, request: admin_pb2.CreateApiKeyRequest, context: Context
    ) -> admin_pb2.CreateApiKeyResponse:
        principal = current_principal()
        role = _ROLE_NAMES.get(request.role)
        if role is None:
            raise InvalidInput(
                f"must be one of {', '.join('ROLE_' + r.upper() for r in ROLES)}", field="role"
            )
        tenant = self._tenant(principal, request.tenant_id, "create keys")
        if role == OPERATOR and (principal.role != OPERATOR or tenant != principal.tenant_id):
            raise PermissionDenied(
                "operator keys are created only by an operator, in the operator's own tenant "
                f"({principal.tenant_id!r} for this key)"
                if principal.role == OPERATOR
                else f"this API key ({principal.key_id}) is admin and cannot create operator keys"
            )
        record, secret = mint_key(tenant, role, request.description)
        await self.engine.db(self.engine.store.add_api_key, record)
        log_event(
            "api key created",
            new_key_id=record.key_id,
            for_tenant=record.tenant_id,
            role=role,
            by_key_id=principal.key_id,
        )
        return admin_pb2.CreateApiKeyResponse(key=self._key(record), secret=secret)

    async def RevokeApiKey(
        self, request: admin_pb2.RevokeApiKeyRequest, context: Context
    ) -> admin_pb2.RevokeApiKeyResponse:
        principal = current_principal()
        if not _KEY_ID.match(request.key_id):
            raise InvalidInput("is not a key id (16 lower-case hex digits)", field="key_id")
        found = await self.engine.db(self.engine.store.get_api_key, request.key_id)
        if found is None or (principal.role != OPERATOR and found.tenant_id != principal.tenant_id):
            raise NotFound(f"no API key {request.key_id!r} in this tenant")  # another tenant's: not told
        if found.role == OPERATOR and principal.role != OPERATOR:
            raise PermissionDenied(
                f"this API key ({principal.key_id}) is admin and cannot revoke an operator key; ask an operator"
            )
        record = await self.engine.db(self.engine.store.revoke_api_key, request.key_id, datetime.now(UTC))
        if record is None:
            raise NotFound(f"no API key {request.key_id!r} in this tenant")
        self.auth.forget(record.key_id)
        log_event("api key revoked", revoked_key_id=record.key_id, by_key_id=principal.key_id)
        return admin_pb2.RevokeApiKeyResponse(key=self._key(record))

    async def ListApiKeys(
        self, request: admin_pb2.ListApiKeysRequest, context: Context
    ) -> admin_pb2.ListApiKeysResponse:
        tenant = self._tenant(current_principal(), request.tenant_id, "list the keys")
        records = await self.engine.db(self.engine.store.list_api_keys, tenant)
        return admin_pb2.ListApiKeysResponse(keys=[self._key(r) for r in records])
