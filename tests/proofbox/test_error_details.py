"""Every error a client's input or media file can set off reads in Chinese (issue 13).

The test reads the code: it finds every place a :class:`~evidence.errors.ProofboxError` (or a
subclass) is made, writes its message with sample values (``7`` for each value an f-string fills
in), and asks :func:`proofbox.i18n.errors.translate_detail` for the Chinese. A new raise site in a
client-facing module whose message has no template in ``proofbox/i18n/errors.py: DETAILS`` fails
here: add the template and its translation (``make i18n``). Modules whose errors only an operator
sees (configuration, policy packs, the database, the media tools themselves) are listed with the
reason their messages stay English.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import evidence.errors
import server.errors
from evidence.media.sniff import _NAMES as KIND_NAMES
from proofbox.i18n.errors import FRAGMENTS, localized_error, translate_detail

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("evidence", "disputes", "server", "batch", "proofbox")
HAN = re.compile(r"[\u4e00-\u9fff]")
SAMPLE = "7"  # what each value an f-string fills in becomes (matches any template's placeholder)

ERROR_CLASSES = {
    name
    for module in (evidence.errors, server.errors)
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, evidence.errors.ProofboxError)
}

CLIENT_FACING = {
    # a case, its values and its times (case JSON, PutCase, inline cases, CheckDeadlines, ...)
    "disputes/case.py", "disputes/wire.py", "disputes/engine.py", "disputes/reopen.py",
    # requests, API keys, uploads, analysis limits and load
    "server/service.py", "server/engine.py", "server/ids.py", "server/bounds.py", "server/convert.py",
    "server/tokens.py", "server/auth.py", "server/uploads.py", "server/blobs.py", "server/analysis.py",
    # the media files
    "evidence/media/probe.py", "evidence/media/photos.py", "evidence/media/dates.py", "evidence/assess.py",
    # the edge's own (an unexpected failure, with the request id to quote)
    "server/edge.py",
}  # fmt: skip

OPERATOR_ONLY = {
    "server/config.py": "the server's configuration file and flags, read at start-up",
    "evidence/config.py": "analysis settings in the server's configuration",
    "disputes/loader.py": "a policy pack failing to load (INTERNAL to clients; the operator fixes the pack)",
    "disputes/pack.py": "a policy pack failing to load",
    "disputes/expr.py": "a policy pack's rule expression failing to compile",
    "disputes/calibrate.py": "`proofbox calibrate`, run by the operator on an archive",
    "server/store/sqlite.py": "the database (UNAVAILABLE to clients, who retry)",
    "server/store/postgres.py": "the database",
    "server/store/schema.py": "the database's schema version",
    "server/store/base.py": "the database",
    "server/store/__init__.py": "the database URL in the configuration",
    "evidence/media/tools.py": "ffmpeg/ffprobe missing or failing (INTERNAL; the operator installs them)",
    "evidence/media/decode.py": "ffmpeg stalling or misbehaving (the tool, not the file)",
    "evidence/media/synthetic.py": "generating test videos (development only)",
    "batch/scoring.py": "`proofbox rescore` on an archive: stored in the operator's results file",
    "batch/archive.py": "`proofbox rescore`: the archive file the operator names",
    "batch/runner.py": "`proofbox rescore`: the operator's command line",
    "batch/calibration.py": "`proofbox calibrate`: the operator's archive",
}

# Values that are themselves sentences: the forms each can take, as the code writes them.
FORMS = {
    ("disputes/wire.py", "7 7"): [
        "Platform UNSPECIFIED is not a value here",
        "Platform 7 is not a known value",
    ],
    ("disputes/wire.py", "is required7"): ["is required (one of the Platform values)"],
    ("server/engine.py", "no 7 7 is stored for this tenant; store it with PutCase first"): [
        "no case 'c-1' is stored for this tenant; store it with PutCase first",
        "no version 3 of case 'c-1' is stored for this tenant; store it with PutCase first",
    ],
    ("server/auth.py", "no API key: send it as 'authorization: Bearer <key>' or 'x-api-key: <key>'7"): [
        "no API key: send it as 'authorization: Bearer <key>' or 'x-api-key: <key>'",
        "no API key: send it as 'authorization: Bearer <key>' or 'x-api-key: <key>' "
        "(the local admin key is in /data/admin.key)",
    ],
    ("server/auth.py", "the API key is not valid; check it for typos or ask for a new one7"): [
        "the API key is not valid; check it for typos or ask for a new one",
        "the API key is not valid; check it for typos or ask for a new one "
        "(the local admin key is in /data/admin.key)",
    ],
    ("server/analysis.py", "7; send a smaller export of the photo"): [
        "decoding IMG_1.jpg needs more memory than an analysis worker may use (2.0 GiB, worker_memory_bytes)"
        "; send a smaller export of the photo",
        "decoding IMG_1.jpg needs more memory than an analysis worker may use; send a smaller export of the photo",
    ],
    ("server/analysis.py", "7; send a shorter or smaller recording"): [
        "analysing this evidence needs more memory than an analysis worker may use (2.0 GiB, "
        "worker_memory_bytes); send a shorter or smaller recording",
    ],
    ("evidence/media/probe.py", "this is 7, not a video7; upload it as a photo"): [
        "this is a JPEG image, not a video (its name ends in .mp4); upload it as a photo",
        "this is an HEIF/HEIC image, not a video; upload it as a photo",
    ],
    ("evidence/assess.py", "7: no frame of the video stream could be decoded7"): [
        "v.mp4: no frame of the video stream could be decoded",
        "v.mp4: no frame of the video stream could be decoded: [h264 @ 0x1] no frame!",
    ],
}

# Sites that pass on a message made elsewhere (translated where it is made).
PASSED_ON = {
    ("disputes/wire.py", "7"): "a proofbox.jsonform reason (DETAILS has them)",
    ("server/convert.py", "7"): "a case error renamed to its field in the request, or a jsonform reason",
}


def _messages(node: ast.expr) -> list[str]:
    """The messages an expression can make, with every value filled in as SAMPLE."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else SAMPLE for v in node.values)]  # type: ignore[misc]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _messages(node.left) for b in _messages(node.right)]
    if isinstance(node, ast.IfExp):
        return _messages(node.body) + _messages(node.orelse)
    return [SAMPLE]


def _sites() -> Iterator[tuple[str, int, str]]:
    """(module, line, message) of every error proofbox makes on purpose."""
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if "v1" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module = path.relative_to(REPO).as_posix()
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in ERROR_CLASSES:
                    for message in _messages(node.args[0]):
                        yield module, node.lineno, message


SITES = list(_sites())


def test_every_module_that_raises_is_classified() -> None:
    modules = {module for module, _line, _message in SITES}
    unclassified = sorted(modules - CLIENT_FACING - set(OPERATOR_ONLY))
    assert not unclassified, f"say whether a client can set these modules' errors off: {unclassified}"
    assert len(SITES) > 250  # the scan finds the raise sites (282 made errors in 2026-12)


@pytest.mark.parametrize(
    "module,line,message",
    [s for s in SITES if s[0] in CLIENT_FACING],
    ids=lambda v: str(v)[:40],
)
def test_a_client_facing_error_reads_in_chinese(module: str, line: int, message: str) -> None:
    if (module, message) in PASSED_ON:
        return
    for sample in FORMS.get((module, message), [message]):
        zh = translate_detail(sample, "zh-CN")
        assert zh is not None and HAN.search(zh), (
            f"{module}:{line}: no template in proofbox/i18n/errors.py DETAILS for {sample!r}"
        )


def test_every_kind_of_file_has_a_chinese_name() -> None:
    assert set(KIND_NAMES.values()) <= set(FRAGMENTS)


def test_a_media_error_reads_in_chinese_with_its_values() -> None:
    zh = localized_error(
        "UNSUPPORTED_FORMAT_OR_EXTENSION_MISMATCH",
        "this is a JPEG image, not a video (its name ends in .mp4); upload it as a photo",
        "",
        "zh-CN",
    )
    assert zh.endswith("详情：这是JPEG 图片，不是视频（文件名以 .mp4 结尾）；请作为图片上传"), zh
    zh = localized_error("INVALID_ARGUMENT", "order.paid_at: must not be empty", "order.paid_at", "zh-CN")
    assert zh == "请求有误。字段：order.paid_at。详情：不能为空", zh
    # English unchanged: the message as raised
    assert localized_error("INVALID_ARGUMENT", "x: must not be empty", "x", "en") == "x: must not be empty"
