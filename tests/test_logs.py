"""bot.logs: structured lines, bound request context, redaction and LOG_LEVEL."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot import logs
from bot.sandbox.slack.fake import APP_TOKEN, FakeSlack
from tests.constants import DO_TOKEN, SLACK_TOKEN
from tests.flow import wait_response
from tests.slack_driver import SlackDriver

log = logging.getLogger("bot.test_logs")
Configure = Callable[..., io.StringIO]


@pytest.fixture
def configure() -> Iterator[Configure]:
    """``configure(**env)`` sets up logging into a buffer; the root is restored after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def setup(**env: str) -> io.StringIO:
        buffer = io.StringIO()
        logs.configure(env, stream=buffer)
        return buffer

    yield setup
    root.handlers[:] = handlers
    root.setLevel(level)


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_json_lines_carry_the_bound_fields(configure: Configure) -> None:
    buffer = configure(LOG_FORMAT="json")

    async def background() -> None:
        log.info("in a task started inside the block")

    async def request() -> None:
        with logs.bind(request_id="r-1", app="sample-golang"):
            log.info("card posted for %s", "sample-golang", extra={"deployment": "d-9"})
            task = asyncio.create_task(background())
        await task  # runs after the block ended: the task kept its copy of the context

    asyncio.run(request())
    log.warning("outside")
    first, second, third = records(buffer)
    assert first["message"] == "card posted for sample-golang"
    assert first["level"] == "INFO" and first["logger"] == "bot.test_logs"
    assert first["time"].endswith("+00:00")
    assert (first["request_id"], first["app"], first["deployment"]) == (
        "r-1",
        "sample-golang",
        "d-9",
    )
    assert (second["request_id"], second["app"]) == ("r-1", "sample-golang")
    assert set(third) == {"time", "level", "logger", "message"}
    assert logs.bound() == {}


def test_nested_binds_add_up_and_unwind(configure: Configure) -> None:
    buffer = configure(LOG_FORMAT="json")
    with logs.bind(request_id="r-2"):
        with logs.bind(app="a"):
            assert logs.bound() == {"request_id": "r-2", "app": "a"}
            log.info("inner")
        log.info("outer")
    inner, outer = records(buffer)
    assert (inner["request_id"], inner["app"]) == ("r-2", "a")
    assert "app" not in outer and outer["request_id"] == "r-2"


def test_text_lines_show_the_bound_fields(configure: Configure) -> None:
    buffer = configure()
    with logs.bind(request_id="r-3"):
        log.info("hello")
    line = buffer.getvalue().strip()
    assert line.endswith(" INFO bot.test_logs: hello [request_id=r-3]")


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_tokens_are_redacted(configure: Configure, fmt: str) -> None:
    buffer = configure(LOG_FORMAT=fmt)
    user_token = "xoxp-1234-5678-abcdef"
    refresh = "dor_v1_" + "ab" * 32
    log.warning("sent %s and %s", SLACK_TOKEN, DO_TOKEN)
    log.error("app token " + APP_TOKEN + " and " + user_token)
    try:
        raise RuntimeError(f"refused {refresh}")
    except RuntimeError:
        log.exception("failed")
    with logs.bind(request_id=SLACK_TOKEN):
        log.info("bound")
    output = buffer.getvalue()
    for secret in (SLACK_TOKEN, DO_TOKEN, APP_TOKEN, user_token, refresh):
        assert secret not in output
    assert "sent [redacted] and [redacted]" in output
    assert "app token [redacted] and [redacted]" in output
    assert "refused [redacted]" in output


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "deployment 7704be64 of app sample-golang, channel C0DEPLOY, user xoxo"
    assert logs.redact(text) == text


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        ("WARNING", ["warning", "error"]),
        ("debug", ["debug", "info", "warning", "error"]),
        (None, ["info", "warning", "error"]),  # default INFO
        ("LOUD", ["info", "warning", "error"]),  # unknown: INFO, not a crash
    ],
)
def test_log_level_filters(configure: Configure, level: str | None, shown: list[str]) -> None:
    buffer = configure(LOG_FORMAT="json", **({"LOG_LEVEL": level} if level else {}))
    log.debug("debug")
    log.info("info")
    log.warning("warning")
    log.error("error")
    assert [r["message"] for r in records(buffer)] == shown


def test_uvicorn_logs_go_through_the_same_handler(configure: Configure) -> None:
    buffer = configure(LOG_FORMAT="json")
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 1)
    (record,) = records(buffer)
    assert (record["logger"], record["message"]) == ("uvicorn.error", "Started server process [1]")


def test_a_request_binds_its_id_to_every_line(
    driver: SlackDriver, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Lines logged while handling one command, in the ack and the task after it, share an id."""
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(logs.ContextFilter())  # as logs.configure() installs it
    driver.command("no-such-app", user="UALICE")
    wait_response(slack, "no-such-app")
    ids = {
        getattr(r, "request_id", None)
        for r in caplog.records
        if r.name.startswith("bot.") and getattr(r, "user", None) == "UALICE"
    }
    assert len(ids) == 1 and None not in ids
    logged = [r.getMessage() for r in caplog.records if getattr(r, "request_id", None) in ids]
    assert any("command propose" in m for m in logged)
    assert any("request refused" in m for m in logged)  # from the task after the ack
