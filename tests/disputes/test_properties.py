"""Properties over generated valid cases: prediction never crashes, is deterministic and plain data,
and establishing a merchant violation never raises the merchant's probability."""

from __future__ import annotations

import dataclasses
import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes import DisputeCase, Outcome, from_dict, load_pack, predict
from disputes.synthetic import VIOLATIONS, random_case

PACKS = {p: load_pack(p) for p in ("tmall", "taobao", "douyin")}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _case(rng: random.Random) -> DisputeCase:
    return random_case(rng, rng.randint(0, 10**6))


@SETTINGS
@given(st.randoms(use_true_random=False))
def test_prediction_never_crashes_on_a_valid_case(rng: random.Random) -> None:
    case = _case(rng)
    pack = PACKS[case.platform.value]
    p = predict(case, pack)
    assert 0.0 <= p.merchant_probability <= 1.0
    assert p.outcome in Outcome
    assert p.penalty_points >= 0 and p.compensation_total >= 0
    for d in p.deadlines:
        assert d.due_at.utcoffset() is not None and d.due_at.isoformat().endswith("+08:00")
    wire = p.to_dict()
    assert json.loads(json.dumps(wire, ensure_ascii=False)) == wire
    assert predict(case, pack).to_dict() == wire  # deterministic


@SETTINGS
@given(st.randoms(use_true_random=False), st.data())
def test_a_violation_never_raises_the_merchants_probability(rng: random.Random, data: st.DataObject) -> None:
    case = _case(rng)
    pack = PACKS[case.platform.value]
    before = predict(case, pack).merchant_probability
    unset = [v for v in VIOLATIONS if not getattr(case.merchant, v)]
    flags = data.draw(st.lists(st.sampled_from(unset), min_size=1, unique=True)) if unset else []
    worse = dataclasses.replace(
        case, merchant=dataclasses.replace(case.merchant, **dict.fromkeys(flags, True))
    )
    after = predict(worse, pack).merchant_probability
    assert after <= before + 1e-12, (flags, before, after)


@SETTINGS
@given(st.randoms(use_true_random=False))
def test_cases_round_trip_through_json(rng: random.Random) -> None:
    case = _case(rng)
    assert from_dict(json.loads(json.dumps(case.to_dict()))) == case


@settings(max_examples=60, deadline=None)
@given(
    st.randoms(use_true_random=False),
    st.sampled_from(["2000-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"]),
)
def test_cases_at_the_edges_of_the_valid_range(rng: random.Random, edge: str) -> None:
    """Shift a case so its events touch the first or last valid instant, with the longest periods."""
    from datetime import datetime

    case = _case(rng)
    times = [getattr(case.timeline, f.name) for f in dataclasses.fields(case.timeline)]
    instants = [
        t
        for t in (
            *times,
            case.order.created_at,
            case.order.paid_at,
            case.order.promised_ship_by,
            case.order.trade_succeeded_at,
            case.order.closed_at,
            *(case.order.entry_reopened_at or ()),
            *(case.order.after_sales_requested_at or ()),
            case.as_of,
        )
        if t is not None
    ]
    target = datetime.fromisoformat(edge)
    delta = target - (min(instants) if edge.startswith("2000") else max(instants))

    def shift(value: object) -> object:
        if isinstance(value, tuple) and value and isinstance(value[0], datetime):
            return tuple(t + delta for t in value)
        return value + delta if isinstance(value, datetime) else value

    shifted = {f.name: shift(getattr(case.order, f.name)) for f in dataclasses.fields(case.order)}
    shifted.update(protection_period_days=3650, return_commitment_days=3650)
    order = dataclasses.replace(case.order, **shifted)
    timeline = dataclasses.replace(
        case.timeline,
        **{f.name: shift(getattr(case.timeline, f.name)) for f in dataclasses.fields(case.timeline)},
    )
    edged = dataclasses.replace(case, order=order, timeline=timeline, as_of=shift(case.as_of))
    p = predict(edged, PACKS[case.platform.value], at=target)
    assert 0.0 <= p.merchant_probability <= 1.0
