"""What policy expressions see: the typed context objects and their schemas.

Dispute rules see the case's parts (``order``, ``claim``, ``ticket``, ``timeline``, ``merchant``,
``goods``, ``logistics``), ``platform``, ``evidence`` (the summary prediction uses, which may come
from an Assessment rather than the case), ``now`` and ``deadline`` (the pack's computed deadlines,
for rules that ask "has this deadline passed?"). Re-open rules see ``order``, ``actor``,
``platform`` and ``now``.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from .case import Actor, DisputeCase, EvidenceSummary, Order, Platform
from .expr import DATETIME, Kind, Root, Schema, Ty

__all__ = ["DisputeContext", "ReopenContext", "deadline_namespace", "dispute_schema", "reopen_schema"]

CASE_PARTS = ("order", "claim", "ticket", "timeline", "merchant", "goods", "logistics")


class DisputeContext:
    """The object dispute-rule closures read (slots: attribute access is the hot path)."""

    __slots__ = ("case", "deadline", "evidence", "now")

    def __init__(
        self, case: DisputeCase, now: datetime, evidence: EvidenceSummary | None, deadline: Any
    ) -> None:
        self.case = case
        self.now = now
        self.evidence = evidence
        self.deadline = deadline


class ReopenContext:
    """The object re-open rule closures read."""

    __slots__ = ("actor", "now", "order", "platform")

    def __init__(self, order: Order, actor: Actor, platform: Platform, now: datetime) -> None:
        self.order = order
        self.actor = actor
        self.platform = platform
        self.now = now


def deadline_namespace(names: Sequence[str]) -> type:
    """A slotted class with one optional datetime attribute per deadline name, all None by default."""

    def __init__(self: Any) -> None:
        for name in names:
            setattr(self, name, None)

    return type("Deadlines", (), {"__slots__": tuple(names), "__init__": __init__})


def dispute_schema(zone: tzinfo, deadline_names: Sequence[str] | None) -> Schema:
    """Names for dispute rules; ``deadline_names=None`` leaves ``deadline`` out (deadline rules)."""
    schema = Schema(roots={}, zone=zone)
    hints = typing.get_type_hints(DisputeCase)
    for part in CASE_PARTS:
        schema.roots[part] = Root(f"case.{part}", schema.add_dataclass(hints[part]))
    schema.roots["platform"] = Root("case.platform", Ty(Kind.ENUM, enum=Platform))
    evidence = schema.add_dataclass(EvidenceSummary)
    schema.roots["evidence"] = Root("evidence", Ty(Kind.OBJECT, nullable=True, obj=evidence.obj))
    schema.roots["now"] = Root("now", DATETIME)
    if deadline_names is not None:
        schema.objects["Deadlines"] = {name: Ty(Kind.DATETIME, nullable=True) for name in deadline_names}
        schema.roots["deadline"] = Root("deadline", Ty(Kind.OBJECT, obj="Deadlines"))
    return schema


def reopen_schema(zone: tzinfo) -> Schema:
    """Names for re-open rules."""
    schema = Schema(roots={}, zone=zone)
    schema.roots["order"] = Root("order", schema.add_dataclass(Order))
    schema.roots["actor"] = Root("actor", schema.add_dataclass(Actor))
    schema.roots["platform"] = Root("platform", Ty(Kind.ENUM, enum=Platform))
    schema.roots["now"] = Root("now", DATETIME)
    return schema
