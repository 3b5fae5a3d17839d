"""End to end over a real port: upload a generated unboxing video in chunks, store the case, assess
and predict, read everything back; restart the server and read it again; crash it and read again."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime

import grpc
import pytest

import disputes
import evidence
from proofbox.v1 import assessment_pb2, cases_pb2, prediction_pb2, records_pb2, service_pb2
from tests.conftest import SyntheticVideo

from .helpers import (
    PHOTO,
    VIDEO,
    Client,
    ServerProcess,
    case_dict,
    case_message,
    trailers,
    upload_requests,
    wait_until,
)


def test_upload_assess_predict_and_read_back(tenant: Client, video: SyntheticVideo) -> None:
    client = tenant
    data = video.path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()

    uploaded = client.upload(data, "e2e-1", VIDEO, chunk=64 * 1024)  # ~17 chunks
    assert uploaded.created and uploaded.evidence.evidence_id == sha == uploaded.evidence.sha256
    facts = uploaded.evidence.video
    assert (facts.codec, facts.width, facts.height) == ("h264", 640, 360)
    assert facts.duration_s == pytest.approx(video.script.duration_s, abs=0.1)
    assert uploaded.evidence.case_ids == ["e2e-1"] and uploaded.evidence.detected_type == "mp4"
    again = client.upload(data, "e2e-1", VIDEO, chunk=1024 * 1024)
    assert not again.created and again.evidence == uploaded.evidence  # same bytes, same record

    stored = client.put_case(case_message("e2e-1"))
    assert stored.changed and stored.stored.version == 1
    same = client.put_case(case_message("e2e-1"))
    assert not same.changed and same.stored == stored.stored

    request = service_pb2.AssessAndPredictRequest(case_id="e2e-1", operation_id="op-e2e-1")
    result = client("AssessAndPredict", request).result
    assert result.kind == records_pb2.RESULT_KIND_ASSESSMENT_AND_PREDICTION
    assert [e.verdict for e in result.assessment.elements] == [assessment_pb2.VERDICT_PASS] * 4
    assert result.prediction.outcome == prediction_pb2.OUTCOME_MERCHANT_FAVORED
    assert "unboxing.valid" in {h.id for h in result.prediction.hits}
    assert result.analyser_version == evidence.__version__ == result.assessment.analyser_version
    assert result.policy_pack_version == disputes.load_pack("tmall").version == result.prediction.pack_version
    assert list(result.evidence_ids) == [sha] and result.case_version == 1
    assert result.case_sha256 == stored.stored.content_sha256
    assert result.assessment.keyframes and not any(k.jpeg for k in result.assessment.keyframes)
    assert result.assessment.video.duration_s == pytest.approx(video.script.duration_s, abs=0.1)

    retried = client("AssessAndPredict", request).result  # same operation id: the stored result
    assert retried == result
    progress = client("GetProgress", service_pb2.GetProgressRequest(operation_id="op-e2e-1"))
    assert progress.state == service_pb2.OPERATION_STATE_SUCCEEDED and progress.result_id == result.result_id

    read = client("GetResult", service_pb2.GetResultRequest(result_id=result.result_id)).result
    assert read == result
    full = client(
        "GetResult", service_pb2.GetResultRequest(result_id=result.result_id, include_keyframes=True)
    ).result
    assert all(k.jpeg.startswith(b"\xff\xd8") for k in full.assessment.keyframes)
    assert [k.label for k in full.assessment.keyframes] == [k.label for k in result.assessment.keyframes]

    listed = client("ListResults", service_pb2.ListResultsRequest(case_id="e2e-1")).results
    assert [r.result_id for r in listed] == [result.result_id]
    evidence_list = client("ListEvidence", service_pb2.ListEvidenceRequest(case_id="e2e-1")).evidence
    assert [e.evidence_id for e in evidence_list] == [sha]


def test_prediction_only_and_assessment_only_results(server: ServerProcess, video: SyntheticVideo) -> None:
    client = server.client()
    client.upload(video.path.read_bytes(), "e2e-2", VIDEO)
    prediction = client(
        "PredictOutcome", service_pb2.PredictOutcomeRequest(case=case_message("e2e-2"))
    ).result
    assert prediction.kind == records_pb2.RESULT_KIND_PREDICTION and not prediction.HasField("assessment")
    assert prediction.analyser_version == "" and prediction.policy_pack_version.startswith("tmall-")
    assert prediction.case_version == 1  # the inline case was stored
    assessment = client("AssessEvidence", service_pb2.AssessEvidenceRequest(case_id="e2e-2")).result
    assert assessment.kind == records_pb2.RESULT_KIND_ASSESSMENT and not assessment.HasField("prediction")
    assert assessment.policy_pack_version == "" and len(assessment.assessment.elements) == 4
    at = service_pb2.PredictOutcomeRequest(case_id="e2e-2", policy_pack_version="tmall-1999.1")
    with pytest.raises(grpc.RpcError) as info:
        client("PredictOutcome", at)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND and "shipped" in (info.value.details() or "")


def test_case_versions_and_optimistic_concurrency(server: ServerProcess) -> None:
    client = server.client()
    client.put_case(case_message("e2e-3"))
    updated = client.put_case(
        case_message("e2e-3", ticket={"status": "platform_intervention"}), expected_version=1
    )
    assert updated.changed and updated.stored.version == 2
    with pytest.raises(grpc.RpcError) as info:
        client.put_case(case_message("e2e-3", ticket={"status": "refunded"}), expected_version=1)
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "version 2, not 1" in (info.value.details() or "")
    first = client("GetCase", service_pb2.GetCaseRequest(case_id="e2e-3", version=1)).stored
    latest = client("GetCase", service_pb2.GetCaseRequest(case_id="e2e-3")).stored
    assert first.case.ticket.status == cases_pb2.TICKET_STATUS_RETURN_SHIPPED
    assert latest.case.ticket.status == cases_pb2.TICKET_STATUS_PLATFORM_INTERVENTION and latest.version == 2


def test_invalid_case_names_the_field(server: ServerProcess) -> None:
    client = server.client()
    bad = case_message("e2e-4", timeline={"buyer_signed_at": "2026-10-01T00:00:00+08:00"})
    with pytest.raises(grpc.RpcError) as info:
        client.put_case(bad)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert trailers(info.value)["proofbox-error-field"] == "case.timeline.buyer_signed_at"
    assert "before timeline.shipped_at" in (info.value.details() or "")
    from google.rpc import error_details_pb2, status_pb2

    raw = dict(info.value.trailing_metadata())["grpc-status-details-bin"]  # type: ignore[attr-defined]
    status = status_pb2.Status.FromString(raw)
    violation = error_details_pb2.BadRequest()
    assert any(d.Unpack(violation) for d in status.details)
    assert violation.field_violations[0].field == "case.timeline.buyer_signed_at"
    with pytest.raises(grpc.RpcError) as info:
        client("AssessAndPredict", service_pb2.AssessAndPredictRequest(case_id="no-such-case"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def test_assessing_a_case_without_evidence_is_a_failed_precondition(server: ServerProcess) -> None:
    client = server.client()
    client.put_case(case_message("e2e-5"))
    with pytest.raises(grpc.RpcError) as info:
        client("AssessAndPredict", service_pb2.AssessAndPredictRequest(case_id="e2e-5"))
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "upload the unboxing video" in (info.value.details() or "")


def test_deadlines_and_reopen_without_a_full_prediction(server: ServerProcess) -> None:
    client = server.client()
    deadlines = client("CheckDeadlines", service_pb2.CheckDeadlinesRequest(case=case_message("e2e-6")))
    due = [d.due_at.ToDatetime() for d in deadlines.deadlines]
    assert due == sorted(due) and {"evidence_due", "ship_by"} <= {d.name for d in deadlines.deadlines}
    with pytest.raises(grpc.RpcError):  # CheckDeadlines never stores the case it was given
        client("GetCase", service_pb2.GetCaseRequest(case_id="e2e-6"))
    order = case_message().order
    order.trade_succeeded_at.FromJsonString("2026-11-06T00:00:00Z")
    request = service_pb2.CheckReopenEligibilityRequest(platform=cases_pb2.PLATFORM_TMALL, order=order)
    request.at.FromJsonString("2026-12-21T00:00:00Z")
    response = client("CheckReopenEligibility", request)
    eligibility = response.eligibility
    assert response.buyer.platform == "tmall" and response.buyer.reasons  # not re-opened: the normal period
    assert response.buyer.status == prediction_pb2.ELIGIBILITY_STATUS_UNKNOWN
    expected = disputes.reopen_eligibility(
        {**case_dict()["order"], "trade_succeeded_at": "2026-11-06T00:00:00+00:00"},
        "tmall",
        at=datetime(2026, 12, 21, tzinfo=UTC),
    )
    assert eligibility.status == getattr(prediction_pb2, f"ELIGIBILITY_STATUS_{expected.status.value}")
    assert [d.id for d in eligibility.denials] == [d.id for d in expected.denials]
    order.after_sales_requests = 5  # Douyin, never re-opened: 售后期内,售后申请次数不超过5次 (seed 004)
    request = service_pb2.CheckReopenEligibilityRequest(platform=cases_pb2.PLATFORM_DOUYIN, order=order)
    request.at.FromJsonString("2026-11-08T00:00:00Z")
    buyer = client("CheckReopenEligibility", request).buyer
    assert buyer.status == prediction_pb2.ELIGIBILITY_STATUS_INELIGIBLE
    assert (buyer.applications_allowed, buyer.applications_left) == (5, 0)
    assert "douyin.reopen.application_limit" in [r.id for r in buyer.rules]


def test_restart_and_crash_keep_what_was_stored(fresh_server: ServerProcess, video: SyntheticVideo) -> None:
    server = fresh_server.start()
    key = server.key
    client = server.client()
    data = video.path.read_bytes()
    uploaded = client.upload(data, "durable", VIDEO).evidence
    stored = client.put_case(case_message("durable")).stored
    assessed = client("AssessAndPredict", service_pb2.AssessAndPredictRequest(case_id="durable")).result
    client.close()
    assert server.stop() == 0  # graceful

    server.start()
    assert server.key == key  # the local key is created once
    client = server.client()
    assert (
        client("GetEvidence", service_pb2.GetEvidenceRequest(evidence_id=uploaded.evidence_id)).evidence
        == uploaded
    )
    assert client("GetCase", service_pb2.GetCaseRequest(case_id="durable")).stored == stored
    assert client("GetResult", service_pb2.GetResultRequest(result_id=assessed.result_id)).result == assessed

    predicted = client("PredictOutcome", service_pb2.PredictOutcomeRequest(case_id="durable")).result
    client.close()
    server.kill()  # SIGKILL right after the result was written
    server.start()
    client = server.client()
    assert (
        client("GetResult", service_pb2.GetResultRequest(result_id=predicted.result_id)).result == predicted
    )

    # a crash in the middle of an upload leaves a temporary file; the next start removes it
    release = threading.Event()

    def stalled() -> object:
        requests = upload_requests(data, "durable", VIDEO, filename="half.mp4", chunk=128 * 1024)
        for i, message in enumerate(requests):
            yield message
            if i == 3:
                release.wait(30)

    future = client.svc.UploadEvidence.future(stalled(), metadata=client.metadata, timeout=60)
    tmp = server.data_dir / "blobs" / "tmp"
    assert wait_until(lambda: any(tmp.rglob("half.mp4")))
    server.kill()
    release.set()
    with pytest.raises(grpc.RpcError):
        future.result()
    assert any(tmp.rglob("half.mp4"))
    server.start()
    assert list(tmp.iterdir()) == []
    assert any(e.get("msg") == "removed interrupted uploads" for e in server.events())
    client = server.client()
    assert (
        client("GetResult", service_pb2.GetResultRequest(result_id=predicted.result_id)).result == predicted
    )
    client.close()


def test_graceful_shutdown_lets_a_running_analysis_finish(
    fresh_server: ServerProcess, video: SyntheticVideo
) -> None:
    server = fresh_server.start()
    client = server.client()
    client.upload(video.path.read_bytes(), "grace", VIDEO)
    client.put_case(case_message("grace"))
    request = service_pb2.AssessEvidenceRequest(case_id="grace", operation_id="op-grace")
    future = client.svc.AssessEvidence.future(request, metadata=client.metadata, timeout=60)

    def running() -> bool:
        try:
            state = client(
                "GetProgress", service_pb2.GetProgressRequest(operation_id="op-grace"), timeout=5
            ).state
        except grpc.RpcError:
            return False
        return bool(state == service_pb2.OPERATION_STATE_RUNNING)

    assert wait_until(running, timeout=30, interval=0.02)
    assert server.process is not None
    started = time.monotonic()
    server.process.terminate()
    result = future.result(timeout=60).result  # finished within the grace period
    assert len(result.assessment.elements) == 4
    assert server.process.wait(timeout=60) == 0
    assert time.monotonic() - started < 30
    assert any(e.get("msg") == "shutting down" for e in server.events())


def test_photo_evidence_is_assessed_with_the_video(
    tenant: Client, video: SyntheticVideo, corpus_dir: object
) -> None:
    from pathlib import Path

    client = tenant
    photo = (Path(str(corpus_dir)) / "bad" / "frame_full_reference.jpg").read_bytes()
    uploaded = client.upload(photo, "e2e-7", PHOTO, filename="reference.jpg")
    assert uploaded.evidence.photo.format == "JPEG" and uploaded.evidence.photo.width == 854
    video_id = client.upload(video.path.read_bytes(), "e2e-7", VIDEO).evidence.evidence_id
    client.put_case(case_message("e2e-7"))
    result = client(
        "AssessEvidence",
        service_pb2.AssessEvidenceRequest(
            case_id="e2e-7", evidence_ids=[video_id, uploaded.evidence.evidence_id]
        ),
    ).result
    assert [p.name for p in result.assessment.photos] == ["reference.jpg"]
    assert list(result.evidence_ids) == [video_id, uploaded.evidence.evidence_id]


def test_lists_are_paged(tenant: Client) -> None:
    import io

    from PIL import Image

    def jpeg(shade: int) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (64, 48), (shade, 80, 160)).save(out, "JPEG")
        return out.getvalue()

    ids = [
        tenant.upload(jpeg(i * 40), "paged", PHOTO, filename=f"p{i}.jpg").evidence.evidence_id
        for i in range(5)
    ]
    tenant.put_case(case_message("paged"))
    results = [
        tenant("PredictOutcome", service_pb2.PredictOutcomeRequest(case_id="paged")).result.result_id
        for _ in range(5)
    ]
    seen_evidence, token = [], ""
    while True:
        page = tenant(
            "ListEvidence", service_pb2.ListEvidenceRequest(case_id="paged", page_size=2, page_token=token)
        )
        assert len(page.evidence) <= 2
        seen_evidence += [e.evidence_id for e in page.evidence]
        if not (token := page.next_page_token):
            break
    assert seen_evidence == ids  # oldest first, each once
    seen_results, token = [], ""
    while True:
        listed = tenant(
            "ListResults", service_pb2.ListResultsRequest(case_id="paged", page_size=2, page_token=token)
        )
        seen_results += [r.result_id for r in listed.results]
        if not (token := listed.next_page_token):
            break
    assert seen_results == results[::-1]  # newest first
    with pytest.raises(grpc.RpcError) as info:
        tenant("ListResults", service_pb2.ListResultsRequest(page_token="%%%"))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
