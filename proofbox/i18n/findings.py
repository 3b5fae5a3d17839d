"""The catalogue of finding texts, keyed by finding code (and a ``variant`` parameter).

A finding is stored as its code and language-neutral parameters (``Finding.params``, plus its
``t_start``, ``t_end`` and ``value``); its message and rule are written from them in the language a
reader asks for. Each entry is an English template, marked with ``F_(code, template)`` so Babel
extracts it with the code as the message context (``msgctxt``); the Chinese text is that entry's
translation in ``proofbox/locale/zh_CN/LC_MESSAGES/proofbox.po``.

Codes may list several templates, richest first. English uses only the first: when the finding
lacks a parameter it needs (an older stored result, or an element that does not send parameters
yet), the element's own English message is shown. Other languages take the first template whose
parameters are all present, so a reader always gets a sentence in their language.

Format specs beyond Python's: ``{t:time}`` seconds into the video, ``{d:duration}`` seconds in
human units, ``{at:datetime}`` an ISO 8601 time in Beijing time, ``{x:yuan}`` (``proofbox.i18n``).
"""

from __future__ import annotations

from collections.abc import Mapping

from . import fill, gettext

__all__ = ["FINDINGS", "F_", "RULES", "render_finding_message", "render_finding_rule"]


def F_(code: str, template: str) -> tuple[str, str]:
    """Mark ``template`` as the text of finding ``code`` (Babel keyword ``F_:1c,2``)."""
    return code, template


_MESSAGES = (
    # --- 时效性 timeliness ---------------------------------------------------------------------
    F_(
        "TIMELINESS_TIMES_DISAGREE",
        "the file's creation times disagree by {spread_s:duration}: {times} (metadata may have been rewritten)",
    ),
    F_(
        "TIMELINESS_NO_CREATION_TIME/video",
        "the video carries no creation time, so when it was recorded cannot be checked "
        "(file modification times are not evidence)",
    ),
    F_(
        "TIMELINESS_NO_CREATION_TIME/no_video",
        "no video was submitted, so when the first opening was recorded cannot be checked",
    ),
    F_(
        "TIMELINESS_SIGNED_AT_UNKNOWN",
        "recorded {recorded:datetime} (Beijing time, from {recorded_by}), but the case does not say when "
        "the return was signed for",
    ),
    F_(
        "TIMELINESS_BEFORE_SIGN_FOR",
        "recorded {recorded:datetime} (Beijing time, from {recorded_by}), {before_s:duration} before the "
        "return was signed for ({signed:datetime}): it cannot show the first opening of this return",
    ),
    F_(
        "TIMELINESS_RECORDED_LATE",
        "recorded {recorded:datetime} (Beijing time, from {recorded_by}), {after_s:duration} after the return "
        "was signed for: not the first opening (re-recorded videos are not accepted)",
    ),
    F_(
        "TIMELINESS_RECORDED_AFTER_SIGN_FOR",
        "recorded {recorded:datetime} (Beijing time, from {recorded_by}), {after_s:duration} after the "
        "return was signed for",
    ),
    F_("TIMELINESS_ZONE_ASSUMED", "the creation time has no time zone; {zone} was assumed"),
    F_(
        "TIMELINESS_SUBMITTED_LATE",
        "submitted {submitted:datetime}, {late_s:duration} after the evidence deadline {deadline:datetime} "
        "(Beijing time)",
    ),
    F_(
        "TIMELINESS_SUBMITTED_IN_TIME",
        "submitted {submitted:datetime}, before the evidence deadline {deadline:datetime} (Beijing time)",
    ),
    F_(
        "TIMELINESS_CREATED_AFTER_SUBMISSION",
        "the file claims to be recorded ({recorded:datetime}) after it was submitted ({submitted:datetime}): "
        "its clock or metadata is wrong",
    ),
    F_(
        "TIMELINESS_SUBMISSION_UNKNOWN/deadline",
        "the case has no evidence deadline, so timely submission cannot be checked",
    ),
    F_(
        "TIMELINESS_SUBMISSION_UNKNOWN/submitted",
        "the case has no submission time, so timely submission cannot be checked",
    ),
    F_(
        "TIMELINESS_SUBMISSION_UNKNOWN/both",
        "the case has no evidence deadline and no submission time, so timely submission cannot be checked",
    ),
)

_RULES = (
    F_("TIMELINESS_TIMES_DISAGREE", "creation times within 1 h of each other"),
    F_("TIMELINESS_BEFORE_SIGN_FOR", "creation time ≥ sign-for time − {tolerance_s:g} s clock tolerance"),
    F_(
        "TIMELINESS_RECORDED_LATE",
        "proofbox default: recorded within {max_h:g} h of sign-for (assumption: the seeds require the "
        "first opening, not a number of hours)",
    ),
    F_("TIMELINESS_RECORDED_AFTER_SIGN_FOR", "proofbox default: recorded within {max_h:g} h of sign-for"),
    F_("TIMELINESS_SUBMITTED_LATE", "evidence submitted before the end of the evidence period (举证期)"),
)


def _table(entries: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for key, template in entries:
        table[key] = (*table.get(key, ()), template)
    return table


FINDINGS: Mapping[str, tuple[str, ...]] = _table(_MESSAGES)
"""Message templates by code (or ``code/variant``), richest first."""
RULES: Mapping[str, tuple[str, ...]] = _table(_RULES)
"""Rule templates by code (or ``code/variant``)."""


def _render(
    table: Mapping[str, tuple[str, ...]], code: str, params: Mapping[str, str], lang: str, fallback: str
) -> str:
    variant = params.get("variant")
    key = f"{code}/{variant}" if variant and f"{code}/{variant}" in table else code
    for i, template in enumerate(table.get(key, ())):
        if lang == "en" and i > 0:
            break
        try:
            return fill(gettext(template, lang, key), params, lang)
        except (KeyError, IndexError, ValueError, TypeError):
            continue
    # a static text (no parameters) may be in the catalog under its English wording
    return gettext(fallback, lang) if fallback else fallback


def render_finding_message(code: str, params: Mapping[str, str], lang: str, fallback: str) -> str:
    """A finding's message in ``lang``; ``fallback`` (the element's English) when no template fits."""
    return _render(FINDINGS, code, params, lang, fallback)


def render_finding_rule(code: str, params: Mapping[str, str], lang: str, fallback: str) -> str:
    """A finding's rule in ``lang``; ``fallback`` when the catalogue has none that fits."""
    return _render(RULES, code, params, lang, fallback)
