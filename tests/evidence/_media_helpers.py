"""Generators and probes shared by the media-edge tests (sniff, probe, photos, barcodes).

Every medium is made on the fly into a temporary directory; the recipe is in each docstring.
"""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from evidence.model import VideoFacts

FFMPEG_TIMEOUT_S = 60.0

_CONTROL_NAMES = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
    "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
    "DEL",
]  # fmt: skip


def ffmpeg(*args: str) -> None:
    """Run ``ffmpeg -v error -y ARGS`` and fail loudly (with its stderr) if it fails."""
    proc = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args],
        capture_output=True,
        timeout=FFMPEG_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"ffmpeg {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")


def make_clip(path: Path, *extra: str, size: str = "320x240", rate: int = 10, seconds: float = 1.0) -> Path:
    """``ffmpeg -f lavfi -i testsrc=size=SIZE:rate=RATE:duration=SECONDS -c:v libx264 -g 5 EXTRA``."""
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size={size}:rate={rate}:duration={seconds}",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "5",
        *extra,
        str(path),
    )
    return path


def set_display_rotation(path: Path, degrees_clockwise: int) -> None:
    """Write a display matrix into the first ``tkhd`` box of an MP4/MOV, as phones do.

    ffmpeg 5.1 has no ``-display_rotation`` and ignores ``-metadata rotate=``, so the 3x3 matrix
    (16.16 fixed point, last column 2.30) is patched in place: for 90° clockwise it is
    ``[0 1 0; -1 0 0; 0 0 1]``. ffprobe then reports ``side_data_list[].rotation`` = -90.
    """
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    assert at > 0, "no tkhd box"
    version = data[at + 4]
    matrix_at = at + 4 + (40 if version == 0 else 52)
    one, zero = 0x10000, 0
    turns = {
        0: (one, zero, zero, one),
        90: (zero, one, -one, zero),
        180: (-one, zero, zero, -one),
        270: (zero, -one, one, zero),
    }
    a, b, c, d = turns[degrees_clockwise % 360]
    struct.pack_into(">9i", data, matrix_at, a, b, 0, c, d, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A valid PNG signature + IHDR declaring ``width`` x ``height`` RGB, a tiny IDAT, IEND."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def child_pids() -> set[int]:
    """PIDs of this process's live children (from /proc); empty where /proc is unavailable."""
    me = os.getpid()
    found: set[int] = set()
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == me and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def escape_non_graphical(text: str) -> str:
    """zxing-cpp's EscapeNonGraphical for the characters the corpus uses: ASCII controls as
    ``<LF>``/``<GS>``…, other non-printable code points as ``<U+XXXX>``."""
    out = []
    for ch in text:
        code = ord(ch)
        if code < 32 or code == 127:
            out.append(f"<{_CONTROL_NAMES[32 if code == 127 else code]}>")
        elif code < 128 or (ch.isprintable() and ch not in "\u00a0\u2007\u2000\ufffd"):
            out.append(ch)
        else:
            out.append(f"<U+{code:02X}>" if code < 256 else f"<U+{code:04X}>")
    return "".join(out)


def barcode_image(text: str, fmt: str, scale: int = 3) -> npt.NDArray[np.uint8]:
    """A clean grey image of ``text`` encoded as ``fmt`` (zxingcpp.create_barcode)."""
    code = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt))
    return np.ascontiguousarray(np.asarray(code.to_image(scale=scale), dtype=np.uint8))


def label_scene(
    angle: float,
    *,
    waybill: str = "SF1234567890123",
    url: str = "https://www.sf-express.com/waybill/detail?no=SF1234567890123",
    seed: int = 0,
    size: tuple[int, int] = (1920, 1080),
) -> tuple[npt.NDArray[np.uint8], tuple[int, int, int, int]]:
    """A grey 1080p "table" (smooth noise, sensor grain, scattered text) with a shipping label
    (Code128 waybill + QR) turned by ``angle`` degrees; returns the frame and the label's box."""
    rng = np.random.default_rng(seed)
    width, height = size
    base = rng.normal(120, 25, (height // 8, width // 8)).clip(0, 255).astype(np.uint8)
    frame = cv2.GaussianBlur(cv2.resize(base, (width, height), interpolation=cv2.INTER_CUBIC), (0, 0), 3)
    for _ in range(40):
        origin = (int(rng.integers(0, width - 400)), int(rng.integers(30, height)))
        cv2.putText(
            frame, "Lorem ipsum 12345", origin, cv2.FONT_HERSHEY_SIMPLEX, 1.0, int(rng.integers(0, 255)), 2
        )
    label = np.full((500, 700), 245, np.uint8)
    bars = cv2.resize(barcode_image(waybill, "Code128"), (640, 160), interpolation=cv2.INTER_NEAREST)
    label[40:200, 30:670] = bars
    qr = barcode_image(url, "QRCode", scale=4)
    qh, qw = min(qr.shape[0], 240), min(qr.shape[1], 290)
    label[250 : 250 + qh, 400 : 400 + qw] = qr[:qh, :qw]
    canvas = np.zeros((800, 800), np.uint8)
    canvas[150:650, 50:750] = label
    inside = np.zeros((800, 800), np.uint8)
    inside[150:650, 50:750] = 255
    turn = cv2.getRotationMatrix2D((400, 400), angle, 1.0)
    turned = cv2.warpAffine(canvas, turn, (800, 800), borderValue=0)
    mask = cv2.warpAffine(inside, turn, (800, 800))
    x, y = 600, 200
    roi = frame[y : y + 800, x : x + 800]
    roi[mask > 0] = turned[mask > 0]
    noisy = frame.astype(np.int16) + np.asarray(rng.normal(0, 6, frame.shape)).astype(np.int16)
    ys, xs = np.nonzero(mask)
    box = (x + int(xs.min()), y + int(ys.min()), int(xs.max() - xs.min()), int(ys.max() - ys.min()))
    return noisy.clip(0, 255).astype(np.uint8), box


def frames_in_memory(width: int, height: int, duration_s: float) -> VideoFacts:
    """Facts of frames handed to the analyser directly (no file, no ffmpeg, no packets)."""
    return VideoFacts(
        size_bytes=0,
        container="memory",
        detected_type="memory",
        duration_s=duration_s,
        streams=(),
        video_stream=0,
        width=width,
        height=height,
        display_width=width,
        display_height=height,
        rotation=0,
        codec="raw",
        frame_rate=30.0,
        variable_frame_rate=False,
    )
