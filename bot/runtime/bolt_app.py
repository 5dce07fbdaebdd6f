"""The Bolt app the listeners attach to: one workspace, one token, no second signature check,
answers as soon as a listener returns."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

from bot.settings import Settings
from bot.slack.client import make_web_client


def bolt_app(settings: Settings, token: str) -> AsyncApp:
    async def authorize(**kwargs: Any) -> AuthorizeResult:
        # One workspace, one token: nothing to look up. Bolt's default would call
        # auth.test on the first request, making every request fail while Slack is down.
        return AuthorizeResult(
            enterprise_id=kwargs.get("enterprise_id"),
            team_id=kwargs.get("team_id"),
            bot_token=token,
        )

    return AsyncApp(
        # Listeners post through bot.slack.client, so Bolt's own client only needs the base URL.
        client=make_web_client(token=None, base_url=settings.slack_api_url),
        authorize=authorize,
        # bot.entrypoints.http_server checks every HTTP request's signature before Bolt sees
        # it (Socket Mode has none to check), so Bolt checking again would only cost time.
        request_verification_enabled=False,
        # Our listeners only ack and queue their work (bot.runtime.followups), so answering after
        # the listener returns is immediate and skips Bolt's 10 ms ack polling.
        process_before_response=True,
    )
