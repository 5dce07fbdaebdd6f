"""The loopback stand-ins: a private Redis, the DigitalOcean simulator and a fake Slack.

The simulator and the fake Slack are served by uvicorn in threads of this process, each
behind a ``Tap`` that timestamps every request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from bench.tap import Rewrite, Tap
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean import create_app as create_simulator_app
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.slack.fake import FakeSlack
from tests.constants import SLACK_TOKEN
from tests.servers import ServerThread

_DAY = 86400.0


@dataclass
class Stands:
    sim: Simulator
    sim_url: str
    sim_tap: Tap
    slack: FakeSlack
    slack_tap: Tap


@contextmanager
def private_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def redis_client(server: RedisServer) -> redis.Redis:
    return redis.Redis(port=server.port, decode_responses=True)


@contextmanager
def stands(sim: Simulator, *, rewrite: Rewrite | None = None) -> Iterator[Stands]:
    """Serve ``sim`` and a fresh fake Slack on loopback until the block ends."""
    slack = FakeSlack(token=SLACK_TOKEN)
    sim_tap = Tap(create_simulator_app(sim), rewrite=rewrite)
    slack_tap = Tap(slack.app(), keep_bodies=True)
    with (
        ServerThread(sim_tap, lifespan="off") as sim_server,
        ServerThread(slack_tap, lifespan="off") as slack_server,
    ):
        slack.url = slack_server.url
        yield Stands(sim, sim_server.url, sim_tap, slack, slack_tap)


def add_apps(sim: Simulator, count: int, *, prefix: str = "bench") -> list[tuple[str, str]]:
    """``count`` apps, each live on a deployment with an earlier one to roll back to."""
    now = sim.clock()
    made = []
    for i in range(count):
        name = f"{prefix}-{i:03d}"
        app_id = sim.add_app(name, region="ams", created=now - 30 * _DAY)
        sim.add_deployment(app_id, phase="SUPERSEDED", created=now - 3 * _DAY)
        sim.add_deployment(app_id, phase="ACTIVE", created=now - 1 * _DAY)
        made.append((name, app_id))
    return made
