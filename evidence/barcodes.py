"""Reading waybill and product barcodes from frames and photos, and matching tracking numbers.

Pure functions: numpy images in, :class:`BarcodeRead` values out, no file I/O. Decoding is
zxing-cpp. Reading a whole noisy 1080p frame costs tens of milliseconds (over 100 ms with
``try_harder``), so video analysis works in two steps: :func:`find_code_regions` finds
barcode-like patches on the small analysis frame in about a millisecond, and
:func:`read_barcodes_in_regions` decodes only those patches, cut from the full-detail frame,
at well under a millisecond to a few milliseconds each. Crops holding parallel bars at an angle
are turned upright first, which reads tilted waybills that a whole-frame pass misses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from .model import BarcodeRead

__all__ = [
    "DEFAULT_FORMATS",
    "PRODUCT_FORMATS",
    "find_code_regions",
    "is_product_code",
    "matches_tracking",
    "normalize_tracking_number",
    "read_barcodes",
    "read_barcodes_in_regions",
    "tracking_candidates",
]

Region = tuple[int, int, int, int]

_MIN_CODE_ENERGY = 35.0
"""Smoothed gradient (0–255 scale) below which nothing is code-like: bars and modules of even a
dim, low-contrast label are well above it, a plain table or wall is well below."""
_ENERGY_OVER_MEDIAN = 2.5
"""On busy backgrounds a code must also stand out this many times over the frame's median."""
_MIN_BAR_COHERENCE = 0.35
"""Structure-tensor coherence (0 = no direction, 1 = perfectly parallel edges) above which a crop
is taken to hold bars worth turning upright."""

DEFAULT_FORMATS: tuple[str, ...] = (
    "Code128",
    "Code39",
    "Code93",
    "ITF",
    "Codabar",
    "EAN13",
    "EAN8",
    "UPCA",
    "UPCE",
    "QRCode",
    "MicroQRCode",
    "RMQRCode",
    "DataMatrix",
    "PDF417",
    "Aztec",
)
"""Symbologies on waybills (Code128/39/93, ITF, Codabar, QR, PDF417, DataMatrix, Aztec) and on
goods (EAN/UPC)."""

PRODUCT_FORMATS: frozenset[str] = frozenset(
    {
        "EAN13",
        "EAN8",
        "UPCA",
        "UPCE",
        "ISBN",
        "EAN2",
        "EAN5",
        "EANUPC",
        "DataBar",
        "DataBarExp",
        "DataBarExpStk",
        "DataBarLtd",
        "DataBarOmni",
        "DataBarStk",
        "DataBarStkOmni",
    }
)
"""Retail symbologies: they identify the goods, never the parcel."""

_LINEAR_FORMATS = frozenset(
    {"Code128", "Code39", "Code93", "ITF", "Codabar", "EAN13", "EAN8", "UPCA", "UPCE"}
)


# --- decoding ----------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _zxing_formats(formats: tuple[str, ...]) -> zxingcpp.BarcodeFormats:
    unknown = [name for name in formats if not hasattr(zxingcpp.BarcodeFormat, name)]
    if unknown:
        raise ValueError(f"unknown barcode format(s) {unknown}; use zxing-cpp names such as Code128, QRCode")
    return zxingcpp.BarcodeFormats([getattr(zxingcpp.BarcodeFormat, name) for name in formats])


def read_barcodes(
    image: npt.NDArray[Any],
    *,
    formats: Sequence[str] = DEFAULT_FORMATS,
    try_harder: bool = False,
    pure: bool = False,
    t: float | None = None,
    source: str = "",
) -> list[BarcodeRead]:
    """Every barcode zxing-cpp finds in a grey, BGR or BGRA ``uint8`` image.

    The default is zxing's cheap pass (no rotation, no inverted search); if it finds nothing a
    second pass with the global-histogram binarizer runs, which rescues evenly lit photos the
    local binarizer loses. ``try_harder`` adds 90° rotations and light-on-dark codes to both
    passes. ``pure`` is for clean generated images (a single, axis-aligned code). Text is
    zxing's ``TextMode.Escaped`` (control characters as ``<GS>``, ``<LF>``), the format is
    zxing's name (``Code128``, ``QRCode``, ``EAN13``).
    """
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or image.size == 0:
        raise ValueError(f"expected a non-empty uint8 grey or BGR image, got {image.dtype} {image.shape}")
    if image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        grey: npt.NDArray[Any] = cv2.cvtColor(image, code)
    elif image.ndim == 3:
        grey = np.ascontiguousarray(image[:, :, 0])
    else:
        grey = np.ascontiguousarray(image)
    wanted = _zxing_formats(tuple(formats))
    if pure:
        found = zxingcpp.read_barcodes(
            grey,
            formats=wanted,
            try_rotate=try_harder,
            try_invert=try_harder,
            try_downscale=False,
            text_mode=zxingcpp.TextMode.Escaped,
            is_pure=True,
            binarizer=zxingcpp.Binarizer.FixedThreshold,
        )
    else:
        found = []
        for binarizer in (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram):
            found = zxingcpp.read_barcodes(
                grey,
                formats=wanted,
                try_rotate=try_harder,
                try_invert=try_harder,
                try_downscale=True,
                text_mode=zxingcpp.TextMode.Escaped,
                binarizer=binarizer,
            )
            if any(b.valid for b in found):
                break
    return [_to_read(b, t, source) for b in found if b.valid]


def _to_read(b: zxingcpp.Barcode, t: float | None, source: str) -> BarcodeRead:
    p = b.position
    corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
    return BarcodeRead(
        text=b.text,
        format=b.format.name,
        t=t,
        position=tuple((int(c.x), int(c.y)) for c in corners),
        source=source,
    )


# --- two-step reading: locate on the small frame, decode crops of the detailed one ---------------


def find_code_regions(gray: npt.NDArray[Any], max_regions: int = 4) -> list[Region]:
    """Boxes ``(x, y, w, h)`` of up to ``max_regions`` barcode- or QR-like patches in ``gray``,
    most code-like first.

    The classic localiser: where Scharr gradients are strong and dense (bars, modules) the
    smoothed gradient image is bright; thresholding, a morphological close that merges the bars
    of one code and an open that drops thin text strokes leave blobs, scored by area times
    gradient density times fill. Cost is about 1 ms on a 640x360 frame. Finding a region does
    not mean it holds a code; the decoder decides.
    """
    if gray.ndim != 2 or gray.size == 0 or gray.dtype != np.uint8:
        raise ValueError(f"expected a non-empty 2-D uint8 grey image, got {gray.dtype} {gray.shape}")
    h, w = gray.shape
    short = min(h, w)
    # Scharr's kernel gain is 16: scaling by 1/16 keeps a full black-white step at 255.
    gx = cv2.convertScaleAbs(cv2.Scharr(gray, cv2.CV_16S, 1, 0), alpha=1 / 16)
    gy = cv2.convertScaleAbs(cv2.Scharr(gray, cv2.CV_16S, 0, 1), alpha=1 / 16)
    k = max(3, (short // 48) | 1)
    smooth = cv2.blur(cv2.add(gx, gy), (k, k))
    level = max(_MIN_CODE_ENERGY, _ENERGY_OVER_MEDIAN * float(np.median(smooth[::4, ::4])))
    _, mask = cv2.threshold(smooth, min(level, 254.0), 255, cv2.THRESH_BINARY)
    close = max(5, (short // 24) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (close, close)))
    opening = max(3, (short // 60) | 1)
    mask = cv2.morphologyEx(
        mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (opening, opening))
    )
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    min_side = max(8, short // 30)
    scored: list[tuple[float, Region]] = []
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if bw < min_side or bh < min_side or bw * bh > 0.8 * w * h:
            continue
        (_, _), (rw, rh), _ = cv2.minAreaRect(contour)
        area = float(cv2.contourArea(contour))
        rect_area = max(rw * rh, 1.0)
        fill = area / rect_area
        elongation = max(rw, rh) / max(min(rw, rh), 1.0)
        if fill < 0.3 or elongation > 12:
            continue
        density = min(1.0, float(smooth[y : y + bh, x : x + bw].mean()) / 255.0)
        scored.append((area * density * fill, (x, y, bw, bh)))
    scored.sort(key=lambda item: item[0], reverse=True)
    return [box for _, box in scored[:max_regions]]


def read_barcodes_in_regions(
    detail: npt.NDArray[Any],
    regions: Iterable[Region],
    scale: float,
    *,
    pad: float = 0.15,
    try_harder: bool = False,
    formats: Sequence[str] = DEFAULT_FORMATS,
    t: float | None = None,
    source: str = "",
    upscale_below: int = 480,
) -> list[BarcodeRead]:
    """Decode the ``regions`` (boxes on a smaller frame) in the full-detail frame ``detail``.

    ``scale`` is detail size / small size; each box is scaled, padded by ``pad`` of its size on
    every side (codes need their quiet zone), clipped and decoded on its own; a crop narrower
    than ``upscale_below`` pixels that gives no linear code is decoded again at twice its size.
    Positions are in ``detail`` coordinates; a code seen in two overlapping regions is reported
    once.
    """
    if scale <= 0:
        raise ValueError("scale must be positive (detail size / small frame size)")
    height, width = detail.shape[:2]
    reads: list[BarcodeRead] = []
    seen: set[tuple[str, str]] = set()
    for x, y, w, h in regions:
        px, py = pad * w, pad * h
        x0 = max(0, int((x - px) * scale))
        y0 = max(0, int((y - py) * scale))
        x1 = min(width, int(np.ceil((x + w + px) * scale)))
        y1 = min(height, int(np.ceil((y + h + py) * scale)))
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        crop = np.ascontiguousarray(detail[y0:y1, x0:x1])
        found = read_barcodes(crop, formats=formats, try_harder=try_harder, t=t, source=source)
        if not any(r.format in _LINEAR_FORMATS for r in found):
            found += _read_deskewed(crop, formats=formats, try_harder=try_harder, t=t, source=source)
        if not any(r.format in _LINEAR_FORMATS for r in found) and x1 - x0 < upscale_below:
            # a waybill far from the lens in a small video: bars 1-1.5 px wide are below what
            # zxing's binarizer separates, though a person zooming in reads them (tuning seed 18,
            # 360x640). Cubic interpolation to twice the size restores the bar edges.
            big = cv2.resize(crop, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
            found += [
                BarcodeRead(
                    r.text, r.format, r.t, tuple((x_ // 2, y_ // 2) for x_, y_ in r.position), r.source
                )
                for r in read_barcodes(big, formats=formats, try_harder=try_harder, t=t, source=source)
            ]
        for read in found:
            key = (read.format, read.text)
            if key in seen:
                continue
            seen.add(key)
            moved = tuple((px_ + x0, py_ + y0) for px_, py_ in read.position)
            reads.append(BarcodeRead(read.text, read.format, read.t, moved, read.source))
    return reads


def _read_deskewed(
    crop: npt.NDArray[Any],
    *,
    formats: Sequence[str],
    try_harder: bool,
    t: float | None,
    source: str,
) -> list[BarcodeRead]:
    """Retry a crop turned so that its dominant bars stand upright.

    zxing's linear readers scan rows (and, with rotation, columns): a waybill held at 30° is
    invisible to them. The structure tensor of the crop gives the dominant gradient direction;
    when it is coherent (parallel bars) the crop is rotated by it and decoded again, and corner
    points are mapped back into crop coordinates.
    """
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jyy, jxy = float((gx * gx).sum()), float((gy * gy).sum()), float((gx * gy).sum())
    total = jxx + jyy
    if total <= 0:
        return []
    coherence = float(np.hypot(jxx - jyy, 2 * jxy)) / total
    angle = 0.5 * float(np.degrees(np.arctan2(2 * jxy, jxx - jyy)))
    if coherence < _MIN_BAR_COHERENCE or abs(angle) < 4:
        return []
    h, w = grey.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos) + 1, int(h * cos + w * sin) + 1
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    turned = cv2.warpAffine(grey, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=255)
    back = cv2.invertAffineTransform(matrix)
    reads = []
    for read in read_barcodes(turned, formats=formats, try_harder=try_harder, t=t, source=source):
        points = tuple(
            (
                round(float(back[0, 0] * x + back[0, 1] * y + back[0, 2])),
                round(float(back[1, 0] * x + back[1, 1] * y + back[1, 2])),
            )
            for x, y in read.position
        )
        reads.append(BarcodeRead(read.text, read.format, read.t, points, read.source))
    return reads


# --- tracking numbers ----------------------------------------------------------------------------

_ESCAPE = re.compile(r"<(?:[A-Z]{2,3}|U\+[0-9A-F]{2,6}|0x[0-9A-F]{2})>")
_EDGE = " -_*#:./\\|"
_DASHES = re.compile(r"[\s\-‐‑‒–—―−_]+")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[ \-][A-Za-z0-9]+)*")
_PACKAGE_SUFFIX = re.compile(r"^(?P<base>[A-Za-z0-9]+)-\d{1,3}-\d{1,3}-?$")  # JD: JDX0001234-1-1-
_LETTERS_DIGITS = re.compile(r"^[A-Z]{1,4}\d{7,26}[A-Z]{0,2}$")


def normalize_tracking_number(text: str) -> str:
    """A tracking number in canonical form: full-width folded to ASCII, whitespace and hyphens
    removed, upper case, and stray separators at either end (``*`` of Code39 HRI, ``#``, ``:``)
    dropped."""
    folded = unicodedata.normalize("NFKC", text)
    return _DASHES.sub("", folded).upper().strip(_EDGE)


def _looks_like_waybill(candidate: str) -> bool:
    if not 7 <= len(candidate) <= 30:
        return False
    if candidate.isdigit():
        return len(candidate) <= 20
    return bool(_LETTERS_DIGITS.match(candidate))


def tracking_candidates(read: BarcodeRead) -> list[str]:
    """Normalised strings in a barcode that could be a waybill number, most likely first.

    The whole text comes first; a QR code holding a URL or JSON contributes every run of
    letters and digits shaped like a waybill number (7–20 digits, or a short courier prefix
    plus digits such as ``SF1234567890123``, ``YT…``, ``JT…``, or UPU ``RR123456785CN``).
    Product codes (EAN/UPC/ISBN) yield nothing: they identify the goods, not the parcel.
    """
    if is_product_code(read):
        return []
    text = _ESCAPE.sub(" ", unicodedata.normalize("NFKC", read.text))
    found: list[str] = []

    def add(raw: str) -> None:
        candidate = normalize_tracking_number(raw)
        if _looks_like_waybill(candidate) and candidate not in found:
            found.append(candidate)

    def add_token(token: str) -> None:
        suffixed = _PACKAGE_SUFFIX.match(token.strip())
        if suffixed:  # "-1-1-" numbers the parcels of one shipment; it is not part of the number
            add(suffixed.group("base"))
            return
        add(token)
        for piece in re.split(r"[ \-]", token):
            add(piece)

    add_token(text)
    for token in _TOKEN.findall(text):
        add_token(token)
    return found


def is_product_code(read: BarcodeRead) -> bool:
    """True for retail symbologies (EAN/UPC/ISBN/DataBar) and 978/979 ISBN numbers: the goods,
    not the waybill."""
    if read.format in PRODUCT_FORMATS:
        return True
    digits = read.text.strip()
    return len(digits) == 13 and digits.isdigit() and digits.startswith(("978", "979"))


def matches_tracking(read: BarcodeRead, tracking_number: str) -> bool:
    """Whether ``read`` carries ``tracking_number`` (compared in normalised form). A courier
    letter prefix present on one side only still matches when at least 8 digits agree."""
    wanted = normalize_tracking_number(tracking_number)
    if not wanted:
        return False
    for candidate in tracking_candidates(read):
        if candidate == wanted:
            return True
        longer, shorter = (candidate, wanted) if len(candidate) > len(wanted) else (wanted, candidate)
        prefix = longer[: len(longer) - len(shorter)]
        if (
            longer.endswith(shorter)
            and prefix.isalpha()
            and len(prefix) <= 4
            and shorter.isdigit()
            and len(shorter) >= 8
        ):
            return True
    return False
