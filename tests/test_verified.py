"""Verified: once a rollback is live, its app's health is read and the verdict told in the
thread once (two replicas too), shown on the card and kept in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.digitalocean.health import AppHealth, unwrapped
from bot.domain.records import Event, Watch
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from bot.slack.blockkit.thread_replies import health_verdict
from bot.store import keys
from tests.conftest import BotFactory
from tests.flow import GOLANG_ID, GOLANG_TARGET, roll_back, wait_reply

UNHEALTHY = "web 0/2 ready, UNHEALTHY: consider Revert"
VERIFIED = "verified: web 1/1 ready, healthy"


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    yield r
    r.close()


def _settled(client: redis.Redis, slack: FakeSlack, sim: Simulator) -> Watch:
    """The rollback's watch once its verdict is recorded and it is no longer followed."""
    active = sim.get_app(GOLANG_ID)["active_deployment"]
    assert isinstance(active, dict)
    dep = str(active["id"])

    def recorded() -> Watch | None:
        raw = client.get(keys.watch(dep))
        watch = Watch.model_validate_json(raw) if raw else None
        if watch is None or not watch.verdict:
            return None
        return None if client.sismember(keys.ACTIVE_WATCHES, dep) else watch

    return slack.wait_for(recorded, timeout=15)


def _told(slack: FakeSlack, thread_ts: str, needle: str) -> int:
    return sum(needle in m.text for m in slack.thread(thread_ts))


def _health_events(client: redis.Redis) -> list[str]:
    """The reasons of the audit trail's health events."""
    entries = client.xrange(keys.AUDIT_STREAM) or []
    fields = [f for _, f in entries if f is not None]
    return [str(f.get("reason")) for f in fields if f.get("event") == Event.HEALTH.value]


def test_a_rollback_that_comes_up_short_is_told_to_consider_revert_once(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, client: redis.Redis
) -> None:
    sim.sicken(GOLANG_TARGET, ready=0, desired=2, state="UNHEALTHY")
    driver = start_bot(rollback_verify_seconds=1.0)
    card, live = roll_back(driver, slack)
    assert "rollback_commit" in live.buttons()  # Commit stays while health is read
    reply = wait_reply(slack, card.ts, "consider Revert", timeout=15)
    assert UNHEALTHY in reply.text
    watch = _settled(client, slack, sim)
    assert watch.verdict == UNHEALTHY
    assert _told(slack, card.ts, "consider Revert") == 1
    slack.wait_for(lambda: UNHEALTHY in slack.message(card.ts).text)
    assert _health_events(client) == [UNHEALTHY]
    assert "rollback_commit" in slack.message(live.ts).buttons()


def test_a_healthy_rollback_is_verified(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, client: redis.Redis
) -> None:
    driver = start_bot(rollback_verify_seconds=30.0)
    card, _ = roll_back(driver, slack)
    # All ready and HEALTHY at the first read: told at once, not after 30 s.
    reply = wait_reply(slack, card.ts, "verified:", timeout=10)
    assert VERIFIED in reply.text
    assert _settled(client, slack, sim).verdict == VERIFIED
    slack.wait_for(lambda: VERIFIED in slack.message(card.ts).text)
    assert _health_events(client) == [VERIFIED]
    assert _told(slack, card.ts, "verified:") == 1


def test_two_replicas_tell_the_verdict_once(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, client: redis.Redis
) -> None:
    sim.sicken(GOLANG_TARGET, ready=0, desired=2, state="UNHEALTHY")
    driver = start_bot(rollback_verify_seconds=1.5)
    start_bot(rollback_verify_seconds=1.5)
    card, _ = roll_back(driver, slack)
    wait_reply(slack, card.ts, "consider Revert", timeout=15)
    _settled(client, slack, sim)
    assert _told(slack, card.ts, "consider Revert") == 1
    assert _health_events(client) == [UNHEALTHY]


def test_health_reads_with_or_without_the_app_health_wrapper() -> None:
    # responses/examples.yml#/app_health, as the spec gives it (no `app_health` key).
    example = {
        "components": [
            {
                "name": "sample-expressjs",
                "cpu_usage_percent": 5.555,
                "memory_usage_percent": 20.32,
                "replicas_desired": 1,
                "replicas_ready": 2,
                "state": "HEALTHY",
            }
        ]
    }
    for body in (example, {"app_health": example}):
        health = AppHealth.model_validate(unwrapped(body))
        assert health_verdict(health) == "verified: sample-expressjs 2/1 ready, healthy"


def test_a_verdict_names_every_component_escaped() -> None:
    health = AppHealth.model_validate(
        {
            "components": [
                {
                    "name": "web<@U1>",
                    "replicas_desired": 2,
                    "replicas_ready": 2,
                    "state": "HEALTHY",
                },
                {"name": "worker", "replicas_desired": 2, "state": "SICK"},
            ]
        }
    )
    assert health_verdict(health) == (
        "web&lt;@U1&gt; 2/2 ready, worker 0/2 ready, not healthy: consider Revert"
    )
    assert health_verdict(AppHealth()).startswith("no component reported its health")
    assert health_verdict(None).startswith("health could not be read")
