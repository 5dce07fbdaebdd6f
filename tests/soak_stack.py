"""What the soak test (tests/soak.py) runs against, all on loopback, stopped when it ends:
a persistent private Redis, the DigitalOcean simulator with one app per rollback, the fake
Slack, and ``rollback-bot serve`` replicas as child processes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean import create_app as create_simulator_app
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.digitalocean.progress import BUILD_FAILURE
from bot.sandbox.digitalocean.server import DroppedConnection
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.rules import Pace
from tests.constants import DO_SPEED, DO_TOKEN, SLACK_SPEED, SLACK_TOKEN
from tests.processes import BotProcess
from tests.servers import ServerThread

DAY = 86400.0


@dataclass
class Stack:
    redis_server: RedisServer
    sim: Simulator
    slack: FakeSlack
    replicas: list[BotProcess]
    apps: list[tuple[str, str]]
    """(name, id) of each app, one rollback each."""


def build_sim(
    rollbacks: int, *, step_seconds: float, failing_every: int
) -> tuple[Simulator, list[tuple[str, str]]]:
    """``rollbacks`` apps, each live with an earlier deployment to roll back to; every
    ``failing_every``-th app's rollback fails at build."""
    # DigitalOcean's minute and hour, on the tests' compressed clock (the replicas' budget
    # window matches it: tests.processes.BotProcess).
    sim = Simulator(token=DO_TOKEN, step_seconds=step_seconds, clock=ScaledClock(rate=DO_SPEED))
    now = sim.clock()
    apps = []
    for n in range(rollbacks):
        name = f"soak-{n:03d}"
        fails = failing_every > 0 and n % failing_every == failing_every - 1
        app_id = sim.add_app(
            name, created=now - 30 * DAY, rollback_failure=BUILD_FAILURE if fails else None
        )
        sim.add_deployment(app_id, phase="SUPERSEDED", created=now - 3 * DAY)
        sim.add_deployment(app_id, phase="ACTIVE", created=now - DAY)
        apps.append((name, app_id))
    return sim, apps


class _QuietDrops(logging.Filter):
    """uvicorn logs each deliberately dropped connection with a traceback; leave them out."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


@contextmanager
def stack(
    rollbacks: int, *, step_seconds: float, failing_every: int, replicas: int
) -> Iterator[Stack]:
    redis_server = RedisServer(persistent=True)  # so that a restart keeps what it had
    redis_server.start()
    sim, apps = build_sim(rollbacks, step_seconds=step_seconds, failing_every=failing_every)
    slack = FakeSlack(token=SLACK_TOKEN, pace=Pace(rate=SLACK_SPEED))
    quiet = _QuietDrops()
    started: list[BotProcess] = []
    try:
        with (
            ServerThread(create_simulator_app(sim), lifespan="off") as sim_server,
            ServerThread(slack.app(), lifespan="off") as slack_server,
        ):
            logging.getLogger("uvicorn.error").addFilter(quiet)
            slack.url = slack_server.url
            for _ in range(replicas):
                replica = BotProcess(
                    slack_url=slack.url,
                    do_url=sim_server.url,
                    redis_url=redis_server.url,
                    # Health is verified on the soak's scale (polls every 0.2 s, not 5 s).
                    rollback_verify_seconds="5",
                )
                started.append(replica)
                replica.start()
            yield Stack(redis_server, sim, slack, started, apps)
    finally:
        for replica in started:
            replica.close()
        logging.getLogger("uvicorn.error").removeFilter(quiet)
        redis_server.stop()
