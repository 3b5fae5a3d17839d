"""How a client should open its channel to a proofbox server: the service config and keepalive.

``service_config.json`` (shipped in the package, documented in docs/api.md) retries the idempotent
RPCs on UNAVAILABLE with exponential backoff and gives the analysis RPCs a long deadline; the
assessing RPCs are idempotent only with an ``operation_id``, so they are not retried by the
channel: retry them yourself with the same operation id. Keepalive pings every 60 s keep NAT and
load-balancer entries alive while an analysis runs for minutes (the server allows one every 30 s).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["CHANNEL_OPTIONS", "SERVICE_CONFIG", "channel_options"]

SERVICE_CONFIG: dict[str, Any] = json.loads(
    resources.files("proofbox").joinpath("service_config.json").read_text(encoding="utf-8")
)
KEEPALIVE_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
]
CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.service_config", json.dumps(SERVICE_CONFIG)),
    ("grpc.enable_retries", 1),
    *KEEPALIVE_OPTIONS,
]


def channel_options(max_receive_bytes: int = 64 * 1024 * 1024) -> list[tuple[str, Any]]:
    """Options for ``grpc.insecure_channel`` / ``grpc.secure_channel``."""
    return [("grpc.max_receive_message_length", max_receive_bytes), *CHANNEL_OPTIONS]
