"""Section 1: ack latency of ``rollback-bot serve`` against two Bolt floors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.loadgen import LoadResult, LoadSpec, run_load
from bench.procs import Service, bot_env
from bench.stack import Stands, private_redis, stands
from bench.stats import Row, percentile
from bot.simulator import Simulator
from tests.constants import DO_TOKEN, SIGNING_SECRET

SLACK_LIMIT_MS = 3000.0
NOT_NEAR = "< 1 s (⅓ of it)"
CONCURRENCY = (1, 50)


@dataclass(frozen=True)
class AckConfig:
    requests_one: int = 2000  # one at a time
    requests_many: int = 5000  # 50 at a time
    warmup: int = 200
    slow_latency: float = 1.0  # the slow DigitalOcean stand-in, seconds per request


@dataclass(frozen=True)
class Figures:
    p50: float
    p99: float
    max: float
    per_second: float
    count: int
    non_200: int
    unexpected: int
    samples: tuple[str, ...] = ()

    def __str__(self) -> str:
        return (
            f"p50 {self.p50:.2f} ms, p99 {self.p99:.2f} ms, max {self.max:.1f} ms, "
            f"{self.per_second:,.0f}/s over {self.count} requests"
        )

    @classmethod
    def of(cls, result: LoadResult) -> Figures:
        lat = result.latencies_ms
        return cls(
            p50=percentile(lat, 50),
            p99=percentile(lat, 99),
            max=max(lat),
            per_second=result.per_second,
            count=len(lat),
            non_200=result.non_200,
            unexpected=result.unexpected,
            samples=tuple(result.samples),
        )


Measured = dict[tuple[str, int], Figures]  # (target, concurrency) -> figures


def _load(
    cfg: AckConfig,
    service: Service,
    st: Stands,
    concurrency: int,
    *,
    expect: str,
    text: str = "sample-golang",
) -> Figures:
    spec = LoadSpec(
        port=service.port,
        secret=SIGNING_SECRET,
        concurrency=concurrency,
        requests=cfg.requests_one if concurrency == 1 else cfg.requests_many,
        warmup=cfg.warmup,
        text=text,
        response_url=f"{st.slack.url}/response/bench",
        expect=expect,
    )
    return Figures.of(run_load(spec))


def measure(cfg: AckConfig, *, log: bool = True) -> Measured:
    sim = Simulator.with_sample_apps(token=DO_TOKEN)
    out: Measured = {}
    with private_redis() as redis_server, stands(sim) as st:
        for mode in ("default", "fast"):
            floor = Service("bench.floor", [mode, f"{st.slack.url}/api/"]).start()
            try:
                for c in CONCURRENCY:
                    out[(f"floor-{mode}", c)] = _load(cfg, floor, st, c, expect="")
                    if log:
                        figures = out[(f"floor-{mode}", c)]
                        print(f"  floor-{mode:7} {c:2} at a time: {figures}", flush=True)
            finally:
                floor.stop()
                floor.close()
        runs = (
            ("bot", 0.0, "sample-golang"),
            ("bot-slow-do", cfg.slow_latency, "sample-golang"),
            # No follow-up work at all: what the ack path itself costs.
            ("bot-help", 0.0, "help"),
        )
        for target, latency, text in runs:
            sim.latency = latency
            for c in CONCURRENCY:
                redis_server.flush()
                env = bot_env(slack_url=st.slack.url, do_url=st.sim_url, redis_url=redis_server.url)
                bot = Service("bot", ["serve", "--host", "127.0.0.1"], env=env).start()
                try:
                    expect = "Working on it" if text != "help" else ""
                    out[(target, c)] = _load(cfg, bot, st, c, expect=expect, text=text)
                    if log:
                        print(f"  {target:13} {c:2} at a time: {out[(target, c)]}", flush=True)
                finally:
                    # Thousands of proposals are still queued on the DigitalOcean budget;
                    # nothing of them is measured, so do not wait for them.
                    bot.kill()
                    bot.close()
        sim.latency = 0.0
    return out


def profile_ack(cfg: AckConfig, out: Path) -> None:
    """The bot under py-spy while it takes 50 commands at a time, then one at a time."""
    sim = Simulator.with_sample_apps(token=DO_TOKEN)
    with private_redis() as redis_server, stands(sim) as st:
        env = bot_env(slack_url=st.slack.url, do_url=st.sim_url, redis_url=redis_server.url)
        bot = Service("bot", ["serve", "--host", "127.0.0.1"], env=env, profile_to=out)
        bot.start()
        try:
            for c in (50, 1):
                _load(cfg, bot, st, c, expect="Working on it")
        finally:
            bot.kill()  # py-spy writes its file when the process ends
            assert bot.proc is not None
            bot.proc.wait(60)
            bot.close()


def rows(m: Measured) -> list[Row]:
    fast1, slow1 = m[("floor-fast", 1)], m[("floor-default", 1)]
    fast50, slow50 = m[("floor-fast", 50)], m[("floor-default", 50)]
    bot1, bot50 = m[("bot", 1)], m[("bot", 50)]
    out = [
        Row("p50, 1 at a time", bot1.p50, "ms", fast1.p50, "fast floor", "≤ 1.5×",
            bot1.p50 <= 1.5 * fast1.p50),
        Row("p99, 1 at a time", bot1.p99, "ms", fast1.p99, "fast floor", "≤ 2×",
            bot1.p99 <= 2 * fast1.p99),
        Row("max, 1 at a time", bot1.max, "ms", fast1.max, "fast floor"),
        Row("requests/s, 1 at a time", bot1.per_second, "/s", fast1.per_second, "fast floor"),
        Row("p50, 50 at a time", bot50.p50, "ms", fast50.p50, "fast floor"),
        Row("p99, 50 at a time", bot50.p99, "ms", fast50.p99, "fast floor"),
        Row("max, 50 at a time", bot50.max, "ms", fast50.max, "fast floor"),
        Row("requests/s, 50 at a time", bot50.per_second, "/s", fast50.per_second, "fast floor",
            "≥ 0.8×", bot50.per_second >= 0.8 * fast50.per_second),
        Row("p50 vs Bolt default, 1 at a time", bot1.p50, "ms", slow1.p50, "default floor"),
        Row("p99 vs Bolt default, 1 at a time", bot1.p99, "ms", slow1.p99, "default floor"),
        Row("requests/s vs Bolt default, 50 at a time", bot50.per_second, "/s",
            slow50.per_second, "default floor"),
    ]  # fmt: skip
    for c in CONCURRENCY:
        bare, fast = m[("bot-help", c)], m[("floor-fast", c)]
        out += [
            Row(f"ack path alone (/rollback help): p50, {c} at a time", bare.p50, "ms",
                fast.p50, "fast floor"),
            Row(f"ack path alone (/rollback help): requests/s, {c} at a time",
                bare.per_second, "/s", fast.per_second, "fast floor"),
        ]  # fmt: skip
    for c in CONCURRENCY:
        slow = m[("bot-slow-do", c)]
        out += [
            Row(f"DO answers in 1 s: p99, {c} at a time", slow.p99, "ms", SLACK_LIMIT_MS,
                "Slack's limit", NOT_NEAR, slow.p99 < SLACK_LIMIT_MS / 3),
            Row(f"DO answers in 1 s: max, {c} at a time", slow.max, "ms", SLACK_LIMIT_MS,
                "Slack's limit", NOT_NEAR, slow.max < SLACK_LIMIT_MS / 3),
            Row(f"DO answers in 1 s: requests/s, {c} at a time", slow.per_second, "/s",
                m[("floor-fast", c)].per_second, "fast floor"),
        ]  # fmt: skip
    return out


def floor_rows(m: Measured) -> list[Row]:
    """The floors themselves, for the record."""
    return [
        Row(f"{target} {what}, {c} at a time", value, unit)
        for (target, c), f in m.items()
        if target.startswith("floor")
        for what, value, unit in (("p50", f.p50, "ms"), ("p99", f.p99, "ms"),
                                  ("max", f.max, "ms"), ("requests/s", f.per_second, "/s"))
    ]  # fmt: skip


def sanity(m: Measured) -> list[str]:
    return [
        f"{target} {c} at a time: {f.non_200} non-200 answers, {f.unexpected} acks that "
        f"were not 'Working on it…', e.g. {f.samples[0][:110] if f.samples else ''!r}"
        for (target, c), f in m.items()
        if f.non_200 or f.unexpected
    ]
