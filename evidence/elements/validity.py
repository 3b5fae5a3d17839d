"""有效性: decodable, clear enough to see, unedited, and showing the problem the merchant claims."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from ..barcodes import is_product_code, normalize_tracking_number
from ..config import AnalysisConfig
from ..model import Element, ElementResult, Finding, Severity
from ..signals import Sample, is_blurred, is_dark, is_defocused, is_washed_out
from .base import CLAUSES, SOURCES, SWAP_CLAIMS, Evidence, conclude, text_params

__all__ = ["judge_validity", "software_traces"]

E = Element.VALIDITY
MAX_DECODE_ERRORS = 3
# claims a steady close-up must prove; others (e.g. a missing item) are proved by the contents
CLOSEUP_CLAIMS = {
    "damaged",
    "quality",
    "defect",
    "swapped",
    "not_as_described",
    "used",
    "wrong_item",
    "stained",
    "broken",
}


def software_traces(tags: Sequence[str], signatures: Sequence[str]) -> list[tuple[str, str]]:
    """(signature, tag value) for each editing program named in ``tags``."""
    hits: list[tuple[str, str]] = []
    for value in tags:
        for sig in signatures:
            if sig.isascii():
                pattern = rf"(?<![A-Za-z]){re.escape(sig)}(?![A-Za-z])"
                found = re.search(pattern, value, flags=re.IGNORECASE) is not None
            else:
                found = sig in value
            if found:
                hits.append((sig, value))
                break
    return hits


def _spans(samples: Sequence[Sample], flags: Sequence[bool]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    start: float | None = None
    prev = 0.0
    for s, bad in zip(samples, flags, strict=False):
        if bad and start is None:
            start = s.t
        if not bad and start is not None:
            out.append((start, prev))
            start = None
        prev = s.t
    if start is not None:
        out.append((start, prev))
    return out


def _weights(samples: Sequence[Sample], duration: float) -> list[float]:
    ts = [s.t for s in samples]
    out = []
    for i, t in enumerate(ts):
        left = (t - ts[i - 1]) / 2 if i else t
        right = (ts[i + 1] - t) / 2 if i + 1 < len(ts) else max(0.0, duration - t)
        out.append(min(0.6, left) + min(0.6, right))
    return out


def judge_validity(ev: Evidence) -> ElementResult:
    cfg = ev.cfg
    findings: list[Finding] = []
    score = 1.0
    if ev.video is None:
        missing = Finding(
            "VALIDITY_NO_VIDEO",
            E,
            Severity.FAILURE,
            "no unboxing video was submitted, so nothing proves the problem as found at the first opening",
            source=SOURCES["prove"],
        )
        return conclude(E, [missing], 0.0)
    dec = ev.decode
    if dec is not None:
        if dec.coverage < 0.97:
            findings.append(
                Finding(
                    "VALIDITY_TRUNCATED",
                    E,
                    Severity.FAILURE,
                    f"only the first {dec.decodable_until:.1f} s of the {dec.declared_duration:.1f} s the file declares "
                    "can be decoded: the file is truncated (an interrupted copy or upload); submit the original",
                    t_start=round(dec.decodable_until, 2),
                    t_end=round(dec.declared_duration, 2),
                    rule="decodable duration ≥ 97% of the declared duration",
                    source=SOURCES["prove"],
                    value=round(dec.coverage, 3),
                    params=text_params(
                        decodable_s=round(dec.decodable_until, 2), declared_s=round(dec.declared_duration, 2)
                    ),
                )
            )
            score *= dec.coverage
        if dec.error_count > MAX_DECODE_ERRORS:
            sample = "; ".join(dec.errors[:2])
            findings.append(
                Finding(
                    "VALIDITY_DECODE_ERRORS",
                    E,
                    Severity.FAILURE,
                    f"the decoder reported {dec.error_count} errors (e.g. {sample}); parts of the picture are damaged",
                    rule=f"at most {MAX_DECODE_ERRORS} decoder error lines",
                    source=SOURCES["prove"],
                    value=float(dec.error_count),
                    params=text_params(errors=dec.error_count, sample=sample, max_errors=MAX_DECODE_ERRORS),
                )
            )
            score *= 0.3
        for start, end, errors in dec.dropped_windows:
            findings.append(
                Finding(
                    "VALIDITY_WINDOW_NOT_DECODED",
                    E,
                    Severity.WARNING,
                    f"re-reading {start:.1f}–{end:.1f} s from mid-stream gave {errors} decoder errors; those frames were "
                    "not used; the first pass's samples stand for this stretch",
                    t_start=start,
                    t_end=end,
                    value=float(errors),
                    params=text_params(errors=errors),
                )
            )
        if dec.error_count and dec.error_count <= MAX_DECODE_ERRORS:
            findings.append(
                Finding(
                    "VALIDITY_DECODE_WARNINGS",
                    E,
                    Severity.WARNING,
                    f"the decoder reported {dec.error_count} minor error(s)",
                    value=float(dec.error_count),
                    params=text_params(errors=dec.error_count),
                )
            )

    # picture quality over time
    samples = list(ev.samples)
    inconclusive = False
    if samples:
        quality, quality_score, inconclusive = _picture_quality(ev, samples)
        findings += quality
        score *= quality_score

    # editing software
    if ev.video is not None:
        tags = list(ev.video.software) + [
            str(v)
            for k, v in ev.video.format_tags.items()
            if k.lower() in {"comment", "description", "title"}
        ]
        editors = software_traces(tags, cfg.editor_signatures)
        if editors:
            names = ", ".join(f"{sig} ({val!r})" for sig, val in editors)
            findings.append(
                Finding(
                    "VALIDITY_EDITED",
                    E,
                    Severity.FAILURE,
                    f"the file was written by editing software: {names}; platforms accept only the original recording",
                    rule="no encoder/software/handler tag naming a video editor",
                    source=SOURCES["first_opening"],
                    params=text_params(editors=names),
                )
            )
            score *= 0.2
        else:
            transcoders = software_traces(tags, cfg.transcoder_signatures)
            if transcoders:
                names = ", ".join(val for _, val in transcoders)
                findings.append(
                    Finding(
                        "VALIDITY_REMUXED",
                        E,
                        Severity.WARNING,
                        f"the file was re-written by {names} (remuxed or re-encoded); not proof of editing, "
                        "but the original recording is stronger evidence",
                        rule="transcoder tags are a warning only",
                        params=text_params(tools=names),
                    )
                )
                score *= 0.9

    # the claimed problem, proven on camera
    problem, problem_score, undecided = _claimed_problem(ev)
    findings += problem
    score *= problem_score
    return conclude(E, findings, score, inconclusive=undecided or inconclusive)


def _shares(
    samples: Sequence[Sample], w: Sequence[float], named: Sequence[tuple[str, Sequence[bool]]]
) -> list[tuple[str, float, tuple[float, float]]]:
    """(name, share of the time, longest span) of each flag that covers ≥ 10 % of the time."""
    total = sum(w) or 1.0
    parts = []
    for name, flags in named:
        share = sum(wi for wi, f in zip(w, flags, strict=False) if f) / total
        if share >= 0.1:
            spans = _spans(samples, flags)
            longest = max(spans, key=lambda sp: sp[1] - sp[0])
            parts.append((name, share, longest))
    return parts


def _blurred(samples: Sequence[Sample], cfg: AnalysisConfig) -> list[bool]:
    """Which samples are too blurred to see.

    Blur is judged only when the video's focus is measured out of reach: its sharpest tenth of
    moments has step edges wider than ``edge_spread_fail`` (the whole video is defocused). Then a
    sample is blurred when its edges are that wide or its subject blur is past the FAIL limit. A
    video that is in focus at its sharpest moments is not failed for blur: frames showing only a
    soft background (a thin envelope turned edge-on over a blurred desk, tuning seed 29) are left
    to the soft check and a person. Without edge measurements the subject blur decides alone.
    """
    spreads = [s.edge_spread for s in samples if not math.isnan(s.edge_spread)]
    if len(spreads) < cfg.edge_spread_min_samples:
        return [is_defocused(s, cfg) for s in samples]
    if float(np.percentile(spreads, 10)) <= cfg.edge_spread_fail:
        return [False] * len(samples)
    return [
        is_defocused(s, cfg) or (not math.isnan(s.edge_spread) and s.edge_spread > cfg.edge_spread_fail)
        for s in samples
    ]


def _picture_quality(ev: Evidence, samples: Sequence[Sample]) -> tuple[list[Finding], float, bool]:
    """FAIL only on a picture measured too blurred, dark, washed out or shaky to see; a merely
    soft picture is left to a person."""
    cfg = ev.cfg
    w = _weights(samples, ev.duration)
    total = sum(w) or 1.0
    blurred = _blurred(samples, cfg)
    soft = [is_blurred(s, cfg) and not b for s, b in zip(samples, blurred, strict=False)]
    dark = [is_dark(s, cfg) for s in samples]
    bright = [is_washed_out(s, cfg) for s in samples]
    shaky = [
        s.pair is not None and not math.isnan(s.pair.motion) and s.pair.motion > cfg.shake_max_px_per_s
        for s in samples
    ]
    unclear = [any(fl) for fl in zip(blurred, dark, bright, shaky, strict=False)]
    seeable = sum(wi for wi, u in zip(w, unclear, strict=False) if not u) / total
    sharp = sum(wi for wi, u, sf in zip(w, unclear, soft, strict=False) if not (u or sf)) / total
    rule_params = text_params(
        min_good=cfg.min_good_fraction,
        blur_fail=cfg.subject_blur_fail,
        edge_fail=cfg.edge_spread_fail,
        dark_mean=cfg.dark_mean_max,
        dark_high=cfg.dark_highlight_max,
        bright_mean=cfg.bright_mean_min,
        clipped=cfg.clipped_fraction_max,
        shadow_min=cfg.washed_shadow_min,
    )
    rule = (
        f"≥ {cfg.min_good_fraction:.0%} of the time not blurred (subject blur ≤ "
        f"{cfg.subject_blur_fail:g} and the clearest edges ≤ {cfg.edge_spread_fail:g} px wide), "
        f"not dark (mean luma < {cfg.dark_mean_max:g} with 95th percentile < "
        f"{cfg.dark_highlight_max:g}), not washed out (mean luma > {cfg.bright_mean_min:g} or > "
        f"{cfg.clipped_fraction_max:.0%} blown highlights, with 5th percentile > "
        f"{cfg.washed_shadow_min:g}), not shaking"
    )
    if seeable < cfg.min_good_fraction:
        parts = _shares(
            samples, w, (("blurred", blurred), ("too dark", dark), ("washed out", bright), ("shaking", shaky))
        )
        detail = "; ".join(f"{n} {sh:.0%} of the time (longest {a:.1f}–{b:.1f} s)" for n, sh, (a, b) in parts)
        worst = max(parts, key=lambda p: p[1])[2] if parts else (0.0, ev.duration)
        finding = Finding(
            "VALIDITY_UNCLEAR",
            E,
            Severity.FAILURE,
            f"only {seeable:.0%} of the video is clear enough to see: {detail or 'poor picture'}",
            t_start=round(worst[0], 2),
            t_end=round(worst[1], 2),
            rule=rule,
            source=SOURCES["prove"],
            value=round(seeable, 3),
            params={
                **rule_params,
                **text_params(
                    problems=CLAUSES.join(
                        f"{n} {sh:.0%} of the time (longest {a:.1f}–{b:.1f} s)" for n, sh, (a, b) in parts
                    )
                    or "poor picture"
                ),
            },
        )
        return [finding], min(1.0, seeable / max(cfg.min_good_fraction, 1e-6)), False
    if sharp < cfg.min_good_fraction:
        parts = _shares(samples, w, (("soft", soft),))
        a, b = parts[0][2] if parts else (0.0, ev.duration)
        finding = Finding(
            "VALIDITY_SOFT",
            E,
            Severity.WARNING,
            f"the picture is soft (not sharp, not blurred beyond seeing) for "
            f"{1.0 - sharp:.0%} of the time (longest {a:.1f}–{b:.1f} s); a person should check "
            "that the label and the problem can be made out",
            t_start=round(a, 2),
            t_end=round(b, 2),
            rule=f"subject blur ≤ {cfg.subject_blur_max:g} for ≥ {cfg.min_good_fraction:.0%} of the time",
            value=round(sharp, 3),
            params=text_params(
                soft=round(1.0 - sharp, 3), blur_max=cfg.subject_blur_max, min_good=cfg.min_good_fraction
            ),
        )
        return [finding], 0.7, True
    finding = Finding(
        "VALIDITY_CLEAR",
        E,
        Severity.INFO,
        f"{sharp:.0%} of the video is sharp, well exposed and steady",
        rule=f"≥ {cfg.min_good_fraction:.0%} of the time",
        value=round(sharp, 3),
        params=text_params(min_good=cfg.min_good_fraction),
    )
    return [finding], 1.0, False


def _clamp(t: float | None, duration: float) -> float | None:
    """A time inside the video (a case may name a time past the end of a short video)."""
    if t is None:
        return None
    return round(min(max(0.0, t), max(0.0, duration)), 2)


def _swap_shown(ev: Evidence) -> Finding | None:
    """For a swapped-item claim: a product code on camera that is not the order's is the wrong
    item shown (its label read), whatever the framing."""
    expected = {normalize_tracking_number(c) for c in ev.case.expected_item_codes}
    if not expected:
        return None
    wrong = [
        r
        for r in ev.reads
        if is_product_code(r) and r.t is not None and normalize_tracking_number(r.text) not in expected
    ]
    if not wrong:
        return None
    first = min(wrong, key=lambda r: r.t if r.t is not None else 0.0)
    return Finding(
        "VALIDITY_PROBLEM_SHOWN",
        E,
        Severity.INFO,
        f"the item on camera carries product code {first.text}, not the ordered item's "
        f"{', '.join(sorted(expected))}: the swapped item is shown with its label read at {first.t:.1f} s",
        t_start=first.t,
        t_end=first.t,
        rule="a swapped-item claim is shown by the wrong item's own code, face or serial number",
        source=SOURCES["prove"],
        params=text_params(variant="swap", code=first.text, expected=", ".join(sorted(expected))),
    )


def _claimed_problem(ev: Evidence) -> tuple[list[Finding], float, bool]:
    """Findings on the claimed problem, a score factor, and whether the question stays open.

    What the analysis cannot see is left to a person with where to look (INCONCLUSIVE), never a
    FAIL: a missing close-up is the absence of a measurement, not proof the problem is not shown.
    """
    cfg = ev.cfg
    claim = (ev.case.claimed_problem or "").lower()
    story = ev.story
    if not claim:
        return [], 1.0, False
    parcel = story is not None and story.parcel_seen
    if claim in CLOSEUP_CLAIMS:
        if claim in SWAP_CLAIMS:
            swap = _swap_shown(ev)
            if swap is not None:
                return [swap], 1.0, False
        closeups = list(story.closeups) if story is not None and parcel else []
        at = _clamp(ev.case.claimed_problem_time_s, ev.duration)
        if at is not None:
            near = [
                c
                for c in closeups
                if c.start - cfg.claimed_time_tolerance_s <= at <= c.end + cfg.claimed_time_tolerance_s
            ]
        else:
            near = closeups
        if near:
            c = max(near, key=lambda sp: (round(sp.size, 1), sp.length))
            return (
                [
                    Finding(
                        "VALIDITY_PROBLEM_SHOWN",
                        E,
                        Severity.INFO,
                        f"the claimed problem ({claim}) is shown large, sharp and steady from "
                        f"{c.start:.1f} s to {c.end:.1f} s",
                        t_start=c.start,
                        t_end=c.end,
                        rule=f"a steady, sharp view of the opened goods ≥ {cfg.closeup_min_s:g} s",
                        source=SOURCES["prove"],
                        params=text_params(claim=claim, min_s=cfg.closeup_min_s),
                    )
                ],
                1.0,
                False,
            )
        look_from, look_to = _where_to_look(ev, at)
        where = f" near {at:.1f} s" if at is not None else ""
        return (
            [
                Finding(
                    "VALIDITY_PROBLEM_NOT_SHOWN",
                    E,
                    Severity.WARNING,
                    f"the analysis found no steady, sharp view of the claimed problem ({claim}){where}; "
                    f"a person should check {look_from:.1f}–{look_to:.1f} s for it",
                    t_start=look_from,
                    t_end=look_to,
                    rule=f"a steady, sharp view of the opened goods ≥ {cfg.closeup_min_s:g} s"
                    + (
                        f" within {cfg.claimed_time_tolerance_s:g} s of the time the case names"
                        if at is not None
                        else ""
                    ),
                    source=SOURCES["prove"],
                    params=text_params(
                        variant="near" if at is not None else None,
                        claim=claim,
                        at_s=at,
                        min_s=cfg.closeup_min_s,
                        tolerance_s=cfg.claimed_time_tolerance_s,
                    ),
                )
            ],
            0.6,
            True,
        )
    shown = story is not None and parcel and story.contents is not None
    if shown:
        return (
            [
                Finding(
                    "VALIDITY_PROBLEM_CONTEXT",
                    E,
                    Severity.INFO,
                    f"the claim ({claim}) rests on the contents being shown, and they are",
                    source=SOURCES["prove"],
                    params=text_params(claim=claim),
                )
            ],
            1.0,
            False,
        )
    look_from, look_to = _where_to_look(ev, None)
    return (
        [
            Finding(
                "VALIDITY_PROBLEM_CONTEXT",
                E,
                Severity.WARNING,
                f"the claim ({claim}) rests on the contents being shown; the analysis could not confirm "
                f"that they are: a person should check {look_from:.1f}–{look_to:.1f} s",
                t_start=look_from,
                t_end=look_to,
                source=SOURCES["prove"],
                params=text_params(variant="unconfirmed", claim=claim),
            )
        ],
        0.6,
        True,
    )


def _where_to_look(ev: Evidence, at: float | None) -> tuple[float, float]:
    """Where a person should look for the problem: around the time the case names, else from
    the opening (or the start) to the end."""
    end = max(0.0, ev.duration)
    if at is not None:
        tol = ev.cfg.claimed_time_tolerance_s
        return round(max(0.0, at - tol), 2), round(min(end, at + tol), 2)
    story = ev.story
    start = story.opening_at if story is not None and story.opening_at is not None else 0.0
    return round(min(start, end), 2), round(end, 2)
