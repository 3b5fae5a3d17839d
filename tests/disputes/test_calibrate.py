"""Calibration: Brier score, reliability table, and refitting the weights from archived outcomes."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from disputes import (
    Outcome,
    brier_score,
    calibration_report,
    fit_weights,
    load_pack,
    load_pack_file,
    predict,
    reliability_table,
)
from disputes.calibrate import archive_time
from disputes.pack import Push
from disputes.synthetic import generate_cases
from evidence.errors import InvalidInput


def test_brier_score() -> None:
    assert brier_score([1.0, 0.0], [True, False]) == 0.0
    assert brier_score([0.0, 1.0], [1, 0]) == 1.0
    assert brier_score([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == 0.25
    with pytest.raises(InvalidInput):
        brier_score([0.5], [1, 0])
    with pytest.raises(InvalidInput):
        brier_score([1.5], [1])
    with pytest.raises(InvalidInput):
        brier_score([], [])


def test_reliability_table() -> None:
    table = reliability_table([0.05, 0.15, 0.12, 0.95, 1.0], [0, 1, 0, 1, 1], bins=10)
    assert len(table) == 10 and sum(b.count for b in table) == 5
    assert table[0].count == 1 and table[0].observed_rate == 0.0
    assert (
        table[1].count == 2
        and table[1].mean_predicted == pytest.approx(0.135)
        and table[1].observed_rate == 0.5
    )
    assert table[9].count == 2 and table[9].observed_rate == 1.0  # p == 1.0 falls in the last bin
    assert table[5].count == 0 and table[5].mean_predicted is None
    with pytest.raises(InvalidInput):
        reliability_table([0.5], [1], bins=0)


def _labelled(n: int, seed: int, truth: dict[str, float], bias: float) -> list[tuple[object, bool]]:
    """Tmall cases labelled by a known logistic model over the pack's own rule indicators."""
    from disputes.engine import features

    pack = load_pack("tmall")
    rng = random.Random(seed)
    out = []
    for case in generate_cases(n, seed=seed, platform=pack.platform):
        fired = features(pack, case, archive_time(case))
        logit = bias + sum(truth.get(r, pack.rule(r).effect.weight) for r in fired)
        out.append((case, rng.random() < 1 / (1 + math.exp(-logit))))
    return out


def test_fit_weights_recovers_a_better_calibrated_pack(tmp_path: Path) -> None:
    pack = load_pack("tmall")
    # the "platform" is harsher on unboxing videos and milder on passive service than the pack says
    truth = {"unboxing.valid": 1.5, "appeal.service.passive": -1.0, "no_reason.late": 0.5}
    train = _labelled(2500, 11, truth, bias=-0.5)
    held_out = _labelled(1500, 12, truth, bias=-0.5)
    fitted = fit_weights(train, pack, prior_strength=1.0)
    assert fitted.version.startswith("tmall-2026.12.0+fit.") and fitted.version != pack.version
    before = calibration_report(held_out, pack)
    after = calibration_report(held_out, fitted)
    assert after.brier < before.brier
    assert after.log_loss < before.log_loss
    assert fitted.rule("unboxing.valid").effect.weight < pack.rule("unboxing.valid").effect.weight
    for rule in fitted.rules:  # signs are kept
        w = rule.effect.weight
        assert (rule.effect.push is not Push.BUYER or w <= 0) and (
            rule.effect.push is not Push.MERCHANT or w >= 0
        )
    again = load_pack_file(fitted.dump(tmp_path / "fitted.yaml"))
    assert again.version == fitted.version and again.weights == fitted.weights
    case, _ = held_out[0]
    assert predict(case, again).to_dict() == predict(case, fitted).to_dict()


def test_fit_accepts_outcomes_and_rejects_review() -> None:
    pack = load_pack("tmall")
    cases = [c for c, _ in _labelled(40, 5, {}, 0.0)]
    labelled = [
        (c, Outcome.MERCHANT_FAVORED if i % 2 else Outcome.BUYER_FAVORED) for i, c in enumerate(cases)
    ]
    fitted = fit_weights(labelled, pack, iterations=50, version="tmall-2026.11.1")
    assert fitted.version == "tmall-2026.11.1"
    with pytest.raises(InvalidInput) as info:
        fit_weights([(cases[0], Outcome.NEEDS_REVIEW)], pack)
    assert info.value.field == "cases[0].outcome"
    with pytest.raises(InvalidInput):
        fit_weights([], pack)


def test_rules_absent_from_the_archive_keep_their_weights() -> None:
    pack = load_pack("tmall")
    cases = [(c, False) for c, _ in _labelled(30, 6, {}, 0.0)]
    fitted = fit_weights(cases, pack, iterations=200)
    from disputes.engine import features

    seen = {r for c, _ in cases for r in features(pack, c, archive_time(c))}
    for rule_id, weight in pack.weights.items():
        if rule_id not in seen:
            assert fitted.weights[rule_id] == pytest.approx(weight, abs=1e-3)
