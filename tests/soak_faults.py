"""The soak test's faults (tests/soak.py): a plan drawn from a seed, played on threads.

The plan is a pure function of the seed and the run's length, so a failing seed can be
run again with the same faults in the same order at the same moments (the bot's own
timing, real processes on a shared machine, still varies a little from run to run).
Everything played is recorded with when it began and ended, on the run's clock and on
the simulator's (whose journal stamps DigitalOcean's requests), to name the faults
around a thread that went wrong.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.slack.fake import DROP_CONNECTION, FakeSlack
from bot.store import keys
from tests.processes import BotProcess

# DigitalOcean endpoints a fault may hit: (method, path regex, weight); polls are most of
# the traffic, and the rollback POST is the one request that must never be sent twice.
DO_TARGETS: dict[str, tuple[str, str, float]] = {
    "poll": ("GET", r"/v2/apps/[^/]+/deployments/[^/]+", 0.35),
    "rollback": ("POST", r"/v2/apps/[^/]+/rollback", 0.25),
    "app": ("GET", r"/v2/apps/[^/]+", 0.15),
    "validate": ("POST", r"/v2/apps/[^/]+/rollback/validate", 0.08),
    "history": ("GET", r"/v2/apps/[^/]+/deployments", 0.07),
    "apps": ("GET", r"/v2/apps", 0.05),
    "commit": ("POST", r"/v2/apps/[^/]+/rollback/commit", 0.05),
}
DO_KINDS = ("do-429", "do-500", "do-drop", "do-lost", "do-unreadable")
SLACK_METHODS = {"chat.postMessage": 0.6, "chat.update": 0.4}
SLACK_KINDS = ("slack-429", "slack-500", "slack-drop")
# A 200 whose body has no readable deployment, after the rollback was made.
UNREADABLE = {"deployment": {"id": 7}}


@dataclass(frozen=True)
class FaultCounts:
    do: int
    slack: int
    write_refusals: int
    refusal_seconds: tuple[float, float] = (1.5, 3.0)
    redis_restarts: int = 1
    sigkills: int = 1


@dataclass(frozen=True)
class PlannedFault:
    at: float
    """Seconds after the run began."""
    kind: str
    target: str = ""
    """A DO_TARGETS name, a Slack method, or the index of the replica to kill."""
    times: int = 1
    seconds: float = 0.0
    """How long Redis refuses writes or is down, or the killed replica stays down."""

    def describe(self) -> str:
        what = f"{self.kind} {self.target}".strip()
        if self.times > 1:
            what += f" ×{self.times}"
        return f"{what} for {self.seconds:.1f} s" if self.seconds else what


@dataclass
class Injected:
    fault: PlannedFault
    began: float
    """Seconds after the run began (real), and on the simulator's clock."""
    sim_began: float
    ended: float = 0.0
    note: str = ""

    def describe(self) -> str:
        span = f"{self.began:.1f}–{self.ended:.1f} s" if self.ended else f"{self.began:.1f} s"
        note = f" ({self.note})" if self.note else ""
        return f"[{span}] {self.fault.describe()}{note}"


def plan(seed: int, *, span: float, counts: FaultCounts) -> list[PlannedFault]:
    """The faults of one run, by time. ``span``: seconds over which rollbacks are in flight."""
    rng = random.Random(f"{seed}:faults")
    faults = [_do_fault(rng, rng.uniform(0.05, 1.0) * span) for _ in range(counts.do)]
    faults += [_slack_fault(rng, rng.uniform(0.05, 1.0) * span) for _ in range(counts.slack)]
    low, high = counts.refusal_seconds
    for _ in range(counts.write_refusals):
        at, seconds = rng.uniform(0.1, 0.9) * span, rng.uniform(low, high)
        faults.append(PlannedFault(at, "redis-refuses-writes", seconds=seconds))
    for _ in range(counts.redis_restarts):
        at, seconds = rng.uniform(0.5, 0.8) * span, rng.uniform(0.5, 1.5)
        faults.append(PlannedFault(at, "redis-restart", seconds=seconds))
    # Early, so the restarted replica then lives through most of the run (its memory too).
    for _ in range(counts.sigkills):
        at, replica, seconds = rng.uniform(0.2, 0.4) * span, rng.randrange(2), rng.uniform(0.5, 2)
        faults.append(PlannedFault(at, "replica-sigkill", str(replica), seconds=seconds))
    return sorted(faults, key=lambda f: f.at)


def _do_fault(rng: random.Random, at: float) -> PlannedFault:
    names = list(DO_TARGETS)
    target = rng.choices(names, weights=[DO_TARGETS[n][2] for n in names])[0]
    kinds = DO_KINDS if target == "rollback" else DO_KINDS[:-1]
    return PlannedFault(at, rng.choice(kinds), target, times=rng.choice((1, 1, 2, 3)))


def _slack_fault(rng: random.Random, at: float) -> PlannedFault:
    methods = list(SLACK_METHODS)
    method = rng.choices(methods, weights=list(SLACK_METHODS.values()))[0]
    return PlannedFault(at, rng.choice(SLACK_KINDS), method, times=rng.choice((1, 1, 2)))


@dataclass
class Targets:
    """What the faults act on."""

    sim: Simulator
    slack: FakeSlack
    redis_server: RedisServer
    replicas: list[BotProcess]
    on_kill: Callable[[int], None]
    on_restart: Callable[[int], None]


@dataclass
class Player:
    """Plays a plan on threads of its own, so people keep clicking through an outage.

    Faults with a duration (Redis refusing writes or restarting, a replica down) would hold
    up the ones after them: each kind of target has its own lane, played in order.
    """

    targets: Targets
    faults: list[PlannedFault]
    began: float = field(default_factory=time.monotonic)
    played: list[Injected] = field(default_factory=list)
    killed_leases: set[str] = field(default_factory=set)
    """Deployments whose lease the SIGKILLed replica held: one reply may be told twice."""
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        lanes: dict[str, list[PlannedFault]] = {}
        for fault in self.faults:
            lanes.setdefault(fault.kind.split("-")[0], []).append(fault)
        self._threads = [
            threading.Thread(target=self._run, args=(lane,), name=f"soak-{name}", daemon=True)
            for name, lane in lanes.items()
        ]

    def start(self) -> Player:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    @property
    def finished(self) -> bool:
        return not any(thread.is_alive() for thread in self._threads)

    def _run(self, lane: list[PlannedFault]) -> None:
        try:
            for fault in lane:
                if self._stop.wait(max(0.0, self.began + fault.at - time.monotonic())):
                    return
                injected = Injected(fault, self._now(), self.targets.sim.clock())
                self.played.append(injected)
                injected.note = self._play(fault)
                injected.ended = self._now()
        except BaseException as exc:  # reported by the run, which fails on it
            self.error = exc

    def _now(self) -> float:
        return time.monotonic() - self.began

    def _play(self, fault: PlannedFault) -> str:
        kind = fault.kind
        if kind.startswith("do-"):
            return self._do(fault)
        if kind.startswith("slack-"):
            status = {"slack-429": 429, "slack-500": 500, "slack-drop": DROP_CONNECTION}[kind]
            error = "ratelimited" if status == 429 else "internal_error"
            self.targets.slack.fail(fault.target, status=status, error=error, times=fault.times)
            return ""
        if kind == "redis-refuses-writes":
            return self._refuse_writes(fault.seconds)
        if kind == "redis-restart":
            self.targets.redis_server.restart(down_for=fault.seconds)
            return "restarted on its append-only file"
        if kind == "replica-sigkill":
            return self._sigkill(int(fault.target), fault.seconds)
        raise ValueError(f"unknown fault {kind}")

    def _do(self, fault: PlannedFault) -> str:
        method, path, _ = DO_TARGETS[fault.target]
        sim, times = self.targets.sim, fault.times
        if fault.kind == "do-429":
            sim.inject(method, path, status=429, retry_after=1, times=times)
        elif fault.kind == "do-500":
            sim.inject(method, path, status=500, times=times)
        elif fault.kind == "do-drop":
            sim.inject(method, path, status=0, times=times)
        elif fault.kind == "do-lost":
            # Done, then the answer is lost: a 502 or a cut connection.
            sim.inject(method, path, status=502 if times % 2 else 0, times=times, after_effect=True)
        else:
            sim.inject(method, path, status=200, body=UNREADABLE, times=times, after_effect=True)
        return ""

    def _refuse_writes(self, seconds: float) -> str:
        """Redis refuses every write (OOM, as a full Redis with ``noeviction`` does) and
        every script, while reads still work."""
        client = redis.Redis(port=self.targets.redis_server.port, socket_timeout=5)
        try:
            client.config_set("maxmemory-policy", "noeviction")
            client.config_set("maxmemory", "1")
            try:
                client.set(keys.PREFIX + "soak-probe", "1")
                note = "writes were still accepted"
            except redis.ResponseError as exc:
                note = (
                    "writes refused (OOM)" if "maxmemory" in str(exc) else f"writes refused: {exc}"
                )
            self._stop.wait(seconds)
        finally:
            client.config_set("maxmemory", "0")
            client.close()
        return note

    def _sigkill(self, index: int, down_for: float) -> str:
        replica = self.targets.replicas[index]
        assert replica.proc is not None
        pid = replica.proc.pid
        self.targets.on_kill(index)
        replica.kill()
        self.killed_leases |= self._leases_of(pid)
        self._stop.wait(down_for)
        replica.start()
        self.targets.on_restart(index)
        return f"replica {index} (pid {pid}) held {len(self.killed_leases)} watch lease(s)"

    def _leases_of(self, pid: int) -> set[str]:
        """The watches whose lease ``pid`` held: they outlive it by their expiry (a second),
        so they are read at once, through a Redis restart if one is under way."""
        client = redis.Redis(port=self.targets.redis_server.port, decode_responses=True)
        deadline = time.monotonic() + 5
        try:
            while True:
                try:
                    return {
                        key.removeprefix(keys.LEASE_PREFIX)
                        for key in watch_leases(client)
                        if f":{pid}:" in str(client.get(key) or "")
                    }
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    self._stop.wait(0.1)
        finally:
            client.close()


def watch_leases(client: redis.Redis) -> list[str]:
    """The watches' lease keys held now: not those of the rounds a running replica always
    takes (the look at the fleet, pin reminders, bad deploys, break-glass reviews)."""
    rounds = {keys.lease(name) for name in keys.ROUND_LEASES}
    return sorted(str(k) for k in client.scan_iter(keys.LEASE_PREFIX + "*") if k not in rounds)
