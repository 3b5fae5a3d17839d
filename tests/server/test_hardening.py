"""Issue 11: hostile values at the edge get a precise status naming the field, over a real server.

Each test here failed on the code before the fix (INTERNAL, or worse); see docs/notes/issue-11.md.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from google.protobuf import timestamp_pb2

from proofbox.v1 import service_pb2

from .helpers import Client, case_message, trailers

# (seconds, nanos): year 10000, before year 1, 2^62 seconds, negative nanos, nanos above a second
BAD_TIMES = [
    (253402300800, 0),
    (-62198755200, 0),
    (2**62, 0),
    (1_764_000_000, -1),
    (1_764_000_000, 2 * 10**9),
]
BAD_TIME_IDS = ["year-10000", "before-year-1", "2^62", "nanos--1", "nanos-2e9"]


def _refused(call: Callable[..., object], *args: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call(*args)
    return info.value


@pytest.mark.parametrize(("seconds", "nanos"), BAD_TIMES, ids=BAD_TIME_IDS)
def test_out_of_range_timestamps_are_invalid_argument_with_the_field(
    tenant: Client, seconds: int, nanos: int
) -> None:
    bad = timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)
    case = case_message("ts-case")
    case.timeline.shipped_at.CopyFrom(bad)
    put = _refused(tenant, "PutCase", service_pb2.PutCaseRequest(case=case))
    assert put.code() == grpc.StatusCode.INVALID_ARGUMENT, put.details()
    assert trailers(put)["proofbox-error-field"] == "case.timeline.shipped_at"

    tenant.put_case(case_message("ts-case"))
    for method, request in (
        ("PredictOutcome", service_pb2.PredictOutcomeRequest(case_id="ts-case", at=bad)),
        ("CheckDeadlines", service_pb2.CheckDeadlinesRequest(case_id="ts-case", at=bad)),
    ):
        error = _refused(tenant, method, request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, error.details())
        assert trailers(error)["proofbox-error-field"] == "at", method

    items = [
        service_pb2.ScoreCasesRequest(ref="bad-at", case_id="ts-case", at=bad, dry_run=True),
        service_pb2.ScoreCasesRequest(ref="bad-case", case=case, dry_run=True),
        service_pb2.ScoreCasesRequest(ref="fine", case_id="ts-case", dry_run=True),
    ]
    responses = list(tenant.svc.ScoreCases(iter(items), metadata=tenant.metadata, timeout=60))
    assert [r.ref for r in responses] == ["bad-at", "bad-case", "fine"]
    assert [(r.problem.status, r.problem.field) for r in responses[:2]] == [
        ("INVALID_ARGUMENT", "at"),
        ("INVALID_ARGUMENT", "case.timeline.shipped_at"),
    ]
    assert responses[2].HasField("result")
