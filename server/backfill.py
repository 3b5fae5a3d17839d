"""Fingerprints for evidence stored before reuse detection existed (issue 15): the backfill.

Evidence uploaded by an earlier version, or uploaded and never assessed, has no fingerprint, so a
later copy of it is not found. :func:`backfill_prints` reads each such file's bytes from the blob
store, fingerprints it with the analysis that fingerprints new uploads (``evidence.assess``: the
same hashes, so old and new files match each other), stores the fingerprint and reports the
earlier files of other cases it already matches. A file that cannot be read or analysed is
reported and skipped; running the backfill again retries it. Stored results are not changed.

Run it with ``proofbox backfill-prints`` beside the server's data (same configuration).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from evidence.assess import assess, assess_photo
from evidence.config import AnalysisConfig
from evidence.errors import ProofboxError
from evidence.model import CaseFacts, Finding, Fingerprint

from .blobs import BlobStore
from .reuse import Offered, find_reuse
from .store import EvidenceRecord, Store

__all__ = ["BackfillSummary", "Backfilled", "backfill_prints", "fingerprint_file"]

PAGE = 100  # records read per query

Fingerprinter = Callable[[Path, EvidenceRecord], "Fingerprint | None"]


def fingerprint_file(path: Path, record: EvidenceRecord) -> Fingerprint | None:
    """The fingerprint the analysis computes for a stored file (a video is analysed in full: the
    fingerprint comes from its one decode pass)."""
    if record.kind == "video":
        return assess(path, CaseFacts()).fingerprint
    return assess_photo(path, AnalysisConfig(), record.filename).fingerprint


@dataclass(frozen=True)
class Backfilled:
    """One file the backfill visited: fingerprinted (with the matches found) or why not."""

    record: EvidenceRecord
    findings: tuple[Finding, ...] = ()
    problem: str = ""  # empty when fingerprinted


@dataclass
class BackfillSummary:
    fingerprinted: int = 0
    failed: int = 0
    files: list[Backfilled] = field(default_factory=list)


def backfill_prints(
    store: Store,
    blobs: BlobStore,
    tenant_id: str | None = None,
    limit: int | None = None,
    fingerprint: Fingerprinter = fingerprint_file,
    on_file: Callable[[Backfilled], None] | None = None,
) -> BackfillSummary:
    """Fingerprint the stored evidence (of one tenant, or every tenant) that has none, at most
    ``limit`` files; each is matched against its tenant's fingerprinted evidence first."""
    summary = BackfillSummary()
    after: tuple[str, str] | None = None
    while limit is None or len(summary.files) < limit:
        page = store.evidence_without_prints(tenant_id, PAGE, after)
        if not page:
            break
        for record in page:
            if limit is not None and len(summary.files) >= limit:
                break
            after = (record.tenant_id, record.sha256)
            done = _backfill_one(store, blobs, record, fingerprint)
            summary.files.append(done)
            if done.problem:
                summary.failed += 1
            else:
                summary.fingerprinted += 1
            if on_file is not None:
                on_file(done)
    return summary


def _backfill_one(
    store: Store, blobs: BlobStore, record: EvidenceRecord, fingerprint: Fingerprinter
) -> Backfilled:
    if not blobs.exists(record.sha256):
        return Backfilled(record, problem="the file's bytes are missing from the blob store")
    try:
        with blobs.staged([(record.sha256, record.filename)]) as paths:
            fp = fingerprint(paths[0], record)
    except ProofboxError as exc:
        return Backfilled(record, problem=str(exc))
    if fp is None:
        return Backfilled(record, problem="the analysis produced no fingerprint (nothing decodable)")
    name = "video" if record.kind == "video" else record.filename
    case_id = record.case_ids[0] if record.case_ids else ""
    findings = find_reuse(store, record.tenant_id, case_id, [Offered(record, fp, name)], save=True)
    return Backfilled(record, tuple(findings))
