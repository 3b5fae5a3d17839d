"""The server's operations on domain types: cases, evidence selection, assessment, prediction, results.

Servicers (``service.py``) translate requests into these calls and responses out of them; this
module owns the rules: case versions, which evidence an assessment uses, operation-id idempotency,
and what a stored result contains. Every call is scoped to a :class:`~server.auth.Principal`'s
tenant. Store calls run on the database threads (or inline, for SQLite without per-commit fsync);
analysis runs in the worker pool. Three small LRU caches spare repeated work: parsed cases by content
hash, validated inline cases by message digest, and predictions that are pure functions of (case,
evaluation time, pack version).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import disputes
from disputes import DisputeCase, EvidenceSummary, PolicyPack
from evidence.errors import FailedPrecondition, InvalidInput, NotFound
from evidence.model import Assessment
from proofbox.v1 import assessment_pb2, cases_pb2, prediction_pb2, records_pb2

from . import __version__
from .analysis import AnalysisPool
from .auth import Principal
from .blobs import BlobStore
from .convert import (
    assessment_to_proto,
    canonical_case,
    case_from_json,
    case_from_proto,
    case_proto_from_json,
    evidence_summary_from_proto,
    prediction_to_proto,
)
from .ids import check_case_id, check_operation_id, check_sha256, new_result_id
from .reuse import check_reuse, offered_files
from .store import CaseRecord, EvidenceRecord, ResultRecord, Store

__all__ = ["CaseRef", "Engine", "Scored", "StoredAssessment"]

T = TypeVar("T")
KIND_NAMES = {
    records_pb2.RESULT_KIND_ASSESSMENT: "assessment",
    records_pb2.RESULT_KIND_PREDICTION: "prediction",
    records_pb2.RESULT_KIND_ASSESSMENT_AND_PREDICTION: "assessment_and_prediction",
}
MAX_EVIDENCE_PER_CASE = 1000
ASSESSMENTS_SCANNED = 50  # newest assessments of a case searched for one of its current evidence


@dataclass(frozen=True)
class CaseRef:
    """The case a request names: a stored id or an inline message (``oneof case_source``)."""

    case_id: str = ""
    message: cases_pb2.DisputeCase | None = None

    @classmethod
    def of(cls, request: Any) -> CaseRef:
        which = request.WhichOneof("case_source")
        if which == "case_id":
            return cls(case_id=request.case_id)
        if which == "case":
            return cls(message=request.case)
        raise InvalidInput("name a stored case (case_id) or send one inline (case)", field="case_id")


@dataclass(frozen=True)
class StoredAssessment:
    """A stored assessment a prediction uses: its result id, the evidence it judged, its verdicts."""

    result_id: str
    evidence_ids: tuple[str, ...]
    summary: EvidenceSummary


@dataclass(frozen=True)
class Scored:
    """A case resolved for scoring: the validated case and, when stored, its record."""

    case: DisputeCase
    record: CaseRecord | None
    sha256: str
    content: str = ""  # canonical JSON, for an inline case not stored yet


class Engine:
    def __init__(self, store: Store, blobs: BlobStore, pool: AnalysisPool, db_executor: Executor) -> None:
        self.store = store
        self.blobs = blobs
        self.pool = pool
        self._db_executor = db_executor
        self._cases: OrderedDict[str, DisputeCase] = OrderedDict()  # by content SHA-256
        self._inline: OrderedDict[bytes, Scored] = OrderedDict()  # by request message digest
        self._predictions: OrderedDict[tuple[str, str, str, str], prediction_pb2.Prediction] = OrderedDict()

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store call: on the database threads, or right here when the store says its calls
        are sub-millisecond local work (SQLite without per-commit fsync), where a thread hop would
        cost more than the call."""
        if self.store.inline_calls:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._db_executor, fn, *args)

    # --- cases -------------------------------------------------------------------------------------

    def _remember(self, sha256: str, case: DisputeCase) -> None:
        _remember(self._cases, sha256, case)

    def _parse_stored(self, record: CaseRecord) -> DisputeCase:
        case = self._cases.get(record.content_sha256)
        if case is None:
            case = case_from_json(record.content)
            self._remember(record.content_sha256, case)
        return case

    async def put_case(
        self,
        principal: Principal,
        message: cases_pb2.DisputeCase,
        expected_version: int = 0,
        field: str = "case",
    ) -> tuple[CaseRecord, bool]:
        """Validate and store a case: a new version when its content differs from the latest."""
        case = case_from_proto(message, field)
        check_case_id(case.case_id, f"{field}.case_id")
        if expected_version < 0:
            raise InvalidInput("must not be negative", field="expected_version")
        content, sha = canonical_case(case)
        return await self._store_case(principal, case, content, sha, expected_version)

    async def _store_case(
        self, principal: Principal, case: DisputeCase, content: str, sha: str, expected_version: int = 0
    ) -> tuple[CaseRecord, bool]:
        record, changed = await self.db(
            self.store.put_case,
            principal.tenant_id,
            case.case_id,
            content,
            sha,
            expected_version,
            datetime.now(UTC),
        )
        self._remember(sha, case)
        return record, changed

    async def get_case(self, principal: Principal, case_id: str, version: int = 0) -> CaseRecord:
        check_case_id(case_id)
        record = await self.db(self.store.get_case, principal.tenant_id, case_id, version)
        if record is None:
            which = f"version {version} of case" if version else "case"
            raise NotFound(f"no {which} {case_id!r} is stored for this tenant; store it with PutCase first")
        return record

    @staticmethod
    def stored_case_proto(record: CaseRecord) -> records_pb2.StoredCase:
        stored = records_pb2.StoredCase(
            case=case_proto_from_json(record.content),
            version=record.version,
            content_sha256=record.content_sha256,
        )
        stored.created_at.FromDatetime(record.created_at)
        return stored

    async def resolve(self, principal: Principal, ref: CaseRef, *, store: bool) -> Scored:
        """The case a request names; an inline case is validated, and stored when ``store``."""
        if ref.message is None:
            record = await self.get_case(principal, ref.case_id)
            return Scored(self._parse_stored(record), record, record.content_sha256)
        # validation is a pure function of the message: identical messages are parsed once
        key = hashlib.sha256(ref.message.SerializeToString(deterministic=True)).digest()
        scored = self._inline.get(key)
        if scored is None:
            case = case_from_proto(ref.message)
            check_case_id(case.case_id, "case.case_id")
            content, sha = canonical_case(case)
            scored = Scored(case, None, sha, content)
            _remember(self._inline, key, scored)
        return await self.persist(principal, scored) if store else scored

    async def persist(self, principal: Principal, scored: Scored) -> Scored:
        """Store an inline case resolved without storing (a no-op for stored cases)."""
        if scored.record is not None:
            return scored
        record, _ = await self._store_case(principal, scored.case, scored.content, scored.sha256)
        return Scored(scored.case, record, record.content_sha256)

    # --- evidence ------------------------------------------------------------------------------

    async def select_evidence(
        self, principal: Principal, case_id: str, evidence_ids: list[str]
    ) -> tuple[EvidenceRecord | None, list[EvidenceRecord]]:
        """The video and photos to assess: the ids given, else the case's latest video and all photos."""
        if evidence_ids:
            records = []
            for i, evidence_id in enumerate(dict.fromkeys(evidence_ids)):
                check_sha256(evidence_id, f"evidence_ids[{i}]")
                record = await self.db(self.store.get_evidence, principal.tenant_id, evidence_id)
                if record is None:
                    raise NotFound(
                        f"evidence {evidence_id} is not stored for this tenant; upload it with UploadEvidence first"
                    )
                records.append(record)
        else:
            records, _ = await self.db(
                self.store.list_evidence, principal.tenant_id, case_id, MAX_EVIDENCE_PER_CASE, None
            )
            videos = [r for r in records if r.kind == "video"]
            records = [r for r in records if r.kind == "photo"] + videos[-1:]
            if not records:
                raise FailedPrecondition(
                    f"case {case_id!r} has no evidence: upload the unboxing video with UploadEvidence "
                    f"(header.case_id = {case_id!r}) or name evidence_ids"
                )
        videos = [r for r in records if r.kind == "video"]
        if len(videos) > 1:
            raise InvalidInput(
                f"names {len(videos)} videos; an assessment judges one unboxing video (and any photos)",
                field="evidence_ids",
            )
        for record in records:
            if not self.blobs.exists(record.sha256):
                raise FailedPrecondition(
                    f"the bytes of evidence {record.sha256} ({record.filename}) are missing from the server's "
                    "store; upload the file again"
                )
        return (videos[0] if videos else None), [r for r in records if r.kind == "photo"]

    async def assess(
        self,
        principal: Principal,
        scored: Scored,
        selection: tuple[EvidenceRecord | None, list[EvidenceRecord]],
        token: str | None,
        *,
        timeout_s: float | None,
        wait: bool,
        dry_run: bool = False,
    ) -> tuple[Assessment, list[str]]:
        """Assess the files in the pool, then look up the tenant's earlier evidence showing the same
        footage (``server.reuse``); a dry run stores no fingerprint."""
        video, photos = selection
        files = ([video] if video else []) + photos
        with self.blobs.staged([(r.sha256, r.filename) for r in files]) as paths:
            video_path = paths[0] if video else None
            photo_paths = paths[1:] if video else paths
            assessment = await self.pool.run(
                token,
                video_path,
                [(path, record.filename) for path, record in zip(photo_paths, photos, strict=True)],
                disputes.evidence_facts(scored.case),
                timeout_s=timeout_s,
                wait=wait,
            )
        offered = offered_files(assessment, video, photos)
        if offered:
            assessment = await self.db(
                check_reuse,
                self.store,
                principal.tenant_id,
                scored.case.case_id,
                offered,
                assessment,
                not dry_run,
            )
        return assessment, [r.sha256 for r in files]

    async def stored_assessment(
        self, principal: Principal, ref: CaseRef, scored: Scored
    ) -> tuple[StoredAssessment | None, records_pb2.EvidenceBasis]:
        """The latest stored assessment of the case's current evidence (its latest video and all its
        photos, as AssessEvidence would choose them), made against the same case facts; or why none
        can be used. Without one, the evidence summary the case carries (if any) stands."""
        case = scored.case
        fallback = (
            records_pb2.EVIDENCE_SOURCE_CASE_SUMMARY
            if case.evidence is not None
            else records_pb2.EVIDENCE_SOURCE_NONE
        )
        tail = (
            "; the evidence summary the case carries is used"
            if case.evidence is not None
            else "; the prediction has no evidence verdicts"
        )

        def none(reason: str, why: str) -> tuple[None, records_pb2.EvidenceBasis]:
            return None, records_pb2.EvidenceBasis(source=fallback, reason=reason, message=why + tail)

        if ref.message is not None:
            return none("INLINE_CASE", "the case was sent inline, so no stored assessment was looked up")
        tenant = principal.tenant_id
        records, _ = await self.db(
            self.store.list_evidence, tenant, case.case_id, MAX_EVIDENCE_PER_CASE, None
        )
        videos = [r.sha256 for r in records if r.kind == "video"]
        current = {r.sha256 for r in records if r.kind == "photo"} | set(videos[-1:])
        if not current:
            return none("NO_EVIDENCE", f"case {case.case_id!r} has no evidence uploaded")
        found = await self.db(
            self.store.list_results,
            tenant,
            case.case_id,
            ASSESSMENTS_SCANNED,
            None,
            ("assessment", "assessment_and_prediction"),
        )
        for record in found:
            result = records_pb2.Result.FromString(record.payload)
            if set(result.evidence_ids) != current or not result.HasField("assessment"):
                continue
            if result.case_sha256 != scored.sha256:
                assessed = await self.db(self.store.get_case, tenant, case.case_id, result.case_version)
                if assessed is None or disputes.evidence_facts(
                    self._parse_stored(assessed)
                ) != disputes.evidence_facts(case):
                    return none(
                        "CASE_FACTS_CHANGED",
                        f"the latest assessment of the case's current evidence ({result.result_id}, case "
                        f"version {result.case_version}) checked it against other case facts than version "
                        f"{scored.record.version if scored.record else 0} has (tracking number, dates or the "
                        "claimed problem); assess the evidence again",
                    )
            summary = evidence_summary_from_proto(result.assessment)
            return StoredAssessment(
                result.result_id, tuple(result.evidence_ids), summary
            ), records_pb2.EvidenceBasis(
                source=records_pb2.EVIDENCE_SOURCE_STORED_ASSESSMENT,
                assessment_result_id=result.result_id,
                message=f"the evidence verdicts of assessment {result.result_id}, the latest of the case's "
                "current evidence, were used",
            )
        return none(
            "NOT_ASSESSED",
            f"no stored assessment of case {case.case_id!r}'s current evidence ({len(current)} file(s)); "
            "assess it with AssessEvidence or AssessAndPredict",
        )

    # --- prediction ----------------------------------------------------------------------------

    @staticmethod
    def pack(case: DisputeCase, version: str) -> PolicyPack:
        return disputes.load_pack(case.platform.value, version or None)

    # --- results -------------------------------------------------------------------------------

    async def existing(self, principal: Principal, operation_id: str) -> records_pb2.Result | None:
        """The stored result of an earlier request with this operation id, if any."""
        if not check_operation_id(operation_id):
            return None
        record = await self.db(self.store.find_result_by_operation, principal.tenant_id, operation_id)
        return decode_result(record) if record else None

    async def score(
        self,
        principal: Principal,
        ref: CaseRef,
        *,
        assess: bool,
        predict: bool,
        evidence_ids: list[str],
        at: datetime | None,
        pack_version: str,
        operation_id: str = "",
        timeout_s: float | None = None,
        wait: bool = False,
        dry_run: bool = False,
    ) -> records_pb2.Result:
        """Assess and/or predict one case and store the result (unless ``dry_run``)."""
        check_operation_id(operation_id)
        token = (
            f"{principal.tenant_id}/{operation_id}" if operation_id else None
        )  # progress is by operation id
        board = self.pool.board
        if operation_id:
            found = await self.existing(principal, operation_id)
            if found is not None:
                return found
        try:
            # validate everything the request names before storing anything
            scored = await self.resolve(principal, ref, store=False)
            pack = self.pack(scored.case, pack_version) if predict else None
            selection = (
                await self.select_evidence(principal, scored.case.case_id, evidence_ids) if assess else None
            )
            if not dry_run:
                scored = await self.persist(principal, scored)
            assessment: Assessment | None = None
            used: list[str] = []
            if selection is not None:
                assessment, used = await self.assess(
                    principal, scored, selection, token, timeout_s=timeout_s, wait=wait, dry_run=dry_run
                )
            prediction: prediction_pb2.Prediction | None = None
            basis: records_pb2.EvidenceBasis | None = None
            if predict:
                assert pack is not None
                if token:
                    board.update(token, stage="predicting", fraction=0.99)
                stored: StoredAssessment | None = None
                if assessment is not None:
                    basis = records_pb2.EvidenceBasis(
                        source=records_pb2.EVIDENCE_SOURCE_ASSESSED_HERE,
                        message="the assessment made by this request (in this result) decided the evidence verdicts",
                    )
                else:
                    stored, basis = await self.stored_assessment(principal, ref, scored)
                prediction = self._predict(scored, pack, at, assessment, stored)
            kind = (
                records_pb2.RESULT_KIND_ASSESSMENT_AND_PREDICTION
                if assess and predict
                else records_pb2.RESULT_KIND_ASSESSMENT
                if assess
                else records_pb2.RESULT_KIND_PREDICTION
            )
            result = records_pb2.Result(
                result_id="" if dry_run else new_result_id(),
                kind=kind,
                case_id=scored.case.case_id,
                case_version=scored.record.version if scored.record else 0,
                case_sha256=scored.sha256,
                analyser_version=assessment.analyser_version if assessment else "",
                policy_pack_version=prediction.pack_version if prediction else "",
                server_version=__version__,
                evidence_ids=used or (list(stored.evidence_ids) if stored else []),
                operation_id=operation_id,
            )
            if basis is not None:
                result.evidence_basis.CopyFrom(basis)
            result.created_at.FromDatetime(datetime.now(UTC))
            if assessment is not None:
                result.assessment.CopyFrom(assessment_to_proto(assessment))
            if prediction is not None:
                result.prediction.CopyFrom(prediction)
            if not dry_run:
                result = await self.save(principal, result)
        except BaseException as exc:
            if token:
                board.update(token, state="failed", stage="failed", error=exc)
            raise
        if token:
            board.update(token, state="succeeded", stage="done", fraction=1.0, result_id=result.result_id)
        return without_keyframe_bytes(result)

    def _predict(
        self,
        scored: Scored,
        pack: PolicyPack,
        at: datetime | None,
        assessment: Assessment | None,
        stored: StoredAssessment | None = None,
    ) -> prediction_pb2.Prediction:
        """``disputes.predict`` as a message. Without a fresh assessment, and with a fixed evaluation
        time (``at`` or the case's ``as_of``), prediction is a pure function of (case, time, pack,
        stored assessment used), so repeated requests reuse the first answer."""
        when = at or scored.case.as_of
        key = (
            (scored.sha256, when.isoformat(), pack.version, stored.result_id if stored else "")
            if when is not None and assessment is None
            else None
        )
        if key is not None and (cached := self._predictions.get(key)) is not None:
            return cached
        case = scored.case if stored is None else replace(scored.case, evidence=stored.summary)
        message = prediction_to_proto(disputes.predict(case, pack, at=at, assessment=assessment))
        if key is not None:
            _remember(self._predictions, key, message)
        return message

    async def save(self, principal: Principal, result: records_pb2.Result) -> records_pb2.Result:
        """Store a result (the first one wins for an operation id) and return what is stored."""
        has_frames = result.HasField("assessment") and len(result.assessment.keyframes) > 0
        keyframes = assessment_pb2.Assessment(keyframes=result.assessment.keyframes) if has_frames else None
        slim = without_keyframe_bytes(result)
        record = ResultRecord(
            tenant_id=principal.tenant_id,
            result_id=result.result_id,
            case_id=result.case_id,
            kind=KIND_NAMES[result.kind],
            created_at=result.created_at.ToDatetime(tzinfo=UTC),
            payload=slim.SerializeToString(),
            keyframes=keyframes.SerializeToString() if keyframes is not None else b"",
            operation_id=result.operation_id or None,
        )
        stored, created = await self.db(self.store.put_result, record)
        return slim if created else decode_result(stored)

    async def get_result(
        self, principal: Principal, result_id: str, include_keyframes: bool
    ) -> records_pb2.Result:
        if not result_id:
            raise InvalidInput("is required", field="result_id")
        record = await self.db(self.store.get_result, principal.tenant_id, result_id)
        if record is None:
            raise NotFound(f"no result {result_id!r} is stored for this tenant")
        return decode_result(record, include_keyframes)


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, limit: int = 2048) -> None:
    """Put ``key`` in an LRU cache of ``limit`` entries."""
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > limit:
        cache.popitem(last=False)


def without_keyframe_bytes(result: records_pb2.Result) -> records_pb2.Result:
    """A copy whose key frames keep their time and label but not their JPEG bytes."""
    if not any(k.jpeg for k in result.assessment.keyframes):
        return result
    slim = records_pb2.Result()
    slim.CopyFrom(result)
    for frame in slim.assessment.keyframes:
        frame.ClearField("jpeg")
    return slim


def decode_result(record: ResultRecord, include_keyframes: bool = False) -> records_pb2.Result:
    result = records_pb2.Result.FromString(record.payload)
    if include_keyframes and record.keyframes:
        frames = assessment_pb2.Assessment.FromString(record.keyframes).keyframes
        del result.assessment.keyframes[:]
        result.assessment.keyframes.extend(frames)
    return result
