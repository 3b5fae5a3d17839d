"""What operations people expect: the standard gRPC metric series, health that follows the database,
the documented service config (retries, keepalive), trace context in the logs, quiet progress polls."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from proofbox.channel import CHANNEL_OPTIONS, SERVICE_CONFIG
from proofbox.v1 import service_pb2, service_pb2_grpc

from .helpers import ServerProcess, case_message, upload_requests, wait_until

SERVICE = "proofbox.v1.ProofboxService"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _scrape(port: int) -> dict[str, list[tuple[dict[str, str], float]]]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    series: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            series.setdefault(sample.name, []).append((sample.labels, sample.value))
    return series


def _value(series: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(v for found, v in series.get(name, []) if all(found.get(k) == x for k, x in labels.items()))


def test_standard_grpc_metrics_after_a_few_calls(server: ServerProcess) -> None:
    assert server.metrics_port
    client = server.client()
    before = _scrape(server.metrics_port)
    client.put_case(case_message("ops-1"))
    client("GetCase", service_pb2.GetCaseRequest(case_id="ops-1"))
    with pytest.raises(grpc.RpcError):
        client("GetCase", service_pb2.GetCaseRequest(case_id="ops-missing"))
    with pytest.raises(grpc.RpcError):  # a client stream refused after two messages
        client.svc.UploadEvidence(
            upload_requests(b"not a video at all" * 100, "ops-1", 1, chunk=1000, size=5),
            metadata=client.metadata,
            timeout=30,
        )
    scored = client.svc.ScoreCases(
        iter([service_pb2.ScoreCasesRequest(ref=f"r{i}", case=case_message(f"ops-s{i}")) for i in range(3)]),
        metadata=client.metadata,
        timeout=60,
    )
    assert len(list(scored)) == 3
    after = _scrape(server.metrics_port)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    unary = {"grpc_service": SERVICE, "grpc_type": "unary"}
    assert delta("grpc_server_started_total", grpc_method="GetCase", **unary) == 2
    assert delta("grpc_server_handled_total", grpc_method="GetCase", grpc_code="OK", **unary) == 1
    assert delta("grpc_server_handled_total", grpc_method="GetCase", grpc_code="NOT_FOUND", **unary) == 1
    assert delta("grpc_server_handled_total", grpc_method="PutCase", grpc_code="OK", **unary) == 1
    assert delta("grpc_server_handling_seconds_count", grpc_method="GetCase", **unary) == 2
    assert delta("grpc_server_handling_seconds_bucket", grpc_method="GetCase", le="+Inf", **unary) == 2
    upload = {"grpc_service": SERVICE, "grpc_method": "UploadEvidence", "grpc_type": "client_stream"}
    assert delta("grpc_server_handled_total", grpc_code="INVALID_ARGUMENT", **upload) == 1
    assert delta("grpc_server_msg_received_total", **upload) >= 2  # header and the first chunk
    bidi = {"grpc_service": SERVICE, "grpc_method": "ScoreCases", "grpc_type": "bidi_stream"}
    assert delta("grpc_server_msg_received_total", **bidi) == 3
    assert delta("grpc_server_msg_sent_total", **bidi) == 3
    assert delta("grpc_server_handled_total", grpc_code="OK", **bidi) == 1
    # the process and Python collectors, and what is running
    assert (
        _value(after, "process_cpu_seconds_total") > 0 and _value(after, "process_resident_memory_bytes") > 0
    )
    assert after["python_info"] and "python_gc_objects_collected_total" in after
    ((labels, value),) = after["proofbox_build_info"]
    assert value == 1 and labels["api"] == "proofbox.v1" and labels["version"] and labels["grpcio"]
    assert _value(after, "proofbox_store_up") == 1


def _health(address: str) -> int:
    with grpc.insecure_channel(address) as channel:
        status: int = (
            health_pb2_grpc.HealthStub(channel)
            .Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=10)
            .status
        )
        return status


SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data",
        ("--listen", "127.0.0.1:0", "--workers", "1", "--metrics-port", "0", "--log-level", "debug"),
        env={"PROOFBOX_HEALTH_INTERVAL_S": "0.2"},
    )
    process.start()
    yield process
    process.kill()


def test_health_follows_the_sqlite_database(watched: ServerProcess) -> None:
    database = watched.data_dir / "proofbox.db"
    assert database.is_file() and _health(watched.address) == SERVING
    hidden = database.with_name("elsewhere.db")
    database.rename(hidden)  # as if the volume went away (as root, chmod would not lock us out)
    try:
        assert wait_until(lambda: _health(watched.address) == NOT_SERVING, timeout=20)
        assert any(e.get("msg") == "database unreachable: health NOT_SERVING" for e in watched.events())
    finally:
        hidden.rename(database)
    assert wait_until(lambda: _health(watched.address) == SERVING, timeout=20)
    assert any(e.get("msg") == "database reachable again: health SERVING" for e in watched.events())


def test_trace_context_reaches_the_logs_and_progress_polls_are_quiet(watched: ServerProcess) -> None:
    client = watched.client()
    client.put_case(case_message("trace-1"), expected_version=0)
    client.svc.GetCase(
        service_pb2.GetCaseRequest(case_id="trace-1"),
        metadata=(*client.metadata, ("traceparent", TRACEPARENT)),
        timeout=30,
    )
    client("PredictOutcome", service_pb2.PredictOutcomeRequest(case_id="trace-1", operation_id="op-trace-1"))
    client("GetProgress", service_pb2.GetProgressRequest(operation_id="op-trace-1"))

    def rpc(method: str) -> list[dict[str, object]]:
        return [e for e in watched.events() if e.get("msg") == "rpc" and e.get("method") == method]

    assert wait_until(lambda: rpc("GetProgress"))
    traced = rpc("GetCase")
    assert traced[0]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert traced[0]["span_id"] == "00f067aa0ba902b7" and traced[0]["traceparent"] == TRACEPARENT
    assert "trace_id" not in rpc("PredictOutcome")[0]  # none sent, none invented
    assert [e["level"] for e in rpc("GetProgress")] == ["debug"]  # polled many times a second by the CLI
    assert [e["level"] for e in rpc("PredictOutcome")] == ["info"]


def _terminate_connections(admin: str, name: str) -> None:
    """End the server's database sessions, as a PostgreSQL restart or failover would."""
    import psycopg

    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid()",
            (name,),
        )


@pytest.mark.postgres
@pytest.mark.slow
def test_a_postgresql_outage_health_and_retries(postgres_db: str, tmp_path: Path) -> None:
    import psycopg

    names = {n["method"] for c in SERVICE_CONFIG["methodConfig"] if "retryPolicy" in c for n in c["name"]}
    assert {"GetCase", "PutCase", "ListResults", "GetProgress"} <= names
    assert not names & {
        "UploadEvidence",
        "AssessEvidence",
        "PredictOutcome",
        "AssessAndPredict",
        "ScoreCases",
    }
    process = ServerProcess(
        tmp_path / "data",
        ("--listen", "127.0.0.1:0", "--workers", "1", "--metrics-port", "0", "--database-url", postgres_db),
        env={"PROOFBOX_HEALTH_INTERVAL_S": "0.2"},
    )
    process.start()
    name = postgres_db.split("@/", 1)[1].split("?", 1)[0]
    admin = postgres_db.replace(f"@/{name}?", "@/postgres?")
    channel = grpc.insecure_channel(process.address, options=CHANNEL_OPTIONS)  # the documented config
    stub = service_pb2_grpc.ProofboxServiceStub(channel)
    metadata = (("authorization", f"Bearer {process.key}"),)
    try:
        stub.PutCase(service_pb2.PutCaseRequest(case=case_message("pg-1")), metadata=metadata)
        assert _health(process.address) == SERVING
        with psycopg.connect(admin, autocommit=True) as con:  # refuse new sessions, end the open ones
            con.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        _terminate_connections(admin, name)
        assert wait_until(lambda: _health(process.address) == NOT_SERVING, timeout=30)
        with pytest.raises(grpc.RpcError) as info:
            stub.GetCase(service_pb2.GetCaseRequest(case_id="pg-1"), metadata=metadata, timeout=30)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        assert process.metrics_port
        port = process.metrics_port

        def attempts() -> float:
            return _value(
                _scrape(port), "grpc_server_handled_total", grpc_method="GetCase", grpc_code="UNAVAILABLE"
            )

        # the call and three retries (maxAttempts 4), with backoff; the server counts a call just after
        # its status went out, so the last count may land a moment after the client has its answer
        assert wait_until(lambda: attempts() == 4, timeout=5), attempts()
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        assert wait_until(lambda: _health(process.address) == SERVING, timeout=30)
        found = stub.GetCase(service_pb2.GetCaseRequest(case_id="pg-1"), metadata=metadata, timeout=30)
        assert found.stored.case.case_id == "pg-1"
    finally:
        channel.close()
        process.kill()


def test_service_config_is_valid_json_and_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    assert "service_config.json" in docs and "keepalive" in docs
    assert json.loads(json.dumps(SERVICE_CONFIG)) == SERVICE_CONFIG
    with grpc.insecure_channel("127.0.0.1:9", options=CHANNEL_OPTIONS):
        pass  # grpc accepts the config (it rejects a malformed one when the channel is created)


class _FreezingProxy:
    """TCP on 127.0.0.1 to PostgreSQL's Unix socket. Frozen, it forwards nothing and closes nothing:
    what a network partition looks like to the server (no refusal, no reset, just no answer)."""

    def __init__(self, socket_path: str) -> None:
        import socket
        import threading

        self._path = socket_path
        self.flowing = threading.Event()
        self.flowing.set()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port: int = self.listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self._path)
            self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: object, dst: object) -> None:
        try:
            while data := src.recv(65536):  # type: ignore[attr-defined]
                self.flowing.wait()
                dst.sendall(data)  # type: ignore[attr-defined]
        except OSError:
            pass

    def close(self) -> None:
        self.flowing.set()
        self.listener.close()
        for sock in self._sockets:
            sock.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_health_turns_not_serving_when_the_database_stops_answering(postgres_db: str, tmp_path: Path) -> None:
    """Issue 11: with the database behind a partition (it neither answers nor refuses), health stayed
    SERVING for ever: the probe hung on a pooled connection. A probe that takes over 5 s now counts
    as down, and health comes back when the database answers again."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(postgres_db)
    query = parse_qs(parts.query)
    proxy = _FreezingProxy(f"{query['host'][0]}/.s.PGSQL.{query['port'][0]}")
    process = ServerProcess(
        tmp_path / "data",
        (
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--database-url",
            f"postgresql://postgres@127.0.0.1:{proxy.port}{parts.path}",
        ),
        env={"PROOFBOX_HEALTH_INTERVAL_S": "0.2"},
    )
    try:
        process.start()
        client = process.client()
        client.put_case(case_message("partition-1"))
        assert _health(process.address) == SERVING
        proxy.flowing.clear()
        assert wait_until(lambda: _health(process.address) == NOT_SERVING, timeout=30)
        assert any(e.get("msg") == "database unreachable: health NOT_SERVING" for e in process.events())
        proxy.flowing.set()
        assert wait_until(lambda: _health(process.address) == SERVING, timeout=30)
        found = client("GetCase", service_pb2.GetCaseRequest(case_id="partition-1"))
        assert found.stored.case.case_id == "partition-1"
        client.close()
    finally:
        process.kill()
        proxy.close()
