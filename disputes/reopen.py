"""Re-opening the after-sales entry (打开售后入口): eligibility and what follows, from the order alone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from evidence.errors import InvalidInput

from .case import Actor, Order, Platform
from .engine import evaluate_reopen, resolve_at
from .loader import load_pack
from .pack import PolicyPack
from .results import Eligibility, EligibilityStatus, RecommendedAction, RuleHit

__all__ = ["reopen_eligibility"]


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
