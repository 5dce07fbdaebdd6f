"""Posting to Slack: the few Web API calls the bot makes, with typed errors.

slack_sdk's retry handlers wait out 429s (honouring ``Retry-After``) and retry dropped
connections, so callers see a ``SlackError`` only once those are exhausted.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Message
from bot.errors import SlackError

log = logging.getLogger(__name__)


def make_web_client(*, token: str | None, base_url: str, timeout: int = 15) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=4),
        ],
    )


def _outcome(exc: SlackClientError) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error") or exc.response.status_code)
    return "unreachable"


def _error(method: str, exc: SlackClientError) -> SlackError:
    if isinstance(exc, SlackApiError):
        code = exc.response.get("error", "unknown_error") if exc.response else "unknown_error"
        log.warning("slack %s failed: %s", method, code)
        return SlackError(f"Slack refused {method} ({code}).")
    log.warning("slack %s failed: %s", method, type(exc).__name__)
    return SlackError(f"Could not reach Slack for {method}.")


class Chat:
    """Messages in channels and threads, and user-group lookups."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.calls: Counter[tuple[str, str]] = Counter()
        """Calls by (method, outcome), for metrics: "ok" or Slack's error code."""

    async def open(self) -> None:
        """One HTTP session for every call: without it slack_sdk opens (and, against
        slack.com, TLS-handshakes) a new connection per call."""
        if self.client.session is None or self.client.session.closed:
            self.client.session = aiohttp.ClientSession()

    async def aclose(self) -> None:
        session, self.client.session = self.client.session, None
        if session is not None:
            await session.close()

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        """Post a message (in a thread when ``thread_ts`` is given) and return its ts."""
        kwargs: dict[str, Any] = {
            "channel": channel,
            "text": message.text,
            "blocks": message.blocks,
        }
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        try:
            response = await self.client.chat_postMessage(**kwargs)
        except SlackClientError as exc:
            self.calls["chat.postMessage", _outcome(exc)] += 1
            raise _error("chat.postMessage", exc) from None
        self.calls["chat.postMessage", "ok"] += 1
        return str(response["ts"])

    async def update(self, channel: str, ts: str, message: Message) -> None:
        try:
            await self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            )
        except SlackClientError as exc:
            self.calls["chat.update", _outcome(exc)] += 1
            raise _error("chat.update", exc) from None
        self.calls["chat.update", "ok"] += 1

    async def group_members(self, group_id: str) -> list[str]:
        """User ids in a Slack user group (needs the usergroups:read scope)."""
        try:
            response = await self.client.usergroups_users_list(usergroup=group_id)
        except SlackClientError as exc:
            self.calls["usergroups.users.list", _outcome(exc)] += 1
            raise _error("usergroups.users.list", exc) from None
        self.calls["usergroups.users.list", "ok"] += 1
        return [str(u) for u in response.get("users") or []]
