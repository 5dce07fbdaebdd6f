"""The sample world: stable ids, the expected history, the type filter."""

from __future__ import annotations

import re
import uuid

import httpx

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.records import NAMESPACE, app_id_for
from bot.sandbox.digitalocean.samples import SAMPLE_APPS
from tests.simulator.support import GOLANG, app_json, deployments


async def test_sample_apps_have_stable_ids_and_expected_history(
    client: httpx.AsyncClient,
) -> None:
    for name in SAMPLE_APPS:
        assert app_id_for(name) == str(uuid.uuid5(NAMESPACE, name))
        assert (await app_json(client, app_id_for(name)))["spec"]["name"] == name
    deps = await deployments(client, GOLANG)
    # newest first
    assert [d["phase"] for d in deps] == [
        "ERROR", "ACTIVE", "CANCELED", "ERROR", "SUPERSEDED", "SUPERSEDED",
    ]  # fmt: skip
    created = [d["created_at"] for d in deps]
    assert created == sorted(created, reverse=True)
    commits = [d["services"][0]["source_commit_hash"] for d in deps]
    assert len(set(commits)) == 6
    assert all(re.fullmatch(r"[0-9a-f]{40}", c) for c in commits)
    assert len({d["cause"] for d in deps}) == 6
    assert deps[2]["cause_details"]["type"] == "MANUAL"
    assert deps[0]["cause_details"]["type"] == "DEPLOY_ON_PUSH"
    app = await app_json(client, GOLANG)
    assert app["active_deployment"]["id"] == deps[1]["id"]
    for key in ("in_progress_deployment", "pinned_deployment"):
        assert key not in app
    # the newest deployment that was not canceled: the push that failed after #5
    assert app["pending_deployment"]["id"] == deps[0]["id"]
    # a fresh world gives the same deployment ids
    other = Simulator.with_sample_apps(token="x").list_deployments(GOLANG)
    assert [d["id"] for d in other] == [d["id"] for d in deps]


async def test_deployment_types_filter(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/v2/apps/{GOLANG}/deployments", params={"deployment_types": "MANUAL"})
    assert [d["cause"] for d in r.json()["deployments"]] == ["manual"]
