"""Refitting a policy pack's weights from archived outcomes, with a reliability diagram.

For each platform with enough records whose platform decision is known, the pack's log-odds
weights are refitted (``disputes.fit_weights``), the new pack version is written as YAML next to a
reliability plot (predicted probability against observed rate, before and after), and the Brier
score before and after is reported.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import disputes
from disputes import CalibrationReport, DisputeCase, Outcome
from evidence.errors import InvalidInput, ProofboxError
from proofbox.i18n import translate

from .archive import read_archive

__all__ = ["PlatformCalibration", "calibrate"]

MIN_CASES = 20


@dataclass(frozen=True)
class PlatformCalibration:
    platform: str
    cases: int
    before: CalibrationReport
    after: CalibrationReport
    pack_path: Path
    new_version: str


def _labelled(archive: Path, lang: str) -> tuple[dict[str, list[tuple[DisputeCase, Outcome]]], list[str]]:
    groups: dict[str, list[tuple[DisputeCase, Outcome]]] = defaultdict(list)
    problems: list[str] = []
    for raw in read_archive(archive):
        try:
            data = json.loads(raw.text)
            actual = data.get("actual_outcome")
            if actual not in ("BUYER_FAVORED", "MERCHANT_FAVORED"):
                continue
            case = disputes.from_dict(data["case"])
        except (ProofboxError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            problems.append(translate("line {line}", {"line": raw.line}, lang) + f": {exc}")
            continue
        groups[case.platform.value].append((case, Outcome(actual)))
    return groups, problems


def calibrate(
    archive: Path,
    out_dir: Path,
    *,
    min_cases: int = MIN_CASES,
    bins: int = 10,
    lang: str = "en",
    font: str | None = None,
) -> tuple[list[PlatformCalibration], list[str], Path | None]:
    """Refit every platform with at least ``min_cases`` known outcomes; returns results, skipped
    records (with reasons) and the reliability plot's path.

    ``lang`` is the language of the plot's labels and the reasons (``en``, ``zh-CN``); ``font`` a
    font file with the glyphs they need (Chinese needs a CJK font: ``proofbox.cli.fonts``)."""
    groups, problems = _labelled(archive, lang)
    if not groups:
        raise InvalidInput(
            "no record with a known actual_outcome (BUYER_FAVORED or MERCHANT_FAVORED)", field="archive"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    results: list[PlatformCalibration] = []
    for platform, labelled in sorted(groups.items()):
        if len(labelled) < min_cases:
            problems.append(
                translate(
                    "{platform}: only {n} known outcomes (need {min_cases}); not refitted",
                    {"platform": platform, "n": len(labelled), "min_cases": min_cases},
                    lang,
                )
            )
            continue
        pack = disputes.load_pack(platform)
        before = disputes.calibration_report(labelled, pack, bins=bins)
        version = f"{pack.version.split('+', 1)[0]}+cal{stamp}"  # a local version of the same pack
        fitted = disputes.fit_weights(labelled, pack, version=version)
        after = disputes.calibration_report(labelled, fitted, bins=bins)
        path = fitted.dump(out_dir / f"{platform}.yaml")
        results.append(PlatformCalibration(platform, len(labelled), before, after, Path(path), version))
    plot = _plot(results, out_dir / "reliability.png", lang, font) if results else None
    return results, problems, plot


def _plot(results: list[PlatformCalibration], path: Path, lang: str = "en", font: str | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    def _(msgid: str, **params: object) -> str:
        return translate(msgid, params, lang)

    families = ["DejaVu Sans"]  # matplotlib's default: Latin only
    if font is not None:  # the CJK font first; DejaVu for what it lacks
        font_manager.fontManager.addfont(font)
        families.insert(0, font_manager.FontProperties(fname=font).get_name())
    with plt.rc_context({"font.family": families}):
        return _draw(plt, results, path, _)


def _draw(plt: Any, results: list[PlatformCalibration], path: Path, _: Any) -> Path:

    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 4.6), squeeze=False)
    for ax, r in zip(axes[0], results, strict=True):
        ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label=_("perfect calibration"))
        for report, colour, name in ((r.before, "#d95f02", _("before")), (r.after, "#1b9e77", _("after"))):
            xs = [
                b.mean_predicted
                for b in report.table
                if b.mean_predicted is not None and b.observed_rate is not None
            ]
            ys = [
                b.observed_rate
                for b in report.table
                if b.mean_predicted is not None and b.observed_rate is not None
            ]
            ax.plot(
                xs,
                ys,
                marker="o",
                color=colour,
                label=_("{name} (Brier {brier:.3f})", name=name, brier=report.brier),
            )
        ax.set_title(_("{platform}: {cases} archived outcomes", platform=_(r.platform), cases=r.cases))
        ax.set_xlabel(_("predicted probability the merchant prevails"))
        ax.set_ylabel(_("observed rate"))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
