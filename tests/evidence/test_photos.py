"""probe_photo / load_photo on photos made with Pillow in a temporary directory."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from evidence.barcodes import read_barcodes
from evidence.config import MediaLimits
from evidence.errors import EmptyMedia, MediaTooLarge, TruncatedMedia, UnsupportedMedia
from evidence.media.photos import load_photo, probe_photo

from ._media_helpers import barcode_image, make_clip, png_header_only

LIMITS = MediaLimits()


def exif_jpeg(path: Path, *, orientation: int = 1, size: tuple[int, int] = (40, 20)) -> Path:
    """A JPEG whose left half is black, with phone-like EXIF (Make/Model/Software, a capture time
    with OffsetTimeOriginal +08:00 and sub-seconds, a digitized time without offset)."""
    pixels = np.full((size[1], size[0], 3), 255, np.uint8)
    pixels[:, : size[0] // 2] = 0
    exif = Image.Exif()
    exif[271] = "Xiaomi"
    exif[272] = "Redmi Note 12\x00\x00"
    exif[305] = "MIUI Camera  "
    exif[306] = "2024:03:02 09:15:00"
    exif[274] = orientation
    sub = exif.get_ifd(0x8769)
    sub[36867] = "2024:03:01 20:00:00"
    sub[36881] = "+08:00"
    sub[37521] = "250"
    sub[36868] = "2024:03:01 20:00:01"
    Image.fromarray(pixels).save(path, "JPEG", exif=exif.tobytes(), quality=95)
    return path


def test_exif_facts(tmp_path: Path) -> None:
    facts = probe_photo(exif_jpeg(tmp_path / "parcel.jpg"), LIMITS)
    assert (facts.format, facts.width, facts.height) == ("JPEG", 40, 20)
    assert (facts.make, facts.model) == ("Xiaomi", "Redmi Note 12")
    assert facts.software == ("MIUI Camera",)
    assert facts.name == "parcel.jpg" and facts.size_bytes == (tmp_path / "parcel.jpg").stat().st_size
    sources = [ct.source for ct in facts.creation_times]
    assert sources == ["exif.DateTimeOriginal", "exif.CreateDate", "exif.ModifyDate"]
    original = facts.creation_times[0]
    assert original.offset_known and original.raw == "2024:03:01 20:00:00"
    assert original.value == datetime(2024, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
    digitized = facts.creation_times[1]
    assert not digitized.offset_known and digitized.value.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("orientation", "shape"), [(1, (20, 40)), (6, (40, 20)), (8, (40, 20)), (3, (20, 40))]
)
def test_orientation_is_applied_on_load(tmp_path: Path, orientation: int, shape: tuple[int, int]) -> None:
    facts, pixels = load_photo(exif_jpeg(tmp_path / "p.jpg", orientation=orientation), LIMITS)
    assert facts.orientation == orientation
    assert pixels.shape == (*shape, 3) and pixels.dtype == np.uint8 and pixels.flags.c_contiguous
    dark = pixels.mean(axis=2) < 128
    # The black half of the stored image ends up where the orientation says.
    expected = {1: dark[:, 0].all(), 3: dark[:, -1].all(), 6: dark[0, :].all(), 8: dark[-1, :].all()}
    assert expected[orientation]


def test_probe_never_decodes_pixels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    png = tmp_path / "shot.png"
    Image.new("RGB", (64, 48), "white").save(png, pnginfo=None, exif=Image.Exif().tobytes())
    jpeg = exif_jpeg(tmp_path / "shot.jpg")

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("probe_photo decoded pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    assert probe_photo(png, LIMITS).width == 64
    assert probe_photo(jpeg, LIMITS).make == "Xiaomi"


def test_transparent_barcode_is_flattened_on_white(tmp_path: Path) -> None:
    code = barcode_image("SF1234567890123", "QRCode", scale=6)
    rgba = np.zeros((*code.shape, 4), np.uint8)
    rgba[..., 3] = np.where(code < 128, 255, 0)  # black modules opaque, background transparent
    path = tmp_path / "qr.png"
    Image.fromarray(rgba, "RGBA").save(path)
    _, pixels = load_photo(path, LIMITS)
    assert pixels[0, 0].tolist() == [255, 255, 255]
    assert [r.text for r in read_barcodes(pixels)] == ["SF1234567890123"]


def test_header_size_limit_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("L", (300, 200)).save(path)
    with pytest.raises(MediaTooLarge) as info:
        probe_photo(path, replace(LIMITS, max_photo_pixels=300 * 200 - 1))
    assert info.value.code == "IMAGE_TOO_LARGE" and "300x200" in info.value.message


def test_decompression_bomb_header(tmp_path: Path) -> None:
    path = png_header_only(tmp_path / "bomb.png", 60000, 60000)
    for call in (probe_photo, load_photo):
        with pytest.raises(MediaTooLarge) as info:
            call(path, LIMITS)
        assert info.value.code == "IMAGE_TOO_LARGE"


def test_bomb_just_above_pillow_warning_level(tmp_path: Path) -> None:
    # 9500 x 9500 = 90 MP: above our 80 MP limit and Pillow's warning level, below its error level.
    path = png_header_only(tmp_path / "warn.png", 9500, 9500)
    with pytest.raises(MediaTooLarge) as info:
        probe_photo(path, LIMITS)
    assert info.value.code == "IMAGE_TOO_LARGE"


def test_truncated_jpeg(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    full = tmp_path / "full.jpg"
    Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(full, quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 6 // 10])
    assert probe_photo(cut, LIMITS).width == 200  # the header is intact
    assert not ImageFile.LOAD_TRUNCATED_IMAGES
    with pytest.raises(TruncatedMedia) as info:
        load_photo(cut, LIMITS)
    assert info.value.code == "TRUNCATED_IMAGE" and "upload the original" in info.value.message


def test_video_given_as_photo(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "IMG_0001.jpg", "-f", "mp4", size="64x48", seconds=0.2)
    with pytest.raises(UnsupportedMedia) as info:
        probe_photo(clip, LIMITS)
    assert info.value.code == "UNSUPPORTED_FORMAT_OR_EXTENSION_MISMATCH"
    assert "MP4 video" in info.value.message and "upload it as a video" in info.value.message


@pytest.mark.parametrize(
    ("content", "error", "code"),
    [
        (b"", EmptyMedia, "EMPTY_FILE"),
        (b"<html><body>403 Forbidden</body></html>", UnsupportedMedia, "NOT_A_MEDIA_FILE"),
        (b"just some notes\n", UnsupportedMedia, "NOT_A_MEDIA_FILE"),
    ],
)
def test_non_images(tmp_path: Path, content: bytes, error: type[Exception], code: str) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    with pytest.raises(error) as info:
        load_photo(path, LIMITS)
    assert getattr(info.value, "code", None) == code


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP", "TIFF", "BMP"])
def test_other_formats_load(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"img.{fmt.lower()}"
    Image.fromarray(np.full((12, 16, 3), (10, 20, 200), np.uint8)).save(path, fmt)
    facts, pixels = load_photo(path, LIMITS)
    assert facts.format == fmt and (facts.width, facts.height) == (16, 12)
    assert pixels.shape == (12, 16, 3)
    if fmt != "GIF":  # GIF is paletted; other formats keep the colour
        assert pixels[0, 0].tolist() == pytest.approx([200, 20, 10], abs=3)  # BGR order


def test_sixteen_bit_grey_is_scaled(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    Image.fromarray(np.linspace(0, 65535, 64, dtype=np.uint16).reshape(8, 8)).save(path)
    _, pixels = load_photo(path, LIMITS)
    assert pixels.dtype == np.uint8 and pixels.max() == 255 and pixels.min() == 0


def test_xmp_and_png_software(tmp_path: Path) -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Snapseed 2.0")
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Adobe Photoshop 25.0"'
        ' xmp:CreateDate="2024-02-29T23:59:59+09:00"/></rdf:RDF></x:xmpmeta>'
    )
    info.add_itxt("XML:com.adobe.xmp", xmp)
    path = tmp_path / "edited.png"
    Image.new("RGB", (8, 8)).save(path, pnginfo=info)
    facts = probe_photo(path, LIMITS)
    assert facts.software == ("Adobe Photoshop 25.0", "Snapseed 2.0")
    assert [ct.source for ct in facts.creation_times] == ["xmp.xmp:CreateDate"]
    assert facts.creation_times[0].value == datetime(2024, 2, 29, 14, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heif_and_avif_round_trip(tmp_path: Path, fmt: str) -> None:
    """pillow-heif applies a HEIF's rotation itself (and reports orientation 1); Pillow's AVIF
    plugin leaves it to EXIF, which load_photo applies. Either way the pixels come out upright."""
    pixels = np.full((20, 40, 3), 255, np.uint8)
    pixels[:, :20] = 0
    exif = Image.Exif()
    exif[271] = "Apple"
    exif[272] = "iPhone 15"
    exif[274] = 6
    exif.get_ifd(0x8769)[36867] = "2024:05:01 10:00:00"
    path = tmp_path / f"photo.{fmt.lower()}"
    try:
        Image.fromarray(pixels).save(path, fmt, exif=exif.tobytes(), quality=90)
    except (KeyError, OSError) as exc:  # pragma: no cover - depends on the codec build
        pytest.skip(f"no {fmt} encoder in this Pillow/libheif build: {exc}")
    facts, loaded = load_photo(path, LIMITS)
    assert facts.format == fmt
    assert (facts.make, facts.model) == ("Apple", "iPhone 15")
    assert facts.creation_time is not None and facts.creation_time.raw == "2024:05:01 10:00:00"
    assert loaded.shape == (40, 20, 3)
    assert (loaded.mean(axis=2) < 128)[0, :].all()  # the black half is now on top
