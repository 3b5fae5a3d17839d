"""The ``proofbox`` CLI against a real server: the walkthrough (sample -> assess -> show --sheet),
the other commands, ``--json``, and exit codes with the server's message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from proofbox.cli.main import main
from proofbox.cli.sample import SAMPLE_CASE
from proofbox.jsonform import parse
from proofbox.v1 import cases_pb2

from .helpers import ServerProcess


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("sample")
    assert main(["sample", str(directory)]) == 0
    return {
        "video": directory / "unboxing.mp4",
        "photo": directory / "waybill.jpg",
        "case": directory / "case.json",
    }


class Run:
    def __init__(self, server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> None:
        self.server = server
        self.capsys = capsys

    def __call__(self, *args: str, key: str | None = None) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*args, "--server", self.server.address, "--api-key", key or self.server.key])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def run(server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> Iterator[Run]:
    yield Run(server, capsys)


def test_walkthrough_sample_assess_show(run: Run, sample: dict[str, Path], tmp_path: Path) -> None:
    written = parse(json.loads(sample["case"].read_text()), cases_pb2.DisputeCase())
    assert written == parse(SAMPLE_CASE, cases_pb2.DisputeCase())
    assert json.loads(sample["case"].read_text())["platform"] == "PLATFORM_TMALL"  # canonical proto JSON
    code, out, err = run(
        "assess",
        "--case",
        str(sample["case"]),
        "--video",
        str(sample["video"]),
        "--photo",
        str(sample["photo"]),
    )
    assert code == 0, err
    assert out.count("PASS") == 4 and "merchant favored" in out and "CONSISTENCY_WAYBILL_MATCH" in out
    first_id = out.split()[0]
    assert first_id.startswith("res_") and len(first_id) == 36  # printed in full, so it can be copied
    assert "uploaded" in err
    code, out, err = run("assess", "--case", str(sample["case"]), "--video", str(sample["video"]), "--json")
    assert code == 0, err
    result = json.loads(out)["result"]
    assert [e["verdict"] for e in result["assessment"]["elements"]] == ["VERDICT_PASS"] * 4
    assert result["prediction"]["outcome"] == "OUTCOME_MERCHANT_FAVORED"
    assert "uploaded" not in err  # the server already had these bytes: nothing was sent again

    # the walkthrough's next step: a prediction by case id gives the same answer and names the assessment
    code, out, err = run("predict", "--case-id", SAMPLE_CASE["case_id"], "--json")
    assert code == 0, err
    again = json.loads(out)["result"]
    assert again["prediction"]["outcome"] == result["prediction"]["outcome"] == "OUTCOME_MERCHANT_FAVORED"
    assert again["prediction"]["merchant_probability"] == result["prediction"]["merchant_probability"]
    assert again["evidence_basis"]["source"] == "EVIDENCE_SOURCE_STORED_ASSESSMENT"
    # the first assess judged the case's current evidence (video and photo); the second the video only
    assert again["evidence_basis"]["assessment_result_id"] == first_id != result["result_id"]
    code, out, err = run("predict", "--case-id", SAMPLE_CASE["case_id"])
    assert code == 0 and "merchant favored" in out and first_id in out

    sheet = tmp_path / "sheet.png"
    code, out, err = run("show", result["result_id"], "--sheet", str(sheet))
    assert code == 0, err
    with Image.open(sheet) as image:
        assert image.format == "PNG" and image.width >= 1000 and image.height >= 300
    assert "key frames written" in err and result["result_id"] in out
    code, out, _ = run("results", "--case-id", SAMPLE_CASE["case_id"], "--json")
    assert result["result_id"] in {r["result_id"] for r in json.loads(out)["results"]}


def test_case_predict_deadlines_reopen_upload(run: Run, sample: dict[str, Path], tmp_path: Path) -> None:
    code, out, err = run("case", "put", str(sample["case"]))
    assert code == 0, err and "sample-0001" in out
    code, out, _ = run("case", "get", "sample-0001", "--json")
    assert code == 0 and json.loads(out)["stored"]["case"]["order"]["amount"] == "399.00"
    code, out, _ = run("predict", "--case-id", "sample-0001")
    assert code == 0 and "Prediction:" in out and "Deadlines" in out
    code, out, _ = run("deadlines", "--case", str(sample["case"]), "--json")
    names = [d["name"] for d in json.loads(out)["deadlines"]]
    assert code == 0 and "evidence_due" in names
    code, out, _ = run("reopen", "--case", str(sample["case"]))
    assert code == 0 and "Re-open after-sales entry" in out and "Buyer may apply now" in out
    order = tmp_path / "order.json"
    order.write_text(json.dumps(SAMPLE_CASE["order"]))
    code, out, _ = run("reopen", "--order", str(order), "--platform", "douyin", "--json")
    assert code == 0 and json.loads(out)["eligibility"]["platform"] == "douyin"
    code, out, err = run("upload", str(sample["photo"]), "--case-id", "sample-0001")
    assert code == 0, err and "JPEG" in out and "already stored" in out


def test_errors_exit_non_zero_with_the_servers_message(
    run: Run, sample: dict[str, Path], tmp_path: Path, corpus_dir: Path
) -> None:
    code, _, err = run("case", "get", "no-such-case")
    assert code == 1 and "NOT_FOUND" in err and "no case 'no-such-case'" in err
    code, _, err = run("case", "get", "x", key="pbx_0000000000000000_" + "A" * 43)
    assert code == 1 and "UNAUTHENTICATED" in err
    code, _, err = run("upload", str(corpus_dir / "bad" / "html_error_page.mp4"), "--case-id", "cli-bad")
    assert code == 1 and "INVALID_ARGUMENT" in err and "NOT_A_MEDIA_FILE" in err and "HTML" in err
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {
                **SAMPLE_CASE,
                "timeline": {**SAMPLE_CASE["timeline"], "return_signed_at": "2026-11-01T00:00:00+08:00"},
            }
        )
    )
    code, _, err = run("case", "put", str(broken))
    assert code == 1 and "field: case.timeline.return_signed_at" in err
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({**SAMPLE_CASE, "platfrom": "tmall"}))
    code, _, err = run("case", "put", str(typo))
    assert code == 2 and "platfrom" in err  # caught before anything is sent

    # --json: errors as one JSON object on stderr, with the status and proofbox's stable code
    code, out, err = run("case", "put", str(broken), "--json")
    error = json.loads(err)["error"]
    assert code == 1 and out == ""
    assert error["status"] == "INVALID_ARGUMENT" and error["code"] == "INVALID_ARGUMENT"
    assert error["field"] == "case.timeline.return_signed_at" and error["request_id"].startswith("req_")
    code, _, err = run("case", "get", "no-such-case", "--json")
    assert code == 1 and json.loads(err)["error"]["status"] == "NOT_FOUND"
    code, _, err = run("case", "put", str(typo), "--json")
    error = json.loads(err)["error"]
    assert code == 2 and error == {
        "status": "LOCAL",
        "code": "INVALID_ARGUMENT",
        "message": error["message"],
        "field": "platfrom",
    }


def test_version_and_ids_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from rich.console import Console

    from proofbox import __version__
    from proofbox.cli import render
    from proofbox.v1 import records_pb2

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"proofbox {__version__} (API proofbox.v1; grpcio ")
    ids = ["res_019ad3c5a2f00000" + f"{i:016x}" for i in range(3)]
    results = [
        records_pb2.Result(result_id=r, case_id="TM-2026-000123-return-refund-dispute", case_version=2)
        for r in ids
    ]
    for width in (80, 100):  # a terminal of 80 or 100 columns
        out = io.StringIO()
        render.render_results(Console(file=out, width=width), results)
        assert all(r in out.getvalue() for r in ids), out.getvalue()


def test_key_discovery_and_config_errors(
    server: ServerProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROOFBOX_API_KEY", raising=False)
    monkeypatch.setenv("PROOFBOX_DATA", str(tmp_path / "nowhere"))
    assert main(["case", "get", "x", "--server", server.address]) == 2
    assert "no API key" in capsys.readouterr().err
    # found in the data directory, as `proofbox serve` wrote it
    assert main(["results", "--server", server.address, "--data-dir", str(server.data_dir), "--json"]) == 0
    assert "results" in json.loads(capsys.readouterr().out)
    monkeypatch.setenv("PROOFBOX_API_KEY", server.key)
    monkeypatch.setenv("PROOFBOX_SERVER", server.address)
    assert main(["results", "--limit", "1"]) == 0
    assert main(["serve", "--workers", "0", "--data-dir", str(tmp_path / "d")]) == 2
    assert "workers: must be at least 1" in capsys.readouterr().err


def test_keys_commands(run: Run) -> None:
    code, out, err = run("keys", "create", "--tenant", "cli-tenant", "--role", "read-only", "--json")
    assert code == 0, err
    created = json.loads(out)
    secret, key_id = created["secret"], created["key"]["key_id"]
    code, _, err = run("case", "put", "/dev/null", key=secret)
    assert code == 2  # not JSON: refused locally
    code, out, _ = run("keys", "list", "--tenant", "cli-tenant")
    assert code == 0 and key_id in out and "read-only" in out
    code, _, err = run("keys", "create", "--tenant", "x", key=secret)
    assert code == 1 and "PERMISSION_DENIED" in err
    code, out, _ = run("keys", "revoke", key_id)
    assert code == 0 and key_id in out
    code, _, err = run("results", key=secret)
    assert code == 1 and "revoked" in err
