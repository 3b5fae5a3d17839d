"""一致性: the parcel on camera is this return, and photos and video tell the same story."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from ..barcodes import is_product_code, matches_tracking, normalize_tracking_number, tracking_candidates
from ..model import BarcodeRead, Element, ElementResult, Finding, Severity
from .base import SOURCES, SWAP_CLAIMS, Evidence, conclude, default_rule, text_params

__all__ = ["judge_consistency"]

E = Element.CONSISTENCY
PHOTO_VIDEO_MAX_APART = timedelta(hours=24)


def _fmt(reads: list[BarcodeRead]) -> str:
    counts = Counter((r.text, r.format) for r in reads)
    return ", ".join(f"{text!r} ({fmt}, {n}x)" for (text, fmt), n in counts.most_common(4))


def _label_look(ev: Evidence) -> tuple[float | None, float | None]:
    """The stretch where the sealed parcel (and so its label) is on camera: before the opening,
    else the start of the video; (None, None) when nothing says."""
    story = ev.story
    if story is None or not story.parcel_seen or ev.duration <= 0:
        return None, None
    end = story.opening_at if story.opening_at is not None else min(ev.duration, 10.0)
    return 0.0, round(end, 2)


def _where_to_read(ev: Evidence) -> str:
    start, end = _label_look(ev)
    if start is None or end is None:
        return (
            "a person should look for the waybill in the video and compare it with the return tracking number"
        )
    return (
        f"a person should read the waybill on the sealed parcel ({start:.1f}–{end:.1f} s) and compare "
        "it with the return tracking number"
    )


def judge_consistency(ev: Evidence) -> ElementResult:
    findings: list[Finding] = []
    tracking = ev.case.return_tracking_number
    # the parcel's label as the video shows it; without a video, as the photos show it
    video_reads = (
        [r for r in ev.reads if r.source in ("", "video")]
        if ev.video is not None
        else [r for p in ev.photos for r in p.barcodes]
    )
    waybills = [r for r in video_reads if not is_product_code(r)]
    products = [r for r in video_reads if is_product_code(r)]
    inconclusive = False
    score = 1.0

    if not tracking:
        inconclusive = True
        score = 0.5
        msg = "the case gives no return tracking number to compare the waybill with"
        if waybills:
            msg += f"; the video shows {_fmt(waybills)}"
        findings.append(
            Finding(
                "CONSISTENCY_NO_TRACKING_NUMBER",
                E,
                Severity.WARNING,
                msg,
                source=SOURCES["on_the_spot"],
                params=text_params(variant="reads", reads=_fmt(waybills)) if waybills else {},
            )
        )
    else:
        norm = normalize_tracking_number(tracking)
        matched = [r for r in waybills if matches_tracking(r, tracking)]
        others = [r for r in waybills if not matches_tracking(r, tracking)]
        if matched:
            first = (
                min(r.t for r in matched if r.t is not None)
                if any(r.t is not None for r in matched)
                else None
            )
            findings.append(
                Finding(
                    "CONSISTENCY_WAYBILL_MATCH",
                    E,
                    Severity.INFO,
                    f"waybill {norm} read {len(matched)} time(s), matching the return tracking number",
                    t_start=first,
                    rule="normalised barcode/QR text equals the case's return tracking number",
                    source=SOURCES["principle"],
                    params=text_params(number=norm, count=len(matched)),
                )
            )
            if others:
                findings.append(
                    Finding(
                        "CONSISTENCY_OTHER_WAYBILL",
                        E,
                        Severity.WARNING,
                        f"another label is also in view: {_fmt(others)}; check that only this return is unpacked",
                        t_start=min((r.t for r in others if r.t is not None), default=None),
                        source=SOURCES["principle"],
                        params=text_params(reads=_fmt(others)),
                    )
                )
                score = 0.8
        elif others:
            score = 0.0
            findings.append(
                Finding(
                    "CONSISTENCY_WAYBILL_MISMATCH",
                    E,
                    Severity.FAILURE,
                    f"the waybill on camera reads {_fmt(others)}, not the return tracking number {norm}",
                    t_start=min((r.t for r in others if r.t is not None), default=None),
                    rule="normalised barcode/QR text equals the case's return tracking number",
                    source=SOURCES["principle"],
                    params=text_params(reads=_fmt(others), number=norm),
                )
            )
        else:
            # nothing read is not a different number: a person may still read the label, so say
            # where to look instead of failing the element
            inconclusive = True
            score = 0.3
            findings.append(
                Finding(
                    "CONSISTENCY_WAYBILL_NOT_LEGIBLE",
                    E,
                    Severity.WARNING,
                    "no waybill barcode or QR code could be read by machine anywhere in the video; "
                    + _where_to_read(ev)
                    + "; to be sure, film the label close enough to read before opening",
                    t_start=_label_look(ev)[0],
                    t_end=_label_look(ev)[1],
                    rule=default_rule("barcode_scan_interval_s", ev.cfg.barcode_scan_interval_s, " s"),
                    source=SOURCES["on_the_spot"],
                    params=text_params(
                        variant="look" if _label_look(ev)[0] is not None else "anywhere",
                        scan_s=ev.cfg.barcode_scan_interval_s,
                    ),
                )
            )

    # the item: product barcodes against the order's item codes
    expected = {normalize_tracking_number(c) for c in ev.case.expected_item_codes}
    photo_products = [r for p in ev.photos for r in p.barcodes if is_product_code(r)]
    seen_products = products + photo_products
    if expected and seen_products:
        good = [r for r in seen_products if normalize_tracking_number(r.text) in expected]
        bad = [r for r in seen_products if normalize_tracking_number(r.text) not in expected]
        swap_claimed = (ev.case.claimed_problem or "").lower() in SWAP_CLAIMS
        if bad and not good and swap_claimed:
            # the merchant says a different item came back: a code that is not the order's is
            # the claim shown, not evidence against this parcel (the waybill decides that)
            findings.append(
                Finding(
                    "CONSISTENCY_ITEM_MISMATCH",
                    E,
                    Severity.INFO,
                    f"the goods carry {_fmt(bad)}, not the ordered item's code(s) "
                    f"{', '.join(sorted(expected))}, as the merchant's claim of a swapped item says",
                    t_start=min((r.t for r in bad if r.t is not None), default=None),
                    source=SOURCES["principle"],
                    params=text_params(
                        variant="claimed", reads=_fmt(bad), expected=", ".join(sorted(expected))
                    ),
                )
            )
        elif bad and not good:
            score = 0.0
            findings.append(
                Finding(
                    "CONSISTENCY_ITEM_MISMATCH",
                    E,
                    Severity.FAILURE,
                    f"the goods carry {_fmt(bad)}, not the ordered item's code(s) {', '.join(sorted(expected))}",
                    t_start=min((r.t for r in bad if r.t is not None), default=None),
                    source=SOURCES["principle"],
                    params=text_params(reads=_fmt(bad), expected=", ".join(sorted(expected))),
                )
            )
        elif good:
            findings.append(
                Finding(
                    "CONSISTENCY_ITEM_MATCH",
                    E,
                    Severity.INFO,
                    f"the goods carry the ordered item's code {good[0].text}",
                    t_start=good[0].t,
                    params=text_params(code=good[0].text),
                )
            )

    # photos must agree with the video
    for photo in ev.photos:
        name = photo.name or "photo"
        labels = [r for r in photo.barcodes if not is_product_code(r)]
        if tracking and labels:
            if any(matches_tracking(r, tracking) for r in labels):
                findings.append(
                    Finding(
                        "CONSISTENCY_PHOTO_MATCH",
                        E,
                        Severity.INFO,
                        f"{name} shows the return's waybill",
                        media=name,
                        params=text_params(photo=name),
                    )
                )
            else:
                cands = sorted(
                    {c for r in labels for c in tracking_candidates(r)} or {r.text for r in labels}
                )
                score = 0.0
                findings.append(
                    Finding(
                        "CONSISTENCY_PHOTO_MISMATCH",
                        E,
                        Severity.FAILURE,
                        f"{name} shows waybill {', '.join(cands)}, which is not the return tracking number",
                        media=name,
                        source=SOURCES["principle"],
                        params=text_params(photo=name, numbers=", ".join(cands)),
                    )
                )
        video_time = ev.video.creation_time if ev.video else None
        photo_time = photo.creation_time
        if video_time and photo_time and abs(photo_time.value - video_time.value) > PHOTO_VIDEO_MAX_APART:
            score = min(score, 0.7)
            findings.append(
                Finding(
                    "CONSISTENCY_PHOTO_TIME_APART",
                    E,
                    Severity.WARNING,
                    f"{name} was taken {photo_time.value.isoformat()}, more than a day from the video "
                    f"({video_time.value.isoformat()}): they may not show the same unpacking",
                    media=name,
                    rule=f"proofbox default: photos within {PHOTO_VIDEO_MAX_APART} of the video",
                    params=text_params(
                        photo=name,
                        photo_time=photo_time.value,
                        video_time=video_time.value,
                        max_apart_s=PHOTO_VIDEO_MAX_APART,
                    ),
                )
            )
    return conclude(E, findings, score, inconclusive)
