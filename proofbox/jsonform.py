"""JSON in and out of proofbox.v1 messages: protobuf's own JSON mapping, plus the older spellings.

Everything that takes JSON (the CLI's case and order files, batch archives, stored cases) goes
through :func:`parse`, which is :func:`google.protobuf.json_format.ParseDict` after a light pass
over the data, so every spelling the canonical proto JSON mapping allows is accepted:

* field names in lowerCamelCase (``caseId``, what grpcurl and other languages' printers write) or
  as in the .proto file (``case_id``);
* enum values by name (``PLATFORM_TMALL``) or number, or by the platforms' Chinese words for them
  (``平台介入中``, ``退货退款``, ``天猫``; :mod:`proofbox.i18n.aliases`).

The pass also keeps accepting what proofbox's own files were written with before (case JSON from
``proofbox sample``, archives, stored cases), so nothing written earlier becomes unreadable:

* enum values as the lower-case rest of their name (``"tmall"``, ``"return_and_refund"``);
* money as a JSON number (``199.5``) as well as the canonical decimal string (``"199.50"``);
* times in any ISO 8601 form with a UTC offset (``2024-11-11 20:00+08:00``), not only RFC 3339.
  A time without an offset is refused with a message saying how to write it.

Errors are :class:`JsonFormError` with the dotted path of the offending field (as the caller
spelled it), so a person can find it. :func:`to_dict` writes the canonical mapping back.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from proofbox.i18n import simplified
from proofbox.i18n.aliases import ALIASES as CHINESE_ALIASES

__all__ = ["JsonFormError", "canonical_json", "enum_prefix", "parse", "parse_text", "short_enum", "to_dict"]

M = TypeVar("M", bound=Message)
_TIMESTAMP = "google.protobuf.Timestamp"
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
# string fields that hold money: a JSON number is accepted there and written as its decimal text
MONEY_FIELDS = frozenset(
    {"proofbox.v1.Order.amount", "proofbox.v1.Claim.amount", "proofbox.v1.Compensation.amount"}
)


class _Slow(Exception):
    """Data only json_format can read (the constructor path gives way)."""


class JsonFormError(ValueError):
    """JSON that does not fit the message; ``field`` is the dotted path of the offending key."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


@functools.cache
def enum_prefix(enum: Any) -> str:
    """``ClaimReason`` -> ``CLAIM_REASON_``: the prefix every value of a proofbox.v1 enum carries."""
    return _CAMEL.sub("_", enum.name).upper() + "_"


def short_enum(enum: Any, number: int) -> str | None:
    """The short lower-case spelling of an enum value (``PLATFORM_TMALL`` -> ``"tmall"``), None for 0."""
    value = enum.values_by_number.get(number)
    if number == 0 or value is None:
        return None
    return str(value.name).removeprefix(enum_prefix(enum)).lower()


@functools.cache
def _enum_aliases(enum: Any) -> dict[str, str]:
    """Short spellings (any case) and the platforms' Chinese words -> the value's canonical name."""
    prefix = enum_prefix(enum)
    aliases = {v.name.removeprefix(prefix).lower(): v.name for v in enum.values if v.number != 0}
    for word, short in CHINESE_ALIASES.get(enum.full_name, {}).items():
        aliases[word] = prefix + short
    return aliases


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _enum_value(fd: Any, value: Any, path: str) -> Any:
    if isinstance(value, Enum):  # from Python callers: the model's enum members
        value = str(value.value)
    enum = fd.enum_type
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # a number: json_format checks it
    if not isinstance(value, str):
        raise JsonFormError(f"expected a {enum.name} name as a string, got {value!r}", path)
    if value in enum.values_by_name:
        return value
    alias = _enum_aliases(enum).get(value.lower()) or _enum_aliases(enum).get(simplified(value.strip()))
    if alias is None:
        known = sorted(_enum_aliases(enum))
        hint = difflib.get_close_matches(value.lower(), known, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise JsonFormError(
            f"unknown value {value!r}; expected one of {', '.join(known)} "
            f"(or {enum_prefix(enum)}...){suggestion}",
            path,
        )
    return alias


def _timestamp(value: Any, path: str, fast: bool) -> Any:
    if isinstance(value, datetime):  # from Python callers, or YAML's timestamps
        value = value.isoformat()
    if not isinstance(value, str):
        raise JsonFormError(
            f"expected an ISO 8601 time string such as 2024-11-11T20:00:00+08:00, got {value!r}", path
        )
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        if _RFC3339.fullmatch(value):
            raise _Slow from None  # e.g. nanoseconds: json_format reads those
        raise JsonFormError(
            f"{value!r} is not an ISO 8601 time; write e.g. 2024-11-11T20:00:00+08:00", path
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise JsonFormError(
            f"time {value!r} has no UTC offset; write it with one, e.g. 2024-11-11T20:00:00+08:00 "
            "(Beijing time) or 2024-11-11T12:00:00Z",
            path,
        )
    if fast:
        return moment
    if _RFC3339.fullmatch(value):
        return value
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_PLAIN, _ENUM, _TIME, _MESSAGE, _MONEY = range(5)
_Entry = tuple[str, Any, int, bool, bool]


@functools.cache
def _plan(descriptor: Any) -> dict[str, _Entry]:
    """Both spellings of every field name -> (name in the .proto, value descriptor, kind, repeated, map)."""
    plan: dict[str, _Entry] = {}
    for fd in descriptor.fields:
        is_map = bool(fd.message_type is not None and fd.message_type.GetOptions().map_entry)
        target = fd.message_type.fields_by_name["value"] if is_map else fd
        if target.type == FieldDescriptor.TYPE_ENUM:
            kind = _ENUM
        elif target.message_type is not None and target.message_type.full_name == _TIMESTAMP:
            kind = _TIME
        elif target.message_type is not None:
            kind = _MESSAGE
        elif target.full_name in MONEY_FIELDS:
            kind = _MONEY
        else:
            kind = _PLAIN
        plan[fd.name] = plan[fd.json_name] = (fd.name, target, kind, fd.is_repeated and not is_map, is_map)
    return plan


def _scalar(fd: Any, kind: int, value: Any, path: str, fast: bool) -> Any:
    if kind == _PLAIN:
        return value
    if kind == _ENUM:
        return _enum_value(fd, value, path)
    if kind == _TIME:
        return _timestamp(value, path, fast)
    if kind == _MESSAGE:
        return _normalize(fd.message_type, value, path, fast)
    if isinstance(value, Decimal):  # money
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return repr(value) if isinstance(value, float) else str(value)
    return value


def _normalize(descriptor: Any, data: Any, path: str, fast: bool) -> Any:
    """A copy of ``data`` with the older spellings rewritten; unknown keys are errors with a hint.

    ``fast``: the keyword arguments of the message's constructor instead (names as in the .proto,
    times as datetimes), which the protobuf runtime checks as strictly as json_format, in C.
    """
    if not isinstance(data, Mapping):
        raise JsonFormError(f"expected an object, got {type(data).__name__}", path)
    plan = _plan(descriptor)
    out: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for key, value in data.items():
        entry = plan.get(key)
        if entry is None:
            names = sorted({f.name for f in descriptor.fields})
            hint = difflib.get_close_matches(str(key), names + [f.json_name for f in descriptor.fields], n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise JsonFormError(f"unknown field of {descriptor.name}{suggestion}", _join(path, str(key)))
        name, fd, kind, repeated, is_map = entry
        if name in seen:
            raise JsonFormError(f"is given twice (as {seen[name]!r} and {key!r})", _join(path, key))
        seen[name] = key
        if value is None:
            continue  # null: the field's default, as the JSON mapping says
        converted = value
        if kind != _PLAIN or is_map or repeated:
            sub = _join(path, key)
            if is_map and isinstance(value, Mapping):
                converted = {k: _scalar(fd, kind, v, f"{sub}.{k}", fast) for k, v in value.items()}
            elif repeated and isinstance(value, list):
                converted = [_scalar(fd, kind, v, f"{sub}[{i}]", fast) for i, v in enumerate(value)]
            elif not is_map and not repeated:
                converted = _scalar(fd, kind, value, sub, fast)
        out[name if fast else key] = converted
    return out


_PATH = re.compile(r"Failed to parse (\w+) field: ")
_AT = re.compile(r' at "?[\w.]+?((?:\.\w+|\[\d+\])*)"?\.*$')


def _reason(error: json_format.ParseError, path: str) -> JsonFormError:
    """json_format's message as a reason and a field path."""
    text = str(error)
    names = _PATH.findall(text)
    reason = _PATH.sub("", text).strip()
    field = ".".join(names)
    located = _AT.search(reason)
    if located:
        reason = reason[: located.start()].rstrip(" .")
    if "has no field named" in reason:  # caught by _normalize; kept for safety
        reason = reason.split("\n", 1)[0]
    reason = reason.rstrip(".")
    return JsonFormError(reason, _join(path, field))


def parse(data: Any, message: M, path: str = "") -> M:
    """Fill ``message`` from JSON-like ``data`` (any spelling above) and return it.

    The common case (well-typed data) is built by the message's own constructor, which refuses
    anything of the wrong type; whatever it refuses, and every spelling only the JSON mapping
    allows (numbers as strings, "NaN", nanoseconds), goes through ``json_format.ParseDict``, which
    decides and words the error.
    """
    if isinstance(data, Message):
        message.CopyFrom(data)  # type: ignore[arg-type]
        return message
    try:
        kwargs = _normalize(message.DESCRIPTOR, data, path, True)
        built = type(message)(**kwargs)
    except (_Slow, TypeError, ValueError) as exc:
        if isinstance(exc, JsonFormError):
            raise
    else:
        message.MergeFrom(built)
        return message
    normalized = _normalize(message.DESCRIPTOR, data, path, False)
    try:
        json_format.ParseDict(normalized, message)
    except json_format.ParseError as exc:
        raise _reason(exc, path) from None
    return message


def parse_text(text: str, message: M, path: str = "") -> M:
    """:func:`parse` for JSON text (syntax errors are :class:`JsonFormError` too)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonFormError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", path
        ) from None
    except RecursionError:
        raise JsonFormError("not valid JSON here: nested too deeply", path) from None
    try:
        return parse(data, message, path)
    except RecursionError:
        raise JsonFormError("nested too deeply for this message", path) from None


def to_dict(message: Message, *, camel_case: bool = False) -> dict[str, Any]:
    """The canonical proto JSON mapping: field names as in the .proto (or lowerCamelCase), enum
    names, RFC 3339 times in UTC; fields at their default are left out."""
    result: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=not camel_case)
    return result


def canonical_json(message: Message) -> str:
    """One text per content: :func:`to_dict` with sorted keys and no spaces (what case hashes use)."""
    return json.dumps(to_dict(message), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
