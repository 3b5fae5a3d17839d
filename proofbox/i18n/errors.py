"""Error messages for people, by proofbox's stable error code.

An error's status message stays what the code raised (English, with the field and values); a
reply also carries ``google.rpc.LocalizedMessage`` in the request's language (the standard
detail for this, in ``grpc-status-details-bin``): the error code's sentence from this catalogue,
then the field and the original detail. Codes are language-neutral and unchanged.
"""

from __future__ import annotations

from . import gettext, translate
from .findings import F_

__all__ = ["ERRORS", "localized_error"]

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


def localized_error(code: str, message: str, field: str, lang: str) -> str:
    """The error for a reader of ``lang``: the code's sentence, the field, then the detail."""
    if lang == "en" or code not in ERRORS:
        return message
    parts = [gettext(ERRORS[code], lang, code)]  # the code is the message context (F_)
    if field:
        parts.append(translate("Field: {field}.", {"field": field}, lang))
    parts.append(translate("Detail: {detail}", {"detail": message}, lang))
    return " ".join(parts)
