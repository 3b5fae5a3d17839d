"""``proofbox``: the command line for the proofbox.v1 service.

Every command except ``serve``, ``sample``, ``rescore`` and ``calibrate`` is a client of the generated stubs, like any
ticketing system. Output is human-readable by default; ``--json`` prints the proto JSON mapping.
Exit codes: 0 success, 1 the server refused (its message is printed), 2 a local problem (usage,
files, no API key).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.message import Message
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from proofbox import i18n
from proofbox.jsonform import JsonFormError, parse
from proofbox.v1 import admin_pb2, cases_pb2, evidence_pb2, service_pb2

from ..i18n.errors import translate_detail
from ..i18n.vocabulary import N_
from . import render
from .backfill import add_backfill_command, cmd_backfill_prints
from .batch import add_batch_commands, cmd_calibrate, cmd_rescore
from .client import T_, CliError, Connection, ServerError, file_sha256, find_api_key, needs_extra

__all__ = ["build_parser", "main"]

ROLES = {
    "read-only": admin_pb2.ROLE_READ_ONLY,
    "read-write": admin_pb2.ROLE_READ_WRITE,
    "admin": admin_pb2.ROLE_ADMIN,
    "operator": admin_pb2.ROLE_OPERATOR,
}
KINDS = {"video": evidence_pb2.EVIDENCE_KIND_VIDEO, "photo": evidence_pb2.EVIDENCE_KIND_PHOTO}
VIDEO_SUFFIXES = {
    ".mp4",
    ".mov",
    ".m4v",
    ".3gp",
    ".mkv",
    ".webm",
    ".avi",
    ".ts",
    ".mts",
    ".flv",
    ".wmv",
    ".mpg",
}


# --- argument parsing ----------------------------------------------------------------------------


def _common() -> argparse.ArgumentParser:
    """Options accepted before or after the command (defaults are applied in :func:`main`)."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group(T_("connection"))
    group.add_argument(
        "--server",
        default=argparse.SUPPRESS,
        help=T_("host:port (default $PROOFBOX_SERVER or 127.0.0.1:50051)"),
    )
    group.add_argument(
        "--api-key",
        default=argparse.SUPPRESS,
        help=T_("API key (default $PROOFBOX_API_KEY or <data-dir>/local-api-key)"),
    )
    group.add_argument(
        "--data-dir", default=argparse.SUPPRESS, help=T_("data directory (default $PROOFBOX_DATA or ./data)")
    )
    group.add_argument(
        "--ca-file", default=argparse.SUPPRESS, help=T_("PEM CA certificate: connect with TLS, trusting it")
    )
    group.add_argument(
        "--tls", action="store_true", default=argparse.SUPPRESS, help=T_("connect with TLS (system CAs)")
    )
    group.add_argument(
        "--timeout", type=float, default=argparse.SUPPRESS, help=T_("deadline per call in seconds")
    )
    group.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help=T_("print the proto JSON mapping")
    )
    group.add_argument(
        "--lang",
        default=argparse.SUPPRESS,
        help=T_(
            "language of the output: zh-CN or en (default: from $LC_ALL, $LC_MESSAGES, $LANG, else en); "
            "for serve, the server's default language"
        ),
    )
    return common


def _case_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--case", type=Path, help=T_("case JSON file (the disputes.DisputeCase JSON form)"))
    source.add_argument("--case-id", help=T_("a case already stored on the server"))


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="proofbox",
        description=T_(
            "Unboxing-video evidence checks and dispute-outcome prediction (Tmall, Taobao, Douyin)."
        ),
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action="version",
        version=version_text(),
        help=T_("show program's version number and exit"),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help=T_("run the server (embedded defaults)"))
    serve.add_argument(
        "--config", type=Path, help=T_("TOML or YAML configuration file (default $PROOFBOX_CONFIG)")
    )
    serve.add_argument("--listen", help=T_("host:port to serve on (default 127.0.0.1:50051)"))
    serve.add_argument(
        "--database-url", help=T_("sqlite:///path or postgresql://... (default SQLite in the data dir)")
    )
    serve.add_argument("--workers", type=int, help=T_("analysis worker processes (default: one per core)"))
    serve.add_argument("--queue-size", type=int, help=T_("analyses that may wait for a worker (default 16)"))
    serve.add_argument("--max-upload-bytes", help=T_("largest evidence file, e.g. 8GiB"))
    serve.add_argument("--min-free-bytes", help=T_("disk space uploads must leave free, e.g. 512MiB"))
    serve.add_argument("--analysis-timeout-s", type=float, help=T_("longest one analysis may run (seconds)"))
    serve.add_argument("--grace-s", type=float, help=T_("seconds running calls get on SIGTERM"))
    serve.add_argument("--metrics-port", type=int, help=T_("serve Prometheus metrics on this port"))
    serve.add_argument("--tls-cert", type=Path, help=T_("PEM certificate chain (with --tls-key: TLS only)"))
    serve.add_argument("--tls-key", type=Path, help=T_("PEM private key"))
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    serve.add_argument("--log-format", choices=["json", "text"])
    serve.add_argument("--sqlite-synchronous", choices=["normal", "full"])

    upload = commands.add_parser("upload", parents=[common], help=T_("upload an evidence file"))
    upload.add_argument("file", type=Path)
    upload.add_argument("--case-id", required=True, help=T_("the case the evidence is for"))
    upload.add_argument("--kind", choices=sorted(KINDS), help=T_("default: from the file name"))

    case = commands.add_parser("case", parents=[common], help=T_("store or read a case"))
    case_commands = case.add_subparsers(dest="case_command", required=True, metavar="ACTION")
    put = case_commands.add_parser("put", parents=[common], help=T_("store a case from its JSON file"))
    put.add_argument("file", type=Path)
    put.add_argument(
        "--expected-version", type=int, default=0, help=T_("store only if the latest version is this")
    )
    get = case_commands.add_parser("get", parents=[common], help=T_("read a stored case"))
    get.add_argument("case_id")
    get.add_argument("--version", type=int, default=0, help=T_("a version (default: the latest)"))

    assess = commands.add_parser(
        "assess", parents=[common], help=T_("upload what is needed, assess and predict")
    )
    _case_source(assess)
    assess.add_argument("--video", type=Path, help=T_("the unboxing video"))
    assess.add_argument("--photo", type=Path, action="append", default=[], help=T_("a photo (repeatable)"))
    assess.add_argument("--no-predict", action="store_true", help=T_("assess the evidence only"))
    assess.add_argument("--at", help=T_("evaluation time, ISO 8601 with offset (default: the case's as_of)"))
    assess.add_argument("--pack", default="", help=T_("policy pack version (default: the newest)"))

    predict = commands.add_parser(
        "predict", parents=[common], help=T_("predict the outcome from the case alone")
    )
    _case_source(predict)
    predict.add_argument("--at", help=T_("evaluation time, ISO 8601 with offset"))
    predict.add_argument("--pack", default="", help=T_("policy pack version"))

    deadlines = commands.add_parser(
        "deadlines", parents=[common], help=T_("the deadlines the rules set for a case")
    )
    _case_source(deadlines)
    deadlines.add_argument("--at", help=T_("evaluation time, ISO 8601 with offset"))

    reopen = commands.add_parser(
        "reopen",
        parents=[common],
        help=T_("may the merchant re-open the after-sales entry, and may the buyer apply through it now?"),
    )
    source = reopen.add_mutually_exclusive_group(required=True)
    source.add_argument("--order", type=Path, help=T_("order JSON file (with --platform)"))
    source.add_argument("--case", type=Path, help=T_("take the order and platform from a case JSON file"))
    reopen.add_argument("--platform", choices=["tmall", "taobao", "douyin"])
    reopen.add_argument("--sub-account", action="store_true", help=T_("a sub-account would re-open it"))
    reopen.add_argument(
        "--refund-permission", action="store_true", help=T_("the sub-account has 子账号售中退款")
    )
    reopen.add_argument("--at", help=T_("evaluation time, ISO 8601 with offset (default: now)"))

    show = commands.add_parser("show", parents=[common], help=T_("show a stored result"))
    show.add_argument("result_id")
    show.add_argument("--sheet", type=Path, help=T_("write a contact sheet of the key frames (PNG)"))

    results = commands.add_parser("results", parents=[common], help=T_("list stored results, newest first"))
    results.add_argument("--case-id", default="")
    results.add_argument("--limit", type=int, default=20)

    sample = commands.add_parser(
        "sample", parents=[common], help=T_("write a sample unboxing video, photo and case")
    )
    sample.add_argument("directory", type=Path, nargs="?", default=Path("sample"))

    keys = commands.add_parser("keys", parents=[common], help=T_("manage API keys (admin key needed)"))
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = key_commands.add_parser("create", parents=[common], help=T_("create a key for a tenant"))
    create.add_argument("--tenant", required=True)
    create.add_argument("--role", choices=sorted(ROLES), default="read-write")
    create.add_argument("--description", default="")
    revoke = key_commands.add_parser("revoke", parents=[common], help=T_("revoke a key"))
    revoke.add_argument("key_id")
    listing = key_commands.add_parser("list", parents=[common], help=T_("list a tenant's keys"))
    listing.add_argument("--tenant", required=True)
    add_batch_commands(commands, common)
    add_backfill_command(commands, common)
    return parser


# --- helpers ---------------------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            reason = i18n.gettext("no such file")
        elif isinstance(exc, PermissionError):
            reason = i18n.gettext("permission denied")
        else:
            reason = exc.strerror or str(exc)
        raise CliError(T_("cannot read {path}: {reason}", path=str(path), reason=reason)) from None
    except json.JSONDecodeError as exc:
        raise CliError(
            T_(
                "{path} is not valid JSON (line {line}, column {column})",
                path=str(path),
                line=exc.lineno,
                column=exc.colno,
            ),
            code="INVALID_JSON",
        ) from None
    except RecursionError:
        raise CliError(
            T_("{path} is not valid JSON here: nested too deeply", path=str(path)), code="INVALID_JSON"
        ) from None


def _message(data: Any, message: Message, path: Path, what: str) -> Any:
    """``data`` read into ``message`` (the proto JSON mapping, either spelling of names)."""
    try:
        return parse(data, message)
    except JsonFormError as exc:
        raise CliError(
            T_(
                "{path}: {what} field {field}: {reason}",
                path=str(path),
                what=i18n.gettext(what),
                field=exc.field or i18n.gettext("(top level)"),
                reason=translate_detail(exc.reason, i18n.current()) or exc.reason,
            ),
            code="INVALID_ARGUMENT",
            field=exc.field,
        ) from None


def _case_message(path: Path) -> cases_pb2.DisputeCase:
    message: cases_pb2.DisputeCase = _message(_read_json(path), cases_pb2.DisputeCase(), path, "case")
    return message


def _at(request: Any, text: str | None) -> None:
    if not text:
        return
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            T_(
                "--at {value} is not ISO 8601; write e.g. {example}",
                value=repr(text),
                example="2026-11-21T12:00:00+08:00",
            )
        ) from None
    if moment.tzinfo is None:
        raise CliError(T_("--at needs a UTC offset, e.g. {example}", example="2026-11-21T12:00:00+08:00"))
    request.at.FromDatetime(moment)


def _set_case(request: Any, args: argparse.Namespace) -> None:
    if args.case is not None:
        request.case.CopyFrom(_case_message(args.case))
    else:
        request.case_id = args.case_id


class Cli:
    def __init__(self, args: argparse.Namespace, out: Console, err: Console) -> None:
        self.args = args
        self.out = out
        self.err = err
        self.json = bool(getattr(args, "json", False))
        self._conn: Connection | None = None
        requested = getattr(args, "lang", None) or i18n.language_from_env(os.environ)
        self.language, note = i18n.negotiate(requested)
        if note is not None and getattr(args, "lang", None):
            err.print(note.render(self.language), style="yellow", highlight=False)

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            args = self.args
            key = find_api_key(getattr(args, "api_key", None), getattr(args, "data_dir", None))
            ca_file = getattr(args, "ca_file", None)
            if ca_file and not Path(ca_file).is_file():
                raise CliError(T_("--ca-file {path} does not exist", path=ca_file))
            self._conn = Connection(
                getattr(args, "server", None),
                key,
                ca_file=ca_file,
                tls=bool(getattr(args, "tls", False)),
                timeout_s=getattr(args, "timeout", None),
                language=self.language,
            )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def emit(self, message: Message, human: Callable[[], None]) -> None:
        if self.json:
            render.print_json(self.out, message)
        else:
            human()

    def _progress(self) -> Progress:
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=self.err,
            transient=True,
            disable=self.json or not self.err.is_terminal,
        )

    def ensure_uploaded(self, path: Path, case_id: str, kind: str) -> evidence_pb2.Evidence:
        """The stored evidence for ``path``, uploading it only when the server lacks these bytes."""
        if not path.is_file():
            raise CliError(T_("{path} does not exist or is not a file", path=str(path)))
        size = path.stat().st_size
        with self._progress() as progress:
            task = progress.add_task(T_("hashing {name}", name=path.name), total=size)
            sha = file_sha256(path, lambda n: progress.advance(task, n))
            stored = self.conn.evidence(sha)
            if stored is not None:
                if not self.json:
                    self.err.print(
                        i18n.translate(
                            "{name}: already on the server (evidence {sha}), not uploading",
                            {"name": path.name, "sha": sha},
                        )
                    )
                return stored
            progress.reset(task, total=size, description=T_("uploading {name}", name=path.name))
            response = self.conn.upload(path, case_id, KINDS[kind], sha, lambda n: progress.advance(task, n))
        if not self.json:
            self.err.print(
                i18n.translate(
                    "{name}: uploaded ({size}, evidence {sha})",
                    {"name": path.name, "size": render.format_size(size), "sha": sha},
                ),
                soft_wrap=True,
            )
        return response.evidence

    def wait_with_progress(self, method: Any, request: Any, operation_id: str) -> Any:
        """Run a long call while polling GetProgress for a progress bar."""
        future = self.conn.start(method, request)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            console=self.err,
            transient=True,
            disable=self.json or not self.err.is_terminal,
        ) as progress:
            task = progress.add_task(T_("analysing: {stage}", stage=i18n.gettext("queued")), total=1.0)
            while not future.done():
                time.sleep(0.3)
                try:
                    state = self.conn.call(
                        self.conn.service.GetProgress,
                        service_pb2.GetProgressRequest(operation_id=operation_id),
                        timeout_s=5,
                    )
                except ServerError:
                    continue
                progress.update(
                    task,
                    completed=state.fraction,
                    description=T_("analysing: {stage}", stage=i18n.gettext(state.stage)),
                )
        try:
            return future.result()
        except grpc.RpcError as exc:
            raise ServerError.from_rpc(exc) from None


# --- commands ----------------------------------------------------------------------------------------


def cmd_serve(cli: Cli) -> int:
    with needs_extra("server", "proofbox serve"):
        from evidence.errors import ProofboxError
        from server.app import run
        from server.config import load_config

    args = cli.args
    flags = {
        name: getattr(args, name, None)
        for name in (
            "listen",
            "database_url",
            "workers",
            "queue_size",
            "max_upload_bytes",
            "min_free_bytes",
            "analysis_timeout_s",
            "grace_s",
            "metrics_port",
            "tls_cert",
            "tls_key",
            "log_level",
            "log_format",
            "sqlite_synchronous",
        )
    }
    if getattr(args, "lang", None):
        lang, note = i18n.negotiate(args.lang)
        if note is not None:
            raise CliError(
                T_(
                    "--lang {lang}: the server speaks {languages}",
                    lang=args.lang,
                    languages=", ".join(i18n.LANGUAGES),
                )
            )
        flags["language"] = lang
    flags["data_dir"] = getattr(args, "data_dir", None)
    try:
        config = load_config(flags, config_file=args.config)
    except ProofboxError as exc:
        raise CliError(T_("configuration: {problem}", problem=str(exc))) from None
    return run(config)


def cmd_upload(cli: Cli) -> int:
    args = cli.args
    kind = args.kind or ("video" if args.file.suffix.lower() in VIDEO_SUFFIXES else "photo")
    if not args.file.is_file():
        raise CliError(T_("{path} does not exist or is not a file", path=str(args.file)))
    size = args.file.stat().st_size
    with cli._progress() as progress:
        task = progress.add_task(T_("hashing {name}", name=args.file.name), total=size)
        sha = file_sha256(args.file, lambda n: progress.advance(task, n))
        progress.reset(task, total=size, description=T_("uploading {name}", name=args.file.name))
        response = cli.conn.upload(
            args.file, args.case_id, KINDS[kind], sha, lambda n: progress.advance(task, n)
        )
    cli.emit(response, lambda: render.render_evidence(cli.out, response.evidence, response.created))
    return 0


def cmd_case(cli: Cli) -> int:
    args = cli.args
    if args.case_command == "put":
        request = service_pb2.PutCaseRequest(
            case=_case_message(args.file), expected_version=args.expected_version
        )
        response = cli.conn.call(cli.conn.service.PutCase, request)

        def human() -> None:
            text = (
                N_("case {case}: stored as version {version}")
                if response.changed
                else N_("case {case}: unchanged (same content as the latest, version {version})")
            )
            cli.out.print(
                T_(text, case=response.stored.case.case_id, version=response.stored.version), highlight=False
            )
            render.render_case(cli.out, response.stored)

        cli.emit(response, human)
    else:
        response = cli.conn.call(
            cli.conn.service.GetCase, service_pb2.GetCaseRequest(case_id=args.case_id, version=args.version)
        )
        cli.emit(response, lambda: render.render_case(cli.out, response.stored))
    return 0


def cmd_assess(cli: Cli) -> int:
    args = cli.args
    if args.case is not None:
        stored = cli.conn.call(
            cli.conn.service.PutCase, service_pb2.PutCaseRequest(case=_case_message(args.case))
        )
        case_id = stored.stored.case.case_id
    else:
        case_id = args.case_id
    evidence_ids = []
    if args.video is not None:
        evidence_ids.append(cli.ensure_uploaded(args.video, case_id, "video").evidence_id)
    for photo in args.photo:
        evidence_ids.append(cli.ensure_uploaded(photo, case_id, "photo").evidence_id)
    operation_id = uuid.uuid4().hex
    request: Any
    method: Any
    if args.no_predict:
        request = service_pb2.AssessEvidenceRequest(
            case_id=case_id, evidence_ids=evidence_ids, operation_id=operation_id
        )
        method = cli.conn.service.AssessEvidence
    else:
        request = service_pb2.AssessAndPredictRequest(
            case_id=case_id,
            evidence_ids=evidence_ids,
            operation_id=operation_id,
            policy_pack_version=args.pack,
        )
        _at(request, args.at)
        method = cli.conn.service.AssessAndPredict
    response = cli.wait_with_progress(method, request, operation_id)
    cli.emit(response, lambda: render.render_result(cli.out, response.result))
    return 0


def cmd_predict(cli: Cli) -> int:
    args = cli.args
    request = service_pb2.PredictOutcomeRequest(policy_pack_version=args.pack)
    _set_case(request, args)
    _at(request, args.at)
    response = cli.conn.call(cli.conn.service.PredictOutcome, request)
    cli.emit(response, lambda: render.render_result(cli.out, response.result))
    return 0


def cmd_deadlines(cli: Cli) -> int:
    args = cli.args
    request = service_pb2.CheckDeadlinesRequest()
    _set_case(request, args)
    _at(request, args.at)
    response = cli.conn.call(cli.conn.service.CheckDeadlines, request)

    def human() -> None:
        cli.out.print(T_("policy {version}", version=response.policy_pack_version), highlight=False)
        render.render_deadlines(cli.out, response.deadlines)

    cli.emit(response, human)
    return 0


def cmd_reopen(cli: Cli) -> int:
    args = cli.args
    request = service_pb2.CheckReopenEligibilityRequest()
    if args.case is not None:
        case = _case_message(args.case)
        request.order.CopyFrom(case.order)
        request.platform = case.platform
    else:
        if not args.platform:
            raise CliError(T_("--order needs --platform (tmall, taobao or douyin)"))
        request.order.CopyFrom(_message(_read_json(args.order), cases_pb2.Order(), args.order, "order"))
    if args.platform:
        request.platform = getattr(cases_pb2, f"PLATFORM_{args.platform.upper()}")
    if args.sub_account:
        request.actor.kind = cases_pb2.ACTOR_KIND_SUB_ACCOUNT
        request.actor.refund_permission = args.refund_permission
    _at(request, args.at)
    response = cli.conn.call(cli.conn.service.CheckReopenEligibility, request)

    def human() -> None:
        render.render_eligibility(cli.out, response.eligibility)
        if response.HasField("buyer"):
            render.render_buyer_application(cli.out, response.buyer)

    cli.emit(response, human)
    return 0


def cmd_show(cli: Cli) -> int:
    args = cli.args
    response = cli.conn.call(
        cli.conn.service.GetResult,
        service_pb2.GetResultRequest(result_id=args.result_id, include_keyframes=args.sheet is not None),
    )
    if args.sheet is not None:
        with needs_extra("server", "--sheet"):
            from .sheet import contact_sheet

        try:
            drawn = contact_sheet(response.result, args.sheet)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        cli.err.print(
            i18n.translate(
                "contact sheet with {n} key frames written to {path}", {"n": drawn, "path": str(args.sheet)}
            )
        )
        for frame in response.result.assessment.keyframes:
            frame.ClearField("jpeg")
    cli.emit(response, lambda: render.render_result(cli.out, response.result))
    return 0


def cmd_results(cli: Cli) -> int:
    args = cli.args
    response = cli.conn.call(
        cli.conn.service.ListResults,
        service_pb2.ListResultsRequest(case_id=args.case_id, page_size=args.limit),
    )
    cli.emit(response, lambda: render.render_results(cli.out, response.results))
    return 0


def cmd_sample(cli: Cli) -> int:
    from .sample import write_sample

    with (
        needs_extra("server", "proofbox sample (it renders a video with the evidence core)"),
        cli.err.status(T_("rendering the sample unboxing video (a few seconds)…")),
    ):
        paths = write_sample(cli.args.directory)
    if cli.json:
        cli.out.print_json(json.dumps({k: str(v) for k, v in paths.items()}))
    else:
        names = {"case": N_("case"), "video": N_("video"), "photo": N_("photo")}
        for name, path in paths.items():
            cli.out.print(f"{i18n.gettext(names.get(name, name))}: {path}", highlight=False)
        lang = "" if cli.language == "en" else f" --lang {cli.language}"
        cli.out.print(
            T_(
                "next: {command}",
                command=f"proofbox assess --case {paths['case']} --video {paths['video']} "
                f"--photo {paths['photo']}{lang}",
            ),
            highlight=False,
        )
    return 0


def cmd_keys(cli: Cli) -> int:
    args = cli.args
    admin = cli.conn.admin
    if args.keys_command == "create":
        request = admin_pb2.CreateApiKeyRequest(
            tenant_id=args.tenant, role=ROLES[args.role], description=args.description
        )
        created = cli.conn.call(admin.CreateApiKey, request)

        def human() -> None:
            render.render_keys(cli.out, [created.key])
            cli.out.print(Text.assemble(T_("secret (shown once): "), (created.secret, "bold")))

        cli.emit(created, human)
    elif args.keys_command == "revoke":
        revoked = cli.conn.call(admin.RevokeApiKey, admin_pb2.RevokeApiKeyRequest(key_id=args.key_id))
        cli.emit(revoked, lambda: render.render_keys(cli.out, [revoked.key]))
    else:
        listed = cli.conn.call(admin.ListApiKeys, admin_pb2.ListApiKeysRequest(tenant_id=args.tenant))
        cli.emit(listed, lambda: render.render_keys(cli.out, listed.keys))
    return 0


COMMANDS: dict[str, Callable[[Cli], int]] = {
    "serve": cmd_serve,
    "upload": cmd_upload,
    "case": cmd_case,
    "assess": cmd_assess,
    "predict": cmd_predict,
    "deadlines": cmd_deadlines,
    "reopen": cmd_reopen,
    "show": cmd_show,
    "results": cmd_results,
    "sample": cmd_sample,
    "keys": cmd_keys,
    "rescore": lambda cli: cmd_rescore(cli.args, cli.out, cli.err, cli.json),
    "calibrate": lambda cli: cmd_calibrate(cli.args, cli.out, cli.err, cli.json),
    "backfill-prints": lambda cli: cmd_backfill_prints(cli.args, cli.out, cli.err, cli.json),
}


def version_text() -> str:
    """``proofbox --version``: this package, the API it speaks, and the gRPC runtime under it."""
    from google.protobuf import __version__ as protobuf_version

    from proofbox import __version__

    return f"proofbox {__version__} (API proofbox.v1; grpcio {grpc.__version__}, protobuf {protobuf_version})"


def _json_error(err: Console, error: ServerError | CliError) -> None:
    """``--json``: the error as one JSON object on stderr, for scripts."""
    err.file.write(json.dumps({"error": error.to_json()}, ensure_ascii=False) + "\n")
    err.file.flush()


# argparse's own texts (usage, option headings, its errors): shown through proofbox's catalog
ARGPARSE_TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("not allowed with argument %s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


def _requested_language(argv: Sequence[str]) -> str | None:
    """``--lang`` as given on the command line (before parsing: the help and argparse's errors are
    written in it too), else the environment's language."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return i18n.language_from_env(os.environ)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line parsed, its help and errors in the language it asks for."""
    words = list(sys.argv[1:] if argv is None else argv)
    lang, _note = i18n.negotiate(_requested_language(words))
    saved = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda text: i18n.gettext(text) if text else text  # type: ignore[attr-defined]
    try:
        with i18n.use(lang):
            return build_parser().parse_args(words)
    finally:
        argparse._ = saved  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # piped output (files, ticket systems) gets wide tables instead of rich's default 80 columns
    out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True)
    cli = Cli(args, out, err)
    try:
        with i18n.use(cli.language):
            return COMMANDS[args.command](cli)
    except ServerError as exc:
        if cli.json:
            _json_error(err, exc)
            return 1
        field = i18n.translate("field: {field}", {"field": exc.field}, cli.language) if exc.field else ""
        detail = f"{exc}" + (f"\n  {field}" if field else "")
        err.print(
            Text.assemble((i18n.gettext("error", cli.language) + " ", "bold red"), detail),
            soft_wrap=True,
            highlight=False,
        )
        return 1
    except CliError as exc:
        if cli.json:
            _json_error(err, exc)
            return 2
        err.print(
            Text.assemble((i18n.gettext("error", cli.language) + " ", "bold red"), str(exc)),
            soft_wrap=True,
            highlight=False,
        )
        return 2
    except KeyboardInterrupt:
        err.print(i18n.translate("interrupted", lang=cli.language))
        return 130
    finally:
        cli.close()


if __name__ == "__main__":
    sys.exit(main())
