"""The one place a Redis client is built from the settings: a plain server (``REDIS_URL``),
a primary found through Sentinel (``REDIS_SENTINELS``) or a Redis Cluster
(``REDIS_CLUSTER=true``). Every part of the bot that talks to Redis gets its client here,
so all three topologies behave the same everywhere.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import redis.asyncio as redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import SSLConnection, parse_url
from redis.asyncio.sentinel import Sentinel

from bot.settings import Settings
from bot.store.guard import guard

Client: TypeAlias = redis.Redis | RedisCluster
"""What ``connect`` returns: a client of one server (plain or Sentinel's primary) or of a
cluster. Both take the same commands and scripts; the bot keeps MULTI/EXEC out of it
(``bot.store.scripts`` says why)."""

_SENTINEL_SOCKET_OPTIONS = ("socket_timeout", "socket_connect_timeout")


def connect(settings: Settings, **pool_options: Any) -> Client:
    """A client for the settings' Redis, with ``pool_options`` (timeouts, retry, pool size,
    ``decode_responses``) for its connections. Raises ``ValueError`` for a URL redis-py
    cannot read; ``Settings`` has already refused the combinations that make no sense."""
    if settings.redis_sentinels:
        return _through_sentinel(settings, pool_options)
    if settings.redis_cluster:
        return RedisCluster.from_url(settings.redis_url, **pool_options)
    return redis.Redis.from_url(settings.redis_url, **pool_options)


def _through_sentinel(settings: Settings, pool_options: dict[str, Any]) -> redis.Redis:
    # REDIS_URL gives what the primary needs (db, user, password, TLS); its host and port
    # are those of whichever server Sentinel names primary at the time.
    target: dict[str, Any] = dict(parse_url(settings.redis_url))
    for where in ("host", "port", "path"):
        target.pop(where, None)
    if target.pop("connection_class", None) is SSLConnection:
        # Sentinel's pool picks its own connection class; ``ssl`` makes it the TLS one.
        target["ssl"] = True
    password = settings.redis_sentinel_password
    sentinel_options: dict[str, Any] = {
        name: pool_options[name] for name in _SENTINEL_SOCKET_OPTIONS if name in pool_options
    }
    if "decode_responses" in pool_options:
        sentinel_options["decode_responses"] = pool_options["decode_responses"]
    if password is not None and password.get_secret_value():
        sentinel_options["password"] = password.get_secret_value()
    # redis-py's Sentinel has no type hints.
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        list(settings.redis_sentinels), sentinel_kwargs=sentinel_options
    )
    client: redis.Redis = sentinel.master_for(
        settings.redis_sentinel_service, **target, **pool_options
    )
    return client


async def ready(client: Client) -> None:
    """Make a cluster client learn its nodes and slots now, before many tasks use it at
    once: redis-py 8.1's async ``RedisCluster``, first used by concurrent commands, fails
    some of them (``'NoneType' object has no attribute 'writelines'``; seen in
    tests/test_redis_topologies.py). Nothing to do for one server.
    ``StoreUnavailableError`` when no node answers."""
    if isinstance(client, RedisCluster):
        async with guard():
            await client.initialize()
