"""Server benchmark: the proofbox.v1 service against bare grpcio baselines measured in the same run.

* PredictOutcome requests per second and p50/p99 latency with 1 and 8 concurrent clients (each a
  process with its own channel), for a stored case (``case_id``, the ticketing system's re-check)
  and for a case sent inline; as a ratio to a bare grpc.aio unary echo of the same request bytes
  (target >= 0.5);
* upload throughput of a 500 MB evidence file (a real MP4 padded with a ``free`` box, 1 MiB chunks)
  as a ratio to a bare grpc.aio client-streaming sink that only counts bytes (target >= 0.7);
* the server's peak resident memory (main process, and the largest analysis worker) while it ran.

Both servers are separate processes started here; the proofbox server runs with its defaults
(SQLite with synchronous=normal, one worker per core) in a temporary data directory.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc

from bench._rss import RssSampler

OUT = Path(__file__).resolve().parent / "out" / "server"
REPO = Path(__file__).resolve().parents[1]
UPLOAD_BYTES = 500 * 1000 * 1000
CHUNK = 1024 * 1024
WARMUP_S = 1.0
MEASURE_S = 5.0
CONCURRENCY = (1, 8)


# --- the bare baseline server ------------------------------------------------------------------


def _identity(data: bytes) -> bytes:
    return data


async def _baseline(port_file: str) -> None:
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", 8 * CHUNK)])

    async def echo(request: bytes, context: Any) -> bytes:
        return request

    async def sink(requests: Any, context: Any) -> bytes:
        total = 0
        async for message in requests:
            total += len(message)
        return total.to_bytes(8, "big")

    handlers = {
        "Echo": grpc.unary_unary_rpc_method_handler(echo, _identity, _identity),
        "Sink": grpc.stream_unary_rpc_method_handler(sink, _identity, _identity),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("bench.Baseline", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    Path(port_file).write_text(str(port))
    await server.wait_for_termination()


def _run_baseline(port_file: str) -> None:
    asyncio.run(_baseline(port_file))


# --- load generation ---------------------------------------------------------------------------------


def _client(
    address: str, method: str, payloads: list[bytes], key: str, start_at: float, results: Any
) -> None:
    """One client process: unary calls in a loop (cycling through ``payloads``); reports the
    latencies of the measured window."""
    channel = grpc.insecure_channel(address)
    call = channel.unary_unary(method, request_serializer=_identity, response_deserializer=_identity)
    metadata = (("authorization", f"Bearer {key}"),) if key else None
    call(payloads[0], metadata=metadata, timeout=30)
    while time.time() < start_at:
        time.sleep(0.001)
    warm_end, end = start_at + WARMUP_S, start_at + WARMUP_S + MEASURE_S
    latencies = []
    n = 0
    while (now := time.time()) < end:
        t0 = time.perf_counter()
        call(payloads[n % len(payloads)], metadata=metadata, timeout=30)
        n += 1
        if now >= warm_end:
            latencies.append(time.perf_counter() - t0)
    channel.close()
    results.put(latencies)


def _load(address: str, method: str, payloads: list[bytes], key: str, clients: int) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    start_at = time.time() + 2.0 + 0.2 * clients  # every process connected before the clock starts
    procs = [
        ctx.Process(target=_client, args=(address, method, payloads, key, start_at, results))
        for _ in range(clients)
    ]
    for p in procs:
        p.start()
    latencies = sorted(x for _ in procs for x in results.get(timeout=120))
    for p in procs:
        p.join(timeout=30)
    n = len(latencies)
    return {
        "rps": n / MEASURE_S,
        "p50_ms": latencies[n // 2] * 1000 if n else float("nan"),
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else float("nan"),
    }


# --- the proofbox server ------------------------------------------------------------------------------


def _start_proofbox(data_dir: Path) -> tuple[subprocess.Popen[str], str, str]:
    """``proofbox serve`` with its defaults (info-level access logs included) on a free port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "proofbox", "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir)],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    address = ""
    for line in process.stderr:
        if '"msg": "serving"' in line:
            address = json.loads(line)["address"]
            break
    if not address:
        raise RuntimeError("proofbox serve did not start")
    stderr = process.stderr
    threading.Thread(target=lambda: [None for _ in stderr], daemon=True).start()  # drain the access log
    return process, address, (data_dir / "local-api-key").read_text().strip()


def _padded_video(path: Path, size: int) -> None:
    """A real MP4 (ftyp, mdat, moov) followed by one ``free`` box up to ``size`` bytes."""
    from evidence.media.synthetic import UnboxingSpec, write_unboxing_video

    video = path.with_suffix(".src.mp4")
    write_unboxing_video(video, UnboxingSpec())
    data = video.read_bytes()
    video.unlink()
    pad = size - len(data)
    block = os.urandom(CHUNK)
    with path.open("wb") as fh:
        fh.write(data)
        fh.write((pad).to_bytes(4, "big") + b"free")
        remaining = pad - 8
        while remaining > 0:
            fh.write(block[: min(remaining, CHUNK)])
            remaining -= min(remaining, CHUNK)


def _stream(path: Path, header: bytes | None) -> Iterator[bytes]:
    from proofbox.v1 import service_pb2

    if header is not None:
        yield header
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield service_pb2.UploadEvidenceRequest(chunk=chunk).SerializeToString()


def _durable_copy(source: Path, target: Path) -> None:
    """What any durable store must at least do: write the bytes and fsync them (no network, no hash)."""
    with source.open("rb") as src, target.open("wb") as dst:
        while block := src.read(CHUNK):
            dst.write(block)
        dst.flush()
        os.fsync(dst.fileno())
    target.unlink()


def _time_upload(call: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def main() -> None:
    load_at_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    from proofbox.cli.sample import SAMPLE_CASE
    from proofbox.jsonform import parse
    from proofbox.v1 import cases_pb2, evidence_pb2, service_pb2, service_pb2_grpc

    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="proofbox-bench-", dir=OUT))
    ctx = multiprocessing.get_context("spawn")
    port_file = work / "baseline.port"
    baseline = ctx.Process(target=_run_baseline, args=(str(port_file),), daemon=True)
    baseline.start()
    while not port_file.exists():
        time.sleep(0.05)
    base_address = f"127.0.0.1:{port_file.read_text()}"
    server, address, key = _start_proofbox(work / "data")
    print(f"proofbox server pid {server.pid} at {address}; baseline echo/sink at {base_address}", flush=True)
    try:
        channel = grpc.insecure_channel(address, options=[("grpc.max_send_message_length", 8 * CHUNK)])
        stub = service_pb2_grpc.ProofboxServiceStub(channel)
        metadata = (("authorization", f"Bearer {key}"),)
        case = parse({**SAMPLE_CASE, "case_id": "bench-case"}, cases_pb2.DisputeCase())
        stub.PutCase(service_pb2.PutCaseRequest(case=case), metadata=metadata)
        by_id = [service_pb2.PredictOutcomeRequest(case_id="bench-case").SerializeToString()]
        inline = [service_pb2.PredictOutcomeRequest(case=case).SerializeToString()]
        # a different evaluation time per request: nothing can be reused from an earlier answer
        distinct = []
        for i in range(20_000):
            request = service_pb2.PredictOutcomeRequest(case_id="bench-case")
            request.at.FromSeconds(1_795_233_600 + 60 * i)
            distinct.append(request.SerializeToString())
        predict = "/proofbox.v1.ProofboxService/PredictOutcome"
        echo = "/bench.Baseline/Echo"
        figures: dict[str, Any] = {"predict": {}, "upload": {}}
        with RssSampler(0.05, server.pid) as rss:
            for clients in CONCURRENCY:
                for label, payload in (("case_id", by_id), ("at", distinct), ("inline", inline)):
                    base = _load(base_address, echo, payload, "", clients)
                    ours = _load(address, predict, payload, key, clients)
                    ratio = ours["rps"] / base["rps"]
                    figures["predict"][f"{label}/{clients}"] = {
                        "proofbox": ours,
                        "echo": base,
                        "ratio": ratio,
                    }
                    print(
                        f"PredictOutcome ({label:<7}) {clients} client(s): {ours['rps']:7.0f} req/s  "
                        f"p50 {ours['p50_ms']:6.2f} ms  p99 {ours['p99_ms']:6.2f} ms   | echo {base['rps']:7.0f} req/s  "
                        f"p50 {base['p50_ms']:6.2f} ms  p99 {base['p99_ms']:6.2f} ms   | ratio {ratio:.2f} (target >= 0.5)",
                        flush=True,
                    )
            predict_rss = (rss.self_mb, rss.child_mb)

            video = work / "upload.mp4"
            _padded_video(video, UPLOAD_BYTES)
            digest = hashlib.sha256()
            with video.open("rb") as fh:
                while block := fh.read(8 * CHUNK):
                    digest.update(block)
            size = video.stat().st_size
            header = service_pb2.UploadEvidenceRequest(
                header=service_pb2.UploadHeader(
                    case_id="bench-case", kind=evidence_pb2.EVIDENCE_KIND_VIDEO, filename="upload.mp4",
                    size_bytes=size, sha256=digest.hexdigest(),
                )
            ).SerializeToString()  # fmt: skip
            sink = grpc.insecure_channel(base_address, options=[("grpc.max_send_message_length", 8 * CHUNK)])
            sink_call = sink.stream_unary(
                "/bench.Baseline/Sink", request_serializer=_identity, response_deserializer=_identity
            )
            upload_call = channel.stream_unary(
                "/proofbox.v1.ProofboxService/UploadEvidence",
                request_serializer=_identity,
                response_deserializer=_identity,
            )
            sink_times, upload_times = [], []
            for _ in range(2):
                sink_times.append(_time_upload(lambda: sink_call(_stream(video, header), timeout=600)))
                shutil.rmtree(
                    work / "data" / "blobs" / "sha256", ignore_errors=True
                )  # no dedup: store afresh
                upload_times.append(
                    _time_upload(lambda: upload_call(_stream(video, header), metadata=metadata, timeout=600))
                )
            upload_rss = (rss.self_mb, rss.child_mb)
        disk_times = [_time_upload(lambda: _durable_copy(video, work / "copy.bin")) for _ in range(2)]
        sink_mb_s = size / 1e6 / min(sink_times)
        disk_mb_s = size / 1e6 / min(disk_times)
        upload_mb_s = size / 1e6 / min(upload_times)
        figures["upload"] = {
            "bytes": size,
            "proofbox_mb_s": upload_mb_s,
            "sink_mb_s": sink_mb_s,
            "ratio": upload_mb_s / sink_mb_s,
            "proofbox_s": upload_times,
            "sink_s": sink_times,
            "disk_mb_s": disk_mb_s,
        }
        print(
            f"UploadEvidence {size / 1e6:.0f} MB: {upload_mb_s:6.0f} MB/s (best of {len(upload_times)}; hash, write, fsync, "
            f"probe, rename, row) | bare sink {sink_mb_s:6.0f} MB/s | ratio {upload_mb_s / sink_mb_s:.2f} (target >= 0.7)"
        )
        print(
            f"  context: this disk writes and fsyncs the same file locally at {disk_mb_s:.0f} MB/s "
            f"(upload / local durable copy = {upload_mb_s / disk_mb_s:.2f}); load average at start {load_at_start}"
        )
        figures["rss_mb"] = {
            "server_during_predict": predict_rss[0],
            "server_peak": upload_rss[0],
            "largest_worker_peak": upload_rss[1],
        }
        print(
            f"server peak RSS: {predict_rss[0]:.0f} MB during the prediction load, {upload_rss[0]:.0f} MB overall "
            f"(largest analysis worker {upload_rss[1]:.0f} MB)"
        )
        (OUT / "server.json").write_text(json.dumps(figures, indent=2))
        channel.close()
        sink.close()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        baseline.terminate()
        baseline.join(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
