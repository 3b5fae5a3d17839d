"""The native track's cut rule on frames made here: a hand-held camera's shake, a cut under it."""

from __future__ import annotations

import cv2
import numpy as np

from evidence import AnalysisConfig
from evidence.continuity import NativeTrack, native_breaks

CFG = AnalysisConfig()
FPS = 25.0


def _world(seed: int) -> np.ndarray:
    """A large mottled, coloured picture the camera looks at a part of."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (24, 40, 3), np.uint8)
    big = cv2.resize(base, (1280, 720), interpolation=cv2.INTER_CUBIC)
    return cv2.GaussianBlur(big, (0, 0), 4)


def _shaky_take(cut_at: int | None, n: int = 75, seed: int = 3) -> NativeTrack:
    """``n`` frames of a camera shaking by several pixels a frame over one picture; from frame
    ``cut_at`` on it looks at another picture of the same kind (the frames between were cut out)."""
    world, other = _world(seed), _world(seed + 7)
    rng = np.random.default_rng(seed + 1)
    track = NativeTrack(CFG)
    x, y = 300.0, 200.0
    for i in range(n):
        x += float(rng.normal(0, 4))
        y += float(rng.normal(0, 3))
        seen = other if cut_at is not None and i >= cut_at else world
        view = seen[int(y) : int(y) + 270, int(x) : int(x) + 480]
        track.feed(i / FPS, cv2.resize(view, (160, 90), interpolation=cv2.INTER_AREA))
    return track


def test_shake_alone_is_no_cut() -> None:
    assert native_breaks([_shaky_take(None)], CFG) == []


def test_a_cut_under_shake_is_found_once_motion_is_followed() -> None:
    track = _shaky_take(40)
    (b,) = native_breaks([track], CFG)
    assert abs(b.t - 40 / FPS) < 1e-6 and b.kind in ("cut", "splice")
    (jump,) = [j for j in track.jumps if abs(j.t - b.t) < 1e-6]
    # the shake makes every pair change: plainly the cut is not so abrupt; motion followed, it is
    assert jump.flow > jump.ratio and jump.flow >= CFG.cut_native_ratio


def test_a_scene_cut_keyframe_on_a_movement_is_no_edit_trace_on_its_own() -> None:
    """An encoder's keyframe at a candidate that is not abrupt enough does not make it a cut."""
    track = _shaky_take(None)

    def mark(t: float, tol: float) -> str:
        return "an encoder inserted a keyframe at that frame"

    assert native_breaks([track], CFG, edit_mark=mark) == []
    # there was a candidate the old rule (a mark and a change of 10) took for a cut
    assert any(
        j.persist >= CFG.cut_persist_min and j.content >= CFG.cut_native_marked_min for j in track.jumps
    )


def _turn_back(switch_back: bool, n: int = 75, cut_at: int = 30) -> NativeTrack:
    """A still view with sensor noise; at ``cut_at`` the picture jumps to another one. Then it either
    moves back towards the first picture over 20 frames (a parcel turning to a face like the one
    before: small steps) or, with ``switch_back``, returns to it in one frame 8 frames later (an
    occluder leaving, the end of a flash)."""
    world, other = _world(5), _world(12)
    a = cv2.resize(world[200:470, 300:780], (160, 90), interpolation=cv2.INTER_AREA)
    b = cv2.resize(other[200:470, 300:780], (160, 90), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(1)
    track = NativeTrack(CFG)
    for i in range(n):
        if i < cut_at:
            img = a
        elif switch_back:
            img = b if i < cut_at + 8 else a
        else:
            w = min(1.0, (i - cut_at) / 20)
            img = cv2.addWeighted(b, 1 - w, a, w, 0)
        noise = rng.normal(0, 2, img.shape)
        track.feed(i / FPS, np.clip(img + noise, 0, 255).astype(np.uint8))
    return track


def _marked(t: float, tol: float) -> str:
    return "an encoder inserted a keyframe at that frame"


def test_a_cut_whose_picture_moves_back_is_a_cut_when_the_packets_mark_it() -> None:
    """The picture after the cut turns back into one like before it: persistence fails, but the
    way back is gradual, the jump abrupt on its own and marked in the packets."""
    track = _turn_back(switch_back=False)
    (b,) = native_breaks([track], CFG, edit_mark=_marked)
    assert abs(b.t - 30 / FPS) < 1e-6 and b.frames is not None
    assert any("only moves back" in e for e in b.evidence)
    (jump,) = [j for j in track.jumps if abs(j.t - b.t) < 1e-6]
    assert jump.persist < CFG.cut_persist_min and jump.step_around <= CFG.cut_return_step_max
    # without the packets' mark, the picture coming back keeps it from being a cut
    assert native_breaks([_turn_back(switch_back=False)], CFG) == []


def test_a_picture_that_switches_back_in_one_frame_is_no_cut_even_when_marked() -> None:
    """An occluder or a flash: the picture jumps away and back in single frames."""
    track = _turn_back(switch_back=True)
    assert native_breaks([track], CFG, edit_mark=_marked) == []
    assert any(j.step_around > CFG.cut_return_step_max for j in track.jumps)


def test_a_jump_in_hue_alone_in_the_dark_is_no_cut() -> None:
    """A near-black close-up whose hue noise an encoder keyframe redraws: hue and saturation jump in
    one frame and stay, brightness does not move. A cut changes brightness somewhere."""
    rng = np.random.default_rng(4)
    hue = cv2.GaussianBlur(rng.integers(0, 180, (90, 160)).astype(np.float32), (0, 0), 6)
    track = NativeTrack(CFG)
    for i in range(60):
        h = (hue + (60 if i >= 30 else 0)) % 180
        hsv = np.dstack([h, np.full_like(h, 120), np.full_like(h, 40)]).astype(np.uint8)
        track.feed(i / FPS, cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR))
    assert native_breaks([track], CFG, edit_mark=_marked) == []
    (jump,) = [j for j in track.jumps if abs(j.t - 30 / FPS) < 1e-6]
    assert jump.persist >= CFG.cut_persist_min and jump.abrupt >= CFG.cut_native_ratio
    assert jump.value < CFG.cut_native_value_min
