"""The edge in-process: unexpected errors become INTERNAL with a request id and never stop the server;
health and reflection are registered and answer without a key."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from server.auth import Authenticator, mint_key
from server.edge import EdgeInterceptor
from server.metrics import Metrics
from server.store import open_store

from .helpers import ServerProcess

METHOD = "/proofbox.v1.ProofboxService/GetCase"


def test_unexpected_errors_become_internal_with_a_request_id(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db'}")
    record, key = mint_key("t", "admin")
    store.add_api_key(record)
    auth = Authenticator(store)
    metrics = Metrics()
    calls = {"n": 0}

    async def flaky(request: bytes, context: Any) -> bytes:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a bug")
        return b"ok"

    async def scenario() -> tuple[grpc.aio.AioRpcError, bytes]:
        async def verify(secret: str | None) -> Any:
            return auth.verify(secret)

        server = grpc.aio.server(interceptors=[EdgeInterceptor(auth, metrics, verify)])
        handler = grpc.unary_unary_rpc_method_handler(flaky)
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler("proofbox.v1.ProofboxService", {"GetCase": handler}),)
        )
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                call = channel.unary_unary(METHOD)
                metadata = (("authorization", f"Bearer {key}"),)
                with pytest.raises(grpc.aio.AioRpcError) as info:
                    await call(b"x", metadata=metadata)
                answer = await call(b"x", metadata=metadata)  # still serving
        finally:
            await server.stop(None)
        return info.value, answer

    with caplog.at_level(logging.ERROR, logger="proofbox"):
        error, answer = asyncio.run(scenario())
    assert error.code() == grpc.StatusCode.INTERNAL
    request_id = dict(error.trailing_metadata() or ())["x-request-id"]
    assert request_id in (error.details() or "") and "a bug" not in (error.details() or "")
    assert answer == b"ok"
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and "a bug" in str(logged[0].exc_info[1])  # type: ignore[index]
    samples = {
        (s.labels["grpc_method"], s.labels["grpc_code"]): s.value
        for m in metrics.registry.collect()
        for s in m.samples
        if s.name == "grpc_server_handled_total"
    }
    assert samples == {("GetCase", "INTERNAL"): 1.0, ("GetCase", "OK"): 1.0}
    store.close()


def test_health_and_reflection_need_no_key(server: ServerProcess) -> None:
    channel = grpc.insecure_channel(server.address)
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "proofbox.v1.ProofboxService", "proofbox.v1.AdminService"):
        assert (
            health.Check(health_pb2.HealthCheckRequest(service=service)).status
            == health_pb2.HealthCheckResponse.SERVING
        )
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = list(
        stub.ServerReflectionInfo(
            iter(
                [
                    reflection_pb2.ServerReflectionRequest(list_services=""),
                    reflection_pb2.ServerReflectionRequest(
                        file_containing_symbol="proofbox.v1.ProofboxService"
                    ),
                ]
            )
        )
    )
    names = {s.name for s in responses[0].list_services_response.service}
    assert {"proofbox.v1.ProofboxService", "proofbox.v1.AdminService", "grpc.health.v1.Health"} <= names
    assert responses[1].file_descriptor_response.file_descriptor_proto  # grpcurl can describe the API
    channel.close()
