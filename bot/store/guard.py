"""One translation of Redis failures, for every user of Redis (store, locks, leases, audit,
the DigitalOcean budget, Slack's pace), and what a failover needs of the client.

In a managed Redis/Valkey failover the standby is promoted and the hostname moves to it,
but connections already open stay with the old primary: if it is gone they fail, and if it
was demoted and still runs it answers every write ``READONLY You can't write against a
read only replica.`` while reads and ``PING`` still work. redis-py drops a connection only
on its own connection errors, never on ``READONLY``, so a pool full of connections to the
old primary goes on refusing writes until each happens to be replaced. Dropping the pool
on either sign makes the next command connect again, resolving the hostname (or asking
the sentinels) anew.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError, RedisClusterException, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.errors import StoreUnavailableError

log = logging.getLogger(__name__)

_FAILOVER_SIGNS = (ReadOnlyError, RedisConnectionError, RedisTimeoutError, OSError)
"""Errors that say the server behind the pool's connections may no longer be the primary."""


class _Sometimes:
    """Whether a warning is due: at most once every ``every`` seconds, not once for every
    command that meets the same cause."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._last = -every

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last < self.every:
            return False
        self._last = now
        return True


_READONLY_WARNING = _Sometimes(10.0)


@asynccontextmanager
async def guard(client: object = None) -> AsyncIterator[None]:
    """Turn any Redis failure inside the block into ``StoreUnavailableError``; on a sign of
    a failover, drop ``client``'s connections first (``drop_connections``)."""
    try:
        yield
    except (RedisError, OSError) as exc:
        if isinstance(exc, _FAILOVER_SIGNS) and client is not None:
            await drop_connections(client, exc)
        raise StoreUnavailableError() from exc
    except RedisClusterException as exc:  # no node of a cluster answers; not a RedisError
        raise StoreUnavailableError() from exc


async def drop_connections(client: object, cause: BaseException) -> None:
    """Disconnect the idle connections of ``client``'s pool, and those in use as soon as
    they are given back (cutting them now would fail other commands midway): the next
    command connects again.

    Whatever built the client (a URL, Sentinel's ``master_for``) gives it a
    ``connection_pool``; a ``RedisCluster`` has none and needs none: it follows ``MOVED``
    and refreshes its view of the cluster itself."""
    pool = getattr(client, "connection_pool", None)
    disconnect = getattr(pool, "disconnect", None)
    if disconnect is None:
        return
    if isinstance(cause, ReadOnlyError) and _READONLY_WARNING.due():
        log.warning("Redis answered READONLY (a failover?): connecting again")
    mark_in_use = getattr(pool, "update_active_connections_for_reconnect", None)
    try:
        if mark_in_use is not None:
            await mark_in_use()
        await disconnect(inuse_connections=False)
    except (RedisError, OSError) as exc:  # closing a dead connection can fail too
        log.debug("dropping Redis connections: %s", exc)
