"""Wiring of the review rounds: reminders of open break-glass reviews (issue 18)."""

from __future__ import annotations

from bot.fleet.review_rounds import ReviewRounds
from bot.store.leases import Leases, lease_ttl, replica_id
from bot.store.pin_claims import PinClaims
from bot.store.reviews import Reviews
from bot.usecases.dependencies import Deps


def review_rounds(deps: Deps) -> ReviewRounds:
    client = deps.store.client
    return ReviewRounds(
        reviews=Reviews(client),
        claims=PinClaims(client),
        leases=Leases(
            client, owner=replica_id(), ttl=lease_ttl(deps.settings.rollback_poll_interval)
        ),
        chat=deps.chat,
        pace=deps.pace,
        policy=deps.policy.policy,
    )
