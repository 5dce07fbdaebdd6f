"""What DigitalOcean and Slack say that the bot must not trust: text that would ping or
link from the bot, text longer than Slack takes, answers missing their fields, channels the
bot may not post in, and a burst-limit 429. Every Slack call meets the stand-in's rules
(``bot.sandbox``), which refuse what Slack refuses."""

from __future__ import annotations

import json

import pytest

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import BOT_USER, FakeSlack
from tests.constants import DO_SPEED
from tests.flow import (
    GOLANG_ID,
    rollback_posts,
    told_once_in_order,
    wait_card,
    wait_reply,
    wait_response,
)
from tests.slack_driver import SlackDriver

DAY = 86400.0
HOSTILE = "<!channel> <https://x|y> & co"
SHOWN = "&lt;!channel&gt; &lt;https://x|y&gt; &amp; co"


def add_app(sim: Simulator, name: str, *, cause: str = "") -> str:
    now = sim.clock()
    app_id = sim.add_app(name, created=now - 30 * DAY)
    sim.add_deployment(app_id, phase="SUPERSEDED", created=now - 3 * DAY, cause=cause or None)
    sim.add_deployment(app_id, phase="ACTIVE", created=now - DAY)
    return app_id


def test_a_hostile_cause_pings_no_one_and_links_nowhere(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    add_app(sim, "hostile-app", cause=HOSTILE)
    driver.command("hostile-app", user="UALICE")
    card = wait_card(slack, "hostile-app")
    sent = json.dumps(card.blocks)
    assert SHOWN in sent
    assert "<!channel>" not in sent and "<https://x|y>" not in sent
    assert "<!channel>" not in card.text


def test_digitaloceans_long_and_hostile_words_still_make_a_card(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    # An app reached by id whose name is past a header's 150 characters, and a refusal
    # of 5,000 characters: Slack would answer invalid_blocks to either, raw.
    app_id = add_app(sim, "x" * 300)
    message = f"{HOSTILE} " + "because " * 625
    sim.inject(
        "POST",
        rf"/v2/apps/{app_id}/rollback/validate",
        status=200,
        body={"valid": False, "error": {"code": "incompatible_phase", "message": message}},
    )
    driver.command(app_id, user="UALICE")
    card = wait_card(slack, "x" * 90)
    assert card.buttons() == {}  # DigitalOcean said no: nothing to approve
    assert SHOWN in json.dumps(card.blocks) and "<!channel>" not in json.dumps(card.blocks)
    assert not [r for r in slack.refusals if r.method == "chat.postMessage"]
    answer = wait_response(slack, "cannot be rolled back")
    assert "<!channel>" not in answer and len(answer) <= 3000


def test_a_card_slack_refuses_is_not_left_waiting(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    # chat:write.public reaches public channels only: a private channel the bot is not
    # in answers channel_not_found.
    slack.add_channel("GPRIVATE", private=True, members={"UALICE", "UBOB"})
    driver.command("sample-golang", user="UALICE", channel="GPRIVATE")
    answer = wait_response(slack, "Invite @rollback-bot")
    assert "private channel or a direct message" in answer
    driver.command("status", user="UALICE", channel="CDEPLOY")
    wait_response(slack, "none waiting for approval")
    driver.command("audit sample-golang", user="UALICE", channel="CDEPLOY")
    wait_response(slack, "could not be posted (channel_not_found)")
    # Invited, it posts there.
    slack.add_channel("GPRIVATE", private=True, members={"UALICE", "UBOB", BOT_USER})
    driver.command("sample-golang", user="UALICE", channel="GPRIVATE")
    wait_card(slack, "sample-golang", channel="GPRIVATE")


DEPLOYMENT = rf"/v2/apps/{GOLANG_ID}/deployments/[^/]+"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # Looks at the fleet: how a rollback is followed.
        ("/v2/apps", {"apps": None}),
        ("/v2/apps", {}),
        ("/v2/apps", {"apps": "not a list"}),
        ("/v2/apps", {"apps": [{"id": GOLANG_ID, "pending_deployment": {"progress": 5}}]}),
        # The deployment itself, read by id where the list leaves its steps out.
        (DEPLOYMENT, {"deployment": {"phase": "BUILDING"}}),  # no id
        (DEPLOYMENT, {"deployment": None}),
        (DEPLOYMENT, {}),
        (DEPLOYMENT, {"deployment": {"id": "x", "progress": {"steps": "not a list"}}}),
    ],
)
def test_unreadable_answers_mid_rollback_are_waited_out(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator, path: str, body: dict[str, object]
) -> None:
    sim.list_omits_progress = path == DEPLOYMENT
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    sim.inject("GET", path, status=200, body=body, times=6)
    driver.press(card, "rollback_approve", user="UBOB")
    wait_reply(slack, card.ts, "is live on the rollback", timeout=20)
    texts = [m.text for m in slack.thread(card.ts)]
    assert len(texts) == len(set(texts)), texts
    assert sum("is live on the rollback" in t for t in texts) == 1
    told_once_in_order(texts)
    assert sim.faults.pending() == 0


def test_a_burst_429_costs_the_rollback_about_its_retry_after(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    # DigitalOcean's ratelimit-reset is the oldest request of the hour: one 429 once made
    # every replica wait for it, and the thread stopped after "Rollback started".
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    sim.inject("GET", "/v2/apps", status=429, retry_after=1)
    driver.press(card, "rollback_approve", user="UBOB")
    wait_reply(slack, card.ts, "is live on the rollback", timeout=15)
    polls = [r for r in sim.requests if r.method == "GET" and r.path == "/v2/apps"]
    refused = next(i for i, r in enumerate(polls) if r.status == 429)
    # The next poll came a second of real time later (the simulator's clock runs
    # DO_SPEED times faster), not at ratelimit-reset, an hour on.
    gap = polls[refused + 1].at - polls[refused].at
    assert 1.0 <= gap / DO_SPEED < 3.0
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
