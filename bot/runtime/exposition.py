"""Metrics read from the clients and the watcher when ``/metrics`` is scraped."""

from __future__ import annotations

from collections import Counter

from bot.digitalocean.client import DigitalOceanClient
from bot.fleet.watcher import Watcher
from bot.metrics import Metrics
from bot.slack.client import Chat


def expose(metrics: Metrics, *, do: DigitalOceanClient, chat: Chat, watcher: Watcher) -> None:
    metrics.count_calls(
        "rollback_bot_digitalocean_requests",
        "DigitalOcean API answers by HTTP status (0: no answer).",
        ("status",),
        lambda: Counter({(str(status),): n for status, n in do.calls.items()}),
    )
    metrics.count_calls(
        "rollback_bot_slack_requests",
        "Slack Web API calls by method and outcome.",
        ("method", "outcome"),
        lambda: Counter({key: n for key, n in chat.calls.items()}),
    )
    metrics.count_calls(
        "rollback_bot_digitalocean_reads",
        "Looks at the whole fleet this replica took (look), and deployments it read by id.",
        ("kind",),
        lambda: Counter({(kind,): n for kind, n in watcher.reads().items()}),
    )
    metrics.watches.set_function(lambda: watcher.running)
