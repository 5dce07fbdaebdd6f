"""Tests for bot.sandbox.digitalocean, the DigitalOcean App Platform API simulator."""

from __future__ import annotations

import math
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.sandbox.digitalocean import RecordedRequest, Simulator, create_app
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.digitalocean.progress import (
    BUILD_FAILURE,
    ZERO_TIME,
    ProgressScript,
    StepFailure,
    iter_steps,
    step_statuses,
)
from bot.sandbox.digitalocean.records import NAMESPACE, app_id_for
from bot.sandbox.digitalocean.samples import SAMPLE_APPS

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


@pytest.fixture
def sim() -> Simulator:
    return Simulator.with_sample_apps(token=TOKEN)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sim) as c:
        yield c


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


# ---- the step script --------------------------------------------------------------------


def test_script_every_tick_changes_and_tree_is_consistent() -> None:
    script = ProgressScript()
    assert script.leaf_paths == LEAVES
    assert script.terminal_tick == 8
    previous: dict[str, str] | None = None
    phases = []
    for tick in range(script.terminal_tick + 1):
        progress = script.render(tick, tick_time)
        statuses = step_statuses(progress)
        phases.append(script.phase_at(tick))
        if previous is not None:
            assert statuses != previous, f"tick {tick} changed nothing"
        previous = statuses
        leaves = [statuses[p] for p in LEAVES]
        assert leaves.count("RUNNING") <= 1
        counters = {
            "pending_steps": leaves.count("PENDING"),
            "running_steps": leaves.count("RUNNING"),
            "success_steps": leaves.count("SUCCESS"),
            "error_steps": leaves.count("ERROR"),
            "total_steps": 6,
        }
        for key, value in counters.items():
            # zero counters are omitted, like the real API
            assert progress.get(key) == (value or None), (tick, key)
        for path, step in steps_by_path(progress).items():
            children = [str(c["status"]) for c in step.get("steps", [])]
            if children:
                expected = (
                    "SUCCESS" if set(children) == {"SUCCESS"}
                    else "PENDING" if set(children) == {"PENDING"}
                    else "RUNNING"
                )  # fmt: skip
                assert step["status"] == expected, (tick, path)
            if step["status"] == "PENDING":
                assert "started_at" not in step
            else:
                assert step["started_at"] != ZERO_TIME
                assert str(step["started_at"]).endswith("Z")
            if step["status"] == "RUNNING":
                assert step["ended_at"] == ZERO_TIME
            if step["status"] == "SUCCESS":
                assert step["ended_at"] >= step["started_at"]
    assert phases == [
        "PENDING_BUILD", "BUILDING", "BUILDING", "PENDING_DEPLOY",
        "DEPLOYING", "DEPLOYING", "DEPLOYING", "DEPLOYING", "ACTIVE",
    ]  # fmt: skip
    # past the end nothing moves
    assert script.render(99, tick_time) == script.render(8, tick_time)


def test_script_component_metadata_matches_spec_example() -> None:
    steps = steps_by_path(ProgressScript().render(0, tick_time))
    assert steps["build/components/web"]["component_name"] == "web"
    assert steps["build/components/web"]["message_base"] == "Building service"
    assert steps["deploy/components/web/deploy"]["message_base"] == "Deploying service"
    assert steps["deploy/components/web/wait"]["message_base"] == "Waiting for service"
    assert steps["deploy/components/web"]["component_name"] == "web"


def test_failure_script_stops_with_error_and_reason() -> None:
    script = ProgressScript(failure=BUILD_FAILURE)
    assert script.terminal_tick == 3
    assert [script.phase_at(t) for t in range(4)] == [
        "PENDING_BUILD", "BUILDING", "BUILDING", "ERROR",
    ]  # fmt: skip
    progress = script.render(3, tick_time)
    statuses = step_statuses(progress)
    assert statuses["build/components/web"] == "ERROR"
    assert statuses["build/components"] == "ERROR"
    assert statuses["build"] == "ERROR"
    assert statuses["build/initialize"] == "SUCCESS"
    assert {statuses[p] for p in LEAVES[2:]} == {"PENDING"}
    assert statuses["deploy"] == "PENDING"
    assert progress["error_steps"] == 1
    assert progress["success_steps"] == 1
    assert progress["pending_steps"] == 4
    assert "running_steps" not in progress
    web = steps_by_path(progress)["build/components/web"]
    assert web["reason"] == {"code": "BuildJobFailed", "message": BUILD_FAILURE.message}
    # nothing resumes after the failure
    assert script.render(50, tick_time) == progress


def test_failure_path_must_be_a_leaf() -> None:
    with pytest.raises(ValueError, match="not a leaf"):
        ProgressScript(failure=StepFailure("build/components", "X", "y"))


# ---- the sample world -----------------------------------------------------------------


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
    for key in ("in_progress_deployment", "pending_deployment", "pinned_deployment"):
        assert key not in app
    # a fresh world gives the same deployment ids
    other = Simulator.with_sample_apps(token="x").list_deployments(GOLANG)
    assert [d["id"] for d in other] == [d["id"] for d in deps]


async def test_deployment_types_filter(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/v2/apps/{GOLANG}/deployments", params={"deployment_types": "MANUAL"})
    assert [d["cause"] for d in r.json()["deployments"]] == ["manual"]


# ---- rollback flow --------------------------------------------------------------------


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


# ---- validation -----------------------------------------------------------------------


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


# ---- protocol: routes, auth, pagination, rate limits ------------------------------------


async def test_unknown_routes_and_ids_get_json_404(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/v2/droplets"),
        ("GET", f"/v2/apps/{GOLANG}/rollback"),
        ("DELETE", f"/v2/apps/{GOLANG}"),
        ("GET", f"/v2/apps/{uuid.uuid4()}"),
        ("GET", f"/v2/apps/{GOLANG}/deployments/{uuid.uuid4()}"),
    ]:
        r = await client.request(method, path)
        assert r.status_code == 404, (method, path)
        assert r.json()["id"] == "not_found"
        assert r.json()["message"] == "The resource you were accessing could not be found."


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
)
async def test_requests_without_the_token_get_401(sim: Simulator, headers: dict[str, str]) -> None:
    async with client_for(sim, headers) as c:
        r = await c.get("/v2/apps")
        assert r.status_code == 401
        assert r.json()["id"] == "unauthorized"
        assert r.json()["message"] == "Unable to authenticate you."
        assert TOKEN not in r.text
        assert "ratelimit-remaining" in r.headers
        r = await c.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": "x"})
        assert r.status_code == 401
    assert [e.authorized for e in sim.requests] == [False, False]
    assert "pinned_deployment" not in sim.get_app(GOLANG)
    assert TOKEN not in repr(sim)


async def test_pagination_follows_next_links() -> None:
    sim = Simulator.with_sample_apps(token=TOKEN, extra_apps=11, max_page_size=4)
    async with client_for(sim) as client:
        url: str | None = "/v2/apps"
        names: list[str] = []
        pages = 0
        while url is not None:
            r = await client.get(url)
            assert r.status_code == 200
            body = r.json()
            assert body["meta"]["total"] == 15
            assert len(body["apps"]) <= 4
            names += [a["spec"]["name"] for a in body["apps"]]
            links = body["links"]["pages"]
            pages += 1
            if pages > 1:
                assert links["first"].endswith("page=1")
                assert "prev" in links
            url = links.get("next")
            if url is not None:
                assert url.startswith("http://sim/v2/apps?")
                assert links["last"].endswith("page=4")
        assert pages == 4
        assert names[:4] == list(SAMPLE_APPS)
        assert names[4:] == [f"filler-{i:02d}" for i in range(1, 12)]

        # per_page above the cap is clamped, other query parameters are kept in links
        r = await client.get(f"/v2/apps/{GOLANG}/deployments", params={"per_page": 500})
        assert len(r.json()["deployments"]) == 4
        assert "per_page=500" in r.json()["links"]["pages"]["next"]
        r = await client.get("/v2/apps", params={"page": "x"})
        assert r.status_code == 400


async def test_single_page_has_no_links(client: httpx.AsyncClient) -> None:
    r = await client.get("/v2/apps", params={"per_page": 200})
    assert r.json()["links"] == {"pages": {}}
    assert r.json()["meta"] == {"total": 4}


async def test_ratelimit_headers_speak_of_the_hour(client: httpx.AsyncClient) -> None:
    # description.yml: "ratelimit-limit: The number of requests that can be made per hour".
    remaining = []
    for _ in range(3):
        r = await client.get("/v2/apps")
        assert r.headers["ratelimit-limit"] == "5000"
        remaining.append(int(r.headers["ratelimit-remaining"]))
        # "the time when the oldest request will expire": an hour after the first one.
        assert int(r.headers["ratelimit-reset"]) >= time.time() + 3590
    assert remaining == [4999, 4998, 4997]


async def test_burst_limit_answers_429_with_retry_after() -> None:
    clock = FakeClock()
    sim = Simulator(token=TOKEN, rate_limit_per_minute=3, clock=clock)
    async with client_for(sim) as client:
        first = await client.get("/v2/apps")
        assert first.headers["ratelimit-reset"] == str(math.ceil(clock.now + 3600))
        clock.now += 20
        assert (await client.get("/v2/apps")).status_code == 200
        assert (await client.get("/v2/apps")).headers["ratelimit-remaining"] == "4997"
        r = await client.get("/v2/apps")
        assert r.status_code == 429
        assert r.json()["id"] == "too_many_requests"
        # The burst sample: "ratelimit-remaining: 0 … retry-after: 29".
        assert r.headers["retry-after"] == "40"
        assert r.headers["ratelimit-remaining"] == "0"
        assert r.headers["ratelimit-reset"] == str(math.ceil(clock.now - 20 + 3600))
        clock.now += 41  # the first request has left the minute, not the hour
        r = await client.get("/v2/apps")
        assert r.status_code == 200
        assert r.headers["ratelimit-remaining"] == "4996"
    assert [e.status for e in sim.requests] == [200, 200, 200, 429, 200]


async def test_hourly_limit_answers_429_without_retry_after_until_the_oldest_expires() -> None:
    clock = FakeClock()
    sim = Simulator(token=TOKEN, rate_limit_per_hour=3, clock=clock)
    async with client_for(sim) as client:
        for _ in range(3):
            assert (await client.get("/v2/apps")).status_code == 200
            clock.now += 600
        r = await client.get("/v2/apps")
        # "If the ratelimit-remaining reaches zero, subsequent requests will receive a 429
        # error code until the request reset has been reached": no retry-after.
        assert r.status_code == 429
        assert "retry-after" not in r.headers
        assert r.headers["ratelimit-remaining"] == "0"
        reset = int(r.headers["ratelimit-reset"])
        assert reset == math.ceil(clock.now - 1800 + 3600)  # the oldest, an hour on
        clock.now = reset - 1
        assert (await client.get("/v2/apps")).status_code == 429
        clock.now = reset + 0.5
        r = await client.get("/v2/apps")
        assert r.status_code == 200
        assert r.headers["ratelimit-remaining"] == "0"


async def test_a_compressed_clock_speaks_real_time_in_its_rate_headers() -> None:
    clock = ScaledClock(rate=60.0)  # a simulated hour a real minute
    sim = Simulator(token=TOKEN, rate_limit_per_minute=1, clock=clock)
    async with client_for(sim) as client:
        r = await client.get("/v2/apps")
        # The oldest request expires an hour of simulated time on: a real minute.
        assert float(r.headers["ratelimit-reset"]) == pytest.approx(time.time() + 60, abs=2)
        r = await client.get("/v2/apps")
        assert r.status_code == 429
        assert float(r.headers["retry-after"]) <= 1.0  # 60 simulated seconds at most


async def test_every_answer_carries_a_request_id(client: httpx.AsyncClient, sim: Simulator) -> None:
    ok = await client.get("/v2/apps")
    missing = await client.get(f"/v2/apps/{uuid.uuid4()}")
    ids = [ok.headers["x-request-id"], missing.headers["x-request-id"]]
    assert len(set(ids)) == 2
    assert [e.request_id for e in sim.requests] == ids


# ---- fault injection, latency and the journal -----------------------------------------


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


# ---- clock mode and threads -----------------------------------------------------------


async def test_clock_mode_advances_with_time() -> None:
    clock = FakeClock()
    sim = Simulator.with_sample_apps(token=TOKEN, step_seconds=1.5, clock=clock)
    target = sim.list_deployments(GOLANG)[4]["id"]
    created = clock.now
    async with client_for(sim) as client:
        r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": target})
        dep = r.json()["deployment"]
        assert dep["phase"] == "PENDING_BUILD"
        url = f"/v2/apps/{GOLANG}/deployments/{dep['id']}"
        # polling alone does not move a clock-mode deployment
        assert (await client.get(url)).json()["deployment"]["phase"] == "PENDING_BUILD"
        clock.now += 1.6
        assert (await client.get(url)).json()["deployment"]["phase"] == "BUILDING"
        clock.now += 1.5 * 3
        assert (await client.get(url)).json()["deployment"]["phase"] == "DEPLOYING"
        clock.now += 60
        assert (await app_json(client, GOLANG))["active_deployment"]["id"] == dep["id"]
        final = (await client.get(url)).json()["deployment"]
        assert final["phase"] == "ACTIVE"
        steps = steps_by_path(final["progress"])
        started = datetime.fromisoformat(steps["deploy/finalize"]["started_at"])
        # the finalize leaf starts at tick 7, i.e. 7 * 1.5 s after creation
        assert started.timestamp() == pytest.approx(created + 10.5)


def test_concurrent_polls_from_threads_are_safe() -> None:
    sim = Simulator.with_sample_apps(token=TOKEN)
    dep = sim.create_rollback(GOLANG, {"deployment_id": sim.list_deployments(GOLANG)[4]["id"]})
    phases: list[str] = []
    lock = threading.Lock()

    def poll() -> None:
        answer = sim.get_deployment(GOLANG, str(dep["id"]), poll=True)
        with lock:
            phases.append(str(answer["phase"]))

    threads = [threading.Thread(target=poll) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # exactly 8 polls moved it; the others saw the terminal state
    assert phases.count("ACTIVE") == 20 - 7
    app: Any = sim.get_app(GOLANG)
    assert app["active_deployment"]["id"] == dep["id"]
