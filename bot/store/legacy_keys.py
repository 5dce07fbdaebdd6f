"""Keys written before the prefix became a hash tag (``rollback-bot:…``, now
``{rollback-bot}:…``), renamed once so a bot upgraded in place keeps every card, watch and
lock it had, a rollback in flight included.

Only a single server or Sentinel's primary can hold them: the old prefix never worked on a
Redis Cluster. Replicas starting together take turns under a lock; RENAMENX keeps a key
the new version already wrote, and a key another replica moved first is simply gone.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.exceptions import ResponseError

from bot.store import keys, scripts
from bot.store.connect import Client
from bot.store.guard import guard

log = logging.getLogger(__name__)

LOCK_SECONDS = 60
"""Ample for the few thousand keys a bot keeps; a replica that dies renaming frees the lock
by this expiry."""


async def rename_legacy_keys(client: Client, *, owner: str, wait: float = LOCK_SECONDS) -> int:
    """Rename every legacy key to the current prefix; how many this call renamed. Waits up
    to ``wait`` seconds for another replica that is renaming them (then its own pass finds
    what that one left). ``StoreUnavailableError`` when Redis fails."""
    release = client.register_script(scripts.RELEASE)
    async with guard(client):
        await _take_turn(client, owner, wait)
        try:
            return await _rename_all(client)
        finally:
            await release(keys=[keys.LEGACY_RENAME_LOCK], args=[owner])


async def _take_turn(client: Client, owner: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    lock = keys.LEGACY_RENAME_LOCK
    while not await client.set(lock, owner, nx=True, ex=LOCK_SECONDS):
        if time.monotonic() > deadline:
            return  # renaming is safe without the lock too: RENAMENX is atomic
        await asyncio.sleep(0.1)  # another process's work: nothing to be notified by


async def _rename_all(client: Client) -> int:
    renamed = kept = 0
    async for found in client.scan_iter(match=keys.LEGACY_PREFIX + "*", count=500):
        old = found.decode() if isinstance(found, bytes) else str(found)
        new = keys.PREFIX + old.removeprefix(keys.LEGACY_PREFIX)
        try:
            if await client.renamenx(old, new):
                renamed += 1
            else:
                kept += 1
        except ResponseError:
            continue  # "no such key": gone since SCAN named it (expired, or moved)
    if renamed or kept:
        log.warning(
            "renamed %d Redis key(s) from %s to %s; %d left as they were (the new name was "
            "already taken)",
            renamed,
            keys.LEGACY_PREFIX,
            keys.PREFIX,
            kept,
        )
    return renamed
