"""Prometheus metrics, served at ``GET /metrics``.

Each runtime has its own registry (several bots can share one process in tests and the
demo). Counts that other modules already keep (calls by status) are read at scrape time
by a collector rather than copied on every call.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class _Source:
    name: str
    doc: str
    labels: tuple[str, ...]
    read: Callable[[], Tally[tuple[str, ...]]]


class _Tallies(Collector):
    """Exposes in-memory tallies as Prometheus counters when scraped."""

    def __init__(self) -> None:
        self.sources: list[_Source] = []

    def collect(self) -> Iterator[CounterMetricFamily]:
        for source in self.sources:
            family = CounterMetricFamily(source.name, source.doc, labels=list(source.labels))
            for values, count in sorted(source.read().items()):
                family.add_metric(list(values), count)
            yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.commands = Counter(
            "rollback_bot_slash_commands",
            "Slash commands by subcommand and outcome.",
            ["subcommand", "outcome"],
            registry=r,
        )
        self.decisions = Counter(
            "rollback_bot_decisions", "Clicks on cards by outcome.", ["outcome"], registry=r
        )
        self.rollbacks = Counter(
            "rollback_bot_rollbacks",
            "Watched deployments that ended, by kind and final phase.",
            ["kind", "phase"],
            registry=r,
        )
        self.rollback_duration = Histogram(
            "rollback_bot_rollback_duration_seconds",
            "From approval to the final phase.",
            buckets=(15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200),
            registry=r,
        )
        self.ack_latency = Histogram(
            "rollback_bot_ack_latency_seconds",
            "Time to answer Slack's request (Slack allows 3 s).",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0),
            registry=r,
        )
        self.watches = Gauge(
            "rollback_bot_watches_in_flight", "Watches this replica follows now.", registry=r
        )
        self.budget_remaining = Gauge(
            "rollback_bot_digitalocean_budget_remaining",
            "DigitalOcean requests left of the bot's share in the current minute and hour "
            "(all replicas).",
            ("window",),
            registry=r,
        )
        self._tallies = _Tallies()
        r.register(self._tallies)

    def count_calls(
        self,
        name: str,
        doc: str,
        labels: tuple[str, ...],
        read: Callable[[], Tally[tuple[str, ...]]],
    ) -> None:
        """Expose a tally kept elsewhere (e.g. API calls by status) as a counter."""
        self._tallies.sources.append(_Source(name, doc, labels, read))

    def render(self) -> bytes:
        return generate_latest(self.registry)
