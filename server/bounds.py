"""Length limits on every string a request carries, checked at the edge before any handler runs.

Each string field of every request message (nested messages and repeated fields included) has a
limit in characters: ids and versions are short, names and free text longer, and a field this table
does not name gets :data:`DEFAULT_LIMIT`. Repeated fields are bounded in count too. A longer value is
INVALID_ARGUMENT naming the field path; the value itself is never echoed (errors quote at most
:data:`ECHO_LIMIT` characters of anything a client sent, see :func:`clip`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from evidence.errors import InvalidInput

__all__ = [
    "DEFAULT_LIMIT",
    "ECHO_LIMIT",
    "LIMITS",
    "MAX_REPEATED",
    "Undecodable",
    "check_bounds",
    "clip",
    "lenient",
]

DEFAULT_LIMIT = 256
"""Characters of a string field the table below does not name."""
ECHO_LIMIT = 80
"""Characters of a client's value an error message may quote."""
MAX_REPEATED = 1000
"""Entries of a repeated field (evidence ids, item codes, ...)."""
LIMITS: dict[str, int] = {
    # ids the server issues or checks exactly
    "evidence_id": 64,
    "evidence_ids": 64,
    "sha256": 64,
    "result_id": 64,
    "key_id": 64,
    "operation_id": 64,
    "tenant_id": 63,
    # ids and versions clients choose
    "case_id": 128,
    "order_id": 128,
    "ticket_id": 128,
    "tracking_number": 128,
    "return_tracking_number": 128,
    "policy_pack_version": 64,
    "analyser_version": 64,
    "currency": 8,
    "amount": 32,
    "page_token": 512,
    "ref": 256,
    # names and free text
    "filename": 1024,
    "description": 1024,
    "category": 256,
}


def clip(value: str, limit: int = ECHO_LIMIT) -> str:
    """``value`` cut to ``limit`` characters (marked with an ellipsis and the full length), for
    quoting client input in errors and logs without echoing megabytes."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value)} characters)"


@dataclass(frozen=True)
class Undecodable:
    """What stands in for a request message whose bytes do not parse (see :func:`lenient`)."""

    type_name: str
    reason: str


def lenient(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """``deserializer`` that returns :class:`Undecodable` instead of raising.

    grpc calls the request deserializer before any interceptor code runs, and answers a
    ``DecodeError`` with ``UNKNOWN: Unexpected <class ...>``, no request id and no log line. With
    this wrapper the bytes reach the edge, and :func:`check_bounds` turns them into INVALID_ARGUMENT.
    """
    if deserializer is None:
        return None
    owner = getattr(deserializer, "__self__", None)
    descriptor = getattr(owner, "DESCRIPTOR", None)
    type_name = str(getattr(descriptor, "full_name", "") or "request message")
    parse = deserializer

    def parse_or_mark(raw: bytes) -> Any:
        try:
            return parse(raw)
        except Exception as exc:  # DecodeError, bad UTF-8 in a string field, a too deep nesting, ...
            return Undecodable(type_name, clip(f"{type(exc).__name__}: {exc}", 200))

    return parse_or_mark


def check_bounds(message: object, path: str = "") -> None:
    """INVALID_ARGUMENT naming the first string field (or list) of ``message`` over its limit, or
    for a message whose bytes did not parse (:class:`Undecodable`); anything else that is not a
    message, e.g. the raw bytes of a generic handler, is let through."""
    if isinstance(message, Undecodable):
        raise InvalidInput(
            f"the request bytes are not a valid {message.type_name} message and cannot be parsed "
            f"({message.reason})"
        )
    if not isinstance(message, Message):
        return
    prefix = f"{path}." if path else ""
    item: tuple[FieldDescriptor, Any]
    for item in message.ListFields():
        fd, value = item
        name = prefix + fd.name
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            continue  # no request carries a map of client strings today
        if fd.is_repeated:
            if len(value) > MAX_REPEATED:
                raise InvalidInput(
                    f"has {len(value)} entries; at most {MAX_REPEATED} are accepted", field=name
                )
            if fd.type == FieldDescriptor.TYPE_STRING:
                for i, entry in enumerate(value):
                    _check_string(entry, fd.name, f"{name}[{i}]")
            elif fd.type == FieldDescriptor.TYPE_MESSAGE:
                for i, entry in enumerate(value):
                    check_bounds(entry, f"{name}[{i}]")
        elif fd.type == FieldDescriptor.TYPE_STRING:
            _check_string(value, fd.name, name)
        elif fd.type == FieldDescriptor.TYPE_MESSAGE and not _well_known(fd):
            check_bounds(value, name)


def _well_known(fd: FieldDescriptor) -> bool:
    """google.protobuf types (Timestamp, ...) hold no client strings worth walking."""
    return fd.message_type is None or fd.message_type.full_name.startswith("google.protobuf.")


def _check_string(value: str, field_name: str, path: str) -> None:
    limit = LIMITS.get(field_name, DEFAULT_LIMIT)
    if len(value) > limit:
        raise InvalidInput(f"is {len(value)} characters long; at most {limit} are accepted", field=path)
