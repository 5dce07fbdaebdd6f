"""Section 1: ack latency of ``rollback-bot serve`` against two Bolt floors."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from bench.loadgen import LoadResult, LoadSpec, run_load
from bench.procs import Service
from bench.stack import Stands, private_redis, stands
from bench.stats import Row, percentile
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.redis_server import RedisServer
from tests.constants import DO_TOKEN, SIGNING_SECRET
from tests.processes import serve_env

SLACK_LIMIT_MS = 3000.0
NOT_NEAR = "< 1 s (⅓ of it)"
CONCURRENCY = (1, 50)


@dataclass(frozen=True)
class AckConfig:
    requests_one: int = 2000  # one at a time, over all rounds
    requests_many: int = 5000  # 50 at a time, over all rounds
    warmup_one: int = 100  # per round, not measured
    warmup_many: int = 500  # per round: 10 a connection
    # The fast floor, the bot and /rollback help take turns, a fresh process each time,
    # so that the machine's drift (on this VM the floor's p50 alone ranged 0.35-0.84 ms
    # from run to run) weighs on all three alike; their figures are pooled.
    rounds: int = 5
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


_TEXT = {"bot": "sample-golang", "bot-slow-do": "sample-golang", "bot-help": "help"}
ROUNDS = ("floor-fast", "bot", "bot-help")  # measured in turns
ONCE = ("floor-default", "bot-slow-do")  # for reference, one run each


def _spec(cfg: AckConfig, st: Stands, target: str, c: int, *, share: int = 1) -> LoadSpec:
    """``1/share`` of the configured requests for ``target``, ``c`` at a time."""
    text = _TEXT.get(target, "sample-golang")
    total = cfg.requests_one if c == 1 else cfg.requests_many
    expect = "" if target.startswith("floor") or text == "help" else "Working on it"
    return LoadSpec(
        port=0,  # the service's, once it runs
        secret=SIGNING_SECRET,
        concurrency=c,
        requests=max(1, total // share),
        warmup=cfg.warmup_one if c == 1 else cfg.warmup_many,
        text=text,
        response_url=f"{st.slack.url}/response/bench",
        expect=expect,
    )


def _start(target: str, st: Stands, redis_url: str) -> Service:
    if target.startswith("floor-"):
        return Service("bench.floor", [target.removeprefix("floor-"), f"{st.slack.url}/api/"])
    # Thousands of cards in one channel would queue on Slack's pace of one post a second;
    # acks are what this section measures, so the pace is off on both sides.
    env = serve_env(
        slack_url=st.slack.url, do_url=st.sim_url, redis_url=redis_url, slack_channel_pace="0"
    )
    return Service("bot", ["serve", "--host", "127.0.0.1"], env=env)


def _run(target: str, st: Stands, redis_server: RedisServer, spec: LoadSpec) -> LoadResult:
    """One load against a fresh process (and, for the bot, an empty Redis)."""
    redis_server.flush()
    service = _start(target, st, redis_server.url).start()
    try:
        return run_load(replace(spec, port=service.port))
    finally:
        # A bot still has thousands of proposals queued on the DigitalOcean budget;
        # nothing of them is measured, so do not wait for them.
        service.kill()
        service.close()


def measure(cfg: AckConfig, *, log: bool = True) -> Measured:
    sim = Simulator.with_sample_apps(token=DO_TOKEN)
    pooled: dict[tuple[str, int], LoadResult] = {}
    with private_redis() as redis_server, stands(sim) as st:
        st.slack.pace = None
        for c in CONCURRENCY:
            for n in range(cfg.rounds):
                for target in ROUNDS:
                    result = _run(
                        target, st, redis_server, _spec(cfg, st, target, c, share=cfg.rounds)
                    )
                    pooled.setdefault((target, c), LoadResult()).add(result)
                    if log:
                        print(f"  round {n + 1} {target:13} {c:2} at a time: "
                              f"{Figures.of(result)}", flush=True)  # fmt: skip
            for target in ONCE:
                sim.latency = cfg.slow_latency if target == "bot-slow-do" else 0.0
                pooled[(target, c)] = _run(target, st, redis_server, _spec(cfg, st, target, c))
                sim.latency = 0.0
                if log:
                    print(f"  {target:21} {c:2} at a time: {Figures.of(pooled[(target, c)])}",
                          flush=True)  # fmt: skip
    return {key: Figures.of(result) for key, result in pooled.items()}


def profile_ack(cfg: AckConfig, out: Path) -> None:
    """The bot under py-spy while it takes 50 commands at a time, then one at a time."""
    sim = Simulator.with_sample_apps(token=DO_TOKEN)
    with private_redis() as redis_server, stands(sim) as st:
        env = serve_env(slack_url=st.slack.url, do_url=st.sim_url, redis_url=redis_server.url)
        bot = Service("bot", ["serve", "--host", "127.0.0.1"], env=env, profile_to=out)
        bot.start()
        try:
            for c in (50, 1):
                run_load(replace(_spec(cfg, st, "bot", c), port=bot.port))
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
