"""What a re-scoring run found, read back from its results file.

Streams over the file (memory grows only with the changed and failed records it lists), so the
summary of a resumed run covers every record, whichever run scored it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proofbox.i18n import gettext, translate

from .archive import OUTCOMES

__all__ = ["Change", "Failure", "Summary", "render", "summarize"]

DECIDED = ("BUYER_FAVORED", "MERCHANT_FAVORED")
MAX_LISTED = 200


@dataclass(frozen=True)
class Change:
    line: int
    record_id: str
    old: str
    new: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Failure:
    line: int
    record_id: str | None
    code: str
    message: str


@dataclass
class Summary:
    results: int = 0
    ok: int = 0
    failed: int = 0
    by_outcome: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    changes: list[Change] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    duplicates: list[tuple[str, int, int]] = field(
        default_factory=list
    )  # (record_id, first line, later line)
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: {a: Counter() for a in DECIDED})
    brier_sum: float = 0.0
    brier_n: int = 0
    cached_media: int = 0
    assessed_media: int = 0

    @property
    def with_actual(self) -> int:
        return sum(sum(row.values()) for row in self.confusion.values())

    @property
    def decided(self) -> int:
        return sum(self.confusion[a][p] for a in DECIDED for p in DECIDED)

    @property
    def correct(self) -> int:
        return sum(self.confusion[a][a] for a in DECIDED)

    @property
    def accuracy(self) -> float | None:
        """Share of decided predictions (not NEEDS_REVIEW) that match the platform's decision."""
        return self.correct / self.decided if self.decided else None

    @property
    def coverage(self) -> float | None:
        """Share of records with a known outcome that were predicted either way (not NEEDS_REVIEW)."""
        return self.decided / self.with_actual if self.with_actual else None

    @property
    def brier(self) -> float | None:
        return self.brier_sum / self.brier_n if self.brier_n else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "results": self.results,
            "ok": self.ok,
            "failed": self.failed,
            "by_outcome": dict(self.by_outcome),
            "changed": self.changed,
            "changes": [c.__dict__ for c in self.changes],
            "failures": [f.__dict__ for f in self.failures],
            "duplicates": self.duplicates,
            "confusion": {a: dict(row) for a, row in self.confusion.items()},
            "accuracy": self.accuracy,
            "coverage": self.coverage,
            "brier": self.brier,
            "media": {"cached": self.cached_media, "assessed": self.assessed_media},
        }


def summarize(out: Path) -> Summary:
    s = Summary()
    seen: dict[str, int] = {}
    with out.open("r", encoding="utf-8") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            r: dict[str, Any] = json.loads(raw)
            s.results += 1
            rid = r.get("record_id")
            if isinstance(rid, str):
                if rid in seen:
                    s.duplicates.append((rid, seen[rid], int(r["line"])))
                else:
                    seen[rid] = int(r["line"])
            if r.get("status") != "ok":
                s.failed += 1
                err = r.get("error") or {}
                if len(s.failures) < MAX_LISTED:
                    s.failures.append(
                        Failure(int(r["line"]), rid, str(err.get("code", "")), str(err.get("message", "")))
                    )
                continue
            s.ok += 1
            outcome = str(r["outcome"])
            s.by_outcome[outcome] += 1
            ev = r.get("evidence")
            if isinstance(ev, dict):
                if ev.get("cached"):
                    s.cached_media += 1
                else:
                    s.assessed_media += 1
            if r.get("changed"):
                s.changed += 1
                if len(s.changes) < MAX_LISTED:
                    s.changes.append(
                        Change(
                            int(r["line"]),
                            str(rid),
                            str(r.get("previous_outcome")),
                            outcome,
                            tuple(r.get("rules_added") or ()),
                            tuple(r.get("rules_removed") or ()),
                        )
                    )
            actual = r.get("actual_outcome")
            if actual in DECIDED:
                s.confusion[actual][outcome] += 1
                y = 1.0 if actual == "MERCHANT_FAVORED" else 0.0
                s.brier_sum += (float(r["merchant_probability"]) - y) ** 2
                s.brier_n += 1
    return s


def render(s: Summary, limit: int = 20) -> str:
    """A plain-text report (the CLI adds colour), in the language of the context
    (:func:`proofbox.i18n.use`); outcome names stay codes."""
    lines = [
        translate(
            "{n} results: {ok} scored, {failed} failed", {"n": s.results, "ok": s.ok, "failed": s.failed}
        )
    ]
    counts = ", ".join(f"{o} {s.by_outcome.get(o, 0)}" for o in OUTCOMES)
    lines.append(translate("outcomes: {counts}", {"counts": counts}))
    if s.assessed_media or s.cached_media:
        lines.append(
            translate(
                "media: {assessed} assessed, {cached} from cache",
                {"assessed": s.assessed_media, "cached": s.cached_media},
            )
        )
    lines.append(translate("changed outcome: {n}", {"n": s.changed}))
    for c in s.changes[:limit]:
        why = "; ".join(
            filter(
                None,
                [
                    "+" + ", +".join(c.added) if c.added else "",
                    "-" + ", -".join(c.removed) if c.removed else "",
                ],
            )
        )
        line = translate("line {line}", {"line": c.line})
        lines.append(f"  {line} {c.record_id}: {c.old} -> {c.new}" + (f"  ({why})" if why else ""))
    if s.changed > min(limit, len(s.changes)):
        more = s.changed - min(limit, len(s.changes))
        lines.append("  " + translate("... and {n} more (see the results file)", {"n": more}))
    if s.with_actual:
        lines.append(translate("agreement with the platform's decisions ({n} known):", {"n": s.with_actual}))
        header = ("  " + gettext("actual \\ predicted")).ljust(24) + "".join(o.ljust(18) for o in OUTCOMES)
        lines.append(header)
        for a in DECIDED:
            lines.append(f"  {a}".ljust(24) + "".join(str(s.confusion[a][p]).ljust(18) for p in OUTCOMES))
        acc = f"{s.accuracy:.3f}" if s.accuracy is not None else "n/a"
        cov = f"{s.coverage:.3f}" if s.coverage is not None else "n/a"
        brier = f"{s.brier:.4f}" if s.brier is not None else "n/a"
        lines.append(
            "  "
            + translate(
                "accuracy {accuracy} on decided records, coverage {coverage}, Brier score {brier}",
                {"accuracy": acc, "coverage": cov, "brier": brier},
            )
        )
    for rid, first, later in s.duplicates[:limit]:
        lines.append(
            "  "
            + translate(
                "duplicate record_id {record}: lines {first} and {later}",
                {"record": repr(rid), "first": first, "later": later},
            )
        )
    if s.failures:
        lines.append(gettext("failures:"))
        for f in s.failures[:limit]:
            line = translate("line {line}", {"line": f.line})
            lines.append(f"  {line} {f.record_id or '-'}: {f.code}: {f.message}")
        if s.failed > limit:
            lines.append("  " + translate("... and {n} more", {"n": s.failed - limit}))
    return "\n".join(lines)
