"""What the simulator's tests share: the token, the sample app ids, a settable clock,
a client on the simulator's ASGI app, and the reads the tests repeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.sandbox.digitalocean import Simulator, create_app
from bot.sandbox.digitalocean.progress import iter_steps
from bot.sandbox.digitalocean.records import app_id_for

TOKEN = "dop_v1_test-token-abc123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GOLANG = app_id_for("sample-golang")
BROKEN = app_id_for("sample-broken")
WARN = app_id_for("sample-warn")
PINNED = app_id_for("sample-pinned")
LEAVES = (
    "build/initialize",
    "build/components/web",
    "deploy/initialize",
    "deploy/components/web/deploy",
    "deploy/components/web/wait",
    "deploy/finalize",
)
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def tick_time(tick: int) -> datetime:
    return T0 + timedelta(seconds=10 * tick)


def steps_by_path(progress: Any) -> dict[str, dict[str, Any]]:
    return {path: dict(step) for path, step in iter_steps(progress["steps"])}


def client_for(sim: Simulator, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(sim)),
        base_url="http://sim",
        headers=AUTH if headers is None else headers,
    )


async def deployments(client: httpx.AsyncClient, app_id: str) -> list[dict[str, Any]]:
    r = await client.get(f"/v2/apps/{app_id}/deployments")
    assert r.status_code == 200
    result: list[dict[str, Any]] = r.json()["deployments"]
    return result


async def app_json(client: httpx.AsyncClient, app_id: str) -> dict[str, Any]:
    r = await client.get(f"/v2/apps/{app_id}")
    assert r.status_code == 200
    result: dict[str, Any] = r.json()["app"]
    return result


async def poll_to_end(client: httpx.AsyncClient, app_id: str, dep_id: str) -> list[dict[str, Any]]:
    """Poll until a terminal phase; returns every answer (one per poll)."""
    seen: list[dict[str, Any]] = []
    for _ in range(50):
        r = await client.get(f"/v2/apps/{app_id}/deployments/{dep_id}")
        assert r.status_code == 200
        seen.append(r.json()["deployment"])
        if seen[-1]["phase"] in ("ACTIVE", "ERROR", "CANCELED", "SUPERSEDED"):
            return seen
    raise AssertionError("deployment never reached a terminal phase")
