"""Findings carry their measured numbers and thresholds as params, so a text in either language shows
them (issue 13): consistency, completeness and validity as timeliness already did.

The elements judge a synthetic Evidence that sets off most of their findings (a cut, a splice, a
fade, a pause, a frozen run, a truncated file with decoder errors, an editor's tag, a waybill and a
photo that are not the return's, a claimed problem at a time past the end of the video). For every
finding: the English text is written from the catalogue (its params suffice for the richest
template), the Chinese text is Chinese and shows every number the English one shows, and the same
holds for its rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from evidence.assess import within_video
from evidence.config import AnalysisConfig
from evidence.continuity import Break, Freeze
from evidence.elements import judge_all
from evidence.elements.base import DecodeSummary, Evidence
from evidence.model import (
    Assessment,
    BarcodeRead,
    CaseFacts,
    CreationTime,
    Finding,
    PhotoFacts,
    VideoFacts,
)
from evidence.reuse import Match, reuse_finding
from evidence.signals import Sample
from evidence.views import FaceEstimate, Span, Story
from proofbox.i18n.findings import render_finding_message, render_finding_rule

HAN = re.compile(r"[\u4e00-\u9fff]")
CJK = "\u3400-\u9fff\u3000-\u303f\uff01-\uff5e"
SPACE_BETWEEN_CJK = re.compile(f"[{CJK}] +[{CJK}]")  # "15.0 秒 处": a typo in Chinese
NUMBER = re.compile(r"\d+(?:\.\d+)?")
RECORDED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _video(software: tuple[str, ...] = ()) -> VideoFacts:
    ct = CreationTime("format.creation_time", RECORDED, RECORDED.isoformat(), True)
    return VideoFacts(
        size_bytes=1, container="mov", detected_type="mp4", duration_s=12.0, streams=(), video_stream=0,
        width=640, height=360, display_width=640, display_height=360, rotation=0, codec="h264",
        frame_rate=30.0, variable_frame_rate=False, creation_times=(ct,), software=software,
    )  # fmt: skip


def _story(faces: FaceEstimate, opening_at: float | None, contents: Span | None) -> Story:
    return Story(
        parcel="waybill", table_support=0.5, sealed_at_start=True, opening_at=opening_at,
        open_from_start=False, faces=faces, contents=contents, closeups=(), features=(),
        holds=(Span(0.5, 1.5), Span(2.0, 2.8)),
    )  # fmt: skip


def _evidences() -> list[Evidence]:
    cfg = AnalysisConfig()
    breaks = (
        Break(3.0, "cut", 80.0, 12.0, 0.0, 0.1, ratio=6.5, persist=0.9,
              evidence=("a single-frame jump 6.5x the frame changes around it (motion followed)",
                        "the picture does not come back within 1 s",
                        "an encoder inserted a keyframe at that frame")),
        Break(5.0, "splice", 95.0, 10.0, 30.0, 0.5, evidence=("a content change 9.5x the pairs around it",)),
        Break(8.0, "fade", 60.0, 3.0, 0.0, 1.2,
              evidence=("0.4 s of black", "a steady fade out over 0.5 s (12 frames)")),
    )  # fmt: skip
    decode = DecodeSummary(
        mode="full", error_count=7, errors=("[h264 @ 0x1] corrupt macroblock", "[h264 @ 0x1] error"),
        decodable_until=9.0, declared_duration=12.0, frames_analysed=200, packets=300,
        declared_frames=360, dropped_windows=((4.0, 6.0, 3),),
    )  # fmt: skip
    photo = PhotoFacts(
        size_bytes=1, format="JPEG", width=10, height=10, name="IMG_1.jpg",
        creation_times=(CreationTime("exif", RECORDED + timedelta(days=3), "", True),),
        barcodes=(BarcodeRead("SF0000000000", "Code128", None),),
    )  # fmt: skip
    case = CaseFacts(
        return_tracking_number="SF1234567890",
        claimed_problem="damaged",
        claimed_problem_time_s=30.0,  # past the end of the 12 s video
        expected_item_codes=("6901234567892",),
    )
    first = Evidence(
        replace(cfg, min_duration_s=15.0), case, _video(("Adobe Premiere Pro 2024",)), (), 12.0, decode,
        breaks=breaks, freezes=(Freeze(9.5, 11.0),), pauses=((6.0, 1.5),),
        story=_story(FaceEstimate(3, 3, 4, 0.4, (0.6, 2.1, 2.5), 4, 0.8), 4.0, None),
        reads=(BarcodeRead("SF9999999999", "Code128", 1.0, source="video"),
               BarcodeRead("6909999999999", "EAN13", 6.0, source="video")),
        photos=(photo,),
    )  # fmt: skip
    # a second case: the waybill matches, six faces, contents shown, no tracking-number trouble
    second = Evidence(
        cfg, CaseFacts(return_tracking_number="SF1234567890", claimed_problem="missing_item"),
        _video(("Lavf58.76.100",)), (), 30.0, None,
        story=_story(FaceEstimate(6, 6, 6, 0.9, (0.5, 1.0, 1.5, 2.0, 2.5, 3.0), 6, 1.2), 4.0, Span(5.0, 20.0)),
        reads=(BarcodeRead("SF1234567890", "Code128", 1.0, source="video"),
               BarcodeRead("SF7777777777", "QRCode", 2.0, source="video")),
    )  # fmt: skip
    # a third: no parcel recognised, no tracking number, a picture too blurred to see
    third = Evidence(
        cfg, CaseFacts(claimed_problem="damaged", claimed_problem_time_s=5.0), _video(),
        _samples(0.9), 12.0, None,
        story=Story(parcel="", table_support=0.0, sealed_at_start=None, opening_at=None, open_from_start=False,
                    faces=FaceEstimate(0, 0, 0, 0.0, (), 0, 0.0), contents=None, closeups=(), features=()),
        reads=(BarcodeRead("SF1234567890", "Code128", 1.0, source="video"),),
    )  # fmt: skip
    # a fourth: open from the start, held six times, no waybill read, a soft picture, the problem
    # shown, the ordered item's code, a photo of the return's waybill
    fourth = Evidence(
        cfg,
        CaseFacts(return_tracking_number="SF1234567890", claimed_problem="damaged", claimed_problem_time_s=8.0,
                  expected_item_codes=("6901234567892",)),
        _video(), _samples((cfg.subject_blur_max + cfg.subject_blur_fail) / 2), 12.0, None,
        story=Story(parcel="object", table_support=0.5, sealed_at_start=False, opening_at=None,
                    open_from_start=True, faces=FaceEstimate(2, 2, 6, 0.5, (0.5, 1.0), 6, 0.8),
                    contents=Span(3.0, 11.0), closeups=(Span(7.0, 9.5, 0.4),), features=(),
                    holds=(Span(0.5, 1.5), Span(2.0, 2.8))),
        reads=(BarcodeRead("6901234567892", "EAN13", 6.0, source="video"),),
        photos=(replace(photo, name="IMG_2.jpg", creation_times=(),
                        barcodes=(BarcodeRead("SF1234567890", "Code128", None),)),),
    )  # fmt: skip
    return [first, second, third, fourth]


def _samples(subject_blur: float, n: int = 60, duration: float = 12.0) -> tuple[Sample, ...]:
    """Evenly spaced samples of one sharpness, well exposed."""
    return tuple(
        Sample(duration * i / n, False, True, 1, subject_blur, 120.0, 0.0, None, None,
               subject_blur=subject_blur, highlight=200.0, shadow=20.0)
        for i in range(n)
    )  # fmt: skip


def _reuse_findings() -> list[Finding]:
    """CONSISTENCY_EVIDENCE_REUSED for each pair of kinds, plain and mirrored (evidence.reuse)."""
    out = []
    for here, there in (("video", "video"), ("video", "photo"), ("photo", "video"), ("photo", "photo")):
        for mirrored in (False, True):
            found = Match(2.0, 9.5, 12.0, 19.5, 0.93, mirrored=mirrored)
            out.append(
                reuse_finding(
                    found, media="video" if here == "video" else "IMG_7.jpg", media_kind=here,
                    other_case_ids=("case-9", "case-12"), other_evidence_id="ab" * 32, other_kind=there,
                    other_name="" if there == "video" else "IMG_3.jpg",
                )
            )  # fmt: skip
    return out


def _findings() -> list[Finding]:
    out: list[Finding] = []
    for ev in _evidences():
        assessment = Assessment(judge_all(ev), ev.video, ev.photos, "test")
        out += [f for e in within_video(assessment, ev.duration).elements for f in e.findings]
    return out + _reuse_findings()


def _params(f: Finding) -> dict[str, str]:
    """As the server reads them from a stored finding (proofbox.i18n.results.finding_params)."""
    params = dict(f.params)
    for name in ("t_start", "t_end", "value"):
        value = getattr(f, name)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            params.setdefault(name, f"{value:g}")
    return params


FINDINGS = _findings()


def test_the_synthetic_cases_set_off_the_findings_that_carry_numbers() -> None:
    codes = {f.code for f in FINDINGS}
    expected = {
        "COMPLETENESS_CUT", "COMPLETENESS_SPLICE", "COMPLETENESS_TRANSITION", "COMPLETENESS_PAUSE",
        "COMPLETENESS_FROZEN", "COMPLETENESS_TOO_SHORT", "COMPLETENESS_FACES_UNCERTAIN",
        "COMPLETENESS_SIX_FACES", "COMPLETENESS_CONTENTS_UNCONFIRMED", "VALIDITY_TRUNCATED",
        "VALIDITY_DECODE_ERRORS", "VALIDITY_WINDOW_NOT_DECODED", "VALIDITY_EDITED", "VALIDITY_REMUXED",
        "VALIDITY_PROBLEM_NOT_SHOWN", "VALIDITY_PROBLEM_CONTEXT", "CONSISTENCY_WAYBILL_MISMATCH",
        "CONSISTENCY_WAYBILL_MATCH", "CONSISTENCY_OTHER_WAYBILL", "CONSISTENCY_ITEM_MISMATCH",
        "CONSISTENCY_PHOTO_MISMATCH", "CONSISTENCY_PHOTO_TIME_APART",
        # later codes and forms (issues 9 and 15)
        "COMPLETENESS_NO_PARCEL_RECOGNISED", "COMPLETENESS_NOT_SEALED_AT_START", "COMPLETENESS_CONTENTS_SHOWN",
        "VALIDITY_UNCLEAR", "VALIDITY_SOFT", "VALIDITY_PROBLEM_SHOWN", "CONSISTENCY_NO_TRACKING_NUMBER",
        "CONSISTENCY_WAYBILL_NOT_LEGIBLE", "CONSISTENCY_ITEM_MATCH", "CONSISTENCY_PHOTO_MATCH",
        "CONSISTENCY_EVIDENCE_REUSED",
    }  # fmt: skip
    assert expected <= codes, sorted(expected - codes)
    forms = {(f.code, f.params.get("variant", "")) for f in FINDINGS}
    assert {("COMPLETENESS_SIX_FACES", "held"), ("CONSISTENCY_NO_TRACKING_NUMBER", "reads"),
            ("CONSISTENCY_WAYBILL_NOT_LEGIBLE", "look")} <= forms  # fmt: skip


@pytest.mark.parametrize("finding", [f for f in FINDINGS if f.params], ids=lambda f: f.code)
def test_a_finding_reads_with_its_numbers_in_both_languages(finding: Finding) -> None:
    params = _params(finding)
    en = render_finding_message(finding.code, params, "en", "FALLBACK")
    zh = render_finding_message(finding.code, params, "zh-CN", "FALLBACK")
    assert en != "FALLBACK", f"{finding.code}: its params do not fill the English template"
    assert HAN.search(zh) and zh != en, zh
    assert not SPACE_BETWEEN_CJK.search(zh), zh
    # no English sentence left in the Chinese text (decoder output quoted as such is not ours)
    ours = zh.replace(params.get("sample", "\0"), "")
    assert not re.search(r"\b[a-z]{3,} [a-z]{3,} [a-z]{3,}\b", ours), ours
    missing = sorted(set(NUMBER.findall(en)) - set(NUMBER.findall(zh)))
    assert not missing, f"{finding.code}: {en!r} vs {zh!r}"
    if finding.rule:
        rule_en = render_finding_rule(finding.code, params, "en", "FALLBACK")
        rule_zh = render_finding_rule(finding.code, params, "zh-CN", "FALLBACK")
        assert HAN.search(rule_zh), rule_zh
        if rule_en != "FALLBACK":
            missing = sorted(set(NUMBER.findall(rule_en)) - set(NUMBER.findall(rule_zh)))
            assert not missing, f"{finding.code} rule: {rule_en!r} vs {rule_zh!r}"


def test_thresholds_reach_the_chinese_rule() -> None:
    cfg = AnalysisConfig()
    cut = next(f for f in FINDINGS if f.code == "COMPLETENESS_CUT")
    zh = render_finding_rule(cut.code, _params(cut), "zh-CN", cut.rule)
    assert f"{cfg.cut_native_min:g}" in zh and f"{cfg.cut_persist_window_s:g} 秒" in zh, zh
    pause = next(f for f in FINDINGS if f.code == "COMPLETENESS_PAUSE")
    assert (
        render_finding_rule(pause.code, _params(pause), "zh-CN", "")
        == f"时间戳间隔 ≥ {cfg.pause_min_gap_s:g} 秒"
    )
    zh = render_finding_message(pause.code, _params(pause), "zh-CN", "")
    assert zh == "录制在 6.0 秒处暂停：1.5 秒没有画面", zh


def test_the_measured_clauses_are_translated() -> None:
    cut = next(f for f in FINDINGS if f.code == "COMPLETENESS_CUT")
    zh = render_finding_message(cut.code, _params(cut), "zh-CN", "")
    assert (
        "单帧突变，是前后帧变化的 6.5 倍（已按镜头运动对齐）" in zh and "编码器在这一帧插入了关键帧" in zh
    ), zh
    en = render_finding_message(cut.code, _params(cut), "en", "")
    assert (
        "a single-frame jump 6.5x the frame changes around it (motion followed); the picture does not come back"
        in en
    )
    fade = next(f for f in FINDINGS if f.code == "COMPLETENESS_TRANSITION")
    zh = render_finding_message(fade.code, _params(fade), "zh-CN", "")
    assert "黑场 0.4 秒" in zh and "0.5 秒内平稳淡出（12 帧）" in zh, zh


def test_the_english_written_from_params_keeps_the_elements_facts() -> None:
    """Where the catalogue's English is the element's own sentence, they agree word for word."""
    same = {
        "COMPLETENESS_PAUSE", "COMPLETENESS_FROZEN", "COMPLETENESS_TOO_SHORT", "VALIDITY_TRUNCATED",
        "VALIDITY_DECODE_ERRORS", "VALIDITY_EDITED", "VALIDITY_REMUXED", "CONSISTENCY_WAYBILL_MISMATCH",
        "CONSISTENCY_WAYBILL_MATCH", "CONSISTENCY_OTHER_WAYBILL", "CONSISTENCY_ITEM_MISMATCH",
        "CONSISTENCY_PHOTO_MISMATCH", "COMPLETENESS_SIX_FACES", "COMPLETENESS_FACES_UNCERTAIN",
        "CONSISTENCY_EVIDENCE_REUSED",
    }  # fmt: skip
    for f in FINDINGS:
        if f.code in same:
            assert render_finding_message(f.code, _params(f), "en", "") == f.message, f.code
