"""The fleet view's parts on a real Redis and the simulator in process: publishing a look,
when the look-taker looks, and where a watched deployment is read (issue 15)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.digitalocean.budget import Limits, RateBudget
from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.transport import Transport
from bot.errors import DOMalformedError
from bot.fleet.fair_share import FairShare
from bot.fleet.fleet_view import FleetView
from bot.fleet.looker import Looker
from bot.fleet.readings import DeploymentReadings
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.server import create_app
from bot.store import keys
from bot.store.fleet_snapshots import FleetSnapshots
from bot.store.leases import Leases
from bot.store.redis_store import Store
from tests.constants import DO_TOKEN
from tests.factories import stored_watch
from tests.flow import GOLANG_ID, GOLANG_TARGET

LOOK = keys.FLEET_LOOK_LEASE


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[Store]:
    s = Store.from_url(redis_url)
    yield s
    await s.aclose()


@pytest.fixture
async def do() -> AsyncIterator[tuple[Simulator, DigitalOceanClient]]:
    sim = Simulator.with_sample_apps(token=DO_TOKEN)
    transport = httpx.ASGITransport(app=create_app(sim))
    client = DigitalOceanClient(
        Transport(token=DO_TOKEN, base_url="http://sim", transport=transport)
    )
    yield sim, client
    await client.aclose()


def leases(store: Store, owner: str = "me") -> Leases:
    return Leases(store.client, owner=owner, ttl=5.0)


def budget(store: Store, *, per_hour: int = 5000) -> RateBudget:
    return RateBudget(store.client, Limits(per_minute=250, per_hour=per_hour))


def looker(store: Store, do: DigitalOceanClient, *, per_hour: int = 5000) -> Looker:
    return Looker(
        do=do,
        snapshots=FleetSnapshots(store.client),
        store=store,
        leases=leases(store),
        budget=budget(store, per_hour=per_hour),
        poll_interval=5.0,
        fleet_interval=30.0,
    )


async def test_a_look_is_published_whole_by_the_lease_holder_only(store: Store) -> None:
    snapshots = FleetSnapshots(store.client)
    assert await leases(store, "me").claim(LOOK)
    now = time.time()
    seq = await snapshots.publish(
        {"a": "{}", "b": "{}"}, owner="me", taken_at=now, interval=5, pages=1
    )
    assert seq == 1
    # Another replica, without the lease, cannot publish; nor can an older look.
    assert (
        await snapshots.publish({"x": "{}"}, owner="other", taken_at=now + 1, interval=5, pages=1)
        == 0
    )
    assert (
        await snapshots.publish({"x": "{}"}, owner="me", taken_at=now - 1, interval=5, pages=1) == 0
    )
    assert await snapshots.apps() == {"a": "{}", "b": "{}"}
    # A newer look replaces every app: one gone from the fleet is gone from the view.
    assert (
        await snapshots.publish({"b": "[]"}, owner="me", taken_at=now + 2, interval=5, pages=1) == 2
    )
    assert await snapshots.apps() == {"b": "[]"}
    look = await snapshots.look()
    assert look is not None and (look.seq, look.taken_at, look.apps) == (2, now + 2, 1)


async def test_the_look_taker_looks_at_every_app_and_any_replica_reads_them(
    store: Store, do: tuple[Simulator, DigitalOceanClient]
) -> None:
    sim, client = do
    taker = looker(store, client)
    assert await taker.turn() > 0
    assert sim.count("GET", "/v2/apps") == 1
    view = FleetView(FleetSnapshots(store.client))
    golang = await view.find("SAMPLE-GOLANG")
    assert golang is not None and golang.id == GOLANG_ID
    assert {a.name for a in await view.apps()} >= {"sample-golang", "sample-broken"}
    # Not due again for the fleet interval: nobody follows a rollback.
    await taker.turn()
    assert sim.count("GET", "/v2/apps") == 1


async def test_a_replica_without_the_lease_takes_no_look(
    store: Store, do: tuple[Simulator, DigitalOceanClient]
) -> None:
    sim, client = do
    assert await leases(store, "someone-else").claim(LOOK)
    await looker(store, client).turn()
    assert sim.count("GET", "/v2/apps") == 0


async def test_looks_come_every_poll_interval_while_a_rollback_is_followed(
    store: Store, do: tuple[Simulator, DigitalOceanClient]
) -> None:
    _, client = do
    taker = looker(store, client)
    assert await taker.interval(pages=1) == 30.0
    await store.start_watch(stored_watch("d1"))
    assert await taker.interval(pages=1) == 5.0
    # A fleet too big for the budget's poll share stretches the interval: 400 an hour
    # leaves polls 0.8 × 400 / 3,600 a second, so 3 pages need 33.75 s.
    assert await looker(store, client, per_hour=400).interval(pages=3) == pytest.approx(33.75)


async def test_a_deployment_under_way_is_read_from_the_look_and_a_finished_one_once(
    store: Store, do: tuple[Simulator, DigitalOceanClient]
) -> None:
    sim, client = do
    created = await client.create_rollback(GOLANG_ID, GOLANG_TARGET)
    watch = stored_watch(created.id).model_copy(update={"app_id": GOLANG_ID})
    view = FleetView(FleetSnapshots(store.client))
    readings = DeploymentReadings(
        view=view, do=client, share=FairShare(budget(store), poll_interval=5)
    )
    # No look yet that began after the rollback: DigitalOcean is asked, once an interval.
    assert (await readings.read(watch)) is not None
    assert await readings.read(watch) is None
    assert readings.asked == 1
    await looker(store, client).turn()
    listed = await readings.read(watch)
    assert listed is not None and listed.id == created.id and listed.progress.steps
    assert readings.asked == 1
    assert sim.count("GET", rf"/v2/apps/{GOLANG_ID}/deployments/.+") == 1


async def test_a_look_nobody_has_read_is_replaced_only_an_interval_late(
    store: Store, do: tuple[Simulator, DigitalOceanClient]
) -> None:
    sim, client = do
    now = [time.time()]
    taker = Looker(
        do=client,
        snapshots=FleetSnapshots(store.client),
        store=store,
        leases=leases(store),
        budget=budget(store),
        poll_interval=5.0,
        fleet_interval=30.0,
        clock=lambda: now[0],
    )
    await store.start_watch(stored_watch("d1"))
    await taker.turn()
    assert sim.count("GET", "/v2/apps") == 1
    now[0] += 5.0  # the next look is due, but d1 has not had its turn on the first
    assert await taker.turn() == taker.tick
    assert sim.count("GET", "/v2/apps") == 1
    await FleetSnapshots(store.client).mark_read({"d1": 1})
    await taker.turn()
    assert sim.count("GET", "/v2/apps") == 2
    now[0] += 5.0  # unread again: waited for an interval from now, then taken all the same
    assert await taker.turn() == taker.tick
    now[0] += 4.9
    assert await taker.turn() == taker.tick
    assert sim.count("GET", "/v2/apps") == 2
    now[0] += 0.1
    await taker.turn()
    assert sim.count("GET", "/v2/apps") == 3


async def test_a_look_nobody_renews_is_not_trusted_for_long(
    store: Store, do: tuple[Simulator, DigitalOceanClient]
) -> None:
    sim, client = do
    created = await client.create_rollback(GOLANG_ID, GOLANG_TARGET)
    watch = stored_watch(created.id).model_copy(update={"app_id": GOLANG_ID})
    await leases(store).claim(LOOK)
    snapshots = FleetSnapshots(store.client)
    # The last look was taken a minute ago, meant to be followed by another in 5 s, with 2 s
    # of grace for a new look-taker: whoever took it is gone.
    app = (await client.get_app(GOLANG_ID)).model_dump_json()
    old = time.time() - 60
    assert await snapshots.publish(
        {GOLANG_ID: app}, owner="me", taken_at=old, interval=5, grace=2, pages=1
    )
    view = FleetView(snapshots)
    readings = DeploymentReadings(
        view=view, do=client, share=FairShare(budget(store), poll_interval=5)
    )
    assert not view.fresh(await view.look())
    assert (await readings.read(watch)) is not None
    assert readings.asked == 1 and sim.count("GET", rf"/v2/apps/{GOLANG_ID}/deployments/.+") == 1


async def test_an_app_list_without_its_apps_is_no_look(
    store: Store, do: tuple[Simulator, DigitalOceanClient]
) -> None:
    sim, client = do
    taker = looker(store, client)
    await taker.turn()
    before = await FleetSnapshots(store.client).apps()
    # apps_list.yml: "A JSON object with a `apps` key"; without it, it is not an empty fleet.
    sim.inject("GET", "/v2/apps", status=200, body={"links": {}, "meta": {"total": 0}})
    with pytest.raises(DOMalformedError):
        await taker.take(interval=5.0)
    assert await FleetSnapshots(store.client).apps() == before != {}
