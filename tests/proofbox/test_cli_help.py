"""The CLI's help and argparse's own errors in the chosen language (issue 13), without a server."""

from __future__ import annotations

import re

import pytest

from proofbox.cli.main import main

HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[a-z]{3,} [a-z]{3,} [a-z]{3,}\b")


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    assert exit_info.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", [(), ("assess",), ("reopen",), ("rescore",), ("keys", "create")])
def test_help_in_chinese(capsys: pytest.CaptureFixture[str], command: tuple[str, ...]) -> None:
    out = _help(capsys, *command, "--help", "--lang", "zh-CN")
    assert "用法：" in out and "选项" in out and HAN.search(out)
    # no English sentence: only option names, metavars, paths and examples stay as they are
    assert not ENGLISH.search(out.replace("proofbox", "")), out


def test_help_follows_the_environment_and_stays_english_by_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "上传凭证文件" in _help(capsys, "--help")
    monkeypatch.setenv("LANG", "C")
    out = _help(capsys, "--help")
    assert "usage:" in out and "upload an evidence file" in out and not HAN.search(out)


def test_argparse_errors_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["assess", "--lang", "zh-CN"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "错误：" in err and "必须给出参数" in err, err
