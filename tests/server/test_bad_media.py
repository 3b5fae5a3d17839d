"""Every file of ``../shared/corpus/bad`` through the real server: a precise status (at upload, or at
assessment for what only decoding can tell), and the server keeps serving."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from proofbox.v1 import assessment_pb2, service_pb2
from tests.conftest import corpus_entries

from .helpers import PHOTO, VIDEO, ServerProcess, case_message, trailers

pytestmark = pytest.mark.corpus

BAD = [e for e in corpus_entries() if e["path"].startswith("bad/")]
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}
# Accepted at upload (the container is fine); what only the decoder can tell shows at assessment.
AT_ASSESSMENT: dict[str, tuple[str, str]] = {
    # name: ("reject", error code) or ("finding", a finding code the assessment must contain)
    "truncated_10pct_faststart.mp4": ("reject", "TRUNCATED"),
    "truncated_60pct_faststart.mp4": ("finding", "VALIDITY_TRUNCATED"),
    "corrupted_bitstream.mp4": ("finding", "VALIDITY_DECODE_ERRORS"),
    "one_frame.mp4": ("finding", "COMPLETENESS_TOO_SHORT"),
    "frame_full_reference.jpg": ("finding", "COMPLETENESS_NO_VIDEO"),
}


def _name(entry: dict[str, Any]) -> str:
    return Path(entry["path"]).name


@pytest.mark.parametrize("entry", BAD, ids=[_name(e) for e in BAD])
def test_bad_media_gets_a_precise_status(
    entry: dict[str, Any], server: ServerProcess, corpus_dir: Path
) -> None:
    name = _name(entry)
    data = (corpus_dir / entry["path"]).read_bytes()
    kind = PHOTO if Path(name).suffix in PHOTO_SUFFIXES else VIDEO
    client = server.client()
    case_id = f"bad-{name}"
    expected = entry["expected"]
    if name not in AT_ASSESSMENT:
        assert expected["outcome"] == "reject", name
        with pytest.raises(grpc.RpcError) as info:
            client.upload(data, case_id, kind, filename=name)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert trailers(info.value)["proofbox-error-code"] == expected["error_class"]
        details = info.value.details() or ""
        assert len(details) > 40 and ("upload" in details or "send" in details)  # what is wrong, what to do
        with pytest.raises(grpc.RpcError) as missing:  # nothing was stored
            client(
                "GetEvidence", service_pb2.GetEvidenceRequest(evidence_id=hashlib.sha256(data).hexdigest())
            )
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    else:
        uploaded = client.upload(data, case_id, kind, filename=name)
        client.put_case(case_message(case_id))
        outcome, code = AT_ASSESSMENT[name]
        request = service_pb2.AssessEvidenceRequest(
            case_id=case_id, evidence_ids=[uploaded.evidence.evidence_id]
        )
        if outcome == "reject":
            with pytest.raises(grpc.RpcError) as info:
                client("AssessEvidence", request)
            assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert trailers(info.value)["proofbox-error-code"] == code
            assert name in (info.value.details() or "")  # the client's file name, not a hash
        else:
            result = client("AssessEvidence", request).result
            codes = {f.code for e in result.assessment.elements for f in e.findings}
            assert code in codes, sorted(codes)
            assert any(e.verdict == assessment_pb2.VERDICT_FAIL for e in result.assessment.elements)
    health = health_pb2_grpc.HealthStub(client.channel)
    assert health.Check(health_pb2.HealthCheckRequest(service="proofbox.v1.ProofboxService")).status == (
        health_pb2.HealthCheckResponse.SERVING
    )
    assert client.put_case(case_message(f"still-serving-{name}")).stored.version == 1


def test_the_server_is_still_serving_after_the_corpus(server: ServerProcess) -> None:
    client = server.client()
    stored = client.put_case(case_message("after-bad-media"))
    assert stored.stored.version >= 1
    assert server.process is not None and server.process.poll() is None
