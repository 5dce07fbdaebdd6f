"""Every Redis key the bot uses, in one place (as arq keeps its prefixes).

All keys share one prefix so an operator can find, count or flush them at a glance.
"""

from __future__ import annotations

PREFIX = "rollback-bot:"

CARD_PREFIX = PREFIX + "card:"
"""JSON of a confirmation card, with a TTL: ``card:<card id>``."""

DECISION_PREFIX = PREFIX + "decision:"
"""The one decision taken on a card, written with SET NX: ``decision:<card id>``."""

WATCH_PREFIX = PREFIX + "watch:"
"""JSON of a watched deployment and the step statuses already reported."""

ACTIVE_WATCHES = PREFIX + "watches:active"
"""Set of deployment ids still being watched; a restarted bot resumes these."""

PENDING_CARDS = PREFIX + "cards:pending"
"""Sorted set of undecided card ids scored by expiry time, for the expiry sweeper."""

STARTING = PREFIX + "cards:starting"
"""Sorted set of approved cards whose rollback is being started, scored by when the intent
lapses unless the starting replica keeps it alive (``bot.usecases.starting``)."""

APP_LOCK_PREFIX = PREFIX + "lock:app:"
"""One rollback at a time per app: ``lock:app:<app id>`` holds the owner, with an expiry."""

SEEN_PREFIX = PREFIX + "seen:"
"""Deliveries already handled (``seen:<trigger id>``), so a Slack retry does nothing twice."""

GROUP_PREFIX = PREFIX + "group:"
"""Cached members of a Slack user group (JSON list), kept briefly."""

AUDIT_STREAM = PREFIX + "audit"
"""Redis stream of audit events, capped in length."""

LEASE_PREFIX = PREFIX + "lease:"
"""Which replica follows a watch: ``lease:<deployment id>`` holds its id, with a short expiry."""

BUDGET_POLLS = PREFIX + "budget:digitalocean:polls"
"""Sorted set of the last hour's DigitalOcean requests made by polls (all replicas),
scored by time: one lane of the shared rate budget's two windows."""

BUDGET_COMMANDS = PREFIX + "budget:digitalocean:commands"
"""The same for requests made for people's commands and clicks: the other lane."""

BUDGET_PAUSE = PREFIX + "budget:digitalocean:pause-until"
"""Epoch second until which every replica waits after a 429 (at most a minute ahead)."""

BUDGET_ALLOWANCE = PREFIX + "budget:digitalocean:allowance"
"""Requests of the hour DigitalOcean leaves the bot when other tools share its token."""

APP_ROLLBACK_PREFIX = PREFIX + "app-rollback:"
"""The latest rollback watch of an app (its deployment id), for commit / revert replies."""

CHANNEL_PACE_PREFIX = PREFIX + "pace:channel:"
"""Recent posts in a Slack channel (all replicas), to keep Slack's one-a-second pace."""

SEEN_SECONDS = 3600
"""Slack retries within minutes; an hour of memory covers them."""

GROUP_CACHE_SECONDS = 60
"""How long user-group members are trusted before Slack is asked again."""

CARD_KEEP_SECONDS = 7 * 24 * 3600
"""How long a decided card (and a finished watch) stays readable for status and buttons."""


def card(card_id: str) -> str:
    return CARD_PREFIX + card_id


def decision(card_id: str) -> str:
    return DECISION_PREFIX + card_id


def watch(deployment_id: str) -> str:
    return WATCH_PREFIX + deployment_id


def app_lock(app_id: str) -> str:
    return APP_LOCK_PREFIX + app_id


def seen(delivery_id: str) -> str:
    return SEEN_PREFIX + delivery_id


def group(group_id: str) -> str:
    return GROUP_PREFIX + group_id


def lease(deployment_id: str) -> str:
    return LEASE_PREFIX + deployment_id


def app_rollback(app_id: str) -> str:
    return APP_ROLLBACK_PREFIX + app_id


def channel_pace(channel: str) -> str:
    return CHANNEL_PACE_PREFIX + channel
