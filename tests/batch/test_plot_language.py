"""The calibration plot's labels in the CLI's language (issue 13): Chinese labels drawn with a CJK
font, never as empty boxes; English as before."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from batch.calibration import PlatformCalibration, _plot
from disputes.calibrate import CalibrationReport, ReliabilityBin
from proofbox.cli.fonts import cjk_font


def _results() -> list[PlatformCalibration]:
    table = tuple(ReliabilityBin(i / 4, (i + 1) / 4, 5, i / 4 + 0.1, i / 4 + 0.05) for i in range(4))
    before = CalibrationReport("tmall-1", 20, 0.21, 0.6, table)
    after = CalibrationReport("tmall-1+cal", 20, 0.18, 0.5, table)
    return [PlatformCalibration("tmall", 20, before, after, Path("tmall.yaml"), "tmall-1+cal")]


def _missing_glyphs(path: Path, lang: str, font: str | None) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _plot(_results(), path, lang, font)
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


def test_chinese_labels_are_drawn_with_a_cjk_font(tmp_path: Path) -> None:
    found = cjk_font()
    if found is None:
        pytest.skip("no CJK font installed (make fonts)")
    # without the font, matplotlib's default font lacks the glyphs (the boxes the issue saw) ...
    assert _missing_glyphs(tmp_path / "boxes.png", "zh-CN", None)
    # ... with it, every glyph is drawn
    assert _missing_glyphs(tmp_path / "zh.png", "zh-CN", found[0]) == []
    assert _missing_glyphs(tmp_path / "en.png", "en", None) == []
    zh, en = (tmp_path / "zh.png").read_bytes(), (tmp_path / "en.png").read_bytes()
    assert zh[:8] == en[:8] == b"\x89PNG\r\n\x1a\n" and zh != en


def test_the_labels_come_from_the_catalog() -> None:
    from proofbox.i18n import translate

    for msgid in ("predicted probability the merchant prevails", "observed rate", "perfect calibration"):
        assert translate(msgid, lang="zh-CN") != msgid
    assert translate(
        "{platform}: {cases} archived outcomes", {"platform": "天猫", "cases": 20}, "zh-CN"
    ).startswith("天猫")
