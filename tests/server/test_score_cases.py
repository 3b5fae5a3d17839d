"""ScoreCases: many cases over one bidirectional stream, results in request order, bounded read-ahead."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import grpc

from proofbox.v1 import records_pb2, service_pb2
from server.auth import Principal
from server.edge import use_principal
from server.engine import CaseRef
from server.service import ProofboxServicer
from tests.conftest import SyntheticVideo

from .helpers import VIDEO, ServerProcess, case_message


def test_stream_mixes_prediction_only_and_evidence_items_in_order(
    server: ServerProcess, video: SyntheticVideo
) -> None:
    client = server.client()
    evidence_id = client.upload(video.path.read_bytes(), "score-ev", VIDEO).evidence.evidence_id
    client.put_case(case_message("score-stored"))
    bad = case_message("score-bad", timeline={"return_signed_at": "2026-11-01T00:00:00+08:00"})
    items: list[service_pb2.ScoreCasesRequest] = [
        service_pb2.ScoreCasesRequest(
            ref="with-evidence", case=case_message("score-ev"), evidence_ids=[evidence_id]
        ),
        service_pb2.ScoreCasesRequest(ref="stored", case_id="score-stored"),
        service_pb2.ScoreCasesRequest(ref="invalid", case=bad),
        service_pb2.ScoreCasesRequest(ref="unknown", case_id="score-nobody"),
        service_pb2.ScoreCasesRequest(ref="what-if", case=case_message("score-dry"), dry_run=True),
    ]
    items += [
        service_pb2.ScoreCasesRequest(ref=f"inline-{i}", case=case_message(f"score-{i}")) for i in range(20)
    ]
    responses = list(client.svc.ScoreCases(iter(items), metadata=client.metadata, timeout=120))

    assert [r.ref for r in responses] == [i.ref for i in items]
    assert [r.index for r in responses] == list(range(len(items)))
    first = responses[0].result
    assert first.kind == records_pb2.RESULT_KIND_ASSESSMENT_AND_PREDICTION and list(first.evidence_ids) == [
        evidence_id
    ]
    assert (
        responses[1].result.kind == records_pb2.RESULT_KIND_PREDICTION
        and responses[1].result.case_version == 1
    )
    invalid = responses[2].problem
    assert (invalid.status, invalid.field) == ("INVALID_ARGUMENT", "case.timeline.return_signed_at")
    assert invalid.request_id and invalid.message
    assert responses[3].problem.status == "NOT_FOUND"
    dry = responses[4].result
    assert dry.result_id == "" and dry.case_version == 0 and dry.HasField("prediction")
    for response in responses[5:]:
        assert response.WhichOneof("outcome") == "result" and response.result.result_id
    # stored results are readable; the dry run stored neither case nor result
    stored = client("GetResult", service_pb2.GetResultRequest(result_id=responses[5].result.result_id)).result
    assert stored.case_id == "score-0"
    try:
        client("GetCase", service_pb2.GetCaseRequest(case_id="score-dry"))
        raise AssertionError("a dry run stored its case")
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.NOT_FOUND


class _Engine:
    """Scores instantly, except the first item, which waits for a gate."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.started: list[str] = []

    async def score(self, principal: Principal, ref: CaseRef, **_: Any) -> records_pb2.Result:
        self.started.append(ref.case_id)
        if ref.case_id == "0":
            await self.gate.wait()
        return records_pb2.Result(case_id=ref.case_id, result_id=f"r{ref.case_id}")


def test_read_ahead_is_bounded_while_an_item_is_slow() -> None:
    window = 4
    engine = _Engine()
    servicer = ProofboxServicer(
        cast(Any, engine), cast(Any, None), cast(Any, None), cast(Any, None), cast(Any, None), window
    )
    pulled = 0

    async def requests() -> AsyncIterator[service_pb2.ScoreCasesRequest]:
        nonlocal pulled
        for i in range(40):
            pulled += 1
            yield service_pb2.ScoreCasesRequest(ref=str(i), case_id=str(i))

    async def run() -> list[service_pb2.ScoreCasesResponse]:
        use_principal(Principal("t", "k", "read_write"))
        stream = cast(Any, servicer.ScoreCases(requests(), cast(Any, None)))
        first = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.3)
        assert not first.done()  # responses wait for the slow first item: request order
        assert pulled == window, pulled  # and the server stopped reading ahead
        assert len(engine.started) == window
        engine.gate.set()
        return [await first] + [r async for r in stream]

    responses = asyncio.run(run())
    assert [r.ref for r in responses] == [str(i) for i in range(40)]
    assert [r.result.result_id for r in responses] == [f"r{i}" for i in range(40)]
    assert pulled == 40


def _requests(n: int) -> Iterator[service_pb2.ScoreCasesRequest]:
    for i in range(n):
        yield service_pb2.ScoreCasesRequest(ref=str(i), case=case_message(f"bulk-{i}"), dry_run=True)


def test_a_read_only_key_cannot_score(server: ServerProcess) -> None:
    from proofbox.v1 import admin_pb2

    from .helpers import create_key

    reader = server.client(create_key(server.client(), "erin", admin_pb2.ROLE_READ_ONLY))
    try:
        list(reader.svc.ScoreCases(_requests(2), metadata=reader.metadata, timeout=30))
        raise AssertionError("a read-only key scored cases")
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.PERMISSION_DENIED
