"""Evaluation: deadlines, rule firing, the log-odds model and the outcome, for one compiled pack.

:class:`Runtime` holds what can be computed once per pack (rule closures in evaluation order,
precomputed :class:`RuleHit` records, holiday overrides by timeout key), so a prediction only
evaluates closures and assembles the result.

The outcome: ``logit = bias + Σ weight(fired rules)``, ``p = σ(logit)``. ``p <= buyer_at_most`` is
BUYER_FAVORED, ``p >= merchant_at_least`` MERCHANT_FAVORED, anything between NEEDS_REVIEW. Rules
whose conditions are *unknown* (facts missing) bound ``logit`` from below and above; if the two
bounds fall in different bands, the missing facts decide the case and the outcome is NEEDS_REVIEW
naming them. A fired review effect (e.g. an INCONCLUSIVE element) also means NEEDS_REVIEW unless
``p`` lies outside ``review_holds_within`` (other rules decide the case clearly).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from evidence.errors import InvalidInput
from evidence.model import Verdict

from .case import Actor, ClaimKind, DisputeCase, ElementSummary, EvidenceSummary, Order, Platform
from .context import DisputeContext, ReopenContext, deadline_namespace
from .pack import DeadlineSpec, HolidayOverride, HolidayTable, PolicyPack, Push, Rule, Scope
from .results import (
    Compensation,
    Deadline,
    Freight,
    Outcome,
    Prediction,
    RecommendedAction,
    RuleHit,
    Undecided,
)
from .wire import aware

NOT_APPLICABLE = "not_applicable"
UNDETERMINED = "undetermined"

__all__ = ["Runtime", "deadlines_for", "evaluate_reopen", "nothing_ships_back", "predict_with", "self_test"]

Fn = Callable[[Any], Any]
CENT = Decimal("0.01")
_EVIDENCE = re.compile(r"\bevidence\b")


@dataclass(frozen=True)
class _DeadlineItem:
    rule: Rule
    hit: RuleHit
    when: Fn
    start: Fn
    spec: DeadlineSpec
    holidays: tuple[tuple[HolidayTable, HolidayOverride, tuple[Fn, ...], Fn | None], ...]


class Runtime:
    """Per-pack evaluation tables, built once at load."""

    def __init__(self, pack: PolicyPack, zone: tzinfo, deadline_names: Sequence[str]) -> None:
        self.pack = pack
        self.zone = zone
        self.deadline_cls = deadline_namespace(deadline_names)
        self.hits: dict[str, RuleHit] = {
            r.id: RuleHit(
                id=r.id, group=r.group, description=r.description, source=r.cite, weight=r.effect.weight
            )
            for r in pack.rules
        }
        by_timeout: dict[str, list[tuple[HolidayTable, HolidayOverride, tuple[Fn, ...], Fn | None]]] = {}
        for table in pack.holiday_tables:
            for o in table.overrides:
                triggers = tuple(c.fn for c in o.trigger_compiled)
                when = o.when_compiled.fn if o.when_compiled is not None else None
                by_timeout.setdefault(o.timeout, []).append((table, o, triggers, when))
        deadline_items: list[_DeadlineItem] = []
        rules: list[tuple[Rule, Fn]] = []
        reopen: list[tuple[Rule, Fn]] = []
        for r in pack.rules:
            assert r.compiled is not None
            if r.scope is Scope.REOPEN:
                reopen.append((r, r.compiled.fn))
            elif r.effect.deadline is not None:
                spec = r.effect.deadline
                assert spec.start_compiled is not None
                holidays = tuple(by_timeout.get(spec.timeout, ())) if spec.timeout else ()
                deadline_items.append(
                    _DeadlineItem(r, self.hits[r.id], r.compiled.fn, spec.start_compiled.fn, spec, holidays)
                )
            else:
                rules.append((r, r.compiled.fn))
        self.deadline_items = tuple(deadline_items)
        self.rules = tuple(rules)
        self.fns = tuple(fn for _, fn in rules)
        self.rule_list = tuple(r for r, _ in rules)
        self._index_rules()
        # holiday fast path: every distinct trigger closure, and the union of the ranges
        trigger_fns: dict[str, Fn] = {}
        for table in pack.holiday_tables:
            for o in table.overrides:
                for text, c in zip(o.triggers, o.trigger_compiled, strict=True):
                    trigger_fns.setdefault(text, c.fn)
        self.trigger_fns = tuple(trigger_fns.values())
        self.ranges = tuple((t.start, t.end + timedelta(seconds=1)) for t in pack.holiday_tables)
        self.reopen_rules = tuple(reopen)
        self.reads_evidence = frozenset(r.id for r in pack.rules if _EVIDENCE.search(r.when))
        self.needs_review_band = pack.model.review_holds_within

    def _index_rules(self) -> None:
        """Bucket rules by a shared leading enum guard (e.g. ``claim.reason``): a case then evaluates
        only the rules whose guard its value satisfies, plus the unguarded ones, in pack order."""
        by_path: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rule_list):
            guard = rule.compiled.guard if rule.compiled is not None else None
            if guard is not None:
                by_path.setdefault(guard[0], []).append(i)
        unguarded = set(range(len(self.rule_list)))
        table: list[tuple[Fn, dict[Any, tuple[int, ...]]]] = []
        for indices in by_path.values():
            if len(indices) < 2:
                continue  # a guard shared by no other rule saves nothing
            getter: Fn | None = None
            buckets: dict[Any, list[int]] = {}
            for i in indices:
                compiled = self.rule_list[i].compiled
                assert compiled is not None and compiled.guard is not None
                _, getter, values = compiled.guard
                for v in values:
                    buckets.setdefault(v, []).append(i)
                unguarded.discard(i)
            assert getter is not None
            table.append((getter, {v: tuple(ix) for v, ix in buckets.items()}))
        self.unguarded = tuple(sorted(unguarded))
        self.guards = tuple(table)

    def candidates(self, ctx: Any) -> list[int]:
        """Indices of the rules that can fire for ``ctx``, in pack order."""
        picked = list(self.unguarded)
        for getter, buckets in self.guards:
            found = buckets.get(getter(ctx))
            if found:
                picked.extend(found)
        picked.sort()
        return picked


# --- deadlines ------------------------------------------------------------------------------------------


def _in_any_holiday(rt: Runtime, ctx: Any) -> bool:
    """Does any holiday trigger event of the case fall in any holiday range? (usually not: fast path)"""
    ranges = rt.ranges
    for trig in rt.trigger_fns:
        t = trig(ctx)
        if t is not None:
            for start, end in ranges:
                if start <= t < end:
                    return True
    return False


def _deadline_value(
    item: _DeadlineItem, ctx: Any, holiday: bool = True
) -> tuple[datetime, timedelta, HolidayTable | None, str] | None:
    if item.when(ctx) is not True:
        return None
    start = item.start(ctx)
    if start is None:
        return None
    after, table, text = item.spec.after, None, item.spec.after_text
    for tbl, override, triggers, when in item.holidays if holiday else ():
        if when is not None and when(ctx) is not True:
            continue
        for trig in triggers:
            t = trig(ctx)
            if t is not None and tbl.covers(t):
                after, table, text = override.after, tbl, override.after_text
                break
        if table is not None:
            break
    if after is None:
        return None
    return start, after, table, text


def deadlines_for(rt: Runtime, ctx: DisputeContext) -> tuple[list[Deadline], Any]:
    """Every deadline the pack can compute for the case, and the namespace rules read them from."""
    ns = rt.deadline_cls()
    out: list[Deadline] = []
    zone, now = rt.zone, ctx.now
    holiday = bool(rt.ranges) and _in_any_holiday(rt, ctx)
    for item in rt.deadline_items:
        if getattr(ns, item.spec.name) is not None:
            continue  # an earlier rule already set this deadline
        value = _deadline_value(item, ctx, holiday)
        if value is None:
            continue
        start, after, table, text = value
        due = start + after
        setattr(ns, item.spec.name, due)
        out.append(
            Deadline(
                name=item.spec.name,
                due_at=due.astimezone(zone),
                starts_at=start.astimezone(zone),
                start=item.spec.start,
                duration=text,
                party=item.spec.party,
                consequence=item.spec.consequence,
                passed=now > due,
                rule_id=item.rule.id,
                source=item.hit.source,
                holiday_table=table.id if table is not None else None,
            )
        )
    return out, ns


# --- prediction ------------------------------------------------------------------------------------------


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _band(p: float, low: float, high: float) -> Outcome:
    if p <= low:
        return Outcome.BUYER_FAVORED
    if p >= high:
        return Outcome.MERCHANT_FAVORED
    return Outcome.NEEDS_REVIEW


def _compensation(rule: Rule, hit: RuleHit, case: DisputeCase) -> Compensation:
    spec = rule.effect.compensation
    assert spec is not None
    currency = case.order.currency
    if spec.rate is None:
        return Compensation(
            rule.id,
            None,
            currency,
            spec.form,
            spec.payer,
            "not stated in the source",
            hit.source,
            spec.unknown,
        )
    if case.order.amount is None:
        return Compensation(
            rule.id,
            None,
            currency,
            spec.form,
            spec.payer,
            f"{spec.rate * 100:g}% of order.amount",
            hit.source,
            "order.amount is missing: give the amount actually paid to compute it",
        )
    formula = f"{spec.rate * 100:g}% of {case.order.amount:.2f}"
    amount = (case.order.amount * spec.rate).quantize(CENT, rounding=ROUND_HALF_UP)
    if spec.minimum is not None or spec.maximum is not None:
        if currency != "CNY":
            return Compensation(
                rule.id,
                None,
                currency,
                spec.form,
                spec.payer,
                formula,
                hit.source,
                f"the limits are in CNY but the order is in {currency}; convert before applying",
            )
        if spec.minimum is not None and amount < spec.minimum:
            amount, formula = spec.minimum, f"{formula}, raised to the minimum {spec.minimum:.2f}"
        if spec.maximum is not None and amount > spec.maximum:
            amount, formula = spec.maximum, f"{formula}, capped at the maximum {spec.maximum:.2f}"
    return Compensation(rule.id, amount, currency, spec.form, spec.payer, formula, hit.source, spec.note)


def predict_with(
    pack: PolicyPack, case: DisputeCase, at: datetime, evidence: EvidenceSummary | None
) -> Prediction:
    rt: Runtime = pack.runtime
    ctx = DisputeContext(case, at, evidence, None)
    deadline_list, ns = deadlines_for(rt, ctx)
    ctx.deadline = ns
    index = rt.candidates(ctx)
    fns, rules = rt.fns, rt.rule_list
    values = [fns[i](ctx) for i in index]
    fired = [rules[index[k]] for k, v in enumerate(values) if v is True]
    unknown = [rules[index[k]] for k, v in enumerate(values) if v is None] if None in values else []
    model = pack.model
    logit = model.bias
    for r in fired:
        logit += r.effect.weight
    p = _sigmoid(logit)
    band = _band(p, model.buyer_at_most, model.merchant_at_least)
    outcome = band
    review_reasons: list[str] = []
    missing: list[str] = []
    undecided: list[Undecided] = []
    evidence_used = False
    reads = rt.reads_evidence
    if unknown:
        low = high = logit
        weighted: list[tuple[Rule, tuple[str, ...]]] = []
        for r in unknown:
            facts = r.compiled.missing(ctx) if r.compiled is not None else ()
            undecided.append(Undecided(r.id, facts, r.effect.weight))
            w = r.effect.weight
            if w < 0:
                low += w
            elif w > 0:
                high += w
            if w != 0 or r.effect.review is not None:
                weighted.append((r, facts))
            evidence_used = evidence_used or r.id in reads
        b_low = _band(_sigmoid(low), model.buyer_at_most, model.merchant_at_least)
        b_high = _band(_sigmoid(high), model.buyer_at_most, model.merchant_at_least)
        if b_low is not b_high:
            outcome = Outcome.NEEDS_REVIEW
            for _rule, facts in weighted:
                for f in facts:
                    if f not in missing:
                        missing.append(f)
            review_reasons.append(
                f"unknown facts could move the outcome between {b_low.value} and {b_high.value}: "
                + ", ".join(missing)
            )
    suppressed: set[str] = set()
    for r in fired:
        suppressed.update(r.overrides)
        evidence_used = evidence_used or r.id in reads
    r_low, r_high = rt.needs_review_band
    hits: list[RuleHit] = []
    actions: list[RecommendedAction] = []
    seen_actions: set[str] = set()
    freight_rules: list[Rule] = []
    compensation: list[Compensation] = []
    points = 0
    overridden: list[str] = []
    hit_table = rt.hits
    for r in fired:
        hits.append(hit_table[r.id])
        if r.id in suppressed:
            overridden.append(r.id)
            continue
        effect = r.effect
        if effect.review is not None and r_low < p < r_high:
            outcome = Outcome.NEEDS_REVIEW
            review_reasons.append(f"{r.id}: {effect.review.reason}")
            for f in effect.review.missing:
                if f not in missing:
                    missing.append(f)
        for a in effect.actions:
            if a.code not in seen_actions:
                seen_actions.add(a.code)
                actions.append(RecommendedAction(a.code, a.text, r.id))
        if effect.freight is not None:
            freight_rules.append(r)
        if effect.compensation is not None:
            compensation.append(_compensation(r, hit_table[r.id], case))
        points += effect.penalty_points
    if evidence is not None and evidence.any_inconclusive and outcome is not Outcome.NEEDS_REVIEW:
        flips = _inconclusive_flips(rt, ctx, evidence, logit)
        if flips:
            outcome = Outcome.NEEDS_REVIEW
            evidence_used = True
            for names, verdict, flipped in flips:
                review_reasons.append(
                    f"{' and '.join('evidence.' + n for n in names)} "
                    f"{'is' if len(names) == 1 else 'are'} INCONCLUSIVE; as {verdict.value.upper()} "
                    f"P(merchant) would be {_sigmoid(flipped):.2f} instead of {p:.2f}"
                )
                for n in names:
                    if f"evidence.{n}" not in missing:
                        missing.append(f"evidence.{n}")
    if outcome is Outcome.NEEDS_REVIEW and not review_reasons:
        if not any(r.effect.push is not Push.NONE for r in fired):
            review_reasons.append(f"no rule of {pack.version} decides this case")
        else:
            review_reasons.append(
                f"the fired rules leave P(merchant)={p:.2f} between "
                f"{model.buyer_at_most} and {model.merchant_at_least}"
            )
    freight = _freight(pack, case, freight_rules, outcome)
    hits.sort(key=lambda h: -abs(h.weight))
    total = sum((c.amount for c in compensation if c.amount is not None), Decimal("0.00"))
    return Prediction(
        case_id=case.case_id,
        platform=case.platform.value,
        pack_version=pack.version,
        at=at.astimezone(rt.zone),
        outcome=outcome,
        merchant_probability=round(p, 6),
        logit=round(logit, 6),
        hits=tuple(hits),
        undecided=tuple(undecided),
        missing_facts=tuple(missing),
        review_reasons=tuple(review_reasons) if outcome is Outcome.NEEDS_REVIEW else (),
        deadlines=tuple(deadline_list),
        freight=freight,
        penalty_points=points,
        compensation=tuple(compensation),
        compensation_total=total,
        actions=tuple(actions),
        overridden=tuple(overridden),
        evidence_used=evidence_used,
    )


_ELEMENTS = ("consistency", "completeness", "validity", "timeliness")


def _logit_with(rt: Runtime, ctx: DisputeContext) -> float:
    """The model's log-odds for ``ctx`` (deadlines already in ``ctx.deadline``)."""
    fns, rules = rt.fns, rt.rule_list
    logit = rt.pack.model.bias
    for i in rt.candidates(ctx):
        if fns[i](ctx) is True:
            logit += rules[i].effect.weight
    return logit


def _inconclusive_flips(
    rt: Runtime, ctx: DisputeContext, evidence: EvidenceSummary, logit: float
) -> list[tuple[tuple[str, ...], Verdict, float]]:
    """Inconclusive elements whose PASS or FAIL would move P(merchant) to or across 0.5.

    Each inconclusive element is tried alone, then all of them together (validity under the principle
    needs every element), as PASS and as FAIL; returns (elements, verdict, log-odds) for each flip.
    """
    names = tuple(n for n in _ELEMENTS if getattr(evidence, n).verdict is Verdict.INCONCLUSIVE)
    trials: list[tuple[str, ...]] = [(n,) for n in names]
    if len(names) > 1:
        trials.append(names)
    side = (logit > 0) - (logit < 0)
    if side == 0:
        return []  # already at 0.5: NEEDS_REVIEW by the band
    out: list[tuple[tuple[str, ...], Verdict, float]] = []
    for group in trials:
        for verdict in (Verdict.PASS, Verdict.FAIL):
            element = ElementSummary(verdict, 1.0 if verdict is Verdict.PASS else 0.0)
            changes: dict[str, Any] = dict.fromkeys(group, element)
            patched = replace(evidence, **changes)
            trial = DisputeContext(ctx.case, ctx.now, patched, ctx.deadline)
            other = _logit_with(rt, trial)
            if (other > 0) - (other < 0) != side:  # reaches or crosses 0.5
                out.append((group, verdict, other))
    return out


_RETURN_KINDS = (ClaimKind.RETURN_AND_REFUND, ClaimKind.EXCHANGE)


def nothing_ships_back(case: DisputeCase, outcome: Outcome) -> str | None:
    """Why no return leg exists for ``case`` under ``outcome``, or None when goods ship back.

    The structural floor under the packs' freight rules: whatever a pack says, a claim that ships
    nothing back has no return freight to pay (the property tests check it).
    """
    kind = case.claim.kind
    shipped_back = case.timeline.return_shipped_at is not None
    if kind is ClaimKind.GUARANTEE_COMPENSATION:
        return "a guarantee-compensation claim: nothing ships back"
    if kind is ClaimKind.RULE_COMPLAINT:
        return "a rule complaint: nothing ships back"
    if shipped_back:
        return None
    if kind is ClaimKind.REFUND_ONLY and not case.logistics.buyer_refused_delivery:
        return "a refund-only claim: nothing ships back"
    g = case.goods
    if g.return_freight_exceeds_value or g.worthless_after_return or g.return_courier_embargo:
        return "a refund without return (直接退款): nothing ships back"
    if g.unfit_for_return:
        return "the goods are no longer fit to be returned: nothing ships back"
    if outcome is Outcome.MERCHANT_FAVORED and kind in _RETURN_KINDS:
        return "the outcome refuses the return: nothing ships back"
    return None


def _freight_under(pack: PolicyPack, case: DisputeCase, rules: list[Rule], outcome: Outcome) -> Freight:
    hits: dict[str, RuleHit] = pack.runtime.hits
    eligible = [
        r for r in rules if r.effect.freight is not None and r.effect.freight.outcome in (None, outcome)
    ]
    eligible.sort(key=lambda r: -r.effect.freight.priority if r.effect.freight else 0)
    why_none = nothing_ships_back(case, outcome)
    if why_none is not None:
        na = [
            r for r in eligible if r.effect.freight is not None and r.effect.freight.payer == NOT_APPLICABLE
        ]
        if not na:
            return Freight(NOT_APPLICABLE, "", "", None, why_none, tuple(r.id for r in eligible))
        eligible = na + [r for r in eligible if r not in na]
    if not eligible:
        return Freight(
            UNDETERMINED, "", "", None, f"no rule of {pack.version} decides who pays the return freight"
        )
    top = eligible[0]
    spec = top.effect.freight
    assert spec is not None
    return Freight(
        spec.payer,
        top.id,
        hits[top.id].source,
        spec.burden_of_proof,
        spec.note,
        tuple(r.id for r in eligible[1:]),
    )


def _freight(pack: PolicyPack, case: DisputeCase, rules: list[Rule], outcome: Outcome) -> Freight:
    """The return-freight answer for the outcome; under NEEDS_REVIEW, the payer both outcomes agree
    on, else ``undetermined`` with what each outcome would mean."""
    if outcome is not Outcome.NEEDS_REVIEW:
        return _freight_under(pack, case, rules, outcome)
    buyer = _freight_under(pack, case, rules, Outcome.BUYER_FAVORED)
    merchant = _freight_under(pack, case, rules, Outcome.MERCHANT_FAVORED)
    if buyer.payer == merchant.payer:
        return buyer
    return Freight(
        UNDETERMINED,
        "",
        "",
        None,
        f"depends on the review: if the buyer prevails, {buyer.payer} ({buyer.rule_id or buyer.note}); "
        f"if the merchant prevails, {merchant.payer} ({merchant.rule_id or merchant.note})",
        tuple(dict.fromkeys(x for x in (buyer.rule_id, merchant.rule_id) if x)),
    )


def features(pack: PolicyPack, case: DisputeCase, at: datetime) -> list[str]:
    """Ids of the weighted rules that fire for ``case`` (the calibration design matrix row)."""
    rt: Runtime = pack.runtime
    ctx = DisputeContext(case, at, case.evidence, None)
    _, ns = deadlines_for(rt, ctx)
    ctx.deadline = ns
    return [r.id for r, fn in rt.rules if r.effect.push is not Push.NONE and fn(ctx) is True]


# --- re-open ------------------------------------------------------------------------------------------------


def evaluate_reopen(
    pack: PolicyPack, order: Order, actor: Actor, at: datetime
) -> tuple[list[Rule], list[tuple[Rule, tuple[str, ...]]], ReopenContext]:
    """Fired re-open rules, and the undecided ones with their missing facts."""
    rt: Runtime = pack.runtime
    ctx = ReopenContext(order, actor, pack.platform, at)
    fired: list[Rule] = []
    unknown: list[tuple[Rule, tuple[str, ...]]] = []
    for rule, fn in rt.reopen_rules:
        v = fn(ctx)
        if v is True:
            fired.append(rule)
        elif v is None:
            unknown.append((rule, rule.compiled.missing(ctx) if rule.compiled is not None else ()))
    return fired, unknown, ctx


# --- examples ---------------------------------------------------------------------------------------------


def merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``patch`` onto ``base`` (mappings merge; anything else replaces)."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def example_inputs(pack: PolicyPack, example: Mapping[str, Any]) -> tuple[Mapping[str, Any], datetime]:
    """An example's patch and evaluation time (``{"case": patch, "at": ...}`` or a bare patch)."""
    if "case" in example or "at" in example:
        patch = example.get("case", {})
        at_text = example.get("at", pack.examples["at"])
    else:
        patch, at_text = example, pack.examples["at"]
    at = at_text if isinstance(at_text, datetime) else datetime.fromisoformat(str(at_text))
    return patch, at


def rule_fires(pack: PolicyPack, rule: Rule, example: Mapping[str, Any]) -> bool | None:
    """Evaluate one rule on one inline example (True fires; False/None does not)."""
    patch, at = example_inputs(pack, example)
    rt: Runtime = pack.runtime
    if rule.scope is Scope.REOPEN:
        data = merge(pack.examples.get("reopen_base", {}), patch)
        order = Order.from_dict(data.get("order", {}), "order")
        actor = Actor.from_dict(data.get("actor", {}), "actor")
        ctx: Any = ReopenContext(order, actor, pack.platform, at)
        assert rule.compiled is not None
        result: bool | None = rule.compiled.fn(ctx)
        return result
    case = DisputeCase.from_dict(merge(pack.examples["base"], patch))
    ctx = DisputeContext(case, at, case.evidence, None)
    _, ns = deadlines_for(rt, ctx)
    ctx.deadline = ns
    for item in rt.deadline_items:
        if item.rule.id == rule.id:
            return _deadline_value(item, ctx) is not None  # the rule applies, whichever rule sets the name
    assert rule.compiled is not None
    value: bool | None = rule.compiled.fn(ctx)
    return value


def self_test(pack: PolicyPack) -> list[tuple[str, str]]:
    """Run every rule's inline examples; returns (rule id, what went wrong) for each failure."""
    failures: list[tuple[str, str]] = []
    for rule in pack.rules:
        for kind in ("fire", "quiet"):
            for i, example in enumerate(rule.examples[kind]):
                try:
                    result = rule_fires(pack, rule, example)
                except InvalidInput as exc:
                    failures.append((rule.id, f"examples.{kind}[{i}] is not a valid case: {exc}"))
                    continue
                except (TypeError, ValueError) as exc:
                    failures.append((rule.id, f"examples.{kind}[{i}] cannot be evaluated: {exc}"))
                    continue
                if kind == "fire" and result is not True:
                    state = "is unknown (facts missing)" if result is None else "does not fire"
                    failures.append(
                        (rule.id, f"examples.fire[{i}] {state}; the rule or the example is wrong")
                    )
                if kind == "quiet" and result is True:
                    failures.append((rule.id, f"examples.quiet[{i}] fires; the rule or the example is wrong"))
    return failures


def resolve_at(at: datetime | None, case: DisputeCase | None) -> datetime:
    """The evaluation instant: ``at``, else the case's snapshot time, else the current time."""
    if at is None:
        at = case.as_of if case is not None and case.as_of is not None else datetime.now(UTC)
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("evaluation time has no UTC offset; pass an aware datetime", field="at")
    return aware(at, "at")


def check_platform(pack: PolicyPack, platform: Platform) -> None:
    if pack.platform is not platform:
        raise InvalidInput(
            f"the case is a {platform.value} case but pack {pack.version} is for "
            f"{pack.platform.value}; load the {platform.value} pack",
            field="platform",
        )
