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

APP_ROLLBACK_PREFIX = PREFIX + "app-rollback:"
"""The latest rollback watch of an app (its deployment id), for commit / revert replies."""

CARD_KEEP_SECONDS = 7 * 24 * 3600
"""How long a decided card (and a finished watch) stays readable for status and buttons."""


def card(card_id: str) -> str:
    return CARD_PREFIX + card_id


def decision(card_id: str) -> str:
    return DECISION_PREFIX + card_id


def watch(deployment_id: str) -> str:
    return WATCH_PREFIX + deployment_id


def app_rollback(app_id: str) -> str:
    return APP_ROLLBACK_PREFIX + app_id
