"""The batch commands (`proofbox rescore`, `proofbox calibrate`) and their parity with ScoreCases.

A ticketing system that streams its cases over gRPC must get the same outcome, probability and rule
hits as an operator re-scoring the exported archive with the CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from disputes.synthetic import generate_cases
from evidence.media.synthetic import UnboxingSpec
from proofbox.jsonform import JsonFormError, parse
from proofbox.v1 import cases_pb2, prediction_pb2, service_pb2
from tests.batch.test_batch import SWAP_CASE
from tests.conftest import REPO, VideoFactory

from .helpers import VIDEO, ServerProcess, create_key

N = 60


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "proofbox", *args],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, unboxing_videos: VideoFactory) -> Path:
    root = tmp_path_factory.mktemp("parity")
    records: list[dict[str, Any]] = []
    for i, case in enumerate(generate_cases(N, seed=21)):
        records.append({"record_id": f"P{i:03d}", "case": case.to_dict()})
    for name, spec in (
        ("clean", UnboxingSpec()),
        ("wrong_label", UnboxingSpec(label_number="YT9876543210987")),
    ):
        video = unboxing_videos(name, spec)
        records.append(
            {
                "record_id": f"V-{name}",
                "case": {**SWAP_CASE, "case_id": f"V-{name}"},
                "evidence": [{"kind": "video", "path": str(video.path)}],
                "actual_outcome": "MERCHANT_FAVORED",
            }
        )
    bad = json.loads(json.dumps(records[7]))
    bad["record_id"] = "P-bad"
    bad["case"]["claim"]["reason"] = "qualiti"
    records.append(bad)
    contradictory = {**SWAP_CASE, "case_id": "P-signed-early"}
    contradictory["timeline"] = {**SWAP_CASE["timeline"], "return_signed_at": "2026-11-01T00:00:00+08:00"}
    records.append({"record_id": "P-signed-early", "case": contradictory})
    path = root / "archive.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _by_id(path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {r["record_id"]: r for r in rows}


def test_rescore_cli_summarises_and_resumes(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    first = _cli("rescore", str(archive), "--out", str(out), "--workers", "2")
    # one malformed record: the run completes, reports it, and says so in its exit code
    assert first.returncode == 3, first.stderr
    assert f"{N + 4} results: {N + 2} scored, 2 failed" in first.stdout
    assert "P-bad: INVALID_ARGUMENT: case.claim.reason" in first.stdout
    assert "media: 2 assessed" in first.stdout
    assert f"this run: {N + 4} scored (2 failed)" in first.stderr
    # run again: nothing left to do, every record still exactly once, media not decoded again
    again = _cli("rescore", str(archive), "--out", str(out), "--json")
    assert again.returncode == 3, again.stderr
    report = json.loads(again.stdout)
    assert report["run"]["scored"] == 0 and report["run"]["skipped"] == N + 4
    assert report["summary"]["results"] == N + 4
    assert len(out.read_text(encoding="utf-8").splitlines()) == N + 4


def test_rescore_cli_refuses_what_it_cannot_do(tmp_path: Path, archive: Path) -> None:
    missing = _cli("rescore", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o.jsonl"))
    assert missing.returncode == 2 and "no such archive" in missing.stderr
    bad_pack = _cli("rescore", str(archive), "--out", str(tmp_path / "o.jsonl"), "--pack", "tmall")
    assert bad_pack.returncode == 2 and "PLATFORM=FILE" in bad_pack.stderr
    same = _cli("rescore", str(archive), "--out", str(archive))
    assert same.returncode == 2 and "must not be the archive" in same.stderr


def test_calibrate_cli_writes_packs(tmp_path: Path) -> None:
    from tests.batch.test_batch import _records

    archive = tmp_path / "labelled.jsonl"
    archive.write_text("".join(json.dumps(r) + "\n" for r in _records(200, seed=3)), encoding="utf-8")
    done = _cli("calibrate", str(archive), "--out", str(tmp_path / "cal"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["packs"] and Path(report["plot"]).is_file()
    for pack in report["packs"]:
        assert Path(pack["path"]).is_file() and "+cal" in pack["version"]
        assert pack["log_loss_after"] < pack["log_loss_before"]
    empty = tmp_path / "unlabelled.jsonl"
    empty.write_text(json.dumps({"record_id": "x", "case": {}}) + "\n", encoding="utf-8")
    refused = _cli("calibrate", str(empty), "--out", str(tmp_path / "cal2"))
    assert refused.returncode == 2 and "actual_outcome" in refused.stderr


def test_score_cases_stream_matches_the_cli(archive: Path, tmp_path: Path, server: ServerProcess) -> None:
    out = tmp_path / "cli.jsonl"
    assert _cli("rescore", str(archive), "--out", str(out), "--no-cache").returncode == 3
    cli = _by_id(out)

    # a tenant of its own: the shared tenant's earlier uploads of the same video in other cases
    # would (rightly) make the server flag the evidence as reused, which a batch run cannot see
    admin = server.client()
    client = server.client(create_key(admin, "t-parity-" + uuid.uuid4().hex[:8]))
    admin.close()
    requests = []
    for line in archive.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        evidence_ids = [
            client.upload(Path(e["path"]).read_bytes(), record["record_id"], VIDEO).evidence.evidence_id
            for e in record.get("evidence", [])
        ]
        try:
            case = parse(record["case"], cases_pb2.DisputeCase())
        except JsonFormError as exc:  # an enum value the contract lacks: the client cannot even send it
            assert f"case.{exc.field}" == cli[record["record_id"]]["error"]["field"] == "case.claim.reason"
            continue
        requests.append(
            service_pb2.ScoreCasesRequest(
                ref=record["record_id"], case=case, evidence_ids=evidence_ids, dry_run=True
            )
        )
    responses = list(client.svc.ScoreCases(iter(requests), metadata=client.metadata, timeout=300))
    client.close()

    assert [r.ref for r in responses] == [r.ref for r in requests]
    for response in responses:
        expected = cli[response.ref]
        if expected["status"] == "error":
            assert response.WhichOneof("outcome") == "problem", response.ref
            assert response.problem.status == "INVALID_ARGUMENT"
            assert response.problem.field == expected["error"]["field"]
            continue
        prediction = response.result.prediction
        got = {
            "outcome": prediction_pb2.Outcome.Name(prediction.outcome).removeprefix("OUTCOME_"),
            "merchant_probability": round(prediction.merchant_probability, 6),
            "rule_ids": sorted(h.id for h in prediction.hits),
            "pack_version": prediction.pack_version,
        }
        want = {k: expected[k] for k in got}
        assert got == want, response.ref
    assert len(responses) == N + 3
    assert (
        cli["V-clean"]["outcome"] == "MERCHANT_FAVORED" and cli["V-wrong_label"]["outcome"] == "BUYER_FAVORED"
    )
