"""Rollback validation: the conditions, refusals without side effects, bad bodies."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.simulator.support import GOLANG, PINNED, WARN, app_json, deployments


async def test_validate_conditions(client: httpx.AsyncClient) -> None:
    deps = await deployments(client, GOLANG)

    async def validate(app_id: str, dep_id: str) -> dict[str, Any]:
        r = await client.post(
            f"/v2/apps/{app_id}/rollback/validate", json={"deployment_id": dep_id}
        )
        assert r.status_code == 200
        result: dict[str, Any] = r.json()
        return result

    assert await validate(GOLANG, deps[4]["id"]) == {"valid": True}
    assert await validate(GOLANG, deps[5]["id"]) == {"valid": True}
    failed = await validate(GOLANG, deps[0]["id"])
    assert failed["valid"] is False
    assert failed["error"] == {
        "code": "incompatible_result",
        "message": 'deployment result "failed" is unsuitable for rollback',
    }
    canceled = await validate(GOLANG, deps[2]["id"])
    assert canceled["error"]["code"] == "incompatible_result"
    assert "canceled" in canceled["error"]["message"]
    assert (await validate(GOLANG, deps[1]["id"]))["error"]["code"] == "incompatible_phase"

    pinned_target = (await deployments(client, PINNED))[-1]["id"]
    pinned = await validate(PINNED, pinned_target)
    assert pinned["valid"] is False
    assert pinned["error"]["code"] == "app_pinned"

    warn_target = (await deployments(client, WARN))[1]["id"]
    warned = await validate(WARN, warn_target)
    assert warned["valid"] is True
    assert [w["code"] for w in warned["warnings"]] == ["image_source_missing_digest"]
    assert warned["warnings"][0]["components"] == ["web"]

    r = await client.post(
        f"/v2/apps/{GOLANG}/rollback/validate", json={"deployment_id": str(uuid.uuid4())}
    )
    assert r.status_code == 404
    assert r.json()["id"] == "not_found"
    r = await client.post(
        f"/v2/apps/{uuid.uuid4()}/rollback/validate", json={"deployment_id": deps[4]["id"]}
    )
    assert r.status_code == 404


async def test_invalid_rollback_is_refused_without_side_effects(
    client: httpx.AsyncClient,
) -> None:
    deps = await deployments(client, GOLANG)
    r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": deps[0]["id"]})
    assert r.status_code == 400
    assert r.json()["id"] == "invalid_argument"
    assert "unsuitable for rollback" in r.json()["message"]
    assert len(await deployments(client, GOLANG)) == len(deps)
    app = await app_json(client, GOLANG)
    assert "pinned_deployment" not in app
    assert "in_progress_deployment" not in app
    # second rollback while the first is pinned
    target = deps[4]["id"]
    assert (
        await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": target})
    ).is_success
    r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": deps[5]["id"]})
    assert r.status_code == 400
    assert "pinned" in r.json()["message"]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'{"skip_pin": false}', b'{"deployment_id": 7}', b""],
)
async def test_bad_rollback_bodies_get_400(client: httpx.AsyncClient, content: bytes) -> None:
    r = await client.post(
        f"/v2/apps/{GOLANG}/rollback", content=content, headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert set(r.json()) >= {"id", "message"}
