"""One case, one answer: a prediction by case id uses the latest stored assessment of the case's
current evidence and names it, or says in the result why it used none."""

from __future__ import annotations

import io

from PIL import Image

from proofbox.v1 import prediction_pb2, records_pb2, service_pb2
from tests.conftest import SyntheticVideo

from .helpers import PHOTO, VIDEO, Client, case_message


def _predict(client: Client, case_id: str) -> records_pb2.Result:
    request = service_pb2.PredictOutcomeRequest(case_id=case_id)
    result: records_pb2.Result = client("PredictOutcome", request).result
    return result


def test_prediction_by_case_id_uses_the_latest_assessment(tenant: Client, video: SyntheticVideo) -> None:
    client = tenant
    client.put_case(case_message("basis-1"))
    before = _predict(client, "basis-1")
    assert before.evidence_basis.source == records_pb2.EVIDENCE_SOURCE_NONE
    assert before.evidence_basis.reason == "NO_EVIDENCE" and "no evidence" in before.evidence_basis.message

    sha = client.upload(video.path.read_bytes(), "basis-1", VIDEO).evidence.evidence_id
    assert _predict(client, "basis-1").evidence_basis.reason == "NOT_ASSESSED"
    assessed = client("AssessAndPredict", service_pb2.AssessAndPredictRequest(case_id="basis-1")).result
    assert assessed.evidence_basis.source == records_pb2.EVIDENCE_SOURCE_ASSESSED_HERE
    assert assessed.prediction.outcome == prediction_pb2.OUTCOME_MERCHANT_FAVORED

    after = _predict(client, "basis-1")
    assert after.prediction.outcome == assessed.prediction.outcome  # the same answer for the same case
    assert after.prediction.merchant_probability == assessed.prediction.merchant_probability
    assert after.evidence_basis.source == records_pb2.EVIDENCE_SOURCE_STORED_ASSESSMENT
    assert after.evidence_basis.assessment_result_id == assessed.result_id
    assert list(after.evidence_ids) == [sha] and after.prediction.evidence_used
    assert before.prediction.outcome != after.prediction.outcome  # the evidence is what changed it

    # a later assessment-only result of the same evidence is the latest one
    only = client("AssessEvidence", service_pb2.AssessEvidenceRequest(case_id="basis-1")).result
    assert _predict(client, "basis-1").evidence_basis.assessment_result_id == only.result_id

    # new evidence since the assessment: the stored one no longer judges the case's current evidence
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(photo, "JPEG")
    client.upload(photo.getvalue(), "basis-1", PHOTO, filename="extra.jpg")
    stale = _predict(client, "basis-1")
    assert stale.evidence_basis.source == records_pb2.EVIDENCE_SOURCE_NONE
    assert stale.evidence_basis.reason == "NOT_ASSESSED" and "AssessEvidence" in stale.evidence_basis.message


def test_changed_case_facts_and_inline_cases_are_stated(tenant: Client, video: SyntheticVideo) -> None:
    client = tenant
    client.put_case(case_message("basis-2"))
    client.upload(video.path.read_bytes(), "basis-2", VIDEO)
    assessed = client("AssessEvidence", service_pb2.AssessEvidenceRequest(case_id="basis-2")).result
    # a change the evidence check does not read (the ticket): the assessment still stands
    client.put_case(
        case_message("basis-2", ticket={"type": "return_refund", "status": "platform_intervention"})
    )
    kept = _predict(client, "basis-2")
    assert kept.case_version == 2 and kept.evidence_basis.assessment_result_id == assessed.result_id
    # a change it does read (the return waybill number): assess again
    client.put_case(case_message("basis-2", logistics={"return_tracking_number": "YT0000000000001"}))
    changed = _predict(client, "basis-2")
    assert (
        changed.evidence_basis.reason == "CASE_FACTS_CHANGED"
        and not changed.evidence_basis.assessment_result_id
    )
    assert assessed.result_id in changed.evidence_basis.message

    inline = client("PredictOutcome", service_pb2.PredictOutcomeRequest(case=case_message("basis-2"))).result
    assert inline.evidence_basis.reason == "INLINE_CASE"
    summary = {
        name: {"verdict": "pass", "score": 1.0}
        for name in ("consistency", "completeness", "validity", "timeliness")
    }
    carried = client(
        "PredictOutcome", service_pb2.PredictOutcomeRequest(case=case_message("basis-3", evidence=summary))
    ).result
    assert carried.evidence_basis.source == records_pb2.EVIDENCE_SOURCE_CASE_SUMMARY
    assert "summary the case carries" in carried.evidence_basis.message
