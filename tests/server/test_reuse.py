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
from server.reuse import IndexConfig, Offered, check_reuse, index_rows, probes
from server.store import EvidenceRecord, PrintRecord, Store, open_store
from server.store.base import BANDS, bands
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
    name = "video" if fp.kind == "video" else f"{sha[:4]}.jpg"
    record, _ = store.put_evidence(
        EvidenceRecord(tenant, sha, fp.kind, name, 1000, "mp4", b"facts", T0), case_id
    )
    return check_reuse(store, tenant, case_id, [Offered(record, fp, name)], _assessment())


def _flip(h: int, bits: list[int]) -> int:
    for bit in bits:
        h ^= 1 << bit
    return h


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


def test_any_hash_within_2_bits_shares_a_band_and_a_photo_finds_one_within_5(store: Store) -> None:
    """Three bands (21, 21, 22 bits): two bit flips leave one band whole; with the photo's bit-flip
    probes (radius 1) five flips leave one band at most a bit off. Flips at the band edges included."""
    rng = np.random.default_rng(7)
    stored = [int(x) * 2 + 1 for x in rng.integers(0, 2**63, 200, dtype=np.int64)]
    store.put_print(
        PrintRecord("t1", "a" * 64, "video", b"x", T0, tuple((i, h) for i, h in enumerate(stored)))
    )
    edges = [0, 21, 22, 42, 43, 63]  # the lowest and highest bit of each band (pairs at i % 6 = 0, 2, 4)
    for i, h in enumerate(stored):
        two = [int(b) for b in rng.choice(64, 2, replace=False)] if i % 2 else edges[i % 6 : i % 6 + 2]
        five = [int(b) for b in rng.choice(64, 5, replace=False)]
        assert (1, h) in store.find_hashes("t1", [_flip(h, two)], 100)
        assert (1, h) in store.find_hashes("t1", [_flip(h, five)], 10_000, radius=1)
    # two bits in each band: no exact band and no band a bit off (what radius 2 would cost)
    h = stored[0]
    six = [b for shift, _ in BANDS for b in (shift + 1, shift + 5)]
    assert all(a != b for a, b in zip(bands(h), bands(_flip(h, six)), strict=True))
    assert (1, h) not in store.find_hashes("t1", [_flip(h, six)], 10_000, radius=1)


def test_a_photo_with_flipped_bits_finds_the_video_frame_it_was_grabbed_from(store: Store) -> None:
    video = _print(21)
    _offer(store, "t1", "case-a", "a" * 64, video)
    rng = np.random.default_rng(3)
    for k, frame in enumerate((4, 17, 33)):  # 5 bits of the frame changed (photo_bits is 6)
        grab = _flip(video.hashes[frame], [int(b) for b in rng.choice(64, 5, replace=False)])
        photo = Fingerprint("photo", (0.0,), (grab,), (int(rng.integers(0, 2**63)),), 0.0)
        [found] = _reused(_offer(store, "t1", f"case-p{k}", f"{k}" * 64, photo))
        assert found["other_case_ids"] == "case-a" and found["other_evidence_id"] == "a" * 64
        assert float(found["other_start_s"]) == pytest.approx(video.times[frame])
    unrelated = Fingerprint("photo", (0.0,), (int(rng.integers(0, 2**63)),), (1,), 0.0)
    assert not _reused(_offer(store, "t1", "case-q", "9" * 64, unrelated))


def test_a_video_copy_with_a_few_bits_changed_in_every_frame_is_found(store: Store) -> None:
    """A clip of a stored video, every frame hash 2-6 random bits off (a re-encoding), found through
    the exact-band probes of its 30 evenly spaced frames among 50 unrelated videos."""
    for i in range(50):
        _offer(store, "t1", f"case-{i}", f"{i:064x}", _print(100 + i, n=60))
    original = _print(7, n=120)
    _offer(store, "t1", "case-a", "a" * 64, original)
    rng = np.random.default_rng(8)
    hashes = [
        _flip(h, [int(b) for b in rng.choice(64, int(rng.integers(2, 7)), replace=False)])
        for h in original.hashes
    ]
    clip = Fingerprint(
        "video",
        tuple(t - 10.0 for t in original.times[20:100]),
        tuple(hashes[20:100]),
        original.mirrored[20:100],
        40.0,
    )
    assert len(probes(clip)) == 2 * IndexConfig().video_probes
    [found] = _reused(_offer(store, "t1", "case-b", "b" * 64, clip))
    assert found["other_case_ids"] == "case-a"
    assert float(found["other_start_s"]) == pytest.approx(10.0) and float(
        found["other_end_s"]
    ) == pytest.approx(49.5)


def test_probes_are_evenly_spaced_changing_frames_with_their_mirrors() -> None:
    fp = _print(5, n=100)
    still = Fingerprint("video", fp.times, (fp.hashes[0],) * 50 + fp.hashes[50:], fp.mirrored, fp.duration)
    mine = probes(still, IndexConfig(video_probes=10))
    assert len(mine) == 20 and mine[0] == fp.hashes[0] and mine[9] == fp.hashes[99]
    assert mine[10] == fp.mirrored[0] and fp.hashes[1] not in mine  # the still frames count once
    assert set(mine[1:10]) <= set(fp.hashes[50:])


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


# --- migration 0005 (integer file ids, three wide bands) ----------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'proofbox.db'}"
    return str(request.getfixturevalue("postgres_db"))


def _migrate(url: str, to: str, down: bool = False) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from server.store.schema import _config, engine_url

    engine = create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            (command.downgrade if down else command.upgrade)(_config(connection), to)
            connection.commit()
    finally:
        engine.dispose()


def _old_bands(h: int) -> tuple[int, int, int, int]:
    return ((h >> 48) & 0xFFFF, (h >> 32) & 0xFFFF, (h >> 16) & 0xFFFF, h & 0xFFFF)


def test_fingerprints_stored_before_migration_0005_are_found_after_it(database_url: str) -> None:
    """Rows written by 0004 (sha256 per row, four 16-bit bands) get a file id and the three wide
    bands computed from their hash; a copy of an old video and a grab of an old frame are found and
    named; downgrading restores the 0004 rows exactly."""
    from sqlalchemy import create_engine, text

    from evidence.reuse import pack
    from server.store.schema import engine_url

    _migrate(database_url, "0004")
    old_video, old_photo = _print(31), _print(32, n=1)
    old_photo = Fingerprint("photo", (0.0,), old_photo.hashes, old_photo.mirrored, 0.0)
    engine = create_engine(engine_url(database_url))
    at = int(T0.timestamp() * 1_000_000)
    rows_0004 = []
    with engine.begin() as con:
        for tenant, sha, case, fp in (
            ("t1", "a" * 64, "old-1", old_video),
            ("t1", "b" * 64, "old-2", old_photo),
            ("t2", "a" * 64, "old-9", old_video),
        ):
            con.execute(
                text(
                    "INSERT INTO evidence (tenant_id, sha256, kind, filename, size_bytes, detected_type, facts, "
                    "created_at) VALUES (:t, :s, :k, 'old', 1, 'mp4', :f, :at)"
                ),
                {"t": tenant, "s": sha, "k": fp.kind, "f": b"facts", "at": at},
            )
            con.execute(
                text(
                    "INSERT INTO evidence_cases (tenant_id, case_id, sha256, linked_at) VALUES (:t, :c, :s, :at)"
                ),
                {"t": tenant, "c": case, "s": sha, "at": at},
            )
            con.execute(
                text(
                    "INSERT INTO evidence_prints (tenant_id, sha256, kind, print, created_at) "
                    "VALUES (:t, :s, :k, :p, :at)"
                ),
                {"t": tenant, "s": sha, "k": fp.kind, "p": pack(fp), "at": at},
            )
            for t_ms, h in index_rows(fp):
                signed = h - (1 << 64) if h >= 1 << 63 else h
                row = (tenant, sha, t_ms, signed, *_old_bands(h))
                rows_0004.append(row)
                con.execute(
                    text(
                        "INSERT INTO evidence_hashes (tenant_id, sha256, t_ms, hash, b0, b1, b2, b3) "
                        "VALUES (:t, :s, :ms, :h, :b0, :b1, :b2, :b3)"
                    ),
                    dict(zip(("t", "s", "ms", "h", "b0", "b1", "b2", "b3"), row, strict=True)),
                )
    store = open_store(database_url)  # migrates to the newest revision
    try:
        with engine.connect() as con:
            migrated = con.execute(
                text("SELECT tenant_id, file_id, hash, b0, b1, b2 FROM evidence_hashes")
            ).all()
        assert len(migrated) == len(rows_0004)
        for _tenant, _file_id, h, *wide in migrated:
            assert tuple(wide) == bands(h + (1 << 64) if h < 0 else h)
        assert {r[1] for r in migrated if r[0] == "t1"}.isdisjoint({r[1] for r in migrated if r[0] == "t2"})
        # a re-encoded clip of the old video, and a grab of one of its frames (5 bits off)
        clip = _print(31, flip_bits=4)
        clip = Fingerprint(
            "video", tuple(t - 5.0 for t in clip.times[10:30]), clip.hashes[10:30], clip.mirrored[10:30], 10.0
        )
        [found] = _reused(_offer(store, "t1", "new-1", "c" * 64, clip))
        assert found["other_case_ids"] == "old-1" and found["other_evidence_id"] == "a" * 64
        grab = Fingerprint("photo", (0.0,), (_flip(old_video.hashes[12], [0, 21, 40, 50, 60]),), (5,), 0.0)
        [found] = _reused(_offer(store, "t1", "new-2", "d" * 64, grab))
        assert found["other_case_ids"] == "old-1"
        again = Fingerprint("photo", (0.0,), (_flip(old_photo.hashes[0], [3, 33]),), (9,), 0.0)
        [found] = _reused(_offer(store, "t1", "new-3", "e" * 64, again))
        assert found["other_case_ids"] == "old-2" and found["other_evidence_id"] == "b" * 64
        assert store.get_prints("t1", ["a" * 64])["a" * 64].file_id > 0
    finally:
        store.close()
    _migrate(database_url, "0004", down=True)
    with engine.connect() as con:
        back = con.execute(
            text(
                "SELECT tenant_id, sha256, t_ms, hash, b0, b1, b2, b3 FROM evidence_hashes "
                "WHERE sha256 IN (:a, :b)"
            ),
            {"a": "a" * 64, "b": "b" * 64},
        ).all()
    engine.dispose()
    assert sorted(tuple(r) for r in back) == sorted(rows_0004)
