"""Prometheus metrics of one server instance, on its own registry (several servers can share a process)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    start_http_server,
)

__all__ = ["BIDI_STREAM", "CLIENT_STREAM", "SERVER_STREAM", "UNARY", "Metrics", "RpcSeries"]

UNARY, CLIENT_STREAM, SERVER_STREAM, BIDI_STREAM = "unary", "client_stream", "server_stream", "bidi_stream"


class RpcSeries:
    """The label children of one method; ``handled(code)`` caches per status code."""

    __slots__ = ("_codes", "_handled", "latency", "received", "sent", "started")

    def __init__(self, started: Any, latency: Any, received: Any, sent: Any, handled: Any) -> None:
        self.started, self.latency, self.received, self.sent = started, latency, received, sent
        self._handled = handled
        self._codes: dict[str, Any] = {}

    def handled(self, code: str) -> Any:
        child = self._codes.get(code)
        if child is None:
            child = self._codes[code] = self._handled(code)
        return child


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
    """The gRPC server metrics under the names the ecosystem's dashboards query, plus proofbox's own.

    ``grpc_server_started_total``, ``grpc_server_handled_total`` (with ``grpc_code``),
    ``grpc_server_handling_seconds`` and ``grpc_server_msg_{received,sent}_total``, labelled
    ``grpc_type``, ``grpc_service``, ``grpc_method`` as py-grpc-prometheus (and go-grpc-prometheus
    before it) names them, so a stock "gRPC server" Grafana dashboard works unchanged; the process
    and Python runtime collectors; ``proofbox_build_info``; and analysis, queue and upload series.
    """

    def __init__(self, build: Mapping[str, str] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        labels = ["grpc_type", "grpc_service", "grpc_method"]
        self.started = Counter(
            "grpc_server_started_total", "RPCs started on the server", labels, registry=self.registry
        )
        self.handled = Counter(
            "grpc_server_handled_total",
            "RPCs completed on the server, regardless of success or failure",
            [*labels, "grpc_code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "grpc_server_handling_seconds",
            "Response latency (seconds) of gRPC that had been application-level handled by the server",
            labels,
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.received = Counter(
            "grpc_server_msg_received_total",
            "RPC stream messages received on the server",
            labels,
            registry=self.registry,
        )
        self.sent = Counter(
            "grpc_server_msg_sent_total",
            "gRPC stream messages sent on the server",
            labels,
            registry=self.registry,
        )
        self.build = Gauge(
            "proofbox_build_info",
            "Always 1; the labels say what is running (proofbox, the API, grpcio, protobuf, Python)",
            list((build or {}).keys()),
            registry=self.registry,
        )
        if build:
            self.build.labels(**build).set(1)
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
        self.store_up = Gauge(
            "proofbox_store_up",
            "1 while the database answers health probes, 0 while it does not",
            registry=self.registry,
        )
        self._http: tuple[WSGIServer, threading.Thread] | None = None
        self._children: dict[tuple[str, str, str], RpcSeries] = {}

    def rpc(self, grpc_type: str, method: str) -> RpcSeries:
        """The series of one method (``/package.Service/Method``), created once: this runs on every call."""
        key = (grpc_type, method, "")
        series = self._children.get(key)
        if series is None:
            service, _, name = method.lstrip("/").rpartition("/")
            labels = (grpc_type, service, name)
            series = self._children[key] = RpcSeries(
                self.started.labels(*labels),
                self.latency.labels(*labels),
                self.received.labels(*labels),
                self.sent.labels(*labels),
                lambda code, labels=labels: self.handled.labels(*labels, code),
            )
        return series

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
