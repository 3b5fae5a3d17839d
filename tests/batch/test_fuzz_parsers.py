"""Fuzzing the case JSON and JSON Lines parsers (issue 11): valid cases with one value replaced by
anything JSON can hold, arbitrary JSON, and arbitrary archive text. Errors must be the precise
kind (InvalidInput with a field, a record's INVALID_* code), never a crash or INTERNAL.

Brief in ``make test`` (``PROOFBOX_FUZZ_EXAMPLES``, default 20); ``make fuzz`` runs long.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch import ScoringOptions
from batch.archive import RawRecord, count_records, read_archive
from batch.scoring import Scorer
from disputes import from_dict
from disputes.synthetic import random_case
from evidence.errors import ProofboxError
from proofbox.jsonform import JsonFormError, parse_text
from proofbox.v1 import cases_pb2

EXAMPLES = int(os.environ.get("PROOFBOX_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES * 5,  # cheap: no server
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 50,
)
SCORER = Scorer(ScoringOptions(archive_dir=Path(".")))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(
        ["-0", " 5 ", "١٢٣", "1e3", "NaN", "2026-11-20T10:00:00+08:00", "9999-12-31T23:59:59Z"]
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _paths(inner, (*prefix, i))
    return found


@st.composite
def mutated_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A valid case with one value (anywhere in it) replaced, or one key added."""
    case = random_case(random.Random(draw(st.integers(0, 10**6))), draw(st.integers(0, 10**6))).to_dict()
    path = draw(st.sampled_from(_paths(case)))
    target = case
    for step in path[:-1]:
        target = target[step]
    if draw(st.booleans()):
        target[path[-1]] = draw(json_values)
    elif isinstance(target, dict):
        target[draw(st.text(max_size=12))] = draw(json_values)
    return case


def _only_precise(data: Any) -> None:
    with contextlib.suppress(ProofboxError):
        from_dict(data)
    text = json.dumps(data)
    with contextlib.suppress(JsonFormError):
        parse_text(text, cases_pb2.DisputeCase())
    result = SCORER.score(RawRecord(1, json.dumps({"record_id": "fuzz", "case": data})))
    assert result["status"] == "ok" or result["error"]["code"] != "INTERNAL", result["error"]


@FUZZ
@given(mutated_cases())
def test_a_case_with_any_one_value_replaced_gets_a_precise_error(case: dict[str, Any]) -> None:
    _only_precise(case)


@FUZZ
@given(json_values)
def test_any_json_as_a_case_gets_a_precise_error(value: Any) -> None:
    _only_precise(value)


@FUZZ
@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.just('{"record_id": "x"}'),
        max_size=6,
    )
)
def test_any_archive_text_is_read_and_scored_record_by_record(
    tmp_path_factory: Any, lines: list[str]
) -> None:
    archive = tmp_path_factory.mktemp("fuzz") / "a.jsonl"
    archive.write_text("\n".join(lines), encoding="utf-8", newline="")
    records = list(read_archive(archive))
    assert len(records) <= count_records(archive) or not records
    for record in records:
        result = SCORER.score(record)
        assert result["status"] == "ok" or result["error"]["code"] != "INTERNAL", (record, result["error"])
