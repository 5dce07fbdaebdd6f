"""The protocol: routes, auth, pagination, rate limits and request ids."""

from __future__ import annotations

import math
import time
import uuid

import httpx
import pytest

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.digitalocean.samples import SAMPLE_APPS
from tests.simulator.support import GOLANG, TOKEN, FakeClock, client_for


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
