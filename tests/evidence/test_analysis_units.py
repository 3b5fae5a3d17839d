"""The pure analysis pieces on constructed inputs: no files, no ffmpeg."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from evidence import AnalysisConfig, CaseFacts, Element, Verdict
from evidence.analyzer import VideoAnalyzer
from evidence.continuity import find_breaks, find_freezes
from evidence.elements import DecodeSummary
from evidence.elements.validity import software_traces
from evidence.errors import InvalidInput
from evidence.media.synthetic import UnboxingSpec, render_frames
from evidence.quality import blur_effect
from evidence.reel import Reel
from evidence.sampling import PacketEvidence, Window, choose_mode, merge_windows
from evidence.scene import describe, learn_table
from evidence.signals import PairSignals, Sample, rises
from tests.evidence._media_helpers import frames_in_memory

CFG = AnalysisConfig()


def packets(
    sizes: list[int], keys: list[int], fps: float = 30.0, gap_at: int | None = None, gap: float = 0.0
):  # type: ignore[no-untyped-def]
    t = np.arange(len(sizes)) / fps
    if gap_at is not None:
        t[gap_at:] += gap
    key = np.zeros(len(sizes), bool)
    key[keys] = True
    return PacketEvidence(t + 5.0, np.array(sizes, np.int64), key, CFG)


def steady_sizes(n: int, every: int = 30, vbr: bool = True) -> tuple[list[int], list[int]]:
    """Packet sizes of a phone recording: quiet stretches and motion bursts (VBR), keyframes every ``every``."""
    rng = np.random.default_rng(1)
    sizes = [int(x) for x in rng.integers(400, 700, n)]
    if vbr:
        for start in range(20, n, 90):  # a parcel being turned: P-frames grow several times
            for i in range(start, min(n, start + 25)):
                sizes[i] = int(rng.integers(2500, 4000))
    keys = list(range(0, n, every))
    for k in keys:
        sizes[k] = 12000
    return sizes, keys


def test_packet_times_are_relative_to_the_first_packet() -> None:
    sizes, keys = steady_sizes(90)
    pe = packets(sizes, keys)
    assert pe.t[0] == 0.0 and pe.keyframe_times.tolist() == pytest.approx([0.0, 1.0, 2.0])
    assert pe.median_keyframe_interval() == pytest.approx(1.0)
    assert choose_mode(pe, CFG) == "hybrid"
    assert choose_mode(pe, AnalysisConfig(sampling_mode="dense")) == "dense"
    assert choose_mode(packets(*steady_sizes(300, every=150)), CFG) == "dense"  # 5 s GOP
    cbr = packets(*steady_sizes(300, vbr=False))
    assert not cbr.informative and choose_mode(cbr, CFG) == "dense"  # flat sizes say nothing


def test_keyframes_off_a_fixed_grid_make_the_video_read_densely() -> None:
    """An encoder that placed a keyframe at a scene change (an editor's export) broke the camera's
    grid: packets need not mark a cut there, so keyframes cannot stand for the frames between."""
    sizes, keys = steady_sizes(300)
    assert choose_mode(packets(sizes, keys), CFG) == "hybrid"
    # a 1 s grid, a keyframe inserted 0.33 s after a regular one, the grid going on from there
    scene_cut = [0, 30, 60, 90, 120, 150, 160, 190, 220, 250, 280]
    for k in scene_cut:
        sizes[k] = 12000
    pe = packets(sizes, scene_cut)
    assert pe.scene_cut_keyframes() == [pytest.approx(160 / 30)]
    assert choose_mode(pe, CFG) == "dense"
    # x264 shortening a group by one frame near its end (a scene change) breaks the grid too
    one_short = [0, 30, 60, 90, 119, 149, 179, 209, 239, 269, 299]
    for k in one_short:
        sizes[k] = 12000
    assert packets(sizes, one_short).scene_cut_keyframes() == [pytest.approx(119 / 30)]
    # variable frame timing (a phone in dim light) moves keyframes in time, not on the frame grid
    sizes, keys = steady_sizes(300)
    rng = np.random.default_rng(3)
    t = 5.0 + np.cumsum(rng.uniform(0.025, 0.05, 300))
    key = np.zeros(300, bool)
    key[keys] = True
    vfr = PacketEvidence(t, np.array(sizes, np.int64), key, CFG)
    assert vfr.scene_cut_keyframes() == [] and len(vfr.grid_keyframes()) == len(keys)


def test_near_intra_p_frame_is_a_spike_but_motion_is_not() -> None:
    sizes, keys = steady_sizes(150)
    sizes[100] = 11000  # a cut coded as a P-frame (bursts at 20-45 and 110-135 are motion)
    spikes = packets(sizes, keys).spikes()
    assert [round(t, 3) for t, _, _ in spikes] == [round(100 / 30, 3)]
    _t, ratio, share = spikes[0]
    assert ratio > 4 and share > 0.6


def test_gaps_tiny_runs_and_off_cadence_keyframes() -> None:
    sizes, keys = steady_sizes(240, vbr=False)
    for i in range(91, 150):  # 2 s of a frozen picture
        if i not in keys:
            sizes[i] = 30
    pe = packets(sizes, [*keys, 45], gap_at=200, gap=2.5)
    assert pe.gaps(1.0) == [(pytest.approx(199 / 30), pytest.approx(2.5 + 1 / 30))]
    runs = pe.tiny_runs(1.0)
    assert (
        len(runs) == 1
        and runs[0][0] == pytest.approx(91 / 30, abs=0.1)
        and runs[0][1] == pytest.approx(149 / 30, abs=0.1)
    )
    assert pe.tiny_between(100 / 30, 110 / 30) and not pe.tiny_between(10 / 30, 20 / 30)
    assert pe.off_cadence_keyframes() == [pytest.approx(1.5)]


def test_a_keyframe_off_the_grid_marks_an_edit_only_where_there_is_a_grid() -> None:
    """A camera's (or an encoder's) cadence with one keyframe inserted: an edit trace there. An
    encoder left to place keyframes at scene changes alone (no cadence): its keyframes sit on fast
    movements as much as on edits, so none of them is a trace."""
    sizes, keys = steady_sizes(240)
    grid = packets(sizes, [*keys, 45])
    assert grid.has_keyframe_grid()
    assert grid.edit_mark(45 / 30, 0.02) == "an encoder inserted a keyframe at that frame"
    assert grid.edit_mark(120 / 30, 0.02) is None  # a keyframe on the grid
    for scene_cuts in ([0, 218], [0, 60, 91, 101, 156, 173]):  # the two real clips' keyframe frames
        loose = packets(sizes, scene_cuts, fps=25.0)
        assert not loose.has_keyframe_grid()
        assert all(loose.edit_mark(k / 25, 0.02) is None for k in scene_cuts)


def test_windows_merge_and_clip() -> None:
    merged = merge_windows(
        [Window(-0.2, 0.5, "a"), Window(0.4, 1.0, "b"), Window(5.0, 6.0, "c"), Window(9.8, 11, "d")], 10.0
    )
    assert [(w.start, w.end) for w in merged] == [(0.0, 1.0), (5.0, 6.0), (9.8, 10.0)]
    assert merged[0].reason == "a; b"


def sample(
    t: float, content: float, align: float = 0.95, border: float = 0.0, freeze: float = 3.0, dt: float = 0.1
) -> Sample:
    return Sample(
        t, False, True, 1, 0.3, 120.0, 0.0, None, PairSignals(dt, content, freeze, 20.0, border, align)
    )


def test_isolated_content_spike_is_a_cut_but_sustained_motion_is_not() -> None:
    calm = [sample(0.1 * i, 3.0) for i in range(1, 30)]
    cut = [*calm[:10], sample(1.1, 60.0), *[sample(1.1 + 0.1 * i, 3.0) for i in range(1, 10)]]
    assert [(b.kind, round(b.t, 2)) for b in find_breaks(cut, CFG)] == [("cut", 1.1)]
    pan = [*calm[:10], *[sample(1.1 + 0.1 * i, 40.0, align=0.5) for i in range(5)], *calm[15:]]
    assert find_breaks(pan, CFG) == []


def test_alignment_collapse_needs_the_packets_and_splice_kind() -> None:
    seq = [sample(0.1 * i, 4.0) for i in range(1, 20)]
    seq[9] = sample(1.0, 9.0, align=0.02)
    # an occluder close to the lens does this too: a collapse alone is no cut
    assert find_breaks(seq, CFG) == []
    spike = [(0.97, 3.0, 0.5)]  # a near-intra P-frame inside that pair
    assert [round(b.t, 2) for b in find_breaks(seq, CFG, spike)] == [1.0]
    seq[9] = sample(1.0, 80.0, align=0.02, border=40.0)
    assert [b.kind for b in find_breaks(seq, CFG)] == ["splice"]
    coarse = [sample(0.25 * i, 4.0, dt=0.25) for i in range(1, 20)]
    coarse[9] = sample(2.5, 9.0, align=0.02, dt=0.25)
    assert find_breaks(coarse, CFG, [(2.4, 3.0, 0.5)]) == []  # alignment is only telling at fine spacing


def test_freeze_needs_identical_frames_and_tiny_packets() -> None:
    seq = [sample(0.1 * i, 1.0, freeze=2.0) for i in range(1, 60)]
    # a held frame: the encoder refines the frozen picture for a few frames (near-identical,
    # above 0.3), then decodes the same picture again and again
    for i, diff in zip(range(20, 38), [1.0, 0.7, 0.5, 0.35] + [0.0] * 14, strict=True):
        seq[i] = sample(seq[i].t, 0.0, freeze=diff)
    assert find_freezes(seq, CFG) == []  # identical for 1.4 s only: the refinement needs packets
    found = find_freezes(seq, CFG, tiny_between=lambda a, b: a >= 2.0 and b <= 3.85)
    assert len(found) == 1 and found[0].start == pytest.approx(2.0) and found[0].length == pytest.approx(1.8)
    assert find_freezes(seq, CFG, tiny_between=lambda a, b: False) == []


def test_blur_effect_grows_with_blur() -> None:
    rng = np.random.default_rng(3)
    img = np.zeros((360, 640), np.uint8)
    for _ in range(40):
        x, y = (int(v) for v in rng.integers(0, 600, 2))
        cv2.rectangle(img, (x, y % 330), (x + 40, y % 330 + 25), int(rng.integers(60, 255)), -1)
    values = [blur_effect(cv2.GaussianBlur(img, (0, 0), s) if s else img) for s in (0, 1.5, 4.0)]
    assert values == sorted(values) and values[0] < 0.3 < values[2]
    assert blur_effect(np.full((90, 160), 128, np.uint8)) == 1.0


def test_a_rise_stands_above_calm_on_both_sides() -> None:
    """The turn of a thin parcel: a short rise between two holds is flagged; a rise at an end or
    next to a pause (nothing on one side), a plateau of motion and an unknown level are not."""
    t = np.arange(0.0, 4.0, 0.1)
    level = np.full(len(t), 0.5)
    level[19:21] = 2.0  # a turn at 1.9-2.0 s between calm stretches
    level[:2] = 3.0  # motion at the very start: nothing before it
    flagged = rises(t, level, minimum=1.2, ratio=3.0, side_s=0.75)
    assert np.nonzero(flagged)[0].tolist() == [19, 20]
    busy = np.full(len(t), 2.0)  # moving all along: no calmer side
    assert not rises(t, busy, 1.2, 3.0, 0.75).any()
    unknown = level.copy()
    unknown[10:19] = np.nan  # nothing measured before the turn
    assert not rises(t, unknown, 1.2, 3.0, 0.75)[19]
    paused = np.concatenate([t[:20], t[20:] + 5.0])  # a pause right after 1.9 s
    assert not rises(paused, level, 1.2, 3.0, 0.75)[19]


def test_reel_is_bounded_and_finds_the_nearest_frame() -> None:
    reel = Reel(max_frames=50, min_spacing=0.1, width=64)
    frame = np.zeros((36, 64, 3), np.uint8)
    for i in range(5000):
        reel.offer(i * 0.1, frame)
    assert len(reel) <= 51
    near = reel.nearest(250.04, "x")
    assert near is not None and abs(near.t - 250.0) < 10 and near.jpeg[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["Made with CapCut"], ["CapCut"]),
        (["剪映专业版"], ["剪映"]),
        (["Adobe Premiere Pro 2024"], ["Premiere"]),
        (["VN Video Editor 2.1"], ["VN Video Editor"]),
        (["Lavf59.27.100"], []),
        (["Core Media Video", "17.1"], []),
        (["VNC recorder"], []),
    ],
)
def test_editor_signatures_match_whole_words(tags: list[str], expected: list[str]) -> None:
    assert [sig for sig, _ in software_traces(tags, CFG.editor_signatures)] == expected


def test_config_rejects_nonsense() -> None:
    with pytest.raises(InvalidInput, match="sampling_mode"):
        AnalysisConfig(sampling_mode="fast")
    with pytest.raises(InvalidInput, match="blur_max"):
        AnalysisConfig(blur_max=-1)
    assert CFG.with_overrides(min_duration_s=5).min_duration_s == 5


def test_analyzer_runs_on_frames_in_memory() -> None:
    """The pure core judges frames handed to it: no file, no ffmpeg, no packets."""
    spec = UnboxingSpec()
    frames, script = render_frames(spec)
    facts = frames_in_memory(640, 360, script.duration_s)
    case = CaseFacts(return_tracking_number="SF1234567890123", claimed_problem="damaged")
    analyzer = VideoAnalyzer(facts, None, case, CFG)
    assert analyzer.mode == "dense"
    stream = analyzer.new_stream()
    for i, frame in enumerate(frames):
        if i % 3 == 0:
            analyzer.add(stream, i / 30.0, i % 30 == 0, frame, cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), True)
    summary = DecodeSummary(
        "dense", 0, (), script.duration_s, script.duration_s, len(analyzer.samples), 0, None
    )
    result = analyzer.finish(summary)
    assert result.element(Element.CONSISTENCY).verdict == Verdict.PASS
    assert result.element(Element.COMPLETENESS).verdict == Verdict.PASS
    assert result.element(Element.VALIDITY).verdict == Verdict.PASS
    assert result.element(Element.TIMELINESS).verdict == Verdict.INCONCLUSIVE  # no creation time in memory
    assert not math.isnan(result.summary["faces_confidence"])


def _mottled_frame(parcel_x: int, patch_under: bool) -> np.ndarray:
    """A 96x54 tiny frame: a grey-blue table with purple patches and a cardboard parcel."""
    frame = np.full((54, 96, 3), (110, 99, 86), np.uint8)  # BGR grey-blue
    purple = (130, 80, 95)
    cv2.rectangle(frame, (0, 0), (30, 12), purple, -1)
    cv2.rectangle(frame, (70, 40), (95, 53), purple, -1)
    if patch_under:  # a patch of the table's second colour from the parcel down to the frame's edge
        cv2.rectangle(frame, (parcel_x + 10, 30), (parcel_x + 30, 53), purple, -1)
    cv2.rectangle(frame, (parcel_x, 12), (parcel_x + 40, 36), (96, 141, 182), -1)  # cardboard
    return frame


def test_a_two_tone_table_is_all_table() -> None:
    """Patches of a mottled surface touching the parcel must not make it run off the frame."""
    frames = [_mottled_frame(20 + (i % 5), patch_under=i % 3 == 0) for i in range(30)]
    table = learn_table(frames)
    assert table is not None and len(table.labs) == 2
    f = describe(_mottled_frame(22, patch_under=True), table)
    assert not f.touches_border
    assert f.bbox == (22, 12, 41, 25)
    assert f.cardboard > 0.9
    # a parcel filling the frame in a close-up still runs off it
    close = np.full((54, 96, 3), (96, 141, 182), np.uint8)
    assert describe(close, table).touches_border


def test_an_item_filling_the_frame_in_close_ups_is_not_table() -> None:
    """Close-ups at the end put the item's colour on the frame's border; that colour, near the
    table's and common on the border over the video, is still the item and not the surface: it is
    on the border only while the camera is close, not wherever the surface is."""
    grey_item = (70, 75, 100)  # BGR, a taupe garment 28 Lab units from the dark red desk below
    desk = (40, 45, 92)
    tour = []
    for i in range(40):  # the parcel held on the desk, with the desk's own mottling on every border
        frame = np.full((54, 96, 3), desk, np.uint8)
        cv2.rectangle(frame, (0, 0), (95, 3), (50, 58, 110), -1)
        cv2.rectangle(frame, (30 + i % 4, 14), (66 + i % 4, 40), (200, 200, 200), -1)  # white bag
        tour.append(frame)
    closeups = [np.full((54, 96, 3), grey_item, np.uint8) for _ in range(12)]
    for frame in closeups:
        cv2.line(frame, (20, 10), (70, 40), (230, 230, 230), 1)  # the scratch
    frames = tour + closeups
    table = learn_table(frames)
    assert table is not None
    f = describe(closeups[0], table)
    assert f.fill > 0.9 and f.touches_border  # the item fills the frame: a close-up of it
    assert describe(tour[0], table).fill < 0.3  # and the desk's mottling is still table


def test_a_picture_too_dark_to_see_is_not_judged_frozen() -> None:
    from dataclasses import replace

    seq = [sample(0.1 * i, 0.0, freeze=0.0) for i in range(1, 40)]  # identical pictures for 3.9 s
    assert len(find_freezes(seq, CFG)) == 1
    # the same identical pictures, measured too dark to see (mean 20, brightest 5 % at 30): no
    # change could show, so nothing says the picture froze; the video is judged too dark instead
    dark = [replace(s, luma=20.0, highlight=30.0) for s in seq]
    assert find_freezes(dark, CFG) == []


def test_the_turn_of_a_thin_parcel_splits_the_packet_holds() -> None:
    # 30 fps, a keyframe every second: a busy waybill close-up, then three held faces joined by
    # two gentle turns that stay under the absolute steady level but stand well above the holds
    # either side of them (an envelope turned edge-on moves little of the picture)
    fps, sizes, key = 30, [], []
    rng = np.random.default_rng(5)
    script = [(8.0, 1000.0), (1.0, 200.0), (0.5, 1600.0), (1.0, 200.0), (0.5, 1500.0), (1.0, 200.0)]
    for length, level in script:
        for _ in range(int(length * fps)):
            key.append(len(sizes) % fps == 0)
            sizes.append(30000 if key[-1] else level * rng.uniform(0.8, 1.2))
    pe = PacketEvidence(np.arange(len(sizes)) / fps, np.array(sizes, np.int64), np.array(key), CFG)
    assert CFG.motion_proxy_steady * pe.quiet > 1600  # the turns alone would not break a hold
    spans = pe.quiet_spans(CFG.face_min_view_s)
    # each face in a hold of its own: no hold runs across a turn (9.25 s, 10.75 s)
    for mid in (8.5, 10.0, 11.5):
        assert any(a < mid < b for a, b in spans), (mid, spans)
    assert not any(a < turn < b for a, b in spans for turn in (9.25, 10.75)), spans


def test_the_turn_of_a_thin_parcel_splits_the_sampled_holds() -> None:
    from evidence.views import _weights, holds_of

    # 8 samples a second, the camera still throughout (motion ~5 px/s): three held faces joined
    # by two turns of a thin bag whose content change (3-4) stays under the steady limit (12) but
    # stands well above the held views around it (~0.8)
    samples = []
    for i in range(int(6.0 * 8)):
        t = i / 8
        content = 3.6 if 1.9 <= t <= 2.1 or 3.9 <= t <= 4.1 else 0.8
        pair = PairSignals(0.125, content, 1.0, 5.0, 0.5, 0.9)
        samples.append(Sample(t, False, True, 1, 0.3, 120.0, 0.0, None, pair))
    assert content < CFG.hold_max_content
    holds = holds_of(samples, _weights([s.t for s in samples], 6.0), CFG)
    assert len(holds) == 3, holds
    assert not any(h.start < turn < h.end for h in holds for turn in (2.0, 4.0))


def test_packet_holds_around_a_pause_are_read_without_error() -> None:
    # a recording paused for 2 s in the middle of a rise: nothing on one side of it
    sizes, keys = [200] * 60 + [1500] * 5 + [200] * 60, [0, 30, 60, 65, 95]
    pe = packets(sizes, keys, gap_at=63, gap=2.0)
    assert all(b > a for a, b in pe.quiet_spans(CFG.face_min_view_s))


def test_a_still_scene_with_a_little_change_is_not_a_held_frame() -> None:
    """Tuning seed 29: 8 s of a static desk with a thin envelope turned edge-on, filmed with little
    noise, changes by 0.06-0.15 between frames, under the 0.3 of 'identical'; a held frame (an
    inserted still) decodes to the same picture, ~0. Only the second is a freeze."""
    moving = [sample(0.1 * i, 8.0, freeze=6.0) for i in range(1, 20)]
    still_scene = [sample(2.0 + 0.1 * i, 0.5, freeze=0.06 + 0.09 * (i % 2)) for i in range(40)]
    after = [sample(6.0 + 0.1 * i, 8.0, freeze=6.0) for i in range(1, 20)]
    assert find_freezes([*moving, *still_scene, *after], CFG) == []
    held = [sample(2.0 + 0.1 * i, 0.0, freeze=0.0 if i % 8 else 0.2) for i in range(40)]
    freezes = find_freezes([*moving, *held, *after], CFG)
    assert len(freezes) == 1 and freezes[0].length >= 3.5


def test_the_parcel_is_sealed_while_its_waybill_is_first_shown_not_up_to_its_last_read() -> None:
    """Tuning seed 5: the waybill read at 0 and 3 s (the close-up) and again at 17 s, on a bag
    being opened with its label in view; the sealed look ends after the first showing."""
    from evidence.views import _first_showing

    assert _first_showing([17.0, 0.0, 3.0], CFG.waybill_showing_gap_s) == 3.0
    assert _first_showing([0.0, 2.0, 4.0, 6.0], CFG.waybill_showing_gap_s) == 6.0  # scanned every 2 s
    assert _first_showing([5.0], CFG.waybill_showing_gap_s) == 5.0


def test_a_one_frame_jolt_of_the_hand_is_no_cut_but_another_picture_is() -> None:
    """Tuning 21 swapped: in the waybill close-up one frame jumps 5x the changes around it; it is
    the same picture shifted by a few pixels (a jolt), which no cut is."""
    from evidence.continuity import _jolted

    rng = np.random.default_rng(21)
    scene = cv2.GaussianBlur(rng.integers(0, 255, (110, 180), dtype=np.uint8), (0, 0), 1.5)
    for x in range(20, 160, 9):  # the bars of a waybill
        cv2.rectangle(scene, (x, 30), (x + 3, 70), 20, -1)

    def hsv(grey: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), cv2.COLOR_BGR2HSV)

    before, jolt = scene[10:100, 10:170], scene[13:103, 6:166]  # moved by (4, -3) px
    assert float(np.abs(before.astype(float) - jolt).mean()) > 10  # a big one-frame change
    assert _jolted((hsv(before), hsv(jolt)), CFG)
    other = cv2.GaussianBlur(rng.integers(0, 255, (90, 160), dtype=np.uint8), (0, 0), 1.5)
    assert not _jolted((hsv(before), hsv(other)), CFG)
