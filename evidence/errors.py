"""The one exception tree of proofbox.

Every error the project raises on purpose derives from :class:`ProofboxError`, so callers (the gRPC
edge, the CLI, batch re-scoring) can map them in one place. Each class carries a stable ``code``
that travels to clients unchanged::

    ProofboxError
    ├── MediaError                      bad input media; nothing was analysed
    │   ├── EmptyMedia                  EMPTY_FILE
    │   ├── MediaTooLarge               FILE_TOO_LARGE, IMAGE_TOO_LARGE, VIDEO_TOO_LONG
    │   ├── UnsupportedMedia            NOT_A_MEDIA_FILE, UNSUPPORTED_FORMAT_OR_EXTENSION_MISMATCH
    │   ├── TruncatedMedia              TRUNCATED, TRUNCATED_OR_MISSING_INDEX, TRUNCATED_IMAGE
    │   ├── NoVideoStream               NO_VIDEO_STREAM
    │   └── UndecodableMedia            DECODE_FAILED
    ├── ToolError                       ffmpeg/ffprobe missing, crashed or timed out
    │   └── ToolTimeout                 TOOL_TIMEOUT
    ├── InvalidInput                    a request or case field is malformed (carries ``field``)
    ├── PolicyError                     a policy pack failed to load or compile (carries ``entry``)
    ├── NotFound                        NOT_FOUND
    ├── AlreadyExists                   ALREADY_EXISTS (same id, different content)
    ├── FailedPrecondition              FAILED_PRECONDITION
    ├── ResourceExhausted               RESOURCE_EXHAUSTED (limits, full queues)
    ├── Unauthenticated                 UNAUTHENTICATED
    └── PermissionDenied                PERMISSION_DENIED
"""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "EmptyMedia",
    "FailedPrecondition",
    "InvalidInput",
    "MediaError",
    "MediaTooLarge",
    "NoVideoStream",
    "NotFound",
    "PermissionDenied",
    "PolicyError",
    "ProofboxError",
    "ResourceExhausted",
    "ToolError",
    "ToolTimeout",
    "TruncatedMedia",
    "Unauthenticated",
    "UndecodableMedia",
    "UnsupportedMedia",
]


class ProofboxError(Exception):
    """Root of every error proofbox raises on purpose.

    ``code`` is a stable machine-readable identifier; ``str(error)`` is a message that says what
    went wrong and, where possible, what to do next.
    """

    code: str = "PROOFBOX_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class MediaError(ProofboxError):
    """The uploaded media cannot be analysed as it is."""

    code = "BAD_MEDIA"


class EmptyMedia(MediaError):
    code = "EMPTY_FILE"


class MediaTooLarge(MediaError):
    code = "FILE_TOO_LARGE"


class UnsupportedMedia(MediaError):
    code = "NOT_A_MEDIA_FILE"


class TruncatedMedia(MediaError):
    code = "TRUNCATED"


class NoVideoStream(MediaError):
    code = "NO_VIDEO_STREAM"


class UndecodableMedia(MediaError):
    code = "DECODE_FAILED"


class ToolError(ProofboxError):
    """An external tool (ffmpeg, ffprobe) is missing or failed for reasons other than the input."""

    code = "TOOL_ERROR"


class ToolTimeout(ToolError):
    code = "TOOL_TIMEOUT"


class InvalidInput(ProofboxError):
    """A request, case or archive record is malformed; ``field`` names the offending field."""

    code = "INVALID_ARGUMENT"

    def __init__(self, message: str, *, field: str = "", code: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message, code=code)
        self.field = field


class PolicyError(ProofboxError):
    """A policy pack is invalid; ``entry`` names the rule or table that failed."""

    code = "POLICY_INVALID"

    def __init__(self, message: str, *, entry: str = "", code: str | None = None) -> None:
        super().__init__(f"{entry}: {message}" if entry else message, code=code)
        self.entry = entry


class NotFound(ProofboxError):
    code = "NOT_FOUND"


class AlreadyExists(ProofboxError):
    code = "ALREADY_EXISTS"


class FailedPrecondition(ProofboxError):
    code = "FAILED_PRECONDITION"


class ResourceExhausted(ProofboxError):
    code = "RESOURCE_EXHAUSTED"


class Unauthenticated(ProofboxError):
    code = "UNAUTHENTICATED"


class PermissionDenied(ProofboxError):
    code = "PERMISSION_DENIED"
