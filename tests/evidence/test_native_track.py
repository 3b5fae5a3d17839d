"""The native track's cut rule on frames made here: a hand-held camera's shake, a cut under it."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from evidence import AnalysisConfig
from evidence.continuity import NativeTrack, find_fades, judge_jumps, native_breaks

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
    return _walk(_world(seed), _world(seed + 7), cut_at, n, seed, (300.0, 200.0), (4.0, 3.0), (480, 270))


def _walk(
    world: np.ndarray,
    other: np.ndarray,
    cut_at: int | None,
    n: int,
    seed: int,
    start: tuple[float, float],
    shake: tuple[float, float],
    size: tuple[int, int],
) -> NativeTrack:
    """A camera of view ``size`` (w, h) shaking randomly by ``shake`` px a frame from ``start`` over
    ``world``, looking at ``other`` from frame ``cut_at`` on; each frame fed to a NativeTrack."""
    rng = np.random.default_rng(seed + 1)
    track = NativeTrack(CFG)
    x, y = start
    for i in range(n):
        x += float(rng.normal(0, shake[0]))
        y += float(rng.normal(0, shake[1]))
        seen = other if cut_at is not None and i >= cut_at else world
        view = seen[int(y) : int(y) + size[1], int(x) : int(x) + size[0]]
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


def test_a_cut_whose_picture_moves_back_is_a_cut() -> None:
    """The picture after the cut turns back into one like before it: persistence fails, but the
    way back is gradual and the jump abrupt on its own, with or without a mark in the packets."""
    for mark in (_marked, None):
        track = _turn_back(switch_back=False)
        (b,) = native_breaks([track], CFG, edit_mark=mark)
        assert abs(b.t - 30 / FPS) < 1e-6 and b.frames is not None
        assert any("only moves back" in e for e in b.evidence)
        assert any("keyframe" in e for e in b.evidence) == (mark is not None)
        (jump,) = [j for j in track.jumps if abs(j.t - b.t) < 1e-6]
        assert jump.persist < CFG.cut_persist_min and jump.step_around <= CFG.cut_return_step_max


def test_a_picture_that_switches_back_in_one_frame_is_no_cut_even_when_marked() -> None:
    """An occluder or a flash: the picture jumps away and back in single frames."""
    track = _turn_back(switch_back=True)
    assert native_breaks([track], CFG, edit_mark=_marked) == []
    assert native_breaks([_turn_back(switch_back=True)], CFG) == []
    assert any(j.step_around > CFG.cut_return_step_max for j in track.jumps)
    assert any(j.switch_around > CFG.cut_return_step_max for j in track.jumps)


def _burst_then_turn_back(n: int = 75, cut_at: int = 40) -> NativeTrack:
    """A still view with sensor noise that pans fast for six frames 0.8 s before a cut (each frame
    step more than half the cut's own jump), then, at ``cut_at``, jumps to another picture that moves
    back towards the first one over 20 frames (as :func:`_turn_back`)."""
    world, other = _world(5), _world(12)
    b = cv2.resize(other[200:470, 300:780], (160, 90), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(1)
    track = NativeTrack(CFG)
    x = 300
    for i in range(n):
        if cut_at - 20 <= i < cut_at - 14:
            x += 16  # 2 px a frame at the native size
        a = cv2.resize(world[200:470, x : x + 480], (160, 90), interpolation=cv2.INTER_AREA)
        img = (
            a
            if i < cut_at
            else cv2.addWeighted(b, 1 - min(1.0, (i - cut_at) / 20), a, min(1.0, (i - cut_at) / 20), 0)
        )
        noise = rng.normal(0, 2, img.shape)
        track.feed(i / FPS, np.clip(img + noise, 0, 255).astype(np.uint8))
    return track


def test_a_burst_of_motion_before_a_cut_is_no_switch_back() -> None:
    """Tuning seed 28: hands moving fast 0.8 s before a cut whose picture then moves back. Their
    frame steps are large but none switches the picture in one frame, so the cut stands."""
    for mark in (_marked, None):
        track = _burst_then_turn_back()
        (b,) = native_breaks([track], CFG, edit_mark=mark)
        assert abs(b.t - 40 / FPS) < 1e-6 and any("only moves back" in e for e in b.evidence)
        (jump,) = [j for j in track.jumps if abs(j.t - b.t) < 1e-6]
        assert jump.persist < CFG.cut_persist_min
        # the burst's steps would have ruled it out when every step counted
        assert jump.step_around > CFG.cut_return_step_max >= jump.switch_around


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


def _into_the_dark(lit_again: bool, n: int = 100) -> NativeTrack:
    """A lit picture dimming steadily to near-black over 25 frames (a zoom into a black item, or a
    fade), ten flat near-black frames, then either a dim close-up with a grey cable across it (the
    frame stays under the lit level, only less flat) or, with ``lit_again``, the lit picture back
    at once (a cut out of black)."""
    world = cv2.resize(_world(9)[200:470, 300:780], (160, 90), interpolation=cv2.INTER_AREA)
    track = NativeTrack(CFG)
    for i in range(n):
        if i < 30:
            img = world
        elif i < 55:
            img = cv2.convertScaleAbs(world, alpha=1.0 - 0.9 * (i - 29) / 25)
        elif i < 65 or not lit_again:
            img = cv2.convertScaleAbs(world, alpha=0.1)
            if i >= 65:  # the dim close-up: a grey cable across the dark item
                img = img.copy()
                cv2.line(img, (0, 40 + i % 3), (159, 55), (150, 150, 150), 9)
        else:
            img = world
        track.feed(i / FPS, img)
    return track


def test_dimming_into_a_dark_close_up_is_no_fade() -> None:
    """No lit picture after the near-black frames (the run ends only because the dark frame gets
    less flat): no transition. Cut back to the lit picture instead, it is a fade out."""
    dim = _into_the_dark(lit_again=False)
    assert min(dim.luma[55:65]) <= CFG.fade_black_luma and max(dim.luma[65:]) < CFG.fade_lit_luma
    assert max(dim.luma_std[65:]) > CFG.fade_black_std
    assert find_fades([dim], CFG) == []
    (fade,) = find_fades([_into_the_dark(lit_again=True)], CFG)
    assert fade.kind == "fade" and abs(fade.t - 65 / FPS) < 1e-6


def _label_to_goods(whole_frame: bool, n: int = 60, cut_at: int = 30) -> NativeTrack:
    """A still view of a table with a white label filling the middle; at ``cut_at`` the middle shows
    a dark box instead (a cut from the label close-up to the goods: the palette changes a lot), with
    the table around it unchanged, or, with ``whole_frame``, another table in other light as well
    (a second take)."""
    table = cv2.resize(_world(21)[200:470, 300:780], (160, 90), interpolation=cv2.INTER_AREA)
    other = cv2.convertScaleAbs(cv2.resize(_world(33)[100:370, 500:980], (160, 90)), alpha=0.6)
    rng = np.random.default_rng(2)
    track = NativeTrack(CFG)
    for i in range(n):
        img = (other if whole_frame and i >= cut_at else table).copy()
        img[15:75, 20:140] = (235, 235, 235) if i < cut_at else (35, 40, 45)
        noise = rng.normal(0, 1.5, img.shape)
        track.feed(i / FPS, np.clip(img + noise, 0, 255).astype(np.uint8))
    return track


def test_a_cut_that_keeps_the_table_in_view_is_no_splice() -> None:
    """The palette across both jumps says "another take"; only the second leaves nothing of the table."""
    same = _label_to_goods(whole_frame=False)
    (cut,) = native_breaks([same], CFG)
    (jump,) = same.jumps
    assert jump.palette >= CFG.splice_palette_distance and jump.border_kept > CFG.splice_border_kept_max
    assert cut.kind == "cut"
    other = _label_to_goods(whole_frame=True)
    (splice,) = native_breaks([other], CFG)
    assert splice.kind == "splice" and other.jumps[0].border_kept <= CFG.splice_border_kept_max


def _fine_shaky_take(cut_at: int | None, brighter: float, n: int = 75, seed: int = 3) -> NativeTrack:
    """A fine-grained texture (a barcode, a printed label) under a camera shaking by about a pixel a
    frame: every frame pair changes a lot, even with motion followed. From ``cut_at`` on the camera
    looks at another such texture, ``brighter`` levels brighter on average."""

    def texture(s: int, gain: float) -> np.ndarray:
        base = np.random.default_rng(s).integers(0, 256, (360, 640, 3), np.uint8)
        img = cv2.GaussianBlur(base, (0, 0), 2).astype(np.float32)
        return np.clip((img - img.mean()) * 3 + 110 + gain, 0, 255).astype(np.uint8)

    return _walk(
        texture(seed, 0.0),
        texture(seed + 7, brighter),
        cut_at,
        n,
        seed,
        (100.0, 60.0),
        (0.7, 0.5),
        (320, 180),
    )


def test_a_cut_that_steps_the_mean_brightness_stands_without_abruptness() -> None:
    """Tuning 38: a cut from a dark envelope to a white label under shake is under 5x the frame
    changes around it even with motion followed, but the picture's mean brightness steps at once
    while it holds steady around it. The same cut to a texture as bright as before is no cut."""
    track = _fine_shaky_take(40, brighter=30.0)
    (b,) = native_breaks([track], CFG)
    assert abs(b.t - 40 / FPS) < 1e-6 and any("mean brightness steps" in e for e in b.evidence)
    (jump,) = [j for j in track.jumps if abs(j.t - b.t) < 1e-6]
    assert jump.abrupt < CFG.cut_native_ratio and abs(jump.luma_step) >= CFG.cut_luma_step_min
    same = _fine_shaky_take(40, brighter=0.0)
    assert native_breaks([same], CFG) == []
    assert any(abs(j.t - 40 / FPS) < 1e-6 for j in same.jumps)  # the jump is a candidate all the same
    assert native_breaks([_fine_shaky_take(None, brighter=30.0)], CFG) == []


def _lit(world: np.ndarray, gain: float) -> np.ndarray:
    """``world`` under a light ``gain`` times as strong (highlights clip, as a camera's do)."""
    return np.clip(world.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def test_a_lamp_switched_on_or_off_in_a_still_shot_is_no_cut() -> None:
    """The same picture lit 1.4x (a fifth of it clipping) or 0.7x from one frame on, the camera still
    or shaking slightly: an abrupt, persistent jump, and the mean brightness steps at once, but once
    the light is matched little of it is left and the order of brightness holds. A cut to another
    picture under that light is a cut (and a splice whose tones match stays one: test above)."""
    world = _world(3)
    for gain, shake in ((1.4, (0.0, 0.0)), (1.4, (1.0, 0.7)), (0.7, (0.3, 0.3))):
        track = _walk(world, _lit(world, gain), 40, 75, 3, (300.0, 200.0), shake, (480, 270))
        assert native_breaks([track], CFG) == [], (gain, shake)
        (jump,) = [j for j in track.jumps if abs(j.t - 40 / FPS) < 1e-6]
        assert jump.abrupt >= CFG.cut_native_ratio and jump.persist >= CFG.cut_persist_min
        assert jump.relit <= CFG.cut_relit_max and jump.reorder <= CFG.cut_relit_reorder_ratio * max(
            jump.reorder_around, CFG.cut_relit_reorder_min
        )
        cut = _walk(world, _lit(_world(10), gain), 40, 75, 3, (300.0, 200.0), shake, (480, 270))
        (b,) = native_breaks([cut], CFG)
        assert abs(b.t - 40 / FPS) < 1e-6, (gain, shake)


def _zoom_then_cut(cut_at: int = 40, pop_in: bool = False, n: int = 75) -> NativeTrack:
    """A still view with sensor noise that pans smoothly (speeding up and slowing down over nine
    frames, each middle step changing the picture more than the cut will) 0.9 s before a cut; at
    ``cut_at`` a parcel face fills part of the view and stays (the seconds between were cut out).
    ``pop_in``: instead of the smooth pan, something enters the view in one frame and moves on."""
    world = _world(5)
    rng = np.random.default_rng(2)
    track = NativeTrack(CFG)
    speeds = [3, 6, 12, 24, 36, 24, 12, 6, 3]  # px a frame at 480 wide: a zoom's ease in and out
    x = 300
    for i in range(n):
        k = i - (cut_at - 22)
        if not pop_in and 0 <= k < len(speeds):
            x += speeds[k]
        img = cv2.resize(world[200:470, x : x + 480], (160, 90), interpolation=cv2.INTER_AREA)
        if pop_in and cut_at - 22 <= i < cut_at - 16:  # a hand pops in, moves across, is gone
            img = img.copy()
            left = 10 + 12 * (i - (cut_at - 22))
            cv2.rectangle(img, (left, 5), (left + 70, 90), (20, 40, 210), -1)
        if i >= cut_at:
            img = img.copy()
            cv2.rectangle(img, (55, 25), (105, 70), (235, 235, 240), -1)
        noise = rng.normal(0, 1.5, img.shape)
        track.feed(i / FPS, np.clip(img + noise, 0, 255).astype(np.uint8))
    return track


def test_a_smooth_zoom_before_a_cut_does_not_hide_it() -> None:
    """Tuning seeds 6 and 30 (the agreement bench's cut out of the label close-up): the zoom out of
    the close-up 0.5-1 s before the cut makes larger frame steps than the cut, but they rise and fall
    over several frames; only a step standing out of its own neighbours (something entering the view
    in one frame) leaves a jump standing alone in doubt."""
    track = _zoom_then_cut()
    (jump,) = [j for j in track.jumps if abs(j.t - 40 / FPS) < 1e-6]
    steps = [
        c for t, c in zip(track.times, track.content, strict=True) if abs(t - jump.t) <= 1.0 and t != jump.t
    ]
    assert max(steps) > CFG.cut_alone_step_max * jump.content  # the zoom's steps are the larger
    (b,) = native_breaks([track], CFG)
    assert abs(b.t - 40 / FPS) < 1e-6 and b.kind == "cut"
    popped = _zoom_then_cut(pop_in=True)
    (jump,) = [j for j in popped.jumps if abs(j.t - 40 / FPS) < 1e-6]
    assert jump.step_around > CFG.cut_alone_step_max
    assert native_breaks([popped], CFG) == []


def test_hands_entering_in_one_frame_and_moving_on_are_no_cut() -> None:
    """Held-out 10017 no_label: hands came up into a still view in one frame and then moved on fast.
    Their entry is a persistent single-frame jump, and the steps after it are a smooth burst; after a
    jump every step counts, so the jump does not stand alone."""
    world = _world(5)
    hand = cv2.resize(_world(9)[:360, :480], (160, 120), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(4)
    track = NativeTrack(CFG)
    view = cv2.resize(world[200:470, 300:780], (160, 90), interpolation=cv2.INTER_AREA)
    for i in range(75):
        img = view.copy()
        if i >= 40:  # in from the bottom edge at once, then reaching up and across the view
            k = max(0, i - 46)
            top, left = max(5, 55 - 5 * k), min(80, 30 + 4 * k)
            img[top:, left : left + 60] = hand[: 90 - top, 40 - k % 40 : 100 - k % 40]
        noise = rng.normal(0, 1.0, img.shape)
        track.feed(i / FPS, np.clip(img + noise, 0, 255).astype(np.uint8))
    (jump,) = [j for j in track.jumps if abs(j.t - 40 / FPS) < 1e-6]
    assert jump.persist >= CFG.cut_persist_min and jump.abrupt >= CFG.cut_native_ratio
    assert native_breaks([track], CFG) == []


def _calm_table(
    cut_at: int | None, slide: bool = False, n: int = 60, cfg: AnalysisConfig = CFG
) -> NativeTrack:
    """A tripod view of a table (pixel noise only: frames change by about 0.8) with a small pale
    label (5 % of the frame) that turns into a dark box at ``cut_at`` (the seconds between were
    cut out), or, with ``slide``, a dark box slid across the table a pixel a frame."""
    table = cv2.resize(_world(21)[200:470, 300:780], (160, 90), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(5)
    track = NativeTrack(cfg)
    for i in range(n):
        img = table.astype(np.float64)
        if slide:
            img[30:52, 40 + i : 72 + i] = (30, 35, 40)
        else:
            img[30:52, 60:92] = (200, 210, 215) if cut_at is None or i < cut_at else (30, 35, 40)
        img += rng.normal(0, 0.4, img.shape)
        track.feed(i / FPS, np.clip(img, 0, 255).astype(np.uint8))
    return track


def test_a_small_cut_in_a_calm_shot_is_found() -> None:
    """Only a small part of the picture changes (4.4 against neighbours of 0.8): under a floor of
    1.0 for the neighbours and a minimum change of 5 it was missed (tuning seed 24 of the
    generator); the same shot still or with the box sliding is no cut."""
    track = _calm_table(30)
    (jump,) = track.jumps
    assert jump.content < 5.0 and jump.neighbours < 1.0 and jump.ratio >= CFG.cut_native_ratio
    (b,) = native_breaks([track], CFG)
    assert abs(b.t - 30 / FPS) < 1e-6 and b.kind == "cut"
    assert native_breaks([_calm_table(None)], CFG) == []
    assert native_breaks([_calm_table(None, slide=True)], CFG) == []


def test_a_jump_turned_down_says_which_rule_turned_it_down() -> None:
    """The small cut judged against a stricter abruptness (``cut_native_ratio`` 12) is turned down,
    and the reason names the rule, its limit and the jump's own figure."""
    strict = replace(CFG, cut_native_ratio=12.0)
    ((jump, verdict),) = judge_jumps([_calm_table(30, cfg=strict)], strict)
    assert isinstance(verdict, str) and "cut_native_ratio 12" in verdict and f"{jump.abrupt:.1f}x" in verdict
    ((_, found),) = judge_jumps([_calm_table(30)], CFG)
    assert not isinstance(found, str) and found.kind == "cut"
