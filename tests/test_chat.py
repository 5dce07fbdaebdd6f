"""bot.slack.client against a Slack that hangs, cuts answers short or drops connections.

Every failure is a ``SlackError`` (code "" when Slack could not be reached or did not
answer in time, Slack's error code when it answered) within a bound, never a raw
aiohttp exception; and every call names the bot in its User-Agent.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.errors import SlackError
from bot.sandbox.slack.fake import FakeSlack
from bot.slack.blockkit.blocks import Message
from bot.slack.client import ATTEMPTS, Chat, make_web_client
from bot.version import USER_AGENT
from tests.constants import SLACK_TOKEN
from tests.hostile_slack import RETRY_AFTER, SLOW_DROP, Behaviour, RawSlack

TIMEOUT = 0.5  # seconds an attempt may take here (15 in production)
SLACK = 1.0  # seconds of room for a busy machine
BOUND = ATTEMPTS * TIMEOUT + SLACK  # the whole call's bound
GUARD = 10.0  # today's code hangs for minutes: fail the test instead
HELLO = Message(text="hello")


async def chat_for(base_url: str, *, timeout: float = TIMEOUT) -> Chat:
    chat = Chat(make_web_client(token=SLACK_TOKEN, base_url=base_url, timeout=timeout))
    await chat.open()
    return chat


@pytest.fixture
async def closing() -> AsyncIterator[list[Chat]]:
    chats: list[Chat] = []
    yield chats
    for chat in chats:
        await chat.aclose()


async def failed_post(chat: Chat) -> tuple[SlackError, float]:
    """Post, expecting a ``SlackError``; with how long the call took."""
    started = time.monotonic()
    async with asyncio.timeout(GUARD):
        with pytest.raises(SlackError) as caught:
            await chat.post("CDEPLOY", HELLO)
    return caught.value, time.monotonic() - started


async def test_a_slack_that_never_answers_is_a_slack_error_within_the_bound(
    closing: list[Chat], caplog: pytest.LogCaptureFixture
) -> None:
    async with RawSlack("hang") as slack:
        chat = await chat_for(slack.url)
        closing.append(chat)
        with caplog.at_level(logging.WARNING, logger="bot.slack.client"):
            error, elapsed = await failed_post(chat)
    assert elapsed < BOUND
    assert error.code == ""
    assert error.user_message == "Slack did not answer chat.postMessage in time."
    assert chat.calls["chat.postMessage", "timeout"] == 1
    assert any("chat.postMessage" in r.getMessage() for r in caplog.records)
    assert SLACK_TOKEN not in caplog.text


async def test_retries_end_at_the_whole_calls_deadline(closing: list[Chat]) -> None:
    # Each attempt ends within its timeout (dropped after 0.4 s) and is retried, twice,
    # after slack_sdk's backoff (0.5 s, then 1 s, each plus up to 1 s of jitter): 2.7 s at
    # least in all. The call's deadline ends it at ATTEMPTS × TIMEOUT.
    async with RawSlack("slow_drop") as slack:
        chat = await chat_for(slack.url)
        closing.append(chat)
        error, elapsed = await failed_post(chat)
        assert slack.connections < 3  # the last retry never went out
    assert 3 * SLOW_DROP + 1.5 > BOUND > elapsed
    assert error.code == ""
    assert error.user_message == "Slack did not answer chat.postMessage in time."
    assert chat.calls["chat.postMessage", "timeout"] == 1


# A dropped connection is retried twice, after slack_sdk's backoff (0.5 s, then 1 s, each
# plus up to 1 s of jitter): 3 s attempts leave the whole call (6 s) room for both.
@pytest.mark.parametrize(("behaviour", "attempts", "timeout"), [("cut", 1, 0.5), ("drop", 3, 3.0)])
async def test_a_broken_answer_is_a_slack_error(
    closing: list[Chat],
    caplog: pytest.LogCaptureFixture,
    behaviour: Behaviour,
    attempts: int,
    timeout: float,
) -> None:
    async with RawSlack(behaviour) as slack:
        chat = await chat_for(slack.url, timeout=timeout)
        closing.append(chat)
        with caplog.at_level(logging.WARNING, logger="bot.slack.client"):
            error, elapsed = await failed_post(chat)
        # slack_sdk's connection-error handler still retries a dropped connection twice;
        # a truncated body (ClientPayloadError) is not one of its error types.
        assert slack.connections == attempts
    assert elapsed < ATTEMPTS * timeout + SLACK
    assert error.code == ""
    assert error.user_message == "Could not reach Slack for chat.postMessage."
    assert chat.calls["chat.postMessage", "unreachable"] == 1
    assert any("chat.postMessage" in r.getMessage() for r in caplog.records)


async def test_a_rate_limit_longer_than_the_call_can_wait_fails_at_once(
    closing: list[Chat],
) -> None:
    async with RawSlack("slow_429") as slack:
        chat = await chat_for(slack.url)
        closing.append(chat)
        error, elapsed = await failed_post(chat)
        assert slack.connections == 1  # no second attempt after a wait it cannot afford
    assert RETRY_AFTER > BOUND
    assert elapsed < BOUND
    assert error.code == "ratelimited"
    assert chat.calls["chat.postMessage", "ratelimited"] == 1


async def test_calls_name_the_bot_and_its_version_in_the_user_agent(
    closing: list[Chat], slack: FakeSlack
) -> None:
    version = importlib.metadata.version("do-rollback-bot")
    assert f"do-rollback-bot/{version}" == USER_AGENT
    chat = await chat_for(f"{slack.url}/api/")
    closing.append(chat)
    assert await chat.post("CDEPLOY", HELLO) == "1700000000.000001"
    (call,) = slack.calls_to("chat.postMessage")
    # The product token first (RFC 9110 §10.1.5: "in their order of significance"),
    # then slack_sdk's own (Python/…, slackclient/…).
    assert call.headers["user-agent"].startswith(f"{USER_AGENT} Python/")
    assert "slackclient/" in call.headers["user-agent"]


async def test_a_card_edit_slack_failed_to_make_is_made_again(
    closing: list[Chat], slack: FakeSlack
) -> None:
    chat = await chat_for(f"{slack.url}/api/", timeout=5.0)  # room for slack_sdk's backoff
    closing.append(chat)
    ts = await chat.post("CDEPLOY", HELLO)
    slack.fail("chat.update", status=500, error="internal_error", times=2)
    async with asyncio.timeout(GUARD):
        await chat.update("CDEPLOY", ts, Message(text="edited"))
    assert slack.message(ts).text == "edited"
    assert len(slack.calls_to("chat.update")) == 3
    assert chat.calls["chat.update", "ok"] == 1


async def test_a_post_slack_failed_to_make_is_not_sent_again(
    closing: list[Chat], slack: FakeSlack
) -> None:
    chat = await chat_for(f"{slack.url}/api/")
    closing.append(chat)
    slack.fail("chat.postMessage", status=500, error="internal_error")
    error, _ = await failed_post(chat)
    assert error.code == "internal_error"
    assert len(slack.calls_to("chat.postMessage")) == 1  # it may have been posted after all
    assert slack.top_level("CDEPLOY") == []
