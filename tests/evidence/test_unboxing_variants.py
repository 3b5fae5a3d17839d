"""The four elements on generated unboxing videos, one variant per way evidence fails or passes.

Each video is rendered by :mod:`evidence.media.synthetic` (its docstring gives the ffmpeg recipe)
into the session's temporary directory; the ground truth (:class:`Script`) says where the cuts,
splices, freezes and pauses really are, and the assertions compare against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from evidence import AnalysisConfig, Assessment, CaseFacts, Element, Severity, Verdict
from evidence.assess import assess
from evidence.media.synthetic import UnboxingSpec
from tests.conftest import SyntheticVideo, VideoFactory

SIGNED = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # the fixtures are recorded one hour later
CASE = CaseFacts(
    return_tracking_number="SF1234567890123",
    return_signed_at=SIGNED,
    evidence_deadline=datetime(2026, 11, 25, tzinfo=UTC),
    evidence_submitted_at=datetime(2026, 11, 21, tzinfo=UTC),
    claimed_problem="damaged",
)
TIME_TOLERANCE = 0.5  # a reviewer must find each cut within half a second

SPECS: dict[str, UnboxingSpec] = {
    "clean": UnboxingSpec(),
    "portrait": UnboxingSpec(portrait=True),
    "hevc": UnboxingSpec(codec="libx265", gop=None),
    "vfr": UnboxingSpec(vfr=True, gop=22),  # a phone GOP of ~1 s after dropped frames: hybrid sampling
    "cbr": UnboxingSpec(bitrate="1500k", cbr=True),
    "cut": UnboxingSpec(cut=(6.0, 9.0)),
    "splice": UnboxingSpec(splice_at=9.0),
    "pause": UnboxingSpec(pts_gap=(7.0, 3.0)),
    "freeze": UnboxingSpec(freeze=(7.0, 2.5)),
    "faces3": UnboxingSpec(faces=("top", "front", "back")),
    "open_at_start": UnboxingSpec(open_at_start=True),
    "wrong_label": UnboxingSpec(label_number="YT9876543210987"),
    "no_label": UnboxingSpec(label=False),
    "blurry": UnboxingSpec(blur_sigma=3.5),
    "dark": UnboxingSpec(brightness=0.18),
    "capcut": UnboxingSpec(
        editor_comment="Made with CapCut", extra_metadata=(("com.apple.quicktime.software", "CapCut 12.1.0"),)
    ),
    "no_creation_time": UnboxingSpec(creation_time=None, apple_creationdate=None),
    "too_short": UnboxingSpec(
        faces=("top",), label_hold_s=1.0, face_hold_s=0.8, opening_s=1.2, contents_s=1.5, closeup_s=1.5
    ),
}

_cache: dict[tuple[str, str, CaseFacts], Assessment] = {}


@pytest.fixture(scope="module")
def judged(unboxing_videos: VideoFactory) -> Callable[..., tuple[Assessment, SyntheticVideo]]:
    unboxing_videos.prefetch(SPECS)

    def run(name: str, mode: str = "auto", case: CaseFacts = CASE) -> tuple[Assessment, SyntheticVideo]:
        video = unboxing_videos(name, SPECS[name])
        key = (name, mode, case)
        if key not in _cache:
            _cache[key] = assess(video.path, case, cfg=AnalysisConfig(sampling_mode=mode))
        return _cache[key], video

    return run


def codes(a: Assessment, element: Element, severity: Severity | None = None) -> list[str]:
    return [f.code for f in a.element(element).findings if severity is None or f.severity == severity]


def finding(a: Assessment, code: str):  # type: ignore[no-untyped-def]
    found = [f for r in a.elements for f in r.findings if f.code == code]
    assert found, f"no {code} finding in {[f.code for r in a.elements for f in r.findings]}"
    return found[0]


@pytest.mark.parametrize("name", ["clean", "portrait", "hevc", "vfr"])
def test_clean_recordings_pass_all_four(judged, name: str) -> None:  # type: ignore[no-untyped-def]
    a, video = judged(name)
    assert a.verdicts == dict.fromkeys(Element, Verdict.PASS), [
        (r.element, r.verdict, [f.code for f in r.findings]) for r in a.elements
    ]
    assert finding(a, "CONSISTENCY_WAYBILL_MATCH").t_start is not None
    assert a.summary["faces_estimated"] == 6
    opening = finding(a, "COMPLETENESS_OPENING_SHOWN").t_start
    assert video.script.opening_at is not None and opening is not None
    assert video.script.opening_at - 0.5 <= opening <= video.script.opening_at + video.spec.opening_s + 0.5
    closeup = finding(a, "VALIDITY_PROBLEM_SHOWN")
    assert video.script.closeup_at is not None and closeup.t_start is not None
    assert closeup.t_start >= video.script.closeup_at[0] - 1.0


def test_portrait_is_analysed_upright(judged) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged("portrait")
    assert a.video is not None
    assert a.video.rotation in (90, -90, 270)
    assert (a.video.display_width, a.video.display_height) == (360, 640)


def test_hybrid_sampling_decodes_a_fraction_of_the_frames(judged) -> None:  # type: ignore[no-untyped-def]
    hybrid, video = judged("clean")
    dense, _ = judged("clean", "dense")
    assert hybrid.sampling is not None and dense.sampling is not None
    assert hybrid.sampling.mode == "hybrid" and dense.sampling.mode == "dense"
    assert hybrid.sampling.dense_seconds < 0.45 * video.script.duration_s
    assert hybrid.verdicts == dense.verdicts


def test_constant_bitrate_video_is_decoded_densely(judged) -> None:  # type: ignore[no-untyped-def]
    """Packet sizes of a constant-bitrate encoder say nothing about motion: no hybrid guesswork."""
    a, _ = judged("cbr")
    assert a.sampling is not None and a.sampling.mode == "dense"
    assert a.verdicts == dict.fromkeys(Element, Verdict.PASS)


@pytest.mark.parametrize("mode", ["auto", "dense"])
def test_cut_is_found_where_it_is(judged, mode: str) -> None:  # type: ignore[no-untyped-def]
    a, video = judged("cut", mode)
    assert a.element(Element.COMPLETENESS).verdict == Verdict.FAIL
    cut = finding(a, "COMPLETENESS_CUT")
    assert cut.t_end is not None and abs(cut.t_end - video.script.cuts[0]) <= TIME_TOLERANCE
    assert cut.rule and cut.source.startswith("seed:001")


@pytest.mark.parametrize("mode", ["auto", "dense"])
def test_splice_of_two_takes_is_found(judged, mode: str) -> None:  # type: ignore[no-untyped-def]
    a, video = judged("splice", mode)
    splice = finding(a, "COMPLETENESS_SPLICE")
    assert splice.t_end is not None and abs(splice.t_end - video.script.splices[0]) <= TIME_TOLERANCE
    assert a.element(Element.COMPLETENESS).verdict == Verdict.FAIL


@pytest.mark.parametrize("mode", ["auto", "dense"])
def test_paused_recording_is_found(judged, mode: str) -> None:  # type: ignore[no-untyped-def]
    a, video = judged("pause", mode)
    pause = finding(a, "COMPLETENESS_PAUSE")
    start, gap = video.script.pauses[0]
    assert pause.t_start is not None and abs(pause.t_start - start) <= TIME_TOLERANCE
    assert pause.value is not None and abs(pause.value - gap) <= 0.2
    assert a.element(Element.COMPLETENESS).verdict == Verdict.FAIL


@pytest.mark.parametrize("mode", ["auto", "dense"])
def test_frozen_run_is_found(judged, mode: str) -> None:  # type: ignore[no-untyped-def]
    a, video = judged("freeze", mode)
    frozen = finding(a, "COMPLETENESS_FROZEN")
    start, length = video.script.freezes[0]
    assert frozen.t_start is not None and abs(frozen.t_start - start) <= TIME_TOLERANCE
    assert frozen.value is not None and abs(frozen.value - length) <= 0.6
    assert "COMPLETENESS_CUT" not in codes(a, Element.COMPLETENESS)


def test_missing_faces_are_left_to_a_person_with_where_to_look(judged) -> None:  # type: ignore[no-untyped-def]
    """Three faces held, then opened: fewer distinct views than six is an absence (a plain box's
    faces look alike), not proof; completeness is undecided and says where to look."""
    a, video = judged("faces3")
    assert a.element(Element.COMPLETENESS).verdict == Verdict.INCONCLUSIVE
    f = finding(a, "COMPLETENESS_FACES_UNCERTAIN")
    assert f.value is not None and f.value < 6
    assert video.script.opening_at is not None and f.t_end is not None
    assert f.t_end <= video.script.opening_at + 2.0 and "check" in f.message
    # everything else about the video is fine
    for e in (Element.CONSISTENCY, Element.VALIDITY, Element.TIMELINESS):
        assert a.element(e).verdict == Verdict.PASS


def test_parcel_opened_before_recording_fails(judged) -> None:  # type: ignore[no-untyped-def]
    """A short clip of already opened goods, no waybill: it fails on what is measured (too short
    for the sealed parcel, its faces and the opening) and claims no opening or contents it could
    not tie to a parcel."""
    a, _ = judged("open_at_start")
    assert a.element(Element.COMPLETENESS).verdict == Verdict.FAIL
    assert "COMPLETENESS_TOO_SHORT" in codes(a, Element.COMPLETENESS, Severity.FAILURE)
    found = codes(a, Element.COMPLETENESS)
    assert "COMPLETENESS_OPENING_SHOWN" not in found and "COMPLETENESS_CONTENTS_SHOWN" not in found


def test_wrong_waybill_names_what_was_read(judged) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged("wrong_label")
    assert a.element(Element.CONSISTENCY).verdict == Verdict.FAIL
    f = finding(a, "CONSISTENCY_WAYBILL_MISMATCH")
    assert "YT9876543210987" in f.message and "SF1234567890123" in f.message
    assert f.t_start is not None and f.t_start < 3.0


def test_missing_waybill_is_undecided_with_where_to_look(judged) -> None:  # type: ignore[no-untyped-def]
    """Nothing read is not another number: consistency is undecided and names where to read."""
    a, _ = judged("no_label")
    assert a.element(Element.CONSISTENCY).verdict == Verdict.INCONCLUSIVE
    f = finding(a, "CONSISTENCY_WAYBILL_NOT_LEGIBLE")
    assert f.severity == Severity.WARNING and "a person should" in f.message


def test_case_without_tracking_number_is_inconclusive(judged) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged("clean", case=replace(CASE, return_tracking_number=None))
    assert a.element(Element.CONSISTENCY).verdict == Verdict.INCONCLUSIVE
    assert "SF1234567890123" in finding(a, "CONSISTENCY_NO_TRACKING_NUMBER").message


@pytest.mark.parametrize("name", ["blurry", "dark"])
def test_unclear_picture_fails_validity(judged, name: str) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged(name)
    assert a.element(Element.VALIDITY).verdict == Verdict.FAIL
    f = finding(a, "VALIDITY_UNCLEAR")
    assert f.value is not None and f.value < 0.6
    assert ("blurred" if name == "blurry" else "too dark") in f.message


def test_editing_app_tag_fails_validity(judged) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged("capcut")
    assert a.element(Element.VALIDITY).verdict == Verdict.FAIL
    assert "CapCut" in finding(a, "VALIDITY_EDITED").message


def test_claimed_problem_must_be_shown_near_the_named_time(judged) -> None:  # type: ignore[no-untyped-def]
    shown, video = judged("clean", case=replace(CASE, claimed_problem_time_s=video_closeup_mid()))
    assert shown.element(Element.VALIDITY).verdict == Verdict.PASS
    elsewhere, _ = judged("clean", case=replace(CASE, claimed_problem_time_s=3.0))
    assert elsewhere.element(Element.VALIDITY).verdict == Verdict.INCONCLUSIVE
    f = finding(elsewhere, "VALIDITY_PROBLEM_NOT_SHOWN")
    assert "near 3.0 s" in f.message and f.t_start is not None and f.t_start <= 3.0 <= (f.t_end or 0)
    # a time past the end of the video is never quoted back
    late, _ = judged("clean", case=replace(CASE, claimed_problem_time_s=300.0))
    end = late.summary["duration_s"] + 0.05
    for g in (x for r in late.elements for x in r.findings):
        assert (g.t_start is None or g.t_start <= end) and (g.t_end is None or g.t_end <= end), g
    assert video.script.closeup_at is not None


def video_closeup_mid() -> float:
    return 19.5  # inside the close-up of the default clip (ground truth 18.2–20.8 s)


def test_recorded_before_sign_for_fails_timeliness(judged) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged("clean", case=replace(CASE, return_signed_at=SIGNED + timedelta(hours=5)))
    assert a.element(Element.TIMELINESS).verdict == Verdict.FAIL
    assert finding(a, "TIMELINESS_BEFORE_SIGN_FOR").source.startswith("seed:001")


def test_recorded_long_after_sign_for_fails_timeliness(judged) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged("clean", case=replace(CASE, return_signed_at=SIGNED - timedelta(days=5)))
    assert a.element(Element.TIMELINESS).verdict == Verdict.FAIL
    f = finding(a, "TIMELINESS_RECORDED_LATE")
    assert "72" in f.rule and "assumption" in f.rule


def test_clock_tolerance_accepts_small_skew(judged) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged("clean", case=replace(CASE, return_signed_at=SIGNED + timedelta(hours=1, minutes=5)))
    assert a.element(Element.TIMELINESS).verdict == Verdict.PASS


def test_missing_creation_time_is_inconclusive(judged) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged("no_creation_time")
    assert a.element(Element.TIMELINESS).verdict == Verdict.INCONCLUSIVE
    assert "no creation time" in finding(a, "TIMELINESS_NO_CREATION_TIME").message


def test_late_submission_fails_timeliness(judged) -> None:  # type: ignore[no-untyped-def]
    a, _ = judged("clean", case=replace(CASE, evidence_submitted_at=datetime(2026, 11, 26, tzinfo=UTC)))
    assert a.element(Element.TIMELINESS).verdict == Verdict.FAIL
    assert finding(a, "TIMELINESS_SUBMITTED_LATE").source.startswith("seed:001")


def test_too_short_fails_completeness(judged) -> None:  # type: ignore[no-untyped-def]
    a, video = judged("too_short")
    f = finding(a, "COMPLETENESS_TOO_SHORT")
    assert f.value is not None and abs(f.value - video.script.duration_s) < 0.3
    assert a.element(Element.COMPLETENESS).verdict == Verdict.FAIL


def test_every_failure_is_explained_and_illustrated(judged) -> None:  # type: ignore[no-untyped-def]
    for name in ("cut", "freeze", "wrong_label", "blurry"):
        a, _ = judged(name)
        for result in a.elements:
            assert 0.0 <= result.score <= 1.0
            for f in result.findings:
                assert f.code.startswith(result.element.value) and f.message
                if f.severity == Severity.FAILURE:
                    assert f.rule or f.source, f
        timed = [
            f
            for r in a.elements
            for f in r.findings
            if f.severity == Severity.FAILURE and f.t_start is not None
        ]
        assert timed and a.keyframes, name
        for f in timed:
            assert any(abs(k.t - f.t_start) <= 1.0 for k in a.keyframes), (name, f.code)
        assert all(k.jpeg.startswith(b"\xff\xd8") for k in a.keyframes)


def _label_photo(path, number: str):  # type: ignore[no-untyped-def]
    """A JPEG of the waybill as a merchant photographs it (the generator's first, close-up frame)."""
    import cv2

    from evidence.media.synthetic import render_frames

    frames, _ = render_frames(UnboxingSpec(label_number=number, width=1280, height=720))
    cv2.imwrite(str(path), next(iter(frames)), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


def test_photos_without_a_video(tmp_path) -> None:  # type: ignore[no-untyped-def]
    photo = _label_photo(tmp_path / "label.jpg", "SF1234567890123")
    a = assess(None, CASE, photos=[photo])
    assert a.video is None and a.photos[0].barcodes
    assert a.element(Element.CONSISTENCY).verdict == Verdict.PASS  # the photo shows this return's waybill
    assert "COMPLETENESS_NO_VIDEO" in codes(a, Element.COMPLETENESS, Severity.FAILURE)
    assert "VALIDITY_NO_VIDEO" in codes(a, Element.VALIDITY, Severity.FAILURE)
    assert a.element(Element.TIMELINESS).verdict == Verdict.INCONCLUSIVE


def test_photo_of_another_waybill_contradicts_the_video(judged, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, video = judged("clean")
    photo = _label_photo(tmp_path / "other.jpg", "JT0000111122223")
    a = assess(video.path, CASE, photos=[photo], photo_names=["other.jpg"])
    assert a.element(Element.CONSISTENCY).verdict == Verdict.FAIL
    f = finding(a, "CONSISTENCY_PHOTO_MISMATCH")
    assert f.media == "other.jpg" and "JT0000111122223" in f.message
