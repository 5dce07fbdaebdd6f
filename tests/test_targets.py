"""Choosing the default rollback target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digitalocean.models import Deployment, Phase
from bot.domain.targets import default_target

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def dep(id_: str, phase: Phase, hours: int) -> Deployment:
    return Deployment(id=id_, phase=phase, created_at=T0 + timedelta(hours=hours))


def test_newest_superseded_older_than_live_skipping_error_and_canceled() -> None:
    live = dep("live", Phase.ACTIVE, 10)
    history = [
        dep("newer-failed", Phase.ERROR, 11),
        live,
        dep("canceled", Phase.CANCELED, 9),
        dep("failed", Phase.ERROR, 8),
        dep("good", Phase.SUPERSEDED, 7),
        dep("older-good", Phase.SUPERSEDED, 5),
    ]
    target = default_target(live, history)
    assert target is not None and target.id == "good"


def test_order_of_the_list_does_not_matter() -> None:
    live = dep("live", Phase.ACTIVE, 10)
    history = [dep("older-good", Phase.SUPERSEDED, 5), dep("good", Phase.SUPERSEDED, 7), live]
    target = default_target(live, history)
    assert target is not None and target.id == "good"


def test_superseded_newer_than_live_is_not_a_rollback() -> None:
    live = dep("live", Phase.ACTIVE, 10)
    assert default_target(live, [dep("later", Phase.SUPERSEDED, 12), live]) is None


def test_nothing_to_roll_back_to() -> None:
    live = dep("live", Phase.ACTIVE, 10)
    assert default_target(live, [live, dep("failed", Phase.ERROR, 3)]) is None
