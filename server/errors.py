"""The one mapping from proofbox's exception tree to gRPC status codes, used only at the server edge.

Servicers raise :mod:`evidence.errors` classes (the project's one exception tree, rooted at
:class:`~evidence.errors.ProofboxError`); :func:`status_for` says which status each becomes. The
server adds two classes of its own: :class:`DeadlineExceeded`, for a client deadline that passed
while work was queued or running, and :class:`StoreUnavailable`, for a database it cannot reach.

=========================  ======================  =======================================
exception                  gRPC status             notes
=========================  ======================  =======================================
InvalidInput               INVALID_ARGUMENT        ``field`` in metadata and BadRequest
MediaError (all)           INVALID_ARGUMENT        code (TRUNCATED, EMPTY_FILE, ...) in metadata
NotFound                   NOT_FOUND               also for another tenant's data
AlreadyExists              ALREADY_EXISTS
FailedPrecondition         FAILED_PRECONDITION     e.g. a stale expected_version
ResourceExhausted          RESOURCE_EXHAUSTED      full analysis queue, disk space
Unauthenticated            UNAUTHENTICATED         missing, unknown or revoked key
PermissionDenied           PERMISSION_DENIED       a read-only key writing
DeadlineExceeded           DEADLINE_EXCEEDED       the client's deadline passed
StoreUnavailable           UNAVAILABLE             the database cannot be reached (retry)
Aborted                    ABORTED                 e.g. an upload idle too long (start again)
ToolTimeout                DEADLINE_EXCEEDED       ffmpeg exceeded the server's own limit
ToolError, PolicyError     INTERNAL                the server's tools or packs are broken
anything else              INTERNAL                generic message + request id; traceback logged
=========================  ======================  =======================================
"""

from __future__ import annotations

import grpc

from evidence.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidInput,
    MediaError,
    NotFound,
    PermissionDenied,
    PolicyError,
    ProofboxError,
    ResourceExhausted,
    ToolError,
    ToolTimeout,
    Unauthenticated,
)

__all__ = ["Aborted", "DeadlineExceeded", "StoreUnavailable", "WorkerLost", "status_for"]


class DeadlineExceeded(ProofboxError):
    """The client's deadline passed before the work finished; queued work was cancelled."""

    code = "DEADLINE_EXCEEDED"


class StoreUnavailable(ProofboxError):
    """The database cannot be reached or refused the operation for reasons outside the request."""

    code = "UNAVAILABLE"


class WorkerLost(ProofboxError):
    """The analysis worker running the job died twice (killed, out of memory); retryable."""

    code = "UNAVAILABLE"


class Aborted(ProofboxError):
    """The server gave up on a call the client left idle; start the operation again."""

    code = "ABORTED"


# Most specific first: ToolTimeout before ToolError.
_MAPPING: tuple[tuple[type[ProofboxError], grpc.StatusCode], ...] = (
    (InvalidInput, grpc.StatusCode.INVALID_ARGUMENT),
    (MediaError, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    (FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
    (ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (DeadlineExceeded, grpc.StatusCode.DEADLINE_EXCEEDED),
    (StoreUnavailable, grpc.StatusCode.UNAVAILABLE),
    (WorkerLost, grpc.StatusCode.UNAVAILABLE),
    (Aborted, grpc.StatusCode.ABORTED),
    (ToolTimeout, grpc.StatusCode.DEADLINE_EXCEEDED),
    (ToolError, grpc.StatusCode.INTERNAL),
    (PolicyError, grpc.StatusCode.INTERNAL),
)


def status_for(error: ProofboxError) -> grpc.StatusCode:
    """The gRPC status code for a proofbox error (INTERNAL for classes the table does not name)."""
    for cls, code in _MAPPING:
        if isinstance(error, cls):
            return code
    return grpc.StatusCode.INTERNAL
