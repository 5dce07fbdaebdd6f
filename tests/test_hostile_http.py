"""Requests nobody signed, or that never finish: refused cheaply, one warning line each.

Malformed signature headers or bodies get a 400 or 401 (never a 500 and a traceback), a
body over the limit a 413 before it is read, a body that does not arrive in time a 408 and
a closed connection, and a request still arriving holds no follow-up work up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from bot.entrypoints.http_server import BODY_DEADLINE, MAX_BODY
from bot.runtime.request_lull import LONGEST
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.requests import sign
from tests.constants import SIGNING_SECRET
from tests.log_records import every_record, tracebacks
from tests.raw_http import (
    closed_by_server,
    connect,
    exchange,
    read_answer,
    request_head,
)
from tests.slack_driver import SlackDriver

FORM = (b"content-type", b"application/x-www-form-urlencoded")


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture, bot_url: str) -> Iterator[pytest.LogCaptureFixture]:
    with every_record(caplog):  # after bot_url: its uvicorn configures logging
        yield caplog


def assert_one_warning(caplog: pytest.LogCaptureFixture) -> str:
    """Exactly one warning was logged, by bot.entrypoints.http_server, on one line, and no
    traceback: its text."""
    assert tracebacks(caplog) == []
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.levelname) for r in warned] == [("bot.entrypoints.http_server", "WARNING")]
    assert "\n" not in warned[0].getMessage()
    return warned[0].getMessage()


def signed(body: bytes, *, timestamp: str | None = None) -> list[tuple[bytes, bytes]]:
    ts = timestamp if timestamp is not None else str(int(time.time()))
    return [
        FORM,
        (b"x-slack-request-timestamp", ts.encode()),
        (b"x-slack-signature", sign(SIGNING_SECRET, ts, body).encode()),
    ]


COMMAND = urlencode({"command": "/rollback", "text": "help"}).encode()
NOW = str(int(time.time()))


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        pytest.param(signed(COMMAND, timestamp="abc"), COMMAND, 400, id="timestamp-abc"),
        pytest.param(signed(COMMAND, timestamp=""), COMMAND, 400, id="timestamp-empty"),
        pytest.param(signed(COMMAND, timestamp="1.5"), COMMAND, 400, id="timestamp-float"),
        pytest.param(signed(COMMAND, timestamp="9" * 5000), COMMAND, 400, id="timestamp-5000"),
        pytest.param(signed(COMMAND, timestamp="١٧٠٠٠٠٠٠٠٠"), COMMAND, 400, id="timestamp-arabic"),
        pytest.param(
            [*signed(COMMAND)[:2], (b"x-slack-signature", b"v0=\xe9" + b"0" * 63)],
            COMMAND,
            401,
            id="signature-not-ascii",
        ),
        pytest.param(signed(b"text=\xff\xfe"), b"text=\xff\xfe", 400, id="body-not-utf8"),
        pytest.param(
            [FORM, (b"x-slack-request-timestamp", NOW.encode())], COMMAND, 401, id="no-signature"
        ),
        pytest.param(
            [*signed(COMMAND)[:2], (b"x-slack-signature", b"v0=" + b"0" * 64)],
            COMMAND,
            401,
            id="wrong-signature",
        ),
    ],
)
def test_a_malformed_or_unsigned_request_gets_4xx_and_one_warning(
    bot_url: str,
    logged: pytest.LogCaptureFixture,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    status: int,
) -> None:
    framing = (b"content-length", str(len(body)).encode())
    head = request_head(f"{bot_url}/slack/events", [*headers, framing])
    answer = exchange(bot_url, head + body)
    assert answer.status == status, answer.text
    assert_one_warning(logged)


@pytest.mark.parametrize(
    ("payload", "raised"),
    [
        ("{", "JSONDecodeError"),  # AsyncBoltRequest parses the payload...
        ("1", "AttributeError"),  # ... and takes it for an object
        ("null", "AttributeError"),
        ('"x"', "AttributeError"),
        ('{"type": "block_actions", "user": 7}', "TypeError"),
        # Bolt's own action matcher reads action["action_id"] (listener_matcher/builtins.py)
        ('{"type": "block_actions", "actions": [{}]}', "KeyError"),
    ],
)
def test_a_signed_payload_bolt_cannot_handle_gets_the_usual_sentence_and_one_warning(
    driver: SlackDriver, logged: pytest.LogCaptureFixture, payload: str, raised: str
) -> None:
    answer = driver.post(urlencode({"payload": payload}))
    assert answer.status_code == 200
    assert answer.json()["text"] == "The bot could not understand that request."
    assert assert_one_warning(logged).endswith(f"Bolt raised {raised}")


def test_a_declared_oversized_body_is_refused_413_before_it_is_sent(
    bot_url: str, logged: pytest.LogCaptureFixture
) -> None:
    # The head alone: a server that waited for the 100 MB would never answer.
    head = request_head(
        f"{bot_url}/slack/events", [FORM, (b"content-length", str(100 * 1024 * 1024).encode())]
    )
    with connect(bot_url, timeout=BODY_DEADLINE / 2) as sock:
        sock.sendall(head)
        answer = read_answer(sock)
        assert answer.status == 413
        assert answer.headers["connection"] == "close"
        assert closed_by_server(sock, within=1)
    assert_one_warning(logged)


def test_a_chunked_body_is_refused_413_once_past_the_limit(
    bot_url: str, logged: pytest.LogCaptureFixture
) -> None:
    head = request_head(f"{bot_url}/slack/events", [FORM, (b"transfer-encoding", b"chunked")])
    chunk = 64 * 1024
    with connect(bot_url, timeout=BODY_DEADLINE / 2) as sock:
        sock.sendall(head)
        # Just past the limit, then nothing more and no last chunk: a server reading the
        # whole body would wait for the rest.
        for _ in range(MAX_BODY // chunk + 1):
            sock.sendall(f"{chunk:x}\r\n".encode() + b"a" * chunk + b"\r\n")
        answer = read_answer(sock)
        assert answer.status == 413
        assert closed_by_server(sock, within=1)
    assert_one_warning(logged)


def test_a_body_at_the_limit_is_read(driver: SlackDriver) -> None:
    command = urlencode({"command": "/rollback", "text": "help", "pad": ""})
    answer = driver.post(command + "a" * (MAX_BODY - len(command)))
    assert answer.status_code == 200
    assert "/rollback" in answer.text  # the help text: the command was read and answered


def test_a_body_that_never_finishes_gets_408_and_a_closed_connection(
    bot_url: str, logged: pytest.LogCaptureFixture
) -> None:
    head = request_head(f"{bot_url}/slack/events", [FORM, (b"content-length", b"100")])
    with connect(bot_url, timeout=BODY_DEADLINE + 2) as sock:
        sent = time.monotonic()
        sock.sendall(head + b"command=%2Frollback")
        answer = read_answer(sock)
        assert answer.status == 408
        assert BODY_DEADLINE <= time.monotonic() - sent < BODY_DEADLINE + 1
        assert closed_by_server(sock, within=1)
    assert_one_warning(logged)


def test_a_request_still_arriving_holds_no_follow_up_work_up(
    bot_url: str, driver: SlackDriver, slack: FakeSlack
) -> None:
    head = request_head(f"{bot_url}/slack/events", [FORM, (b"content-length", b"100")])
    with connect(bot_url) as slow:
        slow.sendall(head + b"command=%2Frollback")  # and the rest never comes
        asked = time.monotonic()
        assert driver.command("sample-golang").status_code == 200
        # The card is follow-up work: it waits for a lull in requests, LONGEST at most.
        card = slack.wait_for(
            lambda: next(
                (m for m in slack.top_level() if "Rollback sample-golang" in m.text), None
            ),
            timeout=LONGEST,
        )
        took = time.monotonic() - asked
        assert card.buttons()  # a proposal card, posted while the slow body was still due
        assert took < LONGEST / 2, f"the card waited {took:.2f} s for a request still arriving"
