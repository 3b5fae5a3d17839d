"""完整性: the whole unpacking in one continuous take, sealed parcel and six faces first."""

from __future__ import annotations

import math

from ..continuity import Break
from ..model import Element, ElementResult, Finding, Severity
from .base import CLAUSES, SOURCES, Evidence, conclude, default_rule, text_params

__all__ = ["judge_completeness"]

E = Element.COMPLETENESS


def _transition(b: Break, ev: Evidence) -> Finding:
    cfg = ev.cfg
    start = b.t - b.resolution
    return Finding(
        "COMPLETENESS_TRANSITION",
        E,
        Severity.FAILURE,
        f"the picture fades to black and back between {start:.1f} s and {b.t:.1f} s: an editor's transition, "
        "so this is not one continuous take and what happened during the black is not shown"
        f" (seen as {', '.join(b.evidence)})",
        t_start=round(start, 2),
        t_end=round(b.t, 2),
        rule=(
            f"frames darker than {cfg.fade_black_luma:g} (grey mean) and flat (deviation ≤ {cfg.fade_black_std:g}) "
            f"between lit pictures (≥ {cfg.fade_lit_luma:g}), reached or left by a steady fade of at least "
            f"{cfg.fade_min_frames} frames within {cfg.fade_max_s:g} s whose contrast keeps in proportion"
        ),
        source=SOURCES["complete"],
        value=round(b.resolution, 2),
        params=text_params(
            seen=CLAUSES.join(b.evidence),
            black_luma=cfg.fade_black_luma,
            black_std=cfg.fade_black_std,
            lit_luma=cfg.fade_lit_luma,
            fade_frames=cfg.fade_min_frames,
            fade_max_s=cfg.fade_max_s,
        ),
    )


def judge_completeness(ev: Evidence) -> ElementResult:
    cfg = ev.cfg
    findings: list[Finding] = []
    score = 1.0
    inconclusive = False
    if ev.video is None:
        return conclude(
            E,
            [
                Finding(
                    "COMPLETENESS_NO_VIDEO",
                    E,
                    Severity.FAILURE,
                    "no unboxing video was submitted; photos cannot show the whole unpacking in one take",
                    source=SOURCES["complete"],
                )
            ],
            0.0,
        )

    for b in ev.breaks:
        if b.kind == "fade":
            findings.append(_transition(b, ev))
            score *= 0.3
            continue
        kind = "SPLICE" if b.kind == "splice" else "CUT"
        what = (
            "the scene changes at once here (the colours and light of the whole picture): another take was "
            "joined, or frames were cut out while the camera moved far"
            if b.kind == "splice"
            else "the picture jumps here within the same scene: frames were cut out or the recording was restarted"
        )
        native = not math.isnan(b.persist)
        if native:
            rule = (
                f"a single-frame change ≥ {cfg.cut_native_min:g} and ≥ {cfg.cut_native_ratio_min:g}x the frame "
                f"changes around it that persists (≥ {cfg.cut_persist_min:g} of it for {cfg.cut_persist_window_s:g} s "
                f"either side), and either ≥ {cfg.cut_native_ratio:g}x or an edit trace in the packets "
                f"(change ≥ {cfg.cut_native_marked_min:g})"
            )
        else:
            rule = (
                f"content change ≥ {cfg.cut_min_score:g} and ≥ {cfg.cut_adaptive_ratio:g}x its neighbours, "
                f"or frame alignment collapsing to ≤ {cfg.cut_align_max:g} between well-aligned neighbours "
                "with a near-intra P-frame, or a near-intra P-frame with the pixels changing more than around it"
            )
        if b.kind == "splice" and native:
            rule += (
                f"; palette (hue-saturation histogram) distance ≥ {cfg.splice_palette_distance:g} "
                f"(averaged over {cfg.cut_side_s:g} s either side)"
            )
        elif b.kind == "splice":
            rule += f"; background shift ≥ {cfg.splice_background_shift:g} (averaged over {cfg.cut_side_s:g} s either side)"
        why = f"; seen as {', '.join(b.evidence)}" if b.evidence else ""
        findings.append(
            Finding(
                f"COMPLETENESS_{kind}",
                E,
                Severity.FAILURE,
                f"{what} at {b.t:.1f} s (change {b.content:.0f} vs {b.neighbours:.0f} around it{why})",
                t_start=round(b.t - b.resolution, 2),
                t_end=round(b.t, 2),
                rule=rule,
                source=SOURCES["complete"],
                value=round(b.content, 1),
                params=text_params(
                    variant="native" if native else "adaptive",
                    change=round(b.content, 1),
                    around=round(b.neighbours, 1),
                    seen=CLAUSES.join(b.evidence) or None,
                    native_min=cfg.cut_native_min,
                    native_ratio_min=cfg.cut_native_ratio_min,
                    persist_min=cfg.cut_persist_min,
                    persist_window_s=cfg.cut_persist_window_s,
                    native_ratio=cfg.cut_native_ratio,
                    marked_min=cfg.cut_native_marked_min,
                    min_score=cfg.cut_min_score,
                    adaptive_ratio=cfg.cut_adaptive_ratio,
                    align_max=cfg.cut_align_max,
                    palette=cfg.splice_palette_distance,
                    background=cfg.splice_background_shift,
                    side_s=cfg.cut_side_s,
                ),
            )
        )
        score *= 0.3
    for t, gap in ev.pauses:
        findings.append(
            Finding(
                "COMPLETENESS_PAUSE",
                E,
                Severity.FAILURE,
                f"recording paused at {t:.1f} s: no frames for {gap:.1f} s",
                t_start=round(t, 2),
                t_end=round(t + gap, 2),
                rule=f"timestamp gap ≥ {cfg.pause_min_gap_s:g} s",
                source=SOURCES["complete"],
                value=round(gap, 2),
                params=text_params(gap_s=round(gap, 2), min_gap_s=cfg.pause_min_gap_s),
            )
        )
        score *= 0.3
    for f in ev.freezes:
        findings.append(
            Finding(
                "COMPLETENESS_FROZEN",
                E,
                Severity.FAILURE,
                f"the picture is frozen from {f.start:.1f} s to {f.end:.1f} s ({f.length:.1f} s of identical frames)",
                t_start=round(f.start, 2),
                t_end=round(f.end, 2),
                rule=f"frames identical (mean difference ≤ {cfg.freeze_max_diff:g}) for ≥ {cfg.freeze_min_s:g} s",
                source=SOURCES["complete"],
                value=round(f.length, 2),
                params=text_params(
                    length_s=round(f.length, 2), max_diff=cfg.freeze_max_diff, min_s=cfg.freeze_min_s
                ),
            )
        )
        score *= 0.4
    if not ev.breaks and not ev.pauses and not ev.freezes:
        findings.append(
            Finding(
                "COMPLETENESS_CONTINUOUS",
                E,
                Severity.INFO,
                "one continuous take: no cut, splice, fade, pause or frozen run found",
            )
        )

    if ev.duration < cfg.min_duration_s:
        findings.append(
            Finding(
                "COMPLETENESS_TOO_SHORT",
                E,
                Severity.FAILURE,
                f"the video lasts {ev.duration:.1f} s; showing the sealed parcel, its six faces, the opening "
                f"and the contents takes at least {cfg.min_duration_s:g} s",
                t_start=0.0,
                t_end=round(ev.duration, 2),
                rule=default_rule("min_duration_s", cfg.min_duration_s, " s"),
                source=SOURCES["complete"],
                value=round(ev.duration, 2),
                params=text_params(duration_s=round(ev.duration, 2), min_s=cfg.min_duration_s),
            )
        )
        score *= 0.3

    story = ev.story
    if story is None or not story.parcel_seen:
        # judge nothing about faces, opening or contents of a parcel that was not recognised
        findings.append(
            Finding(
                "COMPLETENESS_NO_PARCEL_RECOGNISED",
                E,
                Severity.WARNING,
                "no parcel was recognised: no waybill label could be read and no parcel was followed "
                "across the video, so proofbox does not judge its faces, opening or contents; this may "
                "not be an unboxing video: a person should watch it",
                t_start=0.0,
                t_end=round(ev.duration, 2),
                rule="a parcel is recognised by a readable waybill, or by an object standing out from the "
                f"surface over ≥ {cfg.parcel_object_share:.0%} of the video, held still ≥ "
                f"{cfg.parcel_min_holds} times (≥ {cfg.parcel_min_holds_at_edge} times when it runs off the "
                "frame's edge)",
                source=SOURCES["complete"],
                params=text_params(
                    min_holds=cfg.parcel_min_holds,
                    object_share=cfg.parcel_object_share,
                    min_holds_edge=cfg.parcel_min_holds_at_edge,
                ),
            )
        )
        return conclude(E, findings, score * 0.5, inconclusive=True)

    holds = ", ".join(f"{h.start:.1f}–{h.end:.1f}" for h in story.holds[:8])
    if story.open_from_start or story.sealed_at_start is False:
        findings.append(
            Finding(
                "COMPLETENESS_NOT_SEALED_AT_START",
                E,
                Severity.FAILURE,
                "the parcel already looks open when the video starts (its interior or contents are in view "
                "and no sealed parcel or waybill is shown first); it must be filmed sealed, then opened",
                t_start=0.0,
                t_end=round(min(ev.duration, 2.0), 2),
                rule=f"an open look (dark share +{cfg.open_dark_rise:g} or colourful share "
                f"+{cfg.open_other_rise:g} over the sealed parcel) held ≥ {cfg.opening_min_s:g} s from the start",
                source=SOURCES["first_opening"],
                params=text_params(
                    dark_rise=cfg.open_dark_rise,
                    other_rise=cfg.open_other_rise,
                    opening_min_s=cfg.opening_min_s,
                ),
            )
        )
        score *= 0.2
    elif story.sealed_at_start:
        findings.append(
            Finding(
                "COMPLETENESS_SEALED_AT_START",
                E,
                Severity.INFO,
                "the parcel is sealed when the video starts"
                + (" (its waybill is shown first)" if story.parcel == "waybill" else ""),
                t_start=0.0,
                params=text_params(variant="waybill") if story.parcel == "waybill" else {},
            )
        )
    else:
        inconclusive = True
        findings.append(
            Finding(
                "COMPLETENESS_START_UNCLEAR",
                E,
                Severity.WARNING,
                "cannot tell whether the parcel is sealed at the start: a person should check the first seconds",
                t_start=0.0,
                t_end=round(min(ev.duration, 3.0), 2),
            )
        )

    faces = story.faces
    face_times = ", ".join(f"{t:.1f}" for t in faces.times)
    opening_seen = story.opening_at is not None and not story.open_from_start
    if faces.count >= cfg.required_faces or faces.held_views >= cfg.required_faces:
        distinct = (
            f"{faces.count} distinct views at {face_times} s"
            if faces.count >= cfg.required_faces
            else f"held still {faces.held_views} times with turns between; {faces.count} views look distinct "
            "(faces of a plain parcel can look alike)"
        )
        findings.append(
            Finding(
                "COMPLETENESS_SIX_FACES",
                E,
                Severity.INFO,
                f"the sealed parcel is turned through its faces before opening: {distinct} "
                f"(confidence {faces.confidence:.2f})",
                t_start=faces.times[0] if faces.times else None,
                rule=f"{cfg.required_faces} faces required: {cfg.required_faces} distinct views, or "
                f"{cfg.required_faces} holds with the parcel turned between",
                source=SOURCES["complete"],
                value=float(max(faces.count, min(faces.held_views, cfg.required_faces))),
                params=text_params(
                    variant=None if faces.count >= cfg.required_faces else "held",
                    count=faces.count,
                    held=faces.held_views,
                    times=face_times,
                    confidence=round(faces.confidence, 2),
                    required=cfg.required_faces,
                ),
            )
        )
        score *= 0.6 + 0.4 * faces.confidence
    else:
        inconclusive = True
        where = f"before {story.opening_at:.1f} s" if opening_seen else f"the steady stretches ({holds} s)"
        # Never a FAIL: few holds or few distinct views is an absence, not proof. Faces of a plain
        # parcel look alike, a parcel may be turned without stopping, keyframe-only sampling cannot
        # time a hold, and hands holding the parcel can make its opening look earlier than it is.
        findings.append(
            Finding(
                "COMPLETENESS_FACES_UNCERTAIN",
                E,
                Severity.WARNING,
                f"could not confirm that all {cfg.required_faces} faces are shown: the parcel was held still "
                f"{faces.held_views} time(s) and {faces.count} views look distinct; a person should check {where}",
                t_start=0.0,
                t_end=story.opening_at if opening_seen else None,
                rule=f"{cfg.required_faces} faces required",
                source=SOURCES["complete"],
                value=float(faces.count),
                params=text_params(
                    variant="before_opening" if opening_seen else "holds",
                    required=cfg.required_faces,
                    held=faces.held_views,
                    count=faces.count,
                    opening_s=story.opening_at if opening_seen else None,
                    holds=holds,
                ),
            )
        )

    if opening_seen:
        assert story.opening_at is not None
        findings.append(
            Finding(
                "COMPLETENESS_OPENING_SHOWN",
                E,
                Severity.INFO,
                f"the parcel is opened on camera at {story.opening_at:.1f} s",
                t_start=story.opening_at,
            )
        )
    elif not story.open_from_start:
        inconclusive = True
        findings.append(
            Finding(
                "COMPLETENESS_OPENING_UNCONFIRMED",
                E,
                Severity.WARNING,
                "could not confirm where the parcel is opened (no sustained change to an open look was "
                f"measured); a person should check the steady stretches ({holds} s)",
                source=SOURCES["complete"],
                params=text_params(holds=holds),
            )
        )
    if story.contents is not None:
        findings.append(
            Finding(
                "COMPLETENESS_CONTENTS_SHOWN",
                E,
                Severity.INFO,
                f"the open parcel and its contents are in view from {story.contents.start:.1f} s "
                f"to {story.contents.end:.1f} s",
                t_start=story.contents.start,
                t_end=story.contents.end,
            )
        )
    elif opening_seen:
        assert story.opening_at is not None
        inconclusive = True
        findings.append(
            Finding(
                "COMPLETENESS_CONTENTS_UNCONFIRMED",
                E,
                Severity.WARNING,
                f"could not confirm that the contents are shown after the opening at {story.opening_at:.1f} s; "
                "a person should check the rest of the video",
                t_start=story.opening_at,
                t_end=round(ev.duration, 2),
                source=SOURCES["complete"],
            )
        )
    return conclude(E, findings, score, inconclusive)
