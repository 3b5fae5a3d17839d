"""Refit the packs' log-odds weights from archived cases with known outcomes, and measure calibration.

The model is logistic regression on rule indicators: a case's features are the weighted rules that
fire for it. :func:`fit_weights` minimises log-loss plus an L2 pull towards the pack's current
weights (``prior_strength`` is worth that many cases), keeping every weight on the side its rule
pushes (a buyer-side rule never becomes merchant-friendly), by projected gradient descent. Rules
that never fire in the archive keep their weights. The result is a new pack version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from evidence.errors import InvalidInput

from .case import DisputeCase, Timeline
from .engine import features, predict_with
from .pack import PolicyPack, Push
from .results import Outcome

__all__ = [
    "CalibrationReport",
    "LabelledCase",
    "ReliabilityBin",
    "brier_score",
    "calibration_report",
    "fit_weights",
    "reliability_table",
]

LabelledCase = tuple[DisputeCase, bool | Outcome]


@dataclass(frozen=True)
class ReliabilityBin:
    """One row of a reliability table: predicted probability range against the observed rate."""

    lower: float
    upper: float
    count: int
    mean_predicted: float | None  #: None for an empty bin
    observed_rate: float | None


@dataclass(frozen=True)
class CalibrationReport:
    pack_version: str
    cases: int
    brier: float
    log_loss: float
    table: tuple[ReliabilityBin, ...]


def _label(value: bool | Outcome, index: int) -> float:
    if isinstance(value, Outcome):
        if value is Outcome.NEEDS_REVIEW:
            raise InvalidInput(
                "a known outcome is BUYER_FAVORED or MERCHANT_FAVORED, not NEEDS_REVIEW",
                field=f"cases[{index}].outcome",
            )
        return 1.0 if value is Outcome.MERCHANT_FAVORED else 0.0
    if not isinstance(value, bool):
        raise InvalidInput(
            f"expected True (merchant prevailed) or an Outcome, got {value!r}",
            field=f"cases[{index}].outcome",
        )
    return 1.0 if value else 0.0


def archive_time(case: DisputeCase) -> datetime:
    """When an archived case is evaluated: its snapshot time, else its latest recorded event."""
    if case.as_of is not None:
        return case.as_of
    events: list[datetime] = [
        value for name in Timeline.__dataclass_fields__ if (value := getattr(case.timeline, name)) is not None
    ]
    return max(events)


def _check(probabilities: Sequence[float], outcomes: Sequence[float | bool]) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray([float(o) for o in outcomes], dtype=float)
    if p.shape != y.shape or p.ndim != 1:
        raise InvalidInput(
            "probabilities and outcomes must be two lists of the same length", field="outcomes"
        )
    if p.size == 0:
        raise InvalidInput("need at least one case", field="outcomes")
    if np.any((p < 0) | (p > 1)) or np.any(~np.isin(y, (0.0, 1.0))):
        raise InvalidInput("probabilities must lie in [0, 1] and outcomes be 0/1", field="outcomes")
    return p, y


def brier_score(probabilities: Sequence[float], outcomes: Sequence[float | bool]) -> float:
    """Mean squared difference between P(merchant prevails) and what happened (0 is perfect)."""
    p, y = _check(probabilities, outcomes)
    return float(np.mean((p - y) ** 2))


def reliability_table(
    probabilities: Sequence[float], outcomes: Sequence[float | bool], bins: int = 10
) -> tuple[ReliabilityBin, ...]:
    """Equal-width bins over [0, 1]: mean prediction and observed rate in each (for the diagram)."""
    if bins < 1:
        raise InvalidInput("bins must be at least 1", field="bins")
    p, y = _check(probabilities, outcomes)
    index = np.minimum((p * bins).astype(int), bins - 1)
    rows: list[ReliabilityBin] = []
    for b in range(bins):
        mask = index == b
        count = int(mask.sum())
        rows.append(
            ReliabilityBin(
                lower=b / bins,
                upper=(b + 1) / bins,
                count=count,
                mean_predicted=float(p[mask].mean()) if count else None,
                observed_rate=float(y[mask].mean()) if count else None,
            )
        )
    return tuple(rows)


def calibration_report(
    cases_with_outcomes: Iterable[LabelledCase], pack: PolicyPack, bins: int = 10
) -> CalibrationReport:
    """Predict every archived case with ``pack`` and compare with the known outcomes."""
    probabilities: list[float] = []
    labels: list[float] = []
    for i, (case, outcome) in enumerate(cases_with_outcomes):
        labels.append(_label(outcome, i))
        probabilities.append(predict_with(pack, case, archive_time(case), case.evidence).merchant_probability)
    p, y = _check(probabilities, labels)
    clipped = np.clip(p, 1e-12, 1 - 1e-12)
    log_loss = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    return CalibrationReport(
        pack.version,
        len(labels),
        brier_score(p.tolist(), labels),
        log_loss,
        reliability_table(p.tolist(), labels, bins),
    )


def fit_weights(
    cases_with_outcomes: Iterable[LabelledCase],
    pack: PolicyPack,
    *,
    prior_strength: float = 1.0,
    iterations: int = 3000,
    version: str | None = None,
) -> PolicyPack:
    """A new pack version whose weights (and bias) are refitted to the archived outcomes."""
    if prior_strength < 0 or not math.isfinite(prior_strength):
        raise InvalidInput("prior_strength must be a non-negative number", field="prior_strength")
    weighted = [r for r in pack.rules if r.effect.push is not Push.NONE and r.compiled is not None]
    column = {r.id: j for j, r in enumerate(weighted)}
    rows: list[list[int]] = []
    labels: list[float] = []
    for i, (case, outcome) in enumerate(cases_with_outcomes):
        labels.append(_label(outcome, i))
        rows.append([column[rule_id] for rule_id in features(pack, case, archive_time(case))])
    if not rows:
        raise InvalidInput("need at least one archived case to fit", field="cases")
    n, k = len(rows), len(weighted)
    x = np.zeros((n, k + 1))
    x[:, k] = 1.0  # bias column
    for i, cols in enumerate(rows):
        x[i, cols] = 1.0
    y = np.asarray(labels)
    w0 = np.asarray([r.effect.weight for r in weighted] + [pack.model.bias])
    penalty = np.full(k + 1, prior_strength)
    penalty[k] = 0.0  # the bias is free
    low = np.where([r.effect.push is Push.MERCHANT for r in weighted] + [False], 0.0, -np.inf)
    high = np.where([r.effect.push is Push.BUYER for r in weighted] + [False], 0.0, np.inf)
    lipschitz = 0.25 * float(np.linalg.norm(x, 2)) ** 2 + prior_strength
    step = 1.0 / lipschitz
    w = np.clip(w0.copy(), low, high)
    for _ in range(iterations):
        z = np.clip(x @ w, -35.0, 35.0)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = x.T @ (p - y) + penalty * (w - w0)
        w_next = np.clip(w - step * grad, low, high)
        if float(np.max(np.abs(w_next - w))) < 1e-9:
            w = w_next
            break
        w = w_next
    fitted = {r.id: float(w[column[r.id]]) for r in weighted}
    return pack.with_weights(fitted, bias=float(w[k]), version=version)
