"""时效性: recorded at the first opening (after sign-for, soon after it) and submitted in time."""

from __future__ import annotations

from datetime import timedelta

from ..model import CreationTime, Element, ElementResult, Finding, Severity
from .base import SOURCES, Evidence, conclude, default_rule, text_params

__all__ = ["judge_timeliness"]

E = Element.TIMELINESS
SOURCES_DISAGREE = timedelta(hours=1)


def _fmt(ct: CreationTime) -> str:
    zone = "" if ct.offset_known else " (zone assumed)"
    return f"{ct.value.isoformat()} [{ct.source}]{zone}"


def _human(delta: timedelta) -> str:
    """A duration for the English fallback message: "12.0 years", "3.5 h"; never "4397 days, 11:08:27"."""
    seconds = abs(delta.total_seconds())
    if seconds >= 365.25 * 86400:
        return f"{seconds / (365.25 * 86400):.1f} years"
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


def judge_timeliness(ev: Evidence) -> ElementResult:
    cfg = ev.cfg
    case = ev.case
    findings: list[Finding] = []
    inconclusive = False
    score = 1.0
    created = ev.video.creation_time if ev.video else None

    if ev.video is not None and len(ev.video.creation_times) > 1:
        values = [ct.value for ct in ev.video.creation_times]
        spread = max(values) - min(values)
        if spread > SOURCES_DISAGREE:
            findings.append(
                Finding(
                    "TIMELINESS_TIMES_DISAGREE",
                    E,
                    Severity.WARNING,
                    f"the file's creation times disagree by {_human(spread)}: "
                    + "; ".join(_fmt(ct) for ct in ev.video.creation_times)
                    + " (metadata may have been rewritten)",
                    rule="creation times within 1 h of each other",
                    params=text_params(
                        spread_s=spread, times="; ".join(_fmt(ct) for ct in ev.video.creation_times)
                    ),
                )
            )
            score *= 0.8

    if created is None:
        inconclusive = True
        score = 0.5
        findings.append(
            Finding(
                "TIMELINESS_NO_CREATION_TIME",
                E,
                Severity.WARNING,
                (
                    "the video carries no creation time, so when it was recorded cannot be checked "
                    "(file modification times are not evidence)"
                    if ev.video is not None
                    else "no video was submitted, so when the first opening was recorded cannot be checked"
                ),
                source=SOURCES["first_opening"],
                params=text_params(variant="video" if ev.video is not None else "no_video"),
            )
        )
    elif case.return_signed_at is None:
        inconclusive = True
        score = 0.5
        findings.append(
            Finding(
                "TIMELINESS_SIGNED_AT_UNKNOWN",
                E,
                Severity.WARNING,
                f"recorded {_fmt(created)}, but the case does not say when the return was signed for",
                source=SOURCES["first_opening"],
                params=text_params(recorded=created.value, recorded_by=created.source),
            )
        )
    else:
        signed = case.return_signed_at
        delta = created.value - signed
        tol = timedelta(seconds=cfg.clock_tolerance_s)
        window = timedelta(hours=cfg.max_record_delay_h)
        if delta < -tol:
            score = 0.0
            findings.append(
                Finding(
                    "TIMELINESS_BEFORE_SIGN_FOR",
                    E,
                    Severity.FAILURE,
                    f"recorded {_fmt(created)}, {_human(delta)} before the return was signed for "
                    f"({signed.isoformat()}): it cannot show the first opening of this return",
                    rule=f"creation time ≥ sign-for time − {cfg.clock_tolerance_s:g} s clock tolerance",
                    source=SOURCES["first_opening"],
                    value=round(delta.total_seconds(), 1),
                    params=text_params(
                        recorded=created.value,
                        recorded_by=created.source,
                        signed=signed,
                        before_s=-delta,
                        tolerance_s=float(cfg.clock_tolerance_s),
                    ),
                )
            )
        elif delta > window:
            score = 0.0
            findings.append(
                Finding(
                    "TIMELINESS_RECORDED_LATE",
                    E,
                    Severity.FAILURE,
                    f"recorded {_fmt(created)}, {_human(delta)} after the return was signed for: not the first "
                    "opening (re-recorded videos are not accepted)",
                    rule=default_rule("max_record_delay_h", cfg.max_record_delay_h, " h")
                    + " (assumption: the seeds require the first opening, not a number of hours)",
                    source=SOURCES["first_opening"],
                    value=round(delta.total_seconds() / 3600, 2),
                    params=text_params(
                        recorded=created.value,
                        recorded_by=created.source,
                        signed=signed,
                        after_s=delta,
                        max_h=float(cfg.max_record_delay_h),
                    ),
                )
            )
        else:
            hours = max(0.0, delta.total_seconds() / 3600)
            findings.append(
                Finding(
                    "TIMELINESS_RECORDED_AFTER_SIGN_FOR",
                    E,
                    Severity.INFO,
                    f"recorded {_fmt(created)}, {hours:.1f} h after the return was signed for",
                    rule=default_rule("max_record_delay_h", cfg.max_record_delay_h, " h"),
                    source=SOURCES["first_opening"],
                    value=round(hours, 2),
                    params=text_params(
                        recorded=created.value,
                        recorded_by=created.source,
                        signed=signed,
                        after_s=max(0.0, delta.total_seconds()),
                        max_h=float(cfg.max_record_delay_h),
                    ),
                )
            )
            score *= 1.0 - 0.3 * min(1.0, hours / cfg.max_record_delay_h)
        if not created.offset_known:
            findings.append(
                Finding(
                    "TIMELINESS_ZONE_ASSUMED",
                    E,
                    Severity.INFO,
                    f"the creation time has no time zone; {cfg.limits.assume_timezone} was assumed",
                    params=text_params(zone=cfg.limits.assume_timezone),
                )
            )

    deadline, submitted = case.evidence_deadline, case.evidence_submitted_at
    if deadline is not None and submitted is not None:
        if submitted > deadline:
            score = 0.0
            findings.append(
                Finding(
                    "TIMELINESS_SUBMITTED_LATE",
                    E,
                    Severity.FAILURE,
                    f"submitted {submitted.isoformat()}, {_human(submitted - deadline)} after the evidence "
                    f"deadline {deadline.isoformat()}",
                    rule="evidence submitted before the end of the evidence period (举证期)",
                    source=SOURCES["in_time"],
                    value=round((submitted - deadline).total_seconds() / 3600, 2),
                    params=text_params(submitted=submitted, deadline=deadline, late_s=submitted - deadline),
                )
            )
        else:
            findings.append(
                Finding(
                    "TIMELINESS_SUBMITTED_IN_TIME",
                    E,
                    Severity.INFO,
                    f"submitted {submitted.isoformat()}, before the evidence deadline {deadline.isoformat()}",
                    source=SOURCES["in_time"],
                    params=text_params(submitted=submitted, deadline=deadline),
                )
            )
        if created is not None and created.value > submitted + timedelta(seconds=cfg.clock_tolerance_s):
            findings.append(
                Finding(
                    "TIMELINESS_CREATED_AFTER_SUBMISSION",
                    E,
                    Severity.FAILURE,
                    f"the file claims to be recorded ({created.value.isoformat()}) after it was submitted: its clock "
                    "or metadata is wrong",
                    source=SOURCES["first_opening"],
                    params=text_params(recorded=created.value, submitted=submitted),
                )
            )
            score = 0.0
    else:
        inconclusive = True
        score = min(score, 0.6)
        missing = " and ".join(
            n for n, v in (("evidence deadline", deadline), ("submission time", submitted)) if v is None
        )
        findings.append(
            Finding(
                "TIMELINESS_SUBMISSION_UNKNOWN",
                E,
                Severity.WARNING,
                f"the case has no {missing}, so timely submission cannot be checked",
                source=SOURCES["in_time"],
                params=text_params(
                    variant="both"
                    if deadline is None and submitted is None
                    else "deadline"
                    if deadline is None
                    else "submitted"
                ),
            )
        )
    return conclude(E, findings, score, inconclusive)
