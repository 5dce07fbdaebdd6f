"""Section 7's figures: the design's count of each endpoint for the hour, the arithmetic
behind it, and the rows printed beside it (calls against DigitalOcean's windows)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench import aftercare_plan as plan
from bench import fleet_floors
from bench.aftercare import (
    BOT_HOUR,
    BOT_MINUTE,
    LIMIT_HOUR,
    LIMIT_MINUTE,
    AftercareConfig,
    AftercareRun,
)
from bench.aftercare_tally import ARCHIVE, COMMANDS, HEALTH, LIST, LOGS
from bench.fleet_floors import IDLE_TARGET_PER_HOUR, pages_per_hour
from bench.stats import Row
from bot.fleet.verifier import READ_EVERY as VERIFY_EVERY
from bot.usecases.bad_deploys import READS_PER_DEPLOY


@dataclass(frozen=True)
class Design:
    """What the hour needs by the design's own constants, endpoint by endpoint, and how."""

    pages: float
    health: float
    commands: float
    logs: float
    arithmetic: str

    @property
    def total(self) -> float:
        return self.pages + self.health + self.commands + self.logs


def design(cfg: AftercareConfig, run: AftercareRun) -> Design:
    """Looks: a page every poll interval while a rollback was followed (as measured), every
    fleet interval otherwise. Health: one read for each rollback that comes up healthy,
    one every ``READ_EVERY`` poll intervals over ``ROLLBACK_VERIFY_SECONDS`` for the one
    that does not, ``READS_PER_DEPLOY`` for each fresh deploy (fewer for the last one,
    whose window the hour cuts, and two for the one that turns bad half a minute in: its
    card ends the reads). Commands: a proposal (the bad deploy's card too) reads the app,
    lists its deployments and validates (3); an approval reads the app and posts (2); a
    commit or revert reads the app and posts (2). One component-log read for the failed
    rollback."""
    pages = pages_per_hour(cfg.apps, cfg.fleet_interval) * (cfg.hour - run.following) / cfg.hour
    pages += pages_per_hour(cfg.apps, cfg.poll_interval) * run.following / cfg.hour
    if run.scenario == "idle":
        per_look = fleet_floors.pages(cfg.apps)
        arithmetic = f"{pages / per_look:.0f} looks × {per_look} page(s) of {cfg.apps} apps"
        return Design(pages, 0, 0, 0, arithmetic)
    unwell = 1 + cfg.verify_seconds / (VERIFY_EVERY * cfg.poll_interval)
    spacing = cfg.verify_seconds / READS_PER_DEPLOY
    fresh = [
        min(READS_PER_DEPLOY, math.ceil((cfg.hour - minute * 60) / spacing))
        for minute in plan.deploy_minutes()
    ]
    fresh[plan.DEPLOYED.index(plan.GONE_BAD)] = 2
    health = plan.HEALTHY_ROLLBACKS + unwell + sum(fresh)
    commands = (plan.BOT_ROLLBACKS + 1) * 3 + plan.BOT_ROLLBACKS * 2 + plan.SETTLED_BY_BOT * 2
    following = run.following / 60
    arithmetic = (
        f"pages {following:.1f} min followed / {cfg.poll_interval:g} s + "
        f"{(cfg.hour - run.following) / 60:.1f} min / {cfg.fleet_interval:g} s = {pages:.0f}; "
        f"health {plan.HEALTHY_ROLLBACKS} × 1 + {unwell:.0f} + "
        f"{' + '.join(str(n) for n in fresh)} = {health:.0f}; "
        f"commands ({plan.BOT_ROLLBACKS} + 1 card) × 3 + {plan.BOT_ROLLBACKS} × 2 + "
        f"{plan.SETTLED_BY_BOT} × 2 = {commands:.0f}; logs 1"
    )
    return Design(pages, health, commands, 1, arithmetic)


def rows(cfg: AftercareConfig, run: AftercareRun) -> list[Row]:
    d, c = design(cfg, run), run.calls
    by = c.by_endpoint
    who = f"{run.scenario} hour"
    if run.scenario == "idle":
        out = [
            Row(f"{who}: DO calls", c.api_calls, "/h", d.pages, "a page per fleet interval",
                f"≤ {IDLE_TARGET_PER_HOUR:g}/h", c.api_calls <= IDLE_TARGET_PER_HOUR),
        ]  # fmt: skip
    else:
        commands = sum(by[name] for name in COMMANDS)
        out = [
            Row(f"{who}: {LIST}", by[LIST], "", d.pages, "looks × pages"),
            Row(f"{who}: {HEALTH}", by[HEALTH], "", d.health, "verify + fresh deploys"),
            Row(f"{who}: {LOGS}", by[LOGS], "", d.logs, "one failed rollback"),
            Row(f"{who}: commands' calls", commands, "", d.commands, "propose, approve, settle"),
            Row(f"{who}: {ARCHIVE}", by[ARCHIVE], "", None),
            Row(f"{who}: DO calls", c.api_calls, "/h", d.total, "the design's count"),
        ]
    out += [
        Row(f"{who}: DO calls against the bot's hourly share", c.api_calls, "/h", BOT_HOUR,
            f"(DO: {LIMIT_HOUR:,})", f"≤ {BOT_HOUR:,}", c.api_calls <= BOT_HOUR),
        Row(f"{who}: busiest minute", c.busiest_minute, "", BOT_MINUTE, f"(DO: {LIMIT_MINUTE})",
            f"≤ {BOT_MINUTE}", c.busiest_minute <= BOT_MINUTE),
        Row(f"{who}: 429 answers", c.too_many, "", 0, "", "0", c.too_many == 0),
    ]  # fmt: skip
    return out


def notes(cfg: AftercareConfig, run: AftercareRun) -> str:
    c = run.calls
    lines = [
        f"{run.scenario} hour, {cfg.apps} apps, clock x{cfg.scale:g} ({run.real_seconds:.0f} s "
        f"real, bot CPU {run.bot_cpu:.0f} s): {c.api_calls} DO calls, {c.looks} looks, a "
        f"rollback followed for {run.following / 60:.1f} min; busiest minute "
        f"{c.busiest_minute} at minute {c.busiest_minute_at:.0f}; 429s {c.too_many}",
        "  by endpoint: " + ", ".join(f"{k} {v}" for k, v in sorted(c.by_endpoint.items())),
        f"  design: {design(cfg, run).arithmetic}",
    ]
    if c.health_by_app:
        reads = sorted((run.names.get(a, a), n) for a, n in c.health_by_app.items())
        lines.append("  health reads by app: " + ", ".join(f"{a} {n}" for a, n in reads))
    if run.played:
        told = ", ".join(f"{k} {v}" for k, v in sorted(run.told.items()))
        when = ", ".join(f"{m:.1f}" for m in run.reminded_at) or "-"
        lines.append(f"  told in Slack: {told}; pin reminders at minute(s) {when}")
        lines.append("  played: " + "; ".join(f"{m:.1f} {what}" for m, what in run.played))
    return "\n".join(lines)
