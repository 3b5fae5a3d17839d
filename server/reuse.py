"""Reused evidence across a tenant's cases: store each assessed file's fingerprint, look up the
earlier ones it matches, and say so as consistency findings (``CONSISTENCY_EVIDENCE_REUSED``).

The lookup is a multi-index hash in the database (``evidence_hashes``: each indexed 64-bit hash
split into bands of 21, 21 and 22 bits in indexed columns, its file named by an integer id). A
video probes with at most ``IndexConfig.video_probes`` evenly spaced frame hashes and their mirror
images, a photo with its hash, its mirror image and every band value one bit away from theirs;
rows sharing a band value are verified by Hamming distance here, the files with most verified rows
are the candidates, and :func:`evidence.reuse.match` aligns each candidate's whole fingerprint with
the query's. Matching never leaves the tenant: every store call is scoped to it. Costs at a
million stored videos: docs/reuse.md.

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

__all__ = ["IndexConfig", "Offered", "check_reuse", "find_reuse", "index_rows", "offered_files", "probes"]


@dataclass(frozen=True)
class IndexConfig:
    """How the fingerprint index is written and read (measured in docs/notes/issue-15.md)."""

    min_change_bits: int = 4
    """A frame hash is indexed unless it is this close to the one indexed before it."""
    video_probes: int = 30
    """Most frame hashes a video probes with, evenly spaced over its changing frames (each with its
    mirror image): about 5,000 index rows read at 60 million rows, whatever the video's length."""
    photo_radius: int = 1
    """A photo also probes every band value this many bits from its own: with 1, any hash within
    5 bits of it shares a probed value (three bands), at ~22 times the rows of an exact probe."""
    candidate_rows: int = 20_000
    """Index rows fetched per lookup at most."""
    max_candidates: int = 16
    """Files aligned in full per query (those with most verified rows)."""


@dataclass(frozen=True)
class Offered:
    """One file of an assessment and its fingerprint (``name``: the photo's name; "video" for the video)."""

    record: EvidenceRecord
    fingerprint: Fingerprint
    name: str


def _changing(fp: Fingerprint, min_change_bits: int) -> list[int]:
    """Positions of the frames that differ from the last one kept by more than ``min_change_bits``."""
    kept: list[int] = []
    for i, h in enumerate(fp.hashes):
        if kept and (h ^ fp.hashes[kept[-1]]).bit_count() <= min_change_bits:
            continue
        kept.append(i)
    return kept


def index_rows(fp: Fingerprint, index: IndexConfig | None = None) -> tuple[tuple[int, int], ...]:
    """The (ms, hash) rows a fingerprint is indexed by: each hash unless it repeats the last one."""
    index = index or IndexConfig()
    return tuple((round(fp.times[i] * 1000), fp.hashes[i]) for i in _changing(fp, index.min_change_bits))


def probes(fp: Fingerprint, index: IndexConfig | None = None) -> list[int]:
    """The hashes a lookup probes with: at most ``video_probes`` evenly spaced changing frames of a
    video (all of a photo's), each with its mirror image."""
    index = index or IndexConfig()
    kept = _changing(fp, index.min_change_bits) if fp.kind == "video" else list(range(len(fp.hashes)))
    if len(kept) > index.video_probes and fp.kind == "video":
        kept = [kept[i] for i in np.linspace(0, len(kept) - 1, index.video_probes).round().astype(int)]
    return list(dict.fromkeys([fp.hashes[i] for i in kept] + [fp.mirrored[i] for i in kept]))


def candidates(
    store: Store, tenant_id: str, fp: Fingerprint, exclude: str, cfg: MatchConfig, index: IndexConfig
) -> list[PrintRecord]:
    """Stored fingerprints of the tenant whose index rows are near ``fp``'s hashes, most rows first."""
    mine = probes(fp, index)
    radius = index.photo_radius if fp.kind == "photo" else 0
    rows = store.find_hashes(tenant_id, mine, index.candidate_rows, radius)
    if not rows:
        return []
    found = as_array([h for _, h in rows])
    query = as_array(mine)
    bits = cfg.photo_bits if fp.kind == "photo" else cfg.frame_bits
    near = np.asarray(np.asarray(hamming(found[:, None], query[None, :]) <= bits).any(axis=1))
    counts = Counter(file_id for (file_id, _), ok in zip(rows, near.tolist(), strict=True) if ok)
    best = [file_id for file_id, _ in counts.most_common(index.max_candidates + 1)]
    stored = store.get_prints_by_id(tenant_id, best)
    out = [stored[f] for f in best if f in stored and stored[f].sha256 != exclude]
    return out[: index.max_candidates]


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
    index: IndexConfig | None = None,
) -> list[Finding]:
    """A finding for each earlier file of another case that shows the same footage as an offered
    file; the offered fingerprints are stored for later lookups (unless ``save`` is False)."""
    cfg = cfg or MatchConfig()
    index = index or IndexConfig()
    findings: list[Finding] = []
    for item in offered:
        fp, record = item.fingerprint, item.record
        # the best match per other case(s): one finding each, naming the evidence that matched best
        best: dict[tuple[str, ...], tuple[Match, EvidenceRecord, str]] = {}
        same_bytes = tuple(c for c in record.case_ids if c != case_id)
        if same_bytes:  # these very bytes were uploaded for another case
            best[same_bytes] = (_whole(fp), record, fp.kind)
        for stored in candidates(store, tenant_id, fp, record.sha256, cfg, index):
            other_fp = unpack(stored.data)
            found = match(fp, other_fp, cfg)
            other = store.get_evidence(tenant_id, stored.sha256) if found is not None else None
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
                PrintRecord(
                    tenant_id, record.sha256, fp.kind, pack(fp), datetime.now(UTC), index_rows(fp, index)
                )
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
    index: IndexConfig | None = None,
) -> Assessment:
    """``assessment`` with the findings of :func:`find_reuse` (consistency at best INCONCLUSIVE)."""
    return with_findings(assessment, find_reuse(store, tenant_id, case_id, offered, save, cfg, index))


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
