"""probe_video / read_packets on generated clips, and the ffprobe-JSON parser on crafted input.

Clips are made once per session with ffmpeg's ``testsrc`` (recipes in ``_media_helpers``).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evidence.config import MediaLimits
from evidence.errors import (
    EmptyMedia,
    MediaTooLarge,
    NoVideoStream,
    ToolTimeout,
    TruncatedMedia,
    UnsupportedMedia,
)
from evidence.media.probe import (
    PacketTable,
    facts_from_ffprobe,
    parse_packet_csv,
    parse_rate,
    probe_video,
    read_packets,
    with_packet_timing,
)

from ._media_helpers import child_pids, ffmpeg, make_clip, set_display_rotation

LIMITS = MediaLimits(probe_timeout_s=20.0)


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """plain.mp4 (320x240, 10 fps, 1 s), rot90.mp4 (display matrix 90° cw), apple.mov (Apple
    QuickTime keys), gap.mp4 (2.1 s pause after 0.9 s), cover.m4a (audio + cover art)."""
    d = tmp_path_factory.mktemp("clips")
    plain = make_clip(d / "plain.mp4")
    rot = make_clip(d / "rot90.mp4")
    set_display_rotation(rot, 90)
    apple = make_clip(
        d / "apple.mov",
        "-movflags",
        "use_metadata_tags",
        "-metadata",
        "com.apple.quicktime.creationdate=2023-05-01T10:00:00+0800",
        "-metadata",
        "com.apple.quicktime.make=Apple",
        "-metadata",
        "com.apple.quicktime.model=iPhone 14 Pro",
        "-metadata",
        "com.apple.quicktime.software=16.5",
        "-metadata",
        "creation_time=2023-05-01T02:00:05Z",
        size="160x120",
    )
    gap = d / "gap.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=10:duration=2",
        "-vf",
        "setpts='if(gte(N,10),PTS+2/TB,PTS)'",
        "-fps_mode",
        "passthrough",
        "-c:v",
        "libx264",
        "-g",
        "5",
        str(gap),
    )
    cover_png = d / "cover.png"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=1", "-frames:v", "1", str(cover_png))
    cover = d / "cover.m4a"
    ffmpeg(
        "-f", "lavfi", "-i", "sine=d=1", "-i", str(cover_png), "-map", "0", "-map", "1",
        "-c:a", "aac", "-c:v", "png", "-disposition:v:0", "attached_pic", "-f", "mp4", str(cover),
    )  # fmt: skip
    return {"plain": plain, "rot90": rot, "apple": apple, "gap": gap, "cover": cover}


# --- probe_video on real files -----------------------------------------------------------------


def test_plain_clip_facts(clips: dict[str, Path]) -> None:
    facts = probe_video(clips["plain"], LIMITS)
    assert facts.detected_type == "mp4"
    assert facts.container.startswith("mov,mp4")
    assert (facts.width, facts.height, facts.codec) == (320, 240, "h264")
    assert (facts.display_width, facts.display_height, facts.rotation) == (320, 240, 0)
    assert facts.duration_s == pytest.approx(1.0, abs=0.05)
    assert facts.frame_rate == pytest.approx(10.0)
    assert not facts.variable_frame_rate
    assert facts.stream.kind == "video" and facts.stream.nb_frames == 10
    assert facts.brands[0] == "isom"
    assert facts.size_bytes == clips["plain"].stat().st_size
    assert any(s.startswith("Lavf") for s in facts.software)
    assert facts.creation_times == ()


def test_display_matrix_rotation(clips: dict[str, Path]) -> None:
    facts = probe_video(clips["rot90"], LIMITS)
    assert facts.rotation == -90  # counter-clockwise, as ffprobe reports a 90° clockwise matrix
    assert (facts.width, facts.height) == (320, 240)
    assert (facts.display_width, facts.display_height) == (240, 320)


def test_apple_keys(clips: dict[str, Path]) -> None:
    facts = probe_video(clips["apple"], LIMITS)
    assert facts.detected_type == "mov"
    assert facts.brands == ("qt  ",)
    first = facts.creation_time
    assert first is not None and first.source == "com.apple.quicktime.creationdate"
    assert first.value == datetime(2023, 5, 1, 2, 0, tzinfo=UTC) and first.offset_known
    assert first.raw == "2023-05-01T10:00:00+0800"
    container = [ct for ct in facts.creation_times if ct.source == "format.creation_time"]
    assert container and container[0].value == datetime(2023, 5, 1, 2, 0, 5, tzinfo=UTC)
    assert (facts.make, facts.model) == ("Apple", "iPhone 14 Pro")
    assert facts.software[0] == "16.5"
    assert facts.format_tags["com.apple.quicktime.make"] == "Apple"


def test_cover_art_is_not_a_video_stream(clips: dict[str, Path]) -> None:
    with pytest.raises(NoVideoStream, match="no video stream") as info:
        probe_video(clips["cover"], LIMITS)
    assert info.value.code == "NO_VIDEO_STREAM"


def test_limits_on_frame_size_duration_and_file_size(clips: dict[str, Path]) -> None:
    with pytest.raises(MediaTooLarge) as big:
        probe_video(clips["plain"], replace(LIMITS, max_video_pixels=320 * 240 - 1))
    assert big.value.code == "IMAGE_TOO_LARGE" and "320x240" in big.value.message
    with pytest.raises(MediaTooLarge) as long:
        probe_video(clips["plain"], replace(LIMITS, max_duration_s=0.5))
    assert long.value.code == "VIDEO_TOO_LONG"
    with pytest.raises(MediaTooLarge) as undeclared:  # what the packets span counts too
        read_packets(clips["plain"], 0, replace(LIMITS, max_duration_s=0.5))
    assert undeclared.value.code == "VIDEO_TOO_LONG"
    with pytest.raises(MediaTooLarge) as heavy:
        probe_video(clips["plain"], replace(LIMITS, max_file_bytes=100))
    assert heavy.value.code == "FILE_TOO_LARGE"


def test_cut_mp4_without_index(clips: dict[str, Path], tmp_path: Path) -> None:
    data = clips["plain"].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # ffmpeg writes moov last: the index is gone
    with pytest.raises(TruncatedMedia) as info:
        probe_video(cut, LIMITS)
    assert info.value.code == "TRUNCATED_OR_MISSING_INDEX"
    assert "re-upload" in info.value.message


REJECTED_EARLY = [
    ("empty.mp4", b"", EmptyMedia, "EMPTY_FILE", "empty"),
    ("page.mp4", b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", UnsupportedMedia,
     "NOT_A_MEDIA_FILE", "HTML page"),
    ("notes.mov", b"tracking SF1234567890123\n", UnsupportedMedia, "NOT_A_MEDIA_FILE", "text file"),
    ("anim.mp4", b"GIF89a\x08\x00\x08\x00\x80\x00\x00" + b"\x00" * 40, UnsupportedMedia,
     "UNSUPPORTED_FORMAT_OR_EXTENSION_MISMATCH", "GIF image, not a video (its name ends in .mp4)"),
    ("noise.mov", bytes(range(256)) * 64, UnsupportedMedia, "NOT_A_MEDIA_FILE", "not a recognised"),
]  # fmt: skip


@pytest.mark.parametrize("case", REJECTED_EARLY, ids=[c[0] for c in REJECTED_EARLY])
def test_rejections_before_ffprobe(
    tmp_path: Path, case: tuple[str, bytes, type[Exception], str, str]
) -> None:
    name, content, error, code, words = case
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error) as info:
        probe_video(path, LIMITS)
    assert getattr(info.value, "code", None) == code
    assert words in str(info.value)
    with pytest.raises(error):
        read_packets(path, 0, LIMITS)


def test_directory_is_not_media(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedMedia, match="regular file"):
        probe_video(tmp_path, LIMITS)


def test_timeout_stops_ffprobe_and_leaves_no_child(clips: dict[str, Path]) -> None:
    before = child_pids()
    started = time.monotonic()
    with pytest.raises(ToolTimeout):
        probe_video(clips["plain"], replace(LIMITS, probe_timeout_s=0.0005))
    assert time.monotonic() - started < 5
    assert child_pids() - before == set()


# --- packets ---------------------------------------------------------------------------------------


def test_packets_of_plain_clip(clips: dict[str, Path]) -> None:
    facts = probe_video(clips["plain"], LIMITS)
    table = read_packets(clips["plain"], facts.stream.index, LIMITS)
    assert len(table) == 10 == table.declared_frames
    assert np.all(np.diff(table.pts) > 0)
    assert table.key[0] and table.keyframe_times().tolist() == pytest.approx([0.0, 0.5])
    assert table.median_keyframe_interval() == pytest.approx(0.5)
    assert table.span() == pytest.approx(1.0)
    assert table.size.dtype == np.int64 and table.size.sum() > 0
    assert table.errors == ()
    assert table.gaps(0.5) == []
    assert not table.is_variable_frame_rate()


def test_pause_shows_as_a_gap(clips: dict[str, Path]) -> None:
    facts = probe_video(clips["gap"], LIMITS)
    table = read_packets(clips["gap"], facts.stream.index, LIMITS)
    assert len(table) == 20
    gaps = table.gaps(1.0)
    assert len(gaps) == 1
    t, gap = gaps[0]
    assert t == pytest.approx(0.9) and gap == pytest.approx(2.1)
    assert table.span() == pytest.approx(4.0)
    assert with_packet_timing(facts, table).variable_frame_rate


def test_packet_csv_parsing_is_robust() -> None:
    text = "\n".join(
        [
            "packet,0.066733,0.033367,0.033367,120,__",
            "packet,0.000000,N/A,N/A,5000,K_",
            "packet,N/A,0.033367,0.033367,90,__",  # no pts: falls back to dts
            "packet,N/A,N/A,N/A,10,__",  # no time at all: dropped and counted
            "packet,0.100100,0.100100,0.033367,80,K_D",  # discarded by an edit list
            "packet,0.133467,0.133467,N/A,70,__",
            "stream,N/A",
        ]
    )
    table = parse_packet_csv(text, ["[mov @ 0x1] stream 0, offset 0x8caf: partial file"])
    assert table.pts.tolist() == pytest.approx([0.0, 0.033367, 0.066733, 0.133467])
    assert table.size.tolist() == [5000, 90, 120, 70]
    assert table.key.tolist() == [True, False, False, False]
    assert math.isnan(table.dts[0]) and math.isnan(table.duration[-1])
    assert table.declared_frames is None
    assert table.errors[0].endswith("partial file")
    assert table.errors[-1] == "1 packets had no timestamp and were ignored"
    assert table.end == pytest.approx(0.133467 + 0.033367, abs=1e-4)  # last duration N/A: median step


def test_empty_packet_table() -> None:
    table = parse_packet_csv("stream,0\n")
    assert len(table) == 0 and table.declared_frames == 0
    assert table.span() == 0.0 and table.median_keyframe_interval() is None
    assert table.gaps(1.0) == [] and not table.is_variable_frame_rate()


def test_frame_rate_variability_ignores_millisecond_rounding() -> None:
    steady = np.cumsum([0.0] + [0.033, 0.033, 0.034] * 30)
    table = PacketTable(
        pts=steady,
        dts=steady,
        size=np.ones_like(steady, dtype=np.int64),
        key=np.zeros_like(steady, dtype=bool),
        duration=np.full_like(steady, 0.033),
    )
    assert not table.is_variable_frame_rate()
    jumpy = steady.copy()
    jumpy[10:] += np.repeat(np.arange(1, 9) * 0.015, 11)[: len(jumpy) - 10]
    variable = replace(table, pts=jumpy)
    assert variable.is_variable_frame_rate()


# --- the ffprobe JSON parser ---------------------------------------------------------------------


def ffprobe_json(**overrides: Any) -> dict[str, Any]:
    video = {
        "index": 0,
        "codec_type": "video",
        "codec_name": "hevc",
        "profile": "Main",
        "width": 1920,
        "height": 1080,
        "pix_fmt": "yuv420p",
        "r_frame_rate": "30/1",
        "avg_frame_rate": "30/1",
        "nb_frames": "300",
        "duration": "10.0",
        "disposition": {"attached_pic": 0},
        "tags": {"creation_time": "2024-03-01T08:00:00.000000Z", "handler_name": "Core Media Video",
                 "encoder": "HEVC"},
    }  # fmt: skip
    data: dict[str, Any] = {
        "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "10.0", "tags": {}},
        "streams": [video],
    }
    for key, value in overrides.items():
        if key == "video":
            video.update(value)
        elif key == "format_tags":
            data["format"]["tags"] = value
        else:
            data[key] = value
    return data


def facts_of(data: dict[str, Any], kind: str = "mov") -> Any:
    return facts_from_ffprobe(data, size_bytes=1, detected_type=kind, limits=LIMITS, name="clip.mov")


@pytest.mark.parametrize(
    ("video", "rotation", "display"),
    [
        ({"tags": {"rotate": "90"}}, -90, (1080, 1920)),
        ({"tags": {"rotate": "270"}}, 90, (1080, 1920)),
        ({"tags": {"rotate": "180"}}, 180, (1920, 1080)),
        ({"side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]}, -90, (1080, 1920)),
        ({"side_data_list": [{"side_data_type": "Display Matrix", "rotation": 90}]}, 90, (1080, 1920)),
        ({"side_data_list": [{"side_data_type": "Display Matrix", "rotation": -180}]}, 180, (1920, 1080)),
        ({"side_data_list": [{"side_data_type": "Display Matrix", "rotation": 270}]}, -90, (1080, 1920)),
        ({}, 0, (1920, 1080)),
    ],
)
def test_rotation_sources(video: dict[str, Any], rotation: int, display: tuple[int, int]) -> None:
    facts = facts_of(ffprobe_json(video=video))
    assert facts.rotation == rotation
    assert (facts.display_width, facts.display_height) == display


def test_side_data_wins_over_the_legacy_tag() -> None:
    video = {"tags": {"rotate": "180"}, "side_data_list": [{"rotation": -90}]}
    assert facts_of(ffprobe_json(video=video)).rotation == -90


def test_creation_time_order_and_sentinels() -> None:
    tags = {
        "creation_time": "2024-03-01T08:00:01.000000Z",
        "com.apple.quicktime.creationdate": "2024-03-01T16:00:00+0800",
        "date": "2010",
    }
    facts = facts_of(ffprobe_json(format_tags=tags))
    assert [ct.source for ct in facts.creation_times] == [
        "com.apple.quicktime.creationdate",
        "format.creation_time",
        "streams[0].creation_time",
    ]
    assert facts.creation_time is not None and facts.creation_time.value == datetime(
        2024, 3, 1, 8, tzinfo=UTC
    )
    zeroed = facts_of(
        ffprobe_json(
            format_tags={"creation_time": "1970-01-01T00:00:00.000000Z"},
            video={"tags": {"creation_time": "1904-01-01T00:00:00.000000Z"}},
        )
    )
    assert zeroed.creation_times == ()


def test_matroska_and_avi_dates_are_local_without_zone() -> None:
    facts = facts_of(
        ffprobe_json(
            format_tags={"creation_time": "2003-03-10 15:04:43", "DATE_RECORDED": "2010-02-03T21:17:48Z"}
        ),
        kind="avi",
    )
    by_source = {ct.source: ct for ct in facts.creation_times}
    avi = by_source["format.creation_time"]
    assert not avi.offset_known and avi.value.utcoffset() is not None
    assert avi.value.replace(tzinfo=None) == datetime(2003, 3, 10, 15, 4, 43)
    assert by_source["format.date_recorded"].value == datetime(2010, 2, 3, 21, 17, 48, tzinfo=UTC)


def test_make_model_software_from_android_and_editors() -> None:
    tags = {
        "major_brand": "mp42",
        "compatible_brands": "isommp42",
        "com.android.manufacturer": "Xiaomi",
        "com.android.model": "23049RAD8C",
        "com.android.version": "13",
        "comment": "vid:v0d00fg10000cj1example",
        "encoder": "Lavf60.3.100",
    }
    video = {"tags": {"handler_name": "\x0bCapCut Video  ", "encoder": "HEVC"}}
    facts = facts_of(ffprobe_json(format_tags=tags, video=video), kind="mp4")
    assert (facts.make, facts.model) == ("Xiaomi", "23049RAD8C")
    assert facts.brands == ("mp42", "isom")
    assert facts.software == ("13", "Lavf60.3.100", "CapCut Video")
    edited = facts_of(ffprobe_json(format_tags={"comment": "Edited with CapCut 3.2.0"}))
    assert "Edited with CapCut 3.2.0" in edited.software


def test_generic_handlers_and_codec_names_are_not_software() -> None:
    facts = facts_of(ffprobe_json())
    assert facts.software == ()


def test_declared_duration_falls_back_to_frame_count() -> None:
    data = ffprobe_json(video={"duration": "0.000000", "nb_frames": "233", "r_frame_rate": "500000/33333",
                               "avg_frame_rate": "500000/33333"})  # fmt: skip
    data["format"].pop("duration")
    assert facts_of(data, kind="avi").duration_s == pytest.approx(15.533178, abs=1e-6)
    live = ffprobe_json(video={"duration": None, "nb_frames": None})
    live["format"].pop("duration")
    assert facts_of(live, kind="webm").duration_s is None


def test_variable_rate_from_header_rates() -> None:
    assert facts_of(
        ffprobe_json(video={"r_frame_rate": "90000/1", "avg_frame_rate": "30/1"})
    ).variable_frame_rate
    assert facts_of(ffprobe_json(video={"avg_frame_rate": "25/1"})).variable_frame_rate
    assert not facts_of(ffprobe_json(video={"avg_frame_rate": "2997/100"})).variable_frame_rate


def test_only_cover_art_means_no_video() -> None:
    data = ffprobe_json(video={"disposition": {"attached_pic": 1}})
    data["streams"].append({"index": 1, "codec_type": "audio", "codec_name": "aac"})
    with pytest.raises(NoVideoStream, match="audio, video"):
        facts_of(data)


def test_largest_video_stream_is_analysed() -> None:
    data = ffprobe_json()
    data["streams"].insert(
        0, {"index": 5, "codec_type": "video", "codec_name": "mjpeg", "width": 160, "height": 120}
    )
    facts = facts_of(data)
    assert facts.stream.width == 1920 and facts.video_stream == 1


def test_image_demuxer_is_refused() -> None:
    data = ffprobe_json()
    data["format"]["format_name"] = "jpeg_pipe"
    with pytest.raises(UnsupportedMedia) as info:
        facts_of(data)
    assert info.value.code == "UNSUPPORTED_FORMAT_OR_EXTENSION_MISMATCH"


@pytest.mark.parametrize(
    ("text", "value"), [("30000/1001", 29.97002997), ("25", 25.0), ("0/0", 0.0), ("N/A", 0.0), (None, 0.0)]
)
def test_parse_rate(text: object, value: float) -> None:
    assert parse_rate(text) == pytest.approx(value)
