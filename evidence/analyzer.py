"""The pure heart of the evidence core: frames and facts in, four element verdicts out.

:class:`VideoAnalyzer` never opens a file. The edge (:mod:`evidence.assess`) decodes frames and
feeds them in with :meth:`VideoAnalyzer.add`; between passes it asks :meth:`VideoAnalyzer.windows`
which stretches deserve dense decoding; :meth:`VideoAnalyzer.finish` turns everything measured
into an :class:`~evidence.model.Assessment`. Tests can drive it with synthetic frames directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from . import __version__
from .barcodes import (
    find_code_regions,
    is_product_code,
    matches_tracking,
    read_barcodes,
    read_barcodes_in_regions,
)
from .config import AnalysisConfig
from .continuity import NativeTrack, drop_freeze_edges, find_breaks, find_freezes
from .elements import DecodeSummary, Evidence, judge_all
from .fingerprint import FrameHasher
from .model import (
    Assessment,
    BarcodeRead,
    CaseFacts,
    Finding,
    KeyFrame,
    PhotoFacts,
    SamplingStats,
    VideoFacts,
)
from .quality import stretch_contrast
from .reel import Reel
from .sampling import PacketEvidence, Window, choose_mode, merge_windows, pixel_windows
from .signals import Sample, SignalState, is_blurred, is_dark, is_washed_out, measure
from .views import read_story

__all__ = ["VideoAnalyzer", "assess_photos_only"]

# scene thumbnails kept (96x54 BGR, 15.5 KB each): 5 per second up to 200 s, sparser after
MAX_SCENE_SAMPLES = 1000
FULL_FRAME_SCAN_EVERY_S = 2.0


class VideoAnalyzer:
    """Accumulates per-frame signals for one video and judges the four elements at the end."""

    def __init__(
        self, facts: VideoFacts, packets: PacketEvidence | None, case: CaseFacts, cfg: AnalysisConfig
    ) -> None:
        self.facts = facts
        self.packets = packets
        self.case = case
        self.cfg = cfg
        self.mode = choose_mode(packets, cfg)
        self.samples: list[Sample] = []
        self.reads: list[BarcodeRead] = []
        self.reel = Reel()
        self._states: dict[int, SignalState] = {}
        self._streams = 0
        self._last_scan = -math.inf
        self._last_full_scan = -math.inf
        self._matches = 0
        self._scene_spacing = 0.0
        self._scene_kept = 0
        self._scene_last = -math.inf
        self._seen_times: set[int] = set()
        self.native: dict[int, NativeTrack] = {}
        self.hasher = FrameHasher()

    # --- feeding ---------------------------------------------------------------------------

    def new_stream(self) -> int:
        """Start a new decode stream (pairs are only compared within one)."""
        self._streams += 1
        self._states[self._streams] = SignalState()
        return self._streams

    def native_sink(self, stream: int) -> Callable[[float, np.ndarray], None]:
        """Where a decode stream hands every decoded frame, small (``native_max_side``), in order."""
        track = NativeTrack(self.cfg)
        self.native[stream] = track
        return track.feed

    def add(
        self, stream: int, t: float, key: bool, image: np.ndarray, detail: np.ndarray | None, dense: bool
    ) -> None:
        """One decoded frame: ``image`` BGR at analysis size, ``detail`` grey at full detail (or None)."""
        state = self._states[stream]
        sample = measure(image, t, key, dense, stream, state, max_pair_dt=0.55)
        if self.packets is not None and self.mode == "hybrid":
            sample.motion_proxy = self.packets.motion_proxy(t)
        if self.hasher.wants(t):  # the fingerprint, from the grey frame ``measure`` reduced
            self.hasher.offer(t, state.grey_small if state.grey_small is not None else image, stream)
        self._thin_scene(sample)
        self.samples.append(sample)
        self.reel.offer(t, image)
        if detail is not None:
            self._scan_barcodes(t, image, detail)

    def _thin_scene(self, sample: Sample) -> None:
        """Keep scene thumbnails bounded: at most 5 per second and MAX_SCENE_SAMPLES in all.

        When the cap is reached, thumbnails closer than a doubled spacing are dropped (evenly, over
        the whole video), so memory stays flat however long the video is.
        """
        slot = round(sample.t * 5)
        if slot in self._seen_times:  # this fifth of a second already has one (maybe from another stream)
            sample.tiny = None
            return
        self._seen_times.add(slot)
        if self._scene_spacing and abs(sample.t - self._scene_last) < self._scene_spacing:
            sample.tiny = None
            return
        self._scene_kept += 1
        self._scene_last = sample.t
        if self._scene_kept <= MAX_SCENE_SAMPLES:
            return
        self._scene_spacing = max(0.5, self._scene_spacing * 2)
        last = -math.inf
        kept = 0
        for s in sorted((s for s in self.samples if s.tiny is not None), key=lambda s: s.t):
            if s.t - last < self._scene_spacing:
                s.tiny = None
            else:
                last = s.t
                kept += 1
        self._scene_kept = kept + 1

    def _scan_barcodes(self, t: float, image: np.ndarray, detail: np.ndarray) -> None:
        interval = (
            2.0 if self._matches >= self.cfg.barcode_confirmations else self.cfg.barcode_scan_interval_s
        )
        if t - self._last_scan < interval:
            return
        self._last_scan = t
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        if float(np.percentile(grey, 95)) < self.cfg.barcode_stretch_below:
            # a dim picture: a waybill that reads after stretching the contrast is legible to a
            # person looking at a screen, so read what a person would see
            grey = stretch_contrast(grey)
            detail = stretch_contrast(detail)
        regions = find_code_regions(grey)
        reads: list[BarcodeRead] = []
        if regions:
            scale = detail.shape[1] / grey.shape[1]
            reads = read_barcodes_in_regions(detail, regions, scale, t=t, source="video")
        if not reads and not self.reads and t - self._last_full_scan >= FULL_FRAME_SCAN_EVERY_S:
            # nothing located yet: try the whole (analysis-size) frame now and then
            self._last_full_scan = t
            reads = read_barcodes(grey, t=t, source="video")
        if reads:
            self.reads.extend(reads)
            tracking = self.case.return_tracking_number
            if tracking and any(matches_tracking(r, tracking) for r in reads):
                self._matches += 1
            if not all(is_product_code(r) for r in reads) or self._matches <= 1:
                self.reel.pin(t, image)

    def drop_stream(self, stream: int) -> None:
        """Forget a decode stream's samples (a window that did not decode cleanly)."""
        self.samples = [s for s in self.samples if s.stream != stream]
        self.native.pop(stream, None)
        self.hasher.drop_stream(stream)

    # --- planning ----------------------------------------------------------------------------

    def windows(self, duration: float) -> list[Window]:
        """After the first pass: the stretches to decode again at the window rate (may be empty).

        Packet candidates count only when packet sizes are informative (variable bitrate).
        """
        cands: list[Window] = []
        if self.packets is not None and self.packets.informative:
            cands += self.packets.candidate_windows()
        cands += pixel_windows(self.samples, self.cfg)
        return merge_windows(cands, duration)

    # --- concluding ---------------------------------------------------------------------------

    def finish(
        self,
        decode: DecodeSummary,
        photos: Sequence[PhotoFacts] = (),
        windows: Sequence[Window] = (),
        wall_s: float = 0.0,
        notes: Sequence[Finding] = (),
    ) -> Assessment:
        cfg = self.cfg
        samples = sorted(self.samples, key=lambda s: s.t)
        duration = decode.decodable_until if decode.decodable_until > 0 else decode.declared_duration
        spikes = self.packets.spikes() if self.packets is not None else []
        breaks = find_breaks(
            samples,
            cfg,
            spikes,
            native=list(self.native.values()),
            edit_mark=self.packets.edit_mark if self.packets is not None else None,
            keyframes=self.packets.grid_keyframes() if self.packets is not None else (),
        )
        freezes = find_freezes(samples, cfg, self.packets.tiny_between if self.packets is not None else None)
        breaks = drop_freeze_edges(breaks, freezes)
        for b in breaks:  # the frames either side of a cut, for the reviewer
            if b.frames is not None:
                self.reel.pin(round(b.t - b.resolution, 2), b.frames[0])
                self.reel.pin(round(b.t, 2), b.frames[1])
        pauses: list[tuple[float, float]] = []
        if self.packets is not None:
            pauses = self.packets.gaps(cfg.pause_min_gap_s)
        hybrid = self.packets is not None and self.mode == "hybrid"
        moved = self.packets.moved if self.packets is not None and hybrid else None
        quiet = self.packets.quiet_spans(cfg.face_min_view_s) if self.packets is not None and hybrid else []
        waybill_times = [r.t for r in self.reads if r.t is not None and not is_product_code(r)]
        story = read_story(
            samples,
            duration,
            cfg,
            segments=[b.t for b in breaks if b.kind == "splice"],
            moved=moved,
            quiet=quiet,
            waybill_times=waybill_times,
        )
        ev = Evidence(
            cfg=cfg,
            case=self.case,
            video=self.facts,
            samples=tuple(samples),
            duration=duration,
            decode=decode,
            breaks=tuple(breaks),
            freezes=tuple(freezes),
            pauses=tuple(pauses),
            story=story,
            reads=tuple(self.reads),
            photos=tuple(photos),
            notes=tuple(notes),
        )
        elements = judge_all(ev)
        keyframes = self._keyframes(elements)
        stats = SamplingStats(
            mode=self.mode,
            packets=decode.packets,
            keyframes=sum(1 for s in samples if s.key),
            frames_analysed=len(samples),
            dense_windows=len(windows),
            dense_seconds=round(sum(w.length for w in windows), 3)
            if self.mode == "hybrid"
            else round(duration, 3),
            decode_error_lines=decode.error_count,
            decoded_until_s=round(decode.decodable_until, 3),
            wall_s=round(wall_s, 3),
        )
        good = [
            s for s in samples if not is_blurred(s, cfg) and not is_dark(s, cfg) and not is_washed_out(s, cfg)
        ]
        summary = {
            "duration_s": round(duration, 3),
            "frames_analysed": float(len(samples)),
            "sharp_exposed_share": round(len(good) / len(samples), 3) if samples else 0.0,
            "faces_estimated": float(story.faces.count),
            "faces_confidence": story.faces.confidence,
            "opening_at_s": story.opening_at if story.opening_at is not None else -1.0,
            "cuts": float(sum(1 for b in breaks if b.kind != "fade")),
            "freezes": float(len(freezes)),
            "pauses": float(len(pauses)),
            "barcode_reads": float(len(self.reads)),
        }
        return Assessment(
            elements=elements,
            video=self.facts,
            photos=tuple(photos),
            analyser_version=__version__,
            barcodes=tuple(self.reads),
            keyframes=keyframes,
            sampling=stats,
            summary=summary,
            fingerprint=self.hasher.result(duration),
        )

    def _keyframes(self, elements: Sequence[object]) -> tuple[KeyFrame, ...]:
        out: dict[float, KeyFrame] = {}
        for result in elements:
            for f in getattr(result, "findings", ()):
                if f.t_start is None or f.media != "video":
                    continue
                for t in {f.t_start, f.t_end} - {None}:
                    assert t is not None
                    kf = self.reel.nearest(t, f"{f.code} @ {t:.1f}s")
                    if kf is not None and kf.t not in out:
                        out[kf.t] = kf
        return tuple(sorted(out.values(), key=lambda k: k.t))


def assess_photos_only(case: CaseFacts, photos: Sequence[PhotoFacts], cfg: AnalysisConfig) -> Assessment:
    """Judge a case that has photos but no video (each element says what the missing video costs)."""
    ev = Evidence(cfg=cfg, case=case, video=None, samples=(), duration=0.0, decode=None, photos=tuple(photos))
    return Assessment(elements=judge_all(ev), video=None, photos=tuple(photos), analyser_version=__version__)
