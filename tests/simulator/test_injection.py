"""Fault injection, latency and the request journal."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.sandbox.digitalocean import RecordedRequest, Simulator
from tests.simulator.support import GOLANG


async def test_injected_429_and_500_honour_times(sim: Simulator, client: httpx.AsyncClient) -> None:
    dep_path = f"/v2/apps/{GOLANG}/deployments/[^/]+"
    sim.inject("GET", dep_path, status=429, retry_after=3)
    sim.inject("get", dep_path, status=500, times=2)
    dep_id = sim.list_deployments(GOLANG)[0]["id"]
    url = f"/v2/apps/{GOLANG}/deployments/{dep_id}"
    r = await client.get(url)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "3"
    assert r.json()["message"] == "API rate limit exceeded."
    statuses = [(await client.get(url)).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert (await client.get(url)).status_code == 200
    # other paths and methods were never affected
    assert (await client.get(f"/v2/apps/{GOLANG}")).status_code == 200
    assert sim.faults.pending() == 0


async def test_injected_custom_body_and_drop(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.inject("POST", r"/v2/apps/[^/]+/rollback", status=503, body={"id": "x", "message": "y"})
    r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": "z"})
    assert (r.status_code, r.json()) == (503, {"id": "x", "message": "y"})
    sim.inject("GET", "/v2/apps", status=0)
    with pytest.raises(httpx.TransportError):
        await client.get("/v2/apps")
    assert sim.requests[-1].status == 0
    assert (await client.get("/v2/apps")).status_code == 200


async def test_delay_and_latency_slow_answers(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.inject("GET", "/v2/apps", status=None, delay=0.2)
    started = time.monotonic()
    assert (await client.get("/v2/apps")).status_code == 200
    assert time.monotonic() - started >= 0.2
    sim.latency = 0.1
    started = time.monotonic()
    assert (await client.get("/v2/apps")).status_code == 200
    assert time.monotonic() - started >= 0.1


async def test_journal_records_requests(sim: Simulator, client: httpx.AsyncClient) -> None:
    target = sim.list_deployments(GOLANG)[4]["id"]
    await client.get("/v2/apps", params={"page": 1, "per_page": 5})
    await client.post(f"/v2/apps/{GOLANG}/rollback/validate", json={"deployment_id": target})
    await client.post(f"/v2/apps/{GOLANG}/rollback/commit")
    assert sim.requests == [
        RecordedRequest("GET", "/v2/apps", {"page": ["1"], "per_page": ["5"]}, None, True, 200),
        RecordedRequest(
            "POST", f"/v2/apps/{GOLANG}/rollback/validate", {}, {"deployment_id": target},
            True, 200,
        ),
        RecordedRequest("POST", f"/v2/apps/{GOLANG}/rollback/commit", {}, None, True, 400),
    ]  # fmt: skip
    assert sim.count("POST", r"/v2/apps/[^/]+/rollback/.*") == 2
    assert sim.count("GET", "/v2/apps") == 1
    assert sim.count("GET", "/v2/app") == 0  # full match, not prefix
