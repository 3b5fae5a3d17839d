"""Server configuration: one frozen dataclass, validated at start-up.

Sources, strongest first: command-line flags, ``PROOFBOX_*`` environment variables (the field name
in upper case, e.g. ``PROOFBOX_WORKERS``; ``PROOFBOX_DATA`` for the data directory), an optional
TOML or YAML file (``--config`` / ``PROOFBOX_CONFIG``; keys are field names, at the top level or
under ``[server]``), then the defaults below. Sizes accept suffixes (``500MB``, ``8GiB``).
"""

from __future__ import annotations

import os
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from evidence.errors import InvalidInput
from proofbox.i18n import LANGUAGES

__all__ = ["ServerConfig", "load_config", "parse_size"]

GIB = 1024**3
MIB = 1024**2
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.I)
_SIZE_FIELDS = {"max_upload_bytes", "min_free_bytes", "max_message_bytes", "worker_memory_bytes"}
ENV_ALIASES = {"PROOFBOX_DATA": "data_dir"}


def parse_size(text: str, name: str = "size") -> int:
    """``"500MB"`` -> 500_000_000, ``"8GiB"`` -> 8 * 2**30, ``"1024"`` -> 1024."""
    match = _SIZE.match(text)
    if not match:
        raise InvalidInput(f"{text!r} is not a size; write e.g. 500MB or 8GiB", field=name)
    number, unit = float(match.group(1)), (match.group(2) or "").lower().removesuffix("b")
    base = 1024 if unit.endswith("i") else 1000
    power = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}[unit.removesuffix("i")]
    return int(number * base**power)


@dataclass(frozen=True)
class ServerConfig:
    """Everything ``proofbox serve`` can be told; defaults are the embedded single-machine setup."""

    listen: str = "127.0.0.1:50051"
    """host:port to serve gRPC on; port 0 picks a free port (logged at start-up)."""
    data_dir: Path = Path("data")
    """Evidence blobs, the SQLite database and the local API key file live here."""
    database_url: str = ""
    """``sqlite:///path/to.db`` or ``postgresql://user@host/db``; empty: SQLite in the data directory."""
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    """Analysis worker processes (media analysis is CPU-bound: one per core)."""
    queue_size: int = 16
    """Analyses that may wait for a worker; beyond that, requests get RESOURCE_EXHAUSTED."""
    analysis_timeout_s: float = 900.0
    """Longest one analysis may run, whatever the client's deadline."""
    worker_memory_bytes: int = 3 * GIB
    """Data memory each analysis (and photo) worker may use (``RLIMIT_DATA``); beyond it the media
    is refused as too large, and the server itself is never at risk. 0: no limit."""
    max_upload_bytes: int = 8 * GIB
    """Largest evidence file accepted; larger uploads are refused from their header."""
    min_free_bytes: int = 512 * MIB
    """Disk space an upload must leave free in the data directory (uploads in flight included)."""
    max_message_bytes: int = 8 * MIB
    """Largest single gRPC message (upload chunks are 1 MiB by default)."""
    upload_idle_s: float = 60.0
    """An upload that sends nothing for this long is abandoned (ABORTED) and its disk reservation
    released; a reservation nobody has written to for twice this long no longer counts at all."""
    grace_s: float = 10.0
    """On SIGTERM/SIGINT, running calls get this long to finish before they are cancelled."""
    tls_cert: Path | None = None
    """PEM certificate chain; with tls_key, the server speaks TLS only."""
    tls_key: Path | None = None
    """PEM private key for tls_cert."""
    metrics_port: int | None = None
    """Serve Prometheus metrics over HTTP on this port (on the listen host); unset: off."""
    api_key_file: Path | None = None
    """Where the local admin key is written on first start; default ``<data_dir>/local-api-key``."""
    log_level: str = "info"
    """debug, info, warning or error."""
    log_format: str = "json"
    """json (one object per line) or text."""
    language: str = "en"
    """Language of the texts in replies when a request names none: "en" or "zh-CN"."""
    sqlite_synchronous: str = "normal"
    """SQLite durability: "normal" survives process crashes (WAL); "full" also survives power loss."""
    store_threads: int = 8
    """Threads that run database calls."""
    score_window: int = 8
    """ScoreCases reads at most this many requests ahead of the response it is waiting for."""
    key_cache_s: float = 30.0
    """Verified API keys are cached this long (a revoked key stops working within this time)."""
    health_interval_s: float = 5.0
    """How often the database is probed; health is NOT_SERVING while it does not answer."""
    keepalive_s: float = 60.0
    """The server pings idle connections this often (and allows clients to ping every 30 s), so a
    dead peer is noticed during analyses that run for minutes; 0 turns server pings off."""

    def __post_init__(self) -> None:
        host, _, port = self.listen.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise InvalidInput(f"{self.listen!r} is not host:port, e.g. 127.0.0.1:50051", field="listen")
        for name in ("workers", "store_threads", "score_window"):
            if getattr(self, name) < 1:
                raise InvalidInput("must be at least 1", field=name)
        for name in (
            "queue_size",
            "min_free_bytes",
            "grace_s",
            "key_cache_s",
            "keepalive_s",
            "worker_memory_bytes",
        ):
            if getattr(self, name) < 0:
                raise InvalidInput("must not be negative", field=name)
        for name in ("analysis_timeout_s", "health_interval_s", "upload_idle_s"):
            if getattr(self, name) <= 0:
                raise InvalidInput("must be positive", field=name)
        if self.max_upload_bytes < 1:
            raise InvalidInput("must be at least 1 byte", field="max_upload_bytes")
        if self.max_message_bytes < 5 * MIB:
            raise InvalidInput(
                "must be at least 5 MiB (the API promises 4 MiB upload chunks)", field="max_message_bytes"
            )
        if (self.tls_cert is None) != (self.tls_key is None):
            raise InvalidInput("tls_cert and tls_key go together; give both or neither", field="tls_cert")
        for name in ("tls_cert", "tls_key"):
            path = getattr(self, name)
            if path is not None and not Path(path).is_file():
                raise InvalidInput(f"{path} does not exist or is not a file", field=name)
        if self.metrics_port is not None and not 0 <= self.metrics_port <= 65535:
            raise InvalidInput("must be a port number (0-65535)", field="metrics_port")
        if self.log_level.lower() not in {"debug", "info", "warning", "error"}:
            raise InvalidInput("must be debug, info, warning or error", field="log_level")
        if self.log_format not in {"json", "text"}:
            raise InvalidInput("must be json or text", field="log_format")
        if self.language not in LANGUAGES:
            raise InvalidInput(f"must be one of {', '.join(LANGUAGES)}", field="language")
        if self.sqlite_synchronous not in {"normal", "full"}:
            raise InvalidInput("must be normal or full", field="sqlite_synchronous")
        url = self.database_url
        if url and not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise InvalidInput(
                f"{url.split('://')[0]!r} is not supported; use sqlite:///path or postgresql://...",
                field="database_url",
            )

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0]

    @property
    def store_url(self) -> str:
        """The database URL in effect (SQLite in the data directory unless one was given)."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'proofbox.db').resolve()}"

    @property
    def key_file(self) -> Path:
        return self.api_key_file or self.data_dir / "local-api-key"

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None


def _convert(name: str, hint: Any, value: Any) -> Any:
    """``value`` (from a flag, the environment or a file) as the field's type."""
    if value is None:
        return None
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    target = args[0] if args else hint
    try:
        if target is Path:
            return Path(os.path.expanduser(str(value)))
        if target is int:
            if name in _SIZE_FIELDS and isinstance(value, str):
                return parse_size(value, name)
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if target is float:
            return float(value)
        return str(value)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a valid {getattr(target, '__name__', target)}", field=name
        ) from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            f"cannot read the configuration file {path}: {exc.strerror}", field="config"
        ) from None
    try:
        yaml_file = path.suffix.lower() in {".yaml", ".yml"}
        data = (yaml.safe_load(text) or {}) if yaml_file else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"{path} is not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}", field="config"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must hold a table of settings", field="config")
    section = data.get("server", data)
    return {str(k).replace("-", "_"): v for k, v in section.items()}


def load_config(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> ServerConfig:
    """Merge flags > environment > file > defaults and validate; raises InvalidInput naming the field."""
    env = os.environ if env is None else env
    hints = typing.get_type_hints(ServerConfig)
    names = {f.name for f in fields(ServerConfig)}
    merged: dict[str, Any] = {}
    path = config_file or (Path(env["PROOFBOX_CONFIG"]) if env.get("PROOFBOX_CONFIG") else None)
    if path is not None:
        for key, value in _read_file(path).items():
            if key not in names:
                raise InvalidInput(f"unknown setting in {path}; known: {', '.join(sorted(names))}", field=key)
            merged[key] = _convert(key, hints[key], value)
    for name in names:
        for var in [f"PROOFBOX_{name.upper()}", *(k for k, v in ENV_ALIASES.items() if v == name)]:
            if env.get(var):
                merged[name] = _convert(name, hints[name], env[var])
    for name, value in (flags or {}).items():
        if value is not None:
            if name not in names:
                raise InvalidInput("unknown setting", field=name)
            merged[name] = _convert(name, hints[name], value)
    return replace(ServerConfig(), **merged) if merged else ServerConfig()
