"""Identifiers: time-sortable result ids, request ids, and the checks on ids clients choose."""

from __future__ import annotations

import os
import re
import threading
import time

from evidence.errors import InvalidInput

__all__ = ["check_case_id", "check_operation_id", "check_sha256", "new_request_id", "new_result_id"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_OPERATION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_REQUEST = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_CASE_ID = 128


_last = [0, 0]  # (milliseconds, sequence) of the last id this process issued
_ids_lock = threading.Lock()


def new_result_id() -> str:
    """``res_`` + 12 hex digits of milliseconds + a 4-digit sequence + 16 random hex digits.

    Ids have a fixed width, so sorting them sorts results by creation time; the sequence keeps ids
    issued by one server in the same millisecond in order too.
    """
    with _ids_lock:
        millis = max(time.time_ns() // 1_000_000, _last[0])
        sequence = _last[1] + 1 if millis == _last[0] else 0
        if sequence > 0xFFFF:
            millis, sequence = millis + 1, 0
        _last[0], _last[1] = millis, sequence
    return f"res_{millis:012x}{sequence:04x}{os.urandom(8).hex()}"


def new_request_id(incoming: str | None = None) -> str:
    """The caller's ``x-request-id`` when it is a sane token, else a fresh one."""
    if incoming and _REQUEST.match(incoming):
        return incoming
    return "req_" + os.urandom(8).hex()


def check_case_id(value: str, field: str = "case_id") -> str:
    if not value:
        raise InvalidInput("is required", field=field)
    if len(value) > MAX_CASE_ID or any(ord(ch) < 32 for ch in value):
        raise InvalidInput(
            f"must be at most {MAX_CASE_ID} printable characters (got {len(value)})", field=field
        )
    return value


def check_sha256(value: str, field: str) -> str:
    if not _SHA256.match(value):
        raise InvalidInput(
            f"{value[:80]!r} is not a SHA-256 digest; send 64 lower-case hex digits", field=field
        )
    return value


def check_operation_id(value: str, field: str = "operation_id") -> str:
    if value and not _OPERATION.match(value):
        raise InvalidInput("use 1-64 letters, digits, '-' or '_'", field=field)
    return value
