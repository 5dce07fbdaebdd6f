"""The soak test (issue 12): many rollbacks across replicas while faults come at random.

Bounded and loopback only: two ``rollback-bot serve`` replicas (child processes) against a
private ``redis-server`` with an fsync'd append-only file, the DigitalOcean simulator (on
the tests' compressed clock, enforcing DigitalOcean's limits; a rollback takes a few real
seconds) and the fake Slack (its pace compressed likewise). One person per app asks for
its rollback, approves it and commits it (``tests.soak_people``) while a seeded plan of
faults plays (``tests.soak_faults``): DigitalOcean 429/5xx/dropped/lost/unreadable answers,
Slack 429/500/dropped connections, Redis refusing writes, one Redis restart, one replica
SIGKILLed and restarted. ``tests.soak_checks`` then says what went wrong, if anything.

``run(SoakConfig(...))`` is used by tests/test_soak.py (short) and bench/soak.py (full).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bot.sandbox.digitalocean import RecordedRequest
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.slack.fake import Message
from bot.store import keys
from tests.constants import DO_SPEED, SIGNING_SECRET
from tests.processes import BotProcess
from tests.slack_driver import SlackDriver
from tests.soak_faults import FaultCounts, Injected, Player, Targets, plan, watch_leases
from tests.soak_people import People
from tests.soak_person import Person
from tests.soak_stack import Stack, stack

REPLICAS = 2
TICKS = 10  # steps of a rollback of a one-service app, start to ACTIVE (the simulator's script)


@dataclass(frozen=True)
class SoakConfig:
    rollbacks: int = 12
    seed: int = 12
    gap: float = 0.5
    """Seconds between two people's first requests."""
    step_seconds: float = 6.0
    """Simulated seconds per rollback step: 0.5 s real at DO_SPEED, about 5 s a rollback."""
    failing_every: int = 6
    """Every n-th app's rollback fails at build, so "failed" outcomes are told too."""
    apps_per_channel: int = 4
    faults: FaultCounts = field(
        default_factory=lambda: FaultCounts(do=8, slack=8, write_refusals=1)
    )
    deadline: float = 120.0
    """Real seconds for the whole run after start-up; then whatever is unfinished is a finding."""
    warmup: int = 3
    """Rollbacks told to the end (after a replica started) before its memory baseline."""

    @property
    def span(self) -> float:
        """Seconds over which rollbacks are in flight, over which the faults are spread."""
        return self.rollbacks * self.gap + TICKS * self.step_seconds / DO_SPEED


@dataclass
class Memory:
    replica: int
    pid: int
    outcomes_at_start: int
    baseline_kib: int = 0
    baseline_at: float = 0.0
    end_kib: int = 0


@dataclass
class SoakRun:
    cfg: SoakConfig
    people: list[Person]
    faults: list[Injected]
    killed_leases: set[str]
    requests: list[RecordedRequest]
    cards: dict[str, Message]
    """Every rollback card as it ends, by ts."""
    threads: dict[str, list[Message]]
    decisions: dict[str, str]
    """Card id → the decision in force at the end ("" for none)."""
    rollbacks: dict[str, list[tuple[str, str]]]
    """App id → (deployment id, phase) of every rollback DigitalOcean made."""
    locks: dict[str, str]
    active_watches: list[str]
    leases: list[str]
    memory: list[Memory]
    logs: list[str]
    slack_calls: dict[str, int]
    """Slack Web API calls by "method status" (0: the connection was dropped)."""
    seconds: float
    finished: bool
    problems: list[str] = field(default_factory=list)
    """What kept the run itself from going as planned (a fault not played, a timeout)."""


def run(cfg: SoakConfig) -> SoakRun:
    with stack(
        cfg.rollbacks, step_seconds=cfg.step_seconds, failing_every=cfg.failing_every,
        replicas=REPLICAS,
    ) as stands:  # fmt: skip
        alive = [True] * REPLICAS
        drivers = [
            SlackDriver(bot_url=r.url, slack_url=stands.slack.url, signing_secret=SIGNING_SECRET)
            for r in stands.replicas
        ]
        people = People(_people(cfg, stands.apps), slack=stands.slack, sim=stands.sim,
                        drivers=drivers, alive=alive, seed=cfg.seed)  # fmt: skip
        targets = Targets(stands.sim, stands.slack, stands.redis_server, stands.replicas,
                          on_kill=lambda i: alive.__setitem__(i, False),
                          on_restart=lambda i: alive.__setitem__(i, True))  # fmt: skip
        player = Player(targets, plan(cfg.seed, span=cfg.span, counts=cfg.faults))
        memory: list[Memory] = []
        people.began = player.began
        player.start()
        try:
            finished = _drive(cfg, people, player, stands.replicas, memory)
        finally:
            player.stop()
            for driver in drivers:
                driver.close()
        problems = [] if finished else [f"people still busy after {cfg.deadline:.0f} s"]
        if player.error is not None:
            problems.append(f"the fault player failed: {player.error!r}")
        if len(player.played) < len(player.faults):
            problems.append(f"{len(player.faults) - len(player.played)} planned faults not played")
        problems += _drain(stands.redis_server, deadline=time.monotonic() + 30)
        for reading in memory:
            if _alive_pid(stands.replicas[reading.replica]) == reading.pid:
                reading.end_kib = rss_kib(reading.pid)
        return _collect(
            cfg, stands, people=people, player=player, memory=memory, finished=finished,
            problems=problems,
        )  # fmt: skip


def _drive(
    cfg: SoakConfig,
    people: People,
    player: Player,
    replicas: list[BotProcess],
    memory: list[Memory],
) -> bool:
    deadline = people.began + cfg.deadline
    while people.busy or not player.finished:
        if time.monotonic() > deadline:
            return False
        people.step()
        _sample_memory(cfg, people, replicas, memory)
        # People look at Slack now and then; 20 ms is quicker than anyone clicks.
        time.sleep(0.02)
    return True


def _sample_memory(
    cfg: SoakConfig, people: People, replicas: list[BotProcess], memory: list[Memory]
) -> None:
    """Each replica process's resident memory once it has told ``warmup`` rollbacks."""
    told = people.told_to_the_end
    for index, replica in enumerate(replicas):
        pid = _alive_pid(replica)
        # A restarted replica counts from when it answers (before, it is still importing).
        if pid is None or not people.alive[index]:
            continue
        reading = next((m for m in memory if m.pid == pid), None)
        if reading is None:
            memory.append(Memory(index, pid, told))
        elif not reading.baseline_kib and told - reading.outcomes_at_start >= cfg.warmup:
            reading.baseline_kib, reading.baseline_at = rss_kib(pid), people.now()


def _alive_pid(replica: BotProcess) -> int | None:
    proc = replica.proc
    return proc.pid if proc is not None and proc.poll() is None else None


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _drain(server: RedisServer, *, deadline: float) -> list[str]:
    """Wait until no watch is listed and no lease is held (they expire within a second)."""
    client = redis.Redis(port=server.port, decode_responses=True)
    try:
        while client.scard(keys.ACTIVE_WATCHES) or watch_leases(client):
            if time.monotonic() > deadline:
                return ["watches were still active or leased 30 s after the people were done"]
            time.sleep(0.1)  # Redis cannot tell us when a key expires
        return []
    finally:
        client.close()


def _collect(
    cfg: SoakConfig,
    stack: Stack,
    *,
    people: People,
    player: Player,
    memory: list[Memory],
    finished: bool,
    problems: list[str],
) -> SoakRun:
    slack, sim = stack.slack, stack.sim
    cards = {m.ts: m for m in slack.top_level() if m.text.startswith("Rollback ")}
    client = redis.Redis(port=stack.redis_server.port, decode_responses=True)
    try:
        card_ids = {c.card_id for p in people.people for c in p.cards if c.card_id}
        decisions = {cid: _decision(client, cid) for cid in card_ids}
        locks = {
            k.removeprefix(keys.APP_LOCK_PREFIX): str(client.get(k))
            for k in client.scan_iter(keys.APP_LOCK_PREFIX + "*")
        }
        active = sorted(str(d) for d in client.smembers(keys.ACTIVE_WATCHES))
        leases = watch_leases(client)
    finally:
        client.close()
    rollbacks = {
        app_id: [
            (str(d["id"]), str(d["phase"]))
            for d in sim.list_deployments(app_id, ("MANUAL_ROLLBACK",))
        ]
        for _, app_id in stack.apps
    }
    return SoakRun(
        cfg=cfg, people=people.people, faults=list(player.played),
        killed_leases=set(player.killed_leases), requests=sim.requests, cards=cards,
        threads={ts: slack.thread(ts) for ts in cards}, decisions=decisions,
        rollbacks=rollbacks, locks=locks, active_watches=active, leases=leases, memory=memory,
        logs=[r.log() for r in stack.replicas], seconds=people.now(), finished=finished,
        slack_calls=dict(Counter(f"{c.method} {c.status}" for c in slack.calls)),
        problems=problems,
    )  # fmt: skip


def _decision(client: redis.Redis, card_id: str) -> str:
    raw = client.get(keys.decision(card_id))
    return str(json.loads(raw)["kind"]) if raw else ""


def _people(cfg: SoakConfig, apps: list[tuple[str, str]]) -> list[Person]:
    return [
        Person(name, app_id, f"CSOAK{n // cfg.apps_per_channel:02d}", home=n % REPLICAS,
               launch_at=n * cfg.gap)
        for n, (name, app_id) in enumerate(apps)
    ]  # fmt: skip
