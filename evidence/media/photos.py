"""Photos submitted as evidence: their metadata without decoding, and their pixels on demand.

:func:`probe_photo` reads only headers (Pillow opens lazily): size, format, EXIF make/model/
software/orientation and every creation time the file carries (EXIF, IPTC, XMP). Oversized
images are rejected from the header before a pixel is allocated. :func:`load_photo` then decodes
the first frame, applies the EXIF orientation and returns BGR pixels for barcode reading.
"""

from __future__ import annotations

import re
import stat
import struct
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pillow_heif
from PIL import Image, UnidentifiedImageError

from ..config import MediaLimits
from ..errors import EmptyMedia, MediaTooLarge, TruncatedMedia, UndecodableMedia, UnsupportedMedia
from ..model import CreationTime, PhotoFacts
from .dates import creation_time
from .sniff import IMAGE_TYPES, VIDEO_TYPES, describe, sniff

__all__ = ["load_photo", "probe_photo"]

pillow_heif.register_heif_opener()

# Pillow plugins allowed for each sniffed type: a file is never handed to a decoder for a
# different format than its bytes announce.
_PLUGINS = {
    "jpeg": ["JPEG", "MPO"],
    "png": ["PNG"],
    "gif": ["GIF"],
    "webp": ["WEBP"],
    "tiff": ["TIFF"],
    "bmp": ["BMP", "DIB"],
    "psd": ["PSD"],
    "heif": ["HEIF"],
    "avif": ["AVIF", "HEIF"],
}

# EXIF tag ids
_IFD_EXIF = 0x8769
_MAKE, _MODEL, _SOFTWARE, _PROCESSING_SOFTWARE, _ORIENTATION = 271, 272, 305, 11, 274
_DATE_TAGS = (  # (source, date tag, offset tag, sub-second tag, lives in the Exif sub-IFD)
    ("exif.DateTimeOriginal", 36867, 36881, 37521, True),
    ("exif.CreateDate", 36868, 36882, 37522, True),
)
_MODIFY = ("exif.ModifyDate", 306, 36880, 37520)
_IFD0_TAGS = (_MAKE, _MODEL, _SOFTWARE, _PROCESSING_SOFTWARE, _ORIENTATION, 306)
_SUB_TAGS = (36867, 36868, 36880, 36881, 36882, 37520, 37521, 37522)
# Raised by Pillow on malformed metadata (UserWarning when warnings are errors, as in tests).
_METADATA_ERRORS = (OSError, ValueError, TypeError, KeyError, SyntaxError, struct.error, UserWarning)
_PSD_IPTC, _PSD_EXIF, _PSD_XMP = 1028, 1058, 1060
_TIFF_IPTC, _TIFF_XMP = 33723, 700
_XMP_DATES = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate", "xap:CreateDate")
_XMP_SOFTWARE = ("xmp:CreatorTool", "xap:CreatorTool")
# EXIF orientation -> the transpose that makes the image upright. HEIF decoders apply the
# container's rotation themselves and pillow-heif then reports orientation 1.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

Pixels = npt.NDArray[np.uint8]


def probe_photo(path: Path, limits: MediaLimits) -> PhotoFacts:
    """Metadata of the photo at ``path`` (headers only; pixels are never decoded)."""
    with _opened(path, limits) as (image, facts):
        del image
        return facts


def load_photo(path: Path, limits: MediaLimits) -> tuple[PhotoFacts, Pixels]:
    """Metadata plus the first frame as BGR ``uint8`` pixels, upright (EXIF orientation applied)
    and with any transparency flattened onto white (a transparent PNG barcode would otherwise
    turn black)."""
    with _opened(path, limits) as (image, facts):
        try:
            image.load()
            method = _TRANSPOSE.get(facts.orientation)
            pixels = _to_bgr(image.transpose(method) if method is not None else image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_large(path, str(exc)) from exc
        except (OSError, EOFError, ValueError, SyntaxError) as exc:
            raise _decode_error(
                path, facts.format, exc, facts.size_bytes / max(1, facts.width * facts.height)
            ) from exc
        return facts, pixels


@contextmanager
def _opened(path: Path, limits: MediaLimits) -> Iterator[tuple[Image.Image, PhotoFacts]]:
    """The lazily opened image and its facts; every check that needs no pixels runs here."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise UnsupportedMedia(
            f"{path.name} is not a regular file; upload the photo itself", code="NOT_A_MEDIA_FILE"
        )
    size = info.st_size
    if size == 0:
        raise EmptyMedia(
            f"{path.name} is empty (0 bytes); the upload did not complete, upload the photo again"
        )
    if size > limits.max_file_bytes:
        raise MediaTooLarge(
            f"{path.name} is {size / 1024**2:.0f} MiB, above the upload limit; send the original photo",
            code="FILE_TOO_LARGE",
        )
    kind = sniff(path)
    if kind in VIDEO_TYPES:
        raise UnsupportedMedia(
            f"this is {describe(kind, article=True)}, not a photo ({path.name}); upload it as a video",
            code="UNSUPPORTED_FORMAT_OR_EXTENSION_MISMATCH",
        )
    if kind not in IMAGE_TYPES:
        what = {"html": "an HTML page, perhaps a failed download", "text": "a text file"}.get(
            kind, "not a recognised image format"
        )
        raise UnsupportedMedia(
            f"{path.name} is {what}, not a photo; upload the original JPEG, HEIC, PNG or WebP",
            code="NOT_A_MEDIA_FILE",
        )
    try:
        image = Image.open(path, formats=_PLUGINS[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large(path, str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise UndecodableMedia(
            f"{path.name} starts like {describe(kind, article=True)} but its header cannot be read; "
            "it is damaged; upload the original photo",
        ) from exc
    except (OSError, EOFError, ValueError, SyntaxError) as exc:
        raise _decode_error(path, describe(kind), exc) from exc
    with image:
        width, height = image.size
        if width * height > limits.max_photo_pixels:
            raise MediaTooLarge(
                f"{path.name} is {width}x{height} ({width * height / 1e6:.0f} MP), above the "
                f"{limits.max_photo_pixels / 1e6:.0f} MP limit; send a smaller export of the photo",
                code="IMAGE_TOO_LARGE",
            )
        yield image, _facts(image, path, size, limits)


def _too_large(path: Path, detail: str) -> MediaTooLarge:
    return MediaTooLarge(
        f"{path.name} declares a size too large to decode safely ({detail}); send the original photo",
        code="IMAGE_TOO_LARGE",
    )


# Fewer compressed bytes per pixel than any real encoder writes (a 12 MP HEIC is ~1.5 MB, i.e.
# ~0.1 B/px; a flat-colour PNG ~0.0005 B/px is checked only after a decode error): a file that
# fails to decode with less than this has its pixel data missing, e.g. a metadata-only HEIC whose
# decoder reports "NAL unit size is invalid" or "no image data", depending on libheif's version.
_MISSING_PAYLOAD_BYTES_PER_PIXEL = 0.001


def _decode_error(
    path: Path, what: str, exc: BaseException, bytes_per_pixel: float | None = None
) -> Exception:
    text = str(exc)
    missing = bytes_per_pixel is not None and bytes_per_pixel < _MISSING_PAYLOAD_BYTES_PER_PIXEL
    if missing or isinstance(exc, EOFError) or "truncated" in text.lower() or "end of file" in text.lower():
        return TruncatedMedia(
            f"{path.name}: the {what} pixel data is cut off or missing ({text}); the file was not copied "
            "completely; upload the original photo again",
            code="TRUNCATED_IMAGE",
        )
    return UndecodableMedia(
        f"{path.name}: the {what} pixel data cannot be decoded ({text}); upload the original photo"
    )


# --- metadata --------------------------------------------------------------------------------


def _facts(image: Image.Image, path: Path, size: int, limits: MediaLimits) -> PhotoFacts:
    full = _exif(image)
    exif = _wanted(full, _IFD0_TAGS)
    try:
        sub = _wanted(full.get_ifd(_IFD_EXIF), _SUB_TAGS)
    except _METADATA_ERRORS:
        sub = {}
    xmp = _xmp(image)
    software = [_text(exif.get(_SOFTWARE)), _text(exif.get(_PROCESSING_SOFTWARE))]
    software += [_xmp_value(xmp, name) for name in _XMP_SOFTWARE]
    software.append(_text(image.info.get("Software")))
    orientation = exif.get(_ORIENTATION)
    return PhotoFacts(
        size_bytes=size,
        format="JPEG" if image.format == "MPO" else str(image.format or ""),
        width=image.size[0],
        height=image.size[1],
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1,
        make=_text(exif.get(_MAKE)),
        model=_text(exif.get(_MODEL)),
        software=tuple(dict.fromkeys(s for s in software if s)),
        creation_times=_creation_times(exif, sub, image, xmp, limits.assume_timezone),
        name=path.name,
    )


def _wanted(source: Mapping[int, Any], tags: tuple[int, ...]) -> dict[int, Any]:
    """The listed tags whose values can be read; a malformed value is left out, not fatal."""
    found: dict[int, Any] = {}
    for tag in tags:
        try:
            value = source.get(tag)
        except _METADATA_ERRORS:
            continue
        if value is not None:
            found[tag] = value
    return found


def _exif(image: Image.Image) -> Image.Exif:
    """EXIF from the header; unlike ``getexif()`` on PNG this never decodes the pixels."""
    if image.format == "TIFF":
        return image.getexif()
    exif = Image.Exif()
    raw = image.info.get("exif")
    if image.format == "PSD":
        raw = _psd_resource(image, _PSD_EXIF) or raw
    if isinstance(raw, bytes) and raw:
        try:
            exif.load(raw)
        except _METADATA_ERRORS:
            return Image.Exif()  # a malformed EXIF block: report no EXIF rather than fail the photo
    return exif


def _psd_resource(image: Image.Image, resource_id: int) -> bytes | None:
    for rid, _name, data in getattr(image, "resources", None) or []:
        if rid == resource_id and isinstance(data, bytes):
            return data
    return None


def _xmp(image: Image.Image) -> str:
    raw: Any = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if raw is None and image.format == "PSD":
        raw = _psd_resource(image, _PSD_XMP)
    if raw is None and image.format == "TIFF":
        raw = getattr(image, "tag_v2", {}).get(_TIFF_XMP)
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw).decode("utf-8", "replace")
    if isinstance(raw, tuple) and all(isinstance(b, int) for b in raw):
        return bytes(raw).decode("utf-8", "replace")
    return raw if isinstance(raw, str) else ""


def _xmp_value(xmp: str, name: str) -> str:
    """A simple XMP property, written as an attribute or as an element (``rdf:Alt`` included)."""
    if not xmp:
        return ""
    qname = re.escape(name)
    m = re.search(rf'{qname}\s*=\s*"([^"]*)"', xmp) or re.search(
        rf"<{qname}>\s*(?:<rdf:Alt>\s*<rdf:li[^>]*>)?([^<]*)<", xmp
    )
    return m.group(1).strip() if m else ""


def _iptc(image: Image.Image) -> dict[tuple[int, int], bytes]:
    """IPTC-IIM datasets (record, number) -> value, from JPEG APP13, TIFF or PSD resources."""
    raw: Any = None
    if image.format == "PSD":
        raw = _psd_resource(image, _PSD_IPTC)
    elif image.format == "TIFF":
        try:
            raw = getattr(image, "tag_v2", {}).get(_TIFF_IPTC)
        except UserWarning:  # Photoshop stores IPTC as LONGs; Pillow warns and keeps one number
            raw = None
    else:
        photoshop = image.info.get("photoshop")
        if isinstance(photoshop, Mapping):
            raw = photoshop.get(_PSD_IPTC)
    if isinstance(raw, tuple):
        raw = b"".join(v if isinstance(v, bytes) else int(v).to_bytes(4, "big") for v in raw)
    if not isinstance(raw, bytes):
        return {}
    found: dict[tuple[int, int], bytes] = {}
    at = 0
    while at + 5 <= len(raw) and raw[at] == 0x1C:
        record, number, length = raw[at + 1], raw[at + 2], int.from_bytes(raw[at + 3 : at + 5], "big")
        if length & 0x8000:  # extended length: not used by date fields
            break
        found.setdefault((record, number), raw[at + 5 : at + 5 + length])
        at += 5 + length
    return found


def _creation_times(
    exif: Mapping[int, Any], sub: Mapping[int, Any], image: Image.Image, xmp: str, zone: str
) -> tuple[CreationTime, ...]:
    """Capture times first (EXIF original/digitized, IPTC, XMP), the EXIF modify date last."""
    found: list[CreationTime | None] = []
    for source, tag, offset_tag, subsec_tag, in_sub in _DATE_TAGS:
        ifd = sub if in_sub else exif
        found.append(
            creation_time(
                source,
                _text(ifd.get(tag)),
                assume_timezone=zone,
                offset=_text(sub.get(offset_tag)) or None,
                subsec=_text(sub.get(subsec_tag)) or None,
            )
        )
    iptc = _iptc(image)
    date, time = iptc.get((2, 55), b""), iptc.get((2, 60), b"")
    if date and time:
        raw = f"{date.decode('ascii', 'replace')} {time.decode('ascii', 'replace')}"
        found.append(creation_time("iptc.DateCreated", raw, assume_timezone=zone))
    for name in _XMP_DATES:
        found.append(creation_time(f"xmp.{name}", _xmp_value(xmp, name), assume_timezone=zone))
    source, tag, offset_tag, subsec_tag = _MODIFY
    found.append(
        creation_time(
            source,
            _text(exif.get(tag)),
            assume_timezone=zone,
            offset=_text(sub.get(offset_tag)) or None,
            subsec=_text(sub.get(subsec_tag)) or None,
        )
    )
    return tuple(ct for ct in found if ct is not None)


def _text(value: object) -> str:
    """An EXIF/PNG text value without padding NULs and spaces."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()


# --- pixels ------------------------------------------------------------------------------------


def _to_bgr(image: Image.Image) -> Pixels:
    if image.mode in {"I;16", "I;16B", "I;16L", "I", "F"}:
        grey = np.asarray(image, dtype=np.float64)
        top = float(grey.max()) or 1.0
        scaled = np.clip(grey * (255.0 / top), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(scaled[:, :, None], 3, axis=2))
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        rgb = canvas.convert("RGB")
    else:
        rgb = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8)[:, :, ::-1])
