"""Real corpus files through the whole evidence pipeline (``evidence.assess``).

``bad/``: every file gets the outcome its manifest entry asks for, including the ones only
decoding reveals (a truncated file whose header is intact, a corrupted bitstream, one frame).
``videos/``: every file is probed and sampled, and what was decoded covers what it declares.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from evidence import CaseFacts, Element, Verdict
from evidence.assess import assess
from evidence.errors import MediaError
from tests.conftest import corpus_entries
from tests.evidence._media_helpers import child_pids

pytestmark = pytest.mark.corpus
CASE = CaseFacts(return_tracking_number="SF1234567890123")
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic"}
# what each manifest outcome becomes when the file is accepted with a warning
WARNING_FINDINGS = {
    "TRUNCATED": (Element.VALIDITY, "VALIDITY_TRUNCATED"),
    "DECODE_ERRORS": (Element.VALIDITY, "VALIDITY_DECODE_ERRORS"),
    "TOO_SHORT": (Element.COMPLETENESS, "COMPLETENESS_TOO_SHORT"),
}


def _run(path: Path) -> Any:
    if path.suffix.lower() in PHOTO_SUFFIXES:
        return assess(None, CASE, photos=[path])
    return assess(path, CASE)


@pytest.mark.parametrize(
    "entry", corpus_entries("bad_media") + corpus_entries("reference_image"), ids=lambda e: e["path"]
)
def test_bad_media_gets_its_expected_outcome(corpus_dir: Path, entry: dict[str, Any]) -> None:
    path = corpus_dir / entry["path"]
    expected = entry["expected"]
    before = child_pids()
    started = time.monotonic()
    if expected["outcome"] == "reject":
        with pytest.raises(MediaError) as info:
            _run(path)
        assert info.value.code == expected["error_class"], info.value
        assert path.name in str(info.value) or len(str(info.value)) > 20  # says what is wrong
    else:
        result = _run(path)
        if expected["outcome"] == "accept_with_warning":
            element, code = WARNING_FINDINGS[expected["error_class"]]
            verdict = result.element(element)
            assert verdict.verdict == Verdict.FAIL
            assert code in [f.code for f in verdict.findings]
        else:
            assert result.photos and result.photos[0].width > 0
    assert time.monotonic() - started < 60
    assert child_pids() <= before  # no ffmpeg/ffprobe left behind


@pytest.mark.parametrize("entry", corpus_entries("video"), ids=lambda e: e["path"])
def test_every_corpus_video_is_probed_and_sampled(corpus_dir: Path, entry: dict[str, Any]) -> None:
    path = corpus_dir / entry["path"]
    expected = entry["expected"]
    result = assess(path, CASE)
    assert result.video is not None and result.sampling is not None
    assert result.video.codec == expected["video_codec"]
    assert (result.video.width, result.video.height) == (expected["width"], expected["height"])
    assert result.sampling.frames_analysed >= 2
    assert result.sampling.decode_error_lines == 0
    declared = expected["duration_s"] or expected["duration_from_last_video_packet_s"]
    assert result.sampling.decoded_until_s == pytest.approx(declared, abs=max(0.25, 0.03 * declared))
    assert len(result.elements) == 4
    # none of these is an unboxing video: completeness cannot pass
    assert result.element(Element.COMPLETENESS).verdict != Verdict.PASS


@pytest.mark.parametrize("entry", corpus_entries("video_metadata_only"), ids=lambda e: e["path"])
def test_metadata_only_videos_are_rejected_as_undecodable(corpus_dir: Path, entry: dict[str, Any]) -> None:
    """ExifTool's samples keep the metadata but not the pictures: a clear MediaError, no crash."""
    with pytest.raises(MediaError) as info:
        assess(corpus_dir / entry["path"], CASE)
    assert info.value.code in {
        "DECODE_FAILED",
        "TRUNCATED",
        "TRUNCATED_OR_MISSING_INDEX",
        "NOT_A_MEDIA_FILE",
        "NO_VIDEO_STREAM",
    }
