"""Why it failed: a failed rollback's thread quotes the failing component's log (issue 17,
part 2), against the stand-ins: the simulator's component logs and their pre-signed URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import redis
import redis.asyncio as aioredis

from bot.digitalocean.log_archive import LogArchive
from bot.digitalocean.log_models import ComponentLogs
from bot.domain.redaction import REDACTED
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.errors import ApiError
from bot.sandbox.digitalocean.logs import planted_token
from bot.sandbox.digitalocean.progress import BUILD_FAILURE
from bot.sandbox.digitalocean.samples import HEALTH_CHECK_FAILURE
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.messages import Message
from bot.store import keys
from bot.store.failure_logs import FailureLogClaims
from tests.conftest import BotFactory
from tests.constants import DO_TOKEN
from tests.flow import GOLANG_ID, approve, ask_for_rollback, wait_reply
from tests.slack_driver import SlackDriver

LOG_HEAD = "📄 The end of `web`'s build log"
NO_LOG = "📄 No build log available for `web`."


@pytest.fixture
def store(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def _shown(message: Message) -> str:
    """Everything a reader sees of a message: its sections' text."""
    return "\n".join(
        str(block["text"]["text"]) for block in message.blocks if block.get("type") == "section"
    )


def _fail_a_rollback(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> tuple[SlackDriver, Message]:
    """Two replicas; a rollback of sample-golang fails its build: a driver, the card."""
    sim.set_rollback_failure(GOLANG_ID, BUILD_FAILURE)
    driver = start_bot()
    start_bot()  # a second replica, sharing Redis and both stand-ins
    card = ask_for_rollback(driver, slack)
    approve(driver, card)
    return driver, card


def _log_replies(slack: FakeSlack, thread_ts: str) -> list[Message]:
    return [m for m in slack.thread(thread_ts) if m.text.startswith("📄")]


def test_a_failed_builds_thread_quotes_the_end_of_its_log_redacted_once(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, store: redis.Redis
) -> None:
    driver, card = _fail_a_rollback(start_bot, slack, sim)
    failure = wait_reply(slack, card.ts, "failed")
    quoted = wait_reply(slack, card.ts, LOG_HEAD)
    thread = slack.thread(card.ts)
    assert thread.index(failure) < thread.index(quoted)  # the failure first, at once
    rollback_id = str(sim.list_deployments(GOLANG_ID)[0]["id"])
    shown = _shown(quoted)
    assert BUILD_FAILURE.message in shown
    assert "ERROR: failed to build: exit status 1" in shown
    assert planted_token(rollback_id) not in shown
    assert "dop_v1_" not in shown
    assert f"DIGITALOCEAN_TOKEN={REDACTED}" in shown
    code = shown.split("```")[1].strip("\n").split("\n")
    assert len(code) == 40
    # The log came from the failed step's component and type, through the API…
    asked = [r for r in sim.requests if r.path.endswith("/components/web/logs")]
    assert [r.query.get("type") for r in asked] == [["BUILD"]]
    assert all(r.authorized for r in asked)
    # …and its archived file from the pre-signed URL, which never carried the token.
    assert [(f.authorization, f.status) for f in sim.log_fetches] == [(False, 200)]
    assert store.get(keys.failure_log(rollback_id))
    # Told once: a later failure of another app gets its own log, in its own thread,
    # by which time a second telling of the first one would have come too.
    second = ask_for_rollback(driver, slack, "sample-broken")
    approve(driver, second)
    wait_reply(slack, second.ts, "📄")
    assert len(_log_replies(slack, card.ts)) == 1
    assert len(_log_replies(slack, second.ts)) == 1


def test_a_failed_deploy_quotes_the_deploy_log(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    sim.set_rollback_failure(GOLANG_ID, HEALTH_CHECK_FAILURE)
    driver = start_bot()
    card = ask_for_rollback(driver, slack)
    approve(driver, card)
    wait_reply(slack, card.ts, "failed")
    quoted = wait_reply(slack, card.ts, "📄 The end of `web`'s deploy log")
    assert "health check on :8080/healthz failed" in _shown(quoted)
    asked = [r for r in sim.requests if r.path.endswith("/components/web/logs")]
    assert [r.query.get("type") for r in asked] == [["DEPLOY"]]


@pytest.mark.parametrize(
    "no_log",
    [
        {"status": 404},  # DigitalOcean keeps no log of it
        {"status": 200, "body": {"historic_urls": [], "live_url": ""}},  # none archived
        # The spec's example keys, pointing at a file the storage does not have.
        {"status": 200, "body": {"historic_logs": ["{sim}/logs/missing?X-Amz-Signature=x"]}},
    ],
)
def test_no_log_is_told_in_a_few_words(
    start_bot: BotFactory,
    slack: FakeSlack,
    sim: Simulator,
    sim_url: str,
    no_log: dict[str, object],
) -> None:
    body = no_log.get("body")
    if isinstance(body, dict) and "historic_logs" in body:
        body = {"historic_logs": [u.format(sim=sim_url) for u in body["historic_logs"]]}
    status = no_log["status"]
    assert isinstance(status, int)
    sim.inject("GET", r"/v2/apps/[^/]+/deployments/[^/]+/components/web/logs", status=status,
               body=body, times=None)  # fmt: skip
    _, card = _fail_a_rollback(start_bot, slack, sim)
    wait_reply(slack, card.ts, "failed")
    told = wait_reply(slack, card.ts, NO_LOG)
    assert _shown(told) == NO_LOG
    assert len(_log_replies(slack, card.ts)) == 1


def _failed_build(sim: Simulator) -> dict[str, object]:
    """The sample history's deployment whose build failed (its oldest failure)."""
    return [d for d in sim.list_deployments(GOLANG_ID) if d["phase"] == "ERROR"][-1]


async def test_the_pre_signed_url_is_fetched_without_the_token(
    sim: Simulator, sim_url: str
) -> None:
    failed = _failed_build(sim)
    answer = sim.component_logs(GOLANG_ID, str(failed["id"]), "web", "BUILD", base_url=sim_url)
    (url,) = ComponentLogs.model_validate(answer).archived
    text = await LogArchive().fetch(url)
    assert text is not None and planted_token(str(failed["id"])) in text
    # S3 refuses a pre-signed URL sent with an Authorization header as well, and a
    # signature that does not match.
    async with httpx.AsyncClient() as plain:
        both = await plain.get(url, headers={"Authorization": f"Bearer {DO_TOKEN}"})
        forged = await plain.get(url.split("X-Amz-Signature=")[0] + "X-Amz-Signature=00")
    assert both.status_code == 400 and "Only one auth mechanism allowed" in both.text
    assert forged.status_code == 403
    assert [(f.authorization, f.status) for f in sim.log_fetches] == [
        (False, 200),
        (True, 400),
        (False, 403),
    ]


def test_a_step_never_reached_has_no_log(sim: Simulator) -> None:
    # DigitalOcean's app_action: HTTP 400 means "state was never reached or skipped".
    failed = _failed_build(sim)
    with pytest.raises(ApiError) as refused:
        sim.component_logs(GOLANG_ID, str(failed["id"]), "web", "DEPLOY", base_url="http://x")
    assert refused.value.status == 400
    assert refused.value.message == "state was never reached or skipped"


@pytest.fixture
async def two_replicas(redis_url: str) -> AsyncIterator[tuple[aioredis.Redis, aioredis.Redis]]:
    one = aioredis.Redis.from_url(redis_url, decode_responses=True)
    two = aioredis.Redis.from_url(redis_url, decode_responses=True)
    yield one, two
    await one.aclose()
    await two.aclose()


async def test_one_replica_only_may_tell_a_log(
    two_replicas: tuple[aioredis.Redis, aioredis.Redis],
) -> None:
    one, two = two_replicas
    claims = [FailureLogClaims(one, owner="replica-a"), FailureLogClaims(two, owner="replica-b")]
    taken = [await c.claim("dep-1") for c in claims] + [await claims[0].claim("dep-1")]
    assert taken == [True, False, False]
    assert await claims[1].claim("dep-2")


async def test_an_oversized_or_slow_log_file_is_bounded() -> None:
    seen: list[httpx.Request] = []

    def storage(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/slow":
            raise httpx.ReadTimeout("the storage took too long", request=request)
        return httpx.Response(200, content=b"".join(b"line %d\n" % n for n in range(10_000)))

    archive = LogArchive(max_bytes=1_000, transport=httpx.MockTransport(storage))
    text = await archive.fetch("https://logs.example/big?X-Amz-Signature=s")
    slow = await archive.fetch("https://logs.example/slow?X-Amz-Signature=s")
    refused = await archive.fetch("file:///etc/passwd")
    assert text is not None and len(text.encode()) <= 1_000
    assert text.endswith("line 9999\n")  # the end, where a build fails
    assert slow is None and refused is None
    assert len(seen) == 2
    assert all("authorization" not in r.headers for r in seen)


@pytest.mark.parametrize(
    ("answer", "archived"),
    [
        # models/apps_get_logs_response.yml
        ({"historic_urls": ["https://logs/build.log"], "live_url": "ws://logs/build"},
         ("https://logs/build.log",)),
        # responses/examples.yml `logs`, verbatim: other keys
        ({"live_url": "https://logs-example/build.log", "url": "https://logs/build.log",
          "historic_logs": ["https://logs-example/archive/build.log"]},
         ("https://logs-example/archive/build.log",)),
        ({"historic_urls": None}, ()),
    ],
)  # fmt: skip
def test_both_shapes_of_the_logs_answer_are_read(
    answer: dict[str, object], archived: tuple[str, ...]
) -> None:
    assert ComponentLogs.model_validate(answer).archived == archived
