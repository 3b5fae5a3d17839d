"""Continuity on real footage: the corpus's continuous takes, and edits made from them with ffmpeg.

The three videos the manifest marks ``continuous_take: true`` (a hand-held close-up of a bird, a
drone flight, a GoPro walk) must get no continuity finding. Variants are cut from them here with
ffmpeg, each beside a control: the same source through the same filter graph and encoder with no
edit, so re-encoding is never the tell. Each variant must be found within half a second, with the
right code; each control must stay clean.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from evidence import CaseFacts, Element
from evidence.assess import assess
from evidence.model import Assessment
from tests.conftest import corpus_entries

pytestmark = pytest.mark.corpus
CASE = CaseFacts(return_tracking_number="SF1234567890123")
CONTINUITY = {
    "COMPLETENESS_CUT",
    "COMPLETENESS_SPLICE",
    "COMPLETENESS_PAUSE",
    "COMPLETENESS_FROZEN",
    "COMPLETENESS_TRANSITION",
}
TOLERANCE = 0.5
ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-an"]
TAKES = [e for e in corpus_entries("video") if e.get("expected", {}).get("continuous_take")]


@dataclass(frozen=True)
class Edit:
    """Where to cut a take: keep [0, a) and [b, end) (a == b: the control, same graph, no edit)."""

    a: float
    b: float


# per take: a removed segment, chosen where the camera keeps moving (the harder case)
REMOVED = {"cockatoo.mp4": Edit(5.0, 8.0), "karma.mp4": Edit(4.0, 6.0), "max-heromode.mp4": Edit(4.0, 6.5)}


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True, timeout=120)


def _removed(src: Path, out: Path, edit: Edit, end: float) -> None:
    graph = (
        "[0:v]scale=640:-2,split[a][b];"
        f"[a]trim=0:{edit.a},setpts=PTS-STARTPTS[x];[b]trim={edit.b}:{end},setpts=PTS-STARTPTS[y];"
        "[x][y]concat=n=2:v=1[o]"
    )
    _ffmpeg("-i", str(src), "-filter_complex", graph, "-map", "[o]", *ENCODE, str(out))


def continuity(a: Assessment) -> list[tuple[str, float | None]]:
    return [(f.code, f.t_end) for f in a.element(Element.COMPLETENESS).findings if f.code in CONTINUITY]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Callable[[str, str], Assessment]:
    out_dir = tmp_path_factory.mktemp("real-variants")
    cache: dict[tuple[str, str], Assessment] = {}

    def run(name: str, variant: str) -> Assessment:
        key = (name, variant)
        if key not in cache:
            src = corpus_dir / "videos" / name
            entry = next(e for e in TAKES if e["path"] == f"videos/{name}")
            end = float(entry["expected"]["duration_s"])
            edit = REMOVED[name]
            out = out_dir / f"{Path(name).stem}-{variant}.mp4"
            if variant == "removed":
                _removed(src, out, edit, end)
            elif variant == "control":
                _removed(src, out, Edit(edit.a, edit.a), end)
            else:
                raise AssertionError(variant)
            cache[key] = assess(out, CASE)
        return cache[key]

    return run


@pytest.mark.parametrize("entry", TAKES, ids=lambda e: e["path"])
def test_a_real_continuous_take_gets_no_continuity_finding(corpus_dir: Path, entry: dict[str, Any]) -> None:
    a = assess(corpus_dir / entry["path"], CASE)
    assert continuity(a) == []
    codes = [f.code for f in a.element(Element.COMPLETENESS).findings]
    assert "COMPLETENESS_CONTINUOUS" in codes


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_a_removed_segment_is_a_cut_where_it_was_removed(made, name: str) -> None:  # type: ignore[no-untyped-def]
    found = continuity(made(name, "removed"))
    at = REMOVED[name].a
    assert [code for code, _ in found] == ["COMPLETENESS_CUT"], found
    assert found[0][1] is not None and abs(found[0][1] - at) <= TOLERANCE, found


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_the_same_take_re_encoded_the_same_way_stays_clean(made, name: str) -> None:  # type: ignore[no-untyped-def]
    assert continuity(made(name, "control")) == []
