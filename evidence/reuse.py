"""Reused evidence: does a fingerprint show the same footage or picture as an earlier one?

Pure matching of two :class:`~evidence.model.Fingerprint` s (the server finds the candidates in
its per-tenant index and calls :func:`match` on each):

- **video against video**: every frame hash of one is compared with every frame hash of the other;
  close pairs vote for a time offset (the copy may be trimmed, or a clip of a longer video); at the
  winning offset each frame is paired with the other video's frame nearest in time, and the
  longest run of agreeing frames is the matching range on both sides. Times, not frame numbers,
  are aligned, so a changed frame rate does not matter. The mirrored hashes catch a mirrored copy.
- **photo against video**: the photo's hash against each frame (a frame grab, or a frame of the
  video photographed); **photo against photo**: one hash against the other.

A match becomes the consistency finding ``CONSISTENCY_EVIDENCE_REUSED`` (:func:`reuse_finding`),
a WARNING that makes the element INCONCLUSIVE: the same footage for two disputes may be a
fraud or one parcel holding two orders' returns, which a person decides.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .elements.base import SOURCES, conclude
from .model import Assessment, Element, ElementResult, Finding, Fingerprint, Severity, Verdict

__all__ = [
    "Match",
    "MatchConfig",
    "as_array",
    "hamming",
    "match",
    "pack",
    "reuse_finding",
    "unpack",
    "with_findings",
]

_FORMAT_VERSION = 1


def hamming(a: np.ndarray | np.uint64, b: np.ndarray) -> np.ndarray:
    """Bits that differ between uint64 hashes (broadcasting)."""
    bits: np.ndarray = np.bitwise_count(np.bitwise_xor(a, b)).astype(np.int16)
    return bits


def as_array(values: Sequence[int]) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


def pack(fp: Fingerprint) -> bytes:
    """Compact storage form: a header, then the times (ms), the hashes and the mirrored hashes."""
    n = len(fp.hashes)
    head = struct.pack("<BBIf", _FORMAT_VERSION, 1 if fp.kind == "video" else 2, n, fp.duration)
    ms = np.round(np.array(fp.times, dtype=np.float64) * 1000).astype("<u4").tobytes()
    return (
        head
        + ms
        + as_array(fp.hashes).astype("<u8").tobytes()
        + as_array(fp.mirrored).astype("<u8").tobytes()
    )


def unpack(data: bytes) -> Fingerprint:
    version, kind, n, duration = struct.unpack_from("<BBIf", data)
    if version != _FORMAT_VERSION:
        raise ValueError(f"fingerprint format {version} is not known to this version of proofbox")
    off = struct.calcsize("<BBIf")
    ms = np.frombuffer(data, "<u4", n, off)
    hashes = np.frombuffer(data, "<u8", n, off + 4 * n)
    mirrored = np.frombuffer(data, "<u8", n, off + 12 * n)
    return Fingerprint(
        "video" if kind == 1 else "photo",
        tuple(float(t) / 1000 for t in ms),
        tuple(int(h) for h in hashes),
        tuple(int(h) for h in mirrored),
        round(float(duration), 3),
    )


@dataclass(frozen=True)
class MatchConfig:
    """When two fingerprints count as the same footage (measured in docs/notes/issue-15.md)."""

    frame_bits: int = 12
    """Largest Hamming distance (of 64 bits) at which two frames agree."""
    photo_bits: int = 6
    """Largest Hamming distance at which a photo equals a frame or another photo."""
    pair_tolerance_s: float = 0.6
    """How far in time a frame's partner in the other video may be at the chosen offset."""
    offset_bin_s: float = 0.5
    """Resolution of the offset vote."""
    min_run_s: float = 3.0
    """Shortest matching stretch reported (a shorter one may be chance)."""
    min_run_frames: int = 5
    """Fewest agreeing frames in that stretch."""
    min_agreeing: float = 0.7
    """Share of the stretch's frames that must agree (re-encoding spoils a few)."""
    max_gap_s: float = 2.0
    """A stretch continues over disagreeing frames for at most this long."""
    min_distinct: int = 3
    """Fewest mutually different pictures among the agreeing frames: a still shot of a parcel on a
    table agrees with any other still shot of a like parcel, a moving camera does not."""


@dataclass(frozen=True)
class Match:
    """Where a fingerprint matches another: time ranges on both sides and a similarity in [0, 1]."""

    start: float
    end: float
    other_start: float
    other_end: float
    similarity: float  # 1 − mean Hamming distance / 64 over the agreeing frames, times the agreeing share
    mirrored: bool = False
    frames: int = 0  # frames that agree

    @property
    def length(self) -> float:
        return self.end - self.start


def _video_match(
    qt: np.ndarray, qh: np.ndarray, st: np.ndarray, sh: np.ndarray, cfg: MatchConfig
) -> Match | None:
    if len(qh) < cfg.min_run_frames or len(sh) < cfg.min_run_frames:
        return None
    d = hamming(qh[:, None], sh[None, :])
    qi, si = np.nonzero(d <= cfg.frame_bits)
    if len(qi) < cfg.min_run_frames:
        return None
    offsets = st[si] - qt[qi]  # stored time = query time + offset
    weights = (cfg.frame_bits + 1 - d[qi, si]).astype(np.float64)
    bins = np.round(offsets / cfg.offset_bin_s).astype(np.int64)
    uniq, inverse = np.unique(bins, return_inverse=True)
    votes = np.bincount(inverse, weights=weights)
    # neighbouring bins vote together (an offset near a bin edge)
    smooth = votes + np.concatenate(([0.0], votes[:-1])) * (np.diff(uniq, prepend=uniq[0] - 2) == 1)
    smooth += np.concatenate((votes[1:], [0.0])) * (np.diff(uniq, append=uniq[-1] + 2) == 1)
    best: Match | None = None
    for k in np.argsort(-smooth)[:3]:
        near = np.abs(bins - uniq[k]) <= 1
        offset = float(np.median(offsets[near]))
        found = _run_at(qt, qh, st, d, offset, cfg)
        if found is not None and (
            best is None or found.similarity * found.length > best.similarity * best.length
        ):
            best = found
    return best


def _distinct(hashes: np.ndarray, bits: int, enough: int) -> int:
    """How many of ``hashes`` differ from each other by more than ``bits`` (greedy, up to ``enough``)."""
    kept: list[np.uint64] = []
    for h in hashes:
        if all(int(np.bitwise_count(h ^ k)) > bits for k in kept):
            kept.append(h)
            if len(kept) >= enough:
                break
    return len(kept)


def _run_at(
    qt: np.ndarray, qh: np.ndarray, st: np.ndarray, d: np.ndarray, offset: float, cfg: MatchConfig
) -> Match | None:
    """The longest stretch of agreeing frames when the stored video runs ``offset`` s ahead."""
    target = qt + offset
    pos = np.clip(np.searchsorted(st, target), 1, len(st) - 1)
    left, right = st[pos - 1], st[pos]
    partner = np.where(np.abs(target - left) <= np.abs(right - target), pos - 1, pos)
    near = np.abs(st[partner] - target) <= cfg.pair_tolerance_s
    window = max(1, int(np.ceil(cfg.pair_tolerance_s * 2)))
    dist = np.full(len(qt), 64, dtype=np.int16)
    for j in range(-window, window + 1):  # best partner within the tolerance
        idx = np.clip(partner + j, 0, len(st) - 1)
        ok = near & (np.abs(st[idx] - target) <= cfg.pair_tolerance_s)
        dist = np.where(ok, np.minimum(dist, d[np.arange(len(qt)), idx]), dist)
    agree = near & (dist <= cfg.frame_bits)
    best: tuple[int, int] | None = None
    i = 0
    idx_agree = np.nonzero(agree)[0]
    while i < len(idx_agree):
        j = i
        while j + 1 < len(idx_agree) and qt[idx_agree[j + 1]] - qt[idx_agree[j]] <= cfg.max_gap_s:
            j += 1
        a, b = int(idx_agree[i]), int(idx_agree[j])
        if best is None or qt[b] - qt[a] > qt[best[1]] - qt[best[0]]:
            best = (a, b)
        i = j + 1
    if best is None:
        return None
    a, b = best
    span = slice(a, b + 1)
    considered = near[span]
    agreeing = agree[span]
    n_agree = int(agreeing.sum())
    share = n_agree / max(1, int(considered.sum()))
    if qt[b] - qt[a] < cfg.min_run_s or n_agree < cfg.min_run_frames or share < cfg.min_agreeing:
        return None
    if _distinct(qh[span][agreeing], cfg.frame_bits, cfg.min_distinct) < cfg.min_distinct:
        return None
    mean_bits = float(dist[span][agreeing].mean())
    return Match(
        start=round(float(qt[a]), 2),
        end=round(float(qt[b]), 2),
        other_start=round(float(st[partner[a]]), 2),
        other_end=round(float(st[partner[b]]), 2),
        similarity=round((1 - mean_bits / 64) * share, 3),
        frames=n_agree,
    )


def _single(one: Fingerprint, many: Fingerprint, cfg: MatchConfig, one_is_query: bool) -> Match | None:
    """A photo (``one``) against every hash of ``many`` (a video's frames or another photo)."""
    hashes = as_array(many.hashes)
    best: tuple[int, int, bool] | None = None  # (bits, index, mirrored)
    for mirrored, h in ((False, one.hashes[0]), (True, one.mirrored[0])):
        d = hamming(np.uint64(h), hashes)
        k = int(np.argmin(d))
        if int(d[k]) <= cfg.photo_bits and (best is None or int(d[k]) < best[0]):
            best = (int(d[k]), k, mirrored)
    if best is None:
        return None
    bits, k, mirrored = best
    t = round(many.times[k], 2) if many.kind == "video" else 0.0
    mine, theirs = (0.0, t) if one_is_query else (t, 0.0)
    return Match(mine, mine, theirs, theirs, round(1 - bits / 64, 3), mirrored, 1)


def match(query: Fingerprint, stored: Fingerprint, cfg: MatchConfig | None = None) -> Match | None:
    """Where ``query`` shows the same footage or picture as ``stored`` (times: query's, then stored's)."""
    cfg = cfg or MatchConfig()
    if not query.hashes or not stored.hashes:
        return None
    if query.kind == "photo":
        return _single(query, stored, cfg, one_is_query=True)
    if stored.kind == "photo":
        return _single(stored, query, cfg, one_is_query=False)
    qt, st = np.array(query.times), np.array(stored.times)
    sh = as_array(stored.hashes)
    plain = _video_match(qt, as_array(query.hashes), st, sh, cfg)
    flipped = _video_match(qt, as_array(query.mirrored), st, sh, cfg)
    if flipped is not None and (
        plain is None or flipped.similarity * flipped.length > plain.similarity * plain.length
    ):
        return replace(flipped, mirrored=True)
    return plain


def _seconds(x: float) -> str:
    return f"{x:.1f}"


def reuse_finding(
    m: Match,
    *,
    media: str,
    media_kind: str,
    other_case_ids: tuple[str, ...],
    other_evidence_id: str,
    other_kind: str,
    other_name: str = "",
) -> Finding:
    """The consistency finding for evidence (``media``: "video" or a photo's name) that shows the
    same footage as another case's evidence."""
    cases = ", ".join(other_case_ids)
    if media_kind == "video":
        here = f"the video ({_seconds(m.start)}–{_seconds(m.end)} s)"
    else:
        here = f"photo {media}"
    if other_kind == "video":
        there = f"video {other_evidence_id[:12]} ({_seconds(m.other_start)}–{_seconds(m.other_end)} s there)"
    else:
        there = f"photo {other_name or other_evidence_id[:12]}"
    how = "a mirrored copy of " if m.mirrored else ""
    message = (
        f"{here} is {how}the same footage as {there} of case {cases}, similarity {m.similarity:.2f}: "
        "evidence of another dispute; a person should compare both cases (one parcel holding two "
        "orders' returns is the innocent explanation)"
    )
    cfg = MatchConfig()
    rule = (
        f"proofbox default: perceptual hashes of frames within {cfg.frame_bits} of 64 bits over at least "
        f"{cfg.min_run_s:g} s, of photos within {cfg.photo_bits} bits"
    )
    params = {
        "other_case_ids": cases,
        "other_evidence_id": other_evidence_id,
        "other_kind": other_kind,
        "other_start_s": f"{m.other_start:g}",
        "other_end_s": f"{m.other_end:g}",
        "similarity": f"{m.similarity:.3f}",
        "start_s": f"{m.start:g}",
        "end_s": f"{m.end:g}",
        "mirrored": "yes" if m.mirrored else "no",
        "photo": media,
        "other_name": other_name or other_evidence_id[:12],
        "frame_bits": str(cfg.frame_bits),
        "min_run_s": f"{cfg.min_run_s:g}",
        "photo_bits": str(cfg.photo_bits),
        "variant": f"{media_kind}_{other_kind}",
    }
    return Finding(
        "CONSISTENCY_EVIDENCE_REUSED",
        Element.CONSISTENCY,
        Severity.WARNING,
        message,
        t_start=m.start if media_kind == "video" else None,
        t_end=m.end if media_kind == "video" else None,
        rule=rule,
        source=SOURCES["principle"],
        media="video" if media_kind == "video" else media,
        value=m.similarity,
        params=params,
    )


REUSED_SCORE = 0.3


def with_findings(assessment: Assessment, findings: list[Finding]) -> Assessment:
    """``assessment`` with reuse findings added to consistency, which is then at best INCONCLUSIVE."""
    if not findings:
        return assessment
    elements: list[ElementResult] = []
    for result in assessment.elements:
        if result.element != Element.CONSISTENCY:
            elements.append(result)
            continue
        joined = (*result.findings, *findings)
        score = min(result.score, REUSED_SCORE)
        elements.append(conclude(result.element, joined, score, inconclusive=result.verdict != Verdict.FAIL))
    return replace(assessment, elements=tuple(elements))
