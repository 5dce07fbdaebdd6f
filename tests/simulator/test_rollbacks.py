"""The rollback flow: create, poll, commit, revert, failures and skip_pin."""

from __future__ import annotations

import httpx

from bot.sandbox.digitalocean.progress import ProgressScript, step_statuses
from tests.simulator.support import (
    BROKEN,
    GOLANG,
    PINNED,
    WARN,
    app_json,
    deployments,
    poll_to_end,
    steps_by_path,
)


async def test_rollback_advances_one_tick_per_poll_then_becomes_active(
    client: httpx.AsyncClient,
) -> None:
    deps = await deployments(client, GOLANG)
    target, live = deps[4], deps[1]
    r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": target["id"]})
    assert r.status_code == 200
    dep = r.json()["deployment"]
    assert dep["phase"] == "PENDING_BUILD"
    assert dep["progress"]["pending_steps"] == 6
    assert dep["cause"] == "manual"
    assert dep["cause_details"]["type"] == "MANUAL_ROLLBACK"
    assert dep["cloned_from"] == target["id"]
    assert dep["services"] == target["services"]
    app = await app_json(client, GOLANG)
    assert app["in_progress_deployment"]["id"] == dep["id"]
    assert app["pinned_deployment"]["id"] == dep["id"]
    # reading the app does not advance anything
    assert (await app_json(client, GOLANG))["in_progress_deployment"]["phase"] == "PENDING_BUILD"

    answers = await poll_to_end(client, GOLANG, dep["id"])
    assert len(answers) == ProgressScript().terminal_tick
    previous = step_statuses(dep["progress"])
    for answer in answers:
        current = step_statuses(answer["progress"])
        assert current != previous
        previous = current
    assert [a["phase"] for a in answers] == [
        "BUILDING", "BUILDING", "PENDING_DEPLOY", "DEPLOYING",
        "DEPLOYING", "DEPLOYING", "DEPLOYING", "ACTIVE",
    ]  # fmt: skip
    counters = {k: v for k, v in answers[-1]["progress"].items() if k != "steps"}
    assert counters == {"success_steps": 6, "total_steps": 6}

    app = await app_json(client, GOLANG)
    assert app["active_deployment"]["id"] == dep["id"]
    assert app["pinned_deployment"]["id"] == dep["id"]
    assert "in_progress_deployment" not in app
    phases = {d["id"]: d["phase"] for d in await deployments(client, GOLANG)}
    assert phases[live["id"]] == "SUPERSEDED"
    assert phases[dep["id"]] == "ACTIVE"


async def test_commit_unpins_with_empty_200(client: httpx.AsyncClient) -> None:
    target = (await deployments(client, GOLANG))[4]["id"]
    r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": target})
    dep_id = r.json()["deployment"]["id"]
    await poll_to_end(client, GOLANG, dep_id)
    r = await client.post(f"/v2/apps/{GOLANG}/rollback/commit")
    assert r.status_code == 200
    assert r.content == b""
    app = await app_json(client, GOLANG)
    assert "pinned_deployment" not in app
    assert app["active_deployment"]["id"] == dep_id
    r = await client.post(f"/v2/apps/{GOLANG}/rollback/commit")
    assert r.status_code == 400
    assert r.json()["id"] == "invalid_argument"


async def test_revert_creates_deployment_of_previous_live_commit(
    client: httpx.AsyncClient,
) -> None:
    deps = await deployments(client, GOLANG)
    live_commit = deps[1]["services"][0]["source_commit_hash"]
    r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": deps[4]["id"]})
    rollback_id = r.json()["deployment"]["id"]
    await poll_to_end(client, GOLANG, rollback_id)

    r = await client.post(f"/v2/apps/{GOLANG}/rollback/revert")
    assert r.status_code == 200
    revert = r.json()["deployment"]
    assert revert["id"] not in {d["id"] for d in deps} | {rollback_id}
    assert revert["phase"] == "PENDING_BUILD"
    assert revert["cause"] == "manual"
    assert revert["cause_details"]["type"] == "MANUAL"
    assert revert["services"][0]["source_commit_hash"] == live_commit
    app = await app_json(client, GOLANG)
    assert "pinned_deployment" not in app
    assert app["in_progress_deployment"]["id"] == revert["id"]

    assert (await poll_to_end(client, GOLANG, revert["id"]))[-1]["phase"] == "ACTIVE"
    app = await app_json(client, GOLANG)
    assert app["active_deployment"]["id"] == revert["id"]
    phases = {d["id"]: d["phase"] for d in await deployments(client, GOLANG)}
    assert phases[rollback_id] == "SUPERSEDED"
    r = await client.post(f"/v2/apps/{GOLANG}/rollback/revert")
    assert r.status_code == 400


async def test_revert_of_pre_pinned_sample(client: httpx.AsyncClient) -> None:
    app = await app_json(client, PINNED)
    assert app["pinned_deployment"]["id"] == app["active_deployment"]["id"]
    assert app["pinned_deployment"]["cause_details"]["type"] == "MANUAL_ROLLBACK"
    r = await client.post(f"/v2/apps/{PINNED}/rollback/revert")
    assert r.status_code == 200
    assert "pinned_deployment" not in await app_json(client, PINNED)


async def test_failed_rollback_leaves_previous_deployment_live(client: httpx.AsyncClient) -> None:
    deps = await deployments(client, BROKEN)
    r = await client.post(f"/v2/apps/{BROKEN}/rollback", json={"deployment_id": deps[1]["id"]})
    dep = r.json()["deployment"]
    answers = await poll_to_end(client, BROKEN, dep["id"])
    assert [a["phase"] for a in answers] == ["BUILDING", "BUILDING", "ERROR"]
    final = answers[-1]
    assert final["progress"]["error_steps"] == 1
    web = steps_by_path(final["progress"])["build/components/web"]
    assert web["status"] == "ERROR"
    assert web["reason"]["code"] == "BuildJobFailed"
    assert "cannot find module" in web["reason"]["message"]
    app = await app_json(client, BROKEN)
    assert app["active_deployment"]["id"] == deps[0]["id"]
    assert "pinned_deployment" not in app
    assert "in_progress_deployment" not in app


async def test_skip_pin_leaves_app_unpinned(client: httpx.AsyncClient) -> None:
    target = (await deployments(client, WARN))[1]["id"]
    r = await client.post(
        f"/v2/apps/{WARN}/rollback", json={"deployment_id": target, "skip_pin": True}
    )
    assert r.status_code == 200
    app = await app_json(client, WARN)
    assert "pinned_deployment" not in app
    assert app["in_progress_deployment"]["id"] == r.json()["deployment"]["id"]
