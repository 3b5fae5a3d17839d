"""What a file really is, from its first bytes; the name and extension are never trusted.

Uploads arrive renamed, re-wrapped and sometimes as an HTML error page saved under ``.mp4``. The
media edge sniffs the content before handing a file to ffprobe or Pillow so that a GIF called
``parcel.mp4`` is rejected with a message about GIFs, not about a broken MP4.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["IMAGE_TYPES", "SNIFF_BYTES", "VIDEO_TYPES", "describe", "sniff", "sniff_bytes"]

SNIFF_BYTES = 4096
"""How much of the file's head is read; enough for every signature checked here."""

VIDEO_TYPES: frozenset[str] = frozenset(
    {"mp4", "mov", "3gp", "matroska", "webm", "avi", "mpegts", "flv", "ogg", "mpegps", "asf"}
)
"""Containers a recording can arrive in (``ogg`` may still turn out to hold audio only)."""

IMAGE_TYPES: frozenset[str] = frozenset({"jpeg", "png", "gif", "webp", "tiff", "bmp", "psd", "heif", "avif"})
"""Still-image formats (HEIF/AVIF are ISO-BMFF boxes like MP4, but hold photos)."""

_NAMES = {
    "mp4": "MP4 video",
    "mov": "QuickTime (MOV) video",
    "3gp": "3GP video",
    "matroska": "Matroska (MKV) video",
    "webm": "WebM video",
    "avi": "AVI video",
    "mpegts": "MPEG transport stream (TS/MTS) video",
    "flv": "Flash (FLV) video",
    "ogg": "Ogg media file",
    "mpegps": "MPEG program stream (MPG/VOB) video",
    "asf": "Windows Media (ASF/WMV) file",
    "jpeg": "JPEG image",
    "png": "PNG image",
    "gif": "GIF image",
    "webp": "WebP image",
    "tiff": "TIFF image",
    "bmp": "BMP image",
    "psd": "Photoshop (PSD) image",
    "heif": "HEIF/HEIC image",
    "avif": "AVIF image",
    "html": "HTML page",
    "text": "text file",
    "empty": "empty file",
    "unknown": "file of unknown type",
}

_AN = {"mp4", "mpegts", "mpegps", "html"}  # "an MP4 video", "an HTML page"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"junk"}
_ASF_GUID = bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C")
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<meta", b"<script")


def sniff(path: Path) -> str:
    """The detected type of ``path`` (see the module constants); ``"empty"`` for a 0-byte file."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    return sniff_bytes(head)


def describe(kind: str, *, article: bool = False) -> str:
    """A human name for a sniffed type, for error messages ("GIF image", "an MP4 video")."""
    name = _NAMES.get(kind, kind)
    if not article:
        return name
    return f"{'an' if kind in _AN or name[:1].lower() in 'aeiou' else 'a'} {name}"


def sniff_bytes(head: bytes) -> str:
    """The detected type of a file whose first bytes are ``head``."""
    if not head:
        return "empty"
    for check in (_iso_bmff, _riff, _fixed_signature, _matroska, _mpeg_ts, _mpeg_ps, _bmp):
        kind = check(head)
        if kind:
            return kind
    return _textual(head)


def _iso_bmff(head: bytes) -> str:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        major = head[8:12]
        box_size = int.from_bytes(head[0:4], "big")
        end = min(len(head), box_size) if box_size >= 16 else min(len(head), 64)
        compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
        brands = {major} | compatible
        if major in _AVIF_BRANDS or (major in {b"mif1", b"msf1"} and brands & _AVIF_BRANDS):
            return "avif"
        if major in _HEIF_BRANDS:
            return "heif"
        if major == b"qt  ":
            return "mov"
        if major.startswith((b"3gp", b"3g2", b"3ge", b"3gg")):
            return "3gp"
        return "mp4"
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS and int.from_bytes(head[0:4], "big") >= 8:
        return "mov"  # classic QuickTime file without an ftyp box
    return ""


def _riff(head: bytes) -> str:
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"AVI ": "avi", b"AVIX": "avi", b"WEBP": "webp"}.get(head[8:12], "")
    return ""


def _fixed_signature(head: bytes) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "tiff"
    if head.startswith(b"8BPS"):
        return "psd"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(_ASF_GUID):
        return "asf"
    return ""


def _matroska(head: bytes) -> str:
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return ""
    # The EBML header carries DocType (element id 0x4282) within its first few dozen bytes.
    at = head.find(b"\x42\x82", 4, 64)
    if at >= 0 and at + 3 < len(head):
        length = head[at + 2] & 0x7F if head[at + 2] & 0x80 else 0
        doctype = head[at + 3 : at + 3 + length]
        if doctype == b"webm":
            return "webm"
    return "matroska"


def _mpeg_ts(head: bytes) -> str:
    for offset, stride in ((0, 188), (4, 192), (0, 192)):
        positions = range(offset, len(head), stride)
        hits = [head[p] == 0x47 for p in positions]
        if len(hits) >= 2 and all(hits[:8]):
            return "mpegts"
    return ""


def _mpeg_ps(head: bytes) -> str:
    return "mpegps" if head.startswith(b"\x00\x00\x01\xba") else ""


def _bmp(head: bytes) -> str:
    # "BM" alone is too weak (text can start with it): also require zero reserved fields and a
    # known DIB header size.
    if head.startswith(b"BM") and len(head) >= 18 and head[6:10] == b"\x00\x00\x00\x00":
        dib = int.from_bytes(head[14:18], "little")
        if dib in {12, 16, 40, 52, 56, 64, 108, 124}:
            return "bmp"
    return ""


def _textual(head: bytes) -> str:
    sample = head.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in sample:
        return "unknown"
    lowered = sample.lstrip().lower()
    if lowered.startswith(_HTML_STARTS) or b"<html" in lowered[:1024]:
        return "html"
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(sample) - 3:
            return "unknown"
        text = sample[: exc.start].decode("utf-8")
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t\f")
    return "text" if text and printable >= 0.95 * len(text) else "unknown"
