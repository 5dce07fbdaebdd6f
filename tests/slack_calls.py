"""Calling the Slack stand-in as the bot's client does, and reading what it refused."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.sandbox.slack.fake import FakeSlack
from tests.constants import SLACK_TOKEN


def web_client(slack: FakeSlack) -> WebClient:
    """slack_sdk's client on the stand-in's Web API, without retries."""
    return WebClient(token=SLACK_TOKEN, base_url=f"{slack.url}/api/", retry_handlers=[])


def refused(call: Any, **kwargs: Any) -> SlackResponse:
    """Slack's answer to a call it refuses."""
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    response: SlackResponse = caught.value.response
    return response


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
