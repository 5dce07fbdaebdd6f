"""The stages of one run of section 2 (bench/watches.py): its settings, what it records,
the replicas it starts, the setup in batches, DigitalOcean's budget switched on, and the
tally of what the taps saw. Time is compressed as bench/watches.py describes."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bench import replica
from bench.fleet_floors import Calls
from bench.lag import Lags
from bench.procs import Service
from bench.rollouts import start_rollbacks
from bench.stack import Stands
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.digitalocean.ratelimit import RateLimiter
from bot.sandbox.redis_server import RedisServer
from bot.settings import Settings
from bot.store import keys
from tests.processes import serve_env
from tests.slack_driver import SlackDriver

UNLIMITED = 10**9


@dataclass(frozen=True)
class WatchConfig:
    counts: tuple[int, ...] = (20, 100, 500)
    replicas: tuple[int, ...] = (1, 2)
    # Simulated seconds per real second. A look at 500 apps and the narration after it
    # cost seconds of real CPU on a 2-core VM, and every real second counts `scale`
    # simulated seconds of lag; BENCHMARKS.md, section 2, says why 2 and not 10 or 30.
    scale: float = 2.0
    budget: int = 250  # DigitalOcean requests per simulated minute (bot and simulator)
    # Simulated seconds per tick (a rollback is 8 ticks, ~5 min); not a divisor of any
    # poll interval, so step changes fall at every phase of the polls.
    step_seconds: float = 37.0
    poll_interval: float = 5.0  # ROLLBACK_POLL_INTERVAL, simulated seconds
    fleet_interval: float = 30.0  # ROLLBACK_FLEET_INTERVAL, simulated seconds
    idle_apps: int = 200  # the idle measure: apps, nothing in flight
    idle_minutes: float = 10.0  # simulated
    # The idle measure's clock: a look at 200 idle apps is one page, ~0.1 s of real work
    # against a fleet interval of 1.5 s real at x20.
    idle_scale: float = 20.0
    batch: int = 25

    @property
    def window(self) -> float:
        """The budget's minute, in real seconds."""
        return 60.0 / self.scale

    hourly: int = 5000  # DigitalOcean's requests per simulated hour (the simulator's)

    def budget_interval(self, n: int) -> float:
        """Before the fleet view (one GET per watch per poll): simulated seconds between
        two polls of one watch that DigitalOcean's two windows allow (the hour binds from
        a handful of watches on). Kept to bound a run of a bot of that design."""
        return max(self.poll_interval, 60.0 * n / self.budget, 3600.0 * n / self.hourly)


@dataclass
class WatchRun:
    n: int
    replicas: int
    setup_seconds: float = 0.0
    measured_seconds: float = 0.0  # real
    do_calls: int = 0
    max_per_minute: int = 0
    max_per_minute_setup: int = 0
    too_many: int = 0  # 429s
    polls: int = 0
    slack_posts: int = 0
    slack_edits: int = 0
    lags: Lags = field(default_factory=Lags)
    cpu_seconds: float = 0.0
    memory_kib: float = 0.0  # peak resident above the idle replica, all replicas
    split: list[int] = field(default_factory=list)
    unfinished: int = 0
    paused: bool = False
    refused: int = 0  # setup commands the bot refused at the ack (sent again)
    pressed_again: int = 0
    calls: Calls = field(default_factory=Calls)  # during the measurement, by endpoint
    looks: int = 0  # looks at the fleet (first pages of GET /v2/apps)
    look_ms: list[float] = field(default_factory=list)  # first page asked → last answered
    serving_ms: list[float] = field(default_factory=list)  # of each look: pages being served
    told_twice: int = 0  # step lines (step, status) a thread showed more than once

    @property
    def between_pages_ms(self) -> list[float]:
        """Of each look, the time no page was being served: the bot's own work."""
        return [a - b for a, b in zip(self.look_ms, self.serving_ms, strict=True)]

    @property
    def per_minute(self) -> float:
        minutes = self.measured_seconds / (60.0 / self.scale) if self.measured_seconds else 0
        return self.do_calls / minutes if minutes else 0.0

    scale: float = 30.0


@dataclass(frozen=True)
class Span:
    """When the measurement ran: its start on the simulated clock, its start and end in
    real time."""

    resumed_sim: float
    resumed: float
    ended: float
    calls: Calls  # what the simulator's journal counted meanwhile


def _next_batch(store: redis.Redis, clock: ScaledClock, seconds: float) -> None:
    """Before each batch of the setup: the simulated clock moves on a little, and the
    bot's budget forgets the setup's calls. Setting up hundreds of rollbacks at once would
    otherwise spend the commands' share of the hour before the measurement begins."""
    clock.advance(seconds)
    store.delete(keys.BUDGET_POLLS, keys.BUDGET_COMMANDS)


def _enforce(st: Stands, clock: ScaledClock, cfg: WatchConfig) -> None:
    """Switch the simulator to the real budget, counting what the last window already used."""
    now_real, now_sim = time.time(), clock()
    recent = [
        h.start for h in st.sim_tap.hits() if h.start > now_real - cfg.window and h.status < 400
    ]
    prefill: list[float] = []

    def limiter_clock() -> float:
        return prefill[-1] if prefill else clock()

    limiter = RateLimiter(cfg.budget, per_hour=cfg.hourly, enforce=True, clock=limiter_clock)
    for start in sorted(recent):
        prefill.append(now_sim - (now_real - start) * cfg.scale)
        limiter.hit()
    prefill.clear()  # from here on the limiter reads the live clock
    st.sim.rate_limiter = limiter


def _owners(store: redis.Redis, services: list[Service]) -> list[int]:
    """How many leases each replica holds (lease values are ``host:pid:random``)."""
    counts = [0] * len(services)
    pids = {str(s.pid): i for i, s in enumerate(services)}
    for key in store.scan_iter(match=keys.LEASE_PREFIX + "*", count=1000):
        owner = str(store.get(key) or "")
        parts = owner.split(":")
        if len(parts) >= 2 and parts[-2] in pids:
            counts[pids[parts[-2]]] += 1
    return counts


def replicas_for(
    cfg: WatchConfig,
    st: Stands,
    redis_server: RedisServer,
    count: int,
    profile_to: Path | None,
) -> list[Service]:
    """``count`` replicas (not started); the first one under py-spy if asked."""
    env = serve_env(
        slack_url=st.slack.url,
        do_url=st.sim_url,
        redis_url=redis_server.url,
        digitalocean_requests_per_minute=str(cfg.budget),
        rollback_poll_interval=str(cfg.poll_interval / cfg.scale),
        rollback_fleet_interval=str(cfg.fleet_interval / cfg.scale),  # ignored before issue 15
        slack_channel_pace="0",
    )
    if replica.SETTING in Settings.model_fields:  # `rollback-bot serve` as it ships
        module, args = "bot", ["serve", "--host", "127.0.0.1"]
        env[replica.SETTING.upper()] = str(cfg.window)
    else:  # an older bot: the harness patches the window in
        module, args = "bench.replica", ["--budget-window", str(cfg.window)]
    return [
        Service(module, args, env=env, profile_to=profile_to if i == 0 else None)
        for i in range(count)
    ]


def set_up(
    run: WatchRun,
    cfg: WatchConfig,
    *,
    st: Stands,
    store: redis.Redis,
    clock: ScaledClock,
    drivers: list[SlackDriver],
    apps: list[tuple[str, str]],
) -> None:
    """Start every rollback (a command and an approval each), with the clock frozen."""
    began = time.time()
    batches = math.ceil(run.n / cfg.batch)
    setup = start_rollbacks(
        apps,
        drivers=drivers,
        slack=st.slack,
        store=store,
        batch=cfg.batch,
        before_batch=lambda: _next_batch(store, clock, cfg.step_seconds / batches),
    )
    run.refused, run.pressed_again = setup.refused, setup.pressed_again
    # Let the setup's commands leave the minute before DigitalOcean counts; the
    # hour they would fill is emptied (the setup is off the clock).
    time.sleep(cfg.window + 0.5)
    store.delete(keys.BUDGET_POLLS, keys.BUDGET_COMMANDS)
    run.setup_seconds = time.time() - began


def measure(
    run: WatchRun,
    cfg: WatchConfig,
    *,
    st: Stands,
    store: redis.Redis,
    clock: ScaledClock,
    services: list[Service],
    idle: float,
) -> Span:
    """Run the clock and the budget until every watch ended (or the deadline passed)."""
    _enforce(st, clock, cfg)
    clock.set_rate(cfg.scale)
    resumed_sim, resumed = clock(), time.time()
    calls0 = Calls.of(st.sim)
    cpu0 = [s.cpu_seconds() for s in services]
    run.split = _owners(store, services)
    duration = (8 + 1) * cfg.step_seconds + 3 * cfg.budget_interval(run.n) / 0.8
    deadline = resumed + duration / cfg.scale * 2 + 30
    while int(store.scard(keys.ACTIVE_WATCHES)) > 0 and time.time() < deadline:
        time.sleep(0.2)  # the replicas work in other processes
    ended = time.time()
    run.unfinished = int(store.scard(keys.ACTIVE_WATCHES))
    run.paused = bool(store.exists(keys.BUDGET_PAUSE))
    run.cpu_seconds = sum(s.cpu_seconds() - c for s, c in zip(services, cpu0, strict=True))
    run.memory_kib = sum(s.memory_kib()[1] for s in services) - idle
    run.measured_seconds = ended - resumed
    return Span(resumed_sim, resumed, ended, Calls.of(st.sim).since(calls0))
