"""Typed values that flow through the evidence core: media facts in, element verdicts out.

Everything here is an immutable dataclass with no I/O, so results can be compared, serialised by
the server and replayed by batch re-scoring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "Assessment",
    "BarcodeRead",
    "CaseFacts",
    "CreationTime",
    "Element",
    "ElementResult",
    "Finding",
    "Fingerprint",
    "KeyFrame",
    "PhotoFacts",
    "SamplingStats",
    "Severity",
    "StreamInfo",
    "Verdict",
    "VideoFacts",
]


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


class Severity(StrEnum):
    """How much a finding weighs: INFO explains, WARNING lowers the score, FAILURE fails the element."""

    INFO = "INFO"
    WARNING = "WARNING"
    FAILURE = "FAILURE"


class Element(StrEnum):
    """The four elements of the unboxing-video principle (seed 001, 拆包視頻認定原則)."""

    CONSISTENCY = "CONSISTENCY"  # 一致性
    COMPLETENESS = "COMPLETENESS"  # 完整性
    VALIDITY = "VALIDITY"  # 有效性
    TIMELINESS = "TIMELINESS"  # 时效性


# --- media facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreationTime:
    """One creation time a file carries, where it came from, and whether its zone was recorded."""

    source: str  # e.g. "format.creation_time", "com.apple.quicktime.creationdate", "exif.DateTimeOriginal"
    value: datetime  # always timezone-aware
    raw: str  # the text as stored in the file
    offset_known: bool  # False when the file had no zone and one was assumed


@dataclass(frozen=True)
class StreamInfo:
    index: int
    kind: str  # "video", "audio", "data", "subtitle", "attachment"
    codec: str
    profile: str = ""
    width: int = 0
    height: int = 0
    pix_fmt: str = ""
    frame_rate: float = 0.0  # r_frame_rate
    avg_frame_rate: float = 0.0
    nb_frames: int | None = None  # declared by the container, when it does
    duration_s: float | None = None
    rotation: int = 0  # display rotation in degrees, counter-clockwise as ffprobe reports it
    is_attached_pic: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VideoFacts:
    """What the container and streams say about a video, without decoding pixels."""

    size_bytes: int
    container: str  # ffprobe format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    detected_type: str  # from magic bytes: "mp4", "mov", "matroska", "avi", "mpegts", ...
    duration_s: float | None  # declared by the container
    streams: tuple[StreamInfo, ...]
    video_stream: int  # index into ``streams`` of the analysed video stream
    width: int  # coded size of the video stream
    height: int
    display_width: int  # after display rotation
    display_height: int
    rotation: int
    codec: str
    frame_rate: float
    variable_frame_rate: bool
    brands: tuple[str, ...] = ()  # major_brand first, then compatible_brands
    creation_times: tuple[CreationTime, ...] = ()
    make: str = ""
    model: str = ""
    software: tuple[str, ...] = ()  # every encoder/software/handler/writing-application tag
    format_tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def stream(self) -> StreamInfo:
        return self.streams[self.video_stream]

    @property
    def creation_time(self) -> CreationTime | None:
        """The most trustworthy creation time: zoned sources first, then the container's."""
        return self.creation_times[0] if self.creation_times else None


@dataclass(frozen=True)
class BarcodeRead:
    """One barcode or QR code decoded from an image."""

    text: str
    format: str  # zxing-cpp format name, e.g. "Code128", "QRCode", "EAN13"
    t: float | None = None  # seconds into the video; None for photos
    position: tuple[tuple[int, int], ...] = ()  # corner points in the decoded image
    source: str = ""  # "video" or a photo's evidence id / filename


@dataclass(frozen=True)
class Fingerprint:
    """Perceptual hashes of one piece of evidence (:mod:`evidence.fingerprint`): a video's sampled
    frames, or a photo's single picture; what finds the same footage offered for another case."""

    kind: str  # "video" or "photo"
    times: tuple[float, ...]  # seconds into the video of each hash (0.0 for a photo)
    hashes: tuple[int, ...]  # 64-bit pHash per time
    mirrored: tuple[int, ...]  # pHash of the mirror image per time
    duration: float = 0.0


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo's container and EXIF say, plus what was read from its pixels."""

    size_bytes: int
    format: str  # Pillow format: "JPEG", "PNG", "HEIF", "WEBP", ...
    width: int
    height: int
    orientation: int = 1
    make: str = ""
    model: str = ""
    software: tuple[str, ...] = ()
    creation_times: tuple[CreationTime, ...] = ()
    barcodes: tuple[BarcodeRead, ...] = ()
    name: str = ""
    # perceptual hashes (evidence.fingerprint); server-internal, not part of the API
    fingerprint: Fingerprint | None = field(default=None, metadata={"proto": False})

    @property
    def creation_time(self) -> CreationTime | None:
        return self.creation_times[0] if self.creation_times else None


# --- case facts the elements need ------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """The few dispute facts the four elements are checked against (the full case lives in disputes)."""

    return_tracking_number: str | None = None
    return_signed_at: datetime | None = None  # when the merchant signed for the returned parcel
    evidence_deadline: datetime | None = None  # end of the evidence period (举证期)
    evidence_submitted_at: datetime | None = None
    claimed_problem: str | None = None  # e.g. "damaged", "swapped", "missing_item"
    claimed_problem_time_s: float | None = None  # where the video shows it, when the case names it
    expected_item_codes: tuple[str, ...] = ()  # product barcodes (EAN/UPC/SKU) of the ordered item


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One checkable statement behind a verdict."""

    code: str  # stable, e.g. "COMPLETENESS_CUT"
    element: Element
    severity: Severity
    message: str
    t_start: float | None = None  # seconds into the video where it applies
    t_end: float | None = None
    rule: str = ""  # the threshold or rule applied, with its value
    source: str = ""  # where the rule comes from (seed document and section, or "proofbox default")
    media: str = "video"  # "video" or the photo it concerns
    value: float | None = None  # the measured value compared against the rule
    # language-neutral values the message and rule are written from (seconds, ISO 8601 times,
    # counts): with the code, what a text in any language is rendered from (proofbox.i18n.findings)
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ElementResult:
    element: Element
    verdict: Verdict
    score: float  # in [0, 1]; 1 is fully satisfied
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class KeyFrame:
    """A small JPEG of a moment a finding refers to, for a reviewer's contact sheet."""

    t: float
    jpeg: bytes
    label: str = ""


@dataclass(frozen=True)
class SamplingStats:
    """How the video was read: which decode plan ran and how much it cost."""

    mode: str  # "hybrid" (keyframes + dense windows) or "dense"
    packets: int
    keyframes: int
    frames_analysed: int
    dense_windows: int
    dense_seconds: float
    decode_error_lines: int
    decoded_until_s: float
    wall_s: float


@dataclass(frozen=True)
class Assessment:
    """The four element verdicts for one case's evidence, with the facts they rest on."""

    elements: tuple[ElementResult, ...]
    video: VideoFacts | None
    photos: tuple[PhotoFacts, ...]
    analyser_version: str
    barcodes: tuple[BarcodeRead, ...] = ()
    keyframes: tuple[KeyFrame, ...] = ()
    sampling: SamplingStats | None = None
    summary: Mapping[str, float] = field(default_factory=dict)  # headline signal figures
    # the video's perceptual hashes (evidence.fingerprint); server-internal, not part of the API
    fingerprint: Fingerprint | None = field(default=None, metadata={"proto": False})

    def element(self, element: Element) -> ElementResult:
        for result in self.elements:
            if result.element == element:
                return result
        raise KeyError(element)

    @property
    def verdicts(self) -> dict[Element, Verdict]:
        return {r.element: r.verdict for r in self.elements}

    @property
    def all_pass(self) -> bool:
        return all(r.verdict == Verdict.PASS for r in self.elements)
