"""The latest look at the fleet, shared through Redis so that any replica can read it.

The look-taker publishes a whole look at once (a script: the look's lease and its age are
checked in the same step), so a reader sees one look or the next, never half of each.
The apps are kept as DigitalOcean listed them (JSON); ``bot.fleet.fleet_view`` reads them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from bot.domain.records import Look
from bot.store import keys, scripts
from bot.store.connect import Client
from bot.store.guard import guard


class FleetSnapshots:
    def __init__(self, client: Client) -> None:
        self._redis = client
        self._publish = client.register_script(scripts.PUBLISH_LOOK)
        self._unread = client.register_script(scripts.UNREAD_WATCHES)

    async def publish(
        self,
        apps: Mapping[str, str],
        *,
        owner: str,
        taken_at: float,
        interval: float,
        grace: float = 0.0,
        pages: int,
    ) -> int:
        """Replace the snapshot with ``apps`` (id → JSON); the new look's seq, or 0 when
        ``owner`` no longer holds the look's lease or a newer look is published already."""
        args: list[str | float | int] = [
            owner, repr(taken_at), repr(interval), repr(grace), pages, len(apps),
            keys.FLEET_KEEP_SECONDS,
        ]  # fmt: skip
        for app_id, raw in apps.items():
            args += [app_id, raw]
        async with guard(self._redis):
            seq = await self._publish(
                keys=[keys.FLEET_LOOK, keys.FLEET_APPS, keys.lease(keys.FLEET_LOOK_LEASE)],
                args=args,
            )
        return int(seq)

    async def look(self) -> Look | None:
        """The latest look's description, or None before the first."""
        async with guard(self._redis):
            fields = await self._redis.hgetall(keys.FLEET_LOOK)
        if not fields or "taken_at" not in fields:
            return None
        return Look.model_validate(fields)

    async def app(self, app_id: str) -> str | None:
        """One app as the latest look listed it (JSON), or None if it did not list it."""
        async with guard(self._redis):
            raw = await self._redis.hget(keys.FLEET_APPS, app_id)
        return str(raw) if raw is not None else None

    async def apps(self) -> dict[str, str]:
        """Every app of the latest look (id → JSON)."""
        async with guard(self._redis):
            found = await self._redis.hgetall(keys.FLEET_APPS)
        return {str(k): str(v) for k, v in found.items()}

    async def mark_read(self, seqs: Mapping[str, int]) -> None:
        """Record the look each of these watches had its turn on (deployment id → seq)."""
        if not seqs:
            return
        async with guard(self._redis):
            await self._redis.hset(keys.FLEET_READ, mapping={k: str(v) for k, v in seqs.items()})
            await self._redis.expire(keys.FLEET_READ, keys.FLEET_KEEP_SECONDS)

    async def forget_read(self, deployment_ids: Collection[str]) -> None:
        if not deployment_ids:
            return
        async with guard(self._redis):
            await self._redis.hdel(keys.FLEET_READ, *deployment_ids)

    async def unread(self, seq: int) -> int:
        """How many unfinished watches have not had their turn on look ``seq`` yet."""
        async with guard(self._redis):
            count = await self._unread(keys=[keys.ACTIVE_WATCHES, keys.FLEET_READ], args=[seq])
        return int(count)
