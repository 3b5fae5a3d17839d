"""Scene reading that carries beyond our own generator (issue 9).

Sharpness is measured on the subject, not on a textured table; a dim picture is not "too dark"
when its bright parts show detail, and crushed blacks are not blown highlights; a dim waybill is
read after stretching the contrast; real footage that is not an unboxing gets no story of
openings, contents or faces, and soft but watchable real takes are not failed for blur.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from evidence import AnalysisConfig, CaseFacts, Element, Severity, Verdict
from evidence.analyzer import VideoAnalyzer
from evidence.assess import assess
from evidence.media.synthetic import _barcode
from evidence.quality import stretch_contrast, subject_blur
from evidence.signals import SignalState, is_dark, is_washed_out, measure
from tests.conftest import corpus_entries
from tests.evidence._media_helpers import frames_in_memory

CFG = AnalysisConfig()


def _cloth(rng: np.random.Generator, h: int = 360, w: int = 640) -> np.ndarray:
    """A finely woven cloth: a dense random weave at the pixel scale, slightly out of focus (the
    camera focuses on the parcel, nearer than the table)."""
    weave = rng.integers(60, 200, (h, w), dtype=np.uint8)
    return cv2.GaussianBlur(weave, (0, 0), 1.6)


def _parcel_on(background: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A sharp parcel with a printed label (text lines, a barcode) on ``background``."""
    img = background.copy()
    cv2.rectangle(img, (110, 50), (530, 320), 150, -1)
    cv2.rectangle(img, (130, 70), (510, 300), 240, -1)
    for i in range(6):
        length = int(rng.integers(120, 330))
        cv2.rectangle(img, (150, 85 + i * 14), (150 + length, 91 + i * 14), 30, -1)
    bars = cv2.cvtColor(_barcode("SF1234567890123", 340, 60), cv2.COLOR_BGR2GRAY)
    img[180:240, 150:490] = bars
    return img


def _at_320(grey: np.ndarray) -> np.ndarray:
    return cv2.resize(grey, (320, 180), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_subject_sharpness_separates_sharp_from_defocused_on_a_textured_table(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sharp = _parcel_on(_cloth(rng), rng)
    defocused = cv2.GaussianBlur(sharp, (0, 0), 3.5)
    subject_sharp = subject_blur(_at_320(sharp))
    subject_defocused = subject_blur(_at_320(defocused))
    assert subject_sharp <= CFG.subject_blur_max
    assert subject_defocused > CFG.subject_blur_max


def _sample(grey: np.ndarray) -> Any:
    image = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    return measure(image, 0.0, True, True, 0, SignalState())


def _video_facts() -> Any:
    from evidence.model import VideoFacts

    return VideoFacts(
        size_bytes=1, container="mov", detected_type="mp4", duration_s=10.0, streams=(), video_stream=0,
        width=640, height=360, display_width=640, display_height=360, rotation=0, codec="h264",
        frame_rate=30.0, variable_frame_rate=False, creation_times=(), software=(),
    )  # fmt: skip


def test_a_defocused_generated_unboxing_is_blurred_where_the_subject_score_only_says_soft() -> None:
    """Tuning seed 26: a σ = 3.5 px defocus (the ``blurry`` variant) of a scene whose subject
    blur score stays in the soft band (median 0.29, under the 0.45 FAIL limit). Its clearest
    edges are 2.5-3.5 px wide against under 1 px in focus, and validity fails it as blurred;
    the same frames in focus pass."""
    from dataclasses import replace

    from evidence.elements import judge_all
    from evidence.elements.base import Evidence
    from evidence.media.synthetic import randomised_spec, render_frames

    frames, _ = render_frames(randomised_spec(26, width=640, height=360))
    picked = [np.asarray(f) for i, f in zip(range(241), frames, strict=False) if i % 60 == 0]
    assert len(picked) == 5
    sharp, blurred = [], []
    for i, frame in enumerate(picked):
        sharp.append(replace(measure(frame, 0.0, True, True, 0, SignalState()), t=2.0 * i))
        soft = cv2.GaussianBlur(frame, (0, 0), 3.5)
        blurred.append(replace(measure(soft, 0.0, True, True, 0, SignalState()), t=2.0 * i))
        assert sharp[-1].edge_spread < 1.3
        assert blurred[-1].edge_spread > CFG.edge_spread_fail
        assert blurred[-1].subject_blur < CFG.subject_blur_fail  # the score alone would call it soft

    def validity(samples: list[Any]) -> Verdict:
        ev = Evidence(CFG, CaseFacts(), _video_facts(), tuple(samples), 10.0, None)
        return next(r for r in judge_all(ev) if r.element == Element.VALIDITY).verdict

    assert validity(blurred) == Verdict.FAIL
    assert validity(sharp) != Verdict.FAIL
    # in focus at its sharpest moments (one in five), blurred the rest: not failed for blur
    assert validity([sharp[0], *blurred[1:]]) != Verdict.FAIL


def test_a_dim_picture_with_a_lit_subject_is_not_too_dark() -> None:
    dim = np.full((360, 640), 20, np.uint8)
    lit = dim.copy()
    cv2.rectangle(lit, (200, 80), (440, 280), 200, -1)  # a lit label in a dark room: readable
    assert is_dark(_sample(dim), CFG)
    assert not is_dark(_sample(lit), CFG)


def test_crushed_blacks_are_not_washed_out_highlights() -> None:
    img = np.full((360, 640), 4, np.uint8)  # black table, 80 % of the frame
    cv2.rectangle(img, (180, 60), (460, 300), 150, -1)
    s = _sample(img)
    assert s.crushed > 0.5 and s.blown == 0.0
    assert not is_washed_out(s, CFG)
    blown = np.full((360, 640), 250, np.uint8)
    assert is_washed_out(_sample(blown), CFG)


def test_a_black_parcel_filling_the_frame_in_good_light_is_not_too_dark() -> None:
    # black cardboard (mean ~35) with its tape, edges and a hand brighter than a dim room allows
    img = np.full((360, 640), 30, np.uint8)
    cv2.rectangle(img, (0, 150), (640, 175), 85, -1)  # tape across the box
    cv2.rectangle(img, (500, 250), (640, 360), 140, -1)  # a hand at the corner
    s = _sample(img)
    assert s.luma < CFG.dark_mean_max
    assert not is_dark(s, CFG)
    assert is_dark(_sample((img * 0.25).astype(np.uint8)), CFG)  # the same scene without light


def test_a_white_item_filling_the_frame_is_not_washed_out() -> None:
    img = np.full((360, 640), 255, np.uint8)  # a white item clipped to white ...
    for y in range(60, 300, 30):  # ... with its print and a crack in dark grey
        cv2.line(img, (80, y), (560, y), 60, 4)
    cv2.line(img, (100, 320), (500, 40), 40, 3)
    s = _sample(img)
    assert s.blown > CFG.clipped_fraction_max
    assert not is_washed_out(s, CFG)
    lifted = np.clip(img.astype(np.float32) * 0.3 + 180, 0, 255).astype(
        np.uint8
    )  # over-exposed: every tone pale
    assert is_washed_out(_sample(lifted), CFG)


def test_stretch_contrast_keeps_flat_pictures_and_spreads_dim_ones() -> None:
    flat = np.full((40, 40), 30, np.uint8)
    assert stretch_contrast(flat) is flat
    dim = np.tile(np.arange(10, 60, dtype=np.uint8), (20, 1))
    out = stretch_contrast(dim)
    assert out.min() <= 5 and out.max() >= 250


def _dim_label_frames() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    frame = _parcel_on(np.full((360, 640), 90, np.uint8), rng)
    big = cv2.resize(frame, (1280, 720), interpolation=cv2.INTER_CUBIC)
    # a dim room: everything at a fifth of its brightness, bars and paper 6 and 48 grey levels
    dim = (big.astype(np.float32) * 0.2).astype(np.uint8)
    return [cv2.cvtColor(dim, cv2.COLOR_GRAY2BGR)] * 3


def _scan(cfg: AnalysisConfig) -> list[str]:
    facts = frames_in_memory(1280, 720, 1.0)
    analyzer = VideoAnalyzer(facts, None, CaseFacts(return_tracking_number="SF1234567890123"), cfg)
    stream = analyzer.new_stream()
    for i, full in enumerate(_dim_label_frames()):
        small = cv2.resize(full, (640, 360), interpolation=cv2.INTER_AREA)
        analyzer.add(stream, i * 0.5, i == 0, small, cv2.cvtColor(full, cv2.COLOR_BGR2GRAY), True)
    return [r.text for r in analyzer.reads]


def test_a_dim_waybill_is_read_after_stretching_the_contrast() -> None:
    assert "SF1234567890123" in _scan(CFG)


# --- real footage: no invented story ----------------------------------------------------------

STORY_CODES = {
    "COMPLETENESS_OPENING_SHOWN",
    "COMPLETENESS_CONTENTS_SHOWN",
    "COMPLETENESS_SIX_FACES",
    "COMPLETENESS_SEALED_AT_START",
    "VALIDITY_PROBLEM_SHOWN",
}
REAL_TAKES = [e for e in corpus_entries("video") if e.get("expected", {}).get("continuous_take")]


@pytest.mark.corpus
@pytest.mark.parametrize("entry", REAL_TAKES or [None], ids=lambda e: e["path"] if e else "no-corpus")
def test_real_footage_that_is_not_an_unboxing_gets_no_story(
    corpus_dir: Path, entry: dict[str, Any] | None
) -> None:
    if entry is None:
        pytest.skip("the corpus lists no continuous take")
    case = CaseFacts(
        return_tracking_number="SF1234567890123", claimed_problem="damaged", claimed_problem_time_s=19.0
    )
    result = assess(corpus_dir / entry["path"], case)
    found = {f.code for r in result.elements for f in r.findings}
    assert not found & STORY_CODES, found & STORY_CODES
    assert "COMPLETENESS_NO_PARCEL_RECOGNISED" in found
    # nothing read is not a wrong parcel, a missing view is not a failure
    assert result.element(Element.CONSISTENCY).verdict == Verdict.INCONCLUSIVE
    # a watchable real take is never failed for blur
    assert "VALIDITY_UNCLEAR" not in found
    end = result.summary["duration_s"] + 0.05
    for f in (f for r in result.elements for f in r.findings):
        assert (f.t_start is None or f.t_start <= end) and (f.t_end is None or f.t_end <= end), f
        if f.severity == Severity.FAILURE:
            assert f.code.startswith("COMPLETENESS_") and f.code not in STORY_CODES


OTHER_REAL = [e for e in corpus_entries("video") if not e.get("expected", {}).get("continuous_take")]


@pytest.mark.corpus
@pytest.mark.parametrize("entry", OTHER_REAL or [None], ids=lambda e: e["path"] if e else "no-corpus")
def test_other_real_footage_gets_no_invented_story(corpus_dir: Path, entry: dict[str, Any] | None) -> None:
    """Short clips, a webcam test, a phone clip: none is an unboxing, none gets a parcel story."""
    if entry is None:
        pytest.skip("the corpus lists no other real video")
    result = assess(corpus_dir / entry["path"], CaseFacts(return_tracking_number="SF1234567890123"))
    found = {f.code for r in result.elements for f in r.findings}
    assert not found & STORY_CODES, found & STORY_CODES
    assert "COMPLETENESS_NO_PARCEL_RECOGNISED" in found


def _views(looks: list[tuple[float, int]]) -> tuple[list[tuple[Any, Any]], list[float]]:
    """Samples every 0.25 s showing look ``k`` (a fixed random layout) from each given time on."""
    from evidence.scene import SceneFeatures

    rng = np.random.default_rng(7)
    layouts = [rng.normal(0.0, 0.6, 145).astype(np.float32) for _ in range(8)]
    feats = []
    end = looks[-1][0] + 3.0
    t = 0.0
    while t < end:
        k = [look for start, look in looks if start <= t][-1]
        sample = type("S", (), {"t": round(t, 2)})()
        feats.append((sample, SceneFeatures(0.3, False, (10, 10, 40, 30), 0.5, 0.2, 0.0, 0.0, layouts[k])))
        t += 0.25
    return feats, [0.25] * len(feats)


def test_the_opening_is_read_from_layout_after_the_tour_comes_back_to_a_face() -> None:
    from evidence.views import _opening_by_layout

    cfg = AnalysisConfig()
    # top, front, right, back, top again (the tour came back), then a look never seen before
    feats, weights = _views([(0.0, 0), (2.0, 1), (4.0, 2), (6.0, 3), (8.0, 0), (10.0, 5)])
    assert _opening_by_layout(feats, weights, cfg, sealed_until=1.0) == 10.0
    # nothing shown twice: no return, so no opening can be placed from layout alone
    feats, weights = _views([(0.0, 0), (2.0, 1), (4.0, 2), (6.0, 3), (8.0, 5)])
    assert _opening_by_layout(feats, weights, cfg, sealed_until=1.0) is None
    # the look after the return comes back to an earlier face: still sealed, no opening
    feats, weights = _views([(0.0, 0), (2.0, 1), (4.0, 0), (6.0, 1)])
    assert _opening_by_layout(feats, weights, cfg, sealed_until=1.0) is None


def test_the_distance_matrix_is_view_distance_for_every_pair() -> None:
    from evidence.scene import distance_matrix, view_distance

    rng = np.random.default_rng(3)
    d = rng.normal(0.0, 0.5, (70, 145)).astype(np.float32)  # more rows than one block
    m = distance_matrix(d)
    for i, j in [(0, 0), (0, 69), (33, 5), (64, 40)]:
        assert m[i, j] == pytest.approx(view_distance(d[i], d[j]), rel=1e-5)


def test_a_look_flickering_within_one_hold_is_one_view() -> None:
    from evidence.views import _held_looks

    # (look, seconds) runs of one steady stretch: a zoom on the waybill flips the look briefly
    assert _held_looks([(0, 1.0), (1, 0.2), (0, 0.8)], 0.4) == 1
    # a smooth turn to a new face and on to another that looks like the first: three views
    assert _held_looks([(0, 1.0), (1, 0.2), (0, 0.8), (2, 0.6), (0, 1.0)], 0.4) == 3
    assert _held_looks([(0, 0.3), (1, 0.3)], 0.4) == 0


def test_the_stretch_in_which_the_parcel_is_opened_is_not_a_face() -> None:
    from evidence.views import Span, _faces_until

    cfg = AnalysisConfig()
    holds = [Span(0.0, 2.0), Span(3.0, 5.0), Span(6.0, 9.0)]
    dense = [round(0.2 * i, 1) for i in range(60)]
    assert _faces_until(8.0, holds, dense, cfg) == 6.0  # read inside the camera's settling on the top
    assert _faces_until(9.3, holds, dense, cfg) == 6.0  # just after it
    assert _faces_until(10.5, holds, dense, cfg) == 10.5  # well after it: the opening's own time
    # a "hold" read from keyframes a second apart may hide turns: not trusted to cut the count
    assert _faces_until(8.0, holds, [float(i) for i in range(12)], cfg) == 8.0
    # holds timed from the packets (at the frame rate) are trusted whatever the samples' spacing
    assert _faces_until(8.0, holds, [float(i) for i in range(12)], cfg, frame_rate=True) == 6.0


def test_a_zoom_on_the_contents_is_not_a_return_to_an_earlier_view() -> None:
    from evidence.scene import SceneFeatures
    from evidence.views import _opening_by_layout

    cfg = AnalysisConfig()
    rng = np.random.default_rng(11)
    layouts = [rng.normal(0.0, 0.6, 145).astype(np.float32) for _ in range(6)]
    # (from, look, fill): top, front, right, top again (the tour came back), the opened parcel,
    # then the camera moves in on the item: at 0.9 of the frame its layout resembles the sealed
    # top seen whole at 0.3 (the descriptor does not see scale)
    script = [(0.0, 0, 0.3), (2.0, 1, 0.3), (4.0, 2, 0.3), (6.0, 0, 0.3), (8.0, 5, 0.3), (11.0, 0, 0.9)]
    feats, t = [], 0.0
    while t < 14.0:
        _, k, fill = [s for s in script if s[0] <= t][-1]
        sample = type("S", (), {"t": round(t, 2)})()
        feats.append((sample, SceneFeatures(fill, False, (10, 10, 40, 30), 0.5, 0.2, 0.0, 0.0, layouts[k])))
        t += 0.25
    assert _opening_by_layout(feats, [0.25] * len(feats), cfg, sealed_until=1.0) == 8.0


def _scene(*shapes: tuple[str, tuple[int, int, int, int], tuple[int, int, int]]) -> np.ndarray:
    """A 96x54 frame: a blue-grey table, then each (kind, (x, y, w, h), BGR) drawn in order."""
    img = np.full((54, 96, 3), (120, 110, 95), np.uint8)
    for _, (x, y, w, h), colour in shapes:
        img[y : y + h, x : x + w] = colour
    return img


def test_dark_arms_reaching_in_are_not_an_open_interior() -> None:
    from evidence.scene import describe, learn_table

    parcel = ("parcel", (30, 12, 36, 26), (235, 235, 235))
    arms = [
        ("arm", (22, 30, 9, 24), (20, 32, 52)),
        ("arm", (65, 30, 9, 24), (20, 32, 52)),
    ]  # shaded brown skin
    table = learn_table([_scene(parcel)])
    assert table is not None
    held = describe(_scene(parcel, *arms), table)
    assert held.fill > 0.2 and held.touches_border  # the hands join the object ...
    assert held.dark < 0.05  # ... but are not an interior
    # an opened parcel's dark interior inside its walls counts, and so does a black flap that
    # runs off the frame (neutral, not skin)
    opened = describe(_scene(parcel, *arms, ("interior", (38, 16, 20, 14), (20, 20, 20))), table)
    assert opened.dark > 0.2
    flap = describe(_scene(parcel, ("flap", (30, 0, 36, 14), (25, 25, 25))), table)
    assert flap.dark > 0.2


def test_a_look_flickering_for_one_sample_in_a_close_up_is_not_a_return() -> None:
    from evidence.views import _opening_by_layout

    cfg = AnalysisConfig()
    # the tour (top, front, right, top again), the opened parcel at 8 s, a close-up from 10 s
    # whose segmentation flickers to another layout for one sample at 10.5 s
    feats, weights = _views(
        [(0.0, 0), (2.0, 1), (4.0, 2), (6.0, 0), (8.0, 5), (10.0, 4), (10.5, 3), (10.75, 4)]
    )
    assert _opening_by_layout(feats, weights, cfg, sealed_until=1.0) == 8.0
