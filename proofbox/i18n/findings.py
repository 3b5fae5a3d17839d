"""The catalogue of finding texts, keyed by finding code (and a ``variant`` parameter).

A finding is stored as its code and language-neutral parameters (``Finding.params``, plus its
``t_start``, ``t_end`` and ``value``); its message and rule are written from them in the language a
reader asks for. Each entry is an English template, marked with ``F_(code, template)`` so Babel
extracts it with the code as the message context (``msgctxt``); the Chinese text is that entry's
translation in ``proofbox/locale/zh_CN/LC_MESSAGES/proofbox.po``.

Codes may list several templates, richest first. English uses only the first: when the finding
lacks a parameter it needs (an older stored result, or an element that does not send parameters
yet), the element's own English message is shown. Other languages take the first template whose
parameters are all present, so a reader always gets a sentence in their language.

Format specs beyond Python's: ``{t:time}`` seconds into the video, ``{d:duration}`` seconds in
human units, ``{at:datetime}`` an ISO 8601 time in Beijing time, ``{x:yuan}`` (``proofbox.i18n``).
"""

from __future__ import annotations

from collections.abc import Mapping

from . import fill, gettext

__all__ = ["FINDINGS", "F_", "RULES", "render_finding_message", "render_finding_rule"]


def F_(code: str, template: str) -> tuple[str, str]:
    """Mark ``template`` as the text of finding ``code`` (Babel keyword ``F_:1c,2``)."""
    return code, template


_MESSAGES = (
    # --- 一致性 consistency, 完整性 completeness, 有效性 validity ------------------------------------
    # Per code the richest template first (written from the finding's params: what was measured and
    # the thresholds), then shorter ones written only from its times and value, for results stored
    # before the elements sent params. English uses only the first (else the element's own message).
    F_(
        "COMPLETENESS_NO_VIDEO",
        "no unboxing video was submitted; photos cannot show the whole unpacking in one take",
    ),
    F_(
        "COMPLETENESS_CUT",
        "the picture jumps at {t_end:time} within the same scene: frames were cut out or the recording was "
        "restarted (change {change:.0f} vs {around:.0f} around it; seen as {seen:clauses})",
    ),
    F_(
        "COMPLETENESS_CUT",
        "the picture jumps at {t_end:time}: frames were cut out or the recording was restarted",
    ),
    F_(
        "COMPLETENESS_SPLICE",
        "the scene changes at once at {t_end:time} (the colours and light of the whole picture): another take "
        "was joined, or frames were cut out while the camera moved far (change {change:.0f} vs {around:.0f} "
        "around it; seen as {seen:clauses})",
    ),
    F_(
        "COMPLETENESS_SPLICE",
        "the scene changes at once at {t_end:time} (the colours and light of the whole picture): another take "
        "was joined, or frames were cut out while the camera moved far",
    ),
    F_(
        "COMPLETENESS_TRANSITION",
        "the picture fades to black and back between {t_start:time} and {t_end:time}: an editor's transition, "
        "so this is not one continuous take and what happened during the black is not shown "
        "(seen as {seen:clauses})",
    ),
    F_(
        "COMPLETENESS_TRANSITION",
        "the picture fades to black and back between {t_start:time} and {t_end:time}: an editor's transition, "
        "so this is not one continuous take",
    ),
    F_("COMPLETENESS_PAUSE", "recording paused at {t_start:time}: no frames for {gap_s:time}"),
    F_("COMPLETENESS_PAUSE", "recording paused at {t_start:time}: no frames for {value:g} s"),
    F_(
        "COMPLETENESS_FROZEN",
        "the picture is frozen from {t_start:time} to {t_end:time} ({length_s:time} of identical frames)",
    ),
    F_("COMPLETENESS_FROZEN", "the picture is frozen from {t_start:time} to {t_end:time}"),
    F_("COMPLETENESS_CONTINUOUS", "one continuous take: no cut, splice, fade, pause or frozen run found"),
    F_(
        "COMPLETENESS_TOO_SHORT",
        "the video lasts {duration_s:time}; showing the sealed parcel, its six faces, the opening and the "
        "contents takes at least {min_s:g} s",
    ),
    F_(
        "COMPLETENESS_TOO_SHORT",
        "the video lasts only {value:g} s; showing the sealed parcel, its six faces, the opening and the contents takes longer",
    ),
    F_(
        "COMPLETENESS_NO_PARCEL",
        "no parcel could be found in the video (a box or bag standing out from the surface it is on)",
    ),
    F_(
        "COMPLETENESS_NO_PARCEL_RECOGNISED",
        "no parcel was recognised: no waybill label could be read and no parcel was followed across the "
        "video, so proofbox does not judge its faces, opening or contents; this may not be an unboxing "
        "video: a person should watch it",
    ),
    F_(
        "COMPLETENESS_NOT_SEALED_AT_START",
        "the parcel already looks open when the video starts (its interior or contents are in view and no "
        "sealed parcel or waybill is shown first); it must be filmed sealed, then opened",
    ),
    F_("COMPLETENESS_SEALED_AT_START", "the parcel is sealed when the video starts"),
    F_(
        "COMPLETENESS_SEALED_AT_START/waybill",
        "the parcel is sealed when the video starts (its waybill is shown first)",
    ),
    F_(
        "COMPLETENESS_START_UNCLEAR",
        "cannot tell whether the parcel is sealed at the start: a person should check the first seconds",
    ),
    F_(
        "COMPLETENESS_SIX_FACES",
        "the sealed parcel is turned through its faces before opening: {count} distinct views at {times} s "
        "(confidence {confidence:.2f})",
    ),
    F_(
        "COMPLETENESS_SIX_FACES",
        "{value:g} distinct faces of the sealed parcel are shown before opening, from {t_start:time}",
    ),
    F_("COMPLETENESS_SIX_FACES", "{value:g} distinct faces of the sealed parcel are shown before opening"),
    F_(
        "COMPLETENESS_SIX_FACES/held",
        "the sealed parcel is turned through its faces before opening: held still {held} times with turns "
        "between; {count} views look distinct (faces of a plain parcel can look alike) "
        "(confidence {confidence:.2f})",
    ),
    F_(
        "COMPLETENESS_FACES_MISSING", "only {value:g} of the parcel's six faces are shown before it is opened"
    ),
    F_(
        "COMPLETENESS_FACES_UNCERTAIN/before_opening",
        "could not confirm that all {required} faces are shown: the parcel was held still {held} time(s) and "
        "{count} views look distinct; a person should check before {opening_s:time}",
    ),
    F_(
        "COMPLETENESS_FACES_UNCERTAIN/holds",
        "could not confirm that all {required} faces are shown: the parcel was held still {held} time(s) and "
        "{count} views look distinct; a person should check the steady stretches ({holds} s)",
    ),
    F_(
        "COMPLETENESS_FACES_UNCERTAIN",
        "the parcel was held still several times but only {value:g} faces look distinct: its faces may look alike; a reviewer should check",
    ),
    F_("COMPLETENESS_OPENING_SHOWN", "the parcel is opened on camera at {t_start:time}"),
    F_("COMPLETENESS_OPENING_NOT_SHOWN", "the opening of the parcel is never shown"),
    F_(
        "COMPLETENESS_OPENING_UNCONFIRMED",
        "could not confirm where the parcel is opened (no sustained change to an open look was measured); "
        "a person should check the steady stretches ({holds} s)",
    ),
    F_(
        "COMPLETENESS_OPENING_UNCONFIRMED",
        "the analysis could not confirm where the parcel is opened; a person should check the video",
    ),
    F_(
        "COMPLETENESS_CONTENTS_SHOWN",
        "the open parcel and its contents are in view from {t_start:time} to {t_end:time}",
    ),
    F_("COMPLETENESS_CONTENTS_NOT_SHOWN", "the contents are never shown after opening"),
    F_(
        "COMPLETENESS_CONTENTS_UNCONFIRMED",
        "could not confirm that the contents are shown after the opening at {t_start:time}; a person should "
        "check the rest of the video",
    ),
    F_(
        "VALIDITY_NO_VIDEO",
        "no unboxing video was submitted, so nothing proves the problem as found at the first opening",
    ),
    F_(
        "VALIDITY_TRUNCATED",
        "only the first {decodable_s:time} of the {declared_s:time} the file declares can be decoded: the file "
        "is truncated (an interrupted copy or upload); submit the original",
    ),
    F_(
        "VALIDITY_TRUNCATED",
        "the file is truncated: only part of it can be decoded (an interrupted copy or upload); submit the original",
    ),
    F_(
        "VALIDITY_DECODE_ERRORS",
        "the decoder reported {errors} errors (e.g. {sample}); parts of the picture are damaged",
    ),
    F_("VALIDITY_DECODE_ERRORS", "the decoder reported errors; parts of the picture are damaged"),
    F_(
        "VALIDITY_WINDOW_NOT_DECODED",
        "re-reading {t_start:.1f}–{t_end:.1f} s from mid-stream gave {errors} decoder errors; those frames were "
        "not used; the first pass's samples stand for this stretch",
    ),
    F_(
        "VALIDITY_WINDOW_NOT_DECODED",
        "re-reading {t_start:time}–{t_end:time} from mid-stream gave decoder errors; those frames were not used",
    ),
    F_(
        "VALIDITY_WINDOW_NOT_DECODED",
        "re-reading part of the video from mid-stream gave decoder errors; those frames were not used",
    ),
    F_("VALIDITY_DECODE_WARNINGS", "the decoder reported {errors} minor error(s)"),
    F_("VALIDITY_DECODE_WARNINGS", "the decoder reported minor errors"),
    F_("VALIDITY_CLEAR", "{value:.0%} of the video is sharp, well exposed and steady"),
    F_("VALIDITY_CLEAR", "the video is sharp, well exposed and steady for most of its length"),
    F_("VALIDITY_UNCLEAR", "only {value:.0%} of the video is clear enough to see: {problems:clauses}"),
    F_("VALIDITY_UNCLEAR", "too little of the video is clear enough to see (blur, darkness, glare or shake)"),
    F_(
        "VALIDITY_SOFT",
        "the picture is soft (not sharp, not blurred beyond seeing) for {soft:.0%} of the time (longest "
        "{t_start:.1f}–{t_end:.1f} s); a person should check that the label and the problem can be made out",
    ),
    F_(
        "VALIDITY_SOFT",
        "the picture is soft for much of the video (longest {t_start:time} to {t_end:time}); a person should check that the label and the problem can be made out",
    ),
    F_(
        "VALIDITY_EDITED",
        "the file was written by editing software: {editors}; platforms accept only the original recording",
    ),
    F_(
        "VALIDITY_EDITED",
        "the file was written by editing software; platforms accept only the original recording",
    ),
    F_(
        "VALIDITY_REMUXED",
        "the file was re-written by {tools} (remuxed or re-encoded); not proof of editing, but the original "
        "recording is stronger evidence",
    ),
    F_(
        "VALIDITY_REMUXED",
        "the file was re-written (remuxed or re-encoded); not proof of editing, but the original recording is stronger evidence",
    ),
    F_(
        "VALIDITY_PROBLEM_SHOWN",
        "the claimed problem ({claim:word}) is shown large, sharp and steady from {t_start:time} to {t_end:time}",
    ),
    F_(
        "VALIDITY_PROBLEM_SHOWN",
        "the claimed problem is shown large, sharp and steady from {t_start:time} to {t_end:time}",
    ),
    F_(
        "VALIDITY_PROBLEM_SHOWN/swap",
        "the item on camera carries product code {code}, not the ordered item's {expected}: the swapped item "
        "is shown with its label read at {t_start:time}",
    ),
    F_(
        "VALIDITY_PROBLEM_NOT_SHOWN",
        "the analysis found no steady, sharp view of the claimed problem ({claim:word}); a person should check "
        "{t_start:.1f}–{t_end:.1f} s for it",
    ),
    F_(
        "VALIDITY_PROBLEM_NOT_SHOWN",
        "the analysis found no steady, sharp view of the claimed problem; a person should check {t_start:time} to {t_end:time}",
    ),
    F_(
        "VALIDITY_PROBLEM_NOT_SHOWN/near",
        "the analysis found no steady, sharp view of the claimed problem ({claim:word}) near {at_s:time}; "
        "a person should check {t_start:.1f}–{t_end:.1f} s for it",
    ),
    F_(
        "VALIDITY_PROBLEM_NOT_SHOWN/beyond_end",
        "the case says the problem is shown at {named_at_s:time}, but the video ends at {duration_s:time}; "
        "the claimed problem is never shown in a steady, sharp close-up",
    ),
    F_(
        "VALIDITY_PROBLEM_CONTEXT", "the claim ({claim:word}) rests on the contents being shown, and they are"
    ),
    F_("VALIDITY_PROBLEM_CONTEXT", "the claim rests on the contents being shown on camera"),
    F_(
        "VALIDITY_PROBLEM_CONTEXT/unconfirmed",
        "the claim ({claim:word}) rests on the contents being shown; the analysis could not confirm that they "
        "are: a person should check {t_start:.1f}–{t_end:.1f} s",
    ),
    F_(
        "CONSISTENCY_NO_TRACKING_NUMBER", "the case has no return tracking number to compare the waybill with"
    ),
    F_(
        "CONSISTENCY_NO_TRACKING_NUMBER/reads",
        "the case gives no return tracking number to compare the waybill with; the video shows {reads}",
    ),
    F_(
        "CONSISTENCY_WAYBILL_MATCH",
        "waybill {number} read {count} time(s), matching the return tracking number",
    ),
    F_("CONSISTENCY_WAYBILL_MATCH", "the waybill read in the video matches the return tracking number"),
    F_(
        "CONSISTENCY_OTHER_WAYBILL",
        "another label is also in view: {reads}; check that only this return is unpacked",
    ),
    F_("CONSISTENCY_OTHER_WAYBILL", "another label is also in view; check that only this return is unpacked"),
    F_(
        "CONSISTENCY_WAYBILL_MISMATCH",
        "the waybill on camera reads {reads}, not the return tracking number {number}",
    ),
    F_("CONSISTENCY_WAYBILL_MISMATCH", "the waybill on camera is not the return tracking number"),
    F_(
        "CONSISTENCY_WAYBILL_NOT_LEGIBLE/look",
        "no waybill barcode or QR code could be read by machine anywhere in the video; a person should read "
        "the waybill on the sealed parcel ({t_start:.1f}–{t_end:.1f} s) and compare it with the return "
        "tracking number; to be sure, film the label close enough to read before opening",
    ),
    F_(
        "CONSISTENCY_WAYBILL_NOT_LEGIBLE/anywhere",
        "no waybill barcode or QR code could be read by machine anywhere in the video; a person should look "
        "for the waybill in the video and compare it with the return tracking number; to be sure, film the "
        "label close enough to read before opening",
    ),
    F_(
        "CONSISTENCY_WAYBILL_NOT_LEGIBLE",
        "no waybill barcode or QR code could be read by machine; a person should read the label in the video and compare it with the return tracking number",
    ),
    F_(
        "CONSISTENCY_ITEM_MISMATCH",
        "the goods carry {reads}, not the ordered item's code(s) {expected}",
    ),
    F_("CONSISTENCY_ITEM_MISMATCH", "the goods carry a code other than the ordered item's"),
    F_(
        "CONSISTENCY_ITEM_MISMATCH/claimed",
        "the goods carry {reads}, not the ordered item's code(s) {expected}, as the merchant's claim of a "
        "swapped item says",
    ),
    F_("CONSISTENCY_ITEM_MATCH", "the goods carry the ordered item's code {code}"),
    F_("CONSISTENCY_ITEM_MATCH", "the goods carry the ordered item's code"),
    F_("CONSISTENCY_PHOTO_MATCH", "{photo} shows the return's waybill"),
    F_("CONSISTENCY_PHOTO_MATCH", "a photo shows the return's waybill"),
    F_(
        "CONSISTENCY_PHOTO_MISMATCH",
        "{photo} shows waybill {numbers}, which is not the return tracking number",
    ),
    F_("CONSISTENCY_PHOTO_MISMATCH", "a photo shows a waybill that is not the return tracking number"),
    F_(
        "CONSISTENCY_PHOTO_TIME_APART",
        "{photo} was taken {photo_time:datetime} (Beijing time), more than a day from the video "
        "({video_time:datetime}): they may not show the same unpacking",
    ),
    F_(
        "CONSISTENCY_PHOTO_TIME_APART",
        "a photo was taken more than a day from the video: they may not show the same unpacking",
    ),
    # one template per kind of pair (``variant``), and a mirrored copy's own (``mirrored`` = "yes")
    F_(
        "CONSISTENCY_EVIDENCE_REUSED/video_video",
        "the video ({start_s:.1f}–{end_s:.1f} s) is the same footage as video {other_evidence_id:.12} "
        "({other_start_s:.1f}–{other_end_s:.1f} s there) of case {other_case_ids}, similarity "
        "{similarity:.2f}: evidence of another dispute; a person should compare both cases (one parcel "
        "holding two orders' returns is the innocent explanation)",
    ),
    F_(
        "CONSISTENCY_EVIDENCE_REUSED/video_video/mirrored",
        "the video ({start_s:.1f}–{end_s:.1f} s) is a mirrored copy of the same footage as video "
        "{other_evidence_id:.12} ({other_start_s:.1f}–{other_end_s:.1f} s there) of case {other_case_ids}, "
        "similarity {similarity:.2f}: evidence of another dispute; a person should compare both cases (one "
        "parcel holding two orders' returns is the innocent explanation)",
    ),
    F_(
        "CONSISTENCY_EVIDENCE_REUSED/video_photo",
        "the video ({start_s:.1f}–{end_s:.1f} s) is the same footage as photo {other_name} of case "
        "{other_case_ids}, similarity {similarity:.2f}: evidence of another dispute; a person should compare "
        "both cases (one parcel holding two orders' returns is the innocent explanation)",
    ),
    F_(
        "CONSISTENCY_EVIDENCE_REUSED/video_photo/mirrored",
        "the video ({start_s:.1f}–{end_s:.1f} s) is a mirrored copy of the same footage as photo {other_name} "
        "of case {other_case_ids}, similarity {similarity:.2f}: evidence of another dispute; a person should "
        "compare both cases (one parcel holding two orders' returns is the innocent explanation)",
    ),
    F_(
        "CONSISTENCY_EVIDENCE_REUSED/photo_video",
        "photo {photo} is the same footage as video {other_evidence_id:.12} ({other_start_s:.1f}–"
        "{other_end_s:.1f} s there) of case {other_case_ids}, similarity {similarity:.2f}: evidence of another "
        "dispute; a person should compare both cases (one parcel holding two orders' returns is the innocent "
        "explanation)",
    ),
    F_(
        "CONSISTENCY_EVIDENCE_REUSED/photo_video/mirrored",
        "photo {photo} is a mirrored copy of the same footage as video {other_evidence_id:.12} "
        "({other_start_s:.1f}–{other_end_s:.1f} s there) of case {other_case_ids}, similarity "
        "{similarity:.2f}: evidence of another dispute; a person should compare both cases (one parcel "
        "holding two orders' returns is the innocent explanation)",
    ),
    F_(
        "CONSISTENCY_EVIDENCE_REUSED/photo_photo",
        "photo {photo} is the same footage as photo {other_name} of case {other_case_ids}, similarity "
        "{similarity:.2f}: evidence of another dispute; a person should compare both cases (one parcel "
        "holding two orders' returns is the innocent explanation)",
    ),
    F_(
        "CONSISTENCY_EVIDENCE_REUSED/photo_photo/mirrored",
        "photo {photo} is a mirrored copy of the same footage as photo {other_name} of case {other_case_ids}, "
        "similarity {similarity:.2f}: evidence of another dispute; a person should compare both cases (one "
        "parcel holding two orders' returns is the innocent explanation)",
    ),
    # --- 时效性 timeliness ---------------------------------------------------------------------
    F_(
        "TIMELINESS_TIMES_DISAGREE",
        "the file's creation times disagree by {spread_s:duration}: {times} (metadata may have been rewritten)",
    ),
    F_(
        "TIMELINESS_NO_CREATION_TIME/video",
        "the video carries no creation time, so when it was recorded cannot be checked "
        "(file modification times are not evidence)",
    ),
    F_(
        "TIMELINESS_NO_CREATION_TIME/no_video",
        "no video was submitted, so when the first opening was recorded cannot be checked",
    ),
    F_(
        "TIMELINESS_SIGNED_AT_UNKNOWN",
        "recorded {recorded:datetime} (Beijing time, from {recorded_by}), but the case does not say when "
        "the return was signed for",
    ),
    F_(
        "TIMELINESS_BEFORE_SIGN_FOR",
        "recorded {recorded:datetime} (Beijing time, from {recorded_by}), {before_s:duration} before the "
        "return was signed for ({signed:datetime}): it cannot show the first opening of this return",
    ),
    F_(
        "TIMELINESS_RECORDED_LATE",
        "recorded {recorded:datetime} (Beijing time, from {recorded_by}), {after_s:duration} after the return "
        "was signed for: not the first opening (re-recorded videos are not accepted)",
    ),
    F_(
        "TIMELINESS_RECORDED_AFTER_SIGN_FOR",
        "recorded {recorded:datetime} (Beijing time, from {recorded_by}), {after_s:duration} after the "
        "return was signed for",
    ),
    F_("TIMELINESS_ZONE_ASSUMED", "the creation time has no time zone; {zone} was assumed"),
    F_(
        "TIMELINESS_SUBMITTED_LATE",
        "submitted {submitted:datetime}, {late_s:duration} after the evidence deadline {deadline:datetime} "
        "(Beijing time)",
    ),
    F_(
        "TIMELINESS_SUBMITTED_IN_TIME",
        "submitted {submitted:datetime}, before the evidence deadline {deadline:datetime} (Beijing time)",
    ),
    F_(
        "TIMELINESS_CREATED_AFTER_SUBMISSION",
        "the file claims to be recorded ({recorded:datetime}) after it was submitted ({submitted:datetime}): "
        "its clock or metadata is wrong",
    ),
    F_(
        "TIMELINESS_SUBMISSION_UNKNOWN/deadline",
        "the case has no evidence deadline, so timely submission cannot be checked",
    ),
    F_(
        "TIMELINESS_SUBMISSION_UNKNOWN/submitted",
        "the case has no submission time, so timely submission cannot be checked",
    ),
    F_(
        "TIMELINESS_SUBMISSION_UNKNOWN/both",
        "the case has no evidence deadline and no submission time, so timely submission cannot be checked",
    ),
)

_RULES = (
    F_(
        "COMPLETENESS_TRANSITION",
        "frames darker than {black_luma:g} (grey mean) and flat (deviation ≤ {black_std:g}) between lit "
        "pictures (≥ {lit_luma:g}), reached or left by a steady fade of at least {fade_frames} frames within "
        "{fade_max_s:g} s whose contrast keeps in proportion",
    ),
    F_(
        "COMPLETENESS_TRANSITION",
        "proofbox's fade detection: near-black frames reached or left by a steady fade of the whole picture",
    ),
    F_(
        "COMPLETENESS_CUT/native",
        "a single-frame change ≥ {native_min:g} and ≥ {native_ratio_min:g}x the frame changes around it that "
        "persists (≥ {persist_min:g} of it for {persist_window_s:g} s either side), and either "
        "≥ {native_ratio:g}x or an edit trace in the packets (change ≥ {marked_min:g})",
    ),
    F_(
        "COMPLETENESS_CUT/adaptive",
        "content change ≥ {min_score:g} and ≥ {adaptive_ratio:g}x its neighbours, or frame alignment "
        "collapsing to ≤ {align_max:g} between well-aligned neighbours with a near-intra P-frame, or a "
        "near-intra P-frame with the pixels changing more than around it",
    ),
    F_(
        "COMPLETENESS_CUT",
        "proofbox's cut detection: a single-frame jump that persists, or an edit trace in the packets",
    ),
    F_(
        "COMPLETENESS_SPLICE/native",
        "a single-frame change ≥ {native_min:g} and ≥ {native_ratio_min:g}x the frame changes around it that "
        "persists (≥ {persist_min:g} of it for {persist_window_s:g} s either side), and either "
        "≥ {native_ratio:g}x or an edit trace in the packets (change ≥ {marked_min:g}); palette "
        "(hue-saturation histogram) distance ≥ {palette:g} (averaged over {side_s:g} s either side)",
    ),
    F_(
        "COMPLETENESS_SPLICE/adaptive",
        "content change ≥ {min_score:g} and ≥ {adaptive_ratio:g}x its neighbours, or frame alignment "
        "collapsing to ≤ {align_max:g} between well-aligned neighbours with a near-intra P-frame, or a "
        "near-intra P-frame with the pixels changing more than around it; background shift ≥ {background:g} "
        "(averaged over {side_s:g} s either side)",
    ),
    F_(
        "COMPLETENESS_SPLICE",
        "proofbox's splice detection: a cut with the colours and light of the whole picture changing at once",
    ),
    F_("COMPLETENESS_PAUSE", "timestamp gap ≥ {min_gap_s:g} s"),
    F_("COMPLETENESS_PAUSE", "proofbox default: a timestamp gap longer than the pause threshold"),
    F_("COMPLETENESS_FROZEN", "frames identical (mean difference ≤ {max_diff:g}) for ≥ {min_s:g} s"),
    F_("COMPLETENESS_FROZEN", "proofbox default: identical frames for longer than the freeze threshold"),
    F_("COMPLETENESS_TOO_SHORT", "proofbox default: at least {min_s:g} s"),
    F_("COMPLETENESS_TOO_SHORT", "proofbox default minimum length"),
    F_(
        "COMPLETENESS_NO_PARCEL_RECOGNISED",
        "a parcel is recognised by a readable waybill, or by an object standing out from the surface over "
        "≥ {object_share:.0%} of the video, held still ≥ {min_holds} times (≥ {min_holds_edge} times when "
        "it runs off the frame's edge)",
    ),
    F_(
        "COMPLETENESS_NOT_SEALED_AT_START",
        "an open look (dark share +{dark_rise:g} or colourful share +{other_rise:g} over the sealed parcel) "
        "held ≥ {opening_min_s:g} s from the start",
    ),
    F_(
        "COMPLETENESS_SIX_FACES",
        "{required} faces required: {required} distinct views, or {required} holds with the parcel turned between",
    ),
    F_("COMPLETENESS_SIX_FACES", "all six faces of the parcel must be on camera (包裹六个面都需要出镜)"),
    F_("COMPLETENESS_FACES_MISSING", "all six faces of the parcel must be on camera (包裹六个面都需要出镜)"),
    F_("COMPLETENESS_FACES_UNCERTAIN", "{required} faces required"),
    F_(
        "COMPLETENESS_FACES_UNCERTAIN", "all six faces of the parcel must be on camera (包裹六个面都需要出镜)"
    ),
    F_("VALIDITY_TRUNCATED", "decodable duration ≥ 97% of the declared duration"),
    F_("VALIDITY_DECODE_ERRORS", "at most {max_errors} decoder error lines"),
    F_("VALIDITY_DECODE_ERRORS", "proofbox default: at most a few decoder errors"),
    F_("VALIDITY_CLEAR", "≥ {min_good:.0%} of the time"),
    F_(
        "VALIDITY_CLEAR", "proofbox default: clear (sharp, well exposed) for a large enough share of the time"
    ),
    F_(
        "VALIDITY_UNCLEAR",
        "≥ {min_good:.0%} of the time not blurred (subject blur ≤ {blur_fail:g} and the clearest edges ≤ "
        "{edge_fail:g} px wide), not dark (mean luma "
        "< {dark_mean:g} with 95th percentile < {dark_high:g}), not washed out (mean luma > {bright_mean:g} "
        "or > {clipped:.0%} blown highlights, with 5th percentile > {shadow_min:g}), not shaking",
    ),
    F_(
        "VALIDITY_UNCLEAR",
        "proofbox default: clear (sharp, well exposed) for a large enough share of the time",
    ),
    F_("VALIDITY_EDITED", "no encoder/software/handler tag naming a video editor"),
    F_("VALIDITY_REMUXED", "transcoder tags are a warning only"),
    F_("VALIDITY_SOFT", "subject blur ≤ {blur_max:g} for ≥ {min_good:.0%} of the time"),
    F_("VALIDITY_SOFT", "proofbox default: the subject sharp for a large enough share of the time"),
    F_("VALIDITY_PROBLEM_SHOWN", "a steady, sharp view of the opened goods ≥ {min_s:g} s"),
    F_(
        "VALIDITY_PROBLEM_SHOWN",
        "a steady, sharp view of the opened goods, long enough (proofbox default)",
    ),
    F_(
        "VALIDITY_PROBLEM_SHOWN/swap",
        "a swapped-item claim is shown by the wrong item's own code, face or serial number",
    ),
    F_("VALIDITY_PROBLEM_NOT_SHOWN", "a steady, sharp view of the opened goods ≥ {min_s:g} s"),
    F_(
        "VALIDITY_PROBLEM_NOT_SHOWN",
        "a steady, sharp view of the opened goods, long enough (proofbox default)",
    ),
    F_(
        "VALIDITY_PROBLEM_NOT_SHOWN/near",
        "a steady, sharp view of the opened goods ≥ {min_s:g} s within {tolerance_s:g} s of the time the case names",
    ),
    F_("CONSISTENCY_WAYBILL_MATCH", "normalised barcode/QR text equals the case's return tracking number"),
    F_("CONSISTENCY_WAYBILL_MISMATCH", "normalised barcode/QR text equals the case's return tracking number"),
    F_("CONSISTENCY_WAYBILL_NOT_LEGIBLE", "proofbox default: a barcode scan every {scan_s:g} s"),
    F_("CONSISTENCY_WAYBILL_NOT_LEGIBLE", "proofbox default barcode scan interval"),
    F_(
        "CONSISTENCY_PHOTO_TIME_APART",
        "proofbox default: photos taken within {max_apart_s:duration} of the video",
    ),
    F_("CONSISTENCY_PHOTO_TIME_APART", "proofbox default: photos taken within a day of the video"),
    F_(
        "CONSISTENCY_EVIDENCE_REUSED",
        "proofbox default: perceptual hashes of frames within {frame_bits} of 64 bits over at least "
        "{min_run_s:g} s, of photos within {photo_bits} bits",
    ),
    F_("TIMELINESS_TIMES_DISAGREE", "creation times within 1 h of each other"),
    F_("TIMELINESS_BEFORE_SIGN_FOR", "creation time ≥ sign-for time − {tolerance_s:g} s clock tolerance"),
    F_(
        "TIMELINESS_RECORDED_LATE",
        "proofbox default: recorded within {max_h:g} h of sign-for (assumption: the seeds require the "
        "first opening, not a number of hours)",
    ),
    F_("TIMELINESS_RECORDED_AFTER_SIGN_FOR", "proofbox default: recorded within {max_h:g} h of sign-for"),
    F_("TIMELINESS_SUBMITTED_LATE", "evidence submitted before the end of the evidence period (举证期)"),
)


def _table(entries: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for key, template in entries:
        table[key] = (*table.get(key, ()), template)
    return table


FINDINGS: Mapping[str, tuple[str, ...]] = _table(_MESSAGES)
"""Message templates by code (or ``code/variant``), richest first."""
RULES: Mapping[str, tuple[str, ...]] = _table(_RULES)
"""Rule templates by code (or ``code/variant``)."""


def _render(
    table: Mapping[str, tuple[str, ...]], code: str, params: Mapping[str, str], lang: str, fallback: str
) -> str:
    variant = params.get("variant")
    key = f"{code}/{variant}" if variant and f"{code}/{variant}" in table else code
    # a yes/no parameter may pick a form of its own ("mirrored": "yes" -> code/variant/mirrored)
    key = next(
        (f"{key}/{flag}" for flag in sorted(params) if params[flag] == "yes" and f"{key}/{flag}" in table),
        key,
    )
    for i, template in enumerate(table.get(key, ())):
        if lang == "en" and i > 0:
            break
        try:
            return fill(gettext(template, lang, key), params, lang)
        except (KeyError, IndexError, ValueError, TypeError):
            continue
    # a static text (no parameters) may be in the catalog under its English wording
    return gettext(fallback, lang) if fallback else fallback


def render_finding_message(code: str, params: Mapping[str, str], lang: str, fallback: str) -> str:
    """A finding's message in ``lang``; ``fallback`` (the element's English) when no template fits."""
    return _render(FINDINGS, code, params, lang, fallback)


def render_finding_rule(code: str, params: Mapping[str, str], lang: str, fallback: str) -> str:
    """A finding's rule in ``lang``; ``fallback`` when the catalogue has none that fits."""
    return _render(RULES, code, params, lang, fallback)
