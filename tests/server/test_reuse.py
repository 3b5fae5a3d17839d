"""Reused evidence across a tenant's cases (issue 15): the index on SQLite and PostgreSQL, and the
finding over gRPC, never across tenants."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from evidence.model import Assessment, Element, ElementResult, Fingerprint, Verdict
from proofbox.v1 import assessment_pb2, prediction_pb2, service_pb2
from server.reuse import Offered, check_reuse, index_rows
from server.store import EvidenceRecord, Store
from tests.conftest import SyntheticVideo

from .helpers import VIDEO, Client, ServerProcess, case_message, create_key

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
REUSED = "CONSISTENCY_EVIDENCE_REUSED"


def _print(seed: int, n: int = 40, flip_bits: int = 0, start: float = 0.0) -> Fingerprint:
    """A video's fingerprint: random frame hashes at 2 a second; ``flip_bits`` per hash changed
    with another seed (a re-encoded copy); the mirrored hashes are random."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    noise = np.random.default_rng(seed + 10_000)
    out = []
    for h in hashes:
        value = int(h)
        for bit in noise.choice(64, flip_bits, replace=False):
            value ^= 1 << int(bit)
        out.append(value)
    times = tuple(round(start + i / 2, 2) for i in range(n))
    mirrored = tuple(int(x) for x in rng.integers(0, 2**63, n, dtype=np.int64))
    return Fingerprint("video", times, tuple(out), mirrored, n / 2)


def _assessment() -> Assessment:
    return Assessment(tuple(ElementResult(e, Verdict.PASS, 0.9) for e in Element), None, (), "test")


def _offer(store: Store, tenant: str, case_id: str, sha: str, fp: Fingerprint) -> Assessment:
    record, _ = store.put_evidence(
        EvidenceRecord(tenant, sha, fp.kind, f"{sha[:4]}.mp4", 1000, "mp4", b"facts", T0), case_id
    )
    return check_reuse(store, tenant, case_id, [Offered(record, fp, "video")], _assessment())


def _reused(assessment: Assessment) -> list[dict[str, str]]:
    return [dict(f.params) for f in assessment.element(Element.CONSISTENCY).findings if f.code == REUSED]


def test_a_copy_in_another_case_of_the_tenant_is_found_and_named(store: Store) -> None:
    original = _print(1)
    assert not _reused(_offer(store, "t1", "case-a", "a" * 64, original))
    # the same footage re-uploaded (re-encoded) for the same case is no finding
    assert not _reused(_offer(store, "t1", "case-a", "d" * 64, _print(1, flip_bits=3)))
    # a re-encoded clip of its middle: 4 bits of each hash changed, times shifted to start at 0
    clip = _print(1, flip_bits=4)
    clip = Fingerprint(
        "video", tuple(t - 5.0 for t in clip.times[10:30]), clip.hashes[10:30], clip.mirrored[10:30], 10.0
    )
    judged = _offer(store, "t1", "case-b", "b" * 64, clip)
    [found] = _reused(judged)
    assert found["other_case_ids"] == "case-a" and found["other_evidence_id"] in ("a" * 64, "d" * 64)
    assert float(found["start_s"]) == 0.0 and float(found["end_s"]) == pytest.approx(9.5)
    assert float(found["other_start_s"]) == pytest.approx(5.0) and float(
        found["other_end_s"]
    ) == pytest.approx(14.5)
    assert float(found["similarity"]) > 0.9
    assert judged.element(Element.CONSISTENCY).verdict == Verdict.INCONCLUSIVE
    # another tenant's archive is never searched
    assert not _reused(_offer(store, "t2", "case-b", "c" * 64, clip))
    # unrelated footage is not found
    assert not _reused(_offer(store, "t1", "case-c", "e" * 64, _print(2)))


def test_the_same_bytes_in_two_cases_is_reuse(store: Store) -> None:
    fp = _print(3)
    _offer(store, "t1", "case-a", "f" * 64, fp)
    [found] = _reused(_offer(store, "t1", "case-b", "f" * 64, fp))
    assert found["other_case_ids"] == "case-a" and found["similarity"] == "1.000"


def test_index_rows_skip_repeated_frames() -> None:
    still = Fingerprint("video", (0.0, 0.5, 1.0, 1.5), (7, 7, 7 ^ 0b111, 2**40 - 1), (0, 0, 0, 0), 2.0)
    assert index_rows(still) == ((0, 7), (1500, 2**40 - 1))


# --- over gRPC -------------------------------------------------------------------------------------


def _reused_over_grpc(result: object) -> list[dict[str, str]]:
    elements = result.assessment.elements  # type: ignore[attr-defined]
    consistency = next(e for e in elements if e.element == assessment_pb2.ELEMENT_CONSISTENCY)
    return [dict(f.params) for f in consistency.findings if f.code == REUSED]


@pytest.mark.slow
def test_reuse_over_grpc_names_the_other_case_and_never_crosses_tenants(
    server: ServerProcess, video: SyntheticVideo, tmp_path: Path
) -> None:
    admin = server.client()
    shop = server.client(create_key(admin, "t-" + uuid.uuid4().hex[:12]))
    other_shop = server.client(create_key(admin, "t-" + uuid.uuid4().hex[:12]))
    copy = tmp_path / "copy.mp4"  # the clean video re-encoded at a lower quality, its first 12 s
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-v",
            "error",
            "-i",
            str(video.path),
            "-t",
            "12",
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "30",
            str(copy),
        ],
        check=True,
        timeout=120,
    )

    def assess(client: Client, case_id: str, data: bytes) -> object:
        evidence_id = client.upload(data, case_id, VIDEO).evidence.evidence_id
        client.put_case(case_message(case_id))
        request = service_pb2.AssessAndPredictRequest(case_id=case_id)
        result = client("AssessAndPredict", request, timeout=180).result
        assert evidence_id in result.evidence_ids
        return result

    first = assess(shop, "reuse-1", video.path.read_bytes())
    assert not _reused_over_grpc(first)
    assert first.prediction.outcome == prediction_pb2.OUTCOME_MERCHANT_FAVORED  # type: ignore[attr-defined]
    elsewhere = assess(other_shop, "reuse-2", copy.read_bytes())
    assert not _reused_over_grpc(elsewhere)  # another tenant's archive is not searched
    second = assess(shop, "reuse-2", copy.read_bytes())
    [found] = _reused_over_grpc(second)
    assert found["other_case_ids"] == "reuse-1"
    assert found["other_evidence_id"] == first.evidence_ids[0]  # type: ignore[attr-defined]
    assert float(found["start_s"]) <= 1.0 and float(found["end_s"]) >= 10.0
    assert float(found["other_start_s"]) <= 1.0 and float(found["similarity"]) >= 0.6
    assert second.prediction.outcome == prediction_pb2.OUTCOME_NEEDS_REVIEW  # type: ignore[attr-defined]
    for client in (shop, other_shop, admin):
        client.close()
