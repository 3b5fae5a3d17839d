"""``proofbox rescore --find-reuse``: clusters of archived disputes sharing footage (issue 15).

Media: the session's clean generated unboxing video, a copy of its middle half re-encoded
(``evidence.media.copies``), and an unrelated clip (ffmpeg's ``testsrc2``, 8 s 320x240).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evidence.media.copies import make_copy
from evidence.media.synthetic import UnboxingSpec
from tests.conftest import REPO, VideoFactory

from .test_batch import SWAP_CASE


def _record(record_id: str, video: Path) -> dict[str, Any]:
    case = copy.deepcopy(SWAP_CASE)
    case["case_id"] = record_id
    return {"record_id": record_id, "case": case, "evidence": [{"kind": "video", "path": str(video)}]}


@pytest.mark.slow
def test_rescore_find_reuse_lists_the_disputes_sharing_footage(
    unboxing_videos: VideoFactory, tmp_path: Path
) -> None:
    clean = unboxing_videos("clean", UnboxingSpec())
    middle = make_copy(clean.path, tmp_path / "middle.mp4", "trimmed-middle-half", clean.script.duration_s)
    other = tmp_path / "other.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=10",
            "-t",
            "8",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(other),
        ],
        check=True,
        timeout=120,
    )
    archive = tmp_path / "archive.jsonl"
    records = [
        _record("R-1", clean.path),
        _record("R-2", other),
        _record("R-3", middle),
        _record("R-4", clean.path),  # the very same file again
    ]
    archive.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "results.jsonl"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "proofbox",
            "rescore",
            str(archive),
            "--out",
            str(out),
            "--workers",
            "1",
            "--find-reuse",
            "--json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    printed = json.loads(run.stdout)
    clusters = printed["reuse"]["clusters"]
    assert [c["record_ids"] for c in clusters] == [["R-1", "R-3", "R-4"]]
    links = {(k["record_id"], k["other_record_id"]): k for k in clusters[0]["links"]}
    middle_link = links[("R-3", "R-1")]
    duration = clean.script.duration_s
    assert middle_link["other_range_s"][0] == pytest.approx(duration / 4, abs=1.0)
    assert links[("R-4", "R-1")]["similarity"] == 1.0
    written = json.loads(out.with_name(out.name + ".reuse.json").read_text(encoding="utf-8"))
    assert written["clusters"] == clusters


REUSE = {
    "file": "results.jsonl.reuse.json",
    "clusters": [
        {
            "record_ids": ["R-1", "R-3"],
            "links": [
                {"record_id": "R-3", "range_s": [0.0, 9.5], "other_record_id": "R-1",
                 "other_range_s": [5.0, 14.5], "similarity": 0.97, "mirrored": True},
            ],
        }
    ],
}  # fmt: skip


def test_the_reuse_report_reads_in_both_languages() -> None:
    """The report's lines come from the catalog: English as before, Chinese with the same numbers."""
    from proofbox.cli.batch import _render_reuse
    from proofbox.i18n import use

    en = _render_reuse(REUSE, 10)
    assert en.splitlines() == [
        "reused evidence: 1 cluster(s) of disputes sharing footage (results.jsonl.reuse.json)",
        "  R-1, R-3",
        "    R-3 0.0-9.5 s = R-1 5.0-14.5 s, similarity 0.97 (mirrored)",
    ]
    with use("zh-CN"):
        zh = _render_reuse(REUSE, 10)
        none = _render_reuse({"file": "x", "clusters": []}, 10)
    assert zh.splitlines() == [
        "证据复用：1 组纠纷使用了相同的画面（results.jsonl.reuse.json）",
        "  R-1, R-3",
        "    R-3 0.0–9.5 秒 = R-1 5.0–14.5 秒，相似度 0.97（镜像）",
    ]
    assert none == "证据复用：没有两起纠纷使用相同的画面"
