"""Redis store (redis-py asyncio): cards, decisions and watches.

Every Redis failure becomes ``StoreUnavailableError`` so callers can tell the user one
clear sentence; nothing here knows about Slack or HTTP.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection, Iterable
from typing import TypeVar

import redis.asyncio as redis
from pydantic import BaseModel, ValidationError
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from bot.domain.records import Card, Decision, Watch, WatchKind
from bot.errors import LeaseLostError
from bot.store import keys, scripts
from bot.store.guard import guard

log = logging.getLogger(__name__)


class Store:
    """The bot's only state, shared by every replica."""

    def __init__(self, client: redis.Redis, *, clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._clock = clock
        self._save_watch = client.register_script(scripts.SAVE_WATCH)
        self._claim = client.register_script(scripts.CLAIM)
        self._take_lapsed = client.register_script(scripts.TAKE_LAPSED)

    @property
    def client(self) -> redis.Redis:
        """The connection pool, shared with the locks and the audit log."""
        return self._redis

    @classmethod
    def from_url(cls, url: str, *, clock: Callable[[], float] = time.time) -> Store:
        return cls(
            redis.Redis.from_url(
                url,
                decode_responses=True,
                # Short enough that a command still gets its answer within Slack's 3 s.
                socket_timeout=1.0,
                socket_connect_timeout=1.0,
                retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=1),
                health_check_interval=15,
                # redis-py fails at once past the pool's size; bursts of commands and
                # hundreds of watches need more than its default of 100.
                max_connections=1000,
            ),
            clock=clock,
        )

    async def aclose(self) -> None:
        await self._redis.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    # --- cards and decisions ------------------------------------------------------

    async def save_card(self, card: Card, *, pending: bool = True) -> None:
        """Store the card; an approvable one is also listed for the expiry sweeper."""
        ttl = max(1, int(card.expires_at - self._clock())) + keys.CARD_KEEP_SECONDS
        async with guard():
            pipe = self._redis.pipeline(transaction=True)
            pipe.set(keys.card(card.id), card.model_dump_json(), ex=ttl)
            if pending and card.approvable:
                pipe.zadd(keys.PENDING_CARDS, {card.id: card.expires_at})
            await pipe.execute()

    async def expired_cards(self, now: float, *, limit: int = 100) -> list[str]:
        """Ids of undecided cards whose expiry has passed."""
        async with guard():
            ids = await self._redis.zrangebyscore(keys.PENDING_CARDS, "-inf", now, 0, limit)
        return [str(i) for i in ids]

    async def discard_card(self, card_id: str) -> None:
        """Forget a card that never reached Slack: nobody can see it, so nothing waits."""
        async with guard():
            pipe = self._redis.pipeline(transaction=True)
            pipe.delete(keys.card(card_id))
            pipe.zrem(keys.PENDING_CARDS, card_id)
            await pipe.execute()

    async def forget_pending(self, card_id: str) -> None:
        async with guard():
            await self._redis.zrem(keys.PENDING_CARDS, card_id)

    async def pending_cards(self) -> list[Card]:
        async with guard():
            ids = [str(i) for i in await self._redis.zrange(keys.PENDING_CARDS, 0, -1)]
            raws = await self._redis.mget([keys.card(i) for i in ids]) if ids else []
        return _readable(Card, raws)

    async def get_card(self, card_id: str) -> Card | None:
        async with guard():
            raw = await self._redis.get(keys.card(card_id))
        return Card.model_validate_json(raw) if raw else None

    async def claim_decision(
        self, card_id: str, decision: Decision, *, starting_until: float | None = None
    ) -> tuple[bool, Decision]:
        """Record ``decision`` unless one exists: the first writer wins, atomically. With
        ``starting_until``, the intent to start the rollback is recorded in the same step
        (``bot.usecases.starting``), so no approval is ever without it.

        Returns whether this call won, and the decision now in force.
        """
        async with guard():
            raw = await self._claim(
                keys=[keys.decision(card_id), keys.PENDING_CARDS, keys.STARTING],
                args=[
                    decision.model_dump_json(),
                    keys.CARD_KEEP_SECONDS,
                    card_id,
                    "" if starting_until is None else starting_until,
                ],
            )
        if raw is None:
            return True, decision
        return False, Decision.model_validate_json(raw)

    async def keep_starting(self, card_id: str, *, until: float) -> None:
        """Push the intent's lapse later, if it is still there (never bring one back)."""
        async with guard():
            await self._redis.zadd(keys.STARTING, {card_id: until}, xx=True)

    async def forget_starting(self, card_id: str) -> None:
        async with guard():
            await self._redis.zrem(keys.STARTING, card_id)

    async def lapsed_starts(self, now: float, *, limit: int = 20) -> list[str]:
        """Cards whose intent to start lapsed: their replica stopped mid-start."""
        async with guard():
            ids = await self._redis.zrangebyscore(keys.STARTING, "-inf", now, 0, limit)
        return [str(i) for i in ids]

    async def take_lapsed_start(self, card_id: str, *, now: float, until: float) -> bool:
        """Whether this caller won the lapsed intent of ``card_id`` to settle it."""
        async with guard():
            won = await self._take_lapsed(keys=[keys.STARTING], args=[card_id, now, until])
        return bool(won)

    async def reopen_card(self, card: Card) -> None:
        """Undo an approval that started nothing: the card is pending again."""
        ttl = max(1, int(card.expires_at - self._clock())) + keys.CARD_KEEP_SECONDS
        async with guard():
            pipe = self._redis.pipeline(transaction=True)
            pipe.delete(keys.decision(card.id))
            pipe.set(keys.card(card.id), card.model_dump_json(), ex=ttl)
            pipe.zadd(keys.PENDING_CARDS, {card.id: card.expires_at})
            pipe.zrem(keys.STARTING, card.id)
            await pipe.execute()

    async def replace_decision(self, card_id: str, decision: Decision) -> None:
        """Overwrite a decision this caller won (e.g. approved, then found stale)."""
        async with guard():
            await self._redis.set(
                keys.decision(card_id), decision.model_dump_json(), ex=keys.CARD_KEEP_SECONDS
            )

    async def first_delivery(self, delivery_id: str) -> bool:
        """True the first time a delivery id is seen; Slack's retries get False."""
        async with guard():
            return bool(
                await self._redis.set(keys.seen(delivery_id), "1", nx=True, ex=keys.SEEN_SECONDS)
            )

    async def cached_group(self, group_id: str) -> list[str] | None:
        async with guard():
            raw = await self._redis.get(keys.group(group_id))
        return [str(u) for u in json.loads(raw)] if raw else None

    async def cache_group(self, group_id: str, members: list[str]) -> None:
        async with guard():
            await self._redis.set(
                keys.group(group_id), json.dumps(members), ex=keys.GROUP_CACHE_SECONDS
            )

    async def release_decision(self, card_id: str) -> None:
        """Forget a decision whose action failed before it changed anything."""
        async with guard():
            await self._redis.delete(keys.decision(card_id))

    async def get_card_and_decision(self, card_id: str) -> tuple[Card | None, Decision | None]:
        """Both in one round trip (the narrator needs them on every card edit)."""
        async with guard():
            card_raw, decision_raw = await self._redis.mget(
                [keys.card(card_id), keys.decision(card_id)]
            )
        return (
            Card.model_validate_json(card_raw) if card_raw else None,
            Decision.model_validate_json(decision_raw) if decision_raw else None,
        )

    async def get_decision(self, card_id: str) -> Decision | None:
        async with guard():
            raw = await self._redis.get(keys.decision(card_id))
        return Decision.model_validate_json(raw) if raw else None

    # --- watches ---------------------------------------------------------------------

    async def start_watch(self, watch: Watch) -> None:
        """Record a new watch; a rollback also becomes its app's latest rollback. A watch
        already recorded (another replica adopted the same deployment) is left as it is."""
        await self.save_watch(watch, latest=watch.kind == WatchKind.ROLLBACK, new=True)

    async def save_watch(
        self, watch: Watch, *, latest: bool = False, owner: str | None = None, new: bool = False
    ) -> None:
        """Write the watch record; an unfinished watch is also listed for resumption.

        With ``owner``, the write happens only while ``owner`` holds the watch's lease
        (checked in the same script), else ``LeaseLostError``.
        """
        async with guard():
            written = await self._save_watch(
                keys=[
                    keys.watch(watch.deployment_id),
                    keys.ACTIVE_WATCHES,
                    keys.app_rollback(watch.app_id),
                    keys.lease(watch.deployment_id),
                ],
                args=[
                    watch.model_dump_json(),
                    "1" if watch.done else "0",
                    watch.deployment_id,
                    keys.CARD_KEEP_SECONDS,
                    "1" if latest else "0",
                    owner or "",
                    "1" if new else "0",
                ],
            )
        if not written:
            raise LeaseLostError(watch.deployment_id)

    async def get_watch(self, deployment_id: str) -> Watch | None:
        async with guard():
            raw = await self._redis.get(keys.watch(deployment_id))
        return Watch.model_validate_json(raw) if raw else None

    async def active_watches(self, *, skip: Collection[str] = ()) -> list[Watch]:
        """Unfinished watches, except those in ``skip`` (not even read)."""
        async with guard():
            members = await self._redis.smembers(keys.ACTIVE_WATCHES)
            ids = sorted(str(i) for i in members if str(i) not in skip)
            if not ids:
                return []
            raws = await self._redis.mget([keys.watch(i) for i in ids])
        return _readable(Watch, raws)

    async def latest_rollback(self, app_id: str) -> Watch | None:
        """The most recent rollback watch of an app, if the bot started one."""
        async with guard():
            deployment_id = await self._redis.get(keys.app_rollback(app_id))
        return await self.get_watch(str(deployment_id)) if deployment_id else None


R = TypeVar("R", bound=BaseModel)


def _readable(model: type[R], raws: Iterable[str | bytes | None]) -> list[R]:
    """The records that can be read; one that cannot (written by another version of the
    bot, say) is logged and skipped rather than hiding every other."""
    found = []
    for raw in raws:
        if not raw:
            continue
        try:
            found.append(model.model_validate_json(raw))
        except ValidationError as exc:
            log.error("skipped an unreadable %s record: %s", model.__name__, exc.errors()[:1])
    return found
