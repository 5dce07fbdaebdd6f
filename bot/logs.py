"""Logging: one structured line per event, request context from contextvars, tokens redacted.

``LOG_FORMAT=json`` gives one JSON object per line (for log shippers); anything else gives
plain text for a terminal. ``LOG_LEVEL`` (default ``INFO``) sets the threshold.

Fields bound with ``bind(request_id=..., app=...)`` are added to every record logged in
that context, including by tasks started inside it (asyncio copies the context into new
tasks), so one request can be followed across the listener and its background work.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import secrets
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import IO, Any

_fields: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "rollback_bot_log_fields", default=MappingProxyType({})
)

# Slack bot/user/app/refresh tokens and DigitalOcean personal/OAuth/refresh tokens.
_SECRET = re.compile(r"(?:xox[abprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|do[opr]_v1_[A-Za-z0-9]+)")
REDACTED = "[redacted]"

# Attributes every LogRecord has; anything else on a record was added on purpose
# (``extra=`` or the context filter) and belongs in the output.
# uvicorn adds ``color_message``, a terminal-coloured copy of the message.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def redact(text: str) -> str:
    """``text`` with anything shaped like a Slack or DigitalOcean token replaced."""
    return _SECRET.sub(REDACTED, text)


def new_request_id() -> str:
    return secrets.token_hex(6)


@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every record logged inside the block (and in tasks it starts)."""
    token = _fields.set(MappingProxyType({**_fields.get(), **fields}))
    try:
        yield
    finally:
        _fields.reset(token)


def bound() -> dict[str, Any]:
    """The fields bound in the current context."""
    return dict(_fields.get())


class ContextFilter(logging.Filter):
    """Copies the bound fields onto each record (explicit ``extra=`` values win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _fields.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class RedactFilter(logging.Filter):
    """Defence in depth: no code should log a token, but if one does it is not written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call; logging reports it when the record is formatted
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in _extras(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        # default=str: an extra field that JSON cannot hold is still written, as text.
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = _extras(record)
        if extras:
            head, newline, rest = line.partition("\n")
            pairs = " ".join(f"{k}={v}" for k, v in extras.items())
            line = f"{head} [{pairs}]{newline}{rest}"
        return redact(line)


def level_from(env: Mapping[str, str]) -> str:
    """The configured level name; an unknown ``LOG_LEVEL`` falls back to INFO."""
    level = env.get("LOG_LEVEL", "INFO").strip().upper()
    return level if level in LEVELS else "INFO"


def configure(
    env: Mapping[str, str] | None = None, *, stream: IO[str] | None = None
) -> logging.Handler:
    """Route every logger (uvicorn's, Bolt's, httpx's and ours) through one handler."""
    env = os.environ if env is None else env
    handler = logging.StreamHandler(stream or sys.stderr)
    json_lines = env.get("LOG_FORMAT", "").strip().lower() == "json"
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    # On the handler, not a logger: handler filters also see records propagated from
    # child loggers, which logger filters on the root would not.
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactFilter())
    logging.basicConfig(level=level_from(env), handlers=[handler], force=True)
    # uvicorn (run with log_config=None) and the others log through the root handler,
    # at the root's level.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    return handler
