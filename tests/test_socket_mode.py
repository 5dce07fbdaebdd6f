"""``rollback-bot socket``: the HTTP mode's listeners, reached over a Socket Mode WebSocket.

The bot runs as a real child process against the loopback Slack (which serves the
WebSocket), the DigitalOcean simulator and a private Redis; no signing secret is set.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from bot.sandbox.ports import free_port
from bot.sandbox.slack.fake import APP_TOKEN, FakeSlack
from bot.store import keys
from bot.version import USER_AGENT
from tests.constants import DO_TOKEN, SIGNING_SECRET, SLACK_TOKEN
from tests.flow import wait_reply
from tests.processes import clean_env, run_bot, stand_in_env
from tests.socket_bot import SocketBot, approve_rollback, connected


@pytest.fixture
def socket_bot(
    slack: FakeSlack, sim_url: str, redis_url: str
) -> Iterator[Callable[..., SocketBot]]:
    started: list[SocketBot] = []

    def start(**extra: str) -> SocketBot:
        started.append(SocketBot(slack, sim_url=sim_url, redis_url=redis_url, **extra))
        return started[-1]

    yield start
    for bot in started:
        bot.close()


def test_socket_mode_rolls_back_with_a_second_persons_approval(
    slack: FakeSlack, socket_bot: Callable[..., SocketBot]
) -> None:
    with slack.socket_mode():
        bot = socket_bot()
        connected(bot, slack)
        assert bot.probe("/healthz", lambda r: True).json() == {"status": "ok"}
        card = approve_rollback(slack)
        wait_reply(slack, card.ts, "is live on the rollback", timeout=30)
        assert any(c.args.get("blocks") for c in slack.calls_to("chat.postMessage"))
        assert bot.terminate() == 0
    output = bot.log()
    records = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert any(r["logger"].startswith("uvicorn") for r in records)  # one format for all
    assert records[-1]["message"] == "socket mode: stopped"
    for secret in (SLACK_TOKEN, APP_TOKEN, DO_TOKEN):
        assert secret not in output


def test_sigterm_mid_rollback_hands_the_watch_to_the_next_bot(
    slack: FakeSlack, socket_bot: Callable[..., SocketBot], redis_url: str
) -> None:
    with slack.socket_mode():
        # With a signing secret too: Bolt does not verify Socket Mode envelopes.
        first = socket_bot(SLACK_SIGNING_SECRET=SIGNING_SECRET)
        connected(first, slack)
        card = approve_rollback(slack)
        wait_reply(slack, card.ts, "*RUNNING*", timeout=30)
        assert first.terminate() == 0
        assert slack.socket_open() == 0
        # The lease was given back on the way out, not left to expire.
        client = redis.Redis.from_url(redis_url, decode_responses=True)
        owners = [client.get(k) for k in client.scan_iter(keys.LEASE_PREFIX + "*")]
        assert not any(f":{first.pid}:" in str(owner) for owner in owners)
        assert client.scard(keys.ACTIVE_WATCHES) == 1
        second = socket_bot()
        connected(second, slack)
        wait_reply(slack, card.ts, "is live on the rollback", timeout=30)
        assert "following 1 more watch(es)" in second.log()


def test_readyz_says_unready_when_the_socket_drops(
    slack: FakeSlack, socket_bot: Callable[..., SocketBot]
) -> None:
    with slack.socket_mode():
        bot = socket_bot()
        connected(bot, slack)
    unready = bot.probe("/readyz", lambda r: r.status_code == 503)
    assert unready.json() == {"status": "unready", "reason": "not connected to slack"}
    assert bot.probe("/healthz", lambda r: True).status_code == 200
    assert bot.terminate(signal.SIGINT) == 0
    assert "socket mode: stopped" in bot.log()


def test_every_connection_uses_a_fresh_url(
    slack: FakeSlack, socket_bot: Callable[..., SocketBot]
) -> None:
    """Slack's URLs are temporary: one refused is replaced, and so is one used before."""
    with slack.socket_mode():
        slack.expire_next()  # dead by the time the bot uses it (start-up was slow, say)
        bot = socket_bot()
        ready = bot.probe("/readyz", lambda r: r.status_code == 200)
        assert ready.json() == {"status": "ready"}
        assert slack.tickets_refused == [1]
        assert slack.tickets_connected == [2]
        # Slack asks for a refresh ("disconnect" envelope): a new URL, not the used one.
        slack.send_all({"type": "disconnect", "reason": "refresh_requested"})
        slack.wait_for(lambda: slack.open_tickets() == [3])
        # Slack closes the connection: the same again.
        slack.close_sockets()
        slack.wait_for(lambda: slack.open_tickets() == [4])
        assert slack.tickets_refused == [1]
        assert bot.probe("/readyz", lambda r: r.status_code == 200).status_code == 200
        opens = slack.calls_to("apps.connections.open")
        assert len(opens) == 4
        assert all(c.headers["user-agent"].startswith(f"{USER_AGENT} ") for c in opens)
        assert bot.terminate() == 0
    assert APP_TOKEN not in bot.log()


def test_unreachable_slack_is_live_but_unready_and_stops_on_sigterm(
    socket_bot: Callable[..., SocketBot],
) -> None:
    bot = socket_bot(SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/")
    unready = bot.probe("/readyz", lambda r: r.status_code == 503)
    assert unready.json() == {"status": "unready", "reason": "not connected to slack"}
    assert bot.probe("/healthz", lambda r: True).status_code == 200
    assert bot.terminate() == 0  # even while still trying to reach Slack
    assert "socket mode: stopped" in bot.log()


@pytest.mark.parametrize(
    ("app_token", "expected"),
    [
        (
            None,
            "rollback-bot: SLACK_APP_TOKEN is not set: set it to an app-level token (xapp-…) "
            "with the connections:write scope (Slack app settings › Basic Information › "
            "App-Level Tokens).",
        ),
        (
            SLACK_TOKEN,
            "rollback-bot: SLACK_APP_TOKEN is not valid: it must be an app-level token "
            "starting with xapp- (Slack app settings › Basic Information › App-Level Tokens).",
        ),
    ],
)
def test_socket_mode_needs_an_app_token(
    tmp_path: Path, app_token: str | None, expected: str
) -> None:
    env = clean_env(SLACK_BOT_TOKEN=SLACK_TOKEN, DIGITALOCEAN_TOKEN=DO_TOKEN)
    if app_token is not None:
        env["SLACK_APP_TOKEN"] = app_token
    result = run_bot("socket", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == expected  # and so no token in it


def test_a_rejected_app_token_stops_start_up(
    tmp_path: Path, slack: FakeSlack, sim_url: str, redis_url: str
) -> None:
    slack.app_token = "xapp-1-A0001-9999-another"
    env = stand_in_env(
        slack_url=slack.url, do_url=sim_url, redis_url=redis_url, slack_app_token=APP_TOKEN
    )
    result = run_bot("socket", "--host", "127.0.0.1", "--port", "0", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "rollback-bot: Slack rejected SLACK_APP_TOKEN (invalid_auth): an operator should "
        "check that it is the app's app-level token with the connections:write scope and "
        "that Socket Mode is enabled for the app."
    )
    assert APP_TOKEN not in result.stderr and SLACK_TOKEN not in result.stderr
