"""Drawing a randomised :class:`~evidence.media.looks.Look`: textures and the frames of each phase.

The classic renderer in ``synthetic`` films one brown box on one table; this one films whatever the
Look says (boxes, courier bags and padded envelopes of any colour, lit or dark interiors with
filler, goods of any colour including white, black, grey and transparent, textured tables, hands,
tinted light, large framing, a close-up at a random zoom). Textures are drawn once; every frame
only scales precomputed mip levels into small regions (uint8 operations), so a 640x360 frame costs
a few milliseconds.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import cv2
import numpy as np
import zxingcpp

from .looks import Look

if TYPE_CHECKING:
    from .synthetic import Phase, UnboxingSpec

__all__ = ["LookRenderer", "product_label_number"]

Image = np.ndarray
BGR = tuple[int, int, int]
PX_PER_CM = 30.0
FACE_ORDER = ("top", "front", "right", "back", "left", "bottom")


def _ease(x: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(1.0, max(0.0, x)))


def _rgba(img: Image, alpha: Image | None = None) -> Image:
    """BGRA, colour premultiplied by alpha (so scaling and blending stay correct at the edges)."""
    if alpha is None:
        alpha = np.full(img.shape[:2], 255, np.uint8)
    a = alpha.astype(np.float32)[..., None] / 255.0
    out = np.empty((*img.shape[:2], 4), np.uint8)
    out[..., :3] = np.clip(img.astype(np.float32) * a, 0, 255).astype(np.uint8)
    out[..., 3] = alpha
    return out


def _noise(h: int, w: int, rng: np.random.Generator, cell: int, amp: float) -> Image:
    low = rng.normal(0, 1, (max(2, h // cell), max(2, w // cell))).astype(np.float32)
    return cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC) * amp


def _surface(
    size: tuple[int, int], colour: BGR, rng: np.random.Generator, grain: float, mottle: float
) -> Image:
    w, h = size
    img = np.empty((h, w, 3), np.float32)
    img[:] = colour
    img += _noise(h, w, rng, 50, mottle)[..., None]
    if grain:
        img += cv2.GaussianBlur(rng.normal(0, grain, (h, w)).astype(np.float32), (0, 0), 1.0)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def _text_lines(
    img: Image, x: int, y: int, w: int, n: int, line_h: int, colour: BGR, rng: np.random.Generator
) -> None:
    for i in range(n):
        top = y + i * int(line_h * 1.7)
        cv2.rectangle(img, (x, top), (x + int(w * rng.uniform(0.45, 1.0)), top + line_h), colour, -1)


def _code128(number: str, width: int, height: int) -> Image:
    code = zxingcpp.create_barcode(number, zxingcpp.BarcodeFormat.Code128)
    bars = np.asarray(code.to_image(scale=1, add_quiet_zones=True))
    if bars.ndim == 3:
        bars = cv2.cvtColor(bars, cv2.COLOR_RGB2GRAY)
    row = bars[bars.shape[0] // 2]
    k = max(1, math.ceil(width / len(row)))
    strip = np.repeat(np.repeat(row, k)[None, :], 8, axis=0)
    return cv2.cvtColor(cv2.resize(strip, (width, height), interpolation=cv2.INTER_AREA), cv2.COLOR_GRAY2BGR)


def _ean13(code: str, width: int, height: int) -> Image:
    sym = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.EAN13)
    bars = np.asarray(sym.to_image(scale=1, add_quiet_zones=True))
    if bars.ndim == 3:
        bars = cv2.cvtColor(bars, cv2.COLOR_RGB2GRAY)
    row = bars[bars.shape[0] // 2]
    k = max(1, math.ceil(width / len(row)))
    strip = np.repeat(np.repeat(row, k)[None, :], 8, axis=0)
    return cv2.cvtColor(cv2.resize(strip, (width, height), interpolation=cv2.INTER_AREA), cv2.COLOR_GRAY2BGR)


def product_label_number(seed: int) -> str:
    """A valid EAN-13 (with check digit) drawn from ``seed``."""
    rng = np.random.default_rng([seed, 0xEA])
    digits = [6, 9] + [int(d) for d in rng.integers(0, 10, 10)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, [*digits, check]))


def waybill(number: str, legible: bool, rng: np.random.Generator) -> Image:
    """A thermal waybill: courier name, Code128 of the number, the number printed, address lines."""
    lw, lh = 470, 300
    label = np.full((lh, lw, 3), int(rng.uniform(232, 250)), np.uint8)
    cv2.rectangle(label, (0, 0), (lw - 1, lh - 1), (60, 60, 60), 2)
    _text_lines(label, 18, 14, 260, 2, 10, (40, 40, 40), rng)
    cv2.putText(label, "EXPRESS", (300, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (30, 30, 30), 2, cv2.LINE_AA)
    bar = _code128(number, 430, 110)
    if not legible:
        bar = cv2.GaussianBlur(bar, (0, 0), 9)
    label[62:172, 20:450] = bar
    cv2.putText(label, number, (40, 200), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (20, 20, 20), 2, cv2.LINE_AA)
    _text_lines(label, 18, 222, 420, 3, 9, (70, 70, 70), rng)
    return label


# --- the table -----------------------------------------------------------------------------------


def table_texture(
    kind: str, colour: BGR, blur: float, size: tuple[int, int], rng: np.random.Generator
) -> Image:
    """The surface the parcel is filmed on, at frame size (the camera never sees past it)."""
    w, h = size
    img = np.empty((h, w, 3), np.float32)
    img[:] = colour
    c = np.array(colour, np.float32)
    if kind == "plain":
        img += _noise(h, w, rng, 60, 6.0)[..., None]
    elif kind == "cloth":
        period = int(rng.integers(3, 6))
        yy, xx = np.mgrid[0:h, 0:w]
        weave = ((xx // period + yy // period) % 2).astype(np.float32)
        img += (weave[..., None] - 0.5) * rng.uniform(18, 40)
        img += rng.normal(0, 5, (h, w, 1)).astype(np.float32)
        img += _noise(h, w, rng, 40, 10.0)[..., None]
        if rng.uniform() < 0.5:  # a woven pattern: stripes or checks
            stripe = ((xx // int(rng.integers(20, 60))) % 2).astype(np.float32)
            img += stripe[..., None] * (np.array(rng.uniform(-40, 40, 3), np.float32))
    elif kind == "wood":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        warp = _noise(h, w, rng, 80, 25.0)
        grain = np.sin((yy + warp) * rng.uniform(0.15, 0.35)) + 0.5 * np.sin((yy + warp * 1.7) * 0.05)
        img += grain[..., None] * c * 0.12
        img += _noise(h, w, rng, 8, 5.0)[..., None]
        for _ in range(int(rng.integers(0, 3))):  # plank joints
            y = int(rng.uniform(0, h))
            img[max(0, y - 1) : y + 1] *= 0.55
    elif kind == "tiles":
        tile = int(rng.uniform(0.18, 0.4) * h)
        img += _noise(h, w, rng, 30, 8.0)[..., None]
        grout = np.array(colour, np.float32) * 0.6 + 60
        for x in range(int(rng.uniform(0, tile)), w, tile):
            img[:, x : x + 3] = grout
        for y in range(int(rng.uniform(0, tile)), h, tile):
            img[y : y + 3] = grout
    else:  # a cluttered desk: notebooks, a phone, pens, a mug, cables
        img += _noise(h, w, rng, 40, 6.0)[..., None]
        for _ in range(int(rng.integers(4, 9))):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            col = tuple(float(v) for v in rng.uniform(20, 240, 3))
            what = rng.uniform()
            if what < 0.4:
                rect = ((cx, cy), (rng.uniform(0.1, 0.3) * w, rng.uniform(0.1, 0.3) * h), rng.uniform(0, 180))
                box = cv2.boxPoints(rect).astype(np.int32)
                cv2.fillPoly(img, [box], col, cv2.LINE_AA)
            elif what < 0.7:
                a = (int(cx), int(cy))
                b = (int(cx + rng.uniform(-0.2, 0.2) * w), int(cy + rng.uniform(-0.2, 0.2) * h))
                cv2.line(img, a, b, col, int(rng.integers(2, 6)), cv2.LINE_AA)
            else:
                cv2.circle(img, (int(cx), int(cy)), int(rng.uniform(0.04, 0.09) * w), col, -1, cv2.LINE_AA)
                cv2.circle(
                    img, (int(cx), int(cy)), int(rng.uniform(0.02, 0.04) * w), (40, 40, 40), -1, cv2.LINE_AA
                )
    out = np.clip(img, 0, 255).astype(np.uint8)
    if blur > 0:
        out = np.asarray(cv2.GaussianBlur(out, (0, 0), blur), np.uint8)
    return out


# --- the parcel ----------------------------------------------------------------------------------


def _parcel_surface(look: Look, size: tuple[int, int], rng: np.random.Generator) -> Image:
    m = look.material
    if m == "kraft":
        return _surface(size, look.colour, rng, 3.5, 7.0)
    if m in ("grey_plastic", "coloured_plastic", "black", "white", "printed") and look.kind == "bag":
        img = _surface(size, look.colour, rng, 0.0, 10.0).astype(np.float32)
        w, h = size
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        sheen = np.exp(-(((xx / w - rng.uniform(0.2, 0.8)) * 3) ** 2)) * rng.uniform(20, 45)
        img += sheen[..., None]
        for _ in range(int(rng.integers(4, 10))):  # wrinkles of soft plastic
            p0 = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
            p1 = (int(p0[0] + rng.uniform(-0.3, 0.3) * w), int(p0[1] + rng.uniform(-0.3, 0.3) * h))
            cv2.line(img, p0, p1, (255, 255, 255), int(rng.integers(2, 6)), cv2.LINE_AA)
            cv2.line(img, (p0[0] + 4, p0[1] + 4), (p1[0] + 4, p1[1] + 4), (0, 0, 0), 2, cv2.LINE_AA)
        img = cv2.GaussianBlur(img, (0, 0), 1.5) * 0.5 + img * 0.5
        return np.clip(img, 0, 255).astype(np.uint8)
    if m == "yellow_padded":
        img = _surface(size, look.colour, rng, 2.0, 6.0).astype(np.float32)
        w, h = size
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        bubbles = np.sin(xx * 0.35) * np.sin(yy * 0.35)
        img += bubbles[..., None] * 8
        return np.clip(img, 0, 255).astype(np.uint8)
    return _surface(size, look.colour, rng, 1.5, 5.0)


def _decorate(img: Image, look: Look, face: str, rng: np.random.Generator) -> None:
    """Brand print (logos, stripes, text) on printed parcels and a little print on the others."""
    h, w = img.shape[:2]
    c1, c2 = look.print_colours
    if look.material == "printed":
        if face in ("front", "back", "top", "bottom"):
            band = int(h * rng.uniform(0.12, 0.3))
            y = int(rng.uniform(0, h - band))
            cv2.rectangle(img, (0, y), (w, y + band), c1, -1)
        cx, cy = int(rng.uniform(0.2, 0.8) * w), int(rng.uniform(0.2, 0.8) * h)
        r = int(min(w, h) * rng.uniform(0.1, 0.22))
        cv2.circle(img, (cx, cy), r, c2, -1, cv2.LINE_AA)
        scale = max(0.6, min(w, h) / 160)
        cv2.putText(
            img,
            look.brand,
            (int(w * 0.08), int(h * 0.85)),
            cv2.FONT_HERSHEY_DUPLEX,
            scale,
            c1,
            max(2, int(scale * 2)),
            cv2.LINE_AA,
        )
    elif rng.uniform() < 0.5 and min(w, h) > 150:
        ink = (30, 30, 30) if np.mean(look.colour) > 100 else (220, 220, 220)
        _text_lines(
            img, int(w * 0.1), int(h * 0.15), int(w * 0.4), int(rng.integers(1, 4)), max(4, h // 40), ink, rng
        )
        if face in ("front", "right"):
            x = int(w * 0.75)
            cv2.arrowedLine(img, (x, int(h * 0.8)), (x, int(h * 0.45)), ink, max(3, w // 100), tipLength=0.35)


def _tape(img: Image, look: Look, vertical: bool, rng: np.random.Generator) -> None:
    if look.tape == "none":
        return
    h, w = img.shape[:2]
    half = int(0.025 * PX_PER_CM * 100 / 2)  # 5 cm wide tape
    if vertical:
        roi = img[:, max(0, w // 2 - half) : w // 2 + half]
    else:
        roi = img[max(0, h // 2 - half) : h // 2 + half]
    colour = np.array(look.tape_colour, np.float32)
    if look.tape == "clear":
        roi[:] = np.clip(roi.astype(np.float32) * 0.85 + colour * 0.25, 0, 255).astype(np.uint8)
    else:
        roi[:] = np.clip(roi.astype(np.float32) * 0.15 + colour * 0.85, 0, 255).astype(np.uint8)
        if look.tape == "printed":
            text = "FRAGILE " if rng.uniform() < 0.5 else look.brand + " "
            strip = roi if not vertical else np.ascontiguousarray(np.rot90(roi))
            for x in range(0, strip.shape[1], 180):
                cv2.putText(
                    strip,
                    text,
                    (x, int(strip.shape[0] * 0.7)),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    0.9,
                    (250, 250, 250),
                    2,
                    cv2.LINE_AA,
                )
            if vertical:
                roi[:] = np.rot90(strip, k=-1)


def face_sizes(look: Look) -> dict[str, tuple[int, int]]:
    w, d, h = (max(1.0, s) * PX_PER_CM for s in look.size)
    k = min(1.0, 1300 / max(w, d))
    w, d, h = w * k, d * k, h * k
    return {
        "top": (int(w), int(d)),
        "bottom": (int(w), int(d)),
        "front": (int(w), int(h)),
        "back": (int(w), int(h)),
        "left": (int(d), int(h)),
        "right": (int(d), int(h)),
    }


def parcel_faces(
    look: Look, spec: UnboxingSpec, rng: np.random.Generator
) -> tuple[dict[str, Image], tuple[float, float]]:
    """The six outer faces (BGR) and the label centre on the top face (fraction of its width/height)."""
    sizes = face_sizes(look)
    faces: dict[str, Image] = {}
    for face in FACE_ORDER:
        img = _parcel_surface(look, sizes[face], rng)
        if min(sizes[face]) > 120:
            _decorate(img, look, face, rng)
        if look.kind == "box":
            if face in ("top", "bottom"):
                _tape(img, look, vertical=False, rng=rng)
            elif face in ("left", "right"):
                _tape(img, look, vertical=True, rng=rng)
            h, w = img.shape[:2]
            edge = max(2, int(min(w, h) * 0.02))
            img[:edge] = (img[:edge] * 0.8).astype(np.uint8)
            img[-edge:] = (img[-edge:] * 0.8).astype(np.uint8)
        faces[face] = img
    top = faces["top"]
    th, tw = top.shape[:2]
    centre = (0.5, 0.5)
    if spec.label:
        label = waybill(spec.label_number or spec.tracking_number, spec.label_legible, rng)
        k = min(0.8 * tw / label.shape[1], 0.8 * th / label.shape[0], 1.0)
        label = cv2.resize(
            label, (int(label.shape[1] * k), int(label.shape[0] * k)), interpolation=cv2.INTER_AREA
        )
        lh, lw = label.shape[:2]
        x0 = int(rng.uniform(0.05, 0.95) * (tw - lw))
        y0 = int(rng.uniform(0.05, 0.95) * (th - lh))
        top[y0 : y0 + lh, x0 : x0 + lw] = label
        centre = ((x0 + lw / 2) / tw, (y0 + lh / 2) / th)
        faces["_label_width"] = np.array([lw / tw])
    return faces, centre


# --- the goods -----------------------------------------------------------------------------------


def item_texture(
    look: Look, spec: UnboxingSpec, rng: np.random.Generator
) -> tuple[Image, tuple[int, int, int, int]]:
    """The goods seen from above (BGRA premultiplied) and the problem area (x0, y0, x1, y1) in pixels:
    the damage for a damaged claim, the product label with EAN and serial for a swapped one."""
    iw, idp, _ = look.item_size
    k = 1400 / max(iw, idp)
    w, h = int(iw * k), int(idp * k)
    col = look.item_colour
    alpha = np.full((h, w), 255, np.uint8)
    img = _surface((w, h), col, rng, 1.0, 4.0).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if look.item == "bottle":
        # lying on its side: a rounded body with a neck and cap, shaded as a cylinder
        alpha[:] = 0
        body = (int(w * 0.02), int(h * 0.08), int(w * 0.72), int(h * 0.92))
        cv2.rectangle(alpha, body[:2], body[2:], 255, -1)
        cv2.ellipse(alpha, (body[2], h // 2), (int(w * 0.1), int(h * 0.42)), 0, -90, 90, 255, -1)
        cv2.rectangle(alpha, (int(w * 0.78), int(h * 0.33)), (int(w * 0.98), int(h * 0.67)), 255, -1)
        shade = 0.55 + 0.6 * np.sin(np.clip((yy / h - 0.05) / 0.9, 0, 1) * math.pi)
        img *= shade[..., None]
        img[:, int(w * 0.86) :] = np.array(look.print_colours[0], np.float32)
        img[int(h * 0.25) : int(h * 0.32)] += 70  # specular streak
        if look.item_transparent:
            alpha = (alpha.astype(np.float32) * 0.45).astype(np.uint8)
            alpha[int(h * 0.25) : int(h * 0.32)] = np.minimum(alpha[int(h * 0.25) : int(h * 0.32)] * 2, 255)
    elif look.item == "garment":
        alpha[:] = 0
        pts = np.array(
            [
                [0.2, 0.0],
                [0.8, 0.0],
                [1.0, 0.25],
                [0.85, 0.35],
                [0.82, 1.0],
                [0.18, 1.0],
                [0.15, 0.35],
                [0.0, 0.25],
            ]
        )
        cv2.fillPoly(alpha, [(pts * [w - 1, h - 1]).astype(np.int32)], 255, cv2.LINE_AA)
        folds = np.sin(xx * 0.02 + _noise(h, w, rng, 120, 3.0)) * 14
        img += folds[..., None]
        img += rng.normal(0, 4, (h, w, 1)).astype(np.float32)
    elif look.item == "device":
        cv2.rectangle(img, (int(w * 0.06), int(h * 0.08)), (int(w * 0.94), int(h * 0.92)), (18, 18, 22), -1)
        img[int(h * 0.1) : int(h * 0.5), int(w * 0.1) : int(w * 0.6)] += 25  # screen reflection
    else:  # a boxed product: brand panel, a picture, text
        cv2.rectangle(
            img, (int(w * 0.05), int(h * 0.08)), (int(w * 0.4), int(h * 0.9)), look.print_colours[1], -1
        )
        _text_lines(img, int(w * 0.45), int(h * 0.4), int(w * 0.45), 4, max(6, h // 40), (90, 90, 90), rng)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if look.item == "boxed":
        cv2.putText(
            out,
            look.brand,
            (int(w * 0.45), int(h * 0.3)),
            cv2.FONT_HERSHEY_DUPLEX,
            w / 500,
            look.print_colours[0],
            max(2, w // 200),
            cv2.LINE_AA,
        )
    # the problem area
    if spec.claim == "swapped" or not spec.damage:
        lw, lh = int(w * 0.34), int(w * 0.2)
        x0, y0 = int(w * rng.uniform(0.3, 0.6)), int(h * 0.5 - lh / 2 + rng.uniform(-0.15, 0.15) * h)
        y0 = max(0, min(h - lh, y0))
        x0 = max(0, min(w - lw, x0))
        plabel = np.full((lh, lw, 3), 245, np.uint8)
        code = spec.product_code or product_label_number(spec.seed)
        bar = _ean13(code, int(lw * 0.9), int(lh * 0.5))
        plabel[
            int(lh * 0.08) : int(lh * 0.08) + bar.shape[0], int(lw * 0.05) : int(lw * 0.05) + bar.shape[1]
        ] = bar
        serial = spec.serial or f"SN {spec.seed:08d}"
        fs = lw / 420
        cv2.putText(
            plabel,
            code,
            (int(lw * 0.08), int(lh * 0.72)),
            cv2.FONT_HERSHEY_SIMPLEX,
            fs,
            (20, 20, 20),
            max(1, int(fs * 2)),
            cv2.LINE_AA,
        )
        cv2.putText(
            plabel,
            serial,
            (int(lw * 0.08), int(lh * 0.92)),
            cv2.FONT_HERSHEY_SIMPLEX,
            fs,
            (20, 20, 20),
            max(1, int(fs * 2)),
            cv2.LINE_AA,
        )
        out[y0 : y0 + lh, x0 : x0 + lw] = plabel
        alpha[y0 : y0 + lh, x0 : x0 + lw] = 255
        box = (x0, y0, x0 + lw, y0 + lh)
    else:
        dw, dh = int(w * rng.uniform(0.22, 0.35)), int(h * rng.uniform(0.25, 0.4))
        x0, y0 = int(rng.uniform(0.3, 0.95) * (w - dw)), int(rng.uniform(0.2, 0.8) * (h - dh))
        x0 = min(x0, int(w * 0.7) - dw) if look.item == "bottle" else x0
        x0 = max(0, x0)
        dark = (10, 10, 10) if np.mean(col) > 70 else (120, 120, 120)
        light = (235, 235, 235) if np.mean(col) < 200 else (60, 60, 60)
        if look.damage == "crack":
            crack: list[tuple[int, int]] = [(x0, y0 + dh // 2)]
            while crack[-1][0] < x0 + dw:
                x, y = crack[-1]
                crack.append(
                    (
                        x + int(rng.integers(dw // 14, dw // 7 + 2)),
                        int(np.clip(y + rng.integers(-dh // 5, dh // 5 + 1), y0, y0 + dh)),
                    )
                )
            arr = np.array(crack, np.int32)
            cv2.polylines(out, [arr], False, light, max(4, w // 120), cv2.LINE_AA)
            cv2.polylines(out, [arr], False, dark, max(2, w // 300), cv2.LINE_AA)
            for p in crack[2:-1:3]:
                q = (
                    p[0] + int(rng.integers(-dw // 6, dw // 6 + 1)),
                    p[1] + int(rng.integers(-dh // 3, dh // 3 + 1)),
                )
                cv2.line(out, p, q, dark, max(2, w // 400), cv2.LINE_AA)
        elif look.damage == "dent":
            c = (x0 + dw // 2, y0 + dh // 2)
            sub = out[y0 : y0 + dh, x0 : x0 + dw].astype(np.float32)
            yy2, xx2 = np.mgrid[0:dh, 0:dw].astype(np.float32)
            r = np.hypot((xx2 - dw / 2) / (dw / 2), (yy2 - dh / 2) / (dh / 2))
            shade = np.where(r < 1, 1 - 0.55 * (1 - r) * np.sign(xx2 - dw / 2 + 1e-3), 1)
            out[y0 : y0 + dh, x0 : x0 + dw] = np.clip(sub * shade[..., None], 0, 255).astype(np.uint8)
            cv2.ellipse(out, c, (dw // 2, dh // 2), 0, 0, 360, dark, max(2, w // 300), cv2.LINE_AA)
        else:  # scratches
            for _ in range(int(rng.integers(5, 11))):
                a = (int(x0 + rng.uniform(0, dw)), int(y0 + rng.uniform(0, dh)))
                b = (int(x0 + rng.uniform(0, dw)), int(y0 + rng.uniform(0, dh)))
                cv2.line(out, a, b, light, max(2, w // 350), cv2.LINE_AA)
        box = (x0, y0, x0 + dw, y0 + dh)
    return _rgba(out, alpha), box


def filler_texture(look: Look, size: tuple[int, int], rng: np.random.Generator) -> Image:
    w, h = size
    if look.filler == "paper":
        base = (int(rng.uniform(150, 215)),) * 3 if rng.uniform() < 0.6 else (96, 150, 190)
        img = _surface((w, h), base, rng, 3.0, 8.0).astype(np.float32)
        for _ in range(60):  # crumpled creases
            p = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
            q = (int(p[0] + rng.uniform(-60, 60)), int(p[1] + rng.uniform(-60, 60)))
            cv2.line(img, p, q, (0, 0, 0) if rng.uniform() < 0.5 else (255, 255, 255), 2, cv2.LINE_AA)
        img = cv2.GaussianBlur(img, (0, 0), 1.2) * 0.4 + img * 0.6
    elif look.filler == "bubble":
        img = np.full((h, w, 3), 200, np.float32)
        img += _noise(h, w, rng, 40, 10)[..., None]
        step = 26
        for y in range(0, h, step):
            for x in range((y // step) % 2 * step // 2, w, step):
                cv2.circle(img, (x, y), 10, (235, 240, 240), -1, cv2.LINE_AA)
                cv2.circle(img, (x - 3, y - 3), 3, (255, 255, 255), -1, cv2.LINE_AA)
                cv2.circle(img, (x, y), 10, (150, 155, 155), 1, cv2.LINE_AA)
    elif look.filler == "foam":
        img = _surface((w, h), (int(rng.uniform(200, 245)),) * 3, rng, 5.0, 6.0).astype(np.float32)
        img += np.sin(np.mgrid[0:h, 0:w][1].astype(np.float32) * 0.08)[..., None] * 10
    else:
        inner = np.array(look.colour, np.float32) * (0.85 if look.material != "black" else 1.0)
        img = _surface((w, h), tuple(int(c) for c in inner), rng, 2.0, 6.0).astype(np.float32)  # type: ignore[arg-type]
    return np.clip(img, 0, 255).astype(np.uint8)


# --- the renderer --------------------------------------------------------------------------------


class LookRenderer:
    """Frames of a randomised unboxing (same phases and timing as the classic renderer)."""

    def __init__(self, spec: UnboxingSpec) -> None:
        assert spec.look is not None
        self.spec = spec
        self.look = look = spec.look
        rng = np.random.default_rng([spec.seed, look.seed, 0x4E])
        self.rng = rng
        self.w, self.h = (spec.height, spec.width) if spec.portrait else (spec.width, spec.height)
        size = (self.w, self.h)
        self.tables = [
            table_texture(look.background, look.background_colour, look.background_blur, size, rng),
            table_texture(
                look.take2_background, look.take2_background_colour, look.background_blur, size, rng
            ),
        ]
        faces, self.label_centre = parcel_faces(look, spec, rng)
        self.label_share = float(faces.pop("_label_width")[0]) if "_label_width" in faces else 0.5
        self.faces = {k: _rgba(v) for k, v in faces.items()}
        self.item, self.problem = item_texture(look, spec, rng)
        self.open_parcel = self._open_texture(faces["top"], rng)
        self.cut_top = self._cut_top(faces["top"])
        self.pyramids: dict[int, list[Image]] = {}
        for tex in (*self.faces.values(), self.item, self.open_parcel, self.open_empty, self.cut_top):
            self._register(tex)
        # sensor noise: a random window of a larger field each frame, so no two frames are identical
        self.noise = rng.normal(0, max(spec.noise_sigma, 0.8), (self.h + 61, self.w + 67, 3)).astype(np.int16)
        self.jitter = np.zeros(2)
        yy, xx = np.mgrid[0 : self.h, 0 : self.w].astype(np.float32)
        r2 = ((xx / self.w - 0.5) ** 2 + (yy / self.h - 0.5) ** 2) / 0.5
        self.gains = []
        for take in (0, 1):
            light = look.light if take == 0 else look.take2_light
            tint = look.tint if take == 0 else look.take2_tint
            g = (1 - look.vignette * r2)[..., None] * np.array(tint, np.float32) * light * spec.brightness
            self.gains.append(g.astype(np.float32))
        # light direction -> which faces are lit
        self.shade = {f: float(v) for f, v in zip(FACE_ORDER, rng.uniform(0.78, 1.05, 6), strict=True)}

    # textures
    def _register(self, tex: Image) -> None:
        levels = [tex]
        while levels[-1].shape[1] > 64:
            levels.append(cv2.pyrDown(levels[-1]))
        self.pyramids[id(tex)] = levels

    def _cut_top(self, top: Image) -> Image:
        out = top.copy()
        h, w = out.shape[:2]
        y = h // 2 if self.look.kind == "box" else int(h * 0.12)
        cv2.line(out, (0, y), (w, y), (25, 30, 35), 5, cv2.LINE_AA)
        return _rgba(out)

    def _open_texture(self, top: Image, rng: np.random.Generator) -> Image:
        """The opened parcel seen from above: flaps folded out, inner walls, filler, the goods' top."""
        look = self.look
        th, tw = top.shape[:2]
        ih, iw = self.item.shape[:2]
        inner = np.array(look.colour, np.float32)
        if look.material == "black":
            inner = np.array((70, 110, 150) if rng.uniform() < 0.5 else (215, 215, 215), np.float32)
        lit = 1.0 if look.interior == "lit" else 0.28
        if look.kind == "box":
            fw, fh = int(th * 0.45), int(th * 0.45)
            W, H = tw + 2 * fw, th + 2 * fh
            img = np.zeros((H, W, 3), np.uint8)
            alpha = np.zeros((H, W), np.uint8)
            x0, y0, x1, y1 = fw, fh, fw + tw, fh + th
            flap_col = tuple(int(c) for c in np.clip(inner * 0.95, 0, 255))
            flaps = [
                [[x0, y0], [x1, y0], [x1 - fw // 3, y0 - fh], [x0 + fw // 3, y0 - fh]],
                [[x0, y1], [x1, y1], [x1 - fw // 3, y1 + fh], [x0 + fw // 3, y1 + fh]],
            ]
            for f in flaps:
                cv2.fillPoly(img, [np.array(f, np.int32)], flap_col, cv2.LINE_AA)
                cv2.fillPoly(alpha, [np.array(f, np.int32)], 255, cv2.LINE_AA)
            alpha[y0:y1, x0:x1] = 255
            wall = max(8, int(min(tw, th) * 0.06))
            # inner walls lit or in shadow, the far wall darker, filler on the floor
            floor = filler_texture(look, (tw - 2 * wall, th - 2 * wall), rng).astype(np.float32)
            img[y0:y1, x0:x1] = np.clip(inner * lit * 0.8, 0, 255).astype(np.uint8)
            img[y0 : y0 + wall, x0:x1] = np.clip(inner * lit * 0.6, 0, 255).astype(np.uint8)
            fy0, fx0 = y0 + wall, x0 + wall
            img[fy0 : fy0 + floor.shape[0], fx0 : fx0 + floor.shape[1]] = np.clip(floor * lit, 0, 255).astype(
                np.uint8
            )
            region = (fx0, fy0, fx0 + floor.shape[1], fy0 + floor.shape[0])
        else:
            W, H = tw, th
            img = top[..., :3].copy()
            alpha = np.full((H, W), 255, np.uint8)
            mouth_h = int(th * 0.35)
            pts = [(0, 0)]
            for x in range(0, tw, max(8, tw // 30)):
                pts.append((x, int(rng.uniform(0, 10))))
            pts += [(tw - 1, 0), (tw - int(tw * 0.06), mouth_h), (int(tw * 0.06), mouth_h)]
            cv2.fillPoly(
                img,
                [np.array(pts, np.int32)],
                tuple(int(c) for c in np.clip(inner * lit * 0.6, 0, 255)),
                cv2.LINE_AA,
            )
            region = (int(tw * 0.15), 5, int(tw * 0.85), mouth_h)
        # the goods' top inside, in the interior's light; the parcel without them is kept for the
        # moment they are lifted out, which starts from exactly this place, size and light
        self.open_empty = _rgba(img.copy(), alpha.copy())
        rx0, ry0, rx1, ry1 = region
        k = min((rx1 - rx0) * 0.7 / iw, (ry1 - ry0) * 0.8 / ih)
        sw, sh = max(2, int(iw * k)), max(2, int(ih * k))
        small = cv2.resize(self.item, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
        cx, cy = (rx0 + rx1) // 2, (ry0 + ry1) // 2
        # where the goods lie, relative to the open texture's centre and size, and their light
        self.item_inside = ((cx - W / 2) / W, (cy - H / 2) / H, sw / W, max(lit, 0.4))
        xa, ya = cx - sw // 2, cy - sh // 2
        xa, ya = max(0, xa), max(0, ya)
        sh, sw = min(sh, H - ya), min(sw, W - xa)
        small = small[:sh, :sw]
        dst = img[ya : ya + sh, xa : xa + sw].astype(np.float32)
        a = small[..., 3:] / 255.0
        img[ya : ya + sh, xa : xa + sw] = np.clip(
            dst * (1 - a) + small[..., :3] * max(lit, 0.4), 0, 255
        ).astype(np.uint8)
        return _rgba(img, alpha)

    def _level(self, tex: Image, width: int) -> Image:
        levels = self.pyramids.get(id(tex))
        if levels is None:
            return tex
        best = levels[0]
        for level in levels:
            if level.shape[1] >= width:
                best = level
        return best

    def place(
        self, canvas: Image, tex: Image, cx: float, cy: float, w: float, h: float, shade: float = 1.0
    ) -> None:
        """Draw premultiplied BGRA ``tex`` scaled to w x h centred at (cx, cy), clipped, alpha-blended."""
        w_i, h_i = max(2, round(w)), max(2, round(h))
        tex = self._level(tex, w_i)
        x0, y0 = round(cx - w_i / 2), round(cy - h_i / 2)
        fx0, fy0 = max(0, x0), max(0, y0)
        fx1, fy1 = min(self.w, x0 + w_i), min(self.h, y0 + h_i)
        if fx1 <= fx0 or fy1 <= fy0:
            return
        th, tw = tex.shape[:2]
        sx, sy = tw / w_i, th / h_i
        tx0, ty0 = int((fx0 - x0) * sx), int((fy0 - y0) * sy)
        tx1, ty1 = max(tx0 + 1, math.ceil((fx1 - x0) * sx)), max(ty0 + 1, math.ceil((fy1 - y0) * sy))
        part = tex[ty0:ty1, tx0:tx1]
        interp = cv2.INTER_AREA if sx > 2.5 else cv2.INTER_LINEAR
        src = cv2.resize(part, (fx1 - fx0, fy1 - fy0), interpolation=interp)
        roi = canvas[fy0:fy1, fx0:fx1]
        a = src[..., 3]
        colour = src[..., :3]
        if shade != 1.0:
            colour = cv2.convertScaleAbs(colour, alpha=shade)
        if a.min() == 255:
            roi[:] = colour
            return
        inv = cv2.merge([255 - a] * 3)
        canvas[fy0:fy1, fx0:fx1] = cv2.add(cv2.multiply(roi, inv, scale=1 / 255), colour)

    # geometry of the direction
    def _box_scale(self) -> float:
        """Texture pixels -> frame pixels while faces are shown: the parcel spans ``framing`` of the short side."""
        top = self.faces["top"]
        extent = max(top.shape[1], top.shape[0] * 1.2)
        return float(self.look.framing * min(self.w, self.h) * 1.25 / extent)

    def _label_zoom(self) -> float:
        top = self.faces["top"]
        return float(self.w * self.look.label_fill / (self.label_share * top.shape[1]))

    def _closeup(self, cx: float, cy: float) -> tuple[float, float, float]:
        """Centre and width of the goods so that the problem area spans ``closeup_fill`` of the frame."""
        x0, y0, x1, y1 = self.problem
        ih, iw = self.item.shape[:2]
        share = max((x1 - x0) / self.w, (y1 - y0) / self.h)  # problem extent per texture-pixel scale
        k = self.look.closeup_fill / share  # frame px per texture px
        px, py = (x0 + x1) / 2, (y0 + y1) / 2
        # the problem centre lands near the frame centre
        return cx + (iw / 2 - px) * k, cy + (ih / 2 - py) * k, iw * k

    def _item_out(self, cx: float, cy: float, s: float) -> tuple[float, float, float]:
        return cx + self.w * 0.2, cy - self.h * 0.02, self.item.shape[1] * s * 0.9

    def _hands(self, canvas: Image, cx: float, cy: float, half_w: float, half_h: float, u: float) -> None:
        if not self.look.hands:
            return
        skin = np.array(self.look.skin, np.float32)
        dark = tuple(int(c) for c in skin * 0.7)
        base = tuple(int(c) for c in skin)
        hi = tuple(int(c) for c in np.clip(skin * 1.15, 0, 255))
        r = max(6, int(min(self.w, self.h) * 0.09))
        for side in (-1, 1):
            x = int(cx + side * half_w)
            y = int(cy + half_h * 0.2 + 6 * math.sin(u * 6 + side))
            # the forearm runs to the bottom edge of the frame
            arm = np.array(
                [
                    [x - r, y],
                    [x + r, y],
                    [x + side * r * 2 + r, self.h + 5],
                    [x + side * r * 2 - r * 2, self.h + 5],
                ],
                np.int32,
            )
            cv2.fillPoly(canvas, [arm], dark, cv2.LINE_AA)
            cv2.ellipse(canvas, (x, y), (int(r * 1.1), int(r * 1.4)), 0, 0, 360, base, -1, cv2.LINE_AA)
            for f in range(4):  # fingers over the parcel's edge
                fy = y - int(r * 0.9) + f * int(r * 0.55)
                cv2.ellipse(
                    canvas,
                    (x - side * int(r * 1.1), fy),
                    (int(r * 0.7), int(r * 0.22)),
                    0,
                    0,
                    360,
                    base,
                    -1,
                    cv2.LINE_AA,
                )
                cv2.ellipse(
                    canvas,
                    (x - side * int(r * 1.1), fy),
                    (int(r * 0.7), int(r * 0.22)),
                    0,
                    0,
                    360,
                    dark,
                    1,
                    cv2.LINE_AA,
                )
            cv2.ellipse(
                canvas, (x - side * r // 3, y - r // 2), (r // 2, r // 3), 0, 0, 360, hi, -1, cv2.LINE_AA
            )

    def frame(self, phase: Phase, u: float, take: int, index: int) -> Image:
        look = self.look
        canvas = self.tables[take].copy()
        shake = look.shake * (1.0 if phase.name in ("label", "face", "closeup", "zoom") else 2.2)
        self.jitter = 0.85 * self.jitter + self.rng.normal(0, shake * self.w / 100, 2)
        dx, dy = float(self.jitter[0]), float(self.jitter[1])
        cx = self.w / 2 + dx + (self.w * 0.06 if take == 1 else 0)
        cy = self.h / 2 + dy + (self.h * 0.04 if take == 1 else 0)
        s = self._box_scale()
        top = self.faces["top"]
        th, tw = top.shape[:2]
        lx, ly = (self.label_centre[0] - 0.5) * tw, (self.label_centre[1] - 0.5) * th
        # the top keeps its own shade from the waybill close-up through the tour to the opening:
        # drawn unshaded in one phase and shaded in the next, it stepped in brightness in a single
        # frame where the phases meet, which reads as a cut (held-out 10013 blurry, tuning 4 and 6)
        top_shade = self.shade["top"]
        if phase.name == "label":
            z = self._label_zoom() * (1.0 + 0.04 * math.sin(u * 3))
            self.place(canvas, top, cx - lx * z, cy - ly * z, tw * z, th * z, top_shade)
        elif phase.name == "zoom" and phase.detail == "label->top":
            k = _ease(u)
            z = math.exp((1 - k) * math.log(self._label_zoom() * 1.04) + k * math.log(s))
            off = 1 - k
            self.place(canvas, top, cx - lx * z * off, cy - ly * z * off, tw * z, th * z, top_shade)
        elif phase.name == "face":
            tex = self.faces[phase.detail]
            fh, fw = tex.shape[:2]
            self.place(canvas, tex, cx, cy, fw * s, fh * s, self.shade[phase.detail])
            # the hands take the parcel during the first face view (they come up from below the
            # frame, no sudden arms) and hold it from then on
            rise = (1.0 - min(1.0, 3.0 * u)) * self.h * 0.7 if phase.detail == "top" else 0.0
            self._hands(canvas, cx, cy + rise, fw * s / 2, fh * s / 2 + rise, u)
        elif phase.name == "rotate":
            a, b = phase.detail.split("->")
            ta, tb = self.faces[a], self.faces[b]
            ang = _ease(u) * math.pi / 2
            wa, wb = ta.shape[1] * s * math.cos(ang), tb.shape[1] * s * math.sin(ang)
            left = cx - (wa + wb) / 2
            if wa > 2:
                self.place(
                    canvas,
                    ta,
                    left + wa / 2,
                    cy,
                    wa,
                    ta.shape[0] * s,
                    self.shade[a] * (0.75 + 0.25 * math.cos(ang)),
                )
            if wb > 2:
                self.place(
                    canvas,
                    tb,
                    left + wa + wb / 2,
                    cy,
                    wb,
                    tb.shape[0] * s,
                    self.shade[b] * (0.75 + 0.25 * math.sin(ang)),
                )
            self._hands(canvas, cx, cy, (wa + wb) / 2, max(ta.shape[0], tb.shape[0]) * s / 2, u)
        elif phase.name == "opening":
            if u < 0.3:  # the holding hands let go and move out of the frame
                drop = min(1.0, u / 0.3) * self.h * 0.7
                self._hands(canvas, cx, cy + drop, tw * s / 2, th * s / 2 + drop, u)
            if u < 0.55:
                cut = top.copy()
                y = th // 2 if look.kind == "box" else int(th * 0.12)
                x = int(tw * u / 0.55)
                cv2.line(cut, (0, y), (x, y), (25, 30, 35, 255), 6, cv2.LINE_AA)
                self.place(canvas, cut, cx, cy, tw * s, th * s, top_shade)
                if look.hands:  # the hand with the cutter
                    px, py = int(cx - tw * s / 2 + x * s), int(cy - th * s / 2 + y * s)
                    cv2.line(
                        canvas,
                        (px, py),
                        (px + int(self.w * 0.12), py + int(self.h * 0.3)),
                        (40, 160, 230),
                        max(3, self.w // 60),
                        cv2.LINE_AA,
                    )
                    cv2.ellipse(
                        canvas,
                        (px + int(self.w * 0.1), py + int(self.h * 0.26)),
                        (self.w // 25, self.w // 35),
                        30,
                        0,
                        360,
                        look.skin,
                        -1,
                        cv2.LINE_AA,
                    )
            else:
                k = _ease((u - 0.55) / 0.45)
                op = self.open_parcel
                oh, ow = op.shape[:2]
                self.place(canvas, self.cut_top, cx, cy, tw * s, th * s, top_shade)
                scale = s * (0.96 + 0.04 * k)
                tmp = canvas.copy()
                self.place(tmp, op, cx, cy, ow * scale, oh * scale)
                canvas = cv2.addWeighted(canvas, 1 - k, tmp, k, 0)
        elif phase.name == "contents":
            op = self.open_parcel
            oh, ow = op.shape[:2]
            if u < 0.4:
                self.place(canvas, op, cx, cy, ow * s, oh * s)
            else:
                # the goods are lifted out: from where they lie inside (same place, size and
                # light, so no frame jumps), while the emptied parcel slides aside
                k = _ease((u - 0.4) / 0.6)
                bs = s * (1 - 0.3 * k)
                bx = cx - self.w * 0.25 * k
                self.place(canvas, self.open_empty, bx, cy, ow * bs, oh * bs)
                fx, fy, fw, light = self.item_inside
                ix0, iy0, iw0 = bx + fx * ow * bs, cy + fy * oh * bs, fw * ow * bs
                ix1, iy1, iw1 = self._item_out(cx, cy, s)
                iw = iw0 + (iw1 - iw0) * k
                ix, iy = ix0 + (ix1 - ix0) * k, iy0 + (iy1 - iy0) * k
                ih = iw * self.item.shape[0] / self.item.shape[1]
                self.place(canvas, self.item, ix, iy, iw, ih, light + (1.0 - light) * k)
                # the hands come up from below the frame to take them (no sudden arms)
                rise = (1.0 - min(1.0, 3.0 * k)) * self.h * 0.7
                self._hands(canvas, ix, iy + rise, iw / 2, ih / 2, u)
        elif phase.name == "zoom":
            k = _ease(u)
            op = self.open_empty
            oh, ow = op.shape[:2]
            self.place(canvas, op, cx - self.w * (0.25 + 0.5 * k), cy, ow * s * 0.7, oh * s * 0.7)
            (ix0, iy0, iw0), (ix1, iy1, iw1) = self._item_out(cx, cy, s), self._closeup(cx, cy)
            iw = math.exp((1 - k) * math.log(iw0) + k * math.log(iw1))
            ix, iy = ix0 + (ix1 - ix0) * k, iy0 + (iy1 - iy0) * k
            ih = iw * self.item.shape[0] / self.item.shape[1]
            self.place(canvas, self.item, ix, iy, iw, ih)
            if u < 0.5:  # the hands that lifted the goods out let go and leave the frame (no sudden
                # vanishing; drawn from where the lifting left them)
                ox, oy, ow_ = self._item_out(cx, cy, s)
                oh_ = ow_ * self.item.shape[0] / self.item.shape[1]
                drop = min(1.0, u / 0.5) * self.h * 0.7
                self._hands(canvas, ox, oy + drop, ow_ / 2, oh_ / 2 + drop, 1.0 + u * 0.25)
        elif phase.name == "closeup":
            ix, iy, iw = self._closeup(cx, cy)
            self.place(canvas, self.item, ix, iy, iw, iw * self.item.shape[0] / self.item.shape[1])
        return self._finish(canvas, take, index)

    def _finish(self, canvas: Image, take: int, index: int) -> Image:
        img = canvas
        if self.spec.blur_sigma > 0:
            img = cv2.GaussianBlur(img, (0, 0), self.spec.blur_sigma)
        out = cv2.multiply(img.astype(np.float32), self.gains[take])
        oy, ox = int(self.rng.integers(0, 61)), int(self.rng.integers(0, 67))
        noisy = out.astype(np.int16) + self.noise[oy : oy + self.h, ox : ox + self.w]
        return np.asarray(np.clip(noisy, 0, 255), np.uint8)

    def problem_fill(self) -> float:
        return self.look.closeup_fill
