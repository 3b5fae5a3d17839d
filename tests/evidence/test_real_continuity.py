"""Continuity on real footage: the corpus's continuous takes, and edits made from them with ffmpeg.

The three videos the manifest marks ``continuous_take: true`` (a hand-held close-up of a bird, a
drone flight, a GoPro walk) must get no continuity finding. Variants are made from them here with
ffmpeg, each beside a control: the same source through the same scaling and encoder with no edit,
so re-encoding is never the tell. Each variant must be found within half a second, with the right
code; each control must stay clean:

* removed: a segment cut out (CUT);
* joined: the take's first seconds followed by another take (SPLICE);
* held: one frame held for two seconds with no frames in between, as a paused recorder writes it
  (PAUSE);
* stills: the picture stops on one frame for two seconds, frames still written (FROZEN);
* fade: a fade out to black and in again from a later point (TRANSITION);
* slides: four frames of the take, each held for two seconds (a slideshow: FROZEN runs, one per
  picture, although most of the video is frozen and no packet stands out as small);
* lit: the take lit 1.4 times as strongly from 4 s on, as when a lamp is switched on (no edit: no
  finding).

Variants other than the removed segment use the first eight seconds of a take, edited at 4 s.
"""

from __future__ import annotations

import math
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
HARDER = ["-c:v", "libx264", "-preset", "faster", "-crf", "32", "-g", "60", "-pix_fmt", "yuv420p", "-an"]
AGAIN = "+again"
TAKES = [e for e in corpus_entries("video") if e.get("expected", {}).get("continuous_take")]


@dataclass(frozen=True)
class Edit:
    """Where to cut a take: keep [0, a) and [b, end) (a == b: the control, same graph, no edit)."""

    a: float
    b: float


# per take: a removed segment, chosen where the camera keeps moving (the harder case)
REMOVED = {"cockatoo.mp4": Edit(5.0, 8.0), "karma.mp4": Edit(4.0, 6.0), "max-heromode.mp4": Edit(4.0, 6.5)}
AT = 4.0  # where the other variants are edited
HOLD = 2.0  # a held frame and a run of stills last this long
# joined: each take followed by the next one (from its 3rd second), both at one size and rate
JOINED = {"cockatoo.mp4": "karma.mp4", "karma.mp4": "max-heromode.mp4", "max-heromode.mp4": "cockatoo.mp4"}
CLIP = "scale=480:270,setsar=1,fps=25"
EXPECTED = {
    "joined": "COMPLETENESS_SPLICE",
    "held": "COMPLETENESS_PAUSE",
    "stills": "COMPLETENESS_FROZEN",
    "fade": "COMPLETENESS_TRANSITION",
}


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True, timeout=120)


def _removed(src: Path, out: Path, edit: Edit, end: float) -> None:
    graph = (
        "[0:v]scale=640:-2,split[a][b];"
        f"[a]trim=0:{edit.a},setpts=PTS-STARTPTS[x];[b]trim={edit.b}:{end},setpts=PTS-STARTPTS[y];"
        "[x][y]concat=n=2:v=1[o]"
    )
    _ffmpeg("-i", str(src), "-filter_complex", graph, "-map", "[o]", *ENCODE, str(out))


def _variant(src: Path, other: Path, variant: str, out: Path) -> None:
    """The first eight seconds of ``src`` at ``CLIP``, edited at ``AT`` (``control``: no edit)."""
    head = f"[0:v]{CLIP},trim=0:8,setpts=PTS-STARTPTS"
    extra: list[str] = []
    if variant == "control":
        graph = f"{head}[o]"
    elif variant == "joined":
        graph = (
            f"{head},trim=0:{AT},setpts=PTS-STARTPTS[x];[1:v]{CLIP},trim=3:{3 + 8 - AT},setpts=PTS-STARTPTS[y];"
            "[x][y]concat=n=2:v=1[o]"
        )
        extra = ["-i", str(other)]
    elif variant == "held":  # the frame before AT stays on screen for HOLD s: no frames written meanwhile
        graph = f"{head},setpts='if(gte(T,{AT}),PTS+{HOLD}/TB,PTS)'[o]"
    elif variant == "stills":  # the frame before AT repeated for HOLD s, then the take goes on
        graph = (
            f"{head},split[a][b];[a]trim=0:{AT},setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop_duration={HOLD}[x];"
            f"[b]trim={AT}:8,setpts=PTS-STARTPTS[y];[x][y]concat=n=2:v=1[o]"
        )
    elif variant == "fade":  # fade out over the 0.6 s before AT, in from a second later over 0.6 s
        graph = (
            f"{head},split[a][b];[a]trim=0:{AT},setpts=PTS-STARTPTS,fade=t=out:st={AT - 0.6}:d=0.6[x];"
            f"[b]trim={AT + 1}:8,setpts=PTS-STARTPTS,fade=t=in:st=0:d=0.6[y];[x][y]concat=n=2:v=1[o]"
        )
    elif variant == "lit":  # a lamp switched on at AT: every colour 1.4x as strong from that frame on
        graph = f"{head},format=rgb24,colorchannelmixer=rr=1.4:gg=1.4:bb=1.4:enable='gte(t,{AT})',format=yuv420p[o]"
    elif variant == "slides":  # a slideshow: four frames of the take, each on screen for 2 s
        picks = [f"[s{i}]trim=start_frame={25 + 50 * i}:end_frame={26 + 50 * i},setpts=PTS-STARTPTS,"
                 f"tpad=stop_mode=clone:stop_duration=2[p{i}]" for i in range(4)]  # fmt: skip
        graph = f"{head},split=4[s0][s1][s2][s3];" + ";".join(picks) + ";[p0][p1][p2][p3]concat=n=4:v=1[o]"
    else:
        raise AssertionError(variant)
    _ffmpeg(
        "-i", str(src), *extra, "-filter_complex", graph, "-map", "[o]", "-fps_mode", "passthrough", *ENCODE, str(out)
    )  # fmt: skip


def continuity(a: Assessment) -> list[tuple[str, float | None]]:
    return [(f.code, f.t_end) for f in a.element(Element.COMPLETENESS).findings if f.code in CONTINUITY]


def spans(a: Assessment) -> list[tuple[str, float, float]]:
    return [
        (
            f.code,
            f.t_start if f.t_start is not None else math.nan,
            f.t_end if f.t_end is not None else math.nan,
        )
        for f in a.element(Element.COMPLETENESS).findings
        if f.code in CONTINUITY
    ]


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
            elif variant.endswith(AGAIN):  # a variant as made, encoded again smaller and harder
                base = variant.removesuffix(AGAIN)
                run(name, base)
                _ffmpeg(
                    "-i",
                    str(out_dir / f"{Path(name).stem}-{base}.mp4"),
                    "-vf",
                    "scale=360:-2",
                    *HARDER,
                    str(out),
                )
            else:  # the short clip variants, and their control ("clip-control")
                other = corpus_dir / "videos" / JOINED[name]
                _variant(src, other, variant.removeprefix("clip-"), out)
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
    # CUT when the scene goes on, SPLICE when its palette changes at once (the bird's beak filling
    # the frame, then the room): which one pixels can tell, not whether it was the same recording
    assert [code for code, _ in found] in (["COMPLETENESS_CUT"], ["COMPLETENESS_SPLICE"]), found
    assert found[0][1] is not None and abs(found[0][1] - at) <= TOLERANCE, found


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_the_same_take_re_encoded_the_same_way_stays_clean(made, name: str) -> None:  # type: ignore[no-untyped-def]
    assert continuity(made(name, "control")) == []


CLIP_VARIANTS = ["joined", "held", "stills", "fade"]


# cockatoo "stills" had a false CUT at 8.7 s until the keyframe-grid rule: x264 put a scene-cut
# keyframe on the bird's fastest head movement (change 23, 3.6x the frames around it), and with no
# keyframe grid in the clip (keyframes at 0 and 8.72 s only) it was taken for an editor's
@pytest.mark.parametrize("variant", CLIP_VARIANTS)
@pytest.mark.parametrize("name", sorted(REMOVED))
def test_each_real_footage_edit_is_found_where_it_was_made_with_its_own_code(  # type: ignore[no-untyped-def]
    made, name: str, variant: str
) -> None:
    found = spans(made(name, variant))
    assert [code for code, _, _ in found] == [EXPECTED[variant]], found
    _, start, end = found[0]
    if variant == "joined":
        assert abs(end - AT) <= TOLERANCE, found  # the first frame of the other take
    elif variant in ("held", "stills"):
        assert abs(start - AT) <= TOLERANCE and abs(end - (AT + HOLD)) <= TOLERANCE, found
    else:  # the fade's span covers the black, within the tolerance
        assert start - TOLERANCE <= AT <= end + TOLERANCE, found


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_a_fade_encoded_again_with_scene_cut_keyframes_is_one_transition(made, name: str) -> None:  # type: ignore[no-untyped-def]
    """Encoded again (x264, 60-frame interval) the fade gets scene-cut keyframes 0.4-2.4 s apart,
    no grid: one of them, on the cockatoo's fast movement at 6.24 s, was taken for an editor's
    keyframe and made a false CUT there."""
    found = spans(made(name, f"fade{AGAIN}"))
    assert [code for code, _, _ in found] == ["COMPLETENESS_TRANSITION"], found


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_a_slideshow_of_stills_is_frozen_picture_by_picture(made, name: str) -> None:  # type: ignore[no-untyped-def]
    found = spans(made(name, "slides"))
    assert {code for code, _, _ in found} == {"COMPLETENESS_FROZEN"}, found
    # one run per picture (the changes between them are the runs' edges, no cuts of their own)
    assert len(found) == 4 and sum(end - start for _, start, end in found) >= 6.0, found


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_a_lamp_switched_on_in_a_real_take_is_no_cut(made, name: str) -> None:  # type: ignore[no-untyped-def]
    # the picture brightens at once and stays so (a CUT or SPLICE before the light was matched)
    assert continuity(made(name, "lit")) == []


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_the_clip_control_re_encoded_the_same_way_stays_clean(made, name: str) -> None:  # type: ignore[no-untyped-def]
    assert continuity(made(name, "clip-control")) == []


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_a_cut_shows_the_frames_either_side_in_the_key_frames(made, name: str) -> None:  # type: ignore[no-untyped-def]
    a = made(name, "removed")
    ((_, start, end),) = spans(a)
    times = [k.t for k in a.keyframes]
    assert any(abs(t - start) < 0.01 for t in times) and any(abs(t - end) < 0.01 for t in times), (
        start,
        end,
        times,
    )


@pytest.mark.parametrize("variant", ["removed", "joined"])
@pytest.mark.parametrize("name", sorted(REMOVED))
def test_cut_or_splice_does_not_flip_between_two_encodes(made, name: str, variant: str) -> None:  # type: ignore[no-untyped-def]
    first = [code for code, _ in continuity(made(name, variant))]
    again = [code for code, _ in continuity(made(name, f"{variant}{AGAIN}"))]
    assert first == again and len(first) == 1, (first, again)
