"""Reused evidence across a tenant's cases: store each assessed file's fingerprint, look up the
earlier ones it matches, and say so as consistency findings (``CONSISTENCY_EVIDENCE_REUSED``).

The lookup is a multi-index hash in the database (``evidence_hashes``: each indexed 64-bit hash
split into four 16-bit bands in indexed columns). A query probes with its frame hashes and their
mirror images; rows sharing a band are verified by Hamming distance here, the files with most
verified rows are the candidates, and :func:`evidence.reuse.match` aligns each candidate's whole
fingerprint with the query's. Matching never leaves the tenant: every store call is scoped to it.

The same bytes linked to another case (one upload, two cases) are reuse without any hashing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from evidence.model import Assessment, Finding, Fingerprint
from evidence.reuse import (
    Match,
    MatchConfig,
    as_array,
    hamming,
    match,
    pack,
    reuse_finding,
    unpack,
    with_findings,
)

from .store import EvidenceRecord, PrintRecord, Store

__all__ = ["Offered", "check_reuse", "find_reuse", "index_rows", "offered_files", "probes"]

INDEX_MIN_CHANGE_BITS = 4  # a frame hash is indexed unless it is this close to the one indexed before
MAX_PROBES = 800  # hashes a query probes with (a long video's are thinned evenly)
CANDIDATE_ROWS = 20_000  # index rows fetched per lookup at most
MAX_CANDIDATES = 16  # files aligned in full per query


@dataclass(frozen=True)
class Offered:
    """One file of an assessment and its fingerprint (``name``: the photo's name; "video" for the video)."""

    record: EvidenceRecord
    fingerprint: Fingerprint
    name: str


def index_rows(fp: Fingerprint) -> tuple[tuple[int, int], ...]:
    """The (ms, hash) rows a fingerprint is indexed by: each hash unless it repeats the last one."""
    rows: list[tuple[int, int]] = []
    last: int | None = None
    for t, h in zip(fp.times, fp.hashes, strict=True):
        if last is not None and (h ^ last).bit_count() <= INDEX_MIN_CHANGE_BITS:
            continue
        rows.append((round(t * 1000), h))
        last = h
    return tuple(rows)


def probes(fp: Fingerprint) -> list[int]:
    """The hashes a lookup probes with: each (and its mirror image), at most MAX_PROBES."""
    both = list(dict.fromkeys((*fp.hashes, *fp.mirrored)))
    if len(both) <= MAX_PROBES:
        return both
    pick = np.linspace(0, len(both) - 1, MAX_PROBES).round().astype(int)
    return [both[i] for i in pick]


def candidates(store: Store, tenant_id: str, fp: Fingerprint, exclude: str, cfg: MatchConfig) -> list[str]:
    """Files of the tenant whose index rows are near ``fp``'s hashes, most rows first."""
    mine = probes(fp)
    rows = store.find_hashes(tenant_id, mine, CANDIDATE_ROWS)
    rows = [r for r in rows if r[0] != exclude]
    if not rows:
        return []
    found = as_array([h for _, h in rows])
    query = as_array(mine)
    bits = cfg.photo_bits if fp.kind == "photo" else cfg.frame_bits
    near = np.asarray(np.asarray(hamming(found[:, None], query[None, :]) <= bits).any(axis=1))
    close = [bool(x) for x in near]
    counts = Counter(sha for (sha, _), ok in zip(rows, close, strict=True) if ok)
    return [sha for sha, _ in counts.most_common(MAX_CANDIDATES)]


def _weight(m: Match) -> float:
    return m.similarity * max(m.length, 0.5)


def _whole(fp: Fingerprint) -> Match:
    end = round(fp.duration, 2) if fp.kind == "video" else 0.0
    return Match(0.0, end, 0.0, end, 1.0, False, len(fp.hashes))


def _finding(
    item: Offered, m: Match, other: EvidenceRecord, other_kind: str, others: tuple[str, ...]
) -> Finding:
    return reuse_finding(
        m,
        media=item.name,
        media_kind=item.fingerprint.kind,
        other_case_ids=others,
        other_evidence_id=other.sha256,
        other_kind=other_kind,
        other_name=other.filename,
    )


def find_reuse(
    store: Store,
    tenant_id: str,
    case_id: str,
    offered: Sequence[Offered],
    save: bool = True,
    cfg: MatchConfig | None = None,
) -> list[Finding]:
    """A finding for each earlier file of another case that shows the same footage as an offered
    file; the offered fingerprints are stored for later lookups (unless ``save`` is False)."""
    cfg = cfg or MatchConfig()
    findings: list[Finding] = []
    for item in offered:
        fp, record = item.fingerprint, item.record
        # the best match per other case(s): one finding each, naming the evidence that matched best
        best: dict[tuple[str, ...], tuple[Match, EvidenceRecord, str]] = {}
        same_bytes = tuple(c for c in record.case_ids if c != case_id)
        if same_bytes:  # these very bytes were uploaded for another case
            best[same_bytes] = (_whole(fp), record, fp.kind)
        shas = candidates(store, tenant_id, fp, record.sha256, cfg)
        stored = store.get_prints(tenant_id, shas)
        for sha in shas:
            if sha not in stored:
                continue
            other_fp = unpack(stored[sha].data)
            found = match(fp, other_fp, cfg)
            other = store.get_evidence(tenant_id, sha) if found is not None else None
            if found is None or other is None:
                continue
            others = tuple(c for c in other.case_ids if c != case_id)
            if not others:  # footage of this case only (a re-upload) is no finding
                continue
            if others not in best or _weight(found) > _weight(best[others][0]):
                best[others] = (found, other, other_fp.kind)
        for others, (found, other, kind) in best.items():
            findings.append(_finding(item, found, other, kind, others))
        if save:
            store.put_print(
                PrintRecord(tenant_id, record.sha256, fp.kind, pack(fp), datetime.now(UTC), index_rows(fp))
            )
    return findings


def check_reuse(
    store: Store,
    tenant_id: str,
    case_id: str,
    offered: Sequence[Offered],
    assessment: Assessment,
    save: bool = True,
    cfg: MatchConfig | None = None,
) -> Assessment:
    """``assessment`` with the findings of :func:`find_reuse` (consistency at best INCONCLUSIVE)."""
    return with_findings(assessment, find_reuse(store, tenant_id, case_id, offered, save, cfg))


def offered_files(
    assessment: Assessment, video: EvidenceRecord | None, photos: Sequence[EvidenceRecord]
) -> list[Offered]:
    """The assessed files with the fingerprints the analysis computed (photos in the order given)."""
    out: list[Offered] = []
    if video is not None and assessment.fingerprint is not None:
        out.append(Offered(video, assessment.fingerprint, "video"))
    for record, facts in zip(photos, assessment.photos, strict=False):
        if facts.fingerprint is not None:
            out.append(Offered(record, facts.fingerprint, facts.name or record.filename))
    return out
