"""The log records of a bot served by ServerThread, uvicorn's included."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def every_record(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record from INFO up, uvicorn's too.

    Enter it after the server is built: ServerThread's uvicorn applies uvicorn's default
    logging config, where the "uvicorn" logger does not propagate, so its "Exception in
    ASGI application" tracebacks reach caplog only through a handler of its own.
    """
    caplog.set_level(logging.INFO)
    uvicorn_logger = logging.getLogger("uvicorn")
    uvicorn_logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        uvicorn_logger.removeHandler(caplog.handler)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Records with a traceback, or at ERROR and above (a traceback logged without one)."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.exc_info or r.exc_text or r.levelno >= logging.ERROR
    ]
