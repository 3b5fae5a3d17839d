"""Load policy packs from YAML: validate every entry, compile every expression, run every example.

A pack that loads is known to be well-formed: unique stable ids, sources that name a known seed
document, conditions that type-check against the case schema, effects of the right shape, weights
whose signs match their declared push, merchant-violation flags used only against the merchant,
and inline examples that make each rule fire and not fire. Anything else is a
:class:`~evidence.errors.PolicyError` naming the entry, raised at start-up (and in CI).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from evidence.errors import InvalidInput, NotFound, PolicyError

from .case import Platform
from .context import dispute_schema, reopen_schema
from .expr import Compiled, Kind, Schema, compile_expr
from .pack import (
    FREIGHT_PAYERS,
    Action,
    CompensationSpec,
    DeadlineSpec,
    Effect,
    FreightSpec,
    HolidayOverride,
    HolidayTable,
    ModelConfig,
    PolicyPack,
    Push,
    ReopenSpec,
    ReviewSpec,
    Rule,
    Scope,
    Source,
)
from .sources import SEEDS

__all__ = ["available_packs", "build_pack", "load_pack", "load_pack_file", "pack_path"]

PACK_DIR = "packs"
ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
VERSION_RE = re.compile(r"^(tmall|taobao|douyin)-\d{4}\.\d+\.\d+(\+[0-9a-z.]+)?$")
DURATION_RE = re.compile(r"^(\d+)([hd])$")
PARTIES = ("buyer", "merchant", "platform")
COMP_FORMS = ("cash", "points", "guarantee_fund")
FREIGHT_OUTCOMES = ("buyer_favored", "merchant_favored")


# --- small validators -----------------------------------------------------------------------------


def _mapping(value: Any, entry: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError(f"{what} must be a mapping, got {type(value).__name__}", entry=entry)
    return value


def _keys(
    data: Mapping[str, Any], entry: str, what: str, required: Sequence[str], optional: Sequence[str]
) -> None:
    missing = [k for k in required if k not in data]
    if missing:
        raise PolicyError(f"{what} is missing {', '.join(missing)}", entry=entry)
    allowed = set(required) | set(optional)
    extra = [str(k) for k in data if k not in allowed]
    if extra:
        raise PolicyError(
            f"{what} has unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(allowed))}",
            entry=entry,
        )


def _text(data: Mapping[str, Any], key: str, entry: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise PolicyError(f"`{key}` must be a non-empty string", entry=entry)
    return value.strip()


def _number(value: Any, entry: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"{what} must be a number, got {value!r}", entry=entry)
    return float(value)


def _decimal(value: Any, entry: str, what: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise PolicyError(f'{what} must be a decimal such as "0.05", got {value!r}', entry=entry) from None
    if not result.is_finite() or result < 0:
        raise PolicyError(f"{what} must be a non-negative decimal, got {value!r}", entry=entry)
    return result


def _duration(value: Any, entry: str, what: str) -> timedelta:
    match = DURATION_RE.match(str(value))
    if match is None:
        raise PolicyError(f'{what} must be a duration such as "72h" or "15d", got {value!r}', entry=entry)
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(hours=amount) if unit == "h" else timedelta(days=amount)


def _instant(value: Any, entry: str, what: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise PolicyError(f"{what} must be an ISO 8601 datetime, got {value!r}", entry=entry) from None
    if parsed.tzinfo is None:
        raise PolicyError(f"{what} {value!r} has no UTC offset", entry=entry)
    return parsed


def _source(data: Any, entry: str) -> Source:
    m = _mapping(data, entry, "source")
    _keys(m, entry, "source", ("doc", "section", "quote"), ())
    doc = _text(m, "doc", entry)
    if doc not in SEEDS:
        raise PolicyError(
            f"source.doc {doc!r} is not a known document; known: {', '.join(SEEDS)}", entry=entry
        )
    return Source(doc=doc, section=_text(m, "section", entry), quote=_text(m, "quote", entry))


# --- effects ------------------------------------------------------------------------------------------


def _effect(data: Any, entry: str, scope: Scope) -> Effect:
    m = _mapping(data, entry, "effect")
    _keys(
        m,
        entry,
        "effect",
        (),
        (
            "push",
            "weight",
            "actions",
            "deadline",
            "freight",
            "penalty_points",
            "compensation",
            "review",
            "reopen",
            "note",
        ),
    )
    try:
        push = Push(m.get("push", "none"))
    except ValueError:
        raise PolicyError(
            f"effect.push must be buyer, merchant or none, got {m.get('push')!r}", entry=entry
        ) from None
    weight = _number(m.get("weight", 0.0), entry, "effect.weight")
    if (push is Push.BUYER and weight > 0) or (push is Push.MERCHANT and weight < 0):
        raise PolicyError(f"effect.weight {weight} has the wrong sign for push {push.value}", entry=entry)
    if push is Push.NONE and weight != 0:
        raise PolicyError("effect.weight is set but push is none; say which side it pushes", entry=entry)
    if push is not Push.NONE and "weight" not in m:
        raise PolicyError(f"effect.push is {push.value} but effect.weight is missing", entry=entry)
    actions: list[Action] = []
    for i, item in enumerate(m.get("actions", []) or []):
        a = _mapping(item, entry, f"effect.actions[{i}]")
        _keys(a, entry, f"effect.actions[{i}]", ("code", "text"), ())
        code = _text(a, "code", entry)
        if not CODE_RE.match(code):
            raise PolicyError(f"action code {code!r} must be UPPER_SNAKE_CASE", entry=entry)
        actions.append(Action(code=code, text=_text(a, "text", entry)))
    points = m.get("penalty_points", 0)
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise PolicyError(
            f"effect.penalty_points must be a non-negative integer, got {points!r}", entry=entry
        )
    effect = Effect(
        push=push,
        weight=weight,
        actions=tuple(actions),
        deadline=_deadline(m["deadline"], entry) if "deadline" in m else None,
        freight=_freight(m["freight"], entry) if "freight" in m else None,
        penalty_points=points,
        compensation=_compensation(m["compensation"], entry) if "compensation" in m else None,
        review=_review(m["review"], entry) if "review" in m else None,
        reopen=_reopen(m["reopen"], entry) if "reopen" in m else None,
        note=str(m.get("note", "")),
    )
    if scope is Scope.REOPEN:
        if effect.reopen is None:
            raise PolicyError("a reopen-scope rule needs effect.reopen", entry=entry)
        if any(
            (
                effect.deadline,
                effect.freight,
                effect.compensation,
                effect.review,
                effect.penalty_points,
                effect.weight,
            )
        ):
            raise PolicyError(
                "a reopen-scope rule may only carry reopen, actions and note effects", entry=entry
            )
    elif effect.reopen is not None:
        raise PolicyError("effect.reopen needs `scope: reopen`", entry=entry)
    if effect.deadline is not None and push is not Push.NONE:
        raise PolicyError(
            "a deadline rule must not push the outcome; write a separate rule that reads "
            f"deadline.{effect.deadline.name}",
            entry=entry,
        )
    return effect


def _deadline(data: Any, entry: str) -> DeadlineSpec:
    m = _mapping(data, entry, "effect.deadline")
    _keys(m, entry, "effect.deadline", ("name", "from", "party", "consequence"), ("after", "timeout"))
    name = _text(m, "name", entry)
    if not re.match(r"^[a-z][a-z0-9_]*$", name):
        raise PolicyError(f"deadline name {name!r} must be snake_case", entry=entry)
    party = _text(m, "party", entry)
    if party not in PARTIES:
        raise PolicyError(f"deadline party must be one of {', '.join(PARTIES)}", entry=entry)
    after = _duration(m["after"], entry, "effect.deadline.after") if "after" in m else None
    timeout = _text(m, "timeout", entry) if "timeout" in m else None
    if after is None and timeout is None:
        raise PolicyError("effect.deadline needs `after`, `timeout` (a holiday key), or both", entry=entry)
    return DeadlineSpec(
        name=name,
        start=_text(m, "from", entry),
        after=after,
        after_text=str(m["after"]) if "after" in m else "",
        timeout=timeout,
        party=party,
        consequence=_text(m, "consequence", entry),
    )


def _freight(data: Any, entry: str) -> FreightSpec:
    m = _mapping(data, entry, "effect.freight")
    _keys(m, entry, "effect.freight", ("payer", "priority"), ("burden_of_proof", "note", "outcome"))
    payer = m["payer"]
    if payer not in FREIGHT_PAYERS:
        raise PolicyError(
            f"effect.freight.payer must be one of {', '.join(FREIGHT_PAYERS)}, got {payer!r}", entry=entry
        )
    priority = m["priority"]
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise PolicyError("effect.freight.priority must be an integer", entry=entry)
    burden = m.get("burden_of_proof")
    if burden is not None and burden not in PARTIES:
        raise PolicyError(f"burden_of_proof must be one of {', '.join(PARTIES)}", entry=entry)
    outcome = m.get("outcome")
    if outcome is not None and outcome not in FREIGHT_OUTCOMES:
        raise PolicyError(
            f"effect.freight.outcome must be one of {', '.join(FREIGHT_OUTCOMES)}, got {outcome!r}",
            entry=entry,
        )
    return FreightSpec(
        payer=str(payer),
        priority=priority,
        burden_of_proof=burden,
        note=str(m.get("note", "")),
        outcome=None if outcome is None else str(outcome).upper(),
    )


def _compensation(data: Any, entry: str) -> CompensationSpec:
    m = _mapping(data, entry, "effect.compensation")
    _keys(m, entry, "effect.compensation", ("form", "payer"), ("rate", "min", "max", "note", "unknown"))
    form = _text(m, "form", entry)
    if form not in COMP_FORMS:
        raise PolicyError(f"compensation form must be one of {', '.join(COMP_FORMS)}", entry=entry)
    unknown = str(m.get("unknown", ""))
    if ("rate" in m) == bool(unknown):
        raise PolicyError("effect.compensation needs exactly one of `rate` or `unknown`", entry=entry)
    rate = _decimal(m["rate"], entry, "compensation.rate") if "rate" in m else None
    low = _decimal(m["min"], entry, "compensation.min") if "min" in m else None
    high = _decimal(m["max"], entry, "compensation.max") if "max" in m else None
    if low is not None and high is not None and low > high:
        raise PolicyError("compensation.min exceeds compensation.max", entry=entry)
    return CompensationSpec(
        rate=rate,
        minimum=low,
        maximum=high,
        form=form,
        payer=_text(m, "payer", entry),
        note=str(m.get("note", "")),
        unknown=unknown,
    )


def _review(data: Any, entry: str) -> ReviewSpec:
    m = _mapping(data, entry, "effect.review")
    _keys(m, entry, "effect.review", ("reason",), ("missing",))
    missing = m.get("missing", []) or []
    if not isinstance(missing, list) or not all(isinstance(x, str) for x in missing):
        raise PolicyError("effect.review.missing must be a list of field paths", entry=entry)
    return ReviewSpec(reason=_text(m, "reason", entry), missing=tuple(missing))


GRANT_KEYS = (
    "entry_open_days",
    "entry_open_note",
    "buyer_applications",
    "applications_note",
    "refund_borne_by",
    "funding",
    "note",
)


def _reopen(data: Any, entry: str) -> ReopenSpec:
    m = _mapping(data, entry, "effect.reopen")
    _keys(
        m,
        entry,
        "effect.reopen",
        (),
        ("deny", "platform_message", "grant", "unknown", "info", "applications_in_period"),
    )
    kinds = [k for k in ("deny", "grant", "unknown", "info") if k in m]
    if len(kinds) != 1:
        raise PolicyError("effect.reopen needs exactly one of deny, grant, unknown or info", entry=entry)
    grant = None
    if "grant" in m:
        grant = _mapping(m["grant"], entry, "effect.reopen.grant")
        _keys(grant, entry, "effect.reopen.grant", ("entry_open_days",), GRANT_KEYS)
        days = grant["entry_open_days"]
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise PolicyError("entry_open_days must be a positive integer", entry=entry)
        apps = grant.get("buyer_applications")
        if apps is not None and (isinstance(apps, bool) or not isinstance(apps, int) or apps <= 0):
            raise PolicyError("buyer_applications must be a positive integer or null (no limit)", entry=entry)
        funding = grant.get("funding", [])
        if not isinstance(funding, list) or not all(isinstance(x, str) for x in funding):
            raise PolicyError("funding must be a list of strings", entry=entry)
        grant = dict(grant)
    cap = m.get("applications_in_period")
    if cap is not None and ("info" not in m or isinstance(cap, bool) or not isinstance(cap, int) or cap <= 0):
        raise PolicyError(
            "applications_in_period must be a positive integer, on an effect.reopen with info", entry=entry
        )
    return ReopenSpec(
        deny=str(m.get("deny", "")),
        platform_message=str(m.get("platform_message", "")),
        grant=grant,
        unknown=str(m.get("unknown", "")),
        info=str(m.get("info", "")),
        applications_in_period=cap,
    )


# --- rules -------------------------------------------------------------------------------------------

RULE_KEYS = ("id", "group", "description", "source", "when", "effect", "examples")


def _rule(data: Any, origin: str, index: int) -> Rule:
    m = _mapping(data, f"{origin} rules[{index}]", "a rule")
    entry = str(m.get("id", f"{origin} rules[{index}]"))
    _keys(m, entry, "rule", RULE_KEYS, ("scope", "overrides"))
    if not ID_RE.match(entry):
        raise PolicyError("rule id must be dotted lower-case words, e.g. appeal.service.abuse", entry=entry)
    try:
        scope = Scope(m.get("scope", "dispute"))
    except ValueError:
        raise PolicyError(f"scope must be dispute or reopen, got {m.get('scope')!r}", entry=entry) from None
    overrides = m.get("overrides", []) or []
    if not isinstance(overrides, list) or not all(isinstance(x, str) for x in overrides):
        raise PolicyError("overrides must be a list of rule ids", entry=entry)
    examples = _mapping(m["examples"], entry, "examples")
    _keys(examples, entry, "examples", ("fire", "quiet"), ())
    for kind in ("fire", "quiet"):
        items = examples[kind]
        if not isinstance(items, list) or not items:
            raise PolicyError(f"examples.{kind} needs at least one example", entry=entry)
        for i, item in enumerate(items):
            _mapping(item, entry, f"examples.{kind}[{i}]")
    return Rule(
        id=entry,
        group=_text(m, "group", entry),
        description=_text(m, "description", entry),
        source=_source(m["source"], entry),
        when=_text(m, "when", entry),
        effect=_effect(m["effect"], entry, scope),
        scope=scope,
        overrides=tuple(overrides),
        examples=examples,
        raw=m,
    )


def _holiday(data: Any, origin: str, index: int) -> HolidayTable:
    m = _mapping(data, f"{origin} holiday_tables[{index}]", "a holiday table")
    entry = str(m.get("id", f"{origin} holiday_tables[{index}]"))
    _keys(m, entry, "holiday table", ("id", "description", "source", "start", "end", "overrides"), ())
    if not ID_RE.match(entry):
        raise PolicyError("holiday table id must be dotted lower-case words", entry=entry)
    start, end = _instant(m["start"], entry, "start"), _instant(m["end"], entry, "end")
    if end <= start:
        raise PolicyError("end must be after start", entry=entry)
    overrides: list[HolidayOverride] = []
    items = m["overrides"]
    if not isinstance(items, list) or not items:
        raise PolicyError("overrides must be a non-empty list", entry=entry)
    for i, item in enumerate(items):
        o = _mapping(item, entry, f"overrides[{i}]")
        _keys(o, entry, f"overrides[{i}]", ("timeout", "after", "triggers"), ("when", "note", "quote"))
        triggers = o["triggers"]
        if not isinstance(triggers, list) or not triggers or not all(isinstance(t, str) for t in triggers):
            raise PolicyError(f"overrides[{i}].triggers must be a non-empty list of event paths", entry=entry)
        overrides.append(
            HolidayOverride(
                timeout=_text(o, "timeout", entry),
                after=_duration(o["after"], entry, f"overrides[{i}].after"),
                triggers=tuple(triggers),
                when=str(o.get("when", "")),
                note=str(o.get("note", "")),
                quote=str(o.get("quote", "")),
                after_text=str(o["after"]),
            )
        )
    return HolidayTable(
        id=entry,
        description=_text(m, "description", entry),
        source=_source(m["source"], entry),
        start=start,
        end=end,
        overrides=tuple(overrides),
        raw=m,
    )


# --- assembling a pack --------------------------------------------------------------------------------


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read {path}: {exc.strerror}", entry=str(path)) from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path} is not valid YAML: {exc}", entry=str(path)) from None
    return _mapping(data, str(path), "a pack file")


TOP_KEYS = ("pack", "version", "timezone", "model", "examples", "rules")
TOP_OPTIONAL = ("include", "holiday_tables", "description")
INCLUDE_KEYS = ("include_id", "description", "rules", "holiday_tables")


def _flatten(path: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """Merge included files (relative paths, one level of nesting, no cycles) into one mapping."""
    merged: dict[str, Any] = {k: v for k, v in data.items() if k != "include"}
    rules: list[Any] = []
    tables: list[Any] = []
    includes = data.get("include", []) or []
    if not isinstance(includes, list):
        raise PolicyError("include must be a list of file names", entry=str(path))
    for name in includes:
        inc_path = path.parent / str(name)
        inc = _read_yaml(inc_path)
        _keys(inc, str(inc_path), "an included file", ("include_id", "rules"), INCLUDE_KEYS)
        rules.extend(inc.get("rules", []) or [])
        tables.extend(inc.get("holiday_tables", []) or [])
    rules.extend(data.get("rules", []) or [])
    tables.extend(data.get("holiday_tables", []) or [])
    merged["rules"] = rules
    merged["holiday_tables"] = tables
    return merged


def _compile_paths(paths: Sequence[str], schema: Schema, entry: str, what: str) -> None:
    for p in paths:
        compile_expr(p, schema, entry=entry, expect=None)
        if not re.match(r"^[a-z_]+(\.[a-z_]+)*$", p):
            raise PolicyError(f"{what} {p!r} must be a plain field path", entry=entry)


def build_pack(data: Mapping[str, Any], *, origin: str) -> PolicyPack:
    """Validate, compile and self-test a flattened pack mapping."""
    _keys(data, origin, "a pack", TOP_KEYS, ("holiday_tables", "description"))
    try:
        platform = Platform(data["pack"])
    except ValueError:
        raise PolicyError(
            f"pack must be one of {', '.join(p.value for p in Platform)}", entry=origin
        ) from None
    version = str(data["version"])
    if not VERSION_RE.match(version) or not version.startswith(f"{platform.value}-"):
        raise PolicyError(f"version {version!r} must look like {platform.value}-2026.12.0", entry=origin)
    try:
        zone = ZoneInfo(str(data["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"unknown time zone {data['timezone']!r}", entry=origin) from None
    model = _model(data["model"], version)
    rules = [_rule(r, origin, i) for i, r in enumerate(data["rules"] or [])]
    tables = [_holiday(t, origin, i) for i, t in enumerate(data.get("holiday_tables") or [])]
    seen: set[str] = set()
    for item_id in [r.id for r in rules] + [t.id for t in tables]:
        if item_id in seen:
            raise PolicyError("duplicate id: ids must be unique within a pack (includes too)", entry=item_id)
        seen.add(item_id)
    ids = {r.id for r in rules}
    for r in rules:
        for o in r.overrides:
            if o not in ids or o == r.id:
                raise PolicyError(
                    f"overrides names {o!r}, which is not another rule of this pack", entry=r.id
                )

    deadline_rules = [r for r in rules if r.effect.deadline is not None]
    # several rules may set one deadline name (e.g. ship_by per sale type): the first that applies wins
    names = list(
        dict.fromkeys(r.effect.deadline.name for r in deadline_rules if r.effect.deadline is not None)
    )
    pre = dispute_schema(zone, None)
    full = dispute_schema(zone, names)
    reopen = reopen_schema(zone)
    compiled_rules: list[Rule] = []
    for r in rules:
        schema = reopen if r.scope is Scope.REOPEN else pre if r.effect.deadline is not None else full
        compiled = compile_expr(r.when, schema, entry=r.id)
        _check_monotone(r, compiled)
        effect = r.effect
        if effect.deadline is not None:
            start = compile_expr(effect.deadline.start, pre, entry=r.id, expect=Kind.DATETIME)
            if start.violations_pos or start.violations_neg:
                raise PolicyError("a deadline must not depend on merchant-violation flags", entry=r.id)
            effect = _with_deadline_start(effect, start)
        if effect.review is not None:
            _compile_paths(effect.review.missing, full, r.id, "review.missing")
        compiled_rules.append(_replace_rule(r, effect, compiled))
    timeouts = {r.effect.deadline.timeout for r in deadline_rules if r.effect.deadline is not None}
    compiled_tables = [_compile_table(t, pre, timeouts) for t in tables]
    examples = _mapping(data["examples"], origin, "examples")
    _keys(examples, origin, "examples", ("base", "at"), ("reopen_base",))
    pack = PolicyPack(
        platform=platform,
        version=version,
        timezone=str(data["timezone"]),
        model=model,
        rules=tuple(compiled_rules),
        holiday_tables=tuple(compiled_tables),
        examples=examples,
        description=str(data.get("description", "")),
        origin=origin,
    )
    from .engine import Runtime, self_test

    pack = _with_runtime(pack, Runtime(pack, zone, names))
    failures = self_test(pack)
    if failures:
        rule_id, message = failures[0]
        more = f" (and {len(failures) - 1} more failing example(s))" if len(failures) > 1 else ""
        raise PolicyError(f"{message}{more}", entry=rule_id)
    return pack


def _with_runtime(pack: PolicyPack, runtime: Any) -> PolicyPack:
    object.__setattr__(pack, "runtime", runtime)
    return pack


def _replace_rule(rule: Rule, effect: Effect, compiled: Compiled) -> Rule:
    return replace(rule, effect=effect, compiled=compiled)


def _with_deadline_start(effect: Effect, start: Compiled) -> Effect:
    assert effect.deadline is not None
    return replace(effect, deadline=replace(effect.deadline, start_compiled=start))


def _compile_table(table: HolidayTable, schema: Schema, timeouts: set[str | None]) -> HolidayTable:
    overrides: list[HolidayOverride] = []
    for o in table.overrides:
        if o.timeout not in timeouts:
            known = ", ".join(sorted(t for t in timeouts if t))
            raise PolicyError(
                f"override timeout {o.timeout!r} matches no deadline's timeout; known: {known}",
                entry=table.id,
            )
        triggers = tuple(compile_expr(t, schema, entry=table.id, expect=Kind.DATETIME) for t in o.triggers)
        when = compile_expr(o.when, schema, entry=table.id) if o.when else None
        overrides.append(replace(o, trigger_compiled=triggers, when_compiled=when))
    return replace(table, overrides=tuple(overrides))


def _check_monotone(rule: Rule, compiled: Compiled) -> None:
    """Establishing a merchant violation must never help the merchant."""
    push = rule.effect.push
    if push is Push.BUYER and compiled.violations_neg:
        bad = ", ".join(sorted(compiled.violations_neg))
        raise PolicyError(
            f"pushes for the buyer but fires only when {bad} is NOT established; "
            "a violation must never raise the merchant's chances",
            entry=rule.id,
        )
    if push is Push.MERCHANT and compiled.violations_pos:
        bad = ", ".join(sorted(compiled.violations_pos))
        raise PolicyError(
            f"pushes for the merchant when {bad} is established; "
            "a violation must never raise the merchant's chances",
            entry=rule.id,
        )


def _model(data: Any, entry: str) -> ModelConfig:
    m = _mapping(data, entry, "model")
    _keys(m, entry, "model", ("bias", "buyer_at_most", "merchant_at_least", "review_holds_within"), ())
    low, high = (
        _number(m["buyer_at_most"], entry, "model.buyer_at_most"),
        _number(m["merchant_at_least"], entry, "model.merchant_at_least"),
    )
    band = m["review_holds_within"]
    if not isinstance(band, list) or len(band) != 2:
        raise PolicyError("model.review_holds_within must be [low, high]", entry=entry)
    r_low, r_high = (_number(x, entry, "model.review_holds_within") for x in band)
    if not 0 < r_low <= low < high <= r_high < 1:
        raise PolicyError(
            "need 0 < review low <= buyer_at_most < merchant_at_least <= review high < 1", entry=entry
        )
    return ModelConfig(
        bias=_number(m["bias"], entry, "model.bias"),
        buyer_at_most=low,
        merchant_at_least=high,
        review_holds_within=(r_low, r_high),
    )


# --- entry points --------------------------------------------------------------------------------------


def load_pack_file(path: str | Path) -> PolicyPack:
    """Load a pack from a YAML file (a shipped pack or one written by ``PolicyPack.dump``)."""
    p = Path(path)
    data = _flatten(p, _read_yaml(p))
    return build_pack(data, origin=str(p))


def _pack_files() -> list[Path]:
    root = resources.files("disputes") / PACK_DIR
    return sorted(Path(str(root)).glob("*.yaml"))


def available_packs() -> dict[str, list[str]]:
    """Shipped packs by platform: ``{"tmall": ["tmall-2026.12.0"], ...}`` (headers only, not compiled)."""
    found: dict[str, list[str]] = {}
    for f in _pack_files():
        data = _read_yaml(f)
        if "pack" in data and "version" in data:
            found.setdefault(str(data["pack"]), []).append(str(data["version"]))
    return found


@lru_cache(maxsize=16)
def load_pack(platform: str, version: str | None = None) -> PolicyPack:
    """The shipped pack for ``platform`` (the newest, or exactly ``version``); compiled once, cached."""
    return load_pack_file(pack_path(platform, version))


def pack_path(platform: str, version: str | None = None) -> Path:
    """The file of the shipped pack for ``platform`` (the newest, or exactly ``version``)."""
    try:
        plat = Platform(platform)
    except ValueError:
        raise InvalidInput(
            f"unknown platform {platform!r}; expected tmall, taobao or douyin", field="platform"
        ) from None
    candidates: list[tuple[str, Path]] = []
    for f in _pack_files():
        data = _read_yaml(f)
        if data.get("pack") == plat.value and "version" in data:
            candidates.append((str(data["version"]), f))
    if version is not None:
        candidates = [c for c in candidates if c[0] == version]
        if not candidates:
            have = ", ".join(available_packs().get(plat.value, [])) or "none"
            raise NotFound(f"no {plat.value} policy pack with version {version!r}; shipped: {have}")
    if not candidates:
        raise PolicyError(f"no policy pack ships for {plat.value}", entry=plat.value)
    candidates.sort(key=lambda c: _version_key(c[0]))
    return candidates[-1][1]


def _version_key(version: str) -> tuple[int, ...]:
    numbers = version.split("-", 1)[1].split("+", maxsplit=1)[0]
    return tuple(int(x) for x in numbers.split("."))
