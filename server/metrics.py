"""Prometheus metrics of one server instance, on its own registry (several servers can share a process)."""

from __future__ import annotations

import threading
from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

__all__ = ["Metrics"]

_LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
    300,
)
_ANALYSIS_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class Metrics:
    """Request counts and latencies by method and status, analysis durations, queue depth, upload bytes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "proofbox_rpc_requests",
            "RPCs handled, by method and status code",
            ["method", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "proofbox_rpc_duration_seconds",
            "RPC handling time, by method and status code",
            ["method", "code"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.analysis = Histogram(
            "proofbox_analysis_duration_seconds",
            "Media analysis time in the worker pool, by outcome (ok, media_error, deadline, error)",
            ["outcome"],
            buckets=_ANALYSIS_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "proofbox_analysis_queue_depth", "Analyses waiting for a worker", registry=self.registry
        )
        self.in_flight = Gauge(
            "proofbox_analysis_in_flight",
            "Analyses submitted and not finished (running + waiting)",
            registry=self.registry,
        )
        self.upload_bytes = Counter(
            "proofbox_upload_bytes", "Evidence bytes received and stored", registry=self.registry
        )
        self._http: tuple[WSGIServer, threading.Thread] | None = None
        self._rpc_children: dict[tuple[str, str], tuple[Any, Any]] = {}

    def observe_rpc(self, method: str, code: str, seconds: float) -> None:
        """Count one RPC and record its duration (label children cached: this runs on every call)."""
        children = self._rpc_children.get((method, code))
        if children is None:
            children = self._rpc_children[(method, code)] = (
                self.requests.labels(method, code),
                self.latency.labels(method, code),
            )
        children[0].inc()
        children[1].observe(seconds)

    def serve(self, host: str, port: int) -> int:
        """Expose ``/metrics`` over HTTP; returns the port bound (useful with port 0)."""
        server, thread = start_http_server(port, addr=host, registry=self.registry)
        self._http = (server, thread)
        bound: Any = server.server_address[1]
        return int(bound)

    def close(self) -> None:
        if self._http is not None:
            server, thread = self._http
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self._http = None
