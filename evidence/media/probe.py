"""What a video's container says, via ffprobe, before a single frame is decoded.

:func:`probe_video` turns one ``ffprobe -show_format -show_streams`` call into :class:`VideoFacts`
and rejects unusable uploads with the matching :mod:`evidence.errors` class, cheapest check
first: empty, too big, not a video at all (sniffed from the bytes), unreadable container, no
video stream, frame or duration beyond the limits. :func:`read_packets` reads the analysed
stream's packet timestamps (demux only, no decoding) into a :class:`PacketTable`, which the
frame sampler uses to plan its decode and the completeness checks use to find pauses.
"""

from __future__ import annotations

import json
import math
import re
import stat
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..config import MediaLimits
from ..errors import EmptyMedia, MediaTooLarge, NoVideoStream, TruncatedMedia, UnsupportedMedia
from ..model import CreationTime, StreamInfo, VideoFacts
from .dates import creation_time
from .sniff import IMAGE_TYPES, VIDEO_TYPES, describe, sniff
from .tools import run_tool

__all__ = [
    "PacketTable",
    "facts_from_ffprobe",
    "parse_packet_csv",
    "parse_rate",
    "probe_video",
    "read_packets",
    "with_packet_timing",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_ERROR_LINES = 500
"""ffprobe stderr lines kept on a PacketTable; a wrecked file can print thousands."""

_MP4_FAMILY = frozenset({"mp4", "mov", "3gp"})
_IMAGE_DEMUXERS = re.compile(r"(^|,)(image2|gif|apng|webp_pipe|[a-z0-9]+_pipe)($|,)")
_TRUNCATION = re.compile(r"end of file|ended prematurely|partial file|truncat", re.I)

# Tags whose values name the software that wrote or re-wrote the file.
_SOFTWARE_KEYS = (
    "com.apple.quicktime.software",
    "com.android.version",
    "software",
    "writing_application",
    "encoder",
    "encoded_by",
    "firmware",
    "handler_name",
    "comment",
)
_GENERIC_HANDLER = re.compile(
    r"^(?:core media |apple )?(?:video|sound|audio|data|hint|text|subtitle|timecode|time code|"
    r"metadata|meta|timed metadata|closed caption)\s*(?:media\s*)?(?:handler|handle)?$",
    re.I,
)
_GENERIC_CODEC = re.compile(
    r"^(?:h\.?26[345]|hevc|avc|avc coding|mpeg-?4(?: video)?|photo - jpeg|jpeg|mjpeg|apple prores.*)$", re.I
)
_PROGRAM_LIKE = re.compile(r"[A-Za-z][\w.+\- ]*?\s?v?\d+(?:\.\d+)+|lavf|lavc|ffmpeg|capcut|剪映", re.I)
_MAKE_KEYS = ("com.apple.quicktime.make", "make", "com.android.manufacturer", "manufacturer")
_MODEL_KEYS = ("com.apple.quicktime.model", "model", "com.android.model")
_DATE_KEYS = ("date_recorded", "date", "creation_date", "date_time_original")


# --- packets -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PacketTable:
    """Timing and size of every packet of one stream, in presentation order.

    Arrays share one length. ``pts``/``dts``/``duration`` are seconds (NaN where the container
    has none), ``size`` bytes, ``key`` marks keyframes. ``declared_frames`` is the container's
    frame count (None when it has none); ``errors`` are ffprobe's complaints while demuxing,
    such as ``partial file`` on a truncated upload.
    """

    pts: FloatArray
    dts: FloatArray
    size: IntArray
    key: BoolArray
    duration: FloatArray
    declared_frames: int | None = None
    errors: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.pts.shape[0])

    def keyframe_times(self) -> FloatArray:
        """Presentation times of the keyframes (seek points)."""
        return self.pts[self.key]

    def intervals(self) -> FloatArray:
        """Time between consecutive presentation timestamps."""
        return np.diff(self.pts)

    def median_interval(self) -> float | None:
        """Typical frame spacing; None with fewer than two packets."""
        steps = self.intervals()
        steps = steps[steps > 0]
        return float(np.median(steps)) if steps.size else None

    def median_keyframe_interval(self) -> float | None:
        """Typical GOP length in seconds; None with fewer than two keyframes."""
        steps = np.diff(self.keyframe_times())
        return float(np.median(steps)) if steps.size else None

    @property
    def start(self) -> float:
        """First presentation time (0.0 for an empty table)."""
        return float(self.pts[0]) if len(self) else 0.0

    @property
    def end(self) -> float:
        """Where the last packet stops being shown: its pts plus its duration."""
        if not len(self):
            return 0.0
        last = float(self.duration[-1])
        if not math.isfinite(last) or last <= 0:
            last = self.median_interval() or 0.0
        return float(self.pts[-1]) + last

    def span(self) -> float:
        """Seconds of video the packets cover (first pts to last pts plus last duration)."""
        return self.end - self.start

    def gaps(self, min_gap_s: float) -> list[tuple[float, float]]:
        """``(t, gap_s)`` for each jump of at least ``min_gap_s`` between consecutive frames;
        ``t`` is the presentation time of the frame before the jump."""
        steps = self.intervals()
        where = np.flatnonzero(steps >= min_gap_s)
        return [(float(self.pts[i]), float(steps[i])) for i in where]

    def is_variable_frame_rate(self, tolerance: float = 0.2, min_share: float = 0.05) -> bool:
        """True when more than ``min_share`` of frame intervals stray from the median by more
        than ``tolerance`` (relative). Millisecond rounding jitter (33/34 ms) does not count."""
        steps = self.intervals()
        typical = self.median_interval()
        if typical is None or steps.size < 2:
            return False
        stray = np.abs(steps - typical) > tolerance * typical
        return bool(np.count_nonzero(stray) > min_share * steps.size)


def read_packets(path: Path, stream_index: int, limits: MediaLimits) -> PacketTable:
    """Every packet of stream ``stream_index`` (ffprobe's absolute index, i.e.
    ``facts.stream.index``), demuxed without decoding and sorted by presentation time.

    Packets the container marks as discarded are left out; a packet without pts falls back to
    its dts; packets with neither are dropped and counted in ``errors``. Raises MediaTooLarge
    (VIDEO_TOO_LONG) when the packets span more than ``limits.max_duration_s``, which catches
    streams that declare no duration.
    """
    _, kind = _precheck(path, limits)
    result = run_tool(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            str(stream_index),
            "-show_entries",
            "packet=pts_time,dts_time,duration_time,size,flags:stream=nb_frames",
            "-of",
            "csv=p=1",
            str(path),
        ],
        timeout=limits.probe_timeout_s,
        what=f"reading the packet index of {path.name}",
    )
    errors = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    if result.returncode != 0:
        _raise_for_ffprobe_failure(path, kind, errors)
    table = parse_packet_csv(result.stdout.decode("utf-8", "replace"), errors)
    if table.span() > limits.max_duration_s:  # live WebM/MKV declare no duration: check what is there
        raise MediaTooLarge(
            f"{path.name} holds {table.span() / 60:.0f} min of video, longer than the "
            f"{limits.max_duration_s / 60:.0f} min limit; upload only the unboxing part",
            code="VIDEO_TOO_LONG",
        )
    return table


def parse_packet_csv(text: str, errors: Iterable[str] = ()) -> PacketTable:
    """A :class:`PacketTable` from ffprobe's ``-of csv=p=1`` lines (``packet,pts,dts,duration,
    size,flags`` and ``stream,nb_frames``); ``N/A`` becomes NaN, discarded packets are skipped."""
    errors = list(errors)
    pts, dts, dur = array("d"), array("d"), array("d")
    sizes = array("q")
    keys = bytearray()
    declared: int | None = None
    untimed = 0
    for line in text.splitlines():
        if line.startswith("packet,"):
            fields = line[7:].split(",")
            if len(fields) < 5 or "D" in fields[4]:
                continue
            p, d = _seconds(fields[0]), _seconds(fields[1])
            if math.isnan(p):
                p = d
            if math.isnan(p):
                untimed += 1
                continue
            pts.append(p)
            dts.append(d)
            dur.append(_seconds(fields[2]))
            sizes.append(int(fields[3]) if fields[3].isdigit() else 0)
            keys.append(1 if fields[4].startswith("K") else 0)
        elif line.startswith("stream,"):
            value = line[7:].strip()
            declared = int(value) if value.isdigit() else None
    if untimed:
        errors = [*errors, f"{untimed} packets had no timestamp and were ignored"]
    if len(errors) > MAX_ERROR_LINES:
        errors = [*errors[:MAX_ERROR_LINES], f"... {len(errors) - MAX_ERROR_LINES} more lines"]
    order = np.argsort(_column(pts, np.float64), kind="stable")
    return PacketTable(
        pts=_column(pts, np.float64)[order],
        dts=_column(dts, np.float64)[order],
        size=_column(sizes, np.int64)[order],
        key=_column(bytes(keys), np.uint8)[order].astype(np.bool_),
        duration=_column(dur, np.float64)[order],
        declared_frames=declared,
        errors=tuple(errors),
    )


def _column(values: array[Any] | bytes, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A numpy view of a compact ``array``/``bytes`` buffer (no per-packet Python objects)."""
    if not len(values):
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(values, dtype=dtype)


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:  # "N/A"
        return math.nan


# --- probing -----------------------------------------------------------------------------------


def probe_video(path: Path, limits: MediaLimits) -> VideoFacts:
    """The container facts of the video at ``path``, or the MediaError that explains why it
    cannot be analysed. Runs ffprobe once, within ``limits.probe_timeout_s``."""
    size, kind = _precheck(path, limits)
    result = run_tool(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        timeout=limits.probe_timeout_s,
        what=f"probing {path.name}",
    )
    errors = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    data: dict[str, Any] = {}
    if result.returncode == 0:
        try:
            loaded = json.loads(result.stdout.decode("utf-8", "replace") or "{}")
            data = loaded if isinstance(loaded, dict) else {}
        except json.JSONDecodeError:
            data = {}
    if result.returncode != 0 or "format" not in data:
        _raise_for_ffprobe_failure(path, kind, errors)
    facts = facts_from_ffprobe(data, size_bytes=size, detected_type=kind, limits=limits, name=path.name)
    _check_limits(facts, limits)
    return facts


def with_packet_timing(facts: VideoFacts, packets: PacketTable) -> VideoFacts:
    """``facts`` with ``variable_frame_rate`` also set when the packet timestamps are irregular
    (the container header alone misses variable-rate phone and browser recordings)."""
    if facts.variable_frame_rate or not packets.is_variable_frame_rate():
        return facts
    return replace(facts, variable_frame_rate=True)


def _precheck(path: Path, limits: MediaLimits) -> tuple[int, str]:
    """Size and sniffed type, raising for empty, oversized and non-video files."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise UnsupportedMedia(
            f"{path.name} is not a regular file; upload the video file itself", code="NOT_A_MEDIA_FILE"
        )
    size = info.st_size
    if size == 0:
        raise EmptyMedia(
            f"{path.name} is empty (0 bytes); the upload did not complete, upload the video again"
        )
    if size > limits.max_file_bytes:
        raise MediaTooLarge(
            f"{path.name} is {size / 1024**3:.1f} GiB, above the {limits.max_file_bytes / 1024**3:.1f} GiB "
            "limit; trim the recording to the unboxing or export it at a lower bitrate",
            code="FILE_TOO_LARGE",
        )
    kind = sniff(path)
    if kind in IMAGE_TYPES:
        raise UnsupportedMedia(
            f"this is {describe(kind, article=True)}, not a video{_name_note(path)}; upload it as a photo",
            code="UNSUPPORTED_FORMAT_OR_EXTENSION_MISMATCH",
        )
    if kind == "html":
        raise UnsupportedMedia(
            f"{path.name} looks like an HTML page, perhaps a failed download, not a video; "
            "download the original recording again and upload that",
            code="NOT_A_MEDIA_FILE",
        )
    if kind not in VIDEO_TYPES:
        what = "a text file" if kind == "text" else "not a recognised video format"
        raise UnsupportedMedia(
            f"{path.name} is {what}; upload the original recording (MP4, MOV, MKV, WebM, AVI, TS)",
            code="NOT_A_MEDIA_FILE",
        )
    return size, kind


def _name_note(path: Path) -> str:
    suffix = path.suffix.lower()
    return f" (its name ends in {suffix})" if suffix else ""


def _raise_for_ffprobe_failure(path: Path, kind: str, errors: list[str]) -> None:
    detail = next((e for e in errors if "Invalid data found" not in e), errors[0] if errors else "")
    joined = "\n".join(errors)
    if "moov atom not found" in joined and kind in _MP4_FAMILY:
        raise TruncatedMedia(
            f"{path.name} has no index (the 'moov' atom at the end of the file is missing); this "
            "usually means the copy or upload was interrupted; re-export or re-upload the original",
            code="TRUNCATED_OR_MISSING_INDEX",
        )
    if _TRUNCATION.search(joined):
        raise TruncatedMedia(
            f"{path.name} ends too early ({_clean(detail)}); the file was cut off during copying or "
            "upload; upload the complete original",
            code="TRUNCATED",
        )
    raise UnsupportedMedia(
        f"ffprobe could not read {path.name} as {describe(kind, article=True)} "
        f"({_clean(detail) or 'no details'}); the file is damaged or in a variant proofbox cannot "
        "read; upload the original recording",
        code="NOT_A_MEDIA_FILE",
    )


def _clean(line: str) -> str:
    """An ffprobe message without its ``[demuxer @ 0x55…]`` prefix."""
    return re.sub(r"^\[[^\]]*\]\s*", "", line).strip()


def _check_limits(facts: VideoFacts, limits: MediaLimits) -> None:
    pixels = facts.width * facts.height
    if pixels > limits.max_video_pixels:
        raise MediaTooLarge(
            f"the video frame is {facts.width}x{facts.height} ({pixels / 1e6:.0f} MP), above the "
            f"{limits.max_video_pixels / 1e6:.0f} MP limit; export the recording at 4K or lower",
            code="IMAGE_TOO_LARGE",
        )
    if facts.duration_s is not None and facts.duration_s > limits.max_duration_s:
        raise MediaTooLarge(
            f"the video lasts {facts.duration_s / 60:.0f} min, longer than the "
            f"{limits.max_duration_s / 60:.0f} min limit; upload only the unboxing part",
            code="VIDEO_TOO_LONG",
        )


# --- ffprobe JSON -> VideoFacts -------------------------------------------------------------------


def facts_from_ffprobe(
    data: Mapping[str, Any],
    *,
    size_bytes: int,
    detected_type: str,
    limits: MediaLimits,
    name: str = "",
) -> VideoFacts:
    """:class:`VideoFacts` from ffprobe's ``-show_format -show_streams`` JSON (pure; no limits
    are enforced here). Raises NoVideoStream when only audio, data or cover art is present."""
    fmt: Mapping[str, Any] = data.get("format") or {}
    format_name = str(fmt.get("format_name", ""))
    if _IMAGE_DEMUXERS.search(format_name):
        raise UnsupportedMedia(
            f"{name or 'the file'} opens as a still image ({format_name}), not a video; upload it as a photo",
            code="UNSUPPORTED_FORMAT_OR_EXTENSION_MISMATCH",
        )
    streams = tuple(_stream_info(s) for s in data.get("streams") or [] if isinstance(s, Mapping))
    video = _pick_video_stream(streams)
    if video is None:
        kinds = ", ".join(sorted({s.kind for s in streams})) or "none"
        raise NoVideoStream(
            f"{name or 'the file'} has no video stream (streams: {kinds}); it is an audio recording "
            "or a cover image; upload the video recording itself"
        )
    stream = streams[video]
    format_tags = _tags(fmt.get("tags"))
    rotation = stream.rotation
    quarter = abs(rotation) % 180 == 90
    return VideoFacts(
        size_bytes=size_bytes,
        container=format_name,
        detected_type=detected_type,
        duration_s=_declared_duration(fmt, stream),
        streams=streams,
        video_stream=video,
        width=stream.width,
        height=stream.height,
        display_width=stream.height if quarter else stream.width,
        display_height=stream.width if quarter else stream.height,
        rotation=rotation,
        codec=stream.codec,
        frame_rate=_frame_rate(stream),
        variable_frame_rate=_header_vfr(stream),
        brands=_brands(format_tags),
        creation_times=_creation_times(format_tags, streams, video, detected_type, limits),
        make=_first_tag(format_tags, stream.tags, keys=_MAKE_KEYS),
        model=_first_tag(format_tags, stream.tags, keys=_MODEL_KEYS),
        software=_software(format_tags, streams),
        format_tags=format_tags,
    )


def parse_rate(text: object) -> float:
    """ffprobe's ``30000/1001`` (or ``25``) as a float; 0.0 for ``0/0``, ``N/A`` and junk."""
    raw = str(text or "").strip()
    try:
        if "/" in raw:
            num, den = raw.split("/", 1)
            return float(num) / float(den) if float(den) else 0.0
        return float(raw)
    except ValueError:
        return 0.0


def _stream_info(s: Mapping[str, Any]) -> StreamInfo:
    disposition = s.get("disposition") or {}
    tags = _tags(s.get("tags"))
    return StreamInfo(
        index=_int(s.get("index")) or 0,
        kind=str(s.get("codec_type") or "unknown"),
        codec=str(s.get("codec_name") or ""),
        profile=str(s.get("profile") or ""),
        width=_int(s.get("width")) or 0,
        height=_int(s.get("height")) or 0,
        pix_fmt=str(s.get("pix_fmt") or ""),
        frame_rate=parse_rate(s.get("r_frame_rate")),
        avg_frame_rate=parse_rate(s.get("avg_frame_rate")),
        nb_frames=_int(s.get("nb_frames")),
        duration_s=_float(s.get("duration")),
        rotation=_rotation(s, tags),
        is_attached_pic=bool(disposition.get("attached_pic")),
        tags=tags,
    )


def _rotation(s: Mapping[str, Any], tags: Mapping[str, str]) -> int:
    """Display rotation, counter-clockwise degrees as ffprobe's display matrix reports it."""
    degrees: float | None = None
    for side in s.get("side_data_list") or []:
        if isinstance(side, Mapping) and side.get("rotation") is not None:
            degrees = _float(side.get("rotation"))
            break
    if degrees is None and "rotate" in tags:
        clockwise = _float(tags["rotate"])
        degrees = -clockwise if clockwise is not None else None
    if degrees is None:
        return 0
    turned = round(degrees) % 360
    return turned - 360 if turned > 180 else turned


def _pick_video_stream(streams: tuple[StreamInfo, ...]) -> int | None:
    """Index (into ``streams``) of the recording: the largest video stream, the first on a tie;
    cover art and thumbnails (attached pictures) never count."""
    candidates = [i for i, s in enumerate(streams) if s.kind == "video" and not s.is_attached_pic]
    if not candidates:
        return None
    return max(candidates, key=lambda i: (streams[i].width * streams[i].height, -i))


def _declared_duration(fmt: Mapping[str, Any], stream: StreamInfo) -> float | None:
    """The container's duration; for headers that only give frame count and rate (AVI), their
    quotient; None when the container declares nothing (live WebM)."""
    for value in (_float(fmt.get("duration")), stream.duration_s):
        if value is not None and value > 0:
            return value
    rate = stream.avg_frame_rate or stream.frame_rate
    if stream.nb_frames and 0 < rate <= 1000:
        return stream.nb_frames / rate
    return None


def _frame_rate(stream: StreamInfo) -> float:
    for rate in (stream.avg_frame_rate, stream.frame_rate):
        if 0 < rate <= 1000:
            return rate
    return 0.0


def _header_vfr(stream: StreamInfo) -> bool:
    r, avg = stream.frame_rate, stream.avg_frame_rate
    return r > 0 and avg > 0 and abs(r - avg) > 0.01 * max(r, avg)


def _brands(tags: Mapping[str, str]) -> tuple[str, ...]:
    found: list[str] = []
    major = tags.get("major_brand", "")
    compatible = tags.get("compatible_brands", "")
    for brand in [major, *(compatible[i : i + 4] for i in range(0, len(compatible), 4))]:
        if brand.strip() and brand not in found:
            found.append(brand)
    return tuple(found)


def _creation_times(
    format_tags: Mapping[str, str],
    streams: tuple[StreamInfo, ...],
    video: int,
    detected_type: str,
    limits: MediaLimits,
) -> tuple[CreationTime, ...]:
    """Every creation time in the file: the device's zoned time first, then the container's,
    then each stream's (analysed video stream first), then free-form date tags."""
    zone = limits.assume_timezone
    utc_naive = detected_type in _MP4_FAMILY
    lowered = {k.lower(): v for k, v in format_tags.items()}
    found: list[CreationTime | None] = [
        creation_time(
            "com.apple.quicktime.creationdate",
            lowered.get("com.apple.quicktime.creationdate", ""),
            assume_timezone=zone,
        ),
        creation_time(
            "format.creation_time",
            lowered.get("creation_time", ""),
            assume_timezone=zone,
            naive_is_utc=utc_naive,
        ),
    ]
    order = [video, *(i for i in range(len(streams)) if i != video)]
    for i in order:
        stream_tags = {k.lower(): v for k, v in streams[i].tags.items()}
        found.append(
            creation_time(
                f"streams[{streams[i].index}].creation_time",
                stream_tags.get("creation_time", ""),
                assume_timezone=zone,
                naive_is_utc=utc_naive,
            )
        )
    for key in _DATE_KEYS:
        found.append(creation_time(f"format.{key}", lowered.get(key, ""), assume_timezone=zone))
    return tuple(ct for ct in found if ct is not None)


def _first_tag(*tag_sets: Mapping[str, str], keys: Iterable[str]) -> str:
    for key in keys:
        for tags in tag_sets:
            for k, v in tags.items():
                if k.lower() == key and _printable(v):
                    return _printable(v)
    return ""


def _software(format_tags: Mapping[str, str], streams: tuple[StreamInfo, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for tags in [format_tags, *(s.tags for s in streams)]:
        lowered = {k.lower(): v for k, v in tags.items()}
        for key in _SOFTWARE_KEYS:
            value = _printable(lowered.get(key, ""))
            if not value or value in found:
                continue
            if key == "handler_name" and _GENERIC_HANDLER.match(value):
                continue
            if key == "encoder" and _GENERIC_CODEC.match(value):
                continue
            if key == "comment" and not _PROGRAM_LIKE.search(value):
                continue
            found.append(value)
    return tuple(found)


def _printable(value: str) -> str:
    """A tag value without control characters (GoPro handler names start with a length byte)."""
    return "".join(ch for ch in value if ch.isprintable()).strip()


def _tags(raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): str(v) for k, v in raw.items()}


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _float(value: object) -> float | None:
    try:
        result = float(str(value))
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None
