"""32 concurrent clients, each with its own channel, run a mixed workload against one server."""

from __future__ import annotations

import io
import threading
import traceback

import grpc
from PIL import Image

from proofbox.v1 import admin_pb2, cases_pb2, records_pb2, service_pb2
from tests.conftest import SyntheticVideo

from .helpers import PHOTO, VIDEO, ServerProcess, case_message, create_key

CLIENTS = 32


def _photo(i: int) -> bytes:
    image = Image.new("RGB", (320, 240), ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def test_32_concurrent_clients_mixed_workload(server: ServerProcess, video: SyntheticVideo) -> None:
    admin = server.client()
    keys = [create_key(admin, f"load-{i % 4}") for i in range(CLIENTS)]  # 4 tenants, 8 clients each
    video_bytes = video.path.read_bytes()
    barrier = threading.Barrier(CLIENTS)
    errors: list[str] = []
    done: list[int] = []

    def work(i: int) -> None:
        client = server.client(keys[i])
        try:
            barrier.wait(timeout=60)
            case_id = f"load-case-{i}"
            stored = client.put_case(case_message(case_id))
            assert stored.stored.version == 1
            results = [
                client("PredictOutcome", service_pb2.PredictOutcomeRequest(case_id=case_id)).result
                for _ in range(3)
            ]
            assert len({r.result_id for r in results}) == 3
            assert client("GetCase", service_pb2.GetCaseRequest(case_id=case_id)).stored == stored.stored
            assert client("CheckDeadlines", service_pb2.CheckDeadlinesRequest(case_id=case_id)).deadlines
            eligibility = client(
                "CheckReopenEligibility",
                service_pb2.CheckReopenEligibilityRequest(
                    platform=cases_pb2.PLATFORM_TMALL, order=stored.stored.case.order
                ),
            )
            assert eligibility.eligibility.pack_version
            uploaded = client.upload(_photo(i), case_id, PHOTO, filename=f"photo-{i}.jpg")
            assert client(
                "GetEvidence", service_pb2.GetEvidenceRequest(evidence_id=uploaded.evidence.evidence_id)
            )
            stream = [service_pb2.ScoreCasesRequest(ref=str(n), case_id=case_id) for n in range(3)]
            scored = list(client.svc.ScoreCases(iter(stream), metadata=client.metadata, timeout=120))
            assert [r.ref for r in scored] == ["0", "1", "2"] and all(r.HasField("result") for r in scored)
            if i % 8 == 0:  # four clients also run a full analysis (two workers, a queue of 16)
                client.upload(video_bytes, case_id, VIDEO)
                full = client(
                    "AssessAndPredict", service_pb2.AssessAndPredictRequest(case_id=case_id), timeout=120
                )
                assert full.result.kind == records_pb2.RESULT_KIND_ASSESSMENT_AND_PREDICTION
            listed = client("ListResults", service_pb2.ListResultsRequest(case_id=case_id)).results
            assert len(listed) == 6 + (1 if i % 8 == 0 else 0)
            done.append(i)
        except (grpc.RpcError, AssertionError, threading.BrokenBarrierError):
            errors.append(f"client {i}: {traceback.format_exc()}")
        finally:
            client.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == [], errors[0] if errors else ""
    assert sorted(done) == list(range(CLIENTS))
    # every tenant sees exactly its own eight clients' cases
    tenant = server.client(keys[1])
    visible = {
        r.case_id for r in tenant("ListResults", service_pb2.ListResultsRequest(page_size=500)).results
    }
    assert visible == {f"load-case-{i}" for i in range(CLIENTS) if i % 4 == 1}
    role = admin("ListApiKeys", admin_pb2.ListApiKeysRequest(tenant_id="load-1")).keys
    assert len(role) == CLIENTS // 4
