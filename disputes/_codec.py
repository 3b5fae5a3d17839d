"""JSON codec for the case dataclasses: strict decoding with field paths, and its inverse.

Decoding is driven by each dataclass's resolved type hints, so the model in ``case.py`` is the one
source of truth for field names and types. Rules of the wire form:

* datetimes are ISO 8601 strings with a UTC offset (naive times are rejected);
* money is a decimal string (``"199.00"``) or a JSON number, at most two decimal places;
* enums are their lower-case string values; sets of enums are sorted lists;
* unknown keys are errors (with a "did you mean" hint), so typos in archived cases surface.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any, TypeVar, cast

from evidence.errors import InvalidInput

__all__ = ["aware", "decode", "encode", "enum_value", "hints", "json_schema", "money"]

T = TypeVar("T")
CENT = Decimal("0.01")


@cache
def hints(cls: type) -> dict[str, Any]:
    """Resolved type hints of a dataclass (cached: decoding runs in loops)."""
    return typing.get_type_hints(cls)


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def enum_value(member: Enum) -> str:
    """The wire form of an enum member: its value, lower-cased."""
    return str(member.value).lower()


def _enum_lookup(cls: type[Enum]) -> dict[str, Enum]:
    return {enum_value(m): m for m in cls}


_ENUM_TABLES: dict[type[Enum], dict[str, Enum]] = {}


def _decode_enum(cls: type[Enum], value: Any, path: str) -> Enum:
    table = _ENUM_TABLES.get(cls)
    if table is None:
        table = _ENUM_TABLES[cls] = _enum_lookup(cls)
    if isinstance(value, cls):
        return value
    if not isinstance(value, str):
        raise InvalidInput(f"expected one of {sorted(table)} as a string, got {value!r}", field=path)
    member = table.get(value)
    if member is None:
        hint = difflib.get_close_matches(value.lower(), list(table), n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise InvalidInput(
            f"unknown value {value!r}; expected one of {', '.join(sorted(table))}{suggestion}", field=path
        )
    return member


FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_AMOUNT = Decimal("1000000000000")  # a trillion yuan: beyond this it is a data error


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


def _decode_datetime(value: Any, path: str) -> datetime:
    if isinstance(value, datetime):
        return aware(value, path)
    if not isinstance(value, str):
        raise InvalidInput(f"expected an ISO 8601 datetime string, got {value!r}", field=path)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not an ISO 8601 datetime; write e.g. 2024-11-11T20:00:00+08:00", field=path
        ) from None
    return aware(parsed, path)


def money(value: Any, path: str) -> Decimal:
    """A non-negative amount in yuan with at most two decimal places (fen)."""
    if isinstance(value, bool):
        raise InvalidInput(f"expected an amount, got {value!r}", field=path)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise InvalidInput(f'{value!r} is not a decimal amount such as "199.00"', field=path) from None
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"amount must be finite, got {value!r}", field=path)
        amount = Decimal(repr(value))
    else:
        raise InvalidInput(f'expected an amount such as "199.00", got {value!r}', field=path)
    if not amount.is_finite():
        raise InvalidInput(f"amount must be finite, got {value!r}", field=path)
    if amount < 0:
        raise InvalidInput(f"amount must not be negative, got {value!r}", field=path)
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"amount {value!r} exceeds {MAX_AMOUNT} yuan; check the unit", field=path)
    if amount != amount.quantize(CENT):
        raise InvalidInput(f"amount {value!r} has more than two decimal places (fen)", field=path)
    return amount.quantize(CENT)


Decoder = Callable[[Any, str], Any]


def _decoder(tp: Any) -> Decoder:
    """A decoding function specialised for type ``tp`` (built once per field, see :func:`_plan`)."""
    inner, optional = _unwrap_optional(tp)
    base = _base_decoder(inner)
    if optional:
        return lambda value, path: None if value is None else base(value, path)

    def required(value: Any, path: str) -> Any:
        if value is None:
            raise InvalidInput("is required and may not be null", field=path)
        return base(value, path)

    return required


def _base_decoder(tp: Any) -> Decoder:
    origin = typing.get_origin(tp)
    if origin in (frozenset, tuple):
        item = _decoder(typing.get_args(tp)[0])
        as_set = origin is frozenset

        def sequence(value: Any, path: str) -> Any:
            if not isinstance(value, list | tuple):
                raise InvalidInput(f"expected a list, got {type(value).__name__}", field=path)
            items = [item(v, f"{path}[{i}]") for i, v in enumerate(value)]
            if not as_set:
                return tuple(items)
            if len(set(items)) != len(items):
                raise InvalidInput("lists an entry twice", field=path)
            return frozenset(items)

        return sequence
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        cls = tp
        return lambda value, path: decode(cls, value, path)
    if isinstance(tp, type) and issubclass(tp, Enum):
        enum_cls = tp
        return lambda value, path: _decode_enum(enum_cls, value, path)
    if tp is datetime:
        return _decode_datetime
    if tp is Decimal:
        return money
    if tp is bool:
        return _decode_bool
    if tp is int:
        return _decode_int
    if tp is float:
        return _decode_float
    if tp is str:
        return _decode_str
    raise TypeError(f"no decoder for {tp!r}")  # a model bug, not bad input


def _decode_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"expected true or false, got {value!r}", field=path)
    return value


def _decode_int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"expected an integer, got {value!r}", field=path)
    return value


def _decode_float(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"expected a finite number, got {value!r}", field=path)
    return float(value)


def _decode_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"expected a string, got {value!r}", field=path)
    return value


@cache
def _plan(cls: type) -> tuple[dict[str, tuple[Decoder, bool]], tuple[str, ...]]:
    """Per dataclass: field name -> (decoder, required), and the field names (for hints)."""
    resolved = hints(cls)
    plan: dict[str, tuple[Decoder, bool]] = {}
    for f in dataclasses.fields(cls):
        if f.init:
            missing = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            plan[f.name] = (_decoder(resolved[f.name]), missing)
    return plan, tuple(plan)


def decode(cls: type[T], data: Any, path: str = "") -> T:
    """Build dataclass ``cls`` from JSON-like ``data``; errors name the field path."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        raise InvalidInput(f"expected an object, got {type(data).__name__}", field=path or "case")
    plan, names = _plan(cast(Any, cls))
    prefix = f"{path}." if path else ""
    for key in data:
        if key not in plan:
            hint = difflib.get_close_matches(str(key), names, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise InvalidInput(f"unknown field{suggestion}", field=f"{prefix}{key}")
    kwargs: dict[str, Any] = {}
    for name, (decoder, required) in plan.items():
        if name in data:
            kwargs[name] = decoder(data[name], prefix + name)
        elif required:
            raise InvalidInput("is required", field=prefix + name)
    return cls(**kwargs)


def encode(obj: Any) -> Any:
    """The JSON-ready form of a model value (inverse of :func:`decode`)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: encode(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
    if isinstance(obj, Enum):
        return enum_value(obj)
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return f"{obj:.2f}"
    if isinstance(obj, frozenset):
        return sorted(encode(v) for v in obj)
    if isinstance(obj, tuple | list):
        return [encode(v) for v in obj]
    if isinstance(obj, Mapping):
        return {str(k): encode(v) for k, v in obj.items()}
    return obj


def json_schema(cls: type, title: str = "") -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for dataclass ``cls``'s wire form, derived from its type hints."""
    defs: dict[str, Any] = {}
    root = _schema_object(cls, defs)
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title or cls.__name__,
    }
    schema.update(root)
    schema["$defs"] = {k: v for k, v in defs.items() if k != cls.__name__}
    return schema


def _schema_object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    resolved = hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        prop = _schema_type(resolved[f.name], defs)
        if f.default is not dataclasses.MISSING:
            default = encode(f.default)
            if default is None or isinstance(default, str | int | float | bool | list):
                prop = {**prop, "default": default}
        elif f.default_factory is dataclasses.MISSING:
            required.append(f.name)
        properties[f.name] = prop
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def _schema_type(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    inner, optional = _unwrap_optional(tp)
    base = _schema_base(inner, defs)
    return {"anyOf": [base, {"type": "null"}]} if optional else base


def _schema_base(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (frozenset, tuple):
        items = _schema_type(typing.get_args(tp)[0], defs)
        return {"type": "array", "items": items, **({"uniqueItems": True} if origin is frozenset else {})}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if tp.__name__ not in defs:
            defs[tp.__name__] = {}  # placeholder against recursion
            defs[tp.__name__] = _schema_object(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"type": "string", "enum": [enum_value(m) for m in tp]}
    if tp is datetime:
        return {"type": "string", "format": "date-time", "description": "ISO 8601 with a UTC offset"}
    if tp is Decimal:
        return {
            "anyOf": [
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"},
                {"type": "number", "minimum": 0, "multipleOf": 0.01},
            ],
            "description": "yuan, at most two decimal places",
        }
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if tp in simple:
        return {"type": simple[tp]}
    raise TypeError(f"no schema for {tp!r}")
