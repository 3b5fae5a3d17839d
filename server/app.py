"""Assembling and running the server: store, blobs, worker pool, services, health, reflection, metrics.

:class:`ProofboxServer` is what tests and ``proofbox serve`` start. ``start()`` opens the store
(migrating it), removes what interrupted uploads left, creates the local admin key on first start,
starts the analysis workers and binds the port; ``stop()`` marks health NOT_SERVING, lets running
calls finish within the grace period, then stops workers and closes the store.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

import disputes
from evidence.config import MediaLimits
from evidence.errors import ProofboxError
from proofbox.v1 import admin_pb2, admin_pb2_grpc, service_pb2, service_pb2_grpc

from . import __version__
from .analysis import AnalysisPool
from .auth import Authenticator, ensure_local_key
from .blobs import BlobStore
from .config import ServerConfig
from .edge import EdgeInterceptor
from .engine import Engine
from .logs import configure_logging, log_event
from .metrics import Metrics
from .service import AdminServicer, ProofboxServicer
from .store import Store, open_store
from .tokens import PageTokens

__all__ = ["ProofboxServer", "Started", "run"]

MESSAGE_FRAMING_BYTES = 64 * 1024
"""Room for a request's protobuf framing beyond ``max_message_bytes`` of payload."""

PING_TIMEOUT_S = 5.0
"""A database probe that takes longer than this counts as the database being unreachable."""

SERVICE_NAMES = (
    service_pb2.DESCRIPTOR.services_by_name["ProofboxService"].full_name,
    admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
)


@dataclass(frozen=True)
class Started:
    """Where a started server can be reached."""

    address: str  # host:port actually bound
    port: int
    metrics_port: int | None
    key_file: str
    key_created: bool


class ProofboxServer:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.metrics = Metrics(build_info())
        self.store: Store | None = None
        self.pool: AnalysisPool | None = None
        self.server: grpc.aio.Server | None = None
        self.health = health.aio.HealthServicer()
        self._db = ThreadPoolExecutor(config.store_threads, thread_name_prefix="db")
        self._io = ThreadPoolExecutor(max(4, config.workers), thread_name_prefix="io")
        self.started: Started | None = None
        self._grpc_started = False
        self._watch: asyncio.Future[None] | None = None

    async def start(self) -> Started:
        """Start serving; on failure, release whatever was already started and re-raise."""
        try:
            return await self._start()
        except BaseException:
            await self.stop(0)
            raise

    async def _start(self) -> Started:
        cfg = self.config
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        self.store = store = await loop.run_in_executor(
            self._db,
            lambda: open_store(
                cfg.store_url, sqlite_synchronous=cfg.sqlite_synchronous, pool_size=cfg.store_threads
            ),
        )
        blobs = BlobStore(cfg.data_dir, cfg.min_free_bytes, reservation_ttl_s=2 * cfg.upload_idle_s)
        removed = blobs.clean_temporary()
        if removed:
            log_event("removed interrupted uploads", count=removed)
        key_file, created = await loop.run_in_executor(self._db, ensure_local_key, store, cfg.key_file)
        for platform in disputes.available_packs():  # compile the policy packs before the first request
            await loop.run_in_executor(self._io, disputes.load_pack, platform)
        self.pool = pool = AnalysisPool(
            cfg.workers,
            cfg.queue_size,
            self.metrics,
            cfg.analysis_timeout_s,
            memory_bytes=cfg.worker_memory_bytes,
            inspectors=min(2, cfg.workers),
        )
        hint = f" (the local admin key is in {key_file})"
        auth = Authenticator(store, cfg.key_cache_s, hint=hint)
        engine = Engine(store, blobs, pool, self._db)

        async def verify(key: str | None) -> object:
            return await loop.run_in_executor(self._db, auth.verify, key)

        limits = MediaLimits(max_file_bytes=cfg.max_upload_bytes)
        options = [
            # max_message_bytes is what a message may *carry* (an upload chunk of exactly 8 MiB, as
            # documented); the protobuf framing around it (field tags, lengths) gets room on top
            ("grpc.max_receive_message_length", cfg.max_message_bytes + MESSAGE_FRAMING_BYTES),
            ("grpc.max_send_message_length", cfg.max_message_bytes * 4),
            ("grpc.so_reuseport", 0),
            # keepalive (docs/api.md): clients may ping every 30 s, even between calls; the server
            # pings idle connections itself so a vanished client is noticed during a long analysis
            ("grpc.http2.min_ping_interval_without_data_ms", 30_000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_ping_strikes", 2),
        ]
        if cfg.keepalive_s > 0:
            options += [
                ("grpc.keepalive_time_ms", int(cfg.keepalive_s * 1000)),
                ("grpc.keepalive_timeout_ms", 20_000),
            ]
        self.server = server = grpc.aio.server(
            interceptors=[EdgeInterceptor(auth, self.metrics, verify, cfg.language)],  # type: ignore[arg-type]
            options=options,
        )
        service_pb2_grpc.add_ProofboxServiceServicer_to_server(
            ProofboxServicer(
                engine,
                blobs,
                self._io,
                limits,
                self.metrics,
                cfg.score_window,
                cfg.language,
                upload_idle_s=cfg.upload_idle_s,
                tokens=PageTokens(await loop.run_in_executor(self._db, store.server_secret, "page-tokens")),
            ),
            server,
        )
        admin_pb2_grpc.add_AdminServiceServicer_to_server(AdminServicer(engine, auth), server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        reflection.enable_server_reflection(
            (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
        try:
            if cfg.tls:
                assert cfg.tls_cert is not None and cfg.tls_key is not None
                credentials = grpc.ssl_server_credentials(
                    [(cfg.tls_key.read_bytes(), cfg.tls_cert.read_bytes())]
                )
                port = server.add_secure_port(cfg.listen, credentials)
            else:
                port = server.add_insecure_port(cfg.listen)
        except RuntimeError:
            port = 0
        if port == 0:
            raise OSError(
                f"cannot listen on {cfg.listen}: the address is in use (another proofbox serve?) or not "
                "available here; choose another with --listen"
            )
        await loop.run_in_executor(self._io, pool.warm_up)  # after binding: a busy port fails fast
        await server.start()
        self._grpc_started = True
        await self._set_health(True)
        self._watch = asyncio.ensure_future(self._watch_store(store, cfg.health_interval_s))
        metrics_port = (
            self.metrics.serve(cfg.host, cfg.metrics_port) if cfg.metrics_port is not None else None
        )
        address = f"{cfg.host}:{port}"
        self.started = Started(address, port, metrics_port, str(key_file), created)
        log_event(
            "serving",
            address=address,
            tls=cfg.tls,
            metrics_port=metrics_port,
            store=_safe_url(cfg.store_url),
            data_dir=str(cfg.data_dir.resolve()),
            workers=cfg.workers,
            version=__version__,
        )
        if created:
            log_event(
                f"created the local admin API key and wrote it to {key_file} (mode 0600); "
                "the proofbox CLI reads it from there",
                key_file=str(key_file),
            )
        else:
            log_event(f"local admin API key file: {key_file}", key_file=str(key_file))
        return self.started

    async def _set_health(self, up: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if up else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ("", *SERVICE_NAMES):
            await self.health.set(name, status)
        self.metrics.store_up.set(1 if up else 0)

    async def _watch_store(self, store: Store, interval_s: float) -> None:
        """Probe the database every ``interval_s``: NOT_SERVING while it does not answer, SERVING again
        when it does (load balancers and Kubernetes take the instance out meanwhile).

        A probe that does not answer within :data:`PING_TIMEOUT_S` counts as down: a database behind
        a network partition does not refuse, it just never answers (a pooled connection's query then
        hangs for the TCP timeout, many minutes). Each probe runs on a thread of its own, so neither
        a hung probe nor busy database threads hold the watcher up; and any error counts as down,
        so the watcher never dies."""
        up = True
        probe: Future[None] | None = None
        while True:
            await asyncio.sleep(interval_s)
            if probe is None or probe.done():
                probe = _in_thread(store.ping)
            try:
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(probe)), PING_TIMEOUT_S)
                now_up, problem = True, ""
            except TimeoutError:
                now_up, problem = False, f"no answer within {PING_TIMEOUT_S:g} s"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # StoreUnavailable, or anything else: down either way
                now_up, problem = False, str(exc) or type(exc).__name__
            if now_up != up:
                up = now_up
                await self._set_health(up)
                if up:
                    log_event("database reachable again: health SERVING")
                else:
                    log_event(
                        "database unreachable: health NOT_SERVING", level=logging.ERROR, problem=problem
                    )

    async def stop(self, grace: float | None = None) -> None:
        """Stop serving: NOT_SERVING first, then finish calls within ``grace``, then stop the rest."""
        grace = self.config.grace_s if grace is None else grace
        log_event("shutting down", grace_s=grace)
        if self._watch is not None:
            self._watch.cancel()
        await self.health.enter_graceful_shutdown()
        if self.server is not None and self._grpc_started:
            await self.server.stop(grace)
        if self.pool is not None:
            self.pool.close(wait=False)
        self.metrics.close()
        self._io.shutdown(wait=True)
        if self.store is not None:
            self.store.close()
        self._db.shutdown(wait=True)
        log_event("stopped")

    async def wait(self) -> None:
        assert self.server is not None
        await self.server.wait_for_termination()


def build_info() -> dict[str, str]:
    """The labels of ``proofbox_build_info``: what is running."""
    import platform

    from google.protobuf import __version__ as protobuf_version

    import evidence

    return {
        "version": __version__,
        "api": "proofbox.v1",
        "analyser_version": evidence.__version__,
        "grpcio": grpc.__version__,
        "protobuf": protobuf_version,
        "python": platform.python_version(),
    }


def _in_thread(fn: Callable[[], None]) -> Future[None]:
    """Run ``fn`` on a daemon thread of its own (one that hangs cannot hold up the process's exit)."""
    done: Future[None] = Future()

    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            done.set_exception(exc)
        else:
            done.set_result(None)

    threading.Thread(target=run, name="db-probe", daemon=True).start()
    return done


def _safe_url(url: str) -> str:
    head, sep, tail = url.partition("@")
    return f"{head.split(':')[0]}:{head.split(':')[1]}:***@{tail}" if sep and head.count(":") >= 2 else url


async def _serve(config: ServerConfig) -> None:
    server = ProofboxServer(config)
    await server.start()
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    await server.stop()


def run(config: ServerConfig) -> int:
    """Run until SIGTERM/SIGINT; returns the process exit code."""
    configure_logging(config.log_level, config.log_format)
    try:
        asyncio.run(_serve(config))
    except (OSError, ProofboxError) as exc:
        logging.getLogger("proofbox.server").error(f"cannot start: {exc}")
        return 1
    return 0
