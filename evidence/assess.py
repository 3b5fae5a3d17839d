"""Assessing evidence files: the I/O edge that probes, decodes and feeds the pure analyser.

Per video: one ffprobe of the header, one ffprobe of the packet index (no decoding), then either
a keyframe pass plus short dense windows (hybrid) or a single dense pass. Photos are probed and
their pixels read once for barcodes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from .analyzer import VideoAnalyzer, assess_photos_only
from .barcodes import read_barcodes
from .config import AnalysisConfig
from .elements import DecodeSummary
from .errors import InvalidInput, TruncatedMedia, UndecodableMedia
from .fingerprint import photo_fingerprint
from .media.decode import DecodeLog, DecodeRequest, decode
from .media.photos import load_photo
from .media.probe import PacketTable, probe_video, read_packets
from .model import Assessment, CaseFacts, Finding, PhotoFacts, VideoFacts
from .sampling import PacketEvidence, Window

__all__ = ["assess", "assess_photo", "fit_size"]

PHOTO_SCAN_MAX_SIDE = 2400
Progress = Callable[[str, float], None]


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(w, h) scaled to fit ``max_side`` (never enlarged), both even."""
    scale = min(1.0, max_side / max(width, height, 1))
    w = max(2, round(width * scale / 2) * 2)
    h = max(2, round(height * scale / 2) * 2)
    return w, h


def assess_photo(path: Path, cfg: AnalysisConfig, name: str = "") -> PhotoFacts:
    """Probe a photo and read the barcodes on it (raises a MediaError for a bad photo)."""
    facts, pixels = load_photo(path, cfg.limits)
    grey = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY) if pixels.ndim == 3 else pixels
    h, w = grey.shape[:2]
    if max(h, w) > PHOTO_SCAN_MAX_SIDE:
        sw, sh = fit_size(w, h, PHOTO_SCAN_MAX_SIDE)
        grey = cv2.resize(grey, (sw, sh), interpolation=cv2.INTER_AREA)
    reads = read_barcodes(grey, try_harder=True, source=name or path.name)
    return replace(
        facts,
        barcodes=tuple(reads),
        name=name or facts.name or path.name,
        fingerprint=photo_fingerprint(grey),
    )


def _decodable_until(
    facts: VideoFacts, packets: PacketTable | None, pe: PacketEvidence | None, log: DecodeLog, mode: str
) -> float:
    """How much of the video really decodes: frames reached, bounded by the packets present."""
    frame_dt = 1.0 / facts.frame_rate if facts.frame_rate > 0 else 0.04
    reached = log.last_t + frame_dt if log.last_t >= 0 else 0.0
    if pe is None or packets is None or len(packets) == 0:
        return reached
    packet_end = float(pe.t[-1]) + frame_dt
    if mode == "hybrid":
        keys = pe.keyframe_times
        last_key = float(keys[-1]) if len(keys) else 0.0
        # every keyframe decoded up to the last one the file holds: the packets after it are there too
        return packet_end if log.last_t >= last_key - 1e-3 else reached
    return min(packet_end, reached + 1.0 / 5.0) if reached > 0 else 0.0


def assess(
    video: Path | None,
    case: CaseFacts,
    photos: Sequence[Path] = (),
    cfg: AnalysisConfig | None = None,
    *,
    photo_names: Sequence[str] = (),
    progress: Progress | None = None,
) -> Assessment:
    """The four elements for a case's evidence files. Raises a MediaError for unusable media."""
    cfg = cfg or AnalysisConfig()
    if photo_names and len(photo_names) != len(photos):
        raise InvalidInput("one name per photo", field="photo_names")
    photo_facts = [assess_photo(p, cfg, photo_names[i] if photo_names else "") for i, p in enumerate(photos)]
    if video is None:
        return assess_photos_only(case, photo_facts, cfg)
    started = time.perf_counter()
    report = progress or (lambda stage, fraction: None)
    facts = probe_video(video, cfg.limits)
    report("probed", 0.02)
    packets = read_packets(video, facts.stream.index, cfg.limits)
    pe = PacketEvidence(packets.pts, packets.size, packets.key, cfg) if len(packets) >= 2 else None
    origin = pe.origin if pe is not None else 0.0
    analyzer = VideoAnalyzer(facts, pe, case, cfg)
    width, height = (facts.display_width or facts.width), (facts.display_height or facts.height)
    detail = fit_size(width, height, cfg.detail_max_side)
    small = fit_size(width, height, cfg.analysis_max_side)
    native = fit_size(width, height, cfg.native_max_side) if cfg.native_max_side > 0 else None
    declared = facts.duration_s or (float(pe.t[-1]) if pe is not None else 0.0)
    timeout = cfg.limits.decode_timeout(declared)
    deadline = time.monotonic() + timeout
    log = DecodeLog()
    stream_index = facts.stream.index
    windows: list[Window] = []

    def remaining() -> float:
        return max(5.0, deadline - time.monotonic())

    def feed(
        request: DecodeRequest,
        dense: bool,
        span: tuple[float, float],
        into: DecodeLog | None = None,
    ) -> int:
        stream = analyzer.new_stream()
        sink = analyzer.native_sink(stream) if request.native_size is not None else None
        for t, key, image, detail in decode(request, into or log, sink):
            analyzer.add(stream, t, key, image, detail, dense)
            if declared > 0:
                a, b = span
                report("decoding", 0.05 + 0.9 * min(1.0, a + (b - a) * max(0.0, t) / declared))
        return stream

    def dense_pass() -> None:
        # one pass at the window rate: nothing needs decoding again afterwards
        req = DecodeRequest(
            video,
            stream_index,
            origin,
            small,
            min_interval=1.0 / cfg.dense_fps,
            timeout_s=remaining(),
            threads=cfg.decoder_threads,
            detail_size=detail,
            detail_every=max(1, round(cfg.barcode_scan_interval_s * cfg.dense_fps)),
            native_size=native,
        )
        feed(req, True, (0.0, 1.0))

    mode = analyzer.mode
    if mode == "hybrid":
        req = DecodeRequest(
            video,
            stream_index,
            origin,
            detail,
            keyframes_only=True,
            min_interval=0.5 / cfg.analysis_fps,
            timeout_s=remaining(),
            threads=cfg.decoder_threads,
            detail_size=detail,
        )
        feed(req, False, (0.0, 0.4))
    else:
        dense_pass()
    first_pass_until = log.last_t
    windows = analyzer.windows(declared or max(0.0, log.last_t))
    covered = sum(w.length for w in windows)
    if mode == "hybrid" and declared > 0 and covered > cfg.max_dense_fraction * declared:
        # too much happens between keyframes: read the whole video densely instead
        analyzer.mode = mode = "dense"
        dense_pass()
        first_pass_until = max(first_pass_until, log.last_t)
        windows = analyzer.windows(declared)
    if mode == "dense":  # the dense pass sampled everything at the window rate already
        windows = []
    keys = pe.keyframe_times if pe is not None else np.zeros(0)
    dropped: list[tuple[Window, int]] = []
    for w in windows:
        # start decoding a little before the keyframe ahead of the window (see DecodeRequest)
        before = keys[keys <= w.start + 1e-6]
        seek = max(0.0, float(before[-1]) - 0.25) if len(before) else 0.0
        req = DecodeRequest(
            video,
            stream_index,
            origin,
            small,
            start=w.start,
            end=w.end,
            seek_to=seek,
            min_interval=1.0 / cfg.window_fps,
            timeout_s=remaining(),
            threads=cfg.decoder_threads,
            native_size=native,
        )
        window_log = DecodeLog()
        stream = feed(req, True, (0.4, 1.0), into=window_log)
        if window_log.error_count:
            # decoding from mid-stream went wrong (a damaged stretch, or a demuxer that cannot seek
            # this file cleanly): its frames may be garbage, so the first pass stands for it
            analyzer.drop_stream(stream)
            dropped.append((w, window_log.error_count))
    log.last_t = max(log.last_t, first_pass_until)

    if log.frames == 0:
        detail_msg = f": {log.errors[0]}" if log.errors else ""
        raise UndecodableMedia(f"{video.name}: no frame of the video stream could be decoded{detail_msg}")
    until = _decodable_until(facts, packets, pe, log, mode)
    summary = DecodeSummary(
        mode=mode,
        error_count=log.error_count,
        errors=tuple(log.errors),
        decodable_until=until,
        declared_duration=declared,
        frames_analysed=len(analyzer.samples),
        packets=len(packets),
        declared_frames=packets.declared_frames,
        dropped_windows=tuple((round(w.start, 2), round(w.end, 2), n) for w, n in dropped),
    )
    if declared > 0 and summary.coverage < cfg.min_decoded_coverage and declared - until > 1.0:
        raise TruncatedMedia(
            f"{video.name}: only {until:.1f} s of the {declared:.1f} s the file declares can be decoded; "
            "the file is truncated (an interrupted copy or upload). Upload the complete original recording.",
            code="TRUNCATED",
        )
    report("judging", 0.97)
    result = analyzer.finish(summary, photo_facts, windows, wall_s=time.perf_counter() - started)
    report("done", 1.0)
    return within_video(result, max(declared, until))


END_TOLERANCE_S = 0.05


def within_video(assessment: Assessment, duration: float) -> Assessment:
    """No finding points at a time beyond the end of the video (a case may name one, e.g. where the
    damage is shown): such a time is dropped from ``t_start``/``t_end`` and kept as the parameters
    ``named_at_s`` and ``duration_s`` with ``variant="beyond_end"``, so the text can say what happened."""
    if duration <= 0:
        return assessment

    def fix(f: Finding) -> Finding:
        beyond = [t for t in (f.t_start, f.t_end) if t is not None and t > duration + END_TOLERANCE_S]
        if not beyond:
            return f
        params = {
            **f.params,
            "named_at_s": f"{beyond[0]:g}",
            "duration_s": f"{duration:.1f}",
            "variant": "beyond_end",
        }
        start = f.t_start if f.t_start is not None and f.t_start <= duration + END_TOLERANCE_S else None
        message = (
            f"{f.message} (the time named, {beyond[0]:.1f} s, is after the end of the {duration:.1f} s video)"
        )
        return replace(
            f, t_start=start, t_end=None if start is None else f.t_end, params=params, message=message
        )

    elements = tuple(replace(e, findings=tuple(fix(f) for f in e.findings)) for e in assessment.elements)
    return replace(assessment, elements=elements)
