"""Re-opening the after-sales entry (打开售后入口): may the merchant open it, and may the buyer apply
through it now; from the order alone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from evidence.errors import InvalidInput

from .case import Actor, Order, Platform
from .engine import evaluate_reopen, resolve_at
from .loader import load_pack
from .pack import PolicyPack
from .results import BuyerApplication, Eligibility, EligibilityStatus, RecommendedAction, RuleHit

__all__ = ["buyer_application", "reopen_eligibility"]


def reopen_eligibility(
    order: Order | Mapping[str, Any],
    platform: Platform | str,
    actor: Actor | Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
    pack: PolicyPack | None = None,
) -> Eligibility:
    """May the merchant (``actor``, default the main account) re-open the after-sales entry of ``order``?

    ``at`` defaults to the current time. INELIGIBLE lists every failing condition with its source;
    UNKNOWN means facts are missing (listed) or the seeds give this platform no such rule.
    """
    try:
        plat = Platform(platform)
    except ValueError:
        raise InvalidInput(
            f"unknown platform {platform!r}; expected tmall, taobao or douyin", field="platform"
        ) from None
    the_order = order if isinstance(order, Order) else Order.from_dict(order, "order")
    the_actor = (
        Actor() if actor is None else actor if isinstance(actor, Actor) else Actor.from_dict(actor, "actor")
    )
    if pack is None:
        pack = load_pack(plat.value)
    if pack.platform is not plat:
        raise InvalidInput(f"pack {pack.version} is not a {plat.value} pack", field="platform")
    when = resolve_at(at, None)
    fired, unknown, _ = evaluate_reopen(pack, the_order, the_actor, when)
    hits: dict[str, RuleHit] = pack.runtime.hits
    denials = [r for r in fired if r.effect.reopen is not None and r.effect.reopen.deny]
    grants = [r for r in fired if r.effect.reopen is not None and r.effect.reopen.grant is not None]
    undecided = [r for r in fired if r.effect.reopen is not None and r.effect.reopen.unknown]
    missing: list[str] = []
    for _rule, facts in unknown:
        missing.extend(f for f in facts if f not in missing)
    infos = [r for r in fired if r.effect.reopen is not None and r.effect.reopen.info]
    notes = [f"{r.id}: {r.effect.reopen.unknown}" for r in undecided if r.effect.reopen is not None]
    if denials:
        status = EligibilityStatus.INELIGIBLE
    elif unknown or undecided or not grants:
        status = EligibilityStatus.UNKNOWN
        if unknown:
            notes.append("facts missing: " + ", ".join(missing))
        if not grants and not undecided and not unknown:
            notes.append(f"no rule of {pack.version} grants re-opening this order")
    else:
        status = EligibilityStatus.ELIGIBLE
    grant_rule = grants[0] if grants else None
    terms: Mapping[str, Any] = (
        (grant_rule.effect.reopen.grant or {}) if grant_rule and grant_rule.effect.reopen else {}
    )
    days = terms.get("entry_open_days")
    zone = pack.runtime.zone
    actions: list[RecommendedAction] = []
    for r in [*denials, *grants, *undecided, *infos]:
        actions.extend(RecommendedAction(a.code, a.text, r.id) for a in r.effect.actions)
    if status is not EligibilityStatus.INELIGIBLE:
        notes.extend(f"{r.id}: {r.effect.reopen.info}" for r in infos if r.effect.reopen is not None)
    return Eligibility(
        platform=plat.value,
        pack_version=pack.version,
        at=when.astimezone(zone),
        status=status,
        denials=tuple(hits[r.id] for r in denials),
        messages=tuple(
            r.effect.reopen.platform_message
            for r in denials
            if r.effect.reopen is not None and r.effect.reopen.platform_message
        ),
        grant=hits[grant_rule.id]
        if grant_rule is not None and status is EligibilityStatus.ELIGIBLE
        else None,
        entry_open_days=days if status is EligibilityStatus.ELIGIBLE else None,
        entry_closes_at=(when + timedelta(days=days)).astimezone(zone)
        if days and status is EligibilityStatus.ELIGIBLE
        else None,
        entry_open_note=str(terms.get("entry_open_note", "")),
        buyer_applications=terms.get("buyer_applications"),
        applications_note=str(terms.get("applications_note", "")),
        refund_borne_by=terms.get("refund_borne_by"),
        funding=tuple(terms.get("funding", ())),
        notes=tuple(
            notes
            + ([str(terms["note"])] if terms.get("note") and status is EligibilityStatus.ELIGIBLE else [])
        ),
        missing_facts=tuple(missing),
        actions=tuple(actions),
    )


def buyer_application(
    order: Order | Mapping[str, Any],
    platform: Platform | str,
    *,
    at: datetime | None = None,
    pack: PolicyPack | None = None,
) -> BuyerApplication:
    """The buyer's side of the after-sales entry: may the buyer apply for after-sales now?

    Uses the terms of the pack's re-open grant (seed 000: 30 days from opening, one application;
    seed 004: the entry shows 5 days, no limit past the period) against the times of the re-openings
    and of the buyer's applications on ``order``. For an order never re-opened, a pack with an
    in-period cap (seed 004 注意事项2: at most 5 applications within the after-sales period) answers
    from the period and the count; other packs answer UNKNOWN. ``at`` defaults to the current time.
    """
    try:
        plat = Platform(platform)
    except ValueError:
        raise InvalidInput(
            f"unknown platform {platform!r}; expected tmall, taobao or douyin", field="platform"
        ) from None
    the_order = order if isinstance(order, Order) else Order.from_dict(order, "order")
    if pack is None:
        pack = load_pack(plat.value)
    if pack.platform is not plat:
        raise InvalidInput(f"pack {pack.version} is not a {plat.value} pack", field="platform")
    when = resolve_at(at, None)
    zone = pack.runtime.zone
    hits: dict[str, RuleHit] = pack.runtime.hits
    grant = next(
        (r for r in pack.rules if r.effect.reopen is not None and r.effect.reopen.grant is not None), None
    )
    terms_rules = [
        r
        for r in pack.rules
        if r.group == "reopen/terms" and r.effect.reopen is not None and r.effect.reopen.info
    ]
    reasons: list[str] = []
    notes: list[str] = []
    missing: list[str] = []
    rules = [hits[r.id] for r in ([grant] if grant else []) + terms_rules]
    last: datetime | None = None
    apply_by: datetime | None = None
    allowed: int | None = None
    used: int | None = None
    left: int | None = None
    note = ""

    def result(status: EligibilityStatus) -> BuyerApplication:
        return BuyerApplication(
            platform=plat.value,
            pack_version=pack.version,
            at=when.astimezone(zone),
            status=status,
            reasons=tuple(reasons),
            rules=tuple(rules),
            reopened_at=last.astimezone(zone) if last is not None else None,
            apply_by=apply_by.astimezone(zone) if apply_by is not None else None,
            applications_allowed=allowed,
            applications_used=used,
            applications_left=left,
            applications_note=note,
            notes=tuple(notes),
            missing_facts=tuple(missing),
        )

    if the_order.entry_reopens == 0:
        cap_rule = next(
            (
                r
                for r in terms_rules
                if r.effect.reopen is not None and r.effect.reopen.applications_in_period
            ),
            None,
        )
        period_rule = next(
            (
                r
                for r in pack.rules
                if r.effect.deadline is not None
                and r.effect.deadline.name == "after_sales_end"
                and r.effect.deadline.start == "order.trade_succeeded_at"
                and r.effect.deadline.after is not None
            ),
            None,
        )
        if cap_rule is None or period_rule is None or cap_rule.effect.reopen is None:
            reasons.append(
                "the entry has not been re-opened: the buyer applies within the normal after-sales period "
                "(see the deadline after_sales_end)"
            )
            return result(EligibilityStatus.UNKNOWN)
        # Seed 004 注意事项2: within the after-sales period at most N applications.
        rules = [hits[period_rule.id], hits[cap_rule.id]]
        allowed = cap_rule.effect.reopen.applications_in_period
        if grant is not None and grant.effect.reopen is not None and grant.effect.reopen.grant:
            note = str(grant.effect.reopen.grant.get("applications_note", ""))
        period = period_rule.effect.deadline.after if period_rule.effect.deadline else None
        assert period is not None
        succeeded = the_order.trade_succeeded_at
        if succeeded is not None:
            apply_by = succeeded + period
            if when > apply_by:
                reasons.append(
                    f"{period_rule.id}: the after-sales period ended at {apply_by.astimezone(zone).isoformat()} "
                    "and the entry has not been re-opened; only the merchant can open it again"
                )
                return result(EligibilityStatus.INELIGIBLE)
        else:
            notes.append(
                f"{period_rule.id}: the after-sales period ends {period.days} days after the buyer confirms "
                "receipt (not yet confirmed)"
            )
        times = the_order.after_sales_requested_at
        used = sum(1 for t in times if t <= when) if times is not None else the_order.after_sales_requests
        assert allowed is not None
        left = max(0, allowed - used)
        if left == 0:
            reasons.append(
                f"{cap_rule.id}: the buyer has made {used} after-sales application(s) within the period; "
                f"at most {allowed} are allowed (售后期内,售后申请次数不超过{allowed}次)"
            )
            return result(EligibilityStatus.INELIGIBLE)
        reasons.append(
            f"{cap_rule.id}: within the after-sales period; {left} of {allowed} application(s) left"
            + (f", until {apply_by.astimezone(zone).isoformat()}" if apply_by is not None else "")
        )
        return result(EligibilityStatus.ELIGIBLE)
    if grant is None or grant.effect.reopen is None or grant.effect.reopen.grant is None:
        reasons.append(f"no rule of {pack.version} gives the terms of a re-opened entry")
        return result(EligibilityStatus.UNKNOWN)
    terms = grant.effect.reopen.grant
    days = int(terms["entry_open_days"])
    allowed = terms.get("buyer_applications")
    note = str(terms.get("applications_note", ""))
    if terms.get("entry_open_note"):
        notes.append(f"{grant.id}: {terms['entry_open_note']}")
    if not the_order.entry_reopened_at:
        missing.append("order.entry_reopened_at")
        reasons.append("when the entry was re-opened is unknown; give order.entry_reopened_at")
        return result(EligibilityStatus.UNKNOWN)
    last = the_order.entry_reopened_at[-1]
    apply_by = last + timedelta(days=days)
    if the_order.after_sales_requested_at is None:
        missing.append("order.after_sales_requested_at")
    else:
        used = sum(1 for t in the_order.after_sales_requested_at if t >= last)
    if when > apply_by and allowed is None and used:
        reasons.append(
            f"{grant.id}: the entry was shown {days} days from its re-opening and the buyer applied in "
            "that time; the seed closes it only when no request was made, and says nothing of later ones"
        )
        return result(EligibilityStatus.UNKNOWN)
    if when > apply_by:
        reasons.append(
            f"{grant.id}: the entry stayed open {days} days from its re-opening "
            f"({last.astimezone(zone).isoformat()}) and closed at {apply_by.astimezone(zone).isoformat()}"
        )
        return result(EligibilityStatus.INELIGIBLE)
    if allowed is not None and used is not None:
        left = max(0, allowed - used)
        if left == 0:
            reasons.append(
                f"{grant.id}: the buyer has used the {allowed} application(s) a re-opened entry allows"
            )
            return result(EligibilityStatus.INELIGIBLE)
    if allowed is not None and used is None:
        reasons.append(
            "how many applications the buyer made since the re-opening is unknown; give "
            "order.after_sales_requested_at"
        )
        return result(EligibilityStatus.UNKNOWN)
    reasons.append(
        f"{grant.id}: the entry is open until {apply_by.astimezone(zone).isoformat()}"
        + (f"; {left} application(s) left" if left is not None else "; no limit on applications")
    )
    return result(EligibilityStatus.ELIGIBLE)
