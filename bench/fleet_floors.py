"""Section 2's floors on the fleet view (issue 15), and DigitalOcean calls by endpoint.

The bot looks at the whole fleet once per interval (``GET /v2/apps``, 200 apps a page):
every ``ROLLBACK_POLL_INTERVAL`` while a rollback is followed, every
``ROLLBACK_FLEET_INTERVAL`` otherwise. Hence the floors:

- lag: a step change waits for the next look, half an interval on average (the p50
  floor) and a whole one at worst (the p99 floor);
- calls: pages per look × looks, plus one per-deployment read per rollback (its final
  state, once it leaves ``in_progress_deployment``).

Calls are counted from the simulator's journal (``Simulator.count``), by endpoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.sandbox.digitalocean import Simulator

PER_PAGE = 200
"""The most apps ``GET /v2/apps`` returns a page (``per_page``'s maximum in the spec)."""

LAG_TARGET = 1.5
"""Issue 15: lag p99 at most 1.5 × the poll interval."""

CALLS_TARGET = 2.0
"""Issue 15: list pages at most 2 × the pages-per-look floor (final reads on top)."""

IDLE_TARGET_PER_HOUR = 150.0
"""Issue 15: calls an hour with nothing in flight and 200 apps."""

# (method, path regex) of each endpoint the bot reads or writes, as ``Simulator.count``
# takes them; every other call is counted as "other".
ENDPOINTS: dict[str, tuple[str, str]] = {
    "list apps": ("GET", r"/v2/apps"),
    "get app": ("GET", r"/v2/apps/[^/]+"),
    "list deployments": ("GET", r"/v2/apps/[^/]+/deployments"),
    "get deployment": ("GET", r"/v2/apps/[^/]+/deployments/[^/]+"),
    "rollback": ("POST", r"/v2/apps/[^/]+/rollback(/validate|/commit|/revert)?"),
}


def pages(apps: int) -> int:
    """Pages one look at ``apps`` apps takes."""
    return max(1, math.ceil(apps / PER_PAGE))


def looks_per_hour(interval: float) -> float:
    """Looks an hour, one every ``interval`` simulated seconds."""
    return 3600.0 / interval


def pages_per_hour(apps: int, interval: float) -> float:
    """The calls floor without rollbacks: pages per look × looks an hour."""
    return pages(apps) * looks_per_hour(interval)


def lag_floors(interval: float) -> tuple[float, float]:
    """(p50, p99) floors of the lag: half an interval and a whole one."""
    return interval / 2, interval


@dataclass(frozen=True)
class Calls:
    """DigitalOcean requests the simulator journaled, by endpoint."""

    by_endpoint: dict[str, int] = field(default_factory=dict)
    total: int = 0

    @classmethod
    def of(cls, sim: Simulator) -> Calls:
        counts = {name: sim.count(method, regex) for name, (method, regex) in ENDPOINTS.items()}
        return cls(counts, len(sim.requests))

    def since(self, earlier: Calls) -> Calls:
        counts = {k: v - earlier.by_endpoint.get(k, 0) for k, v in self.by_endpoint.items()}
        return Calls(counts, self.total - earlier.total)

    def __getitem__(self, endpoint: str) -> int:
        return self.by_endpoint.get(endpoint, 0)

    @property
    def other(self) -> int:
        return self.total - sum(self.by_endpoint.values())

    def describe(self) -> str:
        parts = [f"{k} {v}" for k, v in self.by_endpoint.items() if v]
        return ", ".join([*parts, f"other {self.other}"] if self.other else parts) or "none"
