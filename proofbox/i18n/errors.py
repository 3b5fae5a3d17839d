"""Error messages for people, by proofbox's stable error code.

An error's status message stays what the code raised (English, with the field and values); a
reply also carries ``google.rpc.LocalizedMessage`` in the request's language (the standard
detail for this, in ``grpc-status-details-bin``): the error code's sentence from this catalogue,
then the field and the original detail. Codes are language-neutral and unchanged.
"""

from __future__ import annotations

from . import fill, gettext, translate
from .findings import F_

__all__ = ["DETAILS", "ERRORS", "localized_error", "translate_detail"]

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
    )
)
"""English templates of the details most requests fail with, in the order they are tried."""


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
        try:
            return fill(gettext(template, lang, DETAIL_CONTEXT), match.groupdict(), lang)
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return None


def localized_error(code: str, message: str, field: str, lang: str) -> str:
    """The error for a reader of ``lang``: the code's sentence, the field, then the detail in
    ``lang`` when it is one of the usual ones (:data:`DETAILS`), else as raised, marked as the
    original text (a path, a tool's output)."""
    if lang == "en" or code not in ERRORS:
        return message
    parts = [gettext(ERRORS[code], lang, code)]  # the code is the message context (F_)
    if field:
        parts.append(translate("Field: {field}.", {"field": field}, lang))
    if message:
        detail = translate_detail(message, lang)
        if detail is not None:
            parts.append(translate("Detail: {detail}", {"detail": detail}, lang))
        else:
            parts.append(translate("Detail (as reported): {detail}", {"detail": message}, lang))
    return " ".join(parts)
