"""Reused footage across an archive (``proofbox rescore --find-reuse``): clusters of disputes whose
evidence shows the same footage or picture.

With ``find_reuse`` the scorer adds each assessed file's fingerprint to its result
(``evidence.media[].print``: ``evidence.reuse.pack``, base64). After the run, :func:`find_clusters`
reads the results file, indexes every fingerprint's frame hashes by four 16-bit bands in memory
(the multi-index hash the server keeps in its database), aligns each file with the earlier files
sharing a band (``evidence.reuse.match``), and joins the records whose files match into clusters.
A record's files are not compared with each other; the same bytes in two records always match.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evidence.model import Fingerprint
from evidence.reuse import Match, as_array, hamming, match, unpack

__all__ = ["Cluster", "Link", "find_clusters"]

MAX_CANDIDATES = 16


@dataclass(frozen=True)
class Link:
    """Two records' files showing the same footage."""

    record_id: str
    sha256: str
    other_record_id: str
    other_sha256: str
    match: Match

    def to_dict(self) -> dict[str, Any]:
        m = self.match
        return {
            "record_id": self.record_id,
            "evidence_id": self.sha256,
            "range_s": [m.start, m.end],
            "other_record_id": self.other_record_id,
            "other_evidence_id": self.other_sha256,
            "other_range_s": [m.other_start, m.other_end],
            "similarity": m.similarity,
            "mirrored": m.mirrored,
        }


@dataclass(frozen=True)
class Cluster:
    """Records sharing footage (directly or through one another), with the links found."""

    record_ids: tuple[str, ...]
    links: tuple[Link, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"record_ids": list(self.record_ids), "links": [k.to_dict() for k in self.links]}


def _bands(h: int) -> tuple[int, int, int, int]:
    return ((h >> 48) & 0xFFFF, (h >> 32) & 0xFFFF, (h >> 16) & 0xFFFF, h & 0xFFFF)


def _files(results: Path) -> Iterator[tuple[str, str, Fingerprint]]:
    """(record id, sha256, fingerprint) of every fingerprinted file in a results file."""
    with results.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if row.get("status") != "ok" or not isinstance(row.get("evidence"), dict):
                continue
            for item in row["evidence"].get("media", []):
                packed = item.get("print")
                if packed:
                    yield str(row["record_id"]), str(item["sha256"]), unpack(base64.b64decode(packed))


class _Index:
    """Frame hashes by band, in memory: (band number, value) -> file numbers."""

    def __init__(self) -> None:
        self.by_band: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.files: list[tuple[str, str, Fingerprint]] = []

    def add(self, record_id: str, sha: str, fp: Fingerprint) -> None:
        n = len(self.files)
        self.files.append((record_id, sha, fp))
        for h in set(fp.hashes):
            for i, b in enumerate(_bands(h)):
                self.by_band[(i, b)].append(n)

    def candidates(self, fp: Fingerprint, bits: int) -> list[int]:
        counts: dict[int, int] = defaultdict(int)
        query = as_array(list({*fp.hashes, *fp.mirrored}))
        for h in {*fp.hashes, *fp.mirrored}:
            for i, b in enumerate(_bands(h)):
                for n in self.by_band.get((i, b), ()):
                    counts[n] += 1
        ranked = sorted(counts, key=lambda n: -counts[n])[: MAX_CANDIDATES * 4]
        out = []
        for n in ranked:  # verify: some frame within ``bits`` of a query hash
            stored = as_array(self.files[n][2].hashes)
            if bool(np.any(hamming(stored[:, None], query[None, :]) <= bits)):
                out.append(n)
            if len(out) >= MAX_CANDIDATES:
                break
        return out


def find_clusters(results: Path) -> list[Cluster]:
    """Clusters of records whose evidence shows the same footage, largest first."""
    index = _Index()
    links: list[Link] = []
    by_sha: dict[str, list[str]] = defaultdict(list)
    for record_id, sha, fp in _files(results):
        for other_record in by_sha.get(sha, ()):
            if other_record != record_id:  # the same bytes in another record
                end = fp.duration if fp.kind == "video" else 0.0
                links.append(Link(record_id, sha, other_record, sha, Match(0.0, end, 0.0, end, 1.0)))
        seen = set(by_sha.get(sha, ()))
        by_sha[sha].append(record_id)
        if seen:
            continue  # these bytes are indexed already
        bits = 6 if fp.kind == "photo" else 12
        for n in index.candidates(fp, bits):
            other_record, other_sha, other_fp = index.files[n]
            if other_record == record_id:
                continue
            found = match(fp, other_fp)
            if found is not None:
                links.append(Link(record_id, sha, other_record, other_sha, found))
        index.add(record_id, sha, fp)
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        parent[root(link.record_id)] = root(link.other_record_id)
    groups: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        groups[root(link.record_id)].append(link)
    clusters = []
    for group in groups.values():
        ids = sorted({k.record_id for k in group} | {k.other_record_id for k in group})
        clusters.append(Cluster(tuple(ids), tuple(group)))
    return sorted(clusters, key=lambda c: (-len(c.record_ids), c.record_ids))
