"""A card when a deploy goes bad: a new deployment (not a rollback) went live and, within
``ROLLBACK_VERIFY_SECONDS``, its app turned UNHEALTHY or lost ready replicas. The bot then
proposes a rollback to the last good deployment in the app's channel, as a card like any
other (the same checks, the two-person rule); its requester is the bot itself ("").

One replica at a time (a lease) reads the health of the apps whose live deployment is that
fresh, as the latest look at the fleet lists them: nothing is read for the other apps.
Exactly one card per bad deploy: the deployment is claimed in Redis (SET NX) before its
card is posted, so replicas and restarts never post a second.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import datetime

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.health import AppHealth, unwell
from bot.digitalocean.models import App, Deployment, Phase
from bot.domain.channels import app_channel
from bot.errors import BotError, StoreUnavailableError
from bot.slack.blockkit.blocks import short
from bot.store import keys
from bot.store.guard import guard
from bot.store.leases import Leases, lease_ttl, replica_id
from bot.tasks import TaskTracker, repeat
from bot.usecases.dependencies import Deps
from bot.usecases.propose import propose_for_the_bot

log = logging.getLogger(__name__)

READ_EVERY = 3
"""Poll intervals between two rounds."""

READS_PER_DEPLOY = 4
"""A fresh deploy's health is read about this many times over ``ROLLBACK_VERIFY_SECONDS``
(and no more often than once a round): with the defaults, every 30 s for two minutes."""

CLAIM_SECONDS = 7 * 24 * 3600


class BadDeploys:
    def __init__(
        self, deps: Deps, *, do: DigitalOceanClient, leases: Leases, tasks: TaskTracker
    ) -> None:
        self._deps = deps
        self._do = do  # the polls' lane of the budget: background reads
        self._leases = leases
        self._tasks = tasks
        self._stopping = asyncio.Event()
        self.interval = READ_EVERY * deps.settings.rollback_poll_interval
        self._spacing = max(self.interval, deps.settings.rollback_verify_seconds / READS_PER_DEPLOY)
        self._read_at: dict[str, float] = {}  # deployment → when its health was last read here

    @classmethod
    def of(cls, deps: Deps, *, do: DigitalOceanClient, tasks: TaskTracker) -> BadDeploys:
        ttl = lease_ttl(deps.settings.rollback_poll_interval)
        leases = Leases(deps.store.client, owner=replica_id(), ttl=ttl)
        return cls(deps, do=do, leases=leases, tasks=tasks)

    def start(self) -> None:
        if self._deps.settings.rollback_verify_seconds > 0:
            self._tasks.spawn(self._run(), name="bad-deploys")

    def stop(self) -> None:
        self._stopping.set()

    async def release(self) -> None:
        """Give the lease back once stopped, so another replica reads at once."""
        try:
            await self._leases.release(keys.BAD_DEPLOY_LEASE)
        except BotError as exc:
            log.warning("bad deploys: lease not released (%s); it will expire", exc.user_message)

    async def _run(self) -> None:
        await repeat(self.round, every=self.interval, until=self._stopping, name="bad-deploys")

    async def round(self) -> int:
        """Read the health of each fresh deploy; post a card for each gone bad. How many."""
        if not await self._leases.claim(keys.BAD_DEPLOY_LEASE):
            return 0
        settings = self._deps.settings
        apps = await self._deps.watcher.view.listed(idle_interval=settings.rollback_fleet_interval)
        posted = 0
        window = settings.rollback_verify_seconds
        now = self._deps.clock()
        self._read_at = {d: t for d, t in self._read_at.items() if now - t <= window}
        for app in apps or ():
            try:
                posted += await self._consider(app)
            except StoreUnavailableError:
                raise  # the next round tries again
            except BotError as exc:
                log.warning("app %s: bad deploy not checked: %s", app.id, exc.user_message)
        return posted

    async def _consider(self, app: App) -> bool:
        deps = self._deps
        live = app.active_deployment
        went_live = _went_live(live)
        if live is None or went_live is None or app.in_progress_deployment is not None:
            return False
        age = deps.clock() - went_live
        if age > deps.settings.rollback_verify_seconds:
            return False
        if live.rollback_type:  # a rollback's health is the Verifier's (or made elsewhere)
            return False
        rules = deps.channels
        channel = (
            app_channel(rules, app_name=app.name, app_id=app.id)
            or deps.settings.rollback_notify_channel
        )
        if not channel or deps.clock() - self._read_at.get(live.id, -math.inf) < self._spacing:
            return False
        if await self._known(live.id):
            return False
        self._read_at[live.id] = deps.clock()
        health = await self._do.get_health(app.id)
        if not gone_bad(health):
            return False
        if not await self._claim(live.id):
            return False  # another replica posts it
        reason = bad_deploy_line(health, live=live, age=age)
        card = await propose_for_the_bot(deps, app=app, channel=channel, reason=reason)
        log.warning("app %s: deploy %s went bad; card %s", app.id, live.id, card or "-")
        return card is not None

    async def _known(self, deployment_id: str) -> bool:
        """Whether the deployment is the bot's own (a rollback or revert it follows) or
        already has its card."""
        if await self._deps.store.get_watch(deployment_id) is not None:
            return True
        client = self._deps.store.client
        async with guard(client):
            return bool(await client.exists(keys.bad_deploy(deployment_id)))

    async def _claim(self, deployment_id: str) -> bool:
        client = self._deps.store.client
        async with guard(client):
            key = keys.bad_deploy(deployment_id)
            return bool(await client.set(key, "1", nx=True, ex=CLAIM_SECONDS))


def _went_live(deployment: Deployment | None) -> float | None:
    if deployment is None or deployment.phase != Phase.ACTIVE:
        return None
    moment: datetime | None = (
        deployment.phase_last_updated_at or deployment.updated_at or deployment.created_at
    )
    return moment.timestamp() if moment is not None else None


def gone_bad(health: AppHealth) -> bool:
    """A component UNHEALTHY, or short of its desired ready replicas."""
    return any(unwell(c) for c in health.components)


def bad_deploy_line(health: AppHealth, *, live: Deployment, age: float) -> str:
    """ "web 0/2 ready since `abc123` went live 3 min ago" (the card adds its target).
    Unescaped, like any ``Card.reason``: the card escapes it when it shows it."""
    bad = [c for c in health.components if unwell(c)]
    parts = ", ".join(
        f"{c.name} {c.replicas_ready}/{c.replicas_desired} ready"
        + (" but UNHEALTHY" if c.replicas_ready >= c.replicas_desired else "")
        for c in bad[:10]
    )
    commit = live.commit or short(live.id)
    # A clock ahead of DigitalOcean's could make the age negative: "just now" then.
    minutes = int(max(age, 0.0) // 60)
    when = f"{minutes} min ago" if minutes else "just now"
    return f"{parts} since `{commit}` went live {when}"
