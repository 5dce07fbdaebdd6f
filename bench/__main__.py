"""``python -m bench``: every figure, each beside its floor; see BENCHMARKS.md."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

from bench import (
    ack,
    aftercare,
    aftercare_rows,
    calls,
    hours,
    idle,
    machine,
    menus,
    profiling,
    soak,
    watches,
)
from bench.stack import private_redis
from bench.stats import Row, render

SECTIONS = ("ack", "watch", "calls", "hours", "soak", "menus", "aftercare")


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, of {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer requests, at most 100 watches (~10 min)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="then profile the ack path and the watch loop"
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help="simulated s per real s (default: 2 in section 2, x20 idle; 60 in section 4; 12 in 7)",
    )
    return parser.parse_args(argv)


def _section_ack(quick: bool) -> None:
    cfg = (
        ack.AckConfig(requests_one=500, requests_many=1000, rounds=2) if quick else ack.AckConfig()
    )
    print("\n# 1. Ack latency: /rollback sample-golang to `rollback-bot serve`", flush=True)
    measured = ack.measure(cfg)
    print(render("Ack latency: the bot against the floors", ack.rows(measured)))
    print(render("The floors (minimal Bolt apps that only ack)", ack.floor_rows(measured)))
    for line in ack.sanity(measured):
        print(f"note: {line}")


def _section_watch(quick: bool, scale: float | None) -> None:
    cfg = watches.WatchConfig(
        counts=(100,) if quick else (100, 500),
        idle_minutes=5.0 if quick else 10.0,
    )
    if scale:
        cfg = dataclasses.replace(cfg, scale=scale)
    print(
        f"\n# 2. Many rollbacks at once (clock x{cfg.scale:g}: a budget minute is "
        f"{cfg.window:g} s real; lags in simulated seconds)",
        flush=True,
    )
    rows: list[Row] = []
    with private_redis() as redis_server:
        for replicas in cfg.replicas:
            for n in cfg.counts:
                run = watches.run_one(cfg, n, replicas, redis_server)
                print(f"  {watches.notes(cfg, run)}", flush=True)
                rows += watches.rows(cfg, run)
        for replicas in cfg.replicas:
            still = idle.run_idle(cfg, replicas, redis_server)
            print(f"  {idle.notes(cfg, still)}", flush=True)
            rows += idle.rows(cfg, still)
    print(render("Many rollbacks at once (budget 250 DigitalOcean calls/minute)", rows))


def _section_calls() -> None:
    cfg = calls.CallsConfig()
    print("\n# 3. Calls per rollback of sample-golang (real time)", flush=True)
    with private_redis() as redis_server:
        run = calls.measure(cfg, redis_server)
    print(render("Calls for one full rollback", calls.rows(cfg, run)))
    print(calls.notes(cfg, run))


def _section_hours(quick: bool, scale: float | None) -> None:
    cfg = hours.HoursConfig(hours=1.2 if quick else 3.0, scale=max(scale or 30.0, 60.0))
    print(
        f"\n# 4. Hours of rollbacks back to back ({cfg.lanes} lanes, {cfg.hours:g} simulated h, "
        f"clock x{cfg.scale:g}; DigitalOcean's 250/min and 5,000/h enforced)",
        flush=True,
    )
    run = hours.measure(cfg)
    print(f"  {hours.notes(cfg, run)}")
    print(render("Hours of rollbacks within both DigitalOcean windows", hours.rows(cfg, run)))


def _section_soak(quick: bool) -> None:
    cfg = soak.SoakBenchConfig(rollbacks=25) if quick else soak.SoakBenchConfig()
    print(
        f"\n# 5. Soak: {cfg.rollbacks} rollbacks on 2 replicas while faults come at random "
        f"(seed {cfg.seed})",
        flush=True,
    )
    run, found = soak.measure(cfg)
    print(f"  {soak.notes(run)}")
    print(render("Rollbacks through random faults", soak.rows(cfg, run, found)))
    print(soak.details(run, found))


def _section_menus(quick: bool) -> None:
    cfg = menus.MenusConfig(requests_one=200, requests_many=300) if quick else menus.MenusConfig()
    print(
        f"\n# 6. The rollback modal's menus: options for {cfg.apps} apps, the fleet view warm",
        flush=True,
    )
    run = menus.measure(cfg)
    print(f"  {menus.notes(cfg, run)}")
    print(render("Menu options against the floor and Slack's 3 s", menus.rows(cfg, run)))


def _section_aftercare(quick: bool, scale: float | None) -> None:
    cfg = aftercare.AftercareConfig(scale=scale or aftercare.AftercareConfig.scale)
    print(
        f"\n# 7. DigitalOcean calls per hour, {cfg.apps} apps, aftercare on (clock x{cfg.scale:g}: "
        f"a simulated hour is {cfg.hour / cfg.scale:.0f} s real)",
        flush=True,
    )
    rows: list[Row] = []
    with private_redis() as redis_server:
        for realistic in (True,) if quick else (False, True):
            run = aftercare.measure(cfg, redis_server, realistic=realistic)
            print(aftercare_rows.notes(cfg, run), flush=True)
            rows += aftercare_rows.rows(cfg, run)
    print(render("DigitalOcean calls in an hour with the aftercare on", rows))


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        print(f"unknown section(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    began = time.monotonic()
    print(f"machine: {machine.describe()}")
    print("all servers on 127.0.0.1; the stand-ins run in this process, the bot, the floors "
          "and the load generator in their own")  # fmt: skip
    with machine.OtherLoad() as others:
        if "ack" in chosen:
            _section_ack(args.quick)
        if "watch" in chosen:
            _section_watch(args.quick, args.scale)
        if "calls" in chosen:
            _section_calls()
        if "hours" in chosen:
            _section_hours(args.quick, args.scale)
        if "soak" in chosen:
            _section_soak(args.quick)
        if "menus" in chosen:
            _section_menus(args.quick)
        if "aftercare" in chosen:
            _section_aftercare(args.quick, args.scale)
        if args.profile:
            print("\n# Profiles (py-spy)\n", flush=True)
            print(profiling.run(watches=100 if args.quick else 500))
    print(f"\ntotal time: {time.monotonic() - began:.0f} s; meanwhile {others.report()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
