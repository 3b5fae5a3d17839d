"""The light install, as a ticketing system's developer gets it: a fresh virtualenv with only
``pip install proofbox`` (the stubs, the CLI, grpcio, protobuf, rich) imports the stubs, runs the
CLI and talks to a running server, without OpenCV, NumPy, pyarrow or psycopg.

Slow (a wheel build and a virtualenv: about a minute, most of it pip; packages come from pip's cache
after the first run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import json_format

from disputes.synthetic import generate_cases
from disputes.wire import to_message
from proofbox.v1 import cases_pb2

from .helpers import REPO, ServerProcess

HEAVY = ("cv2", "numpy", "pyarrow", "psycopg", "matplotlib", "yaml", "grpc_health", "ray")


def _run(*args: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.slow
def test_light_install_is_a_working_client(server: ServerProcess, tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, REPO, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("proofbox-*.whl")
    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    python, cli = venv / "bin" / "python", venv / "bin" / "proofbox"
    installed = _run(python, "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr

    names = _run(python, "-m", "pip", "list", "--format=json", cwd=tmp_path)
    packages = {p["name"].lower() for p in json.loads(names.stdout)}
    assert {"proofbox", "grpcio", "protobuf", "rich"} <= packages
    assert not packages & {"opencv-python-headless", "numpy", "pyarrow", "psycopg", "matplotlib", "ray"}
    probe = (
        "import importlib.util, json\n"
        "import proofbox.v1.service_pb2_grpc, proofbox.jsonform, proofbox.channel\n"
        "from importlib import resources\n"
        "protos = resources.files('proofbox') / 'protos' / 'proofbox' / 'v1'\n"
        f"print(json.dumps({{'missing': [m for m in {HEAVY!r} if importlib.util.find_spec(m) is None],"
        " 'protos': sorted(p.name for p in protos.iterdir())}))\n"
    )
    probed = _run(python, "-c", probe, cwd=tmp_path)
    assert probed.returncode == 0, probed.stderr
    found = json.loads(probed.stdout)
    assert found["missing"] == list(HEAVY)  # no OpenCV, no NumPy, ...
    assert "cases.proto" in found["protos"] and "service.proto" in found["protos"]  # the contract ships

    helped = _run(cli, "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "usage: proofbox" in helped.stdout
    assert _run(cli, "--version", cwd=tmp_path).stdout.startswith("proofbox ")

    # canonical (camelCase) JSON, as another language's client would write it, against the real server
    case = generate_cases(1, seed=33)[0]
    message = to_message(case, cases_pb2.DisputeCase)
    message.case_id = "light-1"
    path = tmp_path / "case.json"
    path.write_text(json_format.MessageToJson(message), encoding="utf-8")
    connect = ("--server", server.address, "--api-key", server.key, "--json")
    put = _run(cli, "case", "put", path, *connect, cwd=tmp_path)
    assert put.returncode == 0, put.stderr
    assert json.loads(put.stdout)["stored"]["case"]["case_id"] == "light-1"
    predicted = _run(cli, "predict", "--case-id", "light-1", *connect, cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    assert json.loads(predicted.stdout)["result"]["prediction"]["outcome"].startswith("OUTCOME_")

    # the parts that need an extra say which one
    served = _run(cli, "serve", "--data-dir", tmp_path / "data", cwd=tmp_path)
    assert served.returncode == 2 and "pip install 'proofbox[server]'" in served.stderr
    rescored = _run(cli, "rescore", path, "--out", tmp_path / "out.jsonl", "--json", cwd=tmp_path)
    assert rescored.returncode == 2
    assert json.loads(rescored.stderr)["error"]["code"] == "MISSING_EXTRA"
