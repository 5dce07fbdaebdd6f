"""Wiring of the pin rounds: reminders of pinned rollbacks and rollbacks made elsewhere
(issue 17, parts 3 and 4), built from the same clients as everything else."""

from __future__ import annotations

from bot.fleet.elsewhere import Elsewhere
from bot.fleet.pin_reminders import PinReminders
from bot.fleet.pin_rounds import PinRounds
from bot.store.leases import Leases, lease_ttl, replica_id
from bot.store.pin_claims import PinClaims
from bot.usecases.dependencies import Deps


def pin_rounds(deps: Deps) -> PinRounds:
    """Pin reminders and rollbacks made elsewhere, from the fleet view (issue 17, 3 and 4)."""
    settings, store = deps.settings, deps.store
    claims = PinClaims(store.client)
    reminders = PinReminders(
        ages=settings.rollback_pin_reminders,
        claims=claims,
        store=store,
        chat=deps.chat,
        pace=deps.pace,
    )
    elsewhere = Elsewhere(
        rules=deps.channels,
        notify_channel=settings.rollback_notify_channel,
        claims=claims,
        store=store,
        locks=deps.locks,
        chat=deps.chat,
        pace=deps.pace,
        watcher=deps.watcher,
        reminders=reminders,
    )
    return PinRounds(
        view=deps.watcher.view,
        leases=Leases(
            store.client, owner=replica_id(), ttl=lease_ttl(settings.rollback_poll_interval)
        ),
        reminders=reminders,
        elsewhere=elsewhere,
        idle_interval=settings.rollback_fleet_interval,
    )
