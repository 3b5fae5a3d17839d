"""Texts other layers compose in English from a few values, rendered in another language.

The dispute engine, the re-open rules and the server compose some sentences from values (a
review reason, why no stored assessment was used, when a re-opened entry closes) and keep them as
plain strings in results. Each such sentence has an English template here, marked with
``F_("composed", template)``; :func:`translate_composed` matches a text against the templates,
takes the values back out and writes the template's translation with them. A text no template
matches is shown as it is (``tests/proofbox/test_i18n.py`` keeps the templates in step with the
code that writes the sentences).

Extra format specs: ``{x:word}`` an enum value or word from the vocabulary (``merchant_favored``,
``PASS``); ``{x:text}`` a pack text looked up in the catalog; ``{x:composed}`` a nested sentence.
"""

from __future__ import annotations

import re
import string
from functools import cache

from . import fill, gettext
from .findings import F_

__all__ = ["CLAUSES", "COMPOSED", "translate_clauses", "translate_composed"]

CONTEXT = "composed"

COMPOSED = tuple(
    template
    for _context, template in (
        # review reasons (disputes.engine)
        F_("composed", "unknown facts could move the outcome between {low:word} and {high:word}: {facts}"),
        F_(
            "composed",
            "{names} is INCONCLUSIVE; as {verdict:word} P(merchant) would be {flipped} instead of {p}",
        ),
        F_(
            "composed",
            "{names} are INCONCLUSIVE; as {verdict:word} P(merchant) would be {flipped} instead of {p}",
        ),
        F_("composed", "no rule of {pack} decides this case"),
        F_("composed", "the fired rules leave P(merchant)={p} between {low} and {high}"),
        # who pays the return freight (disputes.engine)
        F_("composed", "a guarantee-compensation claim: nothing ships back"),
        F_("composed", "a rule complaint: nothing ships back"),
        F_("composed", "a refund-only claim: nothing ships back"),
        F_("composed", "a refund without return (直接退款): nothing ships back"),
        F_("composed", "the goods are no longer fit to be returned: nothing ships back"),
        F_("composed", "the outcome refuses the return: nothing ships back"),
        F_("composed", "no rule of {pack} decides who pays the return freight"),
        F_(
            "composed",
            "depends on the review: if the buyer prevails, {buyer:word} ({buyer_why:composed}); "
            "if the merchant prevails, {merchant:word} ({merchant_why:composed})",
        ),
        F_("composed", "order.amount is missing: give the amount actually paid to compute it"),
        # the buyer's side of a re-opened entry (disputes.reopen)
        F_(
            "composed",
            "the entry has not been re-opened: the buyer applies within the normal after-sales period "
            "(see the deadline after_sales_end)",
        ),
        F_("composed", "no rule of {pack} gives the terms of a re-opened entry"),
        F_("composed", "when the entry was re-opened is unknown; give order.entry_reopened_at"),
        F_(
            "composed",
            "{rule}: the entry was shown {days} days from its re-opening and the buyer applied in that time; "
            "the seed closes it only when no request was made, and says nothing of later ones",
        ),
        F_(
            "composed",
            "{rule}: the entry stayed open {days} days from its re-opening ({reopened:datetime}) and closed at "
            "{closed:datetime}",
        ),
        F_("composed", "{rule}: the buyer has used the {allowed} application(s) a re-opened entry allows"),
        F_(
            "composed",
            "how many applications the buyer made since the re-opening is unknown; give "
            "order.after_sales_requested_at",
        ),
        F_("composed", "{rule}: the entry is open until {until:datetime}; {left} application(s) left"),
        F_("composed", "{rule}: the entry is open until {until:datetime}; no limit on applications"),
        F_(
            "composed",
            "{rule}: the after-sales period ended at {ended:datetime} and the entry has not been re-opened; "
            "only the merchant can open it again",
        ),
        F_(
            "composed",
            "{rule}: the after-sales period ends {days} days after the buyer confirms receipt (not yet confirmed)",
        ),
        F_(
            "composed",
            "{rule}: the buyer has made {used} after-sales application(s) within the period; at most {allowed} "
            "are allowed ({quote})",
        ),
        F_("composed", "{rule}: within the after-sales period; {left} of {allowed} application(s) left"),
        # which assessment a prediction used (server.engine)
        F_("composed", "the assessment made by this request (in this result) decided the evidence verdicts"),
        F_(
            "composed",
            "the evidence verdicts of assessment {result}, the latest of the case's current evidence, were used",
        ),
        F_("composed", "{why:composed}; the evidence summary the case carries is used"),
        F_("composed", "{why:composed}; the prediction has no evidence verdicts"),
        F_("composed", "the case was sent inline, so no stored assessment was looked up"),
        F_("composed", "case {case} has no evidence uploaded"),
        F_(
            "composed",
            "the latest assessment of the case's current evidence ({result}, case version {version}) checked it "
            "against other case facts than version {current} has (tracking number, dates or the claimed "
            "problem); assess the evidence again",
        ),
        F_(
            "composed",
            "no stored assessment of case {case}'s current evidence ({n} file(s)); assess it with "
            "AssessEvidence or AssessAndPredict",
        ),
        # a rule's own text after its id (review reasons, notes): last, it matches the most
        F_("composed", "{rule}: {text:text}"),
    )
)
"""English templates, in the order they are tried."""

_FIELD = {"rule": r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+"}


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name:
            parts.append(f"(?P<{name}>{_FIELD.get(name, '.+?')})")
    return re.compile("^" + "".join(parts) + "$", re.S)


def translate_composed(text: str, lang: str) -> str:
    """``text`` in ``lang`` when a template matches it; else ``text`` unchanged."""
    if lang == "en" or not text:
        return text
    for template in COMPOSED:
        match = _pattern(template).match(text)
        if match is None:
            continue
        params = {
            k: translate_composed(v, lang) if f"{{{k}:composed}}" in template else v
            for k, v in match.groupdict().items()
        }
        try:
            return fill(gettext(template, lang, CONTEXT), params, lang)
        except (KeyError, IndexError, ValueError, TypeError):
            return text
    return text


# --- clauses the analysis writes about what it measured (a finding's ``{seen:clauses}``) ----------

CLAUSE_CONTEXT = "clause"
CLAUSE_SEPARATOR = " | "  # evidence.elements.base.CLAUSES

CLAUSES = tuple(
    template
    for _context, template in (
        # why a cut or fade was believed (evidence.continuity, evidence.sampling)
        F_("clause", "a single-frame jump {ratio}x the frame changes around it"),
        F_("clause", "a single-frame jump {ratio}x the frame changes around it (motion followed)"),
        F_("clause", "the picture does not come back within {seconds} s"),
        F_("clause", "the picture only moves back towards the one before, never switching back in one frame"),
        F_("clause", "the mean brightness steps by {levels} in one frame, steady within {within} around it"),
        F_("clause", "an encoder inserted a keyframe at that frame"),
        F_("clause", "the frame is coded almost afresh ({ratio}x the packets around it)"),
        F_("clause", "a near-intra P-frame (the encoder redrew the picture)"),
        F_("clause", "a content change {ratio}x the pairs around it"),
        F_("clause", "frame alignment collapsing, with a near-intra P-frame there"),
        F_("clause", "{seconds} s of black"),
        F_("clause", "a steady fade out over {seconds} s ({frames} frames)"),
        F_("clause", "a steady fade in over {seconds} s ({frames} frames)"),
        # why the picture is not clear enough to see (evidence.elements.validity)
        F_("clause", "blurred {share} of the time (longest {start}–{end} s)"),
        F_("clause", "too dark {share} of the time (longest {start}–{end} s)"),
        F_("clause", "washed out {share} of the time (longest {start}–{end} s)"),
        F_("clause", "shaking {share} of the time (longest {start}–{end} s)"),
        F_("clause", "poor picture"),
    )
)
"""English templates of the clauses a finding parameter may join with ``" | "``."""


def translate_clauses(value: str, lang: str) -> str:
    """Clauses joined by ``" | "``, each in ``lang`` (unchanged when no template matches), joined
    the way the language lists them."""
    clauses = [c.strip() for c in str(value).split(CLAUSE_SEPARATOR.strip()) if c.strip()]
    if lang == "en":
        return "; ".join(clauses)
    return "；".join(_clause(clause, lang) for clause in clauses)


def _clause(clause: str, lang: str) -> str:
    for template in CLAUSES:
        match = _pattern(template).match(clause)
        if match is not None:
            try:
                return fill(gettext(template, lang, CLAUSE_CONTEXT), match.groupdict(), lang)
            except (KeyError, IndexError, ValueError, TypeError):
                return clause
    return clause
