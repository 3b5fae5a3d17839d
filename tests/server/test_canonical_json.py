"""Canonical proto JSON in, equal results out: the CLI's JSON inputs and the archive reader accept
what ``json_format.MessageToJson`` writes (lowerCamelCase), the .proto names
(``preserving_proto_field_name=True``) and proofbox's older short spelling, and judge them alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf import json_format

from batch.archive import RawRecord
from batch.scoring import Scorer, ScoringOptions
from disputes.synthetic import generate_cases
from disputes.wire import to_message
from proofbox.cli.main import main
from proofbox.v1 import cases_pb2

from .helpers import ServerProcess

AT = "2026-12-01T12:00:00+08:00"
CASES = generate_cases(12, seed=21)


def _spellings(message: cases_pb2.DisputeCase) -> dict[str, str]:
    return {
        "camel": json_format.MessageToJson(message),
        "proto_names": json_format.MessageToJson(message, preserving_proto_field_name=True),
        "enum_numbers": json_format.MessageToJson(message, use_integers_for_enums=True),
    }


def _cli(server: ServerProcess, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    capsys.readouterr()
    code = main([*args, "--server", server.address, "--api-key", server.key, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    parsed: dict[str, object] = json.loads(out)
    return parsed


def test_cli_json_inputs_accept_every_spelling(
    server: ServerProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for case in CASES:
        message = to_message(case, cases_pb2.DisputeCase)
        message.case_id = f"canon-{case.case_id}"
        spellings = _spellings(message)
        spellings["legacy"] = json.dumps(
            {**json.loads(spellings["proto_names"]), "platform": case.platform.value}
        )
        predictions = {}
        stored = {}
        for name, text in spellings.items():
            path = tmp_path / f"{case.case_id}-{name}.json"
            path.write_text(text, encoding="utf-8")
            result = _cli(server, capsys, "predict", "--case", str(path), "--at", AT)["result"]
            assert isinstance(result, dict)
            prediction = result["prediction"]
            probability = prediction.get("merchant_probability", 0.0)  # absent when 0, as proto JSON says
            predictions[name] = (prediction["outcome"], probability, result["case_sha256"])
            put = _cli(server, capsys, "case", "put", str(path))
            stored[name] = (put["stored"]["version"], put["stored"]["content_sha256"])  # type: ignore[index]
        assert len(set(predictions.values())) == 1, predictions
        assert len(set(stored.values())) == 1, stored  # one content: stored once, the same hash
        order = tmp_path / f"{case.case_id}-order.json"
        order.write_text(json_format.MessageToJson(message.order), encoding="utf-8")
        platform = case.platform.value
        by_order = _cli(server, capsys, "reopen", "--order", str(order), "--platform", platform, "--at", AT)
        by_case = _cli(
            server, capsys, "reopen", "--case", str(tmp_path / f"{case.case_id}-camel.json"), "--at", AT
        )
        assert by_order == by_case


def test_archive_reader_accepts_every_spelling() -> None:
    scorer = Scorer(ScoringOptions())
    line = 0
    for case in CASES:
        message = to_message(case, cases_pb2.DisputeCase)
        texts = [*_spellings(message).values(), json.dumps(case.to_dict())]
        results = []
        for text in texts:
            line += 1
            record = json.dumps({"record_id": f"R{line}", "case": json.loads(text)})
            scored = scorer.score(RawRecord(line, record))
            assert scored["status"] == "ok", scored
            results.append(
                (
                    scored["outcome"],
                    scored["merchant_probability"],
                    tuple(scored["rule_ids"]),
                    scored["pack_version"],
                )
            )
        assert len(set(results)) == 1, results


def test_a_camel_case_typo_is_named_with_a_hint(
    server: ServerProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = json.loads(json_format.MessageToJson(to_message(CASES[0], cases_pb2.DisputeCase)))
    data["timeline"]["buyerSignedAtt"] = data["timeline"].pop("requestedAt")
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    capsys.readouterr()
    code = main(["case", "put", str(path), "--server", server.address, "--api-key", server.key])
    err = capsys.readouterr().err
    assert code == 2
    assert "timeline.buyerSignedAtt" in err and "did you mean 'buyerSignedAt'" in err
