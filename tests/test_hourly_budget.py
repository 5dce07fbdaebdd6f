"""Hours of rollbacks back to back under DigitalOcean's two windows: no 429, no freeze.

Polls budgeted by the minute alone once used 0.8 × 240 a minute, 11,500 an hour, against
DigitalOcean's 5,000: an hour-long run hit the hourly limit, and one 429 then froze every
replica until ``ratelimit-reset``, often an hour away. Here a token a tenth of
DigitalOcean's size (25 a minute, 500 an hour; the bot takes 24 and 450) serves six lanes
that roll back, commit and start again for an hour and a half of simulated time (the
simulator's clock runs 360 times real time, so a simulated hour is ten real seconds).
The full-size run, 30 lanes for three hours on a 250/5,000 token, is ``python -m bench
--sections hours`` (BENCHMARKS.md).

Slack's pace is real-time and is not compressed with DigitalOcean's clock, so it is off
on both sides here; ``tests/test_channel_pace.py`` holds the bot to it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from bot.sandbox.digitalocean import Simulator, create_app
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.slack.fake import FakeSlack
from tests.conftest import BotFactory
from tests.constants import DO_TOKEN
from tests.lanes import LIVE, Lanes, busiest, longest_silence
from tests.servers import ServerThread
from tests.slack_driver import SlackDriver

SPEED = 360.0
HOURS = 1.5
LANES = 6
STEP_SECONDS = 120.0  # simulated seconds a rollback spends on each step: 16 min in all
PER_MINUTE, PER_HOUR = 25, 500  # the token
DAY = 86400.0


@pytest.fixture
def token_sim() -> Simulator:
    sim = Simulator(
        token=DO_TOKEN,
        step_seconds=STEP_SECONDS,
        rate_limit_per_minute=PER_MINUTE,
        rate_limit_per_hour=PER_HOUR,
        clock=ScaledClock(rate=SPEED),
    )
    now = sim.clock()
    for n in range(LANES):
        app = sim.add_app(f"shop-{n}", created=now - 30 * DAY)
        sim.add_deployment(app, phase="SUPERSEDED", created=now - 3 * DAY)
        sim.add_deployment(app, phase="ACTIVE", created=now - DAY)
    return sim


@pytest.fixture
def token_sim_url(token_sim: Simulator) -> Iterator[str]:
    with ServerThread(create_app(token_sim), lifespan="off") as server:
        yield server.url


@pytest.mark.timeout(120)
def test_hours_of_rollbacks_stay_within_both_windows(
    start_bot: BotFactory, slack: FakeSlack, token_sim: Simulator, token_sim_url: str
) -> None:
    slack.pace = None
    driver = start_bot(
        digitalocean_api_url=token_sim_url,
        digitalocean_requests_per_minute=PER_MINUTE - 1,
        digitalocean_requests_per_hour=PER_HOUR - 50,
        digitalocean_budget_window=60 / SPEED,
        rollback_poll_interval=5 / SPEED,
        slack_channel_pace=0,
    )
    lanes = Lanes(driver, slack, [(f"shop-{n}", f"CSHOP{n}") for n in range(LANES)])
    began = token_sim.clock()
    status_seconds = 0.0
    while token_sim.clock() - began < HOURS * 3600:
        lanes.step(starting=True)
        if not status_seconds and token_sim.clock() - began > HOURS * 1800:
            status_seconds = ask_status(driver, slack)
        time.sleep(0.005)
    deadline = time.monotonic() + 30
    while lanes.busy and time.monotonic() < deadline:
        lanes.step(starting=False)
        time.sleep(0.005)
    assert not lanes.busy, [(lane.app, lane.state) for lane in lanes.lanes]

    statuses = Counter(r.status for r in token_sim.requests)
    assert statuses[429] == 0, statuses
    times = [r.at for r in token_sim.requests if r.status != 429]
    # The hour was never overdrawn. (It is no longer nearly used up either: one look at
    # the fleet tells all six rollbacks, where each once took a poll of its own.)
    assert busiest(times, 3600) <= PER_HOUR
    assert busiest(times, 60) <= PER_MINUTE
    started = [m for m in slack.top_level() if m.text.startswith("Rollback shop-")]
    threads = [slack.thread(card.ts) for card in started]
    begun = [t for t in threads if any("Rollback started" in m.text for m in t)]
    assert len(begun) >= 10
    for thread in begun:  # every rollback told to its end, once
        assert sum(LIVE in m.text for m in thread) == 1, [m.text for m in thread]
    # Nobody was left waiting on DigitalOcean's reset: a watch is polled at least every
    # few simulated minutes, however full the hour.
    assert longest_silence(token_sim.requests) <= 240
    # People were told when the budget was used up, in one sentence with the time.
    told = [t for lane in lanes.lanes for t in lane.told if "used up" in t]
    assert all("frees up in about" in t for t in told)
    assert 0 < status_seconds < 3


def ask_status(driver: SlackDriver, slack: FakeSlack) -> float:
    """Send ``/rollback status`` and return how long its answer took (real seconds)."""
    sent = time.monotonic()
    driver.command("status", user="UCAROL", channel="CSHOP0")
    key = driver.last_key
    slack.wait_for(lambda: slack.response_texts(key), timeout=10)
    return time.monotonic() - sent
