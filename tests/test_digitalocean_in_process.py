"""The DigitalOcean client over an httpx transport given to it: no socket, no thread.

``httpx.MockTransport`` answers exactly what a test needs (DigitalOcean's rate-limit
answers); ``httpx.ASGITransport`` serves the simulator in the test's own event loop.
"""

from __future__ import annotations

import httpx
import pytest

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.transport import Transport
from bot.errors import DORateLimitedError
from bot.sandbox.digitalocean import Simulator, create_app
from tests.constants import DO_TOKEN
from tests.flow import GOLANG_ID, GOLANG_TARGET
from tests.throttles import PatientFor

_NOW = 1_700_000_000.0


def mocked(
    answer: httpx.Response, seen: list[httpx.Request], *, throttle: PatientFor | None = None
) -> DigitalOceanClient:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return DigitalOceanClient(
        Transport(
            token=DO_TOKEN,
            transport=httpx.MockTransport(handle),
            throttle=throttle,
            clock=lambda: _NOW,
        )
    )


async def test_a_burst_429_longer_than_the_patience_is_told_not_waited() -> None:
    seen: list[httpx.Request] = []
    do = mocked(
        httpx.Response(429, headers={"retry-after": "7"}, json={"id": "too_many_requests"}),
        seen,
        throttle=PatientFor(5),
    )
    try:
        with pytest.raises(DORateLimitedError) as caught:
            await do.get_app(GOLANG_ID)
    finally:
        await do.aclose()
    assert caught.value.retry_after == 7.0
    assert caught.value.status == 429
    assert caught.value.user_message.endswith("Try again in 7 s.")
    assert len(seen) == 1 and do.calls == {429: 1}
    assert seen[0].headers["authorization"] == f"Bearer {DO_TOKEN}"
    assert seen[0].url == f"https://api.digitalocean.com/v2/apps/{GOLANG_ID}"


async def test_an_hourly_429_says_when_it_frees_up_by_the_transports_clock() -> None:
    seen: list[httpx.Request] = []
    reset = str(int(_NOW + 300))  # an epoch second, five minutes from the transport's now
    do = mocked(httpx.Response(429, headers={"ratelimit-reset": reset}), seen)
    try:
        with pytest.raises(DORateLimitedError) as caught:
            await do.get_app(GOLANG_ID)
    finally:
        await do.aclose()
    assert caught.value.retry_after is None
    assert "frees up in about 5 min" in caught.value.user_message
    assert len(seen) == 1  # the hourly limit is never retried


async def test_a_next_link_to_another_host_is_followed_on_our_own() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page = int(request.url.params["page"])
        links = {"pages": {"next": "https://elsewhere.example/v2/apps?page=2"}} if page == 1 else {}
        return httpx.Response(200, json={"apps": [{"id": f"app-{page}"}], "links": links})

    do = DigitalOceanClient(Transport(token=DO_TOKEN, transport=httpx.MockTransport(handle)))
    try:
        ids = [app.id async for app in do.iter_apps()]
    finally:
        await do.aclose()
    assert ids == ["app-1", "app-2"]
    assert {r.url.host for r in seen} == {"api.digitalocean.com"}


@pytest.fixture
def simulated() -> Simulator:
    return Simulator.with_sample_apps(token=DO_TOKEN)


def over(sim: Simulator) -> DigitalOceanClient:
    return DigitalOceanClient(
        Transport(
            token=DO_TOKEN,
            base_url="http://sim",
            transport=httpx.ASGITransport(app=create_app(sim)),
        )
    )


async def test_deployments_are_listed_over_the_simulator_in_process(simulated: Simulator) -> None:
    do = over(simulated)
    try:
        app = await do.find_app("sample-golang")
        deployments = await do.list_deployments(app.id, limit=100)
    finally:
        await do.aclose()
    assert app.id == GOLANG_ID
    assert len(deployments) == 6
    assert GOLANG_TARGET in {d.id for d in deployments}
    assert simulated.count("GET", rf"/v2/apps/{GOLANG_ID}/deployments") == 1


async def test_a_rollback_is_created_over_the_simulator_in_process(simulated: Simulator) -> None:
    do = over(simulated)
    try:
        assert (await do.validate_rollback(GOLANG_ID, GOLANG_TARGET)).valid
        created = await do.create_rollback(GOLANG_ID, GOLANG_TARGET)
        app = await do.get_app(GOLANG_ID)
    finally:
        await do.aclose()
    assert app.pinned_deployment is not None and app.pinned_deployment.id == created.id
    assert do.calls == {200: 3}
