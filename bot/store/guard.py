"""One translation of Redis failures, for every user of Redis (store, locks, leases, audit,
the DigitalOcean budget, Slack's pace)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.exceptions import RedisClusterException, RedisError

from bot.errors import StoreUnavailableError


@asynccontextmanager
async def guard() -> AsyncIterator[None]:
    """Turn any Redis failure inside the block into ``StoreUnavailableError``."""
    try:
        yield
    except RedisError as exc:
        raise StoreUnavailableError() from exc
    except OSError as exc:
        raise StoreUnavailableError() from exc
    except RedisClusterException as exc:  # no node of a cluster answers; not a RedisError
        raise StoreUnavailableError() from exc
