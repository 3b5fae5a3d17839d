"""Batch re-scoring of a generated archive: counts, formats, failures, resumption, Ray, calibration."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import disputes
from batch import RunOptions, ScoringOptions, calibrate, rescore, summarize, write_archive
from batch.archive import read_archive
from disputes.synthetic import generate_cases
from evidence.media.synthetic import UnboxingSpec
from tests.conftest import REPO, VideoFactory

N_CASES = 300
# A swap dispute the unboxing video decides: dated around the generated videos (recorded
# 2026-11-20 10:00 +08:00, one hour after the merchant signed for the return).
SWAP_CASE: dict[str, Any] = {
    "case_id": "SWAP-1",
    "platform": "tmall",
    "order": {
        "order_id": "4102938475610293",
        "amount": "199.00",
        "created_at": "2026-11-01T10:00:00+08:00",
        "paid_at": "2026-11-01T10:05:00+08:00",
        "goods_type": "physical",
        "free_shipping": True,
    },
    "claim": {"kind": "return_and_refund", "reason": "quality", "amount": "199.00"},
    "ticket": {"type": "return_refund", "status": "platform_intervention"},
    "timeline": {
        "requested_at": "2026-11-15T10:00:00+08:00",
        "merchant_responded_at": "2026-11-15T12:00:00+08:00",
        "merchant_refused_at": "2026-11-20T12:00:00+08:00",
        "shipped_at": "2026-11-02T09:00:00+08:00",
        "buyer_signed_at": "2026-11-04T15:00:00+08:00",
        "return_agreed_at": "2026-11-15T12:00:00+08:00",
        "return_shipped_at": "2026-11-17T10:00:00+08:00",
        "return_signed_at": "2026-11-20T09:00:00+08:00",
        "intervention_requested_at": "2026-11-21T08:00:00+08:00",
        "evidence_deadline": "2026-11-25T12:00:00+08:00",
        "evidence_submitted_at": "2026-11-21T09:00:00+08:00",
    },
    "merchant": {"refusal_reason": "returned_swapped"},
    "logistics": {"tracking_number": "SF1402233", "return_tracking_number": "SF1234567890123"},
    "as_of": "2026-11-22T12:00:00+08:00",
}
VIDEO_SPECS = {"clean": UnboxingSpec(), "wrong_label": UnboxingSpec(label_number="YT9876543210987")}


def _records(n: int, seed: int = 5) -> list[dict[str, Any]]:
    """Synthetic archived disputes with a previous prediction and (for most) the platform's decision."""
    rng = random.Random(seed)
    out = []
    for i, case in enumerate(generate_cases(n, seed=seed)):
        pred = disputes.predict(case)
        rec: dict[str, Any] = {"record_id": f"R{i:05d}", "case": case.to_dict()}
        # the platform mostly followed the rules; some decisions went the other way
        if rng.random() < 0.8:
            merchant = rng.random() < (0.9 * pred.merchant_probability + 0.05)
            rec["actual_outcome"] = "MERCHANT_FAVORED" if merchant else "BUYER_FAVORED"
        old = pred.outcome.value
        if i % 10 == 0:  # recorded under an older pack that judged differently
            old = "NEEDS_REVIEW" if old != "NEEDS_REVIEW" else "BUYER_FAVORED"
        rec["previous"] = {"outcome": old, "rule_ids": sorted(pred.rule_ids)[1:]}
        out.append(rec)
    return out


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, unboxing_videos: VideoFactory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    (root / "media").mkdir()
    records = _records(N_CASES)
    # three records carry a video (relative paths): the same swap dispute, decided by its video
    for i, name in zip((3, 4, 5), ("clean", "clean", "wrong_label"), strict=True):
        video = unboxing_videos(name, VIDEO_SPECS[name])
        target = root / "media" / f"{name}.mp4"
        if not target.exists():
            target.write_bytes(video.path.read_bytes())
        records[i]["case"] = {**SWAP_CASE, "case_id": f"SWAP-{i}"}
        records[i]["evidence"] = [{"kind": "video", "path": f"media/{name}.mp4"}]
        del records[i]["previous"]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines[10] = lines[10][:-40]  # cut off: not valid JSON
    bad = json.loads(lines[11])
    del bad["case"]
    lines[11] = json.dumps(bad)
    bad = json.loads(lines[12])
    bad["evidence"] = [{"kind": "video", "path": "media/missing.mp4"}]
    lines[12] = json.dumps(bad)
    bad = json.loads(lines[13])
    bad["case"]["claim"]["reason"] = "qualiti"
    lines[13] = json.dumps(bad)
    path = root / "archive.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _results(path: Path) -> dict[int, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    by_line = {r["line"]: r for r in rows}
    assert len(by_line) == len(rows), "a record appears twice"
    return by_line


def test_rescore_counts_failures_and_changes(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    stats = rescore(
        archive,
        out,
        ScoringOptions(archive_dir=archive.parent, cache_dir=tmp_path / "cache"),
        RunOptions(workers=2),
    )
    assert (stats.total, stats.scored, stats.skipped, stats.errors) == (N_CASES, N_CASES, 0, 4)
    results = _results(out)
    assert sorted(results) == list(range(1, N_CASES + 1))
    failures = {line: r["error"] for line, r in results.items() if r["status"] == "error"}
    assert failures[11]["code"] == "INVALID_JSON"
    assert failures[12]["field"] == "case"
    assert failures[13]["code"] == "MEDIA_NOT_FOUND" and "missing.mp4" in failures[13]["message"]
    assert failures[14]["field"] == "case.claim.reason" and "quality" in failures[14]["message"]
    summary = summarize(out)
    assert (summary.results, summary.ok, summary.failed) == (N_CASES, N_CASES - 4, 4)
    assert sum(summary.by_outcome.values()) == N_CASES - 4
    # every tenth record was recorded with a different outcome: each is listed with its rule changes
    expected_changed = [
        line
        for line in range(1, N_CASES + 1, 10)
        if results[line]["status"] == "ok" and line not in (4, 5, 6)
    ]
    assert summary.changed == len(expected_changed)
    assert {c.line for c in summary.changes} == set(expected_changed)
    assert all(c.added for c in summary.changes)  # the previous rule list lacked one hit
    assert summary.with_actual > 0 and summary.brier is not None and 0 <= summary.brier <= 1
    assert summary.accuracy is not None and summary.accuracy > 0.6
    # the media records were assessed: the clean video passes, the wrong label fails consistency
    assert results[4]["evidence"]["verdicts"]["CONSISTENCY"] == "PASS"
    assert results[6]["evidence"]["verdicts"]["CONSISTENCY"] == "FAIL"
    assert results[4]["outcome"] == "MERCHANT_FAVORED" and "unboxing.valid" in results[4]["rule_ids"]
    assert results[6]["outcome"] == "BUYER_FAVORED"
    assert results[6]["merchant_probability"] < results[4]["merchant_probability"]
    # records 4 and 5 hold the same video and facts: one of them is served from the other's analysis
    assert summary.assessed_media + summary.cached_media == 3 and summary.assessed_media >= 2


def test_cached_media_is_not_assessed_again(archive: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    options = ScoringOptions(archive_dir=archive.parent, cache_dir=cache)
    rescore(archive, tmp_path / "a.jsonl", options, RunOptions(workers=1))
    again = tmp_path / "b.jsonl"
    rescore(archive, again, options, RunOptions(workers=1))
    second = summarize(again)
    assert (second.assessed_media, second.cached_media) == (0, 3)
    first, repeat = _results(tmp_path / "a.jsonl"), _results(again)
    assert all(first[k].get("outcome") == repeat[k].get("outcome") for k in first)
    forced = tmp_path / "c.jsonl"
    rescore(
        archive,
        forced,
        ScoringOptions(archive_dir=archive.parent, cache_dir=cache, force=True),
        RunOptions(workers=1),
    )
    assert summarize(forced).assessed_media == 3


def test_parquet_archive_gives_the_same_results(archive: Path, tmp_path: Path) -> None:
    records = [json.loads(r.text) for r in read_archive(archive) if r.line not in (11,)]
    pq = tmp_path / "archive.parquet"
    write_archive(pq, records)
    jsonl = tmp_path / "archive.jsonl"
    write_archive(jsonl, records)
    for src in (pq, jsonl):
        rescore(
            src,
            src.with_suffix(".out"),
            ScoringOptions(archive_dir=archive.parent, cache_dir=tmp_path / "c"),
            RunOptions(workers=2),
        )
    a, b = _results(pq.with_suffix(".out")), _results(jsonl.with_suffix(".out"))
    assert a.keys() == b.keys()
    for k in a:
        assert {
            f: a[k].get(f) for f in ("record_id", "status", "outcome", "merchant_probability", "rule_ids")
        } == {f: b[k].get(f) for f in ("record_id", "status", "outcome", "merchant_probability", "rule_ids")}


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _descendants_of(pid: int) -> dict[int, str]:
    """Every live process below ``pid`` (children, their children, ...), with its command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found: dict[int, str] = {}
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier and child not in found}
        for child in frontier:
            try:
                found[child] = (
                    Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120].strip()
                )
            except OSError:
                found[child] = "?"
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


KILL_SCRIPT = """
import sys
from pathlib import Path
from batch import RunOptions, ScoringOptions, rescore
archive, out = Path(sys.argv[1]), Path(sys.argv[2])
rescore(archive, out, ScoringOptions(archive_dir=archive.parent), RunOptions(workers=1, chunk_size=40, in_flight_per_worker=1))
"""


def test_killed_run_resumes_with_every_record_once(tmp_path: Path) -> None:
    archive = tmp_path / "big.jsonl"
    write_archive(archive, _records(3000, seed=9))
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(archive), str(out)], cwd=REPO)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 20_000):
        time.sleep(0.05)
    workers = _children_of(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)
    assert workers and not [pid for pid in workers if _alive(pid)], (
        "pool workers outlived their killed parent"
    )
    written = out.read_text(encoding="utf-8").count("\n")
    assert 0 < written < 3000, "the run should have been killed part-way"
    with out.open("a", encoding="utf-8") as fh:  # as if the kill came in the middle of a write
        fh.write('{"line": 99999, "record_id": "R9')
    stats = rescore(archive, out, ScoringOptions(archive_dir=archive.parent), RunOptions(workers=2))
    assert stats.skipped == written and stats.scored == 3000 - written
    results = _results(out)
    assert sorted(results) == list(range(1, 3001))
    assert Counter(r["record_id"] for r in results.values()).most_common(1)[0][1] == 1


@pytest.mark.ray
def test_ray_gives_the_same_results_as_the_process_pool(archive: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="ray is not installed (pip install '.[ray]')")
    options = ScoringOptions(archive_dir=archive.parent, cache_dir=tmp_path / "cache")
    rescore(archive, tmp_path / "pool.jsonl", options, RunOptions(workers=2))
    rescore(
        archive, tmp_path / "ray.jsonl", options, RunOptions(workers=2, ray_address="local", chunk_size=100)
    )
    pool, ray_results = _results(tmp_path / "pool.jsonl"), _results(tmp_path / "ray.jsonl")
    assert pool.keys() == ray_results.keys()
    for k in pool:
        for f in ("record_id", "status", "outcome", "merchant_probability", "rule_ids", "error"):
            assert pool[k].get(f) == ray_results[k].get(f), (k, f)


def test_calibration_writes_a_loadable_pack_and_a_plot(archive: Path, tmp_path: Path) -> None:
    results, problems, plot = calibrate(archive, tmp_path / "cal", min_cases=20)
    assert results and plot is not None and plot.stat().st_size > 10_000
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any("line 11" in p for p in problems)  # the malformed record is named, not silently ignored
    for r in results:
        # the refit maximises the (prior-penalised) likelihood: log-loss must improve; Brier is reported
        assert r.after.log_loss < r.before.log_loss
        assert 0.0 <= r.after.brier <= 1.0
        pack = disputes.load_pack_file(r.pack_path)
        assert pack.version == r.new_version != r.before.pack_version
    # re-scoring with the calibrated pack uses its version
    tmall = next((r for r in results if r.platform == "tmall"), None)
    if tmall is not None:
        out = tmp_path / "recal.jsonl"
        rescore(
            archive,
            out,
            ScoringOptions(archive_dir=archive.parent, pack_files={"tmall": tmall.pack_path}),
            RunOptions(workers=1),
        )
        versions = {r["pack_version"] for r in _results(out).values() if r.get("platform") == "tmall"}
        assert versions == {tmall.new_version}


def test_cli_workers_exit_when_the_cli_is_killed(tmp_path: Path) -> None:
    """Issue 11: ``kill -9`` of ``proofbox rescore --workers 2`` left both workers alive under PID 1
    (they inherited the CLI's SIGTERM handler, so the parent-death signal only set a flag)."""
    archive = tmp_path / "big.jsonl"
    write_archive(archive, _records(3000, seed=9))
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "proofbox", "rescore", str(archive), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not out.exists() or out.stat().st_size == 0):
            time.sleep(0.05)
        workers = [pid for pid in _children_of(proc.pid) if _alive(pid)]
        assert len(workers) >= 2 and proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed = time.monotonic()
        while time.monotonic() - killed < 5 and [pid for pid in workers if _alive(pid)]:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)], "pool workers outlived their killed parent"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in workers:  # never leave a process behind, even when the assertion failed
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.ray
@pytest.mark.slow
def test_cli_ray_processes_exit_when_the_cli_is_killed(tmp_path: Path) -> None:
    """Issue 11, item 5 on Ray: ``kill -9`` of ``proofbox rescore --ray local --workers 2`` must take
    the local cluster with it within seconds: GCS, raylet, monitors, agents and task workers.

    Before ``batch/_reaper.py`` (ray 2.60): the dashboard and runtime-env agents outlived the killed
    CLI by about 60 s (they report the raylet's death to the dead GCS before exiting)."""
    pytest.importorskip("ray", reason="ray is not installed (pip install '.[ray]')")
    archive = tmp_path / "big.jsonl"
    write_archive(archive, _records(6000, seed=9))  # long enough to catch its task workers running
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "proofbox", "rescore", str(archive), "--out", str(out)]
    command += ["--workers", "2", "--ray", "local", "--chunk-size", "10"]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cluster: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 240  # a Ray start takes 10-30 s on the loaded 2-core machine
        while time.monotonic() < deadline and (not out.exists() or out.stat().st_size == 0):
            assert proc.poll() is None, "the rescore ended before it could be killed"
            time.sleep(0.1)
        # the raylet starts its agents and task workers beside the first tasks: snapshot the cluster
        # once a task worker shows (on an idle machine the first output can come before any is named)
        workers = ("ray::score_chunk", "ray::IDLE", "default_worker.py")
        seen_by = time.monotonic() + 60
        while True:
            time.sleep(0.5)
            cluster = _descendants_of(proc.pid)
            names = " ".join(cluster.values())
            if any(w in names for w in workers) or time.monotonic() > seen_by or proc.poll() is not None:
                break
        assert proc.poll() is None and "gcs_server" in names and "raylet" in names, cluster
        assert any(w in names for w in workers), cluster
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed = time.monotonic()
        while time.monotonic() - killed < 5 and [pid for pid in cluster if _alive(pid)]:
            time.sleep(0.1)
        survivors = {pid: cmd for pid, cmd in cluster.items() if _alive(pid)}
        assert not survivors, f"Ray processes outlived the killed CLI by 5 s: {survivors}"
        # and the cluster's own temporary directory (sockets, logs) goes too
        root = re.search(r"(/\S*/proofbox-ray-[^/\s]+)", names)
        assert root is not None, names
        while time.monotonic() - killed < 10 and Path(root[1]).exists():
            time.sleep(0.1)
        assert not Path(root[1]).exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in cluster:  # never leave a process behind, even when the assertion failed
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
