"""Error messages for people, by proofbox's stable error code.

An error's status message stays what the code raised (English, with the field and values); a
reply also carries ``google.rpc.LocalizedMessage`` in the request's language (the standard
detail for this, in ``grpc-status-details-bin``): the error code's sentence from this catalogue,
then the field and the original detail. Codes are language-neutral and unchanged.
"""

from __future__ import annotations

import re

from . import fill, gettext, translate
from .findings import F_
from .vocabulary import N_

__all__ = ["DETAILS", "ERRORS", "FRAGMENTS", "localized_error", "translate_detail"]

ERRORS: dict[str, str] = dict(
    (
        F_("EMPTY_FILE", "The file is empty; upload the original recording."),
        F_(
            "NOT_A_MEDIA_FILE",
            "This is not a video or photo file; upload the original video or photo from the phone.",
        ),
        F_(
            "UNSUPPORTED_FORMAT_OR_EXTENSION_MISMATCH",
            "The file's format is not supported, or its extension does not match its content.",
        ),
        F_(
            "TRUNCATED_OR_MISSING_INDEX",
            "The file is incomplete or lacks its index (an interrupted copy or upload); upload the complete original.",
        ),
        F_(
            "TRUNCATED",
            "The file is incomplete (an interrupted copy or upload); upload the complete original.",
        ),
        F_("TRUNCATED_IMAGE", "The photo's data is incomplete; upload the complete original photo."),
        F_("NO_VIDEO_STREAM", "The file holds no video picture."),
        F_("FILE_TOO_LARGE", "The file is too large."),
        F_("IMAGE_TOO_LARGE", "The photo is too large (too many pixels)."),
        F_("VIDEO_TOO_LONG", "The video is too long."),
        F_("DECODE_FAILED", "The file cannot be decoded."),
        F_("BAD_MEDIA", "The media file cannot be used."),
        F_("MEDIA_NOT_FOUND", "The evidence file was not found."),
        F_("INVALID_JSON", "The JSON is not valid."),
        F_("INVALID_ARGUMENT", "The request is not valid."),
        F_("NOT_FOUND", "What the request names was not found."),
        F_("ALREADY_EXISTS", "It already exists."),
        F_("FAILED_PRECONDITION", "The request cannot be carried out in the current state."),
        F_("PERMISSION_DENIED", "This API key is not allowed to do that."),
        F_("UNAUTHENTICATED", "No valid API key was given."),
        F_("RESOURCE_EXHAUSTED", "The server is busy; retry later."),
        F_("DEADLINE_EXCEEDED", "The request took too long."),
        F_("UNAVAILABLE", "The service is not available right now; retry later."),
        F_("TOOL_TIMEOUT", "A media tool took too long."),
        F_("TOOL_ERROR", "A media tool failed."),
        F_("POLICY_INVALID", "A policy pack is not valid."),
        F_("INTERNAL", "Internal server error; quote the request id when reporting it."),
    )
)
"""Error code -> its sentence (English message id; the catalog has the translations)."""


DETAIL_CONTEXT = "error-detail"

DETAILS = tuple(
    template
    for _context, template in (
        # stored things a request names (server.engine, server.service)
        F_("error-detail", "no case {case} is stored for this tenant; store it with PutCase first"),
        F_(
            "error-detail",
            "no version {version} of case {case} is stored for this tenant; store it with PutCase first",
        ),
        F_(
            "error-detail",
            "evidence {evidence} is not stored for this tenant; upload it with UploadEvidence first",
        ),
        F_(
            "error-detail",
            "case {case} has no evidence: upload the unboxing video with UploadEvidence "
            "(header.case_id = {case_again}) or name evidence_ids",
        ),
        F_("error-detail", "no result {result} is stored for this tenant"),
        F_("error-detail", "name a stored case (case_id) or send one inline (case)"),
        F_(
            "error-detail",
            "names {n} videos; an assessment judges one unboxing video (and any photos)",
        ),
        F_(
            "error-detail",
            "the bytes of evidence {sha} ({name}) are missing from the server's store; upload the file again",
        ),
        # API keys (server.auth)
        F_("error-detail", "no API key: send it as 'authorization: Bearer <key>' or 'x-api-key: <key>'"),
        F_("error-detail", "the authorization header must be 'Bearer <API key>'"),
        F_("error-detail", "the API key is not valid; check it for typos or ask for a new one"),
        F_(
            "error-detail",
            "the API key is not valid; check it for typos or ask for a new one (the local admin key is in {path})",
        ),
        F_(
            "error-detail",
            "no API key: send it as 'authorization: Bearer <key>' or 'x-api-key: <key>' "
            "(the local admin key is in {path})",
        ),
        F_("error-detail", "the API key {key} was revoked; ask for a new one"),
        F_(
            "error-detail",
            "this API key ({key}) is {role} and cannot {what}; use a key with the {needed} role",
        ),
        # load (server.analysis)
        F_(
            "error-detail",
            "the analysis queue is full ({running} running, {waiting} waiting); retry in a few seconds "
            "with backoff, or use ScoreCases for batches",
        ),
        # a field's value (server.convert, proofbox.jsonform)
        F_("error-detail", "is required"),
        F_("error-detail", "must not be negative"),
        F_("error-detail", "must be positive"),
        F_("error-detail", "unknown field of {message}; did you mean {hint}?"),
        F_("error-detail", "unknown field of {message}"),
        F_(
            "error-detail",
            "unknown value {value}; expected one of {known} (or {prefix}...); did you mean {hint}?",
        ),
        F_("error-detail", "unknown value {value}; expected one of {known} (or {prefix}...)"),
        F_("error-detail", "expected a {enum} name as a string, got {value}"),
        F_(
            "error-detail",
            "expected an ISO 8601 time string such as 2024-11-11T20:00:00+08:00, got {value}",
        ),
        F_("error-detail", "{value} is not an ISO 8601 time; write e.g. 2024-11-11T20:00:00+08:00"),
        F_(
            "error-detail",
            "time {value} has no UTC offset; write it with one, e.g. 2024-11-11T20:00:00+08:00 "
            "(Beijing time) or 2024-11-11T12:00:00Z",
        ),
        F_("error-detail", "is given twice (as {first} and {second})"),
        F_("error-detail", "expected an object, got {type}"),
        F_("error-detail", "not valid JSON here: nested too deeply"),
        F_("error-detail", "nested too deeply for this message"),
        F_("error-detail", "not valid JSON ({reason} at line {line} column {column})"),
        F_(
            "error-detail",
            "{time} is before {other} ({other_time}); one of the two is wrong",
        ),
        F_(
            "error-detail",
            "must not be empty",
        ),
        F_(
            "error-detail",
            "{currency} is not an ISO 4217 code such as 'CNY'",
        ),
        F_(
            "error-detail",
            "must be 1 to {max} days, got {days}",
        ),
        F_(
            "error-detail",
            "must be 0 to {max}",
        ),
        F_(
            "error-detail",
            "lists more than {max} times",
        ),
        F_(
            "error-detail",
            "lists {n} time(s) but order.{count_name} is {count}; give every time or none",
        ),
        F_(
            "error-detail",
            "is true but no complaint was filed",
        ),
        F_(
            "error-detail",
            "a rule_complaint claim needs the complaint filed (invoice, promise_breach, ...)",
        ),
        F_(
            "error-detail",
            "must be a finite, non-negative number of seconds",
        ),
        F_(
            "error-detail",
            "is set but goods.not_as_described is false; set both or neither",
        ),
        F_(
            "error-detail",
            "is set but logistics.buyer_refused_delivery is false",
        ),
        F_(
            "error-detail",
            "must be within [0, 1], got {score}",
        ),
        F_(
            "error-detail",
            "the assessment has no result for this element; re-run the evidence analysis",
        ),
        F_(
            "error-detail",
            "is set but {prerequisite} is missing",
        ),
        F_(
            "error-detail",
            "is set but logistics.interception is not succeeded or failed",
        ),
        F_(
            "error-detail",
            "refund of {refund} exceeds the order amount {amount}",
        ),
        F_(
            "error-detail",
            "{time} is after the snapshot time as_of ({as_of})",
        ),
        F_(
            "error-detail",
            "evaluation time has no UTC offset; pass an aware datetime",
        ),
        F_(
            "error-detail",
            "the case is a {platform} case but pack {version} is for {pack_platform}; load the "
            "{platform_again} pack",
        ),
        F_(
            "error-detail",
            "unknown platform {platform}; expected tmall, taobao or douyin",
        ),
        F_(
            "error-detail",
            "pack {version} is not a {platform} pack",
        ),
        F_(
            "error-detail",
            "datetime {time} has no UTC offset; write it with one, e.g. "
            "2024-11-11T20:00:00+08:00 (Beijing time)",
        ),
        F_(
            "error-detail",
            "datetime {time} is outside {first}-{last}; check the year",
        ),
        F_(
            "error-detail",
            "expected an amount, got {value}",
        ),
        F_(
            "error-detail",
            "amount must not be negative, got {value}",
        ),
        F_(
            "error-detail",
            '{value} is not a decimal amount such as "199.00" (ASCII digits and at most one '
            "point; no sign, spaces or exponent)",
        ),
        F_(
            "error-detail",
            '{value} is not a decimal amount such as "199.00"',
        ),
        F_(
            "error-detail",
            "amount must be finite, got {value}",
        ),
        F_(
            "error-detail",
            'expected an amount such as "199.00", got {value}',
        ),
        F_(
            "error-detail",
            "amount {value} exceeds {max} yuan; check the unit",
        ),
        F_(
            "error-detail",
            "amount {value} has more than two decimal places (fen)",
        ),
        F_(
            "error-detail",
            "{enum} UNSPECIFIED is not a value here",
        ),
        F_(
            "error-detail",
            "{enum} {number} is not a known value",
        ),
        F_(
            "error-detail",
            "nanos {nanos} is outside 0-999999999",
        ),
        F_(
            "error-detail",
            "seconds {seconds} is outside the Timestamp range (years 1-9999); send a time in {first}-{last}",
        ),
        F_(
            "error-detail",
            "lists an entry twice",
        ),
        F_(
            "error-detail",
            "expected a finite number, got {value}",
        ),
        F_(
            "error-detail",
            "is required (one of the {enum} values)",
        ),
        F_(
            "error-detail",
            "evidence {evidence} is not stored for this tenant; upload it first",
        ),
        F_(
            "error-detail",
            "is required (PLATFORM_TMALL, PLATFORM_TAOBAO or PLATFORM_DOUYIN)",
        ),
        F_(
            "error-detail",
            "{platform} is not a known platform",
        ),
        F_(
            "error-detail",
            "no operation {operation} is known; progress is kept while it runs and for 10 "
            "minutes after, and its result for good",
        ),
        F_(
            "error-detail",
            "must be at most {max} printable characters (got {length})",
        ),
        F_(
            "error-detail",
            "{value} is not a SHA-256 digest; send 64 lower-case hex digits",
        ),
        F_(
            "error-detail",
            "use 1-64 letters, digits, '-' or '_'",
        ),
        F_(
            "error-detail",
            "the request bytes are not a valid {message} message and cannot be parsed ({reason})",
        ),
        F_(
            "error-detail",
            "has {count} entries; at most {max} are accepted",
        ),
        F_(
            "error-detail",
            "is {length} characters long; at most {max} are accepted",
        ),
        F_(
            "error-detail",
            "the stored assessment has no result for this element; assess the evidence again",
        ),
        F_(
            "error-detail",
            "is not a page token this server issued for this list; start again without it",
        ),
        F_(
            "error-detail",
            "is not a page token this server issued; start again without it",
        ),
        F_(
            "error-detail",
            "{tenant} is not a tenant id; use 1-63 lower-case letters, digits, '-' or '_'",
        ),
        F_(
            "error-detail",
            "must be one of {values}",
        ),
        F_(
            "error-detail",
            "this API key ({key}) administers tenant {tenant} only and cannot {what} of another "
            "tenant; ask the deployment's operator (an operator key)",
        ),
        F_(
            "error-detail",
            "operator keys are created only by an operator, in the operator's own tenant "
            "({tenant} for this key)",
        ),
        F_(
            "error-detail",
            "this API key ({key}) is admin and cannot create operator keys",
        ),
        F_(
            "error-detail",
            "is not a key id (16 lower-case hex digits)",
        ),
        F_(
            "error-detail",
            "no API key {key} in this tenant",
        ),
        F_(
            "error-detail",
            "this API key ({key}) is admin and cannot revoke an operator key; ask an operator",
        ),
        F_(
            "error-detail",
            "must be EVIDENCE_KIND_VIDEO or EVIDENCE_KIND_PHOTO",
        ),
        F_(
            "error-detail",
            "{name} is empty (0 bytes); the file did not copy completely, upload the original",
        ),
        F_(
            "error-detail",
            "{name} is {size} MB, above this server's {max} MB upload limit; trim the recording "
            "to the unboxing or export it at a lower bitrate",
        ),
        F_(
            "error-detail",
            "the first message of an upload must be the header",
        ),
        F_(
            "error-detail",
            "only the first message of an upload may be a header",
        ),
        F_(
            "error-detail",
            "more bytes arrived than the {size} the header declared; the upload was stopped. "
            "Send the file's exact size in header.size_bytes",
        ),
        F_(
            "error-detail",
            "the stream ended after {received} of the {size} bytes the header declared; the "
            "upload was cut short, send the whole file again",
        ),
        F_(
            "error-detail",
            "the bytes received have SHA-256 {digest}, not the header's {declared}; the file "
            "changed while uploading or was corrupted in transit, upload it again",
        ),
        F_(
            "error-detail",
            "these bytes are already stored as a {kind} (evidence {digest}); upload them as one",
        ),
        F_(
            "error-detail",
            "no data arrived for {idle} s, so the upload was abandoned and its disk space "
            "released; upload the file again",
        ),
        F_(
            "error-detail",
            "not enough disk space for {size} MB: {free} MB free, {promised} MB promised to "
            "uploads in progress and {kept} MB kept free; retry later or ask the operator to "
            "free space",
        ),
        F_(
            "error-detail",
            "the analysis was stopped at {fraction} ({stage}): the request's deadline passed; "
            "retry with a longer deadline (a minute per few minutes of video is ample)",
        ),
        F_(
            "error-detail",
            "decoding {name} needs more memory than an analysis worker may use ({gib} GiB, "
            "worker_memory_bytes); send a smaller export of the photo",
        ),
        F_(
            "error-detail",
            "decoding {name} needs more memory than an analysis worker may use; send a smaller "
            "export of the photo",
        ),
        F_(
            "error-detail",
            "analysing this evidence needs more memory than an analysis worker may use ({gib} "
            "GiB, worker_memory_bytes); send a shorter or smaller recording",
        ),
        F_(
            "error-detail",
            "analysing this evidence needs more memory than an analysis worker may use; send a "
            "shorter or smaller recording",
        ),
        F_(
            "error-detail",
            "decoding the photo took longer than {budget} s",
        ),
        F_(
            "error-detail",
            "the worker decoding this photo died twice (killed or out of memory); nothing was "
            "stored, retry the upload",
        ),
        F_(
            "error-detail",
            "the request's deadline passed while waiting for an analysis worker",
        ),
        F_(
            "error-detail",
            "the analysis worker running this job died twice (killed or out of memory); nothing "
            "was stored, retry the request",
        ),
        F_(
            "error-detail",
            "the request's deadline passed before the analysis finished",
        ),
        F_(
            "error-detail",
            "{name} holds {minutes} min of video, longer than the {max} min limit; upload only "
            "the unboxing part",
        ),
        F_(
            "error-detail",
            "{name} is not a regular file; upload the video file itself",
        ),
        F_(
            "error-detail",
            "{name} is empty (0 bytes); the upload did not complete, upload the video again",
        ),
        F_(
            "error-detail",
            "{name} is {size} GiB, above the {max} GiB limit; trim the recording to the "
            "unboxing or export it at a lower bitrate",
        ),
        F_(
            "error-detail",
            "this is {kind}, not a video (its name ends in {suffix}); upload it as a photo",
        ),
        F_(
            "error-detail",
            "this is {kind}, not a video; upload it as a photo",
        ),
        F_(
            "error-detail",
            "{name} looks like an HTML page, perhaps a failed download, not a video; download "
            "the original recording again and upload that",
        ),
        F_(
            "error-detail",
            "{name} is {what}; upload the original recording (MP4, MOV, MKV, WebM, AVI, TS)",
        ),
        F_(
            "error-detail",
            "{name} has no index (the 'moov' atom at the end of the file is missing); this "
            "usually means the copy or upload was interrupted; re-export or re-upload the "
            "original",
        ),
        F_(
            "error-detail",
            "{name} ends too early ({detail}); the file was cut off during copying or upload; "
            "upload the complete original",
        ),
        F_(
            "error-detail",
            "ffprobe could not read {name} as {kind} ({detail}); the file is damaged or in a "
            "variant proofbox cannot read; upload the original recording",
        ),
        F_(
            "error-detail",
            "the video frame is {width}x{height} ({pixels} MP), above the {max} MP limit; "
            "export the recording at 4K or lower",
        ),
        F_(
            "error-detail",
            "the video lasts {minutes} min, longer than the {max} min limit; upload only the unboxing part",
        ),
        F_(
            "error-detail",
            "{name} opens as a still image ({format}), not a video; upload it as a photo",
        ),
        F_(
            "error-detail",
            "{name} has no video stream (streams: {kinds}); it is an audio recording or a cover "
            "image; upload the video recording itself",
        ),
        F_(
            "error-detail",
            "{name} is not a regular file; upload the photo itself",
        ),
        F_(
            "error-detail",
            "{name} is empty (0 bytes); the upload did not complete, upload the photo again",
        ),
        F_(
            "error-detail",
            "{name} is {size} MiB, above the upload limit; send the original photo",
        ),
        F_(
            "error-detail",
            "this is {kind}, not a photo ({name}); upload it as a video",
        ),
        F_(
            "error-detail",
            "{name} is {what}, not a photo; upload the original JPEG, HEIC, PNG or WebP",
        ),
        F_(
            "error-detail",
            "{name} starts like {kind} but its header cannot be read; it is damaged; upload the "
            "original photo",
        ),
        F_(
            "error-detail",
            "{name} is {width}x{height} ({pixels} MP), above the {max} MP limit; send a smaller "
            "export of the photo",
        ),
        F_(
            "error-detail",
            "{name} declares a size too large to decode safely ({detail}); send the original photo",
        ),
        F_(
            "error-detail",
            "{name}: the {kind} pixel data is cut off or missing ({detail}); the file was not "
            "copied completely; upload the original photo again",
        ),
        F_(
            "error-detail",
            "{name}: the {kind} pixel data cannot be decoded ({detail}); upload the original photo",
        ),
        F_(
            "error-detail",
            "{name}: no frame of the video stream could be decoded: {detail}",
        ),
        F_(
            "error-detail",
            "{name}: no frame of the video stream could be decoded",
        ),
        F_(
            "error-detail",
            "{name}: only {until} s of the {declared} s the file declares can be decoded; the "
            "file is truncated (an interrupted copy or upload). Upload the complete original "
            "recording.",
        ),
        F_(
            "error-detail",
            "one name per photo",
        ),
        F_(
            "error-detail",
            "the server's disk filled up while this upload was being written ({errno}); nothing of it was "
            "kept. Retry later, or ask the operator to free space",
        ),
        F_(
            "error-detail",
            "internal server error; quote request id {request} when reporting it (the server log has the "
            "details)",
        ),
        F_(
            "error-detail",
            "unknown time zone {zone}; use an IANA name such as Asia/Shanghai",
        ),
    )
)
"""English templates of the details requests fail with (every one a client's input or media file can
set off: tests/proofbox/test_error_details.py), in the order they are tried."""

FRAGMENTS = (
    # what a file is (evidence.media.sniff.describe, without its article) and what it was found to
    # be: English that travels inside a detail, shown through ``{x:text}``
    N_("MP4 video"),
    N_("QuickTime (MOV) video"),
    N_("3GP video"),
    N_("Matroska (MKV) video"),
    N_("WebM video"),
    N_("AVI video"),
    N_("MPEG transport stream (TS/MTS) video"),
    N_("Flash (FLV) video"),
    N_("Ogg media file"),
    N_("MPEG program stream (MPG/VOB) video"),
    N_("Windows Media (ASF/WMV) file"),
    N_("JPEG image"),
    N_("PNG image"),
    N_("GIF image"),
    N_("WebP image"),
    N_("TIFF image"),
    N_("BMP image"),
    N_("Photoshop (PSD) image"),
    N_("HEIF/HEIC image"),
    N_("AVIF image"),
    N_("HTML page"),
    N_("text file"),
    N_("empty file"),
    N_("file of unknown type"),
    N_("a text file"),
    N_("not a recognised video format"),
    N_("an HTML page, perhaps a failed download"),
    N_("not a recognised image format"),
    N_("the file"),
    N_("no details"),
)
"""English fragments a detail's parameter may hold, looked up in the catalog by their wording."""


def translate_detail(message: str, lang: str) -> str | None:
    """An error's detail in ``lang`` when a template matches it (the values taken back out of
    the English), else None."""
    from .composed import _pattern

    if lang == "en":
        return message
    for template in DETAILS:
        match = _pattern(template).match(message)
        if match is None:
            continue
        values = match.groupdict()
        if "kind" in values:  # "an MP4 video" (evidence.media.sniff.describe): the name alone
            values["kind"] = _ARTICLE.sub("", values["kind"])
        try:
            return fill(gettext(template, lang, DETAIL_CONTEXT), values, lang)
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return None


_ARTICLE = re.compile(r"^(?:a|an) ")


def localized_error(code: str, message: str, field: str, lang: str) -> str:
    """The error for a reader of ``lang``: the code's sentence, the field, then the detail in
    ``lang`` when a template of :data:`DETAILS` matches it, else as raised, marked as the
    original text (a path, a tool's output)."""
    if lang == "en" or code not in ERRORS:
        return message
    parts = [gettext(ERRORS[code], lang, code)]  # the code is the message context (F_)
    if field:
        parts.append(translate("Field: {field}.", {"field": field}, lang))
        message = message.removeprefix(f"{field}: ")  # InvalidInput names its field first
    if message:
        detail = translate_detail(message, lang)
        if detail is not None:
            parts.append(translate("Detail: {detail}", {"detail": detail}, lang))
        else:
            parts.append(translate("Detail (as reported): {detail}", {"detail": message}, lang))
    # Chinese sentences follow one another without a space
    return ("" if lang.startswith("zh") else " ").join(parts)
