"""Other deployments of the same server: TLS, and PostgreSQL in place of SQLite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import grpc
import pytest

from proofbox.cli.main import main
from proofbox.v1 import service_pb2

from .helpers import PHOTO, ServerProcess, case_message


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl req -x509 ...)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed; it makes the test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls(tmp_path: Path, certificate: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    cert, key = certificate
    server = ServerProcess(
        tmp_path,
        ("--listen", "127.0.0.1:0", "--workers", "1", "--tls-cert", str(cert), "--tls-key", str(key)),
    )
    server.start()
    try:
        secure = server.client(credentials=grpc.ssl_channel_credentials(cert.read_bytes()))
        assert secure.put_case(case_message("tls-1")).stored.version == 1
        plain = server.client()
        with pytest.raises(grpc.RpcError) as info:
            plain("GetCase", service_pb2.GetCaseRequest(case_id="tls-1"), timeout=5)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        args = [
            "case",
            "get",
            "tls-1",
            "--server",
            server.address,
            "--api-key",
            server.key,
            "--ca-file",
            str(cert),
        ]
        assert main(args) == 0
        assert "tls-1" in capsys.readouterr().out
    finally:
        server.stop()


@pytest.mark.postgres
def test_postgresql_store_end_to_end(tmp_path: Path, postgres_db: str, corpus_dir: Path) -> None:
    server = ServerProcess(
        tmp_path, ("--listen", "127.0.0.1:0", "--workers", "1", "--database-url", postgres_db)
    )
    server.start()
    try:
        assert not (tmp_path / "proofbox.db").exists()  # nothing went to SQLite
        client = server.client()
        photo = (corpus_dir / "bad" / "frame_full_reference.jpg").read_bytes()
        uploaded = client.upload(photo, "pg-1", PHOTO, filename="ref.jpg").evidence
        stored = client.put_case(case_message("pg-1")).stored
        result = client("AssessAndPredict", service_pb2.AssessAndPredictRequest(case_id="pg-1")).result
        assert result.prediction.pack_version and result.assessment.photos[0].name == "ref.jpg"
        client.close()
        assert server.stop() == 0
        server.start()
        client = server.client()
        assert client("GetCase", service_pb2.GetCaseRequest(case_id="pg-1")).stored == stored
        assert (
            client("GetEvidence", service_pb2.GetEvidenceRequest(evidence_id=uploaded.evidence_id)).evidence
            == uploaded
        )
        assert client("GetResult", service_pb2.GetResultRequest(result_id=result.result_id)).result == result
        serving = [e for e in server.events() if e.get("msg") == "serving"]
        assert serving[-1]["store"].startswith("postgresql://")
        client.close()
    finally:
        server.kill()


def test_an_unreachable_database_stops_start_up_with_a_clear_message(tmp_path: Path) -> None:
    import sys

    url = f"postgresql://nobody@/proofbox?host={tmp_path / 'no-such-socket-dir'}&port=1"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "proofbox",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            str(tmp_path),
            "--database-url",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "cannot start" in done.stderr and "cannot connect to PostgreSQL" in done.stderr


def test_a_busy_port_stops_start_up_with_a_clear_message(server: ServerProcess, tmp_path: Path) -> None:
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "proofbox", "serve", "--listen", server.address, "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "address is in use" in done.stderr
    assert server.client().put_case(case_message("still-there")).stored.version == 1
