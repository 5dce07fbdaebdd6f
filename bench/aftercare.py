"""Section 7: DigitalOcean calls per hour for 200 apps with the aftercare of issue 17 on.

Verified health after each live rollback (``GET /v2/apps/{id}/health`` for
``ROLLBACK_VERIFY_SECONDS``), the failing log (``GET .../components/{c}/logs``, then the
pre-signed file, which is not an API call), pin reminders and rollbacks made elsewhere
(from the fleet look: no call of their own) and a card when a deploy goes bad (health
reads of fresh deploys). Two simulated hours on a clock ``scale`` times real time, the
simulator enforcing DigitalOcean's 250 a minute and 5,000 an hour, the bot on its
defaults scaled alike: an idle one (nothing happens) and a realistic one
(``bench.aftercare_plan``). Every call is counted by endpoint from the simulator's tap.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.aftercare_plan import NOTIFY, Player, realistic_hour
from bench.aftercare_tally import Following, Tally, tally
from bench.lag import thread_replies
from bench.procs import Service
from bench.stack import add_apps, redis_client, stands
from bench.tap import Hit
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.slack.fake import FakeSlack
from tests.constants import DO_TOKEN, SIGNING_SECRET
from tests.processes import serve_env
from tests.slack_driver import SlackDriver

LIMIT_MINUTE, LIMIT_HOUR = 250, 5000  # DigitalOcean's, per token
BOT_MINUTE, BOT_HOUR = 240, 4500  # the bot's default shares of them


@dataclass(frozen=True)
class AftercareConfig:
    apps: int = 200
    # Simulated seconds per real second: an hour in 5 real minutes, as the tests' DO_SPEED.
    # A look at 200 apps (one page) takes ~0.1 s real, against a poll interval of 0.42 s.
    scale: float = 12.0
    step_seconds: float = 30.0  # a rollback is 8 steps: 4 simulated minutes
    poll_interval: float = 5.0  # ROLLBACK_POLL_INTERVAL (default)
    fleet_interval: float = 30.0  # ROLLBACK_FLEET_INTERVAL (default)
    verify_seconds: float = 120.0  # ROLLBACK_VERIFY_SECONDS (default)
    reminders: tuple[int, ...] = (1800, 7200)  # ROLLBACK_PIN_REMINDERS 30m,2h (default)
    hour: float = 3600.0

    @property
    def window(self) -> float:
        """DigitalOcean's minute, in real seconds."""
        return 60.0 / self.scale


@dataclass
class AftercareRun:
    scenario: str  # "idle" or "realistic"
    calls: Tally = field(default_factory=Tally)
    following: float = 0.0  # simulated seconds some rollback was followed
    played: list[tuple[float, str]] = field(default_factory=list)
    told: Counter[str] = field(default_factory=Counter)  # what Slack was told, by kind
    reminded_at: list[float] = field(default_factory=list)  # simulated minutes into the hour
    names: dict[str, str] = field(default_factory=dict)  # app id → name
    real_seconds: float = 0.0
    bot_cpu: float = 0.0


def _env(cfg: AftercareConfig, slack_url: str, sim_url: str, redis_url: str) -> dict[str, str]:
    s = cfg.scale
    env = serve_env(
        slack_url=slack_url,
        do_url=sim_url,
        redis_url=redis_url,
        digitalocean_budget_window=str(cfg.window),
        rollback_poll_interval=str(cfg.poll_interval / s),
        rollback_fleet_interval=str(cfg.fleet_interval / s),
        rollback_verify_seconds=str(cfg.verify_seconds / s),
        # Whole seconds (the setting's grammar): 150s,600s at x12.
        rollback_pin_reminders=",".join(f"{round(a / s)}s" for a in cfg.reminders),
        rollback_notify_channel=NOTIFY,
        slack_channel_pace="0",  # Slack's pace is real time; it cannot be compressed
    )
    env["LOG_LEVEL"] = "WARNING"
    return env


def measure(cfg: AftercareConfig, redis_server: RedisServer, *, realistic: bool) -> AftercareRun:
    run = AftercareRun("realistic" if realistic else "idle")
    clock = ScaledClock(rate=0.0)  # frozen until the hour begins
    sim = Simulator(
        token=DO_TOKEN,
        step_seconds=cfg.step_seconds,
        rate_limit_per_minute=LIMIT_MINUTE,
        rate_limit_per_hour=LIMIT_HOUR,
        clock=clock,
    )
    apps = dict(add_apps(sim, cfg.apps))
    run.names = {app_id: name for name, app_id in apps.items()}
    events = realistic_hour(sim, apps) if realistic else []
    redis_server.flush()
    with stands(sim) as st:
        st.slack.pace = None
        env = _env(cfg, st.slack.url, st.sim_url, redis_server.url)
        bot = Service("bot", ["serve", "--host", "127.0.0.1"], env=env).start()
        driver = SlackDriver(bot_url=bot.url, slack_url=st.slack.url, signing_secret=SIGNING_SECRET)
        try:
            _warm_up(cfg, st.sim_tap.hits)
            # The simulator dates what it does by its own clock and the bot reads those
            # dates in real time (a pin's age): both clocks agree as the hour begins.
            clock.advance(time.time() - clock())
            clock.set_rate(cfg.scale)
            began, began_sim = time.time(), clock()
            player = Player(sim, clock, driver, st.slack, apps)
            with Following(redis_client(redis_server)) as following:
                player.play(events, began=began_sim, hour=cfg.hour)
            ended = time.time()
            run.real_seconds = ended - began
            run.following = following.seconds * cfg.scale
            run.played = player.played
            run.bot_cpu = bot.cpu_seconds()
        finally:
            driver.close()
            bot.stop()
            bot.close()
        run.calls = tally(st.sim_tap.hits(), began=began, ended=ended, window=cfg.window)
        run.told = told(st.slack)
        run.reminded_at = [
            (r.at - began) * cfg.scale / 60
            for r in thread_replies(st.slack_tap.hits())
            if "has been pinned for" in r.text
        ]
    return run


def _warm_up(cfg: AftercareConfig, hits: Callable[[], list[Hit]]) -> None:
    """Until the bot's first look, then one fleet interval: start-up is not the hour."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(h.path == "/v2/apps" for h in hits()):
        time.sleep(0.05)
    time.sleep(cfg.fleet_interval / cfg.scale)


def told(slack: FakeSlack) -> Counter[str]:
    """What the aftercare told in Slack, by kind (the evidence that each feature ran)."""
    out: Counter[str] = Counter()
    for top in slack.top_level():
        if "outside the bot" in top.text:
            out["rollbacks made elsewhere announced"] += 1
        elif top.channel == NOTIFY and top.text.startswith("Rollback "):
            out["bad-deploy cards"] += 1
        for reply in slack.thread(top.ts):
            if "has been pinned for" in reply.text:
                out["pin reminders"] += 1
            elif "verified:" in reply.text or "consider Revert" in reply.text:
                out["health verdicts"] += 1
            elif reply.text.startswith("📄"):
                out["failing logs quoted"] += 1
    return out
