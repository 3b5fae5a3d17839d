"""Content sniffing: the type comes from the bytes, never from the file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.media.sniff import IMAGE_TYPES, VIDEO_TYPES, describe, sniff, sniff_bytes


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


CASES = [
    (b"", "empty"),
    (ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "mp4"),
    (ftyp(b"mp42", b"mp42", b"isom"), "mp4"),
    (ftyp(b"qt  ", b"qt  "), "mov"),
    (ftyp(b"3gp4", b"isom", b"3gp4"), "3gp"),
    (ftyp(b"heic", b"mif1", b"heic"), "heif"),
    (ftyp(b"mif1", b"mif1", b"heic"), "heif"),
    (ftyp(b"avif", b"avif", b"mif1"), "avif"),
    (ftyp(b"mif1", b"mif1", b"avif"), "avif"),
    (b"\x00\x00\x0f\x17moov\x00\x00\x00\x6cmvhd" + b"\x00" * 40, "mov"),
    (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x84webm\x42\x87\x81\x02", "webm"),
    (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska\x42\x87\x81\x04", "matroska"),
    (b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 20, "avi"),
    (b"RIFF\x00\x10\x00\x00WEBPVP8X" + b"\x00" * 20, "webp"),
    (b"RIFF\x00\x10\x00\x00WAVEfmt " + b"\x00" * 20, "unknown"),
    ((b"\x47" + b"\x11" * 187) * 8, "mpegts"),
    ((b"\x00\x00\x00\x00\x47" + b"\x11" * 187) * 8, "mpegts"),
    (b"FLV\x01\x05\x00\x00\x00\x09", "flv"),
    (b"OggS\x00\x02" + b"\x00" * 20, "ogg"),
    (b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01", "mpegps"),
    (bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C") + b"\x00" * 8, "asf"),
    (b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00", "jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
    (b"GIF89a\x08\x00\x08\x00", "gif"),
    (b"GIF87a\x08\x00\x08\x00", "gif"),
    (b"II*\x00\x08\x00\x00\x00", "tiff"),
    (b"MM\x00*\x00\x00\x00\x08", "tiff"),
    (b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", "bmp"),
    (b"BMW was here, this is plain text about cars\n", "text"),
    (b"8BPS\x00\x01\x00\x00", "psd"),
    (b"<!DOCTYPE html>\n<html><body>404</body></html>", "html"),
    (b"\xef\xbb\xbf  <html><head><title>Error</title>", "html"),
    (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>", "html"),
    (b"order 123456, shipped by SF\r\n", "text"),
    ("拆包视频 说明\n".encode(), "text"),
    (b"\x00\x01\x02\x03\xff\xfe\x80\x81" * 16, "unknown"),
]


@pytest.mark.parametrize(("head", "kind"), CASES, ids=[kind + f"-{i}" for i, (_, kind) in enumerate(CASES)])
def test_sniff_bytes(head: bytes, kind: str) -> None:
    assert sniff_bytes(head) == kind


def test_type_sets_are_disjoint_and_named() -> None:
    assert not VIDEO_TYPES & IMAGE_TYPES
    for kind in VIDEO_TYPES | IMAGE_TYPES | {"html", "text", "empty", "unknown"}:
        assert describe(kind) != kind, f"{kind} has no human name"


def test_sniff_ignores_the_extension(tmp_path: Path) -> None:
    gif = tmp_path / "parcel.mp4"
    gif.write_bytes(b"GIF89a\x08\x00\x08\x00" + b"\x00" * 32)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert sniff(gif) == "gif"
    assert sniff(empty) == "empty"


def test_utf8_cut_mid_character_is_still_text() -> None:
    head = ("运单号" * 2000).encode()[:4096]
    assert len(head) == 4096
    assert sniff_bytes(head) == "text"


def test_random_bytes_are_unknown() -> None:
    import random

    head = random.Random(20240601).randbytes(4096)
    assert sniff_bytes(head) == "unknown"
