"""Twenty rollbacks at once against DigitalOcean's budget and Slack's posting pace in one
channel: no 429 from either, every thread complete.

DigitalOcean's minute is compressed tenfold (the simulator's clock runs 10x and the bot's
budget window is 6 s) so the test takes seconds; the counts are the real ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.digitalocean import Simulator, create_app
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.slack.fake import FakeSlack
from tests.conftest import BotFactory
from tests.constants import DO_TOKEN
from tests.flow import told_once_in_order, wait_reply
from tests.servers import ServerThread

SPEED = 10.0
APPS = 20


@pytest.fixture
def busy_sim() -> Simulator:
    sim = Simulator(token=DO_TOKEN, clock=ScaledClock(rate=SPEED))  # 250/min, 5,000/h
    now = sim.clock()
    for n in range(APPS):
        app = sim.add_app(f"shop-{n:02d}", created=now - 30 * 86400)
        sim.add_deployment(app, phase="SUPERSEDED", created=now - 3 * 86400)
        sim.add_deployment(app, phase="ACTIVE", created=now - 86400)
    return sim


@pytest.fixture
def busy_sim_url(busy_sim: Simulator) -> Iterator[str]:
    with ServerThread(create_app(busy_sim), lifespan="off") as server:
        yield server.url


def test_twenty_rollbacks_at_once_stay_within_the_budget(
    start_bot: BotFactory, slack: FakeSlack, busy_sim: Simulator, busy_sim_url: str
) -> None:
    driver = start_bot(
        digitalocean_api_url=busy_sim_url,
        digitalocean_requests_per_minute=240,
        digitalocean_budget_window=60 / SPEED,
        rollback_poll_interval=0.05,
    )
    for n in range(APPS):
        driver.command(f"shop-{n:02d}", user=f"UOPS{n:02d}")  # twenty on-call people
    slack.wait_for(lambda: len(slack.top_level()) == APPS, timeout=60)
    for card in slack.top_level():
        driver.press(card, "rollback_approve", user="UBOB")
    for card in slack.top_level():
        wait_reply(slack, card.ts, "is live on the rollback", timeout=120)
        texts = [m.text for m in slack.thread(card.ts)]
        assert len(texts) == len(set(texts)), card.text
        # Twenty threads in one channel wait on Slack's pace while DigitalOcean goes on:
        # a reply may tell several looks' changes, each still told once, in order.
        told_once_in_order(texts)
    statuses = [r.status for r in busy_sim.requests]
    assert 429 not in statuses
    # Twenty cards and their threads in one channel kept Slack's posting pace too.
    assert not [c for c in slack.calls if c.status == 429]
    # One look at the fleet told all twenty: no deployment was read by id, and the whole
    # flood took less than one (compressed) minute's budget, where a poll per rollback
    # took more than that (issue 15).
    assert busy_sim.count("GET", r"/v2/apps/[^/]+/deployments/.+") == 0
    assert len(statuses) < 250
