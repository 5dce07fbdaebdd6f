"""Section 4: hours of rollbacks back to back, on DigitalOcean's real token limits.

Thirty lanes (``tests.lanes``: each an app in its own channel) roll back, commit and start
again for three simulated hours against a simulator enforcing DigitalOcean's documented
windows, 250 requests a minute and 5,000 an hour; the bot (``rollback-bot serve``, a child
process) keeps its default shares, 240 and 4,500. The simulator's clock runs ``scale``
times real time and the bot's budget window follows (``DIGITALOCEAN_BUDGET_WINDOW``);
rollbacks progress by the simulated clock. Slack's per-channel pace is real-time and is
off on both sides, as it cannot be compressed with DigitalOcean's clock.

Polls budgeted by the minute alone would use 0.8 × 240 × 60 = 11,520 calls an hour: the
hourly limit would answer 429 within the first half hour, and one 429 once froze the bot
until ``ratelimit-reset``, up to an hour away.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from bench.procs import Service
from bench.stack import private_redis, stands
from bench.stats import Row
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.clock import ScaledClock
from tests.constants import DO_TOKEN, SIGNING_SECRET
from tests.fake_slack import FakeSlack
from tests.lanes import LIVE, Lanes, busiest, longest_silence
from tests.processes import serve_env
from tests.slack_driver import SlackDriver

DAY = 86400.0
LIMIT_MINUTE, LIMIT_HOUR = 250, 5000  # DigitalOcean's, per token
BOT_MINUTE, BOT_HOUR = 240, 4500  # the bot's defaults
BURST_WINDOW = 60.0


@dataclass(frozen=True)
class HoursConfig:
    lanes: int = 30
    hours: float = 3.0
    scale: float = 60.0  # simulated seconds per real second
    step_seconds: float = 30.0  # a rollback is 8 steps: 4 simulated minutes
    poll_interval: float = 5.0  # ROLLBACK_POLL_INTERVAL, simulated seconds


@dataclass
class HoursRun:
    """What the hours did: DigitalOcean's answers by status, the busiest hour and minute,
    the rollbacks begun and told to the end, what people were told and how fast, and the
    time and CPU it took."""

    calls: Counter[int] = field(default_factory=Counter)
    busiest_hour: int = 0
    busiest_minute: int = 0
    begun: int = 0
    told_to_the_end: int = 0
    longest_silence: float = 0.0  # simulated seconds a followed deployment went unpolled
    used_up: int = 0  # answers that said the budget was used up, with when it frees up
    used_up_without_time: int = 0
    status_seconds: float = 0.0
    real_seconds: float = 0.0
    bot_cpu: float = 0.0
    refused_by_slack: int = 0


def _sim(cfg: HoursConfig) -> Simulator:
    sim = Simulator(
        token=DO_TOKEN,
        step_seconds=cfg.step_seconds,
        rate_limit_per_minute=LIMIT_MINUTE,
        rate_limit_per_hour=LIMIT_HOUR,
        clock=ScaledClock(rate=cfg.scale),
    )
    now = sim.clock()
    for n in range(cfg.lanes):
        app = sim.add_app(f"lane-{n:02d}", created=now - 30 * DAY)
        sim.add_deployment(app, phase="SUPERSEDED", created=now - 3 * DAY)
        sim.add_deployment(app, phase="ACTIVE", created=now - DAY)
    return sim


def measure(cfg: HoursConfig) -> HoursRun:
    run = HoursRun()
    sim = _sim(cfg)
    with private_redis() as redis_server, stands(sim) as st:
        st.slack.pace = None
        env = serve_env(
            slack_url=st.slack.url,
            do_url=st.sim_url,
            redis_url=redis_server.url,
            digitalocean_budget_window=str(60 / cfg.scale),
            rollback_poll_interval=str(cfg.poll_interval / cfg.scale),
            slack_channel_pace="0",
        )
        env["LOG_LEVEL"] = "WARNING"  # budget refusals are expected here by the thousand
        bot = Service("bot", ["serve", "--host", "127.0.0.1"], env=env).start()
        driver = SlackDriver(bot_url=bot.url, slack_url=st.slack.url, signing_secret=SIGNING_SECRET)
        try:
            began = time.monotonic()
            _drive(cfg, run, sim, driver, st.slack)
            run.real_seconds = time.monotonic() - began
            run.bot_cpu = bot.cpu_seconds()
        finally:
            driver.close()
            bot.stop()
            bot.close()
        _tally(run, sim, st.slack)
    return run


def _drive(
    cfg: HoursConfig, run: HoursRun, sim: Simulator, driver: SlackDriver, slack: FakeSlack
) -> None:
    lanes = Lanes(driver, slack, [(f"lane-{n:02d}", f"CLANE{n:02d}") for n in range(cfg.lanes)])
    start = sim.clock()
    end = start + cfg.hours * 3600
    while sim.clock() < end:
        lanes.step(starting=True)
        if not run.status_seconds and sim.clock() > start + cfg.hours * 1800:
            sent = time.monotonic()
            driver.command("status", user="UCAROL", channel="CLANE00")
            key = driver.last_key
            slack.wait_for(lambda: slack.response_texts(key), timeout=30)  # noqa: B023
            run.status_seconds = time.monotonic() - sent
        time.sleep(0.01)
    deadline = time.monotonic() + 120
    while lanes.busy and time.monotonic() < deadline:
        lanes.step(starting=False)
        time.sleep(0.01)
    told = [t for lane in lanes.lanes for t in lane.told if "used up" in t]
    run.used_up = len(told)
    run.used_up_without_time = sum("frees up in about" not in t for t in told)


def _tally(run: HoursRun, sim: Simulator, slack: FakeSlack) -> None:
    requests = sim.requests
    run.calls = Counter(r.status for r in requests)
    counted = [r.at for r in requests if r.status != 429]
    run.busiest_hour = busiest(counted, 3600)
    run.busiest_minute = busiest(counted, 60)
    run.longest_silence = longest_silence(requests)
    for card in slack.top_level():
        thread = slack.thread(card.ts)
        if any("Rollback started" in m.text for m in thread):
            run.begun += 1
            run.told_to_the_end += sum(LIVE in m.text for m in thread) == 1
    run.refused_by_slack = len(slack.refusals)


def rows(cfg: HoursConfig, run: HoursRun) -> list[Row]:
    interval = cfg.lanes * 3600 / (0.8 * BOT_HOUR)  # simulated s between polls of a watch
    return [
        Row("DO calls in the busiest hour", run.busiest_hour, "/h", LIMIT_HOUR,
            "DigitalOcean's limit", "≤ 1×", run.busiest_hour <= LIMIT_HOUR),
        Row("DO calls in the busiest minute", run.busiest_minute, "/min", LIMIT_MINUTE,
            "DigitalOcean's limit", f"≤ {BOT_MINUTE}", run.busiest_minute <= BOT_MINUTE),
        Row("429 answers", run.calls[429], "", 0, "", "0", run.calls[429] == 0),
        Row("rollbacks told to the end", run.told_to_the_end, "", run.begun,
            "rollbacks begun", "all", run.told_to_the_end == run.begun),
        Row("longest a watch went unpolled", run.longest_silence, "s", interval,
            "fair interval", f"≤ interval + {BURST_WINDOW:.0f} s",
            run.longest_silence <= interval + BURST_WINDOW),
        Row("'used up' answers without a time", run.used_up_without_time, "", 0, "", "0",
            run.used_up_without_time == 0),
        Row("/rollback status answered in", run.status_seconds, "s", 3.0, "Slack's ack limit",
            "< 3 s", 0 < run.status_seconds < 3),
    ]  # fmt: skip


def notes(cfg: HoursConfig, run: HoursRun) -> str:
    total = sum(run.calls.values())
    return (
        f"{cfg.lanes} lanes for {cfg.hours:g} simulated h (clock x{cfg.scale:g}) in "
        f"{run.real_seconds:.0f} s real; {total} DO calls ({dict(run.calls)}), "
        f"{total / cfg.hours:.0f} an hour on average; {run.begun} rollbacks begun, "
        f"{run.used_up} answers said the budget was used up (and when it frees up); "
        f"Slack refused {run.refused_by_slack} calls; bot CPU {run.bot_cpu:.0f} s"
    )
