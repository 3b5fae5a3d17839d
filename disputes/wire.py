"""The model's frozen dataclasses <-> proofbox.v1 messages, field for field.

JSON never reaches the model directly: it is read into a message by :mod:`proofbox.jsonform`
(protobuf's ``json_format``, both spellings of every name), and :func:`from_message` builds the
dataclass from the message, so there is one JSON codec in the project and it is protobuf's.
:func:`to_message` is the way back (results are converted on every call, so it is planned once per
class). Names must match on both sides: ``tests/server/test_contract.py`` proves they do.

Rules of the mapping: an enum's UNSPECIFIED (0) is "not set" and leaves the model's default (or is
an error when the field has none); an unset message, timestamp or proto3 ``optional`` leaves the
default too (``None`` for optional facts); money travels as a decimal string in yuan; times are
aware datetimes in UTC.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar, cast

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from evidence.errors import InvalidInput
from proofbox import jsonform
from proofbox.jsonform import JsonFormError, enum_prefix, parse

__all__ = ["CENT", "aware", "from_json", "from_message", "money", "read_timestamp", "to_dict", "to_message"]

T = TypeVar("T")
CENT = Decimal("0.01")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST_YEAR, LAST_YEAR = 2000, 2099
_AMOUNT_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
MAX_AMOUNT = Decimal("1000000000000")  # a trillion yuan: beyond this it is a data error
# google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def aware(value: datetime, path: str) -> datetime:
    """Reject naive datetimes (every instant must carry its UTC offset) and implausible years."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"datetime {value.isoformat()} has no UTC offset; write it with one, "
            "e.g. 2024-11-11T20:00:00+08:00 (Beijing time)",
            field=path,
        )
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidInput(
            f"datetime {value.isoformat()} is outside {FIRST_YEAR}-{LAST_YEAR}; check the year", field=path
        )
    return value


def clip_text(value: str, limit: int = 40) -> str:
    """``value`` cut to ``limit`` characters for quoting in an error."""
    return value if len(value) <= limit else value[:limit] + "…"


def money(value: Any, path: str) -> Decimal:
    """A non-negative amount in yuan with at most two decimal places (fen)."""
    if isinstance(value, bool):
        raise InvalidInput(f"expected an amount, got {value!r}", field=path)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        # plain ASCII decimal notation only: Decimal() would also take " 5 ", "١٢٣" (Arabic-Indic
        # digits), "1e3" and "-0", none of which a ticketing system means as an amount
        if value.startswith("-") and _AMOUNT_TEXT.fullmatch(value[1:]):
            raise InvalidInput(f"amount must not be negative, got {value!r}", field=path)
        if not _AMOUNT_TEXT.fullmatch(value):
            raise InvalidInput(
                f'{clip_text(value)!r} is not a decimal amount such as "199.00" (ASCII digits and at most '
                "one point; no sign, spaces or exponent)",
                field=path,
            )
        try:
            amount = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            raise InvalidInput(f'{value!r} is not a decimal amount such as "199.00"', field=path) from None
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"amount must be finite, got {value!r}", field=path)
        amount = Decimal(repr(value))
    else:
        raise InvalidInput(f'expected an amount such as "199.00", got {value!r}', field=path)
    if not amount.is_finite():
        raise InvalidInput(f"amount must be finite, got {value!r}", field=path)
    if amount < 0 or amount.is_signed():  # -0.0 too
        raise InvalidInput(f"amount must not be negative, got {value!r}", field=path)
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"amount {value!r} exceeds {MAX_AMOUNT} yuan; check the unit", field=path)
    if amount != amount.quantize(CENT):
        raise InvalidInput(f"amount {value!r} has more than two decimal places (fen)", field=path)
    return amount.quantize(CENT)


# --- message -> dataclass ---------------------------------------------------------------------------

Reader = Callable[[Any, str], Any]  # (the field's value in the message, its path) -> the model's value
_SKIP = object()  # "not set": the dataclass default applies


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def _enum_reader(cls: type[Enum], enum: Any) -> Reader:
    prefix = enum_prefix(enum)
    by_value = {str(m.value).upper(): m for m in cls}
    table = {
        v.number: by_value[v.name.removeprefix(prefix)]
        for v in enum.values
        if v.number and v.name.removeprefix(prefix) in by_value
    }

    def read(number: int, path: str) -> Enum:
        member = table.get(number)
        if member is None:
            what = "UNSPECIFIED is not a value here" if number == 0 else f"{number} is not a known value"
            raise InvalidInput(f"{enum.name} {what}", field=path)
        return member

    return read


def read_timestamp(ts: timestamp_pb2.Timestamp, path: str) -> datetime:
    """A Timestamp from a request as an aware UTC datetime: the one check of every time a client
    sends (in a case, or an ``at``). Out of protobuf's range (years 1-9999, nanos 0-999999999) or
    of the model's plausible years, it is INVALID_ARGUMENT naming ``path``."""
    if not 0 <= ts.nanos <= 999_999_999:
        raise InvalidInput(f"nanos {ts.nanos} is outside 0-999999999", field=path)
    if not _MIN_SECONDS <= ts.seconds <= _MAX_SECONDS:
        raise InvalidInput(
            f"seconds {ts.seconds} is outside the Timestamp range (years 1-9999); "
            f"send a time in {FIRST_YEAR}-{LAST_YEAR}",
            field=path,
        )
    return aware(_EPOCH + timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000), path)


_time = read_timestamp


def _reader(tp: Any, fd: Any) -> Reader:
    """How to turn the value of a set field into the dataclass's type ``tp``."""
    inner, _ = _unwrap_optional(tp)
    origin = typing.get_origin(inner)
    if origin in (frozenset, tuple):
        item = _reader(typing.get_args(inner)[0], fd)
        as_set = origin is frozenset

        def read_list(values: Any, path: str) -> Any:
            items = [item(v, f"{path}[{i}]") for i, v in enumerate(values)]
            if not as_set:
                return tuple(items)
            if len(set(items)) != len(items):
                raise InvalidInput("lists an entry twice", field=path)
            return frozenset(items)

        return read_list
    if dataclasses.is_dataclass(inner):
        sub: Any = inner
        return lambda value, path: from_message(sub, value, path)
    if inner is datetime:
        return _time
    if isinstance(inner, type) and issubclass(inner, Enum):
        return _enum_reader(inner, fd.enum_type)
    if inner is Decimal:
        return money
    if inner is float:

        def read_float(value: float, path: str) -> float:
            if not math.isfinite(value):
                raise InvalidInput(f"expected a finite number, got {value!r}", field=path)
            return value

        return read_float
    return lambda value, path: value


def _absent(tp: Any, fd: Any, has_default: bool) -> Callable[[str], Any]:
    """What an unset field means: the default, None for an optional fact, else an error or zero."""
    inner, optional = _unwrap_optional(tp)
    if has_default:
        return lambda path: _SKIP
    if optional:
        return lambda path: None
    origin = typing.get_origin(inner)
    if origin in (frozenset, tuple):
        empty: Any = frozenset() if origin is frozenset else ()
        return lambda path: empty
    if fd.message_type is not None or fd.enum_type is not None or inner is Decimal:

        def required(path: str) -> Any:
            what = f" (one of the {fd.enum_type.name} values)" if fd.enum_type is not None else ""
            raise InvalidInput(f"is required{what}", field=path)

        return required
    zero = fd.default_value  # "", False, 0: the model's own checks say whether that will do
    return lambda path: zero


@functools.cache
def _read_plan(
    cls: type,
) -> tuple[dict[str, tuple[str, Reader]], tuple[tuple[str, Callable[[str], Any]], ...]]:
    """(proto field name -> (dataclass field, reader)), and the handlers of fields left unset."""
    hints = typing.get_type_hints(cls)
    descriptor: Any = _message_class(cls).DESCRIPTOR
    readers: dict[str, tuple[str, Reader]] = {}
    absent = []
    for f in dataclasses.fields(cls):
        if not f.init or f.metadata.get("proto") is False:
            continue
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        fd = descriptor.fields_by_name[f.name]
        readers[f.name] = (f.name, _reader(hints[f.name], fd))
        absent.append((f.name, _absent(hints[f.name], fd, has_default)))
    return readers, tuple(absent)


@functools.cache
def _message_class(cls: type) -> Any:
    """The proofbox.v1 message a model dataclass maps to (the message of the same name)."""
    from proofbox.v1 import cases_pb2

    return getattr(cases_pb2, cls.__name__)


def from_message(cls: type[T], message: Message, path: str = "") -> T:
    """Build model dataclass ``cls`` from its message; errors name the field path.

    Only the fields that are set are read (``ListFields``); for the others the dataclass default
    applies, ``None`` for optional facts, and a field without a default is reported as required.
    proto3 cannot tell a zero (``""``, ``0``, ``false``) from unset, so zeros mean "default" too
    (an empty ``currency`` is the default ``CNY``).
    """
    readers, absent = _read_plan(cast(Any, cls))
    prefix = f"{path}." if path else ""
    kwargs: dict[str, Any] = {}
    field_value: tuple[Any, Any]
    for field_value in message.ListFields():
        fd, value = field_value
        name, read = readers[fd.name]
        kwargs[name] = read(value, prefix + name)
    if len(kwargs) < len(absent):
        for name, handler in absent:
            if name not in kwargs:
                value = handler(prefix + name)
                if value is not _SKIP:
                    kwargs[name] = value
    return cls(**kwargs)


def from_json(cls: type[T], data: Any, path: str = "") -> T:
    """Build ``cls`` from JSON-like data in any spelling :mod:`proofbox.jsonform` accepts."""
    if isinstance(data, cls):
        return data
    try:
        message = parse(data, _message_class(cast(Any, cls))(), path)
    except JsonFormError as exc:
        raise InvalidInput(exc.reason, field=exc.field or path or "case") from None
    return from_message(cls, message, path)


def to_dict(obj: Any) -> dict[str, Any]:
    """The canonical proto JSON of a model dataclass (names as in the .proto, enum names)."""
    return jsonform.to_dict(to_message(obj))


# --- dataclass -> message ---------------------------------------------------------------------------

_SCALAR, _STRING, _ENUM, _TIME, _MESSAGE, _LIST, _ENUMS, _MESSAGES_, _TIMES, _MAP, _POINTS = range(11)


def _timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    delta = value - _EPOCH
    return timestamp_pb2.Timestamp(
        seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000
    )


def _enum_table(descriptor: Any) -> dict[str, int]:
    prefix = enum_prefix(descriptor)
    return {v.name.removeprefix(prefix): v.number for v in descriptor.values if v.number}


@functools.cache
def _write_plan(cls: type, message_cls: Any) -> tuple[tuple[str, int, Any], ...]:
    """How to fill each field of ``message_cls`` from a ``cls`` instance (derived from the descriptor)."""
    steps: list[tuple[str, int, Any]] = []
    for f in dataclasses.fields(cls):
        if f.metadata.get("proto") is False:  # kept inside the server (e.g. evidence fingerprints)
            continue
        fd = message_cls.DESCRIPTOR.fields_by_name[f.name]
        sub = fd.message_type
        if sub is not None and sub.GetOptions().map_entry:
            steps.append((f.name, _MAP, None))
        elif sub is not None and sub.full_name == "proofbox.v1.Point":
            steps.append((f.name, _POINTS, sub._concrete_class))
        elif sub is not None and sub.full_name == "google.protobuf.Timestamp":
            steps.append((f.name, _TIMES if fd.is_repeated else _TIME, None))
        elif sub is not None:
            steps.append((f.name, _MESSAGES_ if fd.is_repeated else _MESSAGE, sub._concrete_class))
        elif fd.enum_type is not None:
            steps.append((f.name, _ENUMS if fd.is_repeated else _ENUM, _enum_table(fd.enum_type)))
        elif fd.is_repeated:
            steps.append((f.name, _LIST, None))
        elif fd.type == fd.TYPE_STRING:
            steps.append((f.name, _STRING, None))
        else:
            steps.append((f.name, _SCALAR, None))
    return tuple(steps)


def _enum_key(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value).upper()


def to_message(obj: Any, message_cls: Any = None) -> Any:
    """A frozen dataclass as ``message_cls`` (default: the proofbox.v1 message of the same name)."""
    if message_cls is None:
        message_cls = _message_class(cast(Any, type(obj)))
    kwargs: dict[str, Any] = {}
    for name, kind, extra in _write_plan(cast(Any, type(obj)), message_cls):
        value = getattr(obj, name)
        if value is None:
            continue
        if kind == _SCALAR:
            kwargs[name] = value
        elif kind == _STRING:
            kwargs[name] = (
                value
                if isinstance(value, str)
                else f"{value:.2f}"
                if isinstance(value, Decimal)
                else str(value)
            )
        elif kind == _ENUM:
            kwargs[name] = extra[_enum_key(value)]
        elif kind == _TIME:
            kwargs[name] = _timestamp(value)
        elif kind == _MESSAGE:
            kwargs[name] = to_message(value, extra)
        elif kind == _MESSAGES_:
            kwargs[name] = [to_message(v, extra) for v in value]
        elif kind == _ENUMS:
            kwargs[name] = sorted(extra[_enum_key(v)] for v in value)
        elif kind == _TIMES:
            kwargs[name] = [_timestamp(v) for v in value]
        elif kind == _LIST:
            kwargs[name] = list(value)
        elif kind == _MAP:
            kwargs[name] = dict(value)
        else:  # _POINTS
            kwargs[name] = [extra(x=int(x), y=int(y)) for x, y in value]
    return message_cls(**kwargs)
