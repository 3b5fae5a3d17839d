"""Structured logs: one JSON object per line, with the request id and tenant of the RPC being served,
and the caller's W3C trace (``trace_id``, ``span_id`` from its ``traceparent`` metadata) when it sent one."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

__all__ = ["REQUEST_ID", "TENANT", "TRACEPARENT", "JsonFormatter", "configure_logging", "log_event"]

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("proofbox_request_id", default="")
TENANT: contextvars.ContextVar[str] = contextvars.ContextVar("proofbox_tenant", default="")
TRACEPARENT: contextvars.ContextVar[str] = contextvars.ContextVar("proofbox_traceparent", default="")

LOGGER = logging.getLogger("proofbox.server")
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "request_id", "tenant", ...extra fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id, tenant = REQUEST_ID.get(), TENANT.get()
        if request_id:
            out["request_id"] = request_id
        if tenant:
            out["tenant"] = tenant
        traceparent = TRACEPARENT.get()
        if traceparent:  # W3C trace context: version-trace_id-parent_id-flags
            out["trace_id"], out["span_id"] = traceparent[3:35], traceparent[36:52]
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level msg key=value ...`` for people watching a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(
            f"{k}={v}" for k, v in record.__dict__.items() if k not in _RESERVED and not k.startswith("_")
        )
        request_id = REQUEST_ID.get()
        head = f"{datetime.fromtimestamp(record.created).strftime('%H:%M:%S')} {record.levelname:<7} "
        text = (
            head
            + record.getMessage()
            + (f" [{request_id}]" if request_id else "")
            + (f" {extra}" if extra else "")
        )
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        return text


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    """Send proofbox's logs to stderr in ``fmt`` ("json" or "text"); replaces earlier handlers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger("proofbox")
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False


def log_event(msg: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``msg`` with ``fields`` as top-level JSON keys."""
    LOGGER.log(level, msg, extra=fields)
