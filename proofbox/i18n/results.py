"""Results rendered in a language at the edge: texts written from codes and parameters.

A stored :class:`~proofbox.v1.records_pb2.Result` keeps codes, parameters and the English texts
the analysis wrote. Before a result leaves the server (or the CLI renders one), :func:`localize`
rewrites its texts in the requested language: finding messages and rules from the finding
catalogue (:mod:`proofbox.i18n.findings`), the policy packs' static texts from the gettext
catalog (their English wording is the message id), and the seeds' quotes in Simplified Chinese
(:func:`proofbox.i18n.simplified`). Codes, verdicts, numbers and times are never touched, so the
same stored result reads the same facts in either language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from proofbox.v1 import assessment_pb2, prediction_pb2, records_pb2

from . import gettext, simplified
from .composed import translate_composed
from .findings import render_finding_message, render_finding_rule

__all__ = ["finding_params", "localize", "localize_buyer", "localize_deadlines", "localize_eligibility"]


def finding_params(finding: assessment_pb2.Finding) -> dict[str, str]:
    """The parameters a finding's texts are written from: its own, plus its times and value."""
    params = dict(finding.params)
    for name in ("t_start", "t_end", "value"):
        if finding.HasField(name) and name not in params:
            params[name] = f"{getattr(finding, name):g}"
    return params


def _finding(finding: assessment_pb2.Finding, lang: str) -> None:
    finding.source = simplified(finding.source)
    if lang == "en" and not finding.params:
        return  # an element that sends no parameters: its own English is the richest text
    params = finding_params(finding)
    finding.message = render_finding_message(finding.code, params, lang, finding.message)
    if finding.rule:
        finding.rule = render_finding_rule(finding.code, params, lang, finding.rule)


def _text(text: str, lang: str) -> str:
    """An English text in ``lang``: a pack's static text from the catalog, or a sentence composed
    from values (:mod:`proofbox.i18n.composed`); unchanged when neither knows it."""
    if not text or lang == "en":
        return text
    translated = gettext(text, lang)
    return translated if translated != text else translate_composed(text, lang)


def _texts(texts: Any, lang: str) -> None:
    """Rewrite a repeated string field in place."""
    for i, text in enumerate(texts):
        texts[i] = _text(text, lang)


def localize_buyer(buyer: prediction_pb2.BuyerApplication, lang: str) -> None:
    _texts(buyer.reasons, lang)
    _texts(buyer.notes, lang)
    buyer.applications_note = _text(buyer.applications_note, lang)
    for rule in buyer.rules:
        rule.description = _text(rule.description, lang)
        rule.source = simplified(rule.source)


def localize_deadlines(deadlines: Iterable[prediction_pb2.Deadline], lang: str) -> None:
    for d in deadlines:
        d.consequence = _text(d.consequence, lang)
        d.source = simplified(d.source)


def localize_eligibility(eligibility: prediction_pb2.Eligibility, lang: str) -> None:
    for rule in [*eligibility.denials, eligibility.grant]:
        rule.description = _text(rule.description, lang)
        rule.source = simplified(rule.source)
    for action in eligibility.actions:
        action.text = _text(action.text, lang)
    _texts(eligibility.messages, lang)
    _texts(eligibility.notes, lang)
    _texts(eligibility.funding, lang)
    eligibility.entry_open_note = _text(eligibility.entry_open_note, lang)
    eligibility.applications_note = _text(eligibility.applications_note, lang)


def localize(result: records_pb2.Result, lang: str, note: str = "") -> records_pb2.Result:
    """Rewrite ``result``'s texts in ``lang`` (in place) and return it."""
    result.language = lang
    result.language_note = note
    if result.HasField("assessment"):
        for element in result.assessment.elements:
            for finding in element.findings:
                _finding(finding, lang)
    if result.HasField("evidence_basis"):
        result.evidence_basis.message = _text(result.evidence_basis.message, lang)
    if result.HasField("prediction"):
        prediction = result.prediction
        _texts(prediction.review_reasons, lang)
        for item in prediction.compensation:
            item.note = _text(item.note, lang)
            item.source = simplified(item.source)
        for hit in prediction.hits:
            hit.description = _text(hit.description, lang)
            hit.source = simplified(hit.source)
        localize_deadlines(prediction.deadlines, lang)
        for action in prediction.actions:
            action.text = _text(action.text, lang)
        if prediction.HasField("freight"):
            prediction.freight.note = _text(prediction.freight.note, lang)
            prediction.freight.burden_of_proof = _text(prediction.freight.burden_of_proof, lang)
            prediction.freight.source = simplified(prediction.freight.source)
    return result
