"""``proofbox backfill-prints``: fingerprint the evidence a server stored before reuse detection.

A local command, like ``proofbox serve``: it opens the server's database and blob store (the same
configuration file, ``--database-url`` and ``--data-dir``) and runs :func:`server.backfill.backfill_prints`.
It may run while the server serves (both databases take concurrent writers).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from proofbox.i18n import current, translate

from .client import T_, CliError, needs_extra

__all__ = ["add_backfill_command", "cmd_backfill_prints"]


def add_backfill_command(commands: Any, common: argparse.ArgumentParser) -> None:
    backfill = commands.add_parser(
        "backfill-prints",
        parents=[common],
        help=T_("fingerprint stored evidence that has no fingerprint (reuse detection)"),
        description=T_(
            "Fingerprint the evidence the server stored before reuse detection (or never assessed), "
            "so later copies of it are found; reports the other cases each file already matches."
        ),
    )
    backfill.add_argument(
        "--config", type=Path, help=T_("TOML or YAML configuration file (default $PROOFBOX_CONFIG)")
    )
    backfill.add_argument(
        "--database-url", help=T_("sqlite:///path or postgresql://... (default SQLite in the data dir)")
    )
    backfill.add_argument("--tenant", help=T_("only this tenant's evidence (default: every tenant's)"))
    backfill.add_argument("--limit", type=int, help=T_("fingerprint at most this many files"))


def cmd_backfill_prints(args: argparse.Namespace, out: Console, err: Console, as_json: bool) -> int:
    with needs_extra("server", "proofbox backfill-prints"):
        from evidence.errors import ProofboxError
        from proofbox.i18n.findings import render_finding_message
        from server.backfill import Backfilled, backfill_prints
        from server.blobs import BlobStore
        from server.config import load_config
        from server.store import open_store

    if args.limit is not None and args.limit < 1:
        raise CliError(translate("--limit must be >= 1"))
    flags = {"database_url": args.database_url, "data_dir": getattr(args, "data_dir", None)}
    try:
        config = load_config(flags, config_file=args.config)
    except ProofboxError as exc:
        raise CliError(T_("configuration: {problem}", problem=str(exc))) from None

    def shown(done: Backfilled) -> None:
        if as_json:
            return
        r = done.record
        what = {"tenant": r.tenant_id, "sha": r.sha256[:12], "name": r.filename}
        if done.problem:
            err.print(
                translate(
                    "{tenant} {sha} {name}: not fingerprinted: {problem}", {**what, "problem": done.problem}
                )
            )
            return
        out.print(translate("{tenant} {sha} {name}: fingerprinted", what), highlight=False)
        for f in done.findings:
            out.print("  " + render_finding_message(f.code, f.params, current(), f.message), highlight=False)

    store = open_store(config.store_url, sqlite_synchronous=config.sqlite_synchronous)
    try:
        blobs = BlobStore(config.data_dir, config.min_free_bytes)
        summary = backfill_prints(store, blobs, args.tenant, args.limit, on_file=shown)
    except ProofboxError as exc:
        raise CliError(str(exc)) from None
    finally:
        store.close()
    if as_json:
        files = [
            {
                "tenant_id": d.record.tenant_id,
                "evidence_id": d.record.sha256,
                "filename": d.record.filename,
                "kind": d.record.kind,
                "fingerprinted": not d.problem,
                "problem": d.problem,
                "reuse": [{"message": f.message, **f.params} for f in d.findings],
            }
            for d in summary.files
        ]
        printed = {"fingerprinted": summary.fingerprinted, "failed": summary.failed, "files": files}
        out.file.write(json.dumps(printed, ensure_ascii=False, indent=2) + "\n")
        return 1 if summary.failed else 0
    out.print(
        translate(
            "{done} files fingerprinted, {failed} not",
            {"done": summary.fingerprinted, "failed": summary.failed},
        ),
        highlight=False,
    )
    return 1 if summary.failed else 0
