"""Wiring: builds the clients, the store, the watcher and the Bolt app from settings.

Shared by every way of running the bot (HTTP, Socket Mode and the demo), so there is one
code path for the logic.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncApp

from bot.digitalocean.budget import Lane, Limits, RateBudget
from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.transport import Transport
from bot.domain.channels import ChannelRules
from bot.errors import StoreUnavailableError
from bot.fleet.aftercare import Aftercare
from bot.fleet.pin_rounds import PinRounds
from bot.fleet.review_rounds import ReviewRounds
from bot.metrics import Metrics
from bot.policy_source import policy_of
from bot.runtime.bolt_app import bolt_app
from bot.runtime.collector import tune_collector
from bot.runtime.exposition import expose
from bot.runtime.fleet_wiring import fleet_watcher
from bot.runtime.followups import FollowUps
from bot.runtime.pin_wiring import pin_rounds
from bot.runtime.request_lull import Lull
from bot.runtime.review_wiring import review_rounds
from bot.settings import Settings
from bot.slack import listeners
from bot.slack.client import Chat, make_web_client
from bot.slack.home_listeners import register_home
from bot.slack.pace import ChannelPace
from bot.store import health
from bot.store.audit import AuditLog
from bot.store.connect import ready
from bot.store.leases import replica_id
from bot.store.legacy_keys import rename_legacy_keys
from bot.store.locks import AppLocks
from bot.store.redis_store import Store
from bot.tasks import TaskTracker
from bot.usecases.access import Policies
from bot.usecases.bad_deploys import BadDeploys
from bot.usecases.dependencies import Deps
from bot.usecases.expiry import Sweeper

log = logging.getLogger(__name__)

PREPARE_RETRY_SECONDS = 5.0  # how often a bot that started without Redis tries again


@dataclass
class Runtime:
    deps: Deps
    tasks: TaskTracker
    bolt: AsyncApp
    sweeper: Sweeper
    budget: RateBudget
    lull: Lull
    pins: PinRounds
    bad_deploys: BadDeploys | None = None
    reviews: ReviewRounds | None = None

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        token = settings.slack_bot_token.get_secret_value()
        chat = Chat(make_web_client(token=token, base_url=settings.slack_api_url))
        store = Store.connect(settings)
        budget = _budget(settings, store)
        transport = Transport(
            token=settings.digitalocean_token.get_secret_value(),
            base_url=settings.digitalocean_api_url,
            throttle=budget.lane(Lane.COMMAND),
        )
        do = DigitalOceanClient(transport)
        metrics = Metrics()
        tasks = TaskTracker()
        pace = ChannelPace(store.client, per_second=settings.slack_channel_pace)
        audit = AuditLog(store.client, maxlen=settings.rollback_audit_maxlen)
        locks = AppLocks(store.client)
        aftercare = Aftercare(metrics=metrics, store=store, chat=chat, audit=audit, locks=locks)
        # Polls take their places from their own lane, which leaves a reserve for people.
        polls = DigitalOceanClient(transport.with_throttle(budget.lane(Lane.POLL)))
        watcher = fleet_watcher(
            settings,
            polls=polls,
            store=store,
            chat=chat,
            pace=pace,
            aftercare=aftercare,
            tasks=tasks,
            budget=budget,
        )
        policy = policy_of(settings)
        deps = Deps(
            settings=settings,
            do=do,
            store=store,
            chat=chat,
            pace=pace,
            watcher=watcher,
            policy=Policies(policy, chat=chat, store=store),
            channels=ChannelRules(listed=settings.rollback_channels, policy=policy),
            locks=locks,
            audit=audit,
            metrics=metrics,
        )
        expose(metrics, do=do, chat=chat, watcher=watcher)
        bolt = bolt_app(settings, token)
        lull = Lull()
        followups = FollowUps(tasks, lull=lull)
        listeners.register(bolt, deps, followups)
        register_home(bolt, deps, followups)
        sweeper = Sweeper(deps, tasks=tasks)
        pins = pin_rounds(deps)
        runtime = cls(
            deps=deps, tasks=tasks, bolt=bolt, sweeper=sweeper, budget=budget, lull=lull, pins=pins
        )
        runtime.bad_deploys = BadDeploys.of(deps, do=polls, tasks=tasks)
        runtime.reviews = review_rounds(deps)
        return runtime

    async def scrape(self) -> bytes:
        """The metrics page, with the shared budget read fresh from Redis."""
        try:
            minute, hour = await self.budget.used()
            limits = self.budget.limits
            remaining = self.deps.metrics.budget_remaining
            remaining.labels("minute").set(max(0, limits.per_minute - minute))
            remaining.labels("hour").set(max(0, limits.per_hour - hour))
        except StoreUnavailableError:
            pass  # the last value stays; /readyz reports the outage
        return self.deps.metrics.render()

    async def redis_unready(self) -> str | None:
        """Why Redis cannot hold the bot's state now (down, a replica, a Sentinel, a cluster
        node without REDIS_CLUSTER), or None when it answers as a primary."""
        settings = self.deps.settings
        where = health.location(settings.redis_url)
        cluster = settings.redis_cluster
        try:
            found = await health.verdict(self.deps.store.client, where=where, cluster=cluster)
        except (RedisError, OSError):
            return "redis unavailable"
        return found.problem

    async def start(self) -> None:
        await self.deps.chat.open()
        await self._prepare_redis(retry=False)
        try:
            await self.deps.watcher.scan()
        except StoreUnavailableError:
            log.error("could not resume watches yet: Redis is unavailable; will keep trying")
        self.deps.watcher.run_background()
        self.sweeper.start()
        self.tasks.spawn(self.pins.run(), name="pin-rounds")
        if self.reviews is not None:
            self.tasks.spawn(self.reviews.run(), name="review-rounds")
        if self.bad_deploys is not None:
            self.bad_deploys.start()
        tune_collector()

    async def _prepare_redis(self, *, retry: bool) -> None:
        """Before the watches are resumed: a cluster client learns the cluster, and an
        upgraded bot renames the keys it had (no cluster ever held the old names). With
        Redis away, it keeps trying in the background; the watcher's scans find them then."""
        client = self.deps.store.client
        while True:
            try:
                await ready(client)
                if not self.deps.settings.redis_cluster:
                    await rename_legacy_keys(client, owner=replica_id())
                return
            except StoreUnavailableError:
                if not retry:
                    self.tasks.spawn(self._prepare_redis(retry=True), name="prepare-redis")
                    return
            await asyncio.sleep(PREPARE_RETRY_SECONDS)

    async def aclose(self) -> None:
        self.sweeper.stop()
        self.pins.stop()
        if self.reviews is not None:
            self.reviews.stop()
        if self.bad_deploys is not None:
            self.bad_deploys.stop()
        self.deps.watcher.stop()
        self.lull.open()
        await self.tasks.aclose(grace=10.0)
        if self.bad_deploys is not None:
            await self.bad_deploys.release()
        await self.deps.chat.aclose()
        await self.deps.do.aclose()
        await self.deps.store.aclose()


def _budget(settings: Settings, store: Store) -> RateBudget:
    limits = Limits(
        per_minute=settings.digitalocean_requests_per_minute,
        per_hour=settings.digitalocean_requests_per_hour,
        window=settings.digitalocean_budget_window,
    )
    return RateBudget(store.client, limits)
