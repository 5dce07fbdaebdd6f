"""Claims for what is posted once per pinned rollback (a reminder at each age, the
announcement of a rollback made elsewhere), and the watches those rounds read in bulk.

A claim is taken (``SET NX``, "posting") before the post, so no replica or restart posts
it twice; a post Slack refused lets go of it, so the next round tries again; a posted one
records the reply's ts. A replica killed between the post and the ts leaves "posting":
whether Slack took that post cannot be known, and the house rule is never to post a
reply twice, so it is not posted again (a reminder missed rather than doubled).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.records import Watch
from bot.store import keys
from bot.store.connect import Client
from bot.store.guard import guard
from bot.store.records_base import readable

POSTING = "posting"


class PinClaims:
    def __init__(self, client: Client) -> None:
        self._redis = client

    async def claim(self, key: str, *, ttl: int) -> bool:
        """Whether this caller may post what ``key`` names (nobody claimed it before)."""
        async with guard(self._redis):
            return bool(await self._redis.set(key, POSTING, nx=True, ex=ttl))

    async def posted(self, key: str, ts: str) -> None:
        async with guard(self._redis):
            await self._redis.set(key, ts, xx=True, keepttl=True)

    async def release(self, key: str) -> None:
        async with guard(self._redis):
            await self._redis.delete(key)

    async def posts(self, claim_keys: Iterable[str]) -> list[str]:
        """The ts of each of ``claim_keys``, in order: "" where nothing was posted."""
        wanted = list(claim_keys)
        if not wanted:
            return []
        async with guard(self._redis):
            values = await self._redis.mget(wanted)
        return [str(v) if v and v != POSTING else "" for v in values]

    async def watches(self, deployment_ids: Iterable[str]) -> dict[str, Watch]:
        """The recorded watches among ``deployment_ids`` (one round trip)."""
        ids = list(dict.fromkeys(deployment_ids))
        if not ids:
            return {}
        async with guard(self._redis):
            raws = await self._redis.mget([keys.watch(i) for i in ids])
        return {w.deployment_id: w for w in readable(Watch, raws)}

    async def latest_rollbacks(self, app_ids: Iterable[str]) -> dict[str, Watch]:
        """Each app's latest rollback watch, for the apps that have one (two round trips)."""
        ids = list(app_ids)
        if not ids:
            return {}
        async with guard(self._redis):
            deps = await self._redis.mget([keys.app_rollback(i) for i in ids])
        found = await self.watches(str(d) for d in deps if d)
        return {w.app_id: w for w in found.values()}
