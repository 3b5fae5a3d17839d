"""``proofbox rescore`` and ``proofbox calibrate``: the batch commands (local, no server needed).

They run the ``batch`` package in this process (a process pool, or Ray with ``--ray``); the
server's ``ScoreCases`` stream runs the same scoring for clients that prefer not to export files.
Exit codes: 0 every record scored, 3 the run finished but some records failed (listed in the
summary and in the results file), 130 interrupted (run the same command again to resume), 2 a
local problem (a missing archive, a bad option).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from proofbox.i18n import current, translate

from .client import T_, CliError, needs_extra

__all__ = ["add_batch_commands", "cmd_calibrate", "cmd_rescore"]

EXIT_SOME_FAILED = 3
EXIT_INTERRUPTED = 130


def _pack_option(values: list[str]) -> dict[str, Path]:
    packs: dict[str, Path] = {}
    for value in values:
        platform, sep, file = value.partition("=")
        if not sep or not platform or not file:
            raise CliError(
                translate(
                    "--pack expects PLATFORM=FILE (e.g. tmall=calibrated/tmall.yaml), got {value}",
                    {"value": repr(value)},
                )
            )
        path = Path(file)
        if not path.is_file():
            raise CliError(
                translate(
                    "--pack {platform}: no such file: {path}", {"platform": platform, "path": str(path)}
                )
            )
        packs[platform.strip().lower()] = path
    return packs


def add_batch_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    rescore = commands.add_parser(
        "rescore",
        parents=[common],
        help=T_("re-score an archive of disputes into a results file (resumable)"),
        description=T_(
            "Re-score every record of ARCHIVE (JSON Lines or Parquet) into RESULTS (JSON Lines). "
            "Run it again with the same --out to resume after an interruption."
        ),
    )
    rescore.add_argument("archive", type=Path, help=T_("the archive (.jsonl or .parquet)"))
    rescore.add_argument("--out", type=Path, required=True, help=T_("the results file (JSON Lines)"))
    rescore.add_argument(
        "--workers", type=int, default=0, help=T_("worker processes (default: one per core)")
    )
    rescore.add_argument(
        "--ray",
        metavar="ADDRESS",
        help=T_("run on Ray: 'local', 'auto' or a cluster address (ray://host:10001)"),
    )
    rescore.add_argument(
        "--cache", type=Path, help=T_("assessment and download cache folder (default: RESULTS.cache)")
    )
    rescore.add_argument("--no-cache", action="store_true", help=T_("do not read or write the cache"))
    rescore.add_argument(
        "--blobs", type=Path, help=T_("a proofbox server's blob folder, for sha256 references")
    )
    rescore.add_argument("--force", action="store_true", help=T_("re-assess media even when cached"))
    rescore.add_argument(
        "--retry-failed", action="store_true", help=T_("score again the records whose result is an error")
    )
    rescore.add_argument(
        "--pack",
        action="append",
        default=[],
        metavar="PLATFORM=FILE",
        help=T_("score PLATFORM with this pack file (e.g. one written by calibrate); repeatable"),
    )
    rescore.add_argument(
        "--chunk-size", type=int, default=200, help=T_("records per work unit (default 200)")
    )
    rescore.add_argument("--limit", type=int, default=20, help=T_("changes and failures listed (default 20)"))
    rescore.add_argument(
        "--find-reuse",
        action="store_true",
        help=T_(
            "also list clusters of disputes whose evidence shows the same footage (written to RESULTS.reuse.json)"
        ),
    )

    calibrate = commands.add_parser(
        "calibrate",
        parents=[common],
        help=T_("refit prediction weights from archived outcomes; write new pack versions"),
    )
    calibrate.add_argument(
        "archive", type=Path, help=T_("the archive (records with actual_outcome are used)")
    )
    calibrate.add_argument(
        "--out", type=Path, required=True, help=T_("folder for the packs and reliability.png")
    )
    calibrate.add_argument(
        "--min-cases",
        type=int,
        default=20,
        help=T_("known outcomes a platform needs to be refitted (default 20)"),
    )
    calibrate.add_argument("--bins", type=int, default=10, help=T_("reliability-table bins (default 10)"))


def _plot_font() -> str | None:
    """The CJK font for the reliability plot's labels when they are not in English (matplotlib's
    default font has no Chinese glyphs): :class:`NoCjkFont` rather than boxes when none is installed."""
    if current() == "en":
        return None
    from .fonts import NoCjkFont, cjk_font

    found = cjk_font()
    if found is None:
        raise NoCjkFont()
    return found[0]


def _check_archive(path: Path) -> None:
    if not path.is_file():
        raise CliError(translate("no such archive: {path}", {"path": str(path)}))


def cmd_rescore(args: argparse.Namespace, out: Console, err: Console, as_json: bool) -> int:
    with needs_extra("batch", "proofbox rescore"):
        from batch import RunOptions, ScoringOptions, render, rescore, summarize
        from evidence.errors import ProofboxError

    _check_archive(args.archive)
    if args.workers < 0 or args.chunk_size < 1:
        raise CliError(translate("--workers must be >= 0 and --chunk-size >= 1"))
    cache = None if args.no_cache else (args.cache or args.out.with_name(args.out.name + ".cache"))
    scoring = ScoringOptions(
        archive_dir=args.archive.resolve().parent,
        cache_dir=cache,
        blobs_dir=args.blobs,
        force=args.force,
        pack_files=_pack_option(args.pack),
        find_reuse=args.find_reuse,
    )
    run = RunOptions(
        workers=args.workers,
        ray_address=args.ray,
        chunk_size=args.chunk_size,
        retry_failed=args.retry_failed,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()  # finish the chunks in flight, write them, then stop

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    progress = Progress(
        TextColumn(translate("rescoring")),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    )
    task = progress.add_task("rescore", total=None, rate="")

    def update(done: int, todo: int) -> None:
        elapsed = progress.tasks[0].elapsed or 0.0
        rate = translate("{rate:,.0f} rec/s", {"rate": done / elapsed}) if elapsed > 0 else ""
        progress.update(task, completed=done, total=todo, rate=rate)

    try:
        with progress:
            stats = rescore(args.archive, args.out, scoring, run, progress=update, stop=stop)
    except ProofboxError as exc:
        raise CliError(str(exc)) from None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    summary = summarize(args.out)
    reuse = _find_reuse(args.out) if args.find_reuse else None
    if as_json:
        printed: dict[str, Any] = {"run": vars(stats), "summary": summary.to_dict(), "results": str(args.out)}
        if reuse is not None:
            printed["reuse"] = reuse
        out.print_json(json.dumps(printed))
    else:
        err.print(
            translate(
                "this run: {scored} scored ({failed} failed), {skipped} already in {out}, archive {total} records",
                {
                    "scored": stats.scored,
                    "failed": stats.errors,
                    "skipped": stats.skipped,
                    "out": str(args.out),
                    "total": stats.total,
                },
            ),
            soft_wrap=True,
            highlight=False,
        )
        out.print(render(summary, limit=args.limit), highlight=False, markup=False)
        if reuse is not None:
            out.print(_render_reuse(reuse, args.limit), highlight=False, markup=False)
    if stats.interrupted:
        err.print(
            translate(
                "interrupted: run the same command again to resume ({out} is consistent)",
                {"out": str(args.out)},
            )
        )
        return EXIT_INTERRUPTED
    return EXIT_SOME_FAILED if summary.failed else 0


def _find_reuse(results: Path) -> dict[str, Any]:
    """Clusters of records sharing footage, also written beside the results file."""
    from batch.reuse import find_clusters

    clusters = [c.to_dict() for c in find_clusters(results)]
    file = results.with_name(results.name + ".reuse.json")
    file.write_text(json.dumps({"clusters": clusters}, ensure_ascii=False, indent=1), encoding="utf-8")
    found: dict[str, Any] = {"clusters": clusters, "file": str(file)}
    return found


def _render_reuse(reuse: dict[str, Any], limit: int) -> str:
    """The clusters of disputes sharing footage, in the CLI's language (texts in the catalog)."""
    clusters = reuse["clusters"]
    if not clusters:
        return translate("reused evidence: no two disputes share footage")
    lines = [
        translate(
            "reused evidence: {count} cluster(s) of disputes sharing footage ({file})",
            {"count": len(clusters), "file": reuse["file"]},
        )
    ]
    for cluster in clusters[:limit]:
        lines.append("  " + ", ".join(cluster["record_ids"]))
        for link in cluster["links"][:limit]:
            a, b = link["range_s"], link["other_range_s"]
            values = {
                "record": link["record_id"],
                "start": a[0],
                "end": a[1],
                "other": link["other_record_id"],
                "other_start": b[0],
                "other_end": b[1],
                "similarity": link["similarity"],
            }
            if link["mirrored"]:
                line = translate(
                    "{record} {start:.1f}-{end:.1f} s = {other} {other_start:.1f}-{other_end:.1f} s, "
                    "similarity {similarity:.2f} (mirrored)",
                    values,
                )
            else:
                line = translate(
                    "{record} {start:.1f}-{end:.1f} s = {other} {other_start:.1f}-{other_end:.1f} s, "
                    "similarity {similarity:.2f}",
                    values,
                )
            lines.append("    " + line)
    return "\n".join(lines)


def cmd_calibrate(args: argparse.Namespace, out: Console, err: Console, as_json: bool) -> int:
    with needs_extra("batch", "proofbox calibrate"):
        from batch import calibrate
        from evidence.errors import ProofboxError

    _check_archive(args.archive)
    try:
        results, problems, plot = calibrate(
            args.archive,
            args.out,
            min_cases=args.min_cases,
            bins=args.bins,
            lang=current(),
            font=_plot_font(),
        )
    except ProofboxError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        out.print_json(
            json.dumps(
                {
                    "packs": [
                        {
                            "platform": r.platform,
                            "cases": r.cases,
                            "version": r.new_version,
                            "path": str(r.pack_path),
                            "brier_before": r.before.brier,
                            "brier_after": r.after.brier,
                            "log_loss_before": r.before.log_loss,
                            "log_loss_after": r.after.log_loss,
                        }
                        for r in results
                    ],
                    "plot": str(plot) if plot else None,
                    "skipped": problems,
                }
            )
        )
    else:
        for r in results:
            out.print(
                translate(
                    "{platform}: {cases} known outcomes; Brier {brier_before:.4f} -> {brier_after:.4f}, "
                    "log loss {loss_before:.4f} -> {loss_after:.4f}; wrote {path} (version {version})",
                    {
                        "platform": r.platform,
                        "cases": r.cases,
                        "brier_before": r.before.brier,
                        "brier_after": r.after.brier,
                        "loss_before": r.before.log_loss,
                        "loss_after": r.after.log_loss,
                        "path": str(r.pack_path),
                        "version": r.new_version,
                    },
                ),
                highlight=False,
            )
        if plot is not None:
            out.print(translate("reliability plot: {path}", {"path": str(plot)}), highlight=False)
        for problem in problems:
            err.print(translate("skipped: {problem}", {"problem": problem}), highlight=False, markup=False)
        if results:
            command = "proofbox rescore ARCHIVE --out RESULTS " + " ".join(
                f"--pack {r.platform}={r.pack_path}" for r in results
            )
            out.print(translate("use them with: {command}", {"command": command}), highlight=False)
    return 0 if results else 2
