"""Section 2: many rollbacks watched at once, by one replica and by two.

Time is compressed: the simulator's clock runs ``scale`` times real time and the bot's
DigitalOcean budget window is 60/scale real seconds (``DIGITALOCEAN_BUDGET_WINDOW``, or
bench.replica for a bot without that setting), so "a minute" below
is a simulated minute and lags are simulated seconds. Setup (a command and an approval
per rollback, through the replicas' HTTP path) runs with the simulator's clock frozen
and its rate limit off; the figures are taken afterwards, with the clock running and the
simulator enforcing the same budget (429 beyond it).
"""

from __future__ import annotations

from pathlib import Path

from bench.fleet_floors import CALLS_TARGET, LAG_TARGET, lag_floors, pages, pages_per_hour
from bench.procs import Service
from bench.stack import add_apps, redis_client, stands
from bench.stats import Row, percentile
from bench.watch_run import (
    UNLIMITED,
    WatchConfig,
    WatchRun,
    measure,
    replicas_for,
    set_up,
)
from bench.watch_tally import tally
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.redis_server import RedisServer
from tests.constants import DO_TOKEN, SIGNING_SECRET
from tests.slack_driver import SlackDriver

__all__ = ["WatchConfig", "WatchRun", "notes", "rows", "run_one"]


def run_one(
    cfg: WatchConfig,
    n: int,
    replicas: int,
    redis_server: RedisServer,
    *,
    profile_to: Path | None = None,
) -> WatchRun:
    run = WatchRun(n=n, replicas=replicas, scale=cfg.scale)
    clock = ScaledClock()
    clock.freeze()
    sim = Simulator(
        token=DO_TOKEN,
        step_seconds=cfg.step_seconds,
        rate_limit_per_minute=UNLIMITED,
        enforce_rate_limit=False,
        clock=clock,
    )
    apps = add_apps(sim, n)
    redis_server.flush()
    store = redis_client(redis_server)
    with stands(sim) as st:
        # Hundreds of threads in one channel would queue on Slack's pace of a post a
        # second, whatever the bot does: this section measures DigitalOcean's budget.
        st.slack.pace = None
        services = replicas_for(cfg, st, redis_server, replicas, profile_to)
        drivers: list[SlackDriver] = []
        try:
            for s in services:
                s.start()
            idle = sum(s.memory_kib()[0] for s in services)
            drivers = [
                SlackDriver(bot_url=s.url, slack_url=st.slack.url, signing_secret=SIGNING_SECRET)
                for s in services
            ]
            set_up(run, cfg, st=st, store=store, clock=clock, drivers=drivers, apps=apps)
            span = measure(run, cfg, st=st, store=store, clock=clock, services=services, idle=idle)
        except Exception:
            _print_problems(services)
            raise
        finally:
            for d in drivers:
                d.close()
            for s in services:
                s.stop()
                s.close()
        tally(run, st=st, cfg=cfg, sim=sim, apps=apps, clock=clock, span=span)
    store.close()
    return run


def _print_problems(services: list[Service]) -> None:
    for s in services:
        problems = [x for x in s.log().splitlines() if " WARNING " in x or " ERROR " in x]
        print(f"--- {' '.join(s.command)}: last warnings\n" + "\n".join(problems[-20:]))


def rows(cfg: WatchConfig, run: WatchRun) -> list[Row]:
    """The figures of one run beside the fleet view's floors (bench/fleet_floors.py)."""
    n, b, interval = run.n, cfg.budget, cfg.poll_interval
    hours = run.measured_seconds * cfg.scale / 3600 or float("nan")
    p50_floor, p99_floor = lag_floors(interval)
    page_floor = pages_per_hour(n, interval)
    finals = n / hours  # one final read per rollback, spread over the run
    per_hour = run.do_calls / hours
    list_per_hour = run.calls["list apps"] / hours
    p99 = percentile(run.lags.total, 99)
    real_speed = run.lags.at_real_speed()
    events = len(run.lags.total) + run.lags.untold
    look_s = [ms / 1000 * cfg.scale for ms in run.look_ms]
    who = f"{n} × {run.replicas}"
    return [
        Row(f"{who}: DO calls per hour in flight", per_hour, "/h", page_floor + finals,
            "pages × looks + final reads", f"≤ {CALLS_TARGET:g}× pages + finals",
            per_hour <= CALLS_TARGET * page_floor + finals),
        Row(f"{who}: list pages per hour ({pages(n)} a look)", list_per_hour, "/h", page_floor,
            "pages × looks", f"≤ {CALLS_TARGET:g}×", list_per_hour <= CALLS_TARGET * page_floor),
        Row(f"{who}: per-deployment GETs", run.calls["get deployment"], "", n,
            "one final read per rollback"),
        Row(f"{who}: DO calls in the busiest minute", run.max_per_minute, "/min", b, "budget",
            "≤ 1×", run.max_per_minute <= b),
        Row(f"{who}: DO calls per hour (limit)", per_hour, "/h", cfg.hourly, "hourly limit",
            "≤ 1×", per_hour <= cfg.hourly),
        Row(f"{who}: 429 answers", run.too_many, "", 0, "", "0", run.too_many == 0),
        Row(f"{who}: lag p50", percentile(run.lags.total, 50), "s", p50_floor,
            "half an interval"),
        Row(f"{who}: lag p99", p99, "s", p99_floor, "the poll interval",
            f"≤ {LAG_TARGET:g}×", p99 <= LAG_TARGET * p99_floor),
        Row(f"{who}: lag p99 at real speed", percentile(real_speed, 99), "s", p99_floor,
            "the poll interval"),
        Row(f"{who}: step changes told", len(run.lags.total), "", events, "changes made",
            "all", run.lags.untold == 0 and events > 0),
        Row(f"{who}: step lines told twice", run.told_twice, "", 0, "", "0",
            run.told_twice == 0),
        Row(f"{who}: look p50 (real)", percentile(run.look_ms, 50), "ms"),
        Row(f"{who}: look p99 (real), in simulated s", percentile(look_s, 99), "s",
            interval, "the poll interval"),
        Row(f"{who}: look → reply p99", percentile(run.lags.telling, 99) * 1000, "ms"),
        Row(f"{who}: CPU per watched rollback", run.cpu_seconds / n * 1000, "ms"),
        Row(f"{who}: peak memory per watched rollback", run.memory_kib / n, "KiB"),
    ]  # fmt: skip


def notes(cfg: WatchConfig, run: WatchRun) -> str:
    return (
        f"{run.n} watches / {run.replicas} replica(s): setup {run.setup_seconds:.0f} s, "
        f"measured {run.measured_seconds:.1f} s real = "
        f"{run.measured_seconds * cfg.scale / 60:.1f} simulated min; "
        f"leases held (watches and the look) {run.split}; "
        f"{run.looks} looks, real ms p50 {percentile(run.look_ms, 50):.0f} (the simulator "
        f"serving its pages {percentile(run.serving_ms, 50):.0f}, the bot between pages "
        f"{percentile(run.between_pages_ms, 50):.0f}), "
        f"max {max(run.look_ms, default=float('nan')):.0f}; "
        f"DO calls {run.do_calls}: {run.calls.describe()}; {run.slack_posts} posts, "
        f"{run.slack_edits} edits; {len(run.lags.total)} step events told, "
        f"{run.lags.untold} untold, {run.told_twice} step lines twice; "
        f"busiest setup minute {run.max_per_minute_setup} calls; setup commands refused "
        f"{run.refused}, approvals pressed again {run.pressed_again}; "
        f"unfinished {run.unfinished}; budget pause set: {run.paused}; "
        f"CPU {run.cpu_seconds:.2f} s"
    )
