"""The shared DigitalOcean budget and the watch leases, against a real Redis."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from bot.digitalocean.budget import Lane, Limits, RateBudget
from bot.errors import DOBudgetError
from bot.store import keys
from bot.store.leases import Leases
from bot.store.redis_store import Store
from tests.redis_failover import RedisProxy


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[tuple[redis.Redis, redis.Redis]]:
    """Two connections, as two replicas would have."""
    one = redis.Redis.from_url(redis_url, decode_responses=True)
    two = redis.Redis.from_url(redis_url, decode_responses=True)
    yield one, two
    await one.aclose()
    await two.aclose()


def budget(client: redis.Redis, **limits: float) -> RateBudget:
    values: dict[str, float] = {"per_minute": 250, "per_hour": 5000, "window": 60.0, **limits}
    return RateBudget(
        client,
        Limits(
            per_minute=int(values["per_minute"]),
            per_hour=int(values["per_hour"]),
            window=values["window"],
        ),
    )


async def test_two_replicas_never_exceed_the_shared_minute(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    # Time scaled down: 5 commands (half the minute) per 0.5 s window, 15 wanted at once.
    budgets = [budget(c, per_minute=10, window=0.5) for c in clients]
    granted: list[float] = []

    async def request(b: RateBudget) -> None:
        await b.acquire(Lane.COMMAND)
        granted.append(time.monotonic())

    await asyncio.gather(*(request(budgets[i % 2]) for i in range(15)))
    granted.sort()
    assert len(granted) == 15
    for i in range(len(granted) - 5):
        # Any 6 consecutive grants span more than one window.
        assert granted[i + 5] - granted[i] >= 0.5 - 0.02
    assert granted[-1] - granted[0] >= 1.0  # 15 at 5 a window needs three windows


async def test_the_hour_is_budgeted_too_and_a_command_is_told_when_it_frees_up(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    # A 0.2 s minute makes a 12 s hour: longer than a command may wait (5 s). Commands
    # may fill a fifth of it: 6 of 30.
    one, two = (budget(c, per_minute=100, per_hour=30, window=0.2) for c in clients)
    first = time.time()
    for b in (one, two, one, two, one, two):
        assert await b.acquire(Lane.COMMAND) == 0
    started = time.monotonic()
    with pytest.raises(DOBudgetError) as refused:
        await two.acquire(Lane.COMMAND)
    assert time.monotonic() - started < 1  # told at once, not after waiting
    # The next place frees when the first request leaves the hour.
    assert refused.value.frees_at == pytest.approx(first + 12, abs=1)
    assert "frees up in about 1" in refused.value.user_message
    assert "UTC" in refused.value.user_message


async def test_polls_leave_people_a_reserve_in_each_window(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    one, two = (budget(c, per_minute=10, per_hour=5000, window=60) for c in clients)
    for _ in range(8):  # POLL_SHARE of 10
        assert await one.acquire(Lane.POLL) == 0
    ninth = asyncio.create_task(two.acquire(Lane.POLL))
    await asyncio.sleep(0.2)
    assert not ninth.done()  # it waits for the minute to move on
    for _ in range(2):  # …while people still find their places at once
        assert await two.acquire(Lane.COMMAND) == 0
    with pytest.raises(DOBudgetError):
        await one.acquire(Lane.COMMAND)
    ninth.cancel()


@pytest.mark.parametrize(
    ("per_minute", "per_hour", "commands", "polls", "told"),
    [
        # A fifth of the hour for commands; the rest is the rollbacks in flight's, to be told
        # to the end.
        pytest.param(1000, 10, 2, 8, r"frees up in about (59|60) min", id="the hour"),
        # COMMAND_SHARE of the minute for commands; the rest of it is the rollbacks in flight's.
        pytest.param(10, 5000, 5, 5, r"frees up in about (59|60) s", id="the minute"),
    ],
)
async def test_commands_never_take_the_polls_part_of_a_window(
    clients: tuple[redis.Redis, redis.Redis],
    *,
    per_minute: int,
    per_hour: int,
    commands: int,
    polls: int,
    told: str,
) -> None:
    one, two = (budget(c, per_minute=per_minute, per_hour=per_hour, window=60) for c in clients)
    for _ in range(commands):
        assert await one.acquire(Lane.COMMAND) == 0
    with pytest.raises(DOBudgetError) as refused:
        await two.acquire(Lane.COMMAND)
    assert re.search(told, refused.value.user_message)
    for _ in range(polls):
        assert await two.acquire(Lane.POLL) == 0


async def test_a_burst_429_pauses_every_replica_for_retry_after_not_until_reset(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    one, two = (budget(c) for c in clients)
    an_hour_on = time.time() + 3600
    await one.observe(
        429,
        {
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",  # DigitalOcean's burst answer says 0, of the minute
            "ratelimit-reset": str(an_hour_on),
            "retry-after": "0.5",
        },
    )
    started = time.monotonic()
    waited = await two.acquire(Lane.POLL)
    assert 0.4 < waited < 1.0
    assert 0.4 < time.monotonic() - started < 1.0
    # The "0 remaining" of a burst answer is not the hour: nothing else was tightened.
    assert await one.acquire(Lane.COMMAND) == 0


async def test_an_hourly_429_pauses_at_most_a_minute_whatever_the_reset_says(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    one, two = (budget(c, window=0.5) for c in clients)
    await one.observe(
        429,
        {
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(time.time() + 3600),
        },
    )
    # DigitalOcean says nothing is left of the hour and its oldest request expires in an
    # hour; the bot looks again a (compressed) minute later, instead of freezing.
    waited = await two.acquire(Lane.COMMAND)
    assert 0.4 < waited < 1.0


async def test_other_tools_on_the_token_shrink_the_hourly_allowance(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    one, two = (budget(c, per_minute=250, per_hour=4500) for c in clients)
    assert await one.poll_rate() == pytest.approx(0.8 * 4500 / 3600)
    for _ in range(10):
        await one.acquire(Lane.COMMAND)
    # Of the token's 5,000 only 100 are left, 10 of them used by the bot: others used 4,890.
    await one.observe(200, {"ratelimit-limit": "5000", "ratelimit-remaining": "100"})
    allowance = 5000 - 4890 - 10  # less a margin for requests in flight
    assert await two.poll_rate() == pytest.approx(0.8 * allowance / 3600)
    for _ in range(allowance // 5 - 10):  # commands fill a fifth of what is left
        await two.acquire(Lane.COMMAND)
    with pytest.raises(DOBudgetError):
        await one.acquire(Lane.COMMAND)


async def test_lease_is_held_by_one_replica_and_taken_over_when_it_lapses(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    a = Leases(clients[0], owner="replica-a", ttl=0.3)
    b = Leases(clients[1], owner="replica-b", ttl=0.3)
    assert await a.claim("dep-1")
    assert not await b.claim("dep-1")
    assert await a.renew(["dep-1"]) == set()
    await asyncio.sleep(0.4)  # let the lease lapse, as when its owner dies
    assert await b.claim("dep-1")
    assert await a.renew(["dep-1"]) == {"dep-1"}  # a learns it lost it
    await a.release("dep-1")  # not a's to release: nothing happens
    assert await b.holds("dep-1")
    await b.release("dep-1")
    assert await a.claim("dep-1")


async def test_claiming_a_lease_again_is_true_for_its_owner_only(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    # redis-py sends a command again after a dropped connection (its Retry), and in a
    # failover the first SET may have been carried out: the owner must still hear "yours".
    a = Leases(clients[0], owner="replica-a", ttl=5)
    b = Leases(clients[1], owner="replica-b", ttl=5)
    assert await a.claim("dep-1")
    assert await a.claim("dep-1")
    assert not await b.claim("dep-1")
    assert 4000 < await clients[1].pttl(keys.lease("dep-1")) <= 5000


async def test_a_claim_whose_answer_was_lost_is_still_the_claimants(redis_url: str) -> None:
    proxy = RedisProxy(int(redis_url.rsplit(":", 1)[1].split("/", maxsplit=1)[0])).start()
    store = Store.from_url(proxy.url)  # redis-py's retry, as the bot has it
    try:
        leases = Leases(store.client, owner="replica-a", ttl=5)
        proxy.lose_reply(keys.lease("dep-1").encode())
        assert await leases.claim("dep-1")  # carried out, answer lost, sent again
        assert await leases.holds("dep-1")
    finally:
        await store.aclose()
        proxy.stop()
