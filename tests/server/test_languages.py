"""One stored result read back in English and in Simplified Chinese over gRPC: the request's
``language`` field, the ``accept-language`` metadata, which wins, and an unknown tag."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import grpc
import pytest

from proofbox.cli.main import main
from proofbox.v1 import records_pb2, service_pb2
from tests.conftest import SyntheticVideo

from .helpers import VIDEO, Client, ServerProcess, case_dict, case_message, create_key

HAN = re.compile(r"[\u4e00-\u9fff]")


def _facts(result: records_pb2.Result) -> Any:
    """Everything but the texts: codes, verdicts, scores, times, numbers."""
    elements = [
        (
            e.element,
            e.verdict,
            e.score,
            [(f.code, f.severity, f.t_start, f.t_end, f.value, dict(f.params)) for f in e.findings],
        )
        for e in result.assessment.elements
    ]
    p = result.prediction
    prediction = (
        p.outcome,
        p.merchant_probability,
        [h.id for h in p.hits],
        [(d.name, d.due_at.seconds) for d in p.deadlines],
    )
    return result.result_id, elements, prediction


def _get(client: Client, result_id: str, language: str = "", accept: str = "") -> records_pb2.Result:
    metadata = client.metadata + ((("accept-language", accept),) if accept else ())
    request = service_pb2.GetResultRequest(result_id=result_id, language=language)
    response: service_pb2.GetResultResponse = client.svc.GetResult(request, metadata=metadata, timeout=60)
    return response.result


def test_one_stored_result_in_both_languages(tenant: Client, video: SyntheticVideo) -> None:
    tenant.upload(video.path.read_bytes(), "lang-1", VIDEO)
    tenant.put_case(case_message("lang-1"))
    computed = tenant(
        "AssessAndPredict", service_pb2.AssessAndPredictRequest(case_id="lang-1", language="en")
    ).result
    assert computed.language == "en" and not computed.language_note

    zh = _get(tenant, computed.result_id, language="zh-CN")
    en = _get(tenant, computed.result_id)
    assert (zh.language, en.language) == ("zh-CN", "en") and not zh.language_note
    assert _facts(zh) == _facts(en) == _facts(computed)

    def timeliness(result: records_pb2.Result) -> list[Any]:
        return [f for e in result.assessment.elements for f in e.findings if f.code.startswith("TIMELINESS_")]

    zh_findings, en_findings = timeliness(zh), timeliness(en)
    assert zh_findings and len(zh_findings) == len(en_findings)
    for z, e in zip(zh_findings, en_findings, strict=True):
        assert z.params and z.message != e.message
        assert HAN.search(z.message) and not re.search(r"[a-z]{4,} [a-z]{4,} [a-z]{4,}", z.message), z.message
        assert not HAN.search(e.message.replace("举证期", "")), e.message
    recorded = next(f for f in zh_findings if f.code == "TIMELINESS_RECORDED_AFTER_SIGN_FOR")
    assert "2026年11月20日" in recorded.message and "签收后" in recorded.message
    # the seeds' quotes are shown in Simplified Chinese, the source cited as before
    assert "拆包視頻" not in str(zh) and "seed:001" in recorded.source and "首次拆封" in recorded.source

    # every finding of every element reads in Chinese, its rule too
    for element in zh.assessment.elements:
        for f in element.findings:
            for text in (f.message, f.rule):
                assert not text or HAN.search(text), (f.code, text)
                assert not re.search(r"\b[a-z]{3,} [a-z]{3,} [a-z]{3,}\b", text), (f.code, text)

    # the rules' texts, the deadlines' consequences and the actions come from the packs' catalog
    texts = [h.description for h in zh.prediction.hits] + [d.consequence for d in zh.prediction.deadlines]
    texts += [a.text for a in zh.prediction.actions]
    assert texts and all(HAN.search(t) for t in texts), texts
    assert [h.description for h in en.prediction.hits] == [h.description for h in computed.prediction.hits]
    assert all(not HAN.search(h.source) or "視" not in h.source for h in zh.prediction.hits)

    # the accept-language metadata chooses when the field is empty; the field wins over it
    assert _get(tenant, computed.result_id, accept="zh-CN,zh;q=0.9").language == "zh-CN"
    assert _get(tenant, computed.result_id, language="en", accept="zh-CN").language == "en"
    listed = tenant.svc.ListResults(
        service_pb2.ListResultsRequest(case_id="lang-1", language="zh-CN"), metadata=tenant.metadata
    ).results
    assert [r.language for r in listed] == ["zh-CN"]


def test_an_unknown_language_falls_back_with_a_note(tenant: Client) -> None:
    tenant.put_case(case_message("lang-2"))
    result = tenant(
        "PredictOutcome", service_pb2.PredictOutcomeRequest(case_id="lang-2", language="tlh-Klingon")
    ).result
    assert result.language == "en" and "tlh-Klingon" in result.language_note
    deadlines = tenant("CheckDeadlines", service_pb2.CheckDeadlinesRequest(case_id="lang-2", language="xx"))
    assert deadlines.language == "en" and "xx" in deadlines.language_note and deadlines.deadlines


def test_cli_lang_flag_and_environment(
    server: ServerProcess,
    video: SyntheticVideo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(case_dict("lang-cli")))
    # a tenant of its own: the sample case of test_cli.py uses the same (deterministic) video bytes
    admin = server.client()
    key = create_key(admin, "t-lang-" + uuid.uuid4().hex[:12])
    admin.close()
    connection = ["--server", server.address, "--api-key", key]
    assert (
        main(["assess", "--case", str(case), "--video", str(video.path), "--lang", "zh-CN", *connection]) == 0
    )
    out = capsys.readouterr().out
    assert "拆包视频：四要素" in out and out.count("通过") >= 4 and "时效性" in out
    assert "支持商家" in out and "时限（北京时间）" in out and "2026年11月25日 00:00" in out
    assert "PASS" not in out and "merchant favored" not in out
    result_id = out.split()[0]

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert main(["show", result_id, *connection]) == 0
    assert "拆包视频：四要素" in capsys.readouterr().out
    assert main(["show", result_id, "--lang", "en", *connection]) == 0  # the flag wins over $LANG
    out = capsys.readouterr().out
    assert "Unboxing video: the four elements" in out and not HAN.search(out.replace("举证期", ""))
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # LC_ALL wins over LANG, as POSIX says
    assert main(["show", result_id, *connection]) == 0
    assert "Unboxing video" in capsys.readouterr().out


def test_errors_carry_a_localized_message(tenant: Client) -> None:
    from google.rpc import error_details_pb2, status_pb2

    request = service_pb2.GetResultRequest(result_id="res_0123456789abcdef0123456789abcdef", language="zh-CN")
    with pytest.raises(grpc.RpcError) as info:
        tenant("GetResult", request)
    error: Any = info.value
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "no result" in (error.details() or "")  # the status message itself stays as raised
    raw = dict(error.trailing_metadata())["grpc-status-details-bin"]
    localized = []
    for detail in status_pb2.Status.FromString(raw).details:
        if detail.Is(error_details_pb2.LocalizedMessage.DESCRIPTOR):
            message = error_details_pb2.LocalizedMessage()
            detail.Unpack(message)
            localized.append(message)
    assert [m.locale for m in localized] == ["zh-CN"]
    # the detail too: the usual ones are translated, the values kept (issue 13)
    assert localized[0].message == (
        "找不到请求中指定的对象。详情：该租户没有存储结果 'res_0123456789abcdef0123456789abcdef'"
    ), localized[0].message
    # the accept-language metadata chooses for a request without a language field
    with pytest.raises(grpc.RpcError) as info:
        tenant.svc.GetCase(
            service_pb2.GetCaseRequest(case_id="bad id!"),
            metadata=(*tenant.metadata, ("accept-language", "zh-CN")),
            timeout=30,
        )
    raw = dict(info.value.trailing_metadata())["grpc-status-details-bin"]  # type: ignore[attr-defined]
    text = raw.decode("utf-8", "replace")
    assert "找不到请求中指定的对象" in text and "详情（原文）" not in text, text


ENGLISH = re.compile(r"\b[a-z]{3,} [a-z]{3,} [a-z]{3,}\b")


def test_cli_commands_beyond_results_speak_the_chosen_language(
    server: ServerProcess, video: SyntheticVideo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 13: `case`, `upload`, `deadlines`, `reopen`, `results`, `keys` and the CLI's own errors
    follow --lang: headings, tables and messages in Chinese, no English sentence left."""
    case = tmp_path / "case.json"
    case.write_text(json.dumps(case_dict("lang-cmds")))
    admin = server.client()
    tenant = "t-cmds-" + uuid.uuid4().hex[:12]
    key = create_key(admin, tenant)
    admin.close()

    def run(*args: str, lang: str = "zh-CN", api_key: str = key) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*args, "--server", server.address, "--api-key", api_key, "--lang", lang])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    outputs = {}
    for args in (
        ("case", "put", str(case)),
        ("case", "get", "lang-cmds"),
        ("upload", str(video.path), "--case-id", "lang-cmds"),
        ("deadlines", "--case-id", "lang-cmds"),
        ("reopen", "--case", str(case)),
        ("results", "--case-id", "lang-cmds"),
    ):
        code, out, err = run(*args)
        assert code == 0, (args, err)
        outputs[" ".join(args[:2])] = out + err
    code, out, err = run("keys", "list", "--tenant", tenant, api_key=server.key)
    assert code == 0, err
    outputs["keys"] = out + err
    for name, text in outputs.items():
        assert HAN.search(text), (name, text)
        assert not ENGLISH.search(text.replace(str(tmp_path), "").replace(str(video.path), "")), (name, text)
    assert "版本 1" in outputs["case put"] and "天猫" in outputs["case get"]
    assert "API 密钥" in outputs["keys"]

    # the same commands in English, as before
    code, out, _ = run("case", "get", "lang-cmds", lang="en")
    assert code == 0 and "Timeline (Beijing time)" in out and not HAN.search(out)

    # errors: the server's detail and the CLI's own ones in Chinese
    code, _, err = run("show", "res_0123456789abcdef0123456789abcdef")
    assert code == 1 and "没有存储结果" in err and "no result" not in err, err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(case_dict("lang-bad", platform="tmal")))
    code, _, err = run("case", "put", str(bad))
    assert code == 2 and "未知的取值" in err and "unknown value" not in err, err
    code, _, err = run("case", "get", "lang-cmds", "--ca-file", str(tmp_path / "none.pem"))
    assert code == 2 and "不存在" in err, err
