"""Keys written under the prefix before the hash tag are renamed at start-up, so a bot
upgraded in place keeps following a rollback in flight (real private redis-server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis as sync_redis
import redis.asyncio as redis

from bot.entrypoints.http_server import create_app
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from bot.store import keys
from bot.store.legacy_keys import rename_legacy_keys
from bot.store.redis_store import Store
from tests.conftest import SettingsFactory
from tests.constants import SIGNING_SECRET
from tests.factories import stored_watch
from tests.flow import GOLANG_ID, LIVE, pinned, roll_back, told_once_in_order, wait_reply
from tests.servers import ServerThread
from tests.slack_driver import SlackDriver

OLD = "rollback-bot:"  # written literally: the way the previous version named its keys


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    await client.flushall()
    yield client
    await client.aclose()


async def test_a_watch_in_flight_survives_two_replicas_renaming_at_once(
    raw: redis.Redis, redis_url: str
) -> None:
    watch = stored_watch("d1")
    await raw.set(OLD + "watch:d1", watch.model_dump_json())
    await raw.sadd(OLD + "watches:active", "d1")
    await raw.set(OLD + "lease:d1", "replica-a", px=30_000)
    await raw.set(OLD + "lock:app:app-1", "card-1", ex=3600)
    await raw.set("someone-else:key", "x")  # not ours: left alone

    one, two = Store.from_url(redis_url), Store.from_url(redis_url)
    try:
        renamed = await asyncio.gather(
            rename_legacy_keys(one.client, owner="a"),
            rename_legacy_keys(two.client, owner="b"),
        )
        assert sorted(renamed) == [0, 4]  # each key renamed once, by one of them
        assert [w.deployment_id for w in await one.active_watches()] == ["d1"]
        assert await one.get_watch("d1") == watch
    finally:
        await one.aclose()
        await two.aclose()
    assert await raw.keys(OLD + "*") == []
    assert 0 < await raw.pttl(keys.lease("d1")) <= 30_000  # the expiry came along
    assert await raw.get(keys.app_lock("app-1")) == "card-1"
    assert await raw.get("someone-else:key") == "x"
    assert await raw.get(keys.LEGACY_RENAME_LOCK) is None


async def test_a_key_the_new_version_already_wrote_is_kept(
    raw: redis.Redis, redis_url: str
) -> None:
    await raw.set(OLD + "lock:app:app-1", "old-card")
    await raw.set(keys.app_lock("app-1"), "new-card")
    store = Store.from_url(redis_url)
    try:
        assert await rename_legacy_keys(store.client, owner="a") == 0
        assert await rename_legacy_keys(store.client, owner="a") == 0  # idempotent
    finally:
        await store.aclose()
    assert await raw.get(keys.app_lock("app-1")) == "new-card"


def as_the_previous_version_wrote_it(redis_url: str) -> int:
    """Every key renamed back to the prefix before the hash tag; how many."""
    client = sync_redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        found = list(client.scan_iter(match=keys.PREFIX + "*"))
        for key in found:
            client.rename(key, OLD + key.removeprefix(keys.PREFIX))
        return len(found)
    finally:
        client.close()


def test_a_bot_upgraded_mid_rollback_carries_on_and_can_commit(
    make_settings: SettingsFactory, redis_url: str, slack: FakeSlack, sim: Simulator
) -> None:
    settings = make_settings(rollback_poll_interval=0.3)  # the upgrade lands mid-rollback
    old = ServerThread(create_app(settings)).start()
    driver = SlackDriver(bot_url=old.url, slack_url=slack.url, signing_secret=SIGNING_SECRET)
    try:
        card, _ = roll_back(driver, slack, until="*RUNNING*")
    finally:
        old.stop()
        driver.close()
    assert as_the_previous_version_wrote_it(redis_url) > 5
    before = [m.text for m in slack.thread(card.ts)]

    with ServerThread(create_app(settings)) as new:
        live = wait_reply(slack, card.ts, LIVE)
        texts = [m.text for m in slack.thread(card.ts)]
        assert texts[: len(before)] == before
        assert texts[0].startswith("Rollback started") and texts[-1] == live.text
        # The old replica may have taken a look it never told before it stopped; the new one
        # tells that look's changes with its own next look: each step once, in order.
        told_once_in_order(texts[1:-1])
        again = SlackDriver(bot_url=new.url, slack_url=slack.url, signing_secret=SIGNING_SECRET)
        try:
            again.press(live, "rollback_commit", user="UBOB")  # the app lock came along
            wait_reply(slack, card.ts, "Committed by <@UBOB>")
        finally:
            again.close()
    assert not pinned(sim, GOLANG_ID)
