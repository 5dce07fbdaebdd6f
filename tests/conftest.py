"""Shared fixtures: a private redis-server, the DigitalOcean simulator, the Slack stand-in,
and the bot itself served by uvicorn on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.entrypoints.http_server import create_app
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean import create_app as create_simulator_app
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.rules import Pace
from bot.settings import Settings, load_settings
from tests.constants import (
    DO_MINUTE,
    DO_SPEED,
    DO_TOKEN,
    SIGNING_SECRET,
    SLACK_SPEED,
    SLACK_TOKEN,
)
from tests.processes import BotProcess
from tests.servers import ServerThread
from tests.slack_driver import SlackDriver

__all__ = ["DO_TOKEN", "SIGNING_SECRET", "SLACK_TOKEN"]


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def sim() -> Simulator:
    # Both of DigitalOcean's rate windows are enforced, on a compressed clock (DO_SPEED)
    # that the bot's budget window matches.
    return Simulator.with_sample_apps(token=DO_TOKEN, clock=ScaledClock(rate=DO_SPEED))


@pytest.fixture
def sim_url(sim: Simulator) -> Iterator[str]:
    with ServerThread(create_simulator_app(sim), lifespan="off") as server:
        yield server.url


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(token=SLACK_TOKEN, pace=Pace(rate=SLACK_SPEED))
    with ServerThread(fake.app(), lifespan="off") as server:
        fake.url = server.url
        yield fake


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(redis_url: str, sim_url: str, slack: FakeSlack) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "slack_bot_token": SLACK_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": f"{slack.url}/api/",
            "digitalocean_token": DO_TOKEN,
            "digitalocean_api_url": sim_url,
            "redis_url": redis_url,
            "rollback_poll_interval": 0.05,
            "digitalocean_budget_window": DO_MINUTE,
            "slack_channel_pace": SLACK_SPEED,
            **overrides,
        }
        return load_settings(require_signing_secret=True, **values)

    return make


@pytest.fixture
def bot_url(make_settings: SettingsFactory) -> Iterator[str]:
    with ServerThread(create_app(make_settings())) as server:
        yield server.url


@pytest.fixture
def driver(bot_url: str, slack: FakeSlack) -> Iterator[SlackDriver]:
    client = SlackDriver(
        bot_url=bot_url, slack_url=slack.url, signing_secret=SIGNING_SECRET, slack=slack
    )
    yield client
    client.close()


BotFactory = Callable[..., SlackDriver]


@pytest.fixture
def start_bot(make_settings: SettingsFactory, slack: FakeSlack) -> Iterator[BotFactory]:
    """Start a bot (or several replicas) with extra settings; each gets its own driver."""
    running: list[tuple[ServerThread, SlackDriver]] = []

    def start(**overrides: Any) -> SlackDriver:
        server = ServerThread(create_app(make_settings(**overrides))).start()
        client = SlackDriver(
            bot_url=server.url, slack_url=slack.url, signing_secret=SIGNING_SECRET, slack=slack
        )
        running.append((server, client))
        return client

    yield start
    for server, client in running:
        client.close()
        server.stop()


ProcessFactory = Callable[..., BotProcess]


@pytest.fixture
def bot_process(
    redis_server: RedisServer, redis_url: str, sim_url: str, slack: FakeSlack
) -> Iterator[ProcessFactory]:
    """Start ``rollback-bot serve`` child processes (replicas) against the stand-ins."""
    started: list[BotProcess] = []

    def start(**settings: str) -> BotProcess:
        process = BotProcess(slack_url=slack.url, do_url=sim_url, redis_url=redis_url, **settings)
        started.append(process.start())
        return process

    yield start
    for process in started:
        process.close()
