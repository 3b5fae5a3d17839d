"""The translation catalogs and the language machinery (proofbox.i18n).

The catalog tests fail when a message is added to the code untranslated: the template extracted
from the code now must equal the committed one, every id must have a Chinese text with the same
placeholders, and the compiled .mo must say what the .po says.
"""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from evidence.config import AnalysisConfig
from evidence.elements.base import Evidence
from evidence.elements.timeliness import judge_timeliness
from evidence.model import CaseFacts, CreationTime, VideoFacts
from proofbox import i18n
from proofbox.i18n.findings import FINDINGS, RULES, render_finding_message, render_finding_rule

REPO = Path(__file__).resolve().parents[2]
LOCALE = REPO / "proofbox" / "locale"
KEYWORDS = {
    "Text": None,
    "translate": None,
    "N_": None,
    "T_": None,
    "F_": ((1, "c"), 2),
    "_": None,
    "gettext": None,
}


def _zh_catalog() -> list[tuple[str | None, str, str]]:
    with (LOCALE / "zh_CN" / "LC_MESSAGES" / "proofbox.po").open("rb") as f:
        catalog = read_po(f, locale="zh_CN")
    return [(m.context, str(m.id), str(m.string)) for m in catalog if m.id]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_in_the_code_is_in_the_catalog() -> None:
    extracted: set[tuple[str | None, str]] = set()
    method_map = [("**.py", "python"), ("**.yaml", "proofbox.i18n.packs.extract_pack")]
    for directory in ("proofbox", "server", "disputes/packs", "batch"):
        for _file, _line, message, _comments, context in extract_from_dir(
            REPO / directory, method_map=method_map, keywords=KEYWORDS
        ):
            if isinstance(message, str) and message:
                extracted.add((context, message))
    in_catalog = {(context, msgid) for context, msgid, _ in _zh_catalog()}
    missing = extracted - in_catalog
    assert not missing, (
        f"untranslated: run `make i18n-update`, translate, `make i18n-compile`: {sorted(missing, key=str)[:10]}"
    )


def test_every_id_has_a_chinese_text_with_the_same_placeholders() -> None:
    entries = _zh_catalog()
    assert len(entries) >= 350
    for context, msgid, text in entries:
        assert text.strip(), f"{context or ''} {msgid!r} has no Chinese text"
        assert _fields(msgid) == _fields(text), f"{msgid!r} vs {text!r}"
        # the Chinese text is Chinese, unless the message is only a code or a format
        if re.search(r"[a-z]{3,} [a-z]{3,}", msgid):
            assert re.search(r"[\u4e00-\u9fff]", text), f"{text!r} is not Chinese"


def test_the_compiled_catalog_is_current() -> None:
    with (LOCALE / "zh_CN" / "LC_MESSAGES" / "proofbox.mo").open("rb") as f:
        compiled = read_mo(f)
    by_key = {(m.context, m.id): m.string for m in compiled if m.id}
    for context, msgid, text in _zh_catalog():
        assert by_key.get((context, msgid)) == text, f"stale .mo: run `make i18n-compile` ({msgid!r})"


def test_every_finding_template_renders_in_both_languages() -> None:
    sample = {
        "recorded": "2014-11-05T13:51:33+00:00",
        "recorded_by": "format.creation_time",
        "signed": "2026-11-20T09:00:00+08:00",
        "submitted": "2026-11-21T10:00:00+08:00",
        "deadline": "2026-11-25T00:00:00+08:00",
        "photo_time": "2026-11-19T10:00:00+08:00",
        "video_time": "2026-11-21T10:00:00+08:00",
    }
    for table in (FINDINGS, RULES):
        for key, templates in table.items():
            code, _, variant = key.partition("/")
            params = {name: sample.get(name, "12.5") for t in templates for name in _fields(t)}
            if variant:
                params["variant"] = variant
            render = render_finding_message if table is FINDINGS else render_finding_rule
            en = render(code, params, "en", "FALLBACK")
            zh = render(code, params, "zh-CN", "FALLBACK")
            assert en != "FALLBACK" and zh not in ("FALLBACK", en), key
            assert re.search(r"[\u4e00-\u9fff]", zh), zh


# CJK (ideographs, CJK and full-width punctuation): no space between two of them in Chinese text;
# a space between Chinese and Latin letters or digits ("在 3.0 秒") is the usual style.
CJK = "\u3400-\u9fff\u3000-\u303f\uff01-\uff5e"
SPACE_BETWEEN_CJK = re.compile(f"(?<=[{CJK}]) +(?=[{CJK}])")
_SAMPLE_RENDERING = {  # what each of proofbox's format specs renders in zh-CN, at its edges
    "time": "1.0 秒", "duration": "2 天", "yuan": "1.00 元", "word": "损坏", "clauses": "黑场 0.4 秒",
    "text": "文本", "composed": "文本", "datetime": "2026年11月25日 00:00", "list": "1.0、2.5",
}  # fmt: skip


class _EdgeFormatter(string.Formatter):
    """Renders a template's placeholders as their typical zh-CN output (any other spec: a number)."""

    def get_field(self, field_name: str, args: object, kwargs: object) -> tuple[object, str]:
        return None, field_name

    def convert_field(self, value: object, conversion: str | None) -> object:
        return value

    def format_field(self, value: object, format_spec: str) -> str:
        return _SAMPLE_RENDERING.get(format_spec, "1")


def test_no_space_between_two_chinese_characters() -> None:
    """ "15.0 秒 处" reads as a typo: a time, duration, amount or word placeholder ends in a CJK
    character, so no space may follow it before Chinese text (nor precede one that starts so)."""
    bad = []
    for _context, _msgid, text in _zh_catalog():
        rendered = _EdgeFormatter().format(text)
        if SPACE_BETWEEN_CJK.search(rendered):
            bad.append(f"{text!r} -> {SPACE_BETWEEN_CJK.sub('␣', rendered)!r}")
    assert not bad, "\n".join(bad)
    # and as rendered (the time placeholder's own unit, then 处)
    zh = render_finding_message("COMPLETENESS_PAUSE", {"t_start": "15", "gap_s": "1.5"}, "zh-CN", "")
    assert zh == "录制在 15.0 秒处暂停：1.5 秒没有画面", zh


def test_negotiation_never_fails() -> None:
    assert i18n.negotiate("zh-CN") == ("zh-CN", None)
    assert i18n.negotiate("zh_CN.UTF-8") == ("zh-CN", None)
    assert i18n.negotiate("zh-Hans-CN") == ("zh-CN", None)
    assert i18n.negotiate("en-US,en;q=0.9") == ("en", None)
    assert i18n.negotiate("fr-FR, zh;q=0.8, en;q=0.5") == ("zh-CN", None)
    assert i18n.negotiate("") == ("en", None)
    assert i18n.negotiate(None, "zh-CN") == ("zh-CN", None)
    lang, note = i18n.negotiate("klingon", "zh-CN")
    assert lang == "zh-CN" and note is not None
    assert "klingon" in note.render("en") and "不支持" in note.render("zh-CN")
    lang, note = i18n.negotiate("zh-TW")  # Traditional is not offered: Simplified, with a note
    assert lang == "zh-CN" and note is not None
    assert i18n.negotiate("C.UTF-8") == ("en", None)
    assert i18n.language_from_env({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}) == "en_US.UTF-8"
    assert i18n.language_from_env({"LANG": "zh_CN.UTF-8"}) == "zh_CN.UTF-8"


def test_times_durations_and_money_for_people() -> None:
    due = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 2026-11-25 00:00 in Beijing
    assert i18n.format_datetime(due, "zh-CN") == "2026年11月25日 00:00"
    assert i18n.format_datetime(due, "en") == "25 Nov 2026 00:00"
    twelve_years = timedelta(days=4397, hours=11).total_seconds()
    assert i18n.format_duration(twelve_years, "zh-CN") == "12 年"
    assert i18n.format_duration(twelve_years, "en") == "12 years"
    assert i18n.format_duration(3600 * 5, "en") == "5 hours"
    assert i18n.format_yuan(399, "zh-CN") == "399.00 元"
    with i18n.use("zh-CN"):
        assert i18n.translate("Deadlines (Beijing time)") == "时限（北京时间）"
    assert i18n.translate("Deadlines (Beijing time)") == "Deadlines (Beijing time)"


def test_seed_quotes_in_simplified_chinese() -> None:
    assert i18n.simplified("拆包視頻認定原則: 需要滿足四要素") == "拆包视频认定原则: 需要满足四要素"
    assert i18n.simplified("proofbox default") == "proofbox default"


def _video(created: datetime) -> VideoFacts:
    ct = CreationTime("format.creation_time", created, created.isoformat(), True)
    return VideoFacts(
        size_bytes=1, container="mov", detected_type="mp4", duration_s=20.0, streams=(), video_stream=0,
        width=640, height=360, display_width=640, display_height=360, rotation=0, codec="h264",
        frame_rate=30.0, variable_frame_rate=False, creation_times=(ct,),
    )  # fmt: skip


def test_a_video_recorded_years_before_sign_for_reads_well_in_both_languages() -> None:
    """The issue's example: `4397 days, 11:08:27 before…` becomes 12 years / 12 年."""
    signed = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    case = CaseFacts(
        return_signed_at=signed,
        evidence_deadline=datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
        evidence_submitted_at=datetime(2026, 11, 21, 2, 0, tzinfo=UTC),
    )
    video = _video(signed - timedelta(days=4397, hours=11, minutes=8))
    result = judge_timeliness(Evidence(AnalysisConfig(), case, video, (), 20.0, None))
    before = next(f for f in result.findings if f.code == "TIMELINESS_BEFORE_SIGN_FOR")
    assert "4397 days" not in before.message and "12.0 years" in before.message
    zh = render_finding_message(before.code, before.params, "zh-CN", before.message)
    en = render_finding_message(before.code, before.params, "en", before.message)
    assert "签收（2026年11月20日 17:00）前 12 年" in zh
    assert "12 years before the return was signed for (20 Nov 2026 17:00)" in en
    in_time = next(f for f in result.findings if f.code == "TIMELINESS_SUBMITTED_IN_TIME")
    zh = render_finding_message(in_time.code, in_time.params, "zh-CN", in_time.message)
    assert "举证截止时间 2026年11月25日 00:00" in zh
    rule = render_finding_rule(before.code, before.params, "zh-CN", before.rule)
    assert rule.startswith("创建时间 ≥ 签收时间")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_missing_parameter_falls_back_to_the_elements_message(lang: str) -> None:
    text = render_finding_message("TIMELINESS_BEFORE_SIGN_FOR", {}, lang, "the element's own words")
    assert text == "the element's own words"
    assert render_finding_message("NO_SUCH_CODE", {}, lang, "as stored") == "as stored"


def test_every_finding_code_the_elements_emit_has_a_text_in_the_catalogue() -> None:
    """A new finding code without an entry in proofbox/i18n/findings.py (and its Chinese text in the
    .po) fails here: add ``F_("CODE", "english text with {t_start:time} ...")``, then `make i18n`."""
    codes: set[str] = set()
    for path in [*(REPO / "evidence" / "elements").glob("*.py"), REPO / "evidence" / "reuse.py"]:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'"((?:CONSISTENCY|COMPLETENESS|VALIDITY|TIMELINESS)_[A-Z_]+)"', text))
        for prefix, _kind in re.findall(
            r'f"((?:CONSISTENCY|COMPLETENESS|VALIDITY|TIMELINESS)_)\{(\w+)\}"', text
        ):
            codes |= {prefix + kind for kind in ("CUT", "SPLICE")}  # the only dynamic codes (breaks)
    assert len(codes) >= 40
    covered = {key.partition("/")[0] for key in FINDINGS}
    missing = sorted(codes - covered)
    assert not missing, f"finding codes without a text in proofbox/i18n/findings.py: {missing}"
