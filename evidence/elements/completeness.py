"""完整性: the whole unpacking in one continuous take, sealed parcel and six faces first."""

from __future__ import annotations

import math

from ..model import Element, ElementResult, Finding, Severity
from .base import SOURCES, Evidence, conclude, default_rule

__all__ = ["judge_completeness"]

E = Element.COMPLETENESS


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
        kind = "SPLICE" if b.kind == "splice" else "CUT"
        what = (
            "two different takes are joined here (the background and light change at once)"
            if b.kind == "splice"
            else "the picture jumps here: frames were cut out or the recording was restarted"
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
        if b.kind == "splice":
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
            )
        )
        score *= 0.4
    if not ev.breaks and not ev.pauses and not ev.freezes:
        findings.append(
            Finding(
                "COMPLETENESS_CONTINUOUS",
                E,
                Severity.INFO,
                "one continuous take: no cut, splice, pause or frozen run found",
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
            )
        )
        score *= 0.3

    story = ev.story
    if story is None or not story.parcel_seen:
        findings.append(
            Finding(
                "COMPLETENESS_NO_PARCEL",
                E,
                Severity.FAILURE,
                "no parcel could be found in the video (a box or bag standing out from the surface it is on)",
                source=SOURCES["complete"],
            )
        )
        return conclude(E, findings, 0.0)

    if story.open_from_start or story.sealed_at_start is False:
        findings.append(
            Finding(
                "COMPLETENESS_NOT_SEALED_AT_START",
                E,
                Severity.FAILURE,
                "the parcel is already open when the video starts; it must be filmed sealed, then opened",
                t_start=0.0,
                source=SOURCES["first_opening"],
            )
        )
        score *= 0.2
    elif story.sealed_at_start:
        findings.append(
            Finding(
                "COMPLETENESS_SEALED_AT_START",
                E,
                Severity.INFO,
                "the parcel is sealed when the video starts",
                t_start=0.0,
            )
        )
    else:
        inconclusive = True
        findings.append(
            Finding(
                "COMPLETENESS_START_UNCLEAR",
                E,
                Severity.WARNING,
                "cannot tell whether the parcel is sealed at the start",
                t_start=0.0,
            )
        )

    faces = story.faces
    face_times = ", ".join(f"{t:.1f}" for t in faces.times)
    if faces.count >= cfg.required_faces:
        findings.append(
            Finding(
                "COMPLETENESS_SIX_FACES",
                E,
                Severity.INFO,
                f"{faces.count} distinct faces of the sealed parcel shown before opening ("
                + (
                    f"{faces.raw_clusters} groups of similar views, "
                    if faces.raw_clusters > faces.count
                    else ""
                )
                + f"at {face_times} s; "
                f"confidence {faces.confidence:.2f}, nearest two faces differ {faces.nearest_ratio:.1f}x the threshold)",
                t_start=faces.times[0] if faces.times else None,
                rule=f"{cfg.required_faces} faces required; views differ when distance ≥ {cfg.face_distinct_threshold:g}",
                source=SOURCES["complete"],
                value=float(faces.count),
            )
        )
        score *= 0.6 + 0.4 * faces.confidence
    elif faces.held_views < cfg.required_faces:
        findings.append(
            Finding(
                "COMPLETENESS_FACES_MISSING",
                E,
                Severity.FAILURE,
                f"only {faces.count} of the parcel's {cfg.required_faces} faces are shown before it is opened"
                + (f" (at {face_times} s)" if face_times else "")
                + f"; it was held still {faces.held_views} time(s); confidence {faces.confidence:.2f}",
                t_start=faces.times[0] if faces.times else None,
                rule=f"{cfg.required_faces} faces required (包裹六個面都需要出鏡)",
                source=SOURCES["complete"],
                value=float(faces.count),
            )
        )
        score *= faces.count / cfg.required_faces
    else:
        inconclusive = True
        findings.append(
            Finding(
                "COMPLETENESS_FACES_UNCERTAIN",
                E,
                Severity.WARNING,
                f"the parcel was held still {faces.held_views} times but only {faces.count} faces look distinct: "
                f"its faces may look alike (confidence {faces.confidence:.2f}); a reviewer should check",
                rule=f"{cfg.required_faces} faces required",
                source=SOURCES["complete"],
                value=float(faces.count),
            )
        )

    if story.opening_at is not None and not story.open_from_start:
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
        findings.append(
            Finding(
                "COMPLETENESS_OPENING_NOT_SHOWN",
                E,
                Severity.FAILURE,
                "the opening of the parcel is never shown",
                source=SOURCES["complete"],
            )
        )
        score *= 0.3
    if story.contents is not None:
        findings.append(
            Finding(
                "COMPLETENESS_CONTENTS_SHOWN",
                E,
                Severity.INFO,
                f"the contents are shown from {story.contents.start:.1f} s to {story.contents.end:.1f} s",
                t_start=story.contents.start,
                t_end=story.contents.end,
            )
        )
    else:
        findings.append(
            Finding(
                "COMPLETENESS_CONTENTS_NOT_SHOWN",
                E,
                Severity.FAILURE,
                "the contents are never shown after opening",
                source=SOURCES["complete"],
            )
        )
        score *= 0.4
    return conclude(E, findings, score, inconclusive)
