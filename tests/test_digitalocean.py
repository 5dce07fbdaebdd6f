"""The DigitalOcean client against the simulator served over loopback HTTP."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.transport import Transport
from bot.errors import (
    DOAuthError,
    DOMalformedError,
    DONetworkError,
    DONotFoundError,
    DORateLimitedError,
    DORequestError,
    DOServerError,
    DOUncertainError,
)
from bot.sandbox.digitalocean import Simulator, create_app
from bot.sandbox.ports import free_port
from tests.constants import DO_TOKEN
from tests.flow import GOLANG_ID, GOLANG_TARGET
from tests.servers import ServerThread
from tests.throttles import PatientFor


@pytest.fixture
def paged_sim() -> Simulator:
    return Simulator.with_sample_apps(token=DO_TOKEN, max_page_size=2, extra_apps=5)


@pytest.fixture
def paged_url(paged_sim: Simulator) -> Iterator[str]:
    with ServerThread(create_app(paged_sim), lifespan="off") as server:
        yield server.url


@pytest.fixture
async def client(sim_url: str) -> AsyncIterator[DigitalOceanClient]:
    do = DigitalOceanClient(Transport(token=DO_TOKEN, base_url=sim_url, retry_timeout=10))
    yield do
    await do.aclose()


async def test_pagination_is_followed_to_the_last_page(
    paged_sim: Simulator, paged_url: str
) -> None:
    do = DigitalOceanClient(Transport(token=DO_TOKEN, base_url=paged_url))
    try:
        names = [app.name async for app in do.iter_apps()]
        app = await do.find_app("filler-05")
        deployments = await do.list_deployments(GOLANG_ID, limit=100)
    finally:
        await do.aclose()
    assert len(names) == len(set(names)) == 9
    assert "filler-05" in names and app.name == "filler-05"
    assert paged_sim.count("GET", r"/v2/apps") >= 5  # 9 apps at 2 a page
    assert len(deployments) == 6
    assert paged_sim.count("GET", rf"/v2/apps/{GOLANG_ID}/deployments") == 3


async def test_find_app_by_name_or_id(client: DigitalOceanClient) -> None:
    by_name = await client.find_app("sample-golang")
    by_id = await client.find_app(GOLANG_ID)
    assert by_name.id == by_id.id == GOLANG_ID
    with pytest.raises(DONotFoundError) as caught:
        await client.find_app("nope")
    assert (
        caught.value.user_message == "No app named `nope` was found in this DigitalOcean account."
    )


async def test_401_is_a_sentence_without_the_token(sim_url: str) -> None:
    do = DigitalOceanClient(Transport(token="dop_v1_wrong", base_url=sim_url))
    try:
        with pytest.raises(DOAuthError) as caught:
            await do.find_app("sample-golang")
    finally:
        await do.aclose()
    assert "401 Unauthorized" in caught.value.user_message
    assert "DIGITALOCEAN_TOKEN" in caught.value.user_message
    assert "dop_v1_wrong" not in caught.value.user_message


async def test_404_names_what_was_missing(client: DigitalOceanClient) -> None:
    with pytest.raises(DONotFoundError) as caught:
        await client.get_deployment(GOLANG_ID, "00000000-0000-4000-8000-000000000000")
    assert "deployment `00000000-0000-4000-8000-000000000000`" in caught.value.user_message


async def test_get_honours_retry_after_on_429(client: DigitalOceanClient, sim: Simulator) -> None:
    sim.inject("GET", rf"/v2/apps/{GOLANG_ID}", status=429, retry_after=1)
    started = time.monotonic()
    app = await client.get_app(GOLANG_ID)
    assert app.id == GOLANG_ID
    assert sim.count("GET", rf"/v2/apps/{GOLANG_ID}") == 2
    assert time.monotonic() - started >= 1.0  # it waited as DigitalOcean asked


async def test_get_retries_server_errors(client: DigitalOceanClient, sim: Simulator) -> None:
    sim.inject("GET", rf"/v2/apps/{GOLANG_ID}", status=500, times=2)
    assert (await client.get_app(GOLANG_ID)).id == GOLANG_ID
    assert sim.count("GET", rf"/v2/apps/{GOLANG_ID}") == 3


async def test_get_gives_up_after_its_attempts(sim_url: str, sim: Simulator) -> None:
    do = DigitalOceanClient(Transport(token=DO_TOKEN, base_url=sim_url, retry_attempts=2))
    sim.inject("GET", rf"/v2/apps/{GOLANG_ID}", status=503, times=None)
    try:
        with pytest.raises(DOServerError) as caught:
            await do.get_app(GOLANG_ID)
    finally:
        await do.aclose()
    assert "HTTP 503" in caught.value.user_message
    assert sim.count("GET", rf"/v2/apps/{GOLANG_ID}") == 2


async def test_rollback_post_is_never_resent_after_a_500(
    client: DigitalOceanClient, sim: Simulator
) -> None:
    sim.inject("POST", rf"/v2/apps/{GOLANG_ID}/rollback", status=500)
    with pytest.raises(DOUncertainError) as caught:
        await client.create_rollback(GOLANG_ID, GOLANG_TARGET)
    assert "may still have taken effect" in caught.value.user_message
    assert sim.count("POST", rf"/v2/apps/{GOLANG_ID}/rollback") == 1


async def test_rollback_post_is_resent_after_a_429(
    client: DigitalOceanClient, sim: Simulator
) -> None:
    # A 429 is refused before any work, so sending again cannot double the rollback.
    sim.inject("POST", rf"/v2/apps/{GOLANG_ID}/rollback", status=429, retry_after=0)
    deployment = await client.create_rollback(GOLANG_ID, GOLANG_TARGET)
    assert deployment.phase == "PENDING_BUILD"
    assert sim.count("POST", rf"/v2/apps/{GOLANG_ID}/rollback") == 2


async def test_rollback_commit_and_revert(client: DigitalOceanClient, sim: Simulator) -> None:
    validation = await client.validate_rollback(GOLANG_ID, GOLANG_TARGET)
    assert validation.valid
    created = await client.create_rollback(GOLANG_ID, GOLANG_TARGET)
    app = await client.get_app(GOLANG_ID)
    assert app.pinned_deployment is not None and app.pinned_deployment.id == created.id
    await client.commit_rollback(GOLANG_ID)
    assert (await client.get_app(GOLANG_ID)).pinned_deployment is None


async def test_unreachable_api_is_a_network_error() -> None:
    do = DigitalOceanClient(
        Transport(token=DO_TOKEN, base_url=f"http://127.0.0.1:{free_port()}", retry_attempts=1)
    )
    try:
        with pytest.raises(DONetworkError) as caught:
            await do.get_app(GOLANG_ID)
    finally:
        await do.aclose()
    assert caught.value.user_message.startswith("Could not reach DigitalOcean")


async def test_a_429_longer_than_a_command_may_wait_is_told_at_once(
    sim_url: str, sim: Simulator
) -> None:
    do = DigitalOceanClient(Transport(token=DO_TOKEN, base_url=sim_url, throttle=PatientFor(5)))
    sim.inject("GET", rf"/v2/apps/{GOLANG_ID}", status=429, retry_after=29)
    started = time.monotonic()
    try:
        with pytest.raises(DORateLimitedError) as caught:
            await do.get_app(GOLANG_ID)
    finally:
        await do.aclose()
    assert time.monotonic() - started < 2
    assert "Try again in 29 s" in caught.value.user_message
    assert sim.count("GET", rf"/v2/apps/{GOLANG_ID}") == 1


async def test_an_hourly_429_is_not_retried_and_says_when_it_frees_up(
    client: DigitalOceanClient, sim: Simulator
) -> None:
    sim.inject("GET", rf"/v2/apps/{GOLANG_ID}", status=429)  # no retry-after: the hour
    with pytest.raises(DORateLimitedError) as caught:
        await client.get_app(GOLANG_ID)
    assert "hourly" in caught.value.user_message
    # The oldest request of the (compressed) hour expires an hour on: minutes away.
    assert re.search(r"frees up in about \d+ min", caught.value.user_message)
    assert sim.count("GET", rf"/v2/apps/{GOLANG_ID}") == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"deployment": None}, {"deployment": {"phase": "ACTIVE"}}, {"deployment": []}],
)
async def test_an_unreadable_answer_is_a_typed_error(
    client: DigitalOceanClient, sim: Simulator, body: dict[str, object]
) -> None:
    sim.inject("GET", rf"/v2/apps/{GOLANG_ID}/deployments/.+", status=200, body=body)
    with pytest.raises(DOMalformedError) as caught:
        await client.get_deployment(GOLANG_ID, GOLANG_TARGET)
    assert "could not read" in caught.value.user_message


async def test_an_unreadable_app_in_the_list_hides_no_other(
    client: DigitalOceanClient, sim: Simulator
) -> None:
    apps = sim.list_apps()
    sim.inject("GET", "/v2/apps", status=200, body={"apps": [{"spec": {}}, *apps], "links": {}})
    names = [app.name async for app in client.iter_apps()]
    assert len(names) == len(apps)


async def test_error_log_lines_carry_the_request_id(
    client: DigitalOceanClient, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(DONotFoundError):
        await client.get_app("00000000-0000-4000-8000-000000000000")
    request_id = sim.requests[-1].request_id
    assert request_id
    assert any(request_id in r.getMessage() for r in caplog.records)


async def test_requests_name_the_bot(client: DigitalOceanClient, sim: Simulator) -> None:
    await client.get_app(GOLANG_ID)
    assert sim.requests[-1].user_agent.startswith("do-rollback-bot/")


async def test_digitalocean_text_in_an_error_is_escaped_and_short(
    client: DigitalOceanClient, sim: Simulator
) -> None:
    message = "<!channel> <https://evil|click to approve> & co " + "x" * 5000
    sim.inject(
        "POST",
        rf"/v2/apps/{GOLANG_ID}/rollback",
        status=422,
        body={"id": "unprocessable_entity", "message": message},
    )
    with pytest.raises(DORequestError) as caught:
        await client.create_rollback(GOLANG_ID, GOLANG_TARGET)
    text = caught.value.user_message
    assert "&lt;!channel&gt; &lt;https://evil|click to approve&gt; &amp; co" in text
    assert "<" not in text and len(text) < 400
