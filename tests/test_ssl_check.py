"""Slack's certificate check (``ssl_check=1``) gets a 200 with an empty body, signed or not,
as Bolt's SslCheck middleware answers it; every other unsigned request still gets a 401."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from bot.sandbox.slack.fake import FakeSlack
from tests.slack_driver import SlackDriver

SSL_CHECK = urlencode({"ssl_check": "1", "token": "legacy-verification-token"})
FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_a_signed_ssl_check_is_answered_200_with_an_empty_body(driver: SlackDriver) -> None:
    answer = driver.post(SSL_CHECK)
    assert answer.status_code == 200
    assert answer.content == b""


@pytest.mark.parametrize(
    "body",
    [
        SSL_CHECK,
        # Fields of a command too: still only the check, nothing is run.
        SSL_CHECK + "&" + urlencode({"command": "/rollback", "text": "sample-golang"}),
    ],
)
def test_an_unsigned_ssl_check_is_answered_200_with_an_empty_body(
    driver: SlackDriver, slack: FakeSlack, body: str
) -> None:
    answer = httpx.post(f"{driver.bot_url}/slack/events", content=body, headers=FORM)
    assert answer.status_code == 200
    assert answer.content == b""
    assert slack.calls == [] and slack.responses == []


@pytest.mark.parametrize("ssl_check", ["0", ""])
def test_an_unsigned_command_is_still_refused(driver: SlackDriver, ssl_check: str) -> None:
    body = driver.command_body("sample-golang") + f"&ssl_check={ssl_check}"
    answer = httpx.post(f"{driver.bot_url}/slack/events", content=body, headers=FORM)
    assert answer.status_code == 401
    unsigned = httpx.post(
        f"{driver.bot_url}/slack/events", content=driver.command_body("help"), headers=FORM
    )
    assert unsigned.status_code == 401
