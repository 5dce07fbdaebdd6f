"""Section 3: calls for one full rollback of sample-golang, beside what the design needs.

Real time (no compression): the simulator moves a step every ``step_seconds`` and the
bot looks at the fleet (``GET /v2/apps``) every ``poll_interval`` at the least, so every
step change is seen by one look.
From ``/rollback sample-golang`` to the "is live" reply: DigitalOcean calls (simulator
Tap), Slack Web API calls and response_url posts (fake Slack Tap), and Redis round trips
(MONITOR) during the watch, per look.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.lag import step_events, thread_replies
from bench.procs import Service
from bench.redismon import Monitor, tally
from bench.stack import Stands, stands
from bench.stats import Row
from bot.digitalocean.budget import POLL_SHARE
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.redis_server import RedisServer
from bot.settings import Settings
from bot.slack.blockkit.blocks import APPROVE
from tests.constants import DO_TOKEN, SIGNING_SECRET
from tests.flow import GOLANG_ID, wait_card, wait_reply
from tests.processes import serve_env
from tests.slack_driver import SlackDriver

APP = "sample-golang"
CHANNEL = "CDEPLOY"
POLL_BUCKETS = (
    "budget", "watch", "card", "decision", "audit", "lock", "app-rollback", "fleet",
)  # fmt: skip
LOOK = "/v2/apps"


@dataclass(frozen=True)
class CallsConfig:
    step_seconds: float = 1.0
    poll_interval: float = 0.25


@dataclass
class CallsRun:
    do_propose: int = 0
    do_approve: int = 0
    polls: int = 0  # looks at the fleet (GET /v2/apps) while the rollback ran
    reads: int = 0  # the deployment read by id
    duration: float = 0.0  # seconds from the rollback's creation to its last step
    ticks: int = 0  # distinct moments at which a step changed
    slack: Counter[str] = field(default_factory=Counter)
    thread_posts: int = 0
    step_replies: int = 0
    responses: int = 0
    redis_watch: Counter[str] = field(default_factory=Counter)
    redis_watch_seconds: float = 0.0

    @property
    def do_total(self) -> int:
        return self.do_propose + self.do_approve + self.polls + self.reads

    def redis_per_poll(self) -> float:
        own = sum(v for k, v in self.redis_watch.items() if k.split()[0] in POLL_BUCKETS)
        return own / self.polls if self.polls else math.nan


def measure(cfg: CallsConfig, redis_server: RedisServer) -> CallsRun:
    sim = Simulator.with_sample_apps(token=DO_TOKEN, step_seconds=cfg.step_seconds)
    redis_server.flush()
    with stands(sim) as st:
        env = serve_env(
            slack_url=st.slack.url,
            do_url=st.sim_url,
            redis_url=redis_server.url,
            rollback_poll_interval=str(cfg.poll_interval),
        )
        bot = Service("bot", ["serve", "--host", "127.0.0.1"], env=env).start()
        driver = SlackDriver(bot_url=bot.url, slack_url=st.slack.url, signing_secret=SIGNING_SECRET)
        monitor = Monitor(redis_server.port)
        try:
            return _rollback(cfg, st, sim, driver, monitor)
        finally:
            monitor.stop()
            driver.close()
            bot.stop()
            bot.close()


def _rollback(
    cfg: CallsConfig, st: Stands, sim: Simulator, driver: SlackDriver, monitor: Monitor
) -> CallsRun:
    began = time.time()
    driver.command(APP, channel=CHANNEL)
    card = wait_card(st.slack, APP, channel=CHANNEL)
    time.sleep(0.3)  # the command's reply through response_url
    approved = time.time()
    driver.press(card, APPROVE)
    wait_reply(st.slack, card.ts, "Rollback started")
    wait_reply(st.slack, card.ts, "is live", timeout=60)
    time.sleep(0.5)  # the final card edit and the reply through response_url
    ended = time.time()

    run = CallsRun()
    dep = str(sim.list_deployments(GOLANG_ID)[0]["id"])
    hits = [h for h in st.sim_tap.hits() if began <= h.start <= ended]
    looks = [h for h in hits if h.path == LOOK and h.start >= approved]
    run.do_propose = sum(h.start < approved and h.path != LOOK for h in hits)
    run.polls = len(looks)
    run.reads = sum(h.path.endswith(f"/deployments/{dep}") for h in hits if h.start >= approved)
    run.do_approve = sum(h.start >= approved and h.path != LOOK for h in hits) - run.reads
    moments = sorted({e.at for e in step_events(sim, [(APP, GOLANG_ID)])})
    run.ticks = len(moments)
    # Tick 1 (the first step change) comes one step after the rollback was created.
    run.duration = moments[-1] - moments[0] + cfg.step_seconds
    slack_hits = [h for h in st.slack_tap.hits() if began <= h.start <= ended]
    run.slack = Counter(h.path.rsplit("/", 1)[-1] for h in slack_hits if "/api/" in h.path)
    run.responses = sum("/response/" in h.path for h in slack_hits)
    replies = [r for r in thread_replies(slack_hits) if r.thread_ts == card.ts]
    run.thread_posts = len(replies)
    run.step_replies = sum("_Phase:" in r.text for r in replies)
    watch_start, watch_end = looks[0].start, looks[-1].start
    run.redis_watch = tally(monitor.commands(watch_start, watch_end))
    run.redis_watch_seconds = watch_end - watch_start
    return run


def rows(cfg: CallsConfig, run: CallsRun) -> list[Row]:
    # The fleet is looked at every poll interval, but no faster than the poll share of
    # the bot's hourly budget allows (the default 4,500 an hour: a page a second).
    per_hour = Settings.model_fields["digitalocean_requests_per_hour"].default
    interval = max(cfg.poll_interval, 3600 / (POLL_SHARE * per_hour))
    min_polls = math.ceil(run.duration / interval)
    # Propose: read the app (its name found in the last look), list deployments, validate;
    # approve: re-read the app, create the rollback. Then one look per interval, and the
    # deployment never read by id (the look lists it to its end).
    min_do = 3 + 2 + min_polls
    # Card, the approval's card edit, "started", one reply per tick, the final reply.
    min_posts = 1 + 1 + run.ticks + 1
    min_edits = 1 + run.ticks
    changed = run.ticks  # each tick is seen by exactly one poll
    # Per look: its budget slot, its publication, the watch reading its app; a store when
    # it saw a change.
    min_redis = (3 * run.polls + changed) / run.polls if run.polls else math.nan
    return [
        Row("DO calls, whole rollback", run.do_total, "", min_do, "design minimum"),
        Row("DO calls before approval (propose)", run.do_propose, "", 3, "design minimum"),
        Row("DO calls for the approval", run.do_approve, "", 2, "design minimum"),
        Row("DO looks at the fleet (GET /v2/apps)", run.polls, "", min_polls, "one per interval"),
        Row("DO reads of the deployment by id", run.reads, "", 0, "the look tells it"),
        Row("Slack chat.postMessage", run.slack["chat.postMessage"], "", min_posts,
            "card + started + one per change + final"),
        Row("Slack thread replies telling steps", run.step_replies, "", run.ticks,
            "one per look that saw changes"),
        Row("Slack chat.update (card edits)", run.slack["chat.update"], "", min_edits,
            "approval + one per look that saw changes"),
        Row("Slack response_url posts", run.responses, "", 2, "command + approval"),
        Row("Redis round trips per look (the turns' own)", run.redis_per_poll(), "", min_redis,
            "budget slot + publish + app read + store on change"),
    ]  # fmt: skip


def notes(cfg: CallsConfig, run: CallsRun) -> str:
    background = {k: v for k, v in run.redis_watch.items() if k.split()[0] not in POLL_BUCKETS}
    own = {k: v for k, v in run.redis_watch.items() if k.split()[0] in POLL_BUCKETS}
    per_second = sum(background.values()) / run.redis_watch_seconds
    return (
        f"one rollback: step every {cfg.step_seconds} s, a look every {cfg.poll_interval} s, "
        f"{run.duration:.1f} s from start to the last step, {run.ticks} step-change moments; "
        f"Slack calls {dict(run.slack)}; thread posts {run.thread_posts}.\n"
        f"Redis during the watch ({run.redis_watch_seconds:.1f} s, {run.polls} looks): "
        f"poll's own {dict(sorted(own.items()))}; background (scan, heartbeat, sweeper) "
        f"{dict(sorted(background.items()))} = {per_second:.1f}/s"
    )
