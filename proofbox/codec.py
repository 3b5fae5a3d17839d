"""Plain JSON-like dicts to proofbox.v1 messages and back, with the enum names the Python model uses.

The Python models (``disputes``, ``evidence``) write enums as their values (``"tmall"``,
``"return_and_refund"``, ``"PASS"``); the proto enums carry a prefix and an UNSPECIFIED zero
(``PLATFORM_TMALL``). The mapping is generic: the prefix is the enum's name in UPPER_SNAKE, and the
rest, lower-cased, is the Python value (compared case-insensitively). UNSPECIFIED means "not set": it
becomes an absent key, so the Python model's default applies.

Other conventions: ``google.protobuf.Timestamp`` <-> ISO 8601 strings with an offset (or aware
datetimes); absent optional fields <-> absent keys; ``bytes`` stay ``bytes``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from google.protobuf import descriptor as _d
from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

__all__ = ["CodecError", "enum_prefix", "enum_to_plain", "message_to_plain", "plain_to_message"]

M = TypeVar("M", bound=Message)
_TIMESTAMP = timestamp_pb2.Timestamp.DESCRIPTOR.full_name
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class CodecError(ValueError):
    """A plain value does not fit the message; ``field`` is the dotted path of the offending key."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


@functools.cache
def enum_prefix(enum: Any) -> str:
    """``ClaimReason`` -> ``CLAIM_REASON_``."""
    return _CAMEL.sub("_", enum.name).upper() + "_"


@functools.cache
def _enum_names(enum: Any) -> dict[str, int]:
    prefix = enum_prefix(enum)
    return {v.name[len(prefix) :].lower(): v.number for v in enum.values if v.number != 0}


def enum_to_plain(enum: Any, number: int) -> str | None:
    """The Python value of an enum number (lower-case), or None for UNSPECIFIED/unknown numbers."""
    if number == 0:
        return None
    value = enum.values_by_number.get(number)
    return value.name[len(enum_prefix(enum)) :].lower() if value is not None else None


def _enum_number(enum: Any, value: Any, path: str) -> int:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, int) and not isinstance(value, bool):
        if value in enum.values_by_number:
            return value
        raise CodecError(f"{value} is not a {enum.name} number", path)
    if not isinstance(value, str):
        raise CodecError(f"expected a {enum.name} name as a string, got {value!r}", path)
    names = _enum_names(enum)
    key = value.lower()
    if key.upper().startswith(enum_prefix(enum)):
        key = key[len(enum_prefix(enum)) :]
    if key not in names:
        raise CodecError(f"unknown value {value!r}; expected one of {', '.join(sorted(names))}", path)
    return names[key]


def _timestamp(value: Any, path: str) -> timestamp_pb2.Timestamp:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise CodecError(
                f"{value!r} is not an ISO 8601 datetime; write e.g. 2024-11-11T20:00:00+08:00", path
            ) from None
    if not isinstance(value, datetime):
        raise CodecError(f"expected an ISO 8601 datetime string, got {value!r}", path)
    if value.tzinfo is None or value.utcoffset() is None:
        raise CodecError(
            f"datetime {value.isoformat()} has no UTC offset; write it with one, "
            "e.g. 2024-11-11T20:00:00+08:00 (Beijing time)",
            path,
        )
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def _scalar(fd: Any, value: Any, path: str) -> Any:
    if fd.type == _d.FieldDescriptor.TYPE_ENUM:
        return _enum_number(fd.enum_type, value, path)
    if fd.type == _d.FieldDescriptor.TYPE_STRING:
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)  # money written as a JSON number
        if not isinstance(value, str):
            raise CodecError(f"expected a string, got {value!r}", path)
        return value
    if fd.type == _d.FieldDescriptor.TYPE_BOOL:
        if not isinstance(value, bool):
            raise CodecError(f"expected true or false, got {value!r}", path)
        return value
    if fd.type == _d.FieldDescriptor.TYPE_BYTES:
        if not isinstance(value, bytes | bytearray):
            raise CodecError(f"expected bytes, got {type(value).__name__}", path)
        return bytes(value)
    if fd.type in (_d.FieldDescriptor.TYPE_DOUBLE, _d.FieldDescriptor.TYPE_FLOAT):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CodecError(f"expected a number, got {value!r}", path)
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodecError(f"expected an integer, got {value!r}", path)
    return value


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def plain_to_message(data: Mapping[str, Any], message: M, path: str = "") -> M:
    """Fill ``message`` from ``data`` (keys are field names; None values are skipped) and return it.

    Raises :class:`CodecError` naming the field for unknown keys and values of the wrong type.
    """
    if not isinstance(data, Mapping):
        raise CodecError(f"expected an object, got {type(data).__name__}", path)
    fields: Any = message.DESCRIPTOR.fields_by_name
    for key, value in data.items():
        sub = _join(path, str(key))
        fd = fields.get(key)
        if fd is None:
            raise CodecError("unknown field", sub)
        if value is None:
            continue
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            _fill_map(fd, value, getattr(message, key), sub)
        elif fd.is_repeated:
            if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
                raise CodecError(f"expected a list, got {type(value).__name__}", sub)
            target = getattr(message, key)
            for i, item in enumerate(value):
                item_path = f"{sub}[{i}]"
                if fd.message_type is None:
                    target.append(_scalar(fd, item, item_path))
                elif fd.message_type.full_name == _TIMESTAMP:
                    target.append(_timestamp(item, item_path))
                else:
                    plain_to_message(item, target.add(), item_path)
        elif fd.message_type is not None:
            if fd.message_type.full_name == _TIMESTAMP:
                getattr(message, key).CopyFrom(_timestamp(value, sub))
            else:
                plain_to_message(value, getattr(message, key), sub)
        else:
            setattr(message, key, _scalar(fd, value, sub))
    return message


def _fill_map(fd: Any, value: Any, target: Any, path: str) -> None:
    if not isinstance(value, Mapping):
        raise CodecError(f"expected an object, got {type(value).__name__}", path)
    value_fd = fd.message_type.fields_by_name["value"]
    for k, v in value.items():
        if value_fd.message_type is not None:
            plain_to_message(v, target[k], f"{path}.{k}")
        else:
            target[k] = _scalar(value_fd, v, f"{path}.{k}")


def _plain_value(fd: Any, value: Any) -> Any:
    if fd.type == _d.FieldDescriptor.TYPE_ENUM:
        return enum_to_plain(fd.enum_type, value)
    if fd.message_type is not None:
        if fd.message_type.full_name == _TIMESTAMP:
            return value.ToDatetime(tzinfo=UTC).isoformat()
        return message_to_plain(value)
    return value


def message_to_plain(message: Message) -> dict[str, Any]:
    """The fields that are set, as a plain dict in the Python models' conventions.

    Enum values become the Python value (lower-case; UNSPECIFIED is dropped), timestamps ISO 8601
    strings in UTC, absent optional fields absent keys.
    """
    out: dict[str, Any] = {}
    field_value: tuple[Any, Any]
    for field_value in message.ListFields():
        fd, value = field_value
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            value_fd = fd.message_type.fields_by_name["value"]
            out[fd.name] = {k: _plain_value(value_fd, v) for k, v in value.items()}
        elif fd.is_repeated:
            items = [_plain_value(fd, v) for v in value]
            out[fd.name] = [v for v in items if v is not None]
        else:
            plain = _plain_value(fd, value)
            if plain is not None:
                out[fd.name] = plain
    return out
