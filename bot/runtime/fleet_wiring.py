"""Wiring of the fleet: the watcher, its narrator, and what they share (leases, the fair
share of the budget, the fleet view, the teller of threads)."""

from __future__ import annotations

from bot.digitalocean.budget import RateBudget
from bot.digitalocean.client import DigitalOceanClient
from bot.fleet.aftercare import Aftercare
from bot.fleet.failure_logs import FailureLogs
from bot.fleet.fair_share import FairShare
from bot.fleet.fleet_view import FleetView, look_tick
from bot.fleet.looker import Looker
from bot.fleet.narrator import Narrator
from bot.fleet.readings import DeploymentReadings
from bot.fleet.telling import Teller
from bot.fleet.verifier import Verifier
from bot.fleet.watcher import Watcher
from bot.settings import Settings
from bot.slack.client import Chat
from bot.slack.pace import ChannelPace
from bot.store.failure_logs import FailureLogClaims
from bot.store.fleet_snapshots import FleetSnapshots
from bot.store.leases import Leases, lease_ttl, replica_id
from bot.store.redis_store import Store
from bot.tasks import TaskTracker


def fleet_watcher(
    settings: Settings,
    *,
    polls: DigitalOceanClient,
    store: Store,
    chat: Chat,
    pace: ChannelPace,
    aftercare: Aftercare,
    tasks: TaskTracker,
    budget: RateBudget,
) -> Watcher:
    """The fleet: the watcher, its narrator, and the teller of their threads."""
    leases = Leases(
        store.client,
        owner=replica_id(),
        # Taken over within a few poll intervals of a replica's death.
        ttl=lease_ttl(settings.rollback_poll_interval),
    )
    share = FairShare(budget, poll_interval=settings.rollback_poll_interval)
    view = FleetView(
        FleetSnapshots(store.client), reuse_for=look_tick(settings.rollback_poll_interval) / 2
    )
    teller = Teller(chat=chat, pace=pace, store=store, leases=leases)
    narrator = _narrator(
        settings, polls=polls, store=store, chat=chat, teller=teller, aftercare=aftercare,
        tasks=tasks, view=view, share=share, leases=leases,
    )  # fmt: skip
    return Watcher(
        narrator=narrator,
        store=store,
        leases=leases,
        tasks=tasks,
        share=share,
        view=view,
        looker=Looker(
            do=polls,
            snapshots=FleetSnapshots(store.client),
            store=store,
            leases=leases,
            budget=budget,
            poll_interval=settings.rollback_poll_interval,
            fleet_interval=settings.rollback_fleet_interval,
        ),
    )


def _narrator(
    settings: Settings,
    *,
    polls: DigitalOceanClient,
    store: Store,
    chat: Chat,
    teller: Teller,
    aftercare: Aftercare,
    tasks: TaskTracker,
    view: FleetView,
    share: FairShare,
    leases: Leases,
) -> Narrator:
    """The narrator of watched rollbacks, with their health check and failing log."""
    claims = FailureLogClaims(store.client, owner=leases.owner)
    lines = settings.rollback_failure_log_lines
    return Narrator(
        do=polls,
        readings=DeploymentReadings(view=view, do=polls, share=share),
        store=store,
        teller=teller,
        aftercare=aftercare,
        verifier=Verifier(
            do=polls,
            view=view,
            share=share,
            teller=teller,
            aftercare=aftercare,
            seconds=settings.rollback_verify_seconds,
        ),
        watch_timeout=settings.rollback_watch_timeout,
        failure_logs=FailureLogs(
            do=polls, chat=chat, teller=teller, claims=claims, tasks=tasks, lines=lines
        ),
    )
