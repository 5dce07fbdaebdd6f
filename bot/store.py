"""Redis store (redis-py asyncio): cards, decisions and watches.

Every Redis failure becomes ``StoreUnavailableError`` so callers can tell the user one
clear sentence; nothing here knows about Slack or HTTP.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
from redis.exceptions import RedisError

from bot import keys
from bot.errors import StoreUnavailableError
from bot.records import Card, Decision, Watch, WatchKind


@asynccontextmanager
async def _guard() -> AsyncIterator[None]:
    try:
        yield
    except RedisError as exc:
        raise StoreUnavailableError() from exc
    except OSError as exc:
        raise StoreUnavailableError() from exc


class Store:
    """The bot's only state, shared by every replica."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(
            redis.Redis.from_url(
                url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0
            )
        )

    async def aclose(self) -> None:
        await self._redis.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    # --- cards and decisions ------------------------------------------------------

    async def save_card(self, card: Card) -> None:
        ttl = max(1, int(card.expires_at - time.time())) + keys.CARD_KEEP_SECONDS
        async with _guard():
            await self._redis.set(keys.card(card.id), card.model_dump_json(), ex=ttl)

    async def get_card(self, card_id: str) -> Card | None:
        async with _guard():
            raw = await self._redis.get(keys.card(card_id))
        return Card.model_validate_json(raw) if raw else None

    async def claim_decision(self, card_id: str, decision: Decision) -> tuple[bool, Decision]:
        """Record ``decision`` unless one exists; SET NX makes the first writer win atomically.

        Returns whether this call won, and the decision now in force.
        """
        key = keys.decision(card_id)
        async with _guard():
            won = await self._redis.set(
                key, decision.model_dump_json(), nx=True, ex=keys.CARD_KEEP_SECONDS
            )
            if won:
                return True, decision
            raw = await self._redis.get(key)
        return False, Decision.model_validate_json(raw) if raw else decision

    async def release_decision(self, card_id: str) -> None:
        """Forget a decision whose action failed before it changed anything."""
        async with _guard():
            await self._redis.delete(keys.decision(card_id))

    async def get_decision(self, card_id: str) -> Decision | None:
        async with _guard():
            raw = await self._redis.get(keys.decision(card_id))
        return Decision.model_validate_json(raw) if raw else None

    # --- watches ---------------------------------------------------------------------

    async def start_watch(self, watch: Watch) -> None:
        """Record a new watch; a rollback also becomes its app's latest rollback."""
        await self.save_watch(watch, latest=watch.kind == WatchKind.ROLLBACK)

    async def save_watch(self, watch: Watch, *, latest: bool = False) -> None:
        """Write the watch record; an unfinished watch is also listed for resumption."""
        async with _guard():
            pipe = self._redis.pipeline(transaction=True)
            pipe.set(keys.watch(watch.deployment_id), watch.model_dump_json())
            if watch.done:
                pipe.expire(keys.watch(watch.deployment_id), keys.CARD_KEEP_SECONDS)
                pipe.srem(keys.ACTIVE_WATCHES, watch.deployment_id)
            else:
                pipe.sadd(keys.ACTIVE_WATCHES, watch.deployment_id)
            if latest:
                pipe.set(
                    keys.app_rollback(watch.app_id),
                    watch.deployment_id,
                    ex=keys.CARD_KEEP_SECONDS,
                )
            await pipe.execute()

    async def get_watch(self, deployment_id: str) -> Watch | None:
        async with _guard():
            raw = await self._redis.get(keys.watch(deployment_id))
        return Watch.model_validate_json(raw) if raw else None

    async def active_watches(self) -> list[Watch]:
        async with _guard():
            ids = sorted(str(i) for i in await self._redis.smembers(keys.ACTIVE_WATCHES))
            if not ids:
                return []
            raws = await self._redis.mget([keys.watch(i) for i in ids])
        return [Watch.model_validate_json(raw) for raw in raws if raw]

    async def latest_rollback(self, app_id: str) -> Watch | None:
        """The most recent rollback watch of an app, if the bot started one."""
        async with _guard():
            deployment_id = await self._redis.get(keys.app_rollback(app_id))
        return await self.get_watch(str(deployment_id)) if deployment_id else None
