"""Synthetic unboxing videos with known ground truth, for tests, benchmarks and the walkthrough.

A parcel (cardboard box with a waybill label carrying a real Code128 barcode) sits on a table and
is filmed hand-held: the waybill in close-up, the six faces one after another (each held still,
with a rotation between), the opening (tape cut, flaps opened), the contents taken out, and a
steady close-up of damage on the item. Every phase's time is returned in a :class:`Script`, so
tests can assert verdicts and event times against the truth.

Variants reproduce each way evidence fails (a cut, a splice of two takes, a pause, a frozen run,
missing faces, opened at the start, a wrong or missing label, blur, darkness, editing-app tags,
bad creation times, too short) and each clean variant a reviewer must accept (portrait with
rotation metadata, HEVC, variable frame rate).

Recipe (what :func:`write_unboxing_video` runs; ``Script.commands`` records the exact argv)::

    ffmpeg -f rawvideo -pix_fmt bgr24 -s WxH -r FPS -i pipe: [-vf setpts=...] \
           -c:v libx264 -preset veryfast -crf 20 -g GOP -pix_fmt yuv420p -fflags +bitexact enc.mp4
    ffmpeg -i enc.mp4 -c copy -movflags use_metadata_tags -metadata creation_time=... \
           [-metadata:s:v:0 rotate=270] ... out.mp4
"""

from __future__ import annotations

import math
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

from ..errors import ToolError
from .looks import Look, random_look
from .tools import require_tool, run_tool, terminate

__all__ = [
    "HELD_OUT_SEEDS",
    "TUNING_SEEDS",
    "Look",
    "Phase",
    "Script",
    "UnboxingSpec",
    "random_look",
    "randomised_spec",
    "render_frames",
    "write_unboxing_video",
]

# Seeds of randomised videos: tune the analysis on the first group only, report agreement on both.
TUNING_SEEDS = range(0, 10000)
HELD_OUT_SEEDS = range(10000, 20000)

Image = np.ndarray

CARDBOARD = (88, 140, 186)  # BGR
TAPE = (128, 176, 208)
TABLE = (112, 100, 90)
TAKE2_TABLE = (92, 124, 100)  # a different, greenish surface
INTERIOR = (32, 42, 52)
ITEM = (168, 96, 36)
FACE_ORDER = ("top", "front", "right", "back", "left", "bottom")
# Face sizes in texture pixels: the box is 30 x 20 x 17 cm (W x D x H).
FACE_SIZE = {
    "top": (900, 600),
    "bottom": (900, 600),
    "front": (900, 510),
    "back": (900, 510),
    "left": (600, 510),
    "right": (600, 510),
}


@dataclass(frozen=True)
class UnboxingSpec:
    """What to film and how to encode it. Defaults give a clean 640x360 phone-like clip (~18 s)."""

    width: int = 640
    height: int = 360
    fps: float = 30.0
    seed: int = 7
    tracking_number: str = "SF1234567890123"
    label: bool = True
    label_number: str | None = None  # print this number instead (a wrong label)
    label_legible: bool = True
    faces: Sequence[str] = FACE_ORDER
    face_hold_s: float = 1.3
    rotate_s: float = 0.45
    label_hold_s: float = 2.2
    open_at_start: bool = False
    opening_s: float = 1.6
    contents_s: float = 2.6
    closeup_s: float = 2.6
    damage: bool = True
    blur_sigma: float = 0.0
    brightness: float = 1.0
    noise_sigma: float = 3.0
    repeat_faces: int = 1  # >1 cycles the faces again (long videos for benchmarks)
    # edits
    cut: tuple[float, float] | None = None  # remove [a, b) of the script
    splice_at: float | None = None  # from here on, a second take (other light, table, position)
    freeze: tuple[float, float] | None = None  # at a, hold the frame still for L seconds
    pts_gap: tuple[float, float] | None = None  # at a, jump timestamps forward by L seconds
    vfr: bool = False  # drop frames irregularly, keep true timestamps
    # encoding and metadata
    codec: str = "libx264"  # or "libx265"
    gop: int | None = 30  # None: the encoder's default (long GOP)
    scenecut: bool | None = (
        None  # x264 scene-cut keyframes; None: only for edited variants (an editor's export)
    )
    crf: int = 20
    bitrate: str | None = (
        None  # e.g. "16M": a phone encoder's average bitrate (VBR, peaks 1.5x), instead of CRF
    )
    cbr: bool = False  # with ``bitrate``: hold every second at the bitrate (constant-bitrate encoders)
    preset: str = "veryfast"
    output_size: tuple[int, int] | None = None  # upscale in ffmpeg (benchmarks)
    output_noise: int = 0  # ffmpeg static grain added after upscaling (surface texture, not sensor noise)
    portrait: bool = False  # render upright portrait, store rotated with a display matrix
    creation_time: datetime | None = datetime(2026, 11, 20, 2, 0, 0, tzinfo=UTC)
    apple_creationdate: str | None = "2026-11-20T10:00:00+0800"
    make: str = "Apple"
    model: str = "iPhone 14"
    software: str | None = "17.1"
    handler_name: str = "Core Media Video"
    editor_comment: str | None = None  # e.g. "Made with CapCut"
    extra_metadata: tuple[tuple[str, str], ...] = ()
    # what is filmed: None = the classic brown box on a brown table (the fixed test world)
    look: Look | None = None
    claim: str = "damaged"  # "damaged" (damage close-up) | "swapped" (product label and serial close-up)
    product_code: str | None = None  # EAN-13 on the goods (randomised looks); None: drawn from the seed
    serial: str | None = None  # serial number printed on the goods' label


@dataclass(frozen=True)
class Phase:
    name: str  # "label", "face", "rotate", "opening", "contents", "closeup"
    start: float
    end: float
    detail: str = ""  # the face shown, "top->front", ...


@dataclass(frozen=True)
class Script:
    """Ground truth of a generated video, in output-video seconds."""

    phases: tuple[Phase, ...]
    duration_s: float
    cuts: tuple[float, ...] = ()  # times of cuts/splices in the output
    splices: tuple[float, ...] = ()
    freezes: tuple[tuple[float, float], ...] = ()  # (start, length)
    pauses: tuple[tuple[float, float], ...] = ()  # (start, gap length)
    faces_shown: tuple[str, ...] = ()
    tracking_number: str = ""
    printed_number: str | None = None
    opening_at: float | None = None
    closeup_at: tuple[float, float] | None = None
    commands: tuple[tuple[str, ...], ...] = field(default=())
    claim: str = "damaged"
    look: str = ""  # Look.summary() of a randomised video ("" for the classic renderer)
    kind: str = "box"  # parcel kind: box | bag | envelope
    problem_fill: float | None = None  # problem area extent / frame extent in the close-up
    product_code: str | None = None  # the EAN-13 shown on the goods (randomised looks)

    def phase_times(self, name: str) -> list[Phase]:
        return [p for p in self.phases if p.name == name]


# --- textures ------------------------------------------------------------------------------------


def _cardboard(size: tuple[int, int], rng: np.random.Generator, base: tuple[int, int, int]) -> Image:
    w, h = size
    low = rng.normal(0, 1, (max(2, h // 60), max(2, w // 60), 1)).astype(np.float32)
    mottle = cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC)[..., None] * 7.0
    img = np.empty((h, w, 3), np.float32)
    img[:] = base
    img += mottle
    fibre = rng.normal(0, 3.5, (h, w, 1)).astype(np.float32)
    img += cv2.GaussianBlur(fibre, (0, 0), 1.2)[..., None]
    edge = int(min(w, h) * 0.025)
    img[:edge] *= 0.82
    img[-edge:] *= 0.82
    img[:, :edge] *= 0.86
    img[:, -edge:] *= 0.86
    return np.clip(img, 0, 255).astype(np.uint8)


def _text_block(
    img: Image,
    x: int,
    y: int,
    w: int,
    lines: int,
    line_h: int,
    color: tuple[int, int, int],
    rng: np.random.Generator,
) -> None:
    for i in range(lines):
        length = int(w * rng.uniform(0.45, 1.0))
        top = y + i * int(line_h * 1.7)
        cv2.rectangle(img, (x, top), (x + length, top + line_h), color, -1)


def _barcode(number: str, width: int, height: int) -> Image:
    """A Code128 symbol with even module widths (as a label printer makes it), smoothly scaled."""
    code = zxingcpp.create_barcode(number, zxingcpp.BarcodeFormat.Code128)
    bars = np.asarray(code.to_image(scale=1, add_quiet_zones=True))
    if bars.ndim == 3:
        bars = cv2.cvtColor(bars, cv2.COLOR_RGB2GRAY)
    row = bars[bars.shape[0] // 2]
    k = max(1, math.ceil(width / len(row)))
    wide = np.repeat(row, k)  # integer module width
    strip = np.repeat(wide[None, :], 8, axis=0)
    out = cv2.resize(strip, (width, height), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)


def _label(number: str, legible: bool, rng: np.random.Generator) -> Image:
    lw, lh = 470, 300
    label = np.full((lh, lw, 3), 244, np.uint8)
    cv2.rectangle(label, (0, 0), (lw - 1, lh - 1), (60, 60, 60), 2)
    _text_block(label, 18, 14, 260, 2, 10, (40, 40, 40), rng)
    cv2.putText(label, "EXPRESS", (300, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (30, 30, 30), 2, cv2.LINE_AA)
    bar = _barcode(number, 430, 110)
    if not legible:
        bar = cv2.GaussianBlur(bar, (0, 0), 9)
    label[62:172, 20:450] = bar
    cv2.putText(label, number, (40, 200), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (20, 20, 20), 2, cv2.LINE_AA)
    _text_block(label, 18, 222, 420, 3, 9, (70, 70, 70), rng)
    return label


def _face_texture(face: str, spec: UnboxingSpec, rng: np.random.Generator) -> Image:
    w, h = FACE_SIZE[face]
    img = _cardboard((w, h), rng, CARDBOARD)
    if face in ("top", "bottom"):
        cv2.rectangle(img, (0, h // 2 - 34), (w, h // 2 + 34), TAPE, -1)
        cv2.line(img, (0, h // 2 - 34), (w, h // 2 - 34), (110, 150, 180), 2)
        cv2.line(img, (0, h // 2 + 34), (w, h // 2 + 34), (110, 150, 180), 2)
    if face == "top" and spec.label:
        label = _label(spec.label_number or spec.tracking_number, spec.label_legible, rng)
        lh, lw = label.shape[:2]
        x0, y0 = (w - lw) // 2, (h - lh) // 2
        img[y0 : y0 + lh, x0 : x0 + lw] = label
    elif face == "bottom":
        cv2.rectangle(img, (w // 2 - 34, 0), (w // 2 + 34, h), TAPE, -1)
        pts = np.array([[150, 420], [230, 290], [310, 420]], np.int32)
        cv2.polylines(img, [pts], True, (40, 90, 40), 6)
    elif face == "front":
        cv2.rectangle(img, (80, 90), (420, 260), (120, 50, 20), -1)
        cv2.circle(img, (650, 190), 90, (120, 50, 20), -1)
        for x in (560, 690):
            cv2.arrowedLine(img, (x, 460), (x, 330), (20, 20, 20), 9, tipLength=0.35)
    elif face == "back":
        cv2.rectangle(img, (560, 70), (840, 300), (40, 40, 200), -1)
        cv2.rectangle(img, (660, 110), (740, 230), (240, 240, 240), 6)
        _text_block(img, 70, 80, 380, 6, 16, (50, 50, 50), rng)
    elif face == "left":
        cv2.ellipse(img, (300, 210), (130, 80), 0, 180, 360, (25, 25, 25), 8)
        cv2.line(img, (300, 210), (300, 360), (25, 25, 25), 8)
        cv2.rectangle(img, (40, 0), (80, h), (60, 110, 150), -1)
    elif face == "right":
        pts = np.array([[0, 420], [420, 0], [600, 0], [0, 510]], np.int32)
        cv2.fillPoly(img, [pts], (60, 130, 60))
    return img


def _item_texture(rng: np.random.Generator, damaged: bool) -> Image:
    """The returned goods (a boxed speaker), drawn at 2x so close-ups stay sharp."""
    k = 2
    w, h = 720 * k, 460 * k
    img = np.empty((h, w, 3), np.uint8)
    img[:] = ITEM
    grad = np.linspace(0.85, 1.1, w, dtype=np.float32)[None, :, None]
    img = np.clip(img.astype(np.float32) * grad, 0, 255).astype(np.uint8)
    cv2.rectangle(img, (40 * k, 40 * k), (300 * k, 420 * k), (235, 235, 235), -1)
    cv2.putText(
        img,
        "SPEAKER",
        (330 * k, 120 * k),
        cv2.FONT_HERSHEY_SIMPLEX,
        2.0 * k,
        (250, 250, 250),
        5 * k,
        cv2.LINE_AA,
    )
    cv2.circle(img, (520 * k, 300 * k), 110 * k, (40, 40, 40), -1)
    cv2.circle(img, (520 * k, 300 * k), 70 * k, (90, 90, 90), -1)
    _text_block(img, 60 * k, 70 * k, 200 * k, 8, 12 * k, (90, 90, 90), rng)
    if damaged:
        x, y = 380 * k, 180 * k
        pts = [(x, y)]
        for _ in range(14):
            x += int(rng.integers(14, 26)) * k
            y += int(rng.integers(-16, 22)) * k
            pts.append((x, y))
        arr = np.array(pts, np.int32)
        cv2.polylines(img, [arr], False, (200, 200, 200), 9 * k, cv2.LINE_AA)
        cv2.polylines(img, [arr], False, (10, 10, 10), 4 * k, cv2.LINE_AA)
    return np.asarray(img, np.uint8)


def _open_box_texture(rng: np.random.Generator) -> Image:
    w, h = 1300, 1000
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = TABLE
    # flaps folded outwards (trapezoids), walls, dark interior with the item's top inside
    cx, cy, bw, bh = w // 2, h // 2, 900, 600
    x0, y0, x1, y1 = cx - bw // 2, cy - bh // 2, cx + bw // 2, cy + bh // 2
    card = _cardboard((w, h), rng, CARDBOARD)
    mask = np.zeros((h, w), np.uint8)
    flaps = [
        np.array([[x0, y0], [x1, y0], [x1 - 60, y0 - 190], [x0 + 60, y0 - 190]]),
        np.array([[x0, y1], [x1, y1], [x1 - 60, y1 + 190], [x0 + 60, y1 + 190]]),
        np.array([[x0, y0], [x0, y1], [x0 - 160, y1 - 50], [x0 - 160, y0 + 50]]),
        np.array([[x1, y0], [x1, y1], [x1 + 160, y1 - 50], [x1 + 160, y0 + 50]]),
    ]
    for flap in flaps:
        cv2.fillPoly(mask, [flap.astype(np.int32)], 255)
    cv2.rectangle(mask, (x0, y0), (x1, y1), 255, -1)
    img[mask > 0] = card[mask > 0]
    inner = 40
    cv2.rectangle(img, (x0 + inner, y0 + inner), (x1 - inner, y1 - inner), INTERIOR, -1)
    item = cv2.resize(_item_texture(rng, damaged=False), (560, 360), interpolation=cv2.INTER_AREA)
    img[cy - 180 : cy + 180, cx - 280 : cx + 280] = (item * 0.75).astype(np.uint8)
    return img


# --- camera ---------------------------------------------------------------------------------------


class _Camera:
    """Places textures in the frame with hand-held jitter, lighting and sensor noise."""

    def __init__(self, spec: UnboxingSpec, size: tuple[int, int], rng: np.random.Generator) -> None:
        self.spec = spec
        self.w, self.h = size
        self.rng = rng
        self.table = [self._table(TABLE), self._table(TAKE2_TABLE)]
        self.noise = [rng.normal(0, spec.noise_sigma, (self.h, self.w, 3)).astype(np.int16) for _ in range(7)]
        self.jitter = np.zeros(2)
        self.pyramids: dict[int, list[Image]] = {}

    def _table(self, color: tuple[int, int, int]) -> Image:
        low = self.rng.normal(0, 1, (6, 10, 3)).astype(np.float32)
        tex = cv2.resize(low, (self.w, self.h), interpolation=cv2.INTER_CUBIC) * 6.0
        base = np.empty((self.h, self.w, 3), np.float32)
        base[:] = color
        return np.clip(base + tex, 0, 255).astype(np.uint8)

    def register(self, *textures: Image) -> None:
        """Pre-compute mip-map levels of textures drawn every frame (fast, smooth minification)."""
        for tex in textures:
            levels = [tex]
            while levels[-1].shape[1] > 64:
                levels.append(cv2.pyrDown(levels[-1]))
            self.pyramids[id(tex)] = levels

    def _level(self, tex: Image, width: int) -> Image:
        levels = self.pyramids.get(id(tex))
        if levels is None or levels[0] is not tex:
            return tex
        best = levels[0]
        for level in levels:
            if level.shape[1] >= width:
                best = level
        return best

    def step(self, shake: float) -> tuple[float, float]:
        self.jitter = 0.85 * self.jitter + self.rng.normal(0, shake, 2)
        return float(self.jitter[0]), float(self.jitter[1])

    def place(self, canvas: Image, tex: Image, cx: float, cy: float, w: float, h: float) -> None:
        """Draw ``tex`` scaled to w x h centred at (cx, cy), clipped to the canvas."""
        w_i, h_i = max(2, round(w)), max(2, round(h))
        tex = self._level(tex, w_i)
        x0, y0 = round(cx - w_i / 2), round(cy - h_i / 2)
        fx0, fy0 = max(0, x0), max(0, y0)
        fx1, fy1 = min(self.w, x0 + w_i), min(self.h, y0 + h_i)
        if fx1 <= fx0 or fy1 <= fy0:
            return
        # crop the texture region that lands inside the frame before resizing (cheap zooms)
        th, tw = tex.shape[:2]
        sx, sy = tw / w_i, th / h_i
        tx0, ty0 = int((fx0 - x0) * sx), int((fy0 - y0) * sy)
        tx1, ty1 = (
            max(tx0 + 1, math.ceil((fx1 - x0) * sx)),
            max(ty0 + 1, math.ceil((fy1 - y0) * sy)),
        )
        part = tex[ty0:ty1, tx0:tx1]
        interp = cv2.INTER_AREA if sx > 2.5 else cv2.INTER_LINEAR
        canvas[fy0:fy1, fx0:fx1] = cv2.resize(part, (fx1 - fx0, fy1 - fy0), interpolation=interp)

    def finish(self, canvas: Image, take: int, index: int) -> Image:
        spec = self.spec
        img = canvas
        if spec.blur_sigma > 0:
            img = cv2.GaussianBlur(img, (0, 0), spec.blur_sigma)
        gain = spec.brightness * (1.12 if take == 1 else 1.0)
        out = img.astype(np.int16)
        if gain != 1.0:
            out = (out * gain).astype(np.int16)
        if take == 1:
            out += np.array([-6, 4, 14], np.int16)  # warmer light in the second take
        out += self.noise[index % len(self.noise)]
        return np.clip(out, 0, 255).astype(np.uint8)


# --- the script -----------------------------------------------------------------------------------


def _plan(spec: UnboxingSpec) -> list[Phase]:
    t = 0.0
    phases: list[Phase] = []

    def add(name: str, length: float, detail: str = "") -> None:
        nonlocal t
        phases.append(Phase(name, round(t, 4), round(t + length, 4), detail))
        t += length

    if not spec.open_at_start:
        if spec.label:
            add("label", spec.label_hold_s, "top")
            add("zoom", 0.6, "label->top")
        faces = list(spec.faces) * max(1, spec.repeat_faces)
        for i, face in enumerate(faces):
            add("face", spec.face_hold_s, face)
            nxt = faces[i + 1] if i + 1 < len(faces) else "top"
            if nxt != face:
                add("rotate", spec.rotate_s, f"{face}->{nxt}")
        add("opening", spec.opening_s, "top")
    add("contents", spec.contents_s)
    if spec.damage:
        add("zoom", 0.7, "item->closeup")
        add("closeup", spec.closeup_s)
    return phases


def _ease(x: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(1.0, max(0.0, x)))


class _Renderer:
    def __init__(self, spec: UnboxingSpec) -> None:
        self.spec = spec
        rng = np.random.default_rng(spec.seed)
        self.rng = rng
        size = (spec.height, spec.width) if spec.portrait else (spec.width, spec.height)
        self.cam = _Camera(spec, size, rng)
        self.faces = {f: _face_texture(f, spec, rng) for f in FACE_ORDER}
        self.item = _item_texture(rng, damaged=spec.damage)
        self.open_box = _open_box_texture(rng)
        self.cam.register(*self.faces.values(), self.item, self.open_box)
        closed_top = self.faces["top"]
        self.cut_top = closed_top.copy()
        h = closed_top.shape[0]
        cv2.line(self.cut_top, (0, h // 2), (closed_top.shape[1], h // 2), (25, 30, 35), 5)

    def _box_scale(self) -> float:
        # the box's 30 cm width spans ~58 % of the frame's short side
        cam = self.cam
        return 0.58 * min(cam.w, cam.h * 1.6) / 900.0

    def _label_zoom(self) -> float:
        # the merchant holds the label so its barcode spans most of the frame's width
        share = 1.45 if self.cam.w >= self.cam.h else 1.95
        return float(self.cam.w * share / self.faces["top"].shape[1])

    def _item_out(self, cx: float, cy: float, s: float) -> tuple[float, float, float]:
        cam = self.cam
        return cx + cam.w * 0.18, cy - cam.h * 0.05, 720 * s * 1.3

    def _item_closeup(self, cx: float, cy: float) -> tuple[float, float, float]:
        cam = self.cam
        aspect = self.item.shape[1] / self.item.shape[0]
        return cx - cam.w * 0.1, cy + cam.h * 0.05, max(cam.w * 1.6, cam.h * 1.3 * aspect)  # fills the frame

    def frame(self, phase: Phase, u: float, take: int, index: int) -> Image:
        cam = self.cam
        canvas = cam.table[take].copy()
        shake = 1.4 if phase.name in ("label", "face", "closeup", "zoom") else 3.0
        dx, dy = cam.step(shake * cam.w / 640.0)
        cx, cy = cam.w / 2 + dx + (18 if take == 1 else 0), cam.h / 2 + dy + (10 if take == 1 else 0)
        s = self._box_scale()
        if phase.name == "label":
            tex = self.faces["top"]
            zoom = self._label_zoom() * (1.0 + 0.04 * math.sin(u * 3))
            cam.place(canvas, tex, cx, cy, tex.shape[1] * zoom, tex.shape[0] * zoom)
        elif phase.name == "zoom" and phase.detail == "label->top":
            tex = self.faces["top"]
            k = _ease(u)
            zoom = math.exp((1 - k) * math.log(self._label_zoom() * 1.04) + k * math.log(s))
            cam.place(canvas, tex, cx, cy, tex.shape[1] * zoom, tex.shape[0] * zoom)
        elif phase.name == "zoom":
            k = _ease(u)
            ob, item = self.open_box, self.item
            cam.place(
                canvas, ob, cx - cam.w * (0.28 + 0.5 * k), cy, ob.shape[1] * s * 0.7, ob.shape[0] * s * 0.7
            )
            (ix0, iy0, iw0), (ix1, iy1, iw1) = self._item_out(cx, cy, s), self._item_closeup(cx, cy)
            iw = math.exp((1 - k) * math.log(iw0) + k * math.log(iw1))
            ix, iy = ix0 + (ix1 - ix0) * k, iy0 + (iy1 - iy0) * k
            cam.place(canvas, item, ix, iy, iw, iw * item.shape[0] / item.shape[1])
        elif phase.name == "face":
            tex = self.faces[phase.detail]
            cam.place(canvas, tex, cx, cy, tex.shape[1] * s, tex.shape[0] * s)
        elif phase.name == "rotate":
            a, b = phase.detail.split("->")
            ta, tb = self.faces[a], self.faces[b]
            th = _ease(u) * math.pi / 2
            wa, wb = ta.shape[1] * s * math.cos(th), tb.shape[1] * s * math.sin(th)
            left = cx - (wa + wb) / 2
            if wa > 2:
                cam.place(canvas, ta, left + wa / 2, cy, wa, ta.shape[0] * s)
            if wb > 2:
                shade = (tb.astype(np.float32) * (0.75 + 0.25 * math.sin(th))).astype(np.uint8)
                cam.place(canvas, shade, left + wa + wb / 2, cy, wb, tb.shape[0] * s)
        elif phase.name == "opening":
            if u < 0.55:
                top = self.faces["top"].copy()
                h, w = top.shape[:2]
                cv2.line(top, (0, h // 2), (int(w * u / 0.55), h // 2), (25, 30, 35), 6)
                cam.place(canvas, top, cx, cy, w * s, h * s)
            else:
                k = _ease((u - 0.55) / 0.45)
                ob = self.open_box
                scale = s * (1.0 + 0.05 * k)
                closed = np.zeros_like(ob)
                closed[:] = TABLE
                h, w = self.cut_top.shape[:2]
                y0, x0 = (ob.shape[0] - h) // 2, (ob.shape[1] - w) // 2
                closed[y0 : y0 + h, x0 : x0 + w] = self.cut_top
                mix = cv2.addWeighted(closed, 1 - k, ob, k, 0)
                cam.place(canvas, mix, cx, cy, ob.shape[1] * scale, ob.shape[0] * scale)
        elif phase.name == "contents":
            ob = self.open_box
            if u < 0.4:
                cam.place(canvas, ob, cx, cy, ob.shape[1] * s, ob.shape[0] * s)
            else:
                k = _ease((u - 0.4) / 0.6)
                cam.place(
                    canvas,
                    ob,
                    cx - cam.w * 0.28 * k,
                    cy,
                    ob.shape[1] * s * (1 - 0.3 * k),
                    ob.shape[0] * s * (1 - 0.3 * k),
                )
                item = self.item
                # the item rises out of the box and moves aside
                iw0 = 560 * s
                ix1, iy1, iw1 = self._item_out(cx, cy, s)
                iw = iw0 + (iw1 - iw0) * k
                ix = (cx - cam.w * 0.28 * k) + (ix1 - (cx - cam.w * 0.28)) * k
                cam.place(canvas, item, ix, cy + (iy1 - cy) * k, iw, iw * item.shape[0] / item.shape[1])
        elif phase.name == "closeup":
            item = self.item
            ix, iy, iw = self._item_closeup(cx, cy)
            cam.place(canvas, item, ix, iy, iw, iw * item.shape[0] / item.shape[1])
        return cam.finish(canvas, take, index)


def _source_times(spec: UnboxingSpec, phases: list[Phase]) -> tuple[list[float], Script]:
    """Script times of each output frame, after cuts/freezes, and the ground truth in output time."""
    total = phases[-1].end
    step = 1.0 / spec.fps
    n = round(total * spec.fps)
    times = [i * step for i in range(n)]
    cuts: list[float] = []
    splices: list[float] = []
    freezes: list[tuple[float, float]] = []
    pauses: list[tuple[float, float]] = []
    shift = 0.0  # output time minus script time, after the edit point
    edit_at: float | None = None
    if spec.cut is not None:
        a, b = spec.cut
        times = [t for t in times if not a <= t < b]
        cuts.append(a)
        edit_at, shift = a, -(b - a)
    if spec.splice_at is not None:
        a = spec.splice_at
        gap = 0.5  # the second take does not start exactly where the first stopped
        times = [t for t in times if not a <= t < a + gap]
        splices.append(a)
        edit_at, shift = a, -gap
    if spec.freeze is not None:
        a, length = spec.freeze
        k = next(i for i, t in enumerate(times) if t >= a)
        times = times[:k] + [times[k]] * round(length * spec.fps) + times[k:]
        freezes.append((a, length))
        edit_at, shift = a, length
    if spec.pts_gap is not None:
        a, length = spec.pts_gap
        pauses.append((a, length))
        edit_at, shift = a, length

    def out_time(t: float) -> float:
        if edit_at is None or t < edit_at:
            return t
        return max(edit_at, t + shift)

    mapped = tuple(
        Phase(p.name, round(out_time(p.start), 4), round(out_time(p.end), 4), p.detail)
        for p in phases
        if out_time(p.end) > out_time(p.start)
    )
    duration = len(times) / spec.fps + (spec.pts_gap[1] if spec.pts_gap else 0.0)
    opening = next((p.start for p in mapped if p.name == "opening"), None)
    close = next(((p.start, p.end) for p in mapped if p.name == "closeup"), None)
    shown = tuple(dict.fromkeys(p.detail for p in mapped if p.name == "face"))
    script = Script(
        phases=mapped,
        duration_s=round(duration, 4),
        cuts=tuple(cuts),
        splices=tuple(splices),
        freezes=tuple(freezes),
        pauses=tuple(pauses),
        faces_shown=shown,
        tracking_number=spec.tracking_number,
        printed_number=(spec.label_number or spec.tracking_number) if spec.label else None,
        opening_at=opening,
        closeup_at=close,
        claim=spec.claim,
        look=spec.look.summary() if spec.look is not None else "",
        kind=spec.look.kind if spec.look is not None else "box",
        problem_fill=spec.look.closeup_fill if spec.look is not None and close is not None else None,
        product_code=_product_code(spec) if spec.look is not None else None,
    )
    return times, script


def _product_code(spec: UnboxingSpec) -> str:
    from .render import product_label_number

    return spec.product_code or product_label_number(spec.seed)


def _phase_at(phases: list[Phase], t: float) -> tuple[Phase, float]:
    for p in phases:
        if p.start <= t < p.end:
            return p, (t - p.start) / max(1e-6, p.end - p.start)
    last = phases[-1]
    return last, 1.0


def render_frames(spec: UnboxingSpec) -> tuple[Iterator[Image], Script]:
    """Frames (BGR, upright as the viewer should see them) and the ground truth, lazily rendered."""
    phases = _plan(spec)
    times, script = _source_times(spec, phases)
    renderer: _Renderer | LookRenderer
    if spec.look is None:
        renderer = _Renderer(spec)
    else:
        from .render import LookRenderer

        renderer = LookRenderer(spec)

    def gen() -> Iterator[Image]:
        last_t: float | None = None
        last: Image | None = None
        for i, t in enumerate(times):
            if last is not None and t == last_t:
                yield last  # a frozen run repeats the frame exactly
                continue
            take = 1 if spec.splice_at is not None and t >= spec.splice_at else 0
            phase, u = _phase_at(phases, t)
            last, last_t = renderer.frame(phase, u, take, i), t
            yield last

    return gen(), script


_PREFIXES = ("SF", "YT", "JT", "ZT", "YD", "JDX", "")


def randomised_spec(seed: int, **overrides: object) -> UnboxingSpec:
    """A domain-randomised clean unboxing for ``seed`` (deterministic): a random :class:`Look`,
    frame rate, timings, noise, ~15 % portrait and a random tracking number. ``overrides`` set any
    :class:`UnboxingSpec` field (the edits of a variant, the claim, ...)."""
    rng = np.random.default_rng([seed, 0x5EC])
    prefix = str(rng.choice(_PREFIXES))
    digits = "".join(str(int(d)) for d in rng.integers(0, 10, 15 if prefix == "" else 13 - len(prefix) + 2))
    tracking = prefix + (digits if prefix else "7" + digits[1:])
    fields: dict[str, object] = {
        "seed": seed,
        "look": random_look(seed),
        "fps": float(rng.choice([24.0, 25.0, 30.0])),
        "tracking_number": tracking,
        "label_hold_s": round(float(rng.uniform(1.6, 3.0)), 2),
        "face_hold_s": round(float(rng.uniform(1.0, 1.8)), 2),
        "rotate_s": round(float(rng.uniform(0.35, 0.8)), 2),
        "opening_s": round(float(rng.uniform(1.4, 2.6)), 2),
        "contents_s": round(float(rng.uniform(2.2, 3.4)), 2),
        "closeup_s": round(float(rng.uniform(2.2, 3.4)), 2),
        "noise_sigma": round(float(rng.uniform(1.0, 4.5)), 2),
        "portrait": bool(rng.uniform() < 0.15),
        "product_code": None,
        "serial": "SN" + "".join(str(int(d)) for d in rng.integers(0, 10, 10)),
    }
    fields.update(overrides)
    return UnboxingSpec(**fields)  # type: ignore[arg-type]


def _encode_args(spec: UnboxingSpec, size: tuple[int, int], out: Path) -> list[str]:
    w, h = size
    args = ["ffmpeg", "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}"]
    args += ["-r", f"{spec.fps:g}", "-i", "pipe:"]
    filters: list[str] = []
    if spec.output_size is not None:
        filters.append(f"scale={spec.output_size[0]}:{spec.output_size[1]}:flags=bicubic")
    if spec.output_noise:
        filters.append(f"noise=alls={spec.output_noise}")
    if spec.pts_gap is not None:
        a, length = spec.pts_gap
        filters.append(f"setpts='PTS+gte(T\\,{a:.4f})*{length:.4f}/TB'")
    if spec.vfr:
        filters.append("select='not(eq(mod(n\\,7)\\,3))*not(eq(mod(n\\,11)\\,5))'")
        filters.append("setpts='PTS'")
    if filters:
        args += ["-vf", ",".join(filters)]
    if spec.pts_gap is not None or spec.vfr:
        args += ["-fps_mode", "passthrough"]
    args += ["-c:v", spec.codec, "-preset", spec.preset, "-pix_fmt", "yuv420p"]
    if spec.bitrate:
        rate = float(spec.bitrate.rstrip("kKmM")) * (
            1e6 if spec.bitrate[-1] in "mM" else 1e3 if spec.bitrate[-1] in "kK" else 1
        )
        if spec.cbr:
            args += [
                "-b:v",
                spec.bitrate,
                "-maxrate",
                spec.bitrate,
                "-minrate",
                spec.bitrate,
                "-bufsize",
                f"{int(rate / 2)}",
            ]
            if spec.codec == "libx264":  # true CBR (filler data), as a hardware encoder writes it;
                # one thread: x264's rate control under frame threads varies run to run
                args += ["-x264-params", "nal-hrd=cbr", "-threads", "1"]
        else:
            args += ["-b:v", spec.bitrate, "-maxrate", f"{int(rate * 1.5)}", "-bufsize", f"{int(rate * 2)}"]
    else:
        args += ["-crf", str(spec.crf)]
    if spec.gop is not None:
        args += ["-g", str(spec.gop)]
    edited = spec.cut is not None or spec.splice_at is not None or spec.freeze is not None
    scenecut = edited if spec.scenecut is None else spec.scenecut
    if spec.codec == "libx264" and not scenecut:
        args += ["-sc_threshold", "0"]  # phone encoders keep a fixed keyframe cadence
    if spec.codec == "libx265":
        args += ["-tag:v", "hvc1", "-x265-params", "log-level=error"]
    args += ["-an", "-fflags", "+bitexact", "-flags:v", "+bitexact", str(out)]
    return args


def _metadata_args(spec: UnboxingSpec, src: Path, out: Path) -> list[str]:
    args = ["ffmpeg", "-y", "-v", "error", "-i", str(src), "-map", "0", "-c", "copy"]
    args += ["-fflags", "+bitexact", "-movflags", "use_metadata_tags+faststart"]
    args += ["-metadata:s:v:0", f"handler_name={spec.handler_name}", "-metadata:s:v:0", "encoder="]
    if spec.portrait:
        # display matrix -90 (turn clockwise to view), as an iPhone held upright writes it
        args += ["-metadata:s:v:0", "rotate=270"]
    meta: list[tuple[str, str]] = []
    if spec.creation_time is not None:
        meta.append(
            ("creation_time", spec.creation_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z"))
        )
    if spec.apple_creationdate:
        meta.append(("com.apple.quicktime.creationdate", spec.apple_creationdate))
    if spec.make:
        meta.append(("com.apple.quicktime.make", spec.make))
    if spec.model:
        meta.append(("com.apple.quicktime.model", spec.model))
    if spec.software:
        meta.append(("com.apple.quicktime.software", spec.software))
    if spec.editor_comment:
        meta.append(("comment", spec.editor_comment))
    meta.extend(spec.extra_metadata)
    for key, value in meta:
        args += ["-metadata", f"{key}={value}"]
    args.append(str(out))
    return args


def write_unboxing_video(path: Path, spec: UnboxingSpec | None = None, *, timeout: float = 600.0) -> Script:
    """Render ``spec`` and write it to ``path`` (MP4); returns the ground truth with the commands run."""
    spec = spec or UnboxingSpec()
    frames, script = render_frames(spec)
    size = (spec.height, spec.width) if spec.portrait else (spec.width, spec.height)
    coded = (spec.width, spec.height)  # portrait frames are stored rotated into landscape
    tmp = path.with_name(path.stem + ".enc" + path.suffix)
    enc = _encode_args(spec, coded, tmp)
    proc = subprocess.Popen([require_tool("ffmpeg"), *enc[1:]], stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    try:
        for frame in frames:
            if frame.shape[1] != size[0] or frame.shape[0] != size[1]:
                raise ToolError(f"rendered frame {frame.shape} does not match {size}")
            data = np.rot90(frame, k=1) if spec.portrait else frame  # upright portrait -> coded landscape
            proc.stdin.write(np.ascontiguousarray(data).tobytes())
        proc.stdin.close()
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.wait(timeout=timeout)
    except BaseException:
        terminate(proc)
        raise
    if proc.returncode != 0:
        raise ToolError(f"ffmpeg could not encode the synthetic video: {err.decode(errors='replace')[-500:]}")
    meta = _metadata_args(spec, tmp, path)
    result = run_tool(meta, timeout=timeout, what="ffmpeg metadata remux")
    tmp.unlink(missing_ok=True)
    if result.returncode != 0:
        raise ToolError(f"ffmpeg could not write metadata: {result.stderr[-500:]}")
    return replace(script, commands=(tuple(enc), tuple(meta)))
