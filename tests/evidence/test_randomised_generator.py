"""The domain-randomised unboxing generator (evidence.media.looks/render): deterministic per seed,
covering every kind, material and table, and filming a waybill whose barcode reads.

Videos are rendered small (640x360, ~5 s) with ``write_unboxing_video`` (its docstring gives the
ffmpeg recipe) into ``tmp_path``.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace

import numpy as np
import pytest
import zxingcpp

from evidence.media.looks import ALL_MATERIALS, BACKGROUNDS, FILLERS, ITEMS, KINDS, random_look
from evidence.media.synthetic import (
    HELD_OUT_SEEDS,
    TUNING_SEEDS,
    UnboxingSpec,
    randomised_spec,
    render_frames,
    write_unboxing_video,
)

SHORT = {
    "label_hold_s": 1.2,
    "face_hold_s": 0.3,
    "rotate_s": 0.2,
    "opening_s": 0.8,
    "contents_s": 0.8,
    "closeup_s": 0.6,
}


def test_seed_groups_do_not_overlap() -> None:
    assert set(TUNING_SEEDS).isdisjoint(HELD_OUT_SEEDS)


def test_same_seed_same_video() -> None:
    a, sa = render_frames(randomised_spec(5, width=160, height=90, **SHORT))
    b, sb = render_frames(randomised_spec(5, width=160, height=90, **SHORT))
    assert sa == sb
    for fa, fb, _ in zip(a, b, range(12), strict=False):
        assert np.array_equal(fa, fb)
    assert randomised_spec(5) == randomised_spec(5) and randomised_spec(5) != randomised_spec(6)


def test_randomisation_covers_every_kind_material_and_table() -> None:
    looks = [random_look(s) for s in range(200)]
    assert {x.kind for x in looks} == set(KINDS)
    assert {x.material for x in looks} == set(ALL_MATERIALS)
    assert {x.background for x in looks} == set(BACKGROUNDS)
    assert {x.filler for x in looks} == set(FILLERS)
    assert {x.item for x in looks} == set(ITEMS)
    assert {x.interior for x in looks} == {"lit", "dark"}
    assert any(x.item_transparent for x in looks)
    assert min(x.closeup_fill for x in looks) < 0.4 and max(x.closeup_fill for x in looks) > 0.7
    assert max(x.framing for x in looks) > 1.0
    specs = [randomised_spec(s) for s in range(200)]
    assert 0.05 < sum(s.portrait for s in specs) / 200 < 0.3
    assert {s.fps for s in specs} == {24.0, 25.0, 30.0}


def test_default_spec_keeps_the_classic_renderer() -> None:
    _, script = render_frames(UnboxingSpec())
    assert script.look == "" and script.problem_fill is None and script.claim == "damaged"


def test_script_truth_follows_the_edits() -> None:
    _, clean = render_frames(randomised_spec(11))
    _, cut = render_frames(randomised_spec(11, cut=(4.0, 6.0)))
    _, swapped = render_frames(randomised_spec(11, claim="swapped"))
    assert abs(clean.duration_s - cut.duration_s - 2.0) < 0.1 and cut.cuts == (4.0,)
    assert clean.problem_fill is not None and 0.3 <= clean.problem_fill <= 0.8
    assert swapped.claim == "swapped" and swapped.product_code and len(swapped.product_code) == 13
    assert clean.look and clean.kind in KINDS


def _frame_at(path, t: float, w: int, h: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{t:.3f}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "pipe:",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, np.uint8)[: w * h].reshape(h, w)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rendered_waybill_reads_at_the_label_phase(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    spec = randomised_spec(seed, width=640, height=360, portrait=False, **SHORT)
    spec = replace(spec, look=replace(spec.look, label_fill=0.8)) if spec.look else spec
    path = tmp_path / "v.mp4"
    script = write_unboxing_video(path, spec)
    label = script.phase_times("label")[0]
    grey = _frame_at(path, (label.start + label.end) / 2, 640, 360)
    texts = [r.text for r in zxingcpp.read_barcodes(grey)]
    assert spec.tracking_number in texts, (spec.look.summary() if spec.look else "", texts)


def test_agreement_truth_table() -> None:
    from bench.agreement import ELEMENTS, VARIANTS, agrees, case_for
    from evidence import Element, Verdict

    assert all(v == (Verdict.PASS,) for v in VARIANTS["clean"].truth.values())
    assert all(v == (Verdict.PASS,) for v in VARIANTS["swapped"].truth.values())
    for name, variant in VARIANTS.items():
        assert set(variant.truth) == set(ELEMENTS), name
        if variant.failure is not None:  # the failure it must cause is the expected verdict
            assert variant.truth[variant.failure][0] == Verdict.FAIL, name
        for e in ELEMENTS:  # nothing but its own failure may FAIL where PASS is expected
            if e != variant.failure and variant.truth[e][0] == Verdict.PASS:
                assert not agrees(name, e, Verdict.FAIL), (name, e)
    assert agrees("no_label", Element.CONSISTENCY, Verdict.INCONCLUSIVE)
    assert not agrees("clean", Element.COMPLETENESS, Verdict.INCONCLUSIVE)
    early = case_for("SF1", VARIANTS["early"])
    assert early.return_signed_at is not None and early.return_tracking_number == "SF1"
    assert case_for("SF1", VARIANTS["swapped"]).claimed_problem == "swapped"


def test_portrait_video_displays_upright(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Portrait frames are stored turned into landscape with a display matrix, as a phone does;
    a player (ffmpeg's autorotate) must show them upright, not upside down."""
    spec = replace(UnboxingSpec(portrait=True, width=320, height=180), label_hold_s=1.0)
    path = tmp_path / "p.mp4"
    write_unboxing_video(path, spec)
    frames, _ = render_frames(spec)
    first = next(iter(frames)).astype(np.float32).mean(axis=2)
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "pipe:",
        ],
        check=True,
        capture_output=True,
    ).stdout
    shown = np.frombuffer(raw, np.uint8).reshape(320, 180).astype(np.float32)
    upright = float(np.abs(shown - first).mean())
    flipped = float(np.abs(shown - first[::-1, ::-1]).mean())
    assert upright < 0.5 * flipped, (upright, flipped)
