"""Section 2, idle: what the bot costs DigitalOcean with nothing in flight.

``cfg.idle_apps`` apps, no rollback, the replicas left alone for ``cfg.idle_minutes``
simulated minutes on the section's clock, with DigitalOcean's two windows enforced.
On the fleet view the floor is one page every ``ROLLBACK_FLEET_INTERVAL`` (120 an hour
for 200 apps at 30 s); the bot before it made no call at all.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from bench.fleet_floors import IDLE_TARGET_PER_HOUR, Calls, pages_per_hour
from bench.stack import add_apps, stands
from bench.stats import Row
from bench.watch_run import WatchConfig, replicas_for
from bench.watch_tally import looks
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.redis_server import RedisServer
from tests.constants import DO_TOKEN


@dataclass
class IdleRun:
    replicas: int
    apps: int
    simulated_seconds: float = 0.0
    calls: Calls = field(default_factory=Calls)
    looks: int = 0
    too_many: int = 0

    @property
    def per_hour(self) -> float:
        return self.calls.total * 3600.0 / self.simulated_seconds if self.simulated_seconds else 0


def floor_per_hour(cfg: WatchConfig) -> float:
    return pages_per_hour(cfg.idle_apps, cfg.fleet_interval)


def run_idle(cfg: WatchConfig, replicas: int, redis_server: RedisServer) -> IdleRun:
    cfg = dataclasses.replace(cfg, scale=cfg.idle_scale)
    run = IdleRun(replicas=replicas, apps=cfg.idle_apps)
    clock = ScaledClock(rate=cfg.scale)
    sim = Simulator(
        token=DO_TOKEN,
        step_seconds=cfg.step_seconds,
        rate_limit_per_minute=cfg.budget,
        rate_limit_per_hour=cfg.hourly,
        clock=clock,
    )
    add_apps(sim, cfg.idle_apps)
    redis_server.flush()
    with stands(sim) as st:
        services = replicas_for(cfg, st, redis_server, replicas, None)
        try:
            for s in services:
                s.start()
            # Start-up is not idling: count from one fleet interval after the last replica
            # answered, so a first look at start-up does not count twice.
            time.sleep(cfg.fleet_interval / cfg.scale)
            began_sim, began = clock(), time.time()
            calls0 = Calls.of(sim)
            time.sleep(cfg.idle_minutes * 60 / cfg.scale)
            run.calls = Calls.of(sim).since(calls0)
            ended = time.time()
            run.simulated_seconds = clock() - began_sim
        finally:
            for s in services:
                s.stop()
                s.close()
        during = [h for h in st.sim_tap.hits() if began <= h.start <= ended]
        run.looks = len(looks(during))
        run.too_many = sum(h.status == 429 for h in during)
    return run


def notes(cfg: WatchConfig, run: IdleRun) -> str:
    return (
        f"idle, {run.apps} apps / {run.replicas} replica(s), clock x{cfg.idle_scale:g}: "
        f"{run.simulated_seconds / 60:.1f} simulated min, {run.looks} looks, "
        f"calls {run.calls.describe()}; {run.per_hour:.0f}/h "
        f"(floor {floor_per_hour(cfg):.0f}/h, target ≤ {IDLE_TARGET_PER_HOUR:g}/h)"
    )


def rows(cfg: WatchConfig, run: IdleRun) -> list[Row]:
    who = f"idle, {run.apps} apps × {run.replicas}"
    floor = floor_per_hour(cfg)
    return [
        Row(f"{who}: DO calls per hour", run.per_hour, "/h", floor, "a page per fleet interval",
            f"≤ {IDLE_TARGET_PER_HOUR:g}/h", run.per_hour <= IDLE_TARGET_PER_HOUR),
        Row(f"{who}: 429 answers", run.too_many, "", 0, "", "0", run.too_many == 0),
    ]  # fmt: skip
