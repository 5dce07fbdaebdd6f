"""The fleet view end to end: rollbacks narrated from looks at the whole fleet, the
look handed over when its taker dies, and the snapshot answering status (issue 15)."""

from __future__ import annotations

import re
from collections import Counter

import redis

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from bot.store import keys
from tests.conftest import ProcessFactory
from tests.constants import SIGNING_SECRET
from tests.flow import (
    BROKEN_ID,
    EXPECTED_STEP_REPLIES,
    GOLANG_ID,
    LIVE,
    roll_back,
    step_lines,
    told_once_in_order,
    wait_reply,
    wait_response,
)
from tests.slack_driver import SlackDriver
from tests.waiting import wait_until

PER_DEPLOYMENT = r"/v2/apps/{}/deployments/[^/]+"  # one deployment, not its logs


def test_a_rollback_is_narrated_from_looks_alone(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card, _ = roll_back(driver, slack)
    progress = [step_lines(m.text) for m in slack.thread(card.ts)][1:-1]
    assert progress == [sorted(r) for r in EXPECTED_STEP_REPLIES]
    # Every step change came from a look at the fleet; even the end, read from the app's
    # active deployment in the list: the deployment itself was never asked for.
    assert sim.count("GET", PER_DEPLOYMENT.format(GOLANG_ID)) == 0
    assert sim.count("GET", "/v2/apps") >= len(EXPECTED_STEP_REPLIES)
    metrics = driver.http.get(f"{driver.bot_url}/metrics").text
    assert 'rollback_bot_digitalocean_reads_total{kind="deployment"} 0.0' in metrics
    looks = re.search(r'rollback_bot_digitalocean_reads_total\{kind="look"\} (\d+)', metrics)
    assert looks is not None and int(looks.group(1)) >= len(EXPECTED_STEP_REPLIES)


def test_a_failed_rollback_is_told_from_the_list_too(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    _, failure = roll_back(
        driver, slack, "sample-broken", until="Rollback of `sample-broken` failed"
    )
    assert "Build failed: exit status 1" in failure.text
    # Failed, it is in no place of the app but its newest (``pending_deployment``), with
    # its steps: still no need to ask for it by id.
    assert sim.count("GET", PER_DEPLOYMENT.format(BROKEN_ID)) == 0
    # Nor the app, to see whether it is still pinned: the look that told the failure said.
    # (The proposal and the approval each read it, as it was then.)
    assert sim.count("GET", f"/v2/apps/{BROKEN_ID}") == 2


def test_a_list_without_progress_falls_back_to_reading_each_deployment(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    sim.list_omits_progress = True
    card, _ = roll_back(driver, slack)
    told_once_in_order([m.text for m in slack.thread(card.ts)])
    # Its steps came from the deployment itself (looks moved it on meanwhile, so some
    # replies tell two of its moves at once).
    assert sim.count("GET", PER_DEPLOYMENT.format(GOLANG_ID)) >= 2


def test_status_is_answered_from_a_fresh_look(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    wait_until(lambda: sim.count("GET", "/v2/apps") >= 1, what="the first look")
    before = len(sim.requests)
    driver.command("status sample-golang", user="UALICE")
    answer = wait_response(slack, "• Live:")
    assert "sample-golang" in answer and "*ACTIVE*" in answer
    assert len(sim.requests) == before  # no DigitalOcean call: the look told it


def test_a_killed_look_taker_is_replaced_and_no_step_is_told_twice(
    bot_process: ProcessFactory, slack: FakeSlack, sim: Simulator, redis_url: str
) -> None:
    first = bot_process()
    wait_until(lambda: "fleet looks: this replica takes them now" in first.log(), what="a look")
    second = bot_process()
    driver = SlackDriver(bot_url=second.url, slack_url=slack.url, signing_secret=SIGNING_SECRET)
    card, _ = roll_back(driver, slack, until="*RUNNING*")
    assert first.proc is not None and _look_taker(redis_url).split(":")[1] == str(first.proc.pid)
    first.kill()
    wait_reply(slack, card.ts, LIVE, timeout=30)
    texts = [m.text for m in slack.thread(card.ts)]
    assert sum(LIVE in t for t in texts) == 1
    lines = [line for t in texts for line in step_lines(t)]
    assert Counter(lines).most_common(1)[0][1] == 1, lines  # no step line told twice
    assert len(lines) == sum(len(r) for r in EXPECTED_STEP_REPLIES)
    assert "fleet looks: this replica takes them now" in second.log()
    driver.close()


def _look_taker(redis_url: str) -> str:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return str(client.get(keys.lease(keys.FLEET_LOOK_LEASE)))
    finally:
        client.close()
