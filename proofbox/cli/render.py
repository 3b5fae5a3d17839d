"""Human-readable output: rich tables for results, cases, evidence, deadlines and eligibility.

Times are shown in Beijing time (the platforms' zone). Headings and labels are in the language of
the context (:func:`proofbox.i18n.use`; the CLI's ``--lang``); the texts inside results come from
the server in the language the request asked for. ``--json`` bypasses all of this and prints
the proto JSON mapping instead (:func:`print_json`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from google.protobuf import json_format, timestamp_pb2
from google.protobuf.message import Message
from rich.console import Console
from rich.table import Table
from rich.text import Text

from proofbox.i18n import current, format_datetime, format_time, translate
from proofbox.i18n import gettext as _
from proofbox.i18n.aliases import ALIASES
from proofbox.jsonform import enum_prefix
from proofbox.v1 import admin_pb2, assessment_pb2, cases_pb2, evidence_pb2, prediction_pb2, records_pb2

__all__ = [
    "print_json",
    "render_case",
    "render_deadlines",
    "render_eligibility",
    "render_evidence",
    "render_keys",
    "render_result",
    "render_results",
]

ZONE = ZoneInfo("Asia/Shanghai")
RESULT_ID_WIDTH = 36  # "res_" + 32 hex digits
VERDICT_STYLE = {"PASS": "bold green", "FAIL": "bold red", "INCONCLUSIVE": "bold yellow"}
OUTCOME_STYLE = {"MERCHANT_FAVORED": "bold green", "BUYER_FAVORED": "bold red", "NEEDS_REVIEW": "bold yellow"}
SEVERITY_MARK = {"FAILURE": "[red]✗[/red]", "WARNING": "[yellow]![/yellow]", "INFO": "[green]✓[/green]"}


def print_json(console: Console, message: Message) -> None:
    """The proto JSON mapping (field names as in the .proto files)."""
    console.print_json(json_format.MessageToJson(message, preserving_proto_field_name=True, indent=None))


def when(ts: timestamp_pb2.Timestamp) -> str:
    if not ts.seconds and not ts.nanos:
        return "-"
    moment: datetime = ts.ToDatetime().replace(tzinfo=ZoneInfo("UTC")).astimezone(ZONE)
    return format_datetime(moment, _lang())


def _lang() -> str:
    return current()


def _word(enum: Any, number: int) -> str:
    """An enum value as people read it: in Chinese the platforms' own word (平台介入中, 退货退款;
    :mod:`proofbox.i18n.aliases`), in English its short name in lower case."""
    name = _name(enum, number)
    if _lang() == "zh-CN":
        word = _platform_words().get(enum.DESCRIPTOR.full_name, {}).get(name)
        if word:
            return word
    return name.lower().replace("_", " ")


@cache
def _platform_words() -> dict[str, dict[str, str]]:
    """Enum full name -> value name -> the first Chinese alias given for it."""
    out: dict[str, dict[str, str]] = {}
    for enum, words in ALIASES.items():
        for word, value in words.items():
            out.setdefault(enum, {}).setdefault(value, word)
    return out


def _name(enum: Any, number: int) -> str:
    """``VERDICT_PASS`` -> ``PASS``: an enum value's name without its prefix."""
    descriptor = enum.DESCRIPTOR
    value = descriptor.values_by_number.get(number)
    return str(value.name).removeprefix(enum_prefix(descriptor)) if value is not None else str(number)


def render_result(console: Console, result: records_pb2.Result) -> None:
    kind = _(_name(records_pb2.ResultKind, result.kind).lower().replace("_", " "))
    console.print(
        translate(
            "[bold]{result}[/bold]  {kind} of case [bold]{case}[/bold] v{version}  {created}",
            {
                "result": result.result_id or _("(not stored)"),
                "kind": kind,
                "case": result.case_id,
                "version": result.case_version,
                "created": when(result.created_at),
            },
        )
    )
    versions = [translate("server {version}", {"version": result.server_version})]
    if result.analyser_version:
        versions.append(translate("analyser {version}", {"version": result.analyser_version}))
    if result.policy_pack_version:
        versions.append(translate("policy {version}", {"version": result.policy_pack_version}))
    console.print("  " + ("，" if _lang() == "zh-CN" else ", ").join(versions), style="dim")
    if result.HasField("assessment"):
        _render_assessment(console, result.assessment)
    if result.HasField("prediction"):
        _render_prediction(console, result.prediction)
    if result.HasField("evidence_basis"):
        basis = result.evidence_basis
        used = (
            translate("assessment {result}", {"result": basis.assessment_result_id})
            if basis.assessment_result_id
            else ""
        )
        reason = f" [{basis.reason}]" if basis.reason else ""
        console.print(
            "  " + translate("evidence: {basis}", {"basis": f"{used or _(basis.message)}{reason}"}),
            style="dim",
            soft_wrap=True,
        )


def _render_assessment(console: Console, assessment: assessment_pb2.Assessment) -> None:
    table = Table(title=_("Unboxing video: the four elements"), title_justify="left", show_lines=False)
    table.add_column(_("element"))
    table.add_column(_("verdict"))
    table.add_column(_("score"), justify="right")
    table.add_column(_("findings"))
    for element in assessment.elements:
        verdict = _name(assessment_pb2.Verdict, element.verdict)
        findings = []
        for f in element.findings:
            severity = _name(assessment_pb2.Severity, f.severity)
            at = " @ " + format_time(f.t_start, _lang()) if f.HasField("t_start") else ""
            findings.append(f"{SEVERITY_MARK.get(severity, '')} {f.code}{at}")
        table.add_row(
            _(_name(assessment_pb2.Element, element.element).lower()),
            Text(_(verdict), style=VERDICT_STYLE.get(verdict, "")),
            f"{element.score:.2f}",
            "\n".join(findings) or "-",
        )
    console.print(table)
    # what each finding says, in the reply's language (the codes above stay language-neutral)
    for element in assessment.elements:
        for f in element.findings:
            severity = _name(assessment_pb2.Severity, f.severity)
            style = "bold" if severity != "INFO" else ""
            console.print(
                Text.assemble(
                    Text.from_markup(f"  {SEVERITY_MARK.get(severity, '')} "),
                    (f.message, style),
                    ("  " + f.code, "dim"),
                ),
                soft_wrap=True,
            )
    if assessment.HasField("video"):
        v = assessment.video
        duration = format_time(v.duration_s, _lang()) if v.HasField("duration_s") else _("unknown length")
        parts = [
            f"{v.detected_type} {v.codec} {v.display_width}x{v.display_height}",
            f"{v.frame_rate:.0f} fps",
            duration,
            format_size(v.size_bytes),
        ]
        if v.make or v.model:
            parts.append(f"{v.make} {v.model}".strip())
        console.print("  " + _labelled(_("video:"), _listed(parts)), style="dim")
    for photo in assessment.photos:
        console.print(
            "  " + _labelled(_("photo:"), f"{photo.name} {photo.format} {photo.width}x{photo.height}"),
            style="dim",
        )


def _listed(parts: Iterable[str]) -> str:
    """Parts of one line, separated the way the language does ("a, b" / "a，b")."""
    return ("，" if _lang() == "zh-CN" else ", ").join(parts)


def _labelled(label: str, text: str) -> str:
    """ "video: mp4 ..." / "视频：mp4 ..." (no space after a full-width colon)."""
    return label + text if label.endswith("：") else f"{label} {text}"


def format_size(size: int) -> str:
    """A file size for people: "1.1 MB", "41 KB" (a photo is not "0.0 MB")."""
    if size >= 1_000_000:
        return f"{size / 1e6:.1f} MB"
    return f"{max(1, round(size / 1e3))} KB"


def _render_prediction(console: Console, prediction: prediction_pb2.Prediction) -> None:
    outcome = _name(prediction_pb2.Outcome, prediction.outcome)
    console.print(
        Text.assemble(
            _("Prediction: "),
            (_(outcome.replace("_", " ").lower()), OUTCOME_STYLE.get(outcome, "")),
            ("" if _lang() == "zh-CN" else "  ")  # the Chinese text opens with a full-width bracket
            + translate(
                "(P(merchant prevails) = {p:.2f}, {pack})",
                {"p": prediction.merchant_probability, "pack": prediction.pack_version},
            ),
        )
    )
    for reason in prediction.review_reasons:
        console.print("  " + translate("review: {reason}", {"reason": reason}), style="yellow")
    if prediction.hits:
        table = Table(title=_("Rules that decided it"), title_justify="left")
        table.add_column(_("rule"))
        table.add_column(_("weight"), justify="right")
        table.add_column(_("says"), overflow="fold")  # Chinese has no spaces to wrap at
        for hit in prediction.hits[:8]:
            table.add_row(hit.id, f"{hit.weight:+.2f}", hit.description)
        console.print(table)
    if prediction.missing_facts:
        console.print(
            "  "
            + translate(
                "facts that would settle it: {facts:list}", {"facts": list(prediction.missing_facts)}
            ),
            style="yellow",
        )
    if prediction.deadlines:
        render_deadlines(console, prediction.deadlines)
    if prediction.HasField("freight"):
        freight = prediction.freight
        why = freight.rule_id or freight.note
        console.print(
            "  "
            + translate(
                "return freight: {payer} ({why})", {"payer": _(freight.payer.replace("_", " ")), "why": why}
            )
        )
        if freight.rule_id and freight.note:
            console.print(f"    {freight.note}", style="dim")
    if prediction.penalty_points:
        console.print(
            "  " + translate("penalty points if upheld: {points}", {"points": prediction.penalty_points})
        )
    if prediction.compensation_total and prediction.compensation_total != "0.00":
        console.print(
            "  " + translate("compensation: {amount:yuan}", {"amount": float(prediction.compensation_total)})
        )
    for action in prediction.actions:
        console.print(f"  → {action.text} [dim]({action.code})[/dim]")


def render_deadlines(console: Console, deadlines: Iterable[prediction_pb2.Deadline]) -> None:
    table = Table(title=_("Deadlines (Beijing time)"), title_justify="left")
    table.add_column(_("deadline"))
    table.add_column(_("due"))
    table.add_column(_("party"))
    table.add_column(_("state"))
    table.add_column(_("if missed"), overflow="fold")
    for d in deadlines:
        table.add_row(
            _(d.name),
            when(d.due_at),
            _(d.party),
            Text(_("passed"), style="red") if d.passed else Text(_("open"), style="green"),
            d.consequence,
        )
    console.print(table)


def render_eligibility(console: Console, eligibility: prediction_pb2.Eligibility) -> None:
    status = _name(prediction_pb2.EligibilityStatus, eligibility.status)
    style = {"ELIGIBLE": "bold green", "INELIGIBLE": "bold red"}.get(status, "bold yellow")
    console.print(
        Text.assemble(
            _("Re-open after-sales entry: "), (_(status.lower()), style), f"  ({eligibility.pack_version})"
        )
    )
    for denial in eligibility.denials:
        console.print(f"  ✗ {denial.id}: {denial.description}")
    for message in eligibility.messages:
        console.print("  " + translate("platform shows: {message}", {"message": message}))
    if eligibility.HasField("entry_open_days"):
        console.print(
            "  "
            + translate(
                "entry stays open {days} days (until {until})",
                {"days": eligibility.entry_open_days, "until": when(eligibility.entry_closes_at)},
            )
        )
    for note in eligibility.notes:
        console.print("  " + translate("note: {note}", {"note": note}), style="dim")
    if eligibility.missing_facts:
        console.print(
            "  " + translate("facts missing: {facts:list}", {"facts": list(eligibility.missing_facts)}),
            style="yellow",
        )
    for action in eligibility.actions:
        console.print(f"  → {action.text}")


def render_buyer_application(console: Console, answer: prediction_pb2.BuyerApplication) -> None:
    status = _name(prediction_pb2.EligibilityStatus, answer.status)
    label = {"ELIGIBLE": _("yes"), "INELIGIBLE": _("no")}.get(status, _("unknown"))
    style = {"ELIGIBLE": "bold green", "INELIGIBLE": "bold red"}.get(status, "bold yellow")
    console.print(Text.assemble(_("Buyer may apply now: "), (label, style)))
    for reason in answer.reasons:
        console.print(f"  {reason}")
    if answer.HasField("applications_left"):
        console.print(
            "  "
            + translate(
                "applications: {used} used, {left} left of {allowed}",
                {
                    "used": answer.applications_used,
                    "left": answer.applications_left,
                    "allowed": answer.applications_allowed,
                },
            )
        )
    if answer.applications_note:
        console.print(f"  {answer.applications_note}", style="dim")
    for note in answer.notes:
        console.print("  " + translate("note: {note}", {"note": note}), style="dim")
    if answer.missing_facts:
        console.print(
            "  " + translate("facts missing: {facts:list}", {"facts": list(answer.missing_facts)}),
            style="yellow",
        )


def render_case(console: Console, stored: records_pb2.StoredCase) -> None:
    case = stored.case
    console.print(
        Text.assemble(
            (case.case_id, "bold"),
            " "
            + translate(
                "version {version} ({platform}), stored {stored}",
                {
                    "version": stored.version,
                    "platform": _word(cases_pb2.Platform, case.platform),
                    "stored": when(stored.created_at),
                },
            ),
            (f"  sha256 {stored.content_sha256}", "dim"),
        )
    )
    amount = (
        translate("{amount:yuan}", {"amount": case.order.amount})
        if case.order.amount and (case.order.currency or "CNY") == "CNY"
        else f"{case.order.amount} {case.order.currency}"
    )
    console.print(
        "  "
        + translate(
            "order {order}: {amount}; claim {kind} ({reason}); ticket {status}",
            {
                "order": case.order.order_id,
                "amount": amount,
                "kind": _word(cases_pb2.ClaimKind, case.claim.kind),
                "reason": _word(cases_pb2.ClaimReason, case.claim.reason),
                "status": _word(cases_pb2.TicketStatus, case.ticket.status),
            },
        ),
        highlight=False,
    )
    table = Table(title=_("Timeline (Beijing time)"), title_justify="left")
    table.add_column(_("event"))
    table.add_column(_("when"))
    for field, value in case.timeline.ListFields():
        table.add_row(_(field.name), when(value))
    console.print(table)


def render_evidence(console: Console, evidence: evidence_pb2.Evidence, created: bool | None = None) -> None:
    state = "" if created is None else (_(" (stored)") if created else _(" (already stored)"))
    kind = _(_name(evidence_pb2.EvidenceKind, evidence.kind).lower())
    console.print(
        Text.assemble(
            f"{kind} ",
            (evidence.filename, "bold"),
            state + _(": ") + f"{evidence.size_bytes / 1e6:.2f} MB {evidence.detected_type}  ",
            translate("evidence {id}", {"id": evidence.evidence_id}),
        )
    )
    if evidence.HasField("video"):
        v = evidence.video
        duration = format_time(v.duration_s, _lang()) if v.HasField("duration_s") else _("unknown length")
        console.print(
            f"  {v.codec} {v.display_width}x{v.display_height} {v.frame_rate:.0f} fps, {duration}",
            style="dim",
        )
    elif evidence.HasField("photo"):
        p = evidence.photo
        console.print(f"  {p.format} {p.width}x{p.height}", style="dim")


def render_results(console: Console, results: Iterable[records_pb2.Result]) -> None:
    table = Table(title=_("Results (newest first)"), title_justify="left")
    # ids are never cut: a person copies them into `proofbox show`; other columns wrap instead
    table.add_column(_("result"), no_wrap=True, min_width=RESULT_ID_WIDTH)
    table.add_column(_("case"), overflow="fold")
    for column in (_("kind"), _("created"), _("outcome"), _("verdicts"), _("policy")):
        table.add_column(column)
    for r in results:
        outcome = _name(prediction_pb2.Outcome, r.prediction.outcome) if r.HasField("prediction") else "-"
        names = [_name(assessment_pb2.Verdict, e.verdict) for e in r.assessment.elements]
        # English: P F I, one letter per element; Chinese: the words (通过 不通过 无法判定)
        verdicts = (
            (" ".join(n[0] for n in names) if _lang() == "en" else " ".join(_(n) for n in names))
            if r.HasField("assessment")
            else "-"
        )
        table.add_row(
            r.result_id,
            f"{r.case_id} v{r.case_version}",
            _(_name(records_pb2.ResultKind, r.kind).lower().replace("_", " ")),
            when(r.created_at),
            _(outcome.replace("_", " ").lower()),
            verdicts,
            r.policy_pack_version or "-",
        )
    console.print(table)


def render_keys(console: Console, keys: Iterable[admin_pb2.ApiKey]) -> None:
    table = Table(title=_("API keys"), title_justify="left")
    table.add_column(_("key id"), no_wrap=True)
    table.add_column(_("tenant"), overflow="fold")
    for column in (_("role"), _("created"), _("revoked"), _("description")):
        table.add_column(column)
    for k in keys:
        table.add_row(
            k.key_id,
            k.tenant_id,
            _(_name(admin_pb2.Role, k.role).lower().replace("_", "-")),
            when(k.created_at),
            when(k.revoked_at) if k.HasField("revoked_at") else "-",
            k.description,
        )
    console.print(table)
