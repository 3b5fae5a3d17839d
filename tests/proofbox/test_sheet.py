"""The contact sheet draws Chinese: a Chinese case id is drawn with real glyphs (ink, and a
different shape per character; missing glyphs are identical empty boxes), and without a CJK font
the sheet fails with a message instead of drawing boxes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from proofbox import i18n
from proofbox.cli import sheet as sheet_module
from proofbox.cli.fonts import NoCjkFont, cjk_font
from proofbox.cli.sheet import HEADER, contact_sheet
from proofbox.v1 import assessment_pb2, records_pb2

CHINESE_ID = "退货退款-平台介入"


def _result(case_id: str) -> records_pb2.Result:
    frame = io.BytesIO()
    Image.new("RGB", (64, 36), (120, 160, 200)).save(frame, "JPEG")
    result = records_pb2.Result(result_id="res_0123", case_id=case_id)
    element = result.assessment.elements.add(
        element=assessment_pb2.ELEMENT_COMPLETENESS, verdict=assessment_pb2.VERDICT_PASS
    )
    element.findings.add(
        code="COMPLETENESS_OPENING_SHOWN", severity=assessment_pb2.SEVERITY_INFO, t_start=1.0
    )
    result.assessment.keyframes.add(t=1.0, jpeg=frame.getvalue())
    return result


def _header_ink(path: Path) -> int:
    with Image.open(path) as image:
        header = image.convert("L").crop((0, 0, image.width, HEADER))
        dark = header.point(lambda v: 255 if v < 128 else 0)
        return int(sum(dark.histogram()[255:]))


def test_a_chinese_case_id_is_drawn_with_glyphs(tmp_path: Path) -> None:
    found = cjk_font()
    assert found is not None, "no CJK font: `make fonts` installs Debian's fonts-noto-cjk"
    font = ImageFont.truetype(found[0], 18, index=found[1])
    masks = {ch: bytes(font.getmask(ch)) for ch in "退货款平台介入"}
    assert all(any(m) for m in masks.values())  # every character has ink
    assert len(set(masks.values())) == len(masks)  # and its own shape (tofu boxes are all alike)

    with i18n.use("zh-CN"):
        assert contact_sheet(_result(CHINESE_ID), tmp_path / "zh.png") == 1
        contact_sheet(_result("-"), tmp_path / "latin.png")
    extra = _header_ink(tmp_path / "zh.png") - _header_ink(tmp_path / "latin.png")
    assert extra > 40 * len("退货退款平台介入"), extra  # each Chinese character adds real strokes


def test_without_a_cjk_font_a_chinese_sheet_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sheet_module, "cjk_font", lambda: None)
    with pytest.raises(NoCjkFont, match="fonts-noto-cjk"):
        contact_sheet(_result(CHINESE_ID), tmp_path / "zh.png")
    assert not (tmp_path / "zh.png").exists()
    assert contact_sheet(_result("case-1"), tmp_path / "en.png") == 1  # Latin text needs no CJK font
