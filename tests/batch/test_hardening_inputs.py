"""Issue 11, smaller items: hostile archive records get a precise per-record error.

Each test failed on the code before the fix (see docs/notes/issue-11.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batch import ScoringOptions
from batch.archive import count_records, read_archive
from batch.scoring import Scorer
from disputes.synthetic import generate_cases
from proofbox.jsonform import JsonFormError, parse_text
from proofbox.v1 import cases_pb2


def _record(record_id: str) -> str:
    case = generate_cases(1, seed=11)[0]
    return json.dumps({"record_id": record_id, "case": case.to_dict()}, ensure_ascii=False)


def test_a_bare_cr_inside_a_record_does_not_split_it(tmp_path: Path) -> None:
    """A bare CR between two tokens of a record (JSON white space) split it into two broken records,
    and numbered every later record one line further than ``count_records`` counts."""
    first = _record("CR-1")
    cut = first.index(', "case"')
    archive = tmp_path / "cr.jsonl"
    archive.write_bytes((first[:cut] + ",\r" + first[cut + 1 :] + "\r\n" + _record("CR-2") + "\n").encode())
    records = list(read_archive(archive))
    assert [r.line for r in records] == [1, 2] and count_records(archive) == 2
    scorer = Scorer(ScoringOptions(archive_dir=tmp_path))
    results = [scorer.score(r) for r in records]
    assert [(r["record_id"], r["status"]) for r in results] == [("CR-1", "ok"), ("CR-2", "ok")]


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_a_deeply_nested_record_is_invalid_json(tmp_path: Path, depth: int) -> None:
    """A record nested deeper than the recursion limit was reported as INTERNAL (RecursionError)."""
    nested = "[" * depth + "]" * depth
    texts = [
        nested,
        '{"record_id": "deep", "case": ' + '{"a": ' * depth + "1" + "}" * depth + "}",
    ]
    scorer = Scorer(ScoringOptions(archive_dir=tmp_path))
    archive = tmp_path / "deep.jsonl"
    archive.write_text("\n".join(texts) + "\n")
    for record in read_archive(archive):
        result = scorer.score(record)
        assert result["status"] == "error" and result["error"]["code"] == "INVALID_JSON", result["error"]
    with pytest.raises(JsonFormError, match="nested too deeply"):
        parse_text('{"order": ' * depth + "1" + "}" * depth, cases_pb2.DisputeCase())
