"""What the fleet view reads: a paged `GET /v2/apps` look advances what it shows (per-poll
mode), the list's `pending_deployment`, the omitted-progress fault, the per-endpoint tally."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from bot.sandbox.digitalocean import Simulator
from tests.simulator.support import GOLANG, TOKEN, FakeClock, app_json, client_for, deployments

# ProgressScript's phases at ticks 0..3 (test_rollbacks.py walks the whole script).
PHASES = ["PENDING_BUILD", "BUILDING", "BUILDING", "PENDING_DEPLOY"]


def small_fleet(apps: int, running: tuple[int, ...]) -> tuple[Simulator, list[str]]:
    """`apps` apps two to a page, each with a past and a live deployment; the ones at
    the `running` indexes are rolling back (tick 0)."""
    sim = Simulator(token=TOKEN, max_page_size=2)
    ids: list[str] = []
    for i in range(apps):
        app_id = sim.add_app(f"app-{i}", created=1_000.0)
        past = sim.add_deployment(app_id, phase="SUPERSEDED", created=2_000.0)
        sim.add_deployment(app_id, phase="ACTIVE", created=3_000.0)
        if i in running:
            sim.create_rollback(app_id, {"deployment_id": past})
        ids.append(app_id)
    return sim, ids


async def look(client: httpx.AsyncClient) -> tuple[dict[str, dict[str, Any]], int]:
    """One whole look, following next links: ({app id: app}, pages read)."""
    url: str | None = "/v2/apps?per_page=200"
    apps: dict[str, dict[str, Any]] = {}
    pages = 0
    while url is not None:
        r = await client.get(url)
        assert r.status_code == 200
        apps |= {a["id"]: a for a in r.json()["apps"]}
        url = r.json()["links"]["pages"].get("next")
        pages += 1
    return apps, pages


def phase(app: dict[str, Any]) -> str:
    return str(app["in_progress_deployment"]["phase"])


async def test_a_paged_look_advances_each_running_deployment_once() -> None:
    sim, ids = small_fleet(6, running=(0, 3, 5))
    async with client_for(sim) as client:
        for tick in (1, 2, 3):
            apps, pages = await look(client)
            assert pages == 3
            assert [phase(apps[ids[i]]) for i in (0, 3, 5)] == [PHASES[tick]] * 3
            assert all("in_progress_deployment" not in apps[ids[i]] for i in (1, 2, 4))
        running = sim.get_deployment(ids[0], apps[ids[0]]["in_progress_deployment"]["id"])
        assert running["progress"] == apps[ids[0]]["in_progress_deployment"]["progress"]


async def test_a_page_advances_only_the_apps_on_it() -> None:
    sim, ids = small_fleet(6, running=(0, 5))
    async with client_for(sim) as client:
        first = (await client.get("/v2/apps")).json()["apps"]
        assert [a["id"] for a in first] == ids[:2]
        assert phase(first[0]) == "BUILDING"
        # app 5 is on page 3, which nobody read; reading the app itself moves nothing
        assert phase(await app_json(client, ids[5])) == "PENDING_BUILD"
        assert phase(await app_json(client, ids[5])) == "PENDING_BUILD"
        assert phase(await app_json(client, ids[0])) == "BUILDING"


async def test_a_poll_of_the_deployment_still_advances_it_between_looks() -> None:
    sim, ids = small_fleet(2, running=(1,))
    async with client_for(sim) as client:
        apps, _ = await look(client)
        dep = apps[ids[1]]["in_progress_deployment"]["id"]
        r = await client.get(f"/v2/apps/{ids[1]}/deployments/{dep}")
        assert r.json()["deployment"]["phase"] == PHASES[2]
        apps, _ = await look(client)
        assert phase(apps[ids[1]]) == PHASES[3]


async def test_clock_mode_looks_settle_with_time_and_never_by_reading() -> None:
    clock = FakeClock()
    sim = Simulator.with_sample_apps(token=TOKEN, step_seconds=1.5, clock=clock)
    sim.create_rollback(GOLANG, {"deployment_id": sim.list_deployments(GOLANG)[4]["id"]})
    async with client_for(sim) as client:
        for _ in range(3):
            apps, _ = await look(client)
            assert phase(apps[GOLANG]) == "PENDING_BUILD"
        clock.now += 1.6
        apps, _ = await look(client)
        assert phase(apps[GOLANG]) == "BUILDING"


async def test_pending_deployment_is_the_newest_not_canceled(client: httpx.AsyncClient) -> None:
    deps = await deployments(client, GOLANG)  # newest first: #6 failed after #5 went live
    apps, _ = await look(client)
    assert apps[GOLANG]["pending_deployment"]["id"] == deps[0]["id"]
    assert apps[GOLANG]["pending_deployment"]["phase"] == "ERROR"
    r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": deps[4]["id"]})
    apps, _ = await look(client)
    assert apps[GOLANG]["pending_deployment"]["id"] == r.json()["deployment"]["id"]
    assert apps[GOLANG]["pending_deployment"] == apps[GOLANG]["in_progress_deployment"]


def test_pending_deployment_skips_canceled_and_is_absent_without_deployments() -> None:
    sim = Simulator(token=TOKEN)
    bare = sim.add_app("bare")
    app_id = sim.add_app("canceled-last")
    live = sim.add_deployment(app_id, phase="ACTIVE", created=1_000.0)
    sim.add_deployment(app_id, phase="CANCELED", created=2_000.0)
    assert sim.get_app(app_id)["pending_deployment"]["id"] == live  # type: ignore[index]
    assert "pending_deployment" not in sim.get_app(bare)


async def test_the_list_can_omit_progress_while_a_deployment_get_keeps_it() -> None:
    sim = Simulator.with_sample_apps(token=TOKEN)
    dep = sim.create_rollback(GOLANG, {"deployment_id": sim.list_deployments(GOLANG)[4]["id"]})
    sim.list_omits_progress = True
    keys = ("active_deployment", "in_progress_deployment", "pending_deployment")
    async with client_for(sim) as client:
        apps, _ = await look(client)
        golang = apps[GOLANG]
        assert all("progress" not in golang[k] and "phase" in golang[k] for k in keys)
        assert all("progress" not in d for a in apps.values() for d in a.values() if
                   isinstance(d, dict) and "phase" in d)  # fmt: skip
        assert phase(golang) == "BUILDING"  # the look still advanced it
        r = await client.get(f"/v2/apps/{GOLANG}/deployments/{dep['id']}")
        assert r.json()["deployment"]["progress"]["steps"]
        sim.list_omits_progress = False
        apps, _ = await look(client)
        assert "progress" in apps[GOLANG]["in_progress_deployment"]


async def test_calls_are_tallied_by_endpoint(sim: Simulator, client: httpx.AsyncClient) -> None:
    deps = await deployments(client, GOLANG)
    await look(client)
    await look(client)
    await app_json(client, GOLANG)
    await client.post(f"/v2/apps/{GOLANG}/rollback/validate", json={"deployment_id": "x"})
    r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": deps[4]["id"]})
    await client.get(f"/v2/apps/{GOLANG}/deployments/{r.json()['deployment']['id']}")
    await client.post(f"/v2/apps/{GOLANG}/rollback/commit")
    await client.get("/v2/droplets")
    assert sim.calls_by_endpoint() == Counter(
        {
            "GET /v2/apps/{id}/deployments": 1,
            "GET /v2/apps": 2,
            "GET /v2/apps/{id}": 1,
            "POST /v2/apps/{id}/rollback/validate": 1,
            "POST /v2/apps/{id}/rollback": 1,
            "GET /v2/apps/{id}/deployments/{id}": 1,
            "POST /v2/apps/{id}/rollback/commit": 1,
            "GET /v2/droplets": 1,
        }
    )
    assert sim.calls_by_endpoint()["GET /v2/apps/{id}/deployments/{id}"] == sim.count(
        "GET", r"/v2/apps/[^/]+/deployments/[^/]+"
    )


def test_each_answer_is_a_copy_of_its_own_even_when_rendered_from_the_last() -> None:
    sim, ids = small_fleet(2, running=(0,))
    first: dict[str, Any] = sim.get_app(ids[0])
    first["in_progress_deployment"]["progress"]["steps"].clear()
    first["spec"]["name"] = "changed by a caller"
    again: dict[str, Any] = sim.get_app(ids[0])
    assert again["in_progress_deployment"]["progress"]["steps"]
    assert again["spec"]["name"] != "changed by a caller"
