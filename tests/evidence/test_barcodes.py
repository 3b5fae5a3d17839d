"""Barcode reading on generated images and scenes, the two-step locate/decode path, and
tracking-number matching."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from evidence.barcodes import (
    DEFAULT_FORMATS,
    find_code_regions,
    is_product_code,
    matches_tracking,
    normalize_tracking_number,
    read_barcodes,
    read_barcodes_in_regions,
    tracking_candidates,
)
from evidence.model import BarcodeRead

from ._media_helpers import barcode_image, label_scene


def padded(image: np.ndarray, border: int = 40) -> np.ndarray:
    return cv2.copyMakeBorder(image, border, border, border, border, cv2.BORDER_CONSTANT, value=255)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("Code128", "SF1234567890123"),
        ("Code39", "YT2401234567"),
        ("ITF", "12345678901231"),
        ("EAN13", "6901234567892"),
        ("QRCode", "https://m.kuaidi100.com/result.jsp?nu=JT5123456789012"),
        ("DataMatrix", "JDX000123456789-1-1-"),
        ("PDF417", "ZTO 78123456789012"),
        ("Aztec", "YD4312345678901"),
    ],
)
def test_reads_generated_codes_with_zxing_names(fmt: str, text: str) -> None:
    grey = padded(barcode_image(text, fmt))
    reads = read_barcodes(grey, t=1.5, source="video")
    assert [(r.text, r.format) for r in reads] == [(text, fmt)]
    read = reads[0]
    assert read.t == 1.5 and read.source == "video"
    assert len(read.position) == 4 and all(isinstance(v, int) for p in read.position for v in p)
    bgr = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    assert [r.text for r in read_barcodes(bgr)] == [text]
    assert [r.text for r in read_barcodes(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGRA))] == [text]


def test_control_characters_come_back_escaped() -> None:
    grey = padded(barcode_image("SF123\n456", "QRCode", scale=5))
    assert [r.text for r in read_barcodes(grey)] == ["SF123<LF>456"]


def test_try_harder_finds_turned_linear_codes() -> None:
    upright = padded(barcode_image("SF1234567890123", "Code128"))
    turned = np.ascontiguousarray(np.rot90(upright))
    assert read_barcodes(turned) == []
    assert [r.text for r in read_barcodes(turned, try_harder=True)] == ["SF1234567890123"]


def test_pure_mode_and_format_filter() -> None:
    clean = barcode_image("YT7001234567890", "QRCode", scale=4)
    assert [r.text for r in read_barcodes(clean, pure=True)] == ["YT7001234567890"]
    assert read_barcodes(padded(clean), formats=("Code128",)) == []
    with pytest.raises(ValueError, match="unknown barcode format"):
        read_barcodes(clean, formats=("QRCodez",))


def test_rejects_non_uint8_images() -> None:
    with pytest.raises(ValueError, match="uint8"):
        read_barcodes(np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError, match="grey image"):
        find_code_regions(np.zeros((10, 10, 3), np.uint8))


def test_nothing_in_plain_noise() -> None:
    rng = np.random.default_rng(7)
    noise = cv2.GaussianBlur(rng.integers(0, 255, (360, 640), dtype=np.uint8), (0, 0), 2)
    assert read_barcodes(noise, try_harder=True) == []
    assert find_code_regions(np.full((360, 640), 128, np.uint8)) == []


def overlap(region: tuple[int, int, int, int], box: tuple[int, int, int, int]) -> float:
    x, y, w, h = region
    bx, by, bw, bh = box
    ix = max(0, min(x + w, bx + bw) - max(x, bx))
    iy = max(0, min(y + h, by + bh) - max(y, by))
    return ix * iy / float(w * h)


@pytest.mark.parametrize("angle", [0, 30, 90, 135])
def test_two_step_reader_on_a_scene(angle: int) -> None:
    """Locate on the 640x360 analysis frame, decode crops of the 1080p frame: the waybill is read
    at any angle (crops holding parallel bars are turned upright), the QR as well."""
    detail, label = label_scene(angle, seed=angle)
    small = cv2.resize(detail, (640, 360), interpolation=cv2.INTER_AREA)
    regions = find_code_regions(small)
    assert 0 < len(regions) <= 4
    scale = detail.shape[1] / small.shape[1]
    x, y, w, h = (int(v / scale) for v in label)
    small_label = (x, y, w, h)
    assert overlap(regions[0], small_label) > 0.5  # the best region lies on the label
    reads = read_barcodes_in_regions(detail, regions, scale, t=3.0, source="video")
    found = {(r.format, r.text) for r in reads}
    assert ("Code128", "SF1234567890123") in found
    assert any(fmt == "QRCode" and "SF1234567890123" in text for fmt, text in found)
    lx, ly, lw, lh = label
    for read in reads:
        if read.format in ("Code128", "QRCode"):
            assert read.t == 3.0
            for x, y in read.position:  # corners are reported in 1080p coordinates, on the label
                assert lx - 5 <= x <= lx + lw + 5 and ly - 5 <= y <= ly + lh + 5


def test_locating_is_cheap() -> None:
    detail, _ = label_scene(10)
    small = cv2.resize(detail, (640, 360), interpolation=cv2.INTER_AREA)
    find_code_regions(small)
    runs = []
    for _ in range(15):
        started = time.perf_counter()
        find_code_regions(small)
        runs.append(time.perf_counter() - started)
    assert float(np.median(runs)) < 0.015  # about 1-3 ms here; generous for loaded CI machines


def test_a_waybill_with_bars_narrower_than_one_and_a_half_pixels_is_read_zoomed() -> None:
    """A far waybill in a 360x640 video: 1.3 px per bar is too fine for zxing's binarizer, yet
    readable by a person zooming in; the crop is read again at twice its size, and the corners
    come back in the frame's own coordinates."""
    code = barcode_image("ZT8258501216479", "Code128")  # 3 px per module
    small = cv2.resize(code, None, fx=0.42, fy=0.42, interpolation=cv2.INTER_AREA)
    frame = np.full((360, 640), 200, np.uint8)
    frame[100 : 100 + small.shape[0], 200 : 200 + small.shape[1]] = small
    box = (190, 90, small.shape[1] + 20, small.shape[0] + 20)
    assert read_barcodes(frame) == []
    assert read_barcodes_in_regions(frame, [box], 1.0, upscale_below=0) == []
    reads = read_barcodes_in_regions(frame, [box], 1.0)
    assert [r.text for r in reads] == ["ZT8258501216479"]
    for x, y in reads[0].position:
        assert 180 <= x <= 200 + small.shape[1] + 20 and 80 <= y <= 100 + small.shape[0] + 20


def test_regions_are_clipped_and_deduplicated() -> None:
    code = padded(barcode_image("SF1234567890123", "Code128"))
    regions = [(0, 0, code.shape[1], code.shape[0]), (-20, -20, code.shape[1] + 40, code.shape[0] + 40)]
    reads = read_barcodes_in_regions(code, regions, 1.0)
    assert [r.text for r in reads] == ["SF1234567890123"]
    with pytest.raises(ValueError, match="scale"):
        read_barcodes_in_regions(code, regions, 0.0)


# --- tracking numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("SF 1234 5678 90123", "SF1234567890123"),
        ("ｓｆ１２３４５６７８９０１２３", "SF1234567890123"),
        ("YT-2401-2345-6789", "YT240123456789"),
        ("*JT5123456789012*", "JT5123456789012"),
        ("#4300123456789:", "4300123456789"),
        ("  773０12３456789 ", "773012345678 9".replace(" ", "")),
        ("", ""),
    ],
)
def test_normalize_tracking_number(raw: str, normal: str) -> None:
    assert normalize_tracking_number(raw) == normal


def read(text: str, fmt: str = "QRCode") -> BarcodeRead:
    return BarcodeRead(text=text, format=fmt)


def test_candidates_from_a_url_qr() -> None:
    qr = read(
        "https://www.sf-express.com/we/ow/chn/sc/waybill/waybill-detail/SF1234567890123?lang=sc&from=wx"
    )
    assert tracking_candidates(qr) == ["SF1234567890123"]
    assert matches_tracking(qr, "sf 1234567890123")


def test_candidates_from_json_and_spaced_numbers() -> None:
    qr = read('{"mailNo":"YT 2401 2345 6789","orderId":"a3f5c9e1b2","phone":"138****5678"}')
    assert "YT240123456789" in tracking_candidates(qr)
    assert matches_tracking(qr, "YT240123456789")
    assert not matches_tracking(qr, "YT240123456780")


def test_candidates_strip_a_package_suffix_and_escapes() -> None:
    jd = read("JDX000123456789-1-1-", "Code128")
    assert tracking_candidates(jd)[0] == "JDX000123456789"
    gs1 = read("<GS>4300123456789012<GS>", "Code128")
    assert tracking_candidates(gs1) == ["4300123456789012"]


def test_plain_waybill_barcode() -> None:
    bars = read("773012345678901", "Code128")
    assert tracking_candidates(bars) == ["773012345678901"]
    assert matches_tracking(bars, "773012345678901")
    assert matches_tracking(read("SF1234567890123", "Code128"), "1234567890123")  # courier prefix omitted
    assert not matches_tracking(read("SF1234567890123", "Code128"), "567890123")  # a fragment is not enough
    assert not matches_tracking(bars, "")


def test_words_and_hashes_are_not_waybills() -> None:
    assert tracking_candidates(read("https://example.com/track/order?token=a9f3c2e1d4b5")) == []
    assert tracking_candidates(read("123456", "Code128")) == []  # too short
    assert tracking_candidates(read("UPU RR123456785CN")) == ["RR123456785CN"]


def test_product_codes_are_not_waybills() -> None:
    ean = read("6901234567892", "EAN13")
    assert is_product_code(ean)
    assert tracking_candidates(ean) == []
    assert not matches_tracking(ean, "6901234567892")
    assert is_product_code(read("9781558604971", "Code128"))  # an ISBN, whatever the symbology
    assert not is_product_code(read("SF1234567890123", "Code128"))
    assert {"EAN13", "UPCA", "QRCode", "Code128"} <= set(DEFAULT_FORMATS)
