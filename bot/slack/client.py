"""Posting to Slack: the few Web API calls the bot makes, with typed errors and time bounds.

slack_sdk's retry handlers wait out 429s (honouring ``Retry-After``), retry dropped
connections and make a card edit again after Slack's 500 or 503, so callers see a
``SlackError`` only once those are exhausted. Each attempt
may take ``timeout`` seconds (15), connecting to reading the whole answer; the whole
call, retries and waits included, ``ATTEMPTS`` times that (30 s): room for one attempt
that hangs to its end plus one retry of a dropped connection or one short 429 wait.
Left alone, slack_sdk's retries (three connection attempts, four 429 waits of whatever
length Slack asks) could take minutes, and a hanging Slack once made one call take 40 s;
a person waiting on ``/rollback status`` should hear within half a minute that Slack is
not answering, and a watch tries again at its next step anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.domain.mrkdwn import escape
from bot.errors import SlackError
from bot.slack.blockkit.blocks import Message
from bot.version import USER_AGENT

log = logging.getLogger(__name__)

TIMEOUT = 15.0
"""Seconds one attempt at a Web API call may take."""
ATTEMPTS = 2
"""A whole call may take this many attempts' time, its retries and 429 waits included."""


class _AffordableRateLimitHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, declining a ``Retry-After`` longer than ``longest`` seconds.

    Waiting longer would only end in the call's own deadline, reported as "no answer";
    declined, the 429 reaches the caller as Slack's ``ratelimited`` at once.
    """

    def __init__(self, *, max_retry_count: int, longest: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.longest = longest

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        # slack_sdk's handler waits ``int(Retry-After) + random()`` (1 + random() without
        # the header): http_retry/builtin_async_handlers.py, prepare_for_next_attempt_async.
        values = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), [])
        first = values[0] if isinstance(values, list) and values else "0"
        wait = int(first) + 1 if first.isdigit() else 2
        return wait <= self.longest


class _EditAgainHandler(AsyncServerErrorRetryHandler):
    """slack_sdk's handler for Slack's 500 and 503, for ``chat.update`` alone.

    Slack's ``internal_error``: "The server could not complete your operation(s) without
    encountering an error, likely due to a transient issue on our end. It's possible some
    aspect of the operation succeeded before the error was raised." (chat.update, Errors.)
    An edit made twice shows the same message, so it is safe to make again, and a card left
    with a stale status (nothing else edits a rollback that never started) is not; a post
    made twice is two messages in the thread, so ``chat.postMessage`` is never retried.
    """

    async def _can_retry_async(self, *, request: HttpRequest, **answer: Any) -> bool:
        edit = request.url.endswith("/chat.update")
        return edit and await super()._can_retry_async(request=request, **answer)


def make_web_client(
    *, token: str | None, base_url: str, timeout: float = TIMEOUT
) -> AsyncWebClient:
    """A Web API client naming the bot in its User-Agent, ``timeout`` seconds an attempt.

    slack_sdk applies ``timeout`` only to the aiohttp sessions it creates itself, one per
    call (web/async_internal_utils.py ``_request_with_session``: ``ClientSession(timeout=
    ClientTimeout(total=timeout))`` when there is no running session); ``Chat.open`` gives
    its shared session the same timeout.
    """
    handlers: list[AsyncRetryHandler] = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        _AffordableRateLimitHandler(max_retry_count=4, longest=(ATTEMPTS - 1) * timeout),
        _EditAgainHandler(max_retry_count=2),
    ]
    return AsyncWebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        # Typed int in slack_sdk, but only ever handed to aiohttp.ClientTimeout (floats).
        timeout=timeout,  # type: ignore[arg-type]
        # "do-rollback-bot/0.1.0 Python/3.11.7 slackclient/3.48.0 Linux/…"
        user_agent_prefix=USER_AGENT,
        retry_handlers=handlers,
    )


def _answered(exc: SlackApiError) -> tuple[str, str]:
    """Slack's error code and the metrics outcome, for a call Slack answered.

    ``exc.response`` is a SlackResponse, except when a JSON body would not parse: then
    slack_sdk hands over the raw aiohttp response (async_internal_utils.py,
    ``raise SlackApiError(message, res)``), which has no ``.get``.
    """
    data = getattr(exc.response, "data", None)
    code = str(data.get("error") or "") if isinstance(data, dict) else ""
    status = getattr(exc.response, "status_code", None) or getattr(exc.response, "status", "")
    return code or "unknown_error", code or str(status) or "unknown_error"


class Chat:
    """Messages in channels and threads, and user-group lookups."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.timeout = float(client.timeout)
        """Seconds an attempt may take (``make_web_client``'s ``timeout``)."""
        self.deadline = ATTEMPTS * self.timeout
        """Seconds a whole call may take, retries included."""
        self.calls: Counter[tuple[str, str]] = Counter()
        """Calls by (method, outcome), for metrics: "ok", Slack's error code (or the HTTP
        status), "timeout" or "unreachable"."""

    async def open(self) -> None:
        """One HTTP session for every call: without it slack_sdk opens (and, against
        slack.com, TLS-handshakes) a new connection per call. It carries the timeout,
        which slack_sdk would not apply to a session it was given."""
        if self.client.session is None or self.client.session.closed:
            self.client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout)
            )

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
        response = await self._call(
            "chat.postMessage", lambda: self.client.chat_postMessage(**kwargs)
        )
        return str(response["ts"])

    async def update(self, channel: str, ts: str, message: Message) -> None:
        await self._call(
            "chat.update",
            lambda: self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            ),
        )

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Open a modal (``views.open``); Slack's answer's ``view`` (with its ``id``)."""
        response = await self._call(
            "views.open", lambda: self.client.views_open(trigger_id=trigger_id, view=view)
        )
        return dict(response.get("view") or {})

    async def update_view(
        self, view_id: str, view: dict[str, Any], *, hash_: str = ""
    ) -> dict[str, Any]:
        """Replace an open modal (``views.update``); with ``hash_``, only if nobody changed
        it since (Slack answers ``hash_conflict``)."""
        kwargs: dict[str, Any] = {"view_id": view_id, "view": view}
        if hash_:
            kwargs["hash"] = hash_
        response = await self._call("views.update", lambda: self.client.views_update(**kwargs))
        return dict(response.get("view") or {})

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """Show ``view`` as ``user_id``'s App Home tab (``views.publish``)."""
        await self._call(
            "views.publish", lambda: self.client.views_publish(user_id=user_id, view=view)
        )

    async def group_members(self, group_id: str) -> list[str]:
        """User ids in a Slack user group (needs the usergroups:read scope)."""
        response = await self._call(
            "usergroups.users.list", lambda: self.client.usergroups_users_list(usergroup=group_id)
        )
        return [str(u) for u in response.get("users") or []]

    async def _call(
        self, method: str, call: Callable[[], Awaitable[AsyncSlackResponse]]
    ) -> AsyncSlackResponse:
        """``call()`` within the deadline; every failure a ``SlackError``, logged once.

        slack_sdk re-raises what its retry handlers did not take as it is: aiohttp's
        exceptions (``ClientPayloadError``, ``ServerDisconnectedError``…) and
        ``asyncio.TimeoutError``, not only ``SlackClientError``.
        """
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.deadline):
                response = await call()
        except SlackApiError as exc:
            code, outcome = _answered(exc)
            self.calls[method, outcome] += 1
            log.warning("slack %s failed: %s", method, code)
            raise SlackError(f"Slack refused {method} ({escape(code)}).", code=code) from None
        except TimeoutError:  # an attempt's timeout, or the whole call's deadline
            self.calls[method, "timeout"] += 1
            log.warning(
                "slack %s failed: no answer after %.1f s", method, time.monotonic() - started
            )
            raise SlackError(f"Slack did not answer {method} in time.") from None
        except (SlackClientError, aiohttp.ClientError, OSError) as exc:
            self.calls[method, "unreachable"] += 1
            log.warning("slack %s failed: %s", method, type(exc).__name__)
            raise SlackError(f"Could not reach Slack for {method}.") from None
        self.calls[method, "ok"] += 1
        return response
