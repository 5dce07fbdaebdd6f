"""Section 5: the soak (issue 12): 50 rollbacks across two replicas while faults come at random.

``tests.soak`` runs it; tests/test_soak.py is its short version. Two ``rollback-bot serve``
replicas (child processes) share a private redis-server with an fsync'd append-only file,
the DigitalOcean simulator on the tests' compressed clock (12×: its minute is 5 s real and
it enforces DigitalOcean's 250 a minute and 5,000 an hour; a rollback takes about 5 s real)
and the fake Slack (its pace 10×). One person per app asks for its rollback, approves it
and commits it, retrying what the bot says to retry, while a plan of faults drawn from the
seed plays: DigitalOcean 429/5xx/dropped/lost/unreadable answers, Slack 429/500/dropped
connections, Redis refusing writes (``maxmemory``, as a full Redis does), one Redis
restart on its append-only file, one replica SIGKILLed and restarted.

Each check is a row whose value is how many cards, threads, apps or replicas it found
wrong (floor 0); the findings themselves, with their evidence, are printed after the table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bench.stats import Row
from tests.soak import SoakConfig, SoakRun, run
from tests.soak_checks import MEMORY_GROWTH, findings, report
from tests.soak_faults import FaultCounts


@dataclass(frozen=True)
class SoakBenchConfig:
    rollbacks: int = 50
    seed: int = 50
    gap: float = 0.8
    """Seconds between two people's first requests: 50 rollbacks begin over 40 s."""
    faults: FaultCounts = field(
        default_factory=lambda: FaultCounts(do=25, slack=20, write_refusals=3)
    )

    def soak(self) -> SoakConfig:
        return SoakConfig(
            rollbacks=self.rollbacks,
            seed=self.seed,
            gap=self.gap,
            faults=self.faults,
            deadline=300.0,
            warmup=max(3, self.rollbacks // 5),
        )


def measure(cfg: SoakBenchConfig) -> tuple[SoakRun, dict[str, list[str]]]:
    soak = run(cfg.soak())
    return soak, findings(soak)


def rows(cfg: SoakBenchConfig, soak: SoakRun, found: dict[str, list[str]]) -> list[Row]:
    told = sum(bool(p.outcome) for p in soak.people)
    # Rollbacks DigitalOcean made (a POST whose answer was dropped or 5xx may have made
    # one, or not: the bot looks and adopts, so what counts is what DigitalOcean made).
    made = sum(len(deps) for deps in soak.rollbacks.values())
    unanswered = sum(
        r.method == "POST" and r.path.endswith("/rollback") and (r.status == 0 or r.status >= 500)
        for r in soak.requests
    )
    approved = sum(kind == "approved" for kind in soak.decisions.values())
    out = [
        Row("rollbacks told to the end", told, "", cfg.rollbacks, "asked for", "all",
            told == cfg.rollbacks),
        Row("rollbacks DigitalOcean made", made, "", approved, "approved cards", "1×",
            made == approved),
        Row("POST /rollback left unanswered (dropped, 5xx)", unanswered, "", None, "", "",
            None),
        Row("faults played", len(soak.faults), "", None, "", "", None),
    ]  # fmt: skip
    out += [
        Row(f"{name}: findings", len(lines), "", 0, "", "0", not lines)
        for name, lines in found.items()
    ]
    bound = 1 + MEMORY_GROWTH
    for m in soak.memory:
        if m.baseline_kib and m.end_kib:
            out.append(
                Row(f"replica {m.replica} (pid {m.pid}) resident memory at the end",
                    m.end_kib / 1024, "MiB", m.baseline_kib / 1024, "after warm-up",
                    f"≤ {bound:.2f}×", m.end_kib <= m.baseline_kib * bound)
            )  # fmt: skip
    return out


def notes(soak: SoakRun) -> str:
    kinds = Counter(f.fault.kind for f in soak.faults)
    statuses = Counter(r.status for r in soak.requests)
    asks = sum(p.asks for p in soak.people)
    commits = sum(p.committed for p in soak.people)
    return (
        f"{len(soak.people)} rollbacks in {soak.seconds:.0f} s (seed {soak.cfg.seed}); "
        f"{asks} /rollback requests, {commits} commits; faults {dict(sorted(kinds.items()))}; "
        f"DigitalOcean answers by status (0: dropped) {dict(sorted(statuses.items()))}; "
        f"Slack calls {dict(sorted(soak.slack_calls.items()))}; the SIGKILLed replica held "
        f"{len(soak.killed_leases)} watch lease(s)"
    )


def details(soak: SoakRun, found: dict[str, list[str]]) -> str:
    """What each failed check found, with its evidence ("" when every check passed)."""
    return report(soak, found) if any(found.values()) else ""
