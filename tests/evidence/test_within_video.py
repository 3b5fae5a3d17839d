"""No finding points past the end of the video: a time the case names beyond the end is dropped
from the finding's times and kept as parameters the texts explain (issue 13: a `@ 19.0s` finding on
a 1.2 s video)."""

from __future__ import annotations

from evidence.assess import within_video
from evidence.model import Assessment, Element, ElementResult, Finding, Severity, Verdict
from proofbox.i18n.findings import render_finding_message


def test_a_time_named_after_the_end_is_not_a_time_in_the_video() -> None:
    beyond = Finding(
        "VALIDITY_PROBLEM_NOT_SHOWN",
        Element.VALIDITY,
        Severity.FAILURE,
        "the claimed problem (damaged) is never shown in a steady, sharp close-up near 19.0 s",
        t_start=19.0,
    )
    inside = Finding("COMPLETENESS_OPENING_SHOWN", Element.COMPLETENESS, Severity.INFO, "opened", t_start=1.0)
    assessment = Assessment(
        elements=(ElementResult(Element.VALIDITY, Verdict.FAIL, 0.2, (beyond, inside)),),
        video=None,
        photos=(),
        analyser_version="test",
    )
    fixed = within_video(assessment, 1.2).elements[0].findings
    assert fixed[1] == inside
    f = fixed[0]
    assert f.t_start is None and f.t_end is None
    assert f.params == {"named_at_s": "19", "duration_s": "1.2", "variant": "beyond_end"}
    assert "after the end of the 1.2 s video" in f.message
    zh = render_finding_message(f.code, f.params, "zh-CN", f.message)
    assert zh.startswith("案件称问题出现在 19.0 秒，但视频在 1.2 秒就结束了")
    en = render_finding_message(f.code, f.params, "en", f.message)
    assert en.startswith("the case says the problem is shown at 19.0 s, but the video ends at 1.2 s")
