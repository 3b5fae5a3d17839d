"""The fingerprint backfill (issue 15): evidence stored before reuse detection gets fingerprints,
matches are reported, failures are skipped and retried on the next run; the CLI runs it."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from evidence.model import Element, Fingerprint
from proofbox.cli.main import main
from server.backfill import backfill_prints
from server.blobs import BlobStore
from server.config import load_config
from server.store import EvidenceRecord, Store, open_store

from .test_reuse import REUSED, _print

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def _stored(store: Store, blobs: BlobStore | None, tenant: str, case_id: str, sha: str, name: str) -> None:
    """Evidence as an earlier version stored it: record and bytes, no fingerprint."""
    kind = "photo" if name.endswith(".jpg") else "video"
    store.put_evidence(EvidenceRecord(tenant, sha, kind, name, 4, "mp4", b"facts", T0), case_id)
    if blobs is not None:
        blobs.path(sha).parent.mkdir(parents=True, exist_ok=True)
        blobs.path(sha).write_bytes(sha.encode())


def test_backfill_fingerprints_old_evidence_and_reports_the_reuse_it_finds(
    store: Store, tmp_path: Path
) -> None:
    blobs = BlobStore(tmp_path, 0)
    clip = _print(1, flip_bits=3)
    prints: dict[str, Fingerprint] = {
        "a" * 64: _print(1),
        "b" * 64: Fingerprint("video", clip.times[:20], clip.hashes[:20], clip.mirrored[:20], 10.0),
        "c" * 64: _print(2),
        "e" * 64: _print(1),
    }
    _stored(store, blobs, "t1", "case-a", "a" * 64, "a.mp4")
    _stored(store, blobs, "t1", "case-b", "b" * 64, "b.mp4")  # a copy of a's first 10 s
    _stored(store, blobs, "t1", "case-c", "c" * 64, "c.mp4")  # unrelated
    _stored(store, None, "t1", "case-d", "d" * 64, "d.mp4")  # bytes lost
    _stored(store, blobs, "t2", "case-x", "e" * 64, "e.mp4")  # another tenant's copy of a
    seen: list[str] = []

    def fingerprint(path: Path, record: EvidenceRecord) -> Fingerprint:
        assert path.read_bytes() == record.sha256.encode()  # the stored bytes, staged
        return prints[record.sha256]

    summary = backfill_prints(
        store, blobs, "t1", fingerprint=fingerprint, on_file=lambda d: seen.append(d.record.sha256)
    )
    assert (summary.fingerprinted, summary.failed) == (3, 1)
    assert seen == ["a" * 64, "b" * 64, "c" * 64, "d" * 64]
    by_sha = {d.record.sha256: d for d in summary.files}
    assert "missing" in by_sha["d" * 64].problem
    assert not by_sha["a" * 64].findings and not by_sha["c" * 64].findings
    [found] = by_sha["b" * 64].findings
    assert found.code == REUSED and found.element == Element.CONSISTENCY
    assert found.params["other_case_ids"] == "case-a" and found.params["other_evidence_id"] == "a" * 64
    # stored: the next run finds only the file that failed, and another tenant's copy is not matched
    assert [r.sha256 for r in store.evidence_without_prints("t1", 10)] == ["d" * 64]
    again = backfill_prints(store, blobs, fingerprint=fingerprint, limit=5)
    assert [d.record.sha256 for d in again.files] == ["d" * 64, "e" * 64]
    assert not again.files[1].findings and not again.files[1].problem
    assert store.get_prints("t1", ["a" * 64, "b" * 64, "c" * 64]).keys() == {"a" * 64, "b" * 64, "c" * 64}


def test_backfill_limit_and_keyset_paging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("server.backfill.PAGE", 2)
    store = open_store(f"sqlite:///{tmp_path / 'proofbox.db'}")
    blobs = BlobStore(tmp_path, 0)
    for i in range(5):
        _stored(store, blobs, "t1", f"case-{i}", f"{i:x}" * 64, f"{i}.mp4")
    done = backfill_prints(store, blobs, limit=3, fingerprint=lambda p, r: _print(int(r.sha256[0], 16) + 10))
    assert [d.record.sha256[0] for d in done.files] == ["0", "1", "2"]
    rest = backfill_prints(store, blobs, fingerprint=lambda p, r: _print(int(r.sha256[0], 16) + 10))
    assert [d.record.sha256[0] for d in rest.files] == ["3", "4"]
    store.close()


def _clip(path: Path, seconds: float, start: float = 0.0) -> Path:
    """``ffmpeg -f lavfi -i testsrc2=size=320x180:rate=10 -ss START -t SECONDS -c:v libx264``: a
    moving test pattern (every frame different), the same picture at the same source time."""
    subprocess.run(
        [
            *(
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=320x180:rate=10:duration=12",
            ),
            *("-ss", str(start), "-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)),
        ],
        check=True,
    )
    return path


@pytest.mark.slow
def test_the_cli_backfills_real_files_with_the_analysis_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    store = open_store(load_config({"data_dir": data}).store_url)
    blobs = BlobStore(data, 0)
    for case_id, sha, clip in (
        ("case-a", "a" * 64, _clip(tmp_path / "whole.mp4", 12)),
        ("case-b", "b" * 64, _clip(tmp_path / "part.mp4", 6, start=4)),
    ):
        store.put_evidence(EvidenceRecord("t1", sha, "video", clip.name, 4, "mp4", b"", T0), case_id)
        blobs.path(sha).parent.mkdir(parents=True, exist_ok=True)
        blobs.path(sha).write_bytes(clip.read_bytes())
    store.close()
    assert main(["backfill-prints", "--data-dir", str(data), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["fingerprinted"], printed["failed"]) == (2, 0)
    [found] = printed["files"][1]["reuse"]
    assert found["other_case_ids"] == "case-a" and found["other_evidence_id"] == "a" * 64
    assert float(found["other_start_s"]) == pytest.approx(4.0, abs=0.6)
    # nothing left: a second run fingerprints nothing, and says so
    assert main(["backfill-prints", "--data-dir", str(data)]) == 0
    assert "0 files fingerprinted, 0 not" in capsys.readouterr().out
