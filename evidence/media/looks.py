"""What a randomised unboxing video films: the parcel, the goods, the table, the light, the camera.

A :class:`Look` is drawn from a seed by :func:`random_look` (domain randomisation): the scene
analysis must not depend on brown cardboard on a contrasting table, a dark interior or a colourful
product, so every one of those varies. ``evidence.media.render`` draws a Look; ``synthetic`` directs
and encodes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "BACKGROUNDS",
    "FILLERS",
    "ITEMS",
    "KINDS",
    "MATERIALS",
    "Look",
    "random_look",
]

BGR = tuple[int, int, int]

KINDS = ("box", "bag", "envelope")
# materials each kind comes in (a courier bag 快递袋 is plastic; a padded envelope is paper or film)
MATERIALS: dict[str, tuple[str, ...]] = {
    "box": ("kraft", "white", "black", "printed"),
    "bag": ("grey_plastic", "coloured_plastic", "white", "black", "printed"),
    "envelope": ("yellow_padded", "kraft", "white"),
}
ALL_MATERIALS = tuple(dict.fromkeys(m for ms in MATERIALS.values() for m in ms))
TAPES = ("clear", "brown", "printed")
FILLERS = ("none", "paper", "bubble", "foam")
ITEMS = ("boxed", "bottle", "device", "garment")
DAMAGES = ("crack", "dent", "scratch")
BACKGROUNDS = ("plain", "cloth", "wood", "desk", "tiles")
SKIN = ((160, 190, 228), (120, 160, 210), (96, 130, 180), (70, 100, 150), (50, 72, 110), (140, 175, 225))
BRANDS = ("NOVA", "ORBIT", "LUMA", "KITE", "ZENO", "PIXA", "MOKO", "TERRA", "AURA", "VEGA")


@dataclass(frozen=True)
class Look:
    """Everything that is filmed and how, for one randomised video (all sizes in cm, colours BGR)."""

    seed: int
    kind: str  # "box" | "bag" | "envelope"
    material: str  # see MATERIALS
    colour: BGR  # the parcel's base colour
    print_colours: tuple[BGR, BGR]  # brand colours of a printed parcel (logo, stripes, text)
    brand: str
    size: tuple[float, float, float]  # width x depth x height of the parcel
    tape: str  # "clear" | "brown" | "printed" | "none" (bags and envelopes)
    tape_colour: BGR
    interior: str  # "lit" | "dark"
    filler: str  # "none" | "paper" | "bubble" | "foam"
    item: str  # "boxed" | "bottle" | "device" | "garment"
    item_colour: BGR
    item_transparent: bool
    item_size: tuple[float, float, float]
    damage: str  # "crack" | "dent" | "scratch"
    background: str  # "plain" | "cloth" | "wood" | "desk" | "tiles"
    background_colour: BGR
    background_blur: float  # depth-of-field blur of the table, in texture pixels (0 = sharp)
    light: float  # overall light level, 0.5 (dim) .. 1.25 (bright)
    tint: tuple[float, float, float]  # white balance gains (B, G, R)
    light_dir: tuple[float, float]  # azimuth, elevation of the main light (degrees)
    framing: float  # parcel extent / frame short side while faces are shown (>1 touches the edges)
    elevation: float  # camera elevation while faces are shown (degrees)
    azimuth: float  # camera azimuth (degrees)
    fov: float  # horizontal field of view of the long side (degrees)
    label_fill: float  # waybill width / frame width in the label close-up
    label_angle: float  # rotation of the label on the parcel (degrees)
    closeup_fill: float  # problem area extent / frame extent at the close-up (0.3 .. 0.8)
    shake: float  # hand shake amplitude (degrees)
    hands: bool
    skin: BGR
    vignette: float  # 0 .. 0.45 darkening in the corners
    take2_background: str  # a spliced second take is filmed elsewhere
    take2_background_colour: BGR
    take2_light: float
    take2_tint: tuple[float, float, float]

    def summary(self) -> str:
        """One line a reviewer reads on a contact sheet."""
        item = ("transparent " if self.item_transparent else "") + self.item
        return (
            f"{self.material} {self.kind} {'x'.join(f'{s:g}' for s in self.size)} cm, tape {self.tape}, "
            f"{self.interior} interior, filler {self.filler}; {item} {self.item_colour}; "
            f"{self.background}{' blurred' if self.background_blur else ''} table; light {self.light:.2f}; "
            f"framing {self.framing:.2f}; close-up {self.closeup_fill:.2f}"
        )


def _colour(rng: np.random.Generator, sat: tuple[float, float], val: tuple[float, float]) -> BGR:
    """A random colour from hue/saturation/value ranges (BGR)."""
    h = rng.uniform(0, 180)
    s = rng.uniform(*sat) * 255
    v = rng.uniform(*val) * 255
    hsv = np.array([[[h, s, v]]], np.uint8)
    b, g, r = (int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])
    return (b, g, r)


def _parcel_colour(material: str, rng: np.random.Generator) -> BGR:
    if material == "kraft":
        base = np.array([88, 140, 186]) + rng.normal(0, 12, 3)
    elif material == "white":
        base = np.array([236, 238, 240]) - rng.uniform(0, 22)
    elif material == "black":
        base = np.full(3, rng.uniform(22, 48))
    elif material == "grey_plastic":
        base = np.full(3, rng.uniform(110, 190)) + rng.normal(0, 4, 3)
    elif material == "yellow_padded":
        base = np.array([70, 196, 226]) + rng.normal(0, 10, 3)
    else:  # coloured plastic, printed: any colour
        return _colour(rng, (0.35, 0.95), (0.35, 0.95))
    b, g, r = (int(c) for c in np.clip(base, 0, 255))
    return (b, g, r)


def _item_colour(rng: np.random.Generator) -> BGR:
    pick = rng.uniform()
    if pick < 0.15:
        return (int(rng.uniform(225, 250)),) * 3
    if pick < 0.3:
        return (int(rng.uniform(15, 45)),) * 3
    if pick < 0.45:
        return (int(rng.uniform(90, 170)),) * 3
    return _colour(rng, (0.2, 1.0), (0.3, 0.95))


def _background_colour(kind: str, rng: np.random.Generator) -> BGR:
    if kind == "wood":
        base = np.array([60, 105, 150]) * rng.uniform(0.6, 1.35)
        b, g, r = (int(c) for c in np.clip(base, 0, 255))
        return (b, g, r)
    if rng.uniform() < 0.35:  # white and grey tables are common
        return (int(rng.uniform(150, 245)),) * 3
    return _colour(rng, (0.05, 0.7), (0.2, 0.9))


def _tint(rng: np.random.Generator) -> tuple[float, float, float]:
    warm = rng.uniform(-0.12, 0.12)  # >0 warm (tungsten), <0 cool (daylight, LED)
    return (round(1.0 - warm, 3), round(1.0 + rng.uniform(-0.03, 0.03), 3), round(1.0 + warm, 3))


def random_look(seed: int) -> Look:
    """A look drawn from ``seed`` (deterministic: the same seed always gives the same look)."""
    rng = np.random.default_rng([seed, 0x100C])
    kind = str(rng.choice(KINDS, p=[0.55, 0.3, 0.15]))
    material = str(rng.choice(MATERIALS[kind]))
    if kind == "box":
        w = rng.uniform(16, 42)
        size = (w, w * rng.uniform(0.5, 0.85), w * rng.uniform(0.3, 0.65))
        tape = str(rng.choice(TAPES))
    elif kind == "bag":
        w = rng.uniform(22, 45)
        size = (w, w * rng.uniform(0.65, 1.3), rng.uniform(2.5, 6.0))
        tape = "none"
    else:
        w = rng.uniform(18, 32)
        size = (w, w * rng.uniform(1.2, 1.5), rng.uniform(1.5, 3.5))
        tape = "none"
    size = tuple(round(float(s), 1) for s in size)  # type: ignore[assignment]
    tape_colour: BGR = {
        "clear": (200, 205, 205),
        "brown": (60, 120, 170),
        "printed": _colour(rng, (0.5, 1.0), (0.5, 0.95)),
        "none": (0, 0, 0),
    }[tape]
    item = str(rng.choice(ITEMS))
    inner_w, inner_d, inner_h = size
    if kind == "box":
        fit = rng.uniform(0.5, 0.8)
        item_size = (inner_w * fit, inner_d * fit, max(2.0, inner_h * rng.uniform(0.4, 0.8)))
    else:
        item_size = (
            inner_w * rng.uniform(0.5, 0.75),
            inner_d * rng.uniform(0.45, 0.7),
            max(1.0, inner_h * 0.6),
        )
    if item == "bottle":
        item_size = (item_size[0] * 0.45, item_size[1], item_size[0] * 0.45)
    elif item == "garment":
        item_size = (item_size[0], item_size[1], 1.2)
    elif item == "device":
        item_size = (item_size[0], item_size[1] * 0.7, min(item_size[2], 2.5))
    item_size = tuple(round(float(s), 1) for s in item_size)  # type: ignore[assignment]
    background = str(rng.choice(BACKGROUNDS))
    take2 = str(rng.choice([b for b in BACKGROUNDS if b != background]))
    return Look(
        seed=seed,
        kind=kind,
        material=material,
        colour=_parcel_colour(material, rng),
        print_colours=(_colour(rng, (0.5, 1.0), (0.3, 0.9)), _colour(rng, (0.0, 1.0), (0.1, 1.0))),
        brand=str(rng.choice(BRANDS)),
        size=size,
        tape=tape,
        tape_colour=tape_colour,
        interior=str(rng.choice(("lit", "dark"), p=[0.6, 0.4])),
        filler=str(rng.choice(FILLERS)) if kind == "box" else "none",
        item=item,
        item_colour=_item_colour(rng),
        item_transparent=bool(item == "bottle" and rng.uniform() < 0.4),
        item_size=item_size,
        damage=str(rng.choice(DAMAGES)),
        background=background,
        background_colour=_background_colour(background, rng),
        background_blur=float(rng.choice([0.0, rng.uniform(1.5, 5.0)], p=[0.65, 0.35])),
        light=round(float(rng.uniform(0.55, 1.2)), 3),
        tint=_tint(rng),
        light_dir=(float(rng.uniform(0, 360)), float(rng.uniform(35, 80))),
        framing=round(float(rng.uniform(0.45, 1.2)), 3),
        elevation=float(rng.uniform(28, 55)),
        azimuth=float(rng.uniform(-25, 25)),
        fov=float(rng.uniform(58, 76)),
        label_fill=float(rng.uniform(0.5, 0.85)),
        label_angle=float(rng.uniform(-12, 12)),
        closeup_fill=round(float(rng.uniform(0.3, 0.8)), 3),
        shake=float(rng.uniform(0.08, 0.45)),
        hands=bool(rng.uniform() < 0.8),
        skin=SKIN[int(rng.integers(len(SKIN)))],
        vignette=float(rng.uniform(0.0, 0.45)),
        take2_background=take2,
        take2_background_colour=_background_colour(take2, rng),
        take2_light=round(float(rng.uniform(0.6, 1.2)), 3),
        take2_tint=_tint(rng),
    )
