"""Rollbacks made outside the bot (issue 17, part 4): announced in the app's channel once
however many replicas run, narrated like the bot's own, and their buttons ended by a
commit made outside the bot."""

from __future__ import annotations

import time

import httpx

from bot.digitalocean.models import App, Deployment
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack, Message
from bot.slack.blockkit import pin_replies
from bot.slack.blockkit.blocks import COMMIT, REVERT
from tests.conftest import DO_TOKEN, BotFactory
from tests.flow import GOLANG_ID, GOLANG_TARGET, LIVE, pinned, told_once_in_order, wait_reply
from tests.waiting import wait_until

FLEET_INTERVAL = 1.0
OUTSIDE = "outside the bot"


def _api(sim_url: str, path: str, body: object | None = None) -> httpx.Response:
    """DigitalOcean's API as doctl or the control panel calls it: no bot involved."""
    headers = {"Authorization": f"Bearer {DO_TOKEN}"}
    response = httpx.post(f"{sim_url}{path}", json=body, headers=headers, timeout=10)
    response.raise_for_status()
    return response


def _announcements(slack: FakeSlack, channel: str) -> list[Message]:
    return [m for m in slack.top_level(channel) if OUTSIDE in m.text]


def test_a_rollback_made_through_the_api_carries_its_type(sim: Simulator) -> None:
    made = sim.create_rollback(GOLANG_ID, {"deployment_id": GOLANG_TARGET})
    deployment = Deployment.model_validate(made)
    assert deployment.rollback_type == "MANUAL_ROLLBACK"
    assert deployment.cloned_from == GOLANG_TARGET
    listed = sim.get_app(GOLANG_ID)["pinned_deployment"]
    assert Deployment.model_validate(listed).rollback_type == "MANUAL_ROLLBACK"


def test_the_announcement_escapes_what_digitalocean_says_and_names_an_automatic_one() -> None:
    app = App.model_validate({"id": "a1", "spec": {"name": "checkout-api"}})
    made = {
        "id": "d-rollback-1",
        "cloned_from": "d-target-22",
        "cause_details": {
            "type": "MANUAL_ROLLBACK",
            "digitalocean_user_action": {
                "name": "ROLLBACK_APP",
                "user": {"full_name": "<!channel> Eve & co", "email": "eve@example.com"},
            },
        },
    }
    text = pin_replies.elsewhere(app, Deployment.model_validate(made)).text
    assert "&lt;!channel&gt; Eve &amp; co rolled back `checkout-api`" in text
    assert "<!channel>" not in text
    automatic = {**made, "cause_details": {"type": "AUTO_ROLLBACK"}}
    text = pin_replies.elsewhere(app, Deployment.model_validate(automatic)).text
    assert text.startswith("↩️ DigitalOcean rolled back `checkout-api` to deployment")
    nobody = Deployment.model_validate({"id": "d2", "cause_details": None})
    assert (
        nobody.rollback_type == ""
        and "Someone rolled back" in pin_replies.elsewhere(app, nobody).text
    )


def test_a_rollback_made_elsewhere_is_announced_once_narrated_and_ended_by_a_commit(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, sim_url: str
) -> None:
    settings = {
        "rollback_fleet_interval": FLEET_INTERVAL,
        "rollback_channels": '{"COPS": ["sample-golang"]}',
        "rollback_notify_channel": "CDEPLOY",
        "rollback_pin_reminders": "",
    }
    start_bot(**settings)
    start_bot(**settings)  # a second replica: still one announcement
    wait_until(lambda: sim.count("GET", "/v2/apps") >= 1, what="a first look")
    made = _api(sim_url, f"/v2/apps/{GOLANG_ID}/rollback", {"deployment_id": GOLANG_TARGET})
    rollback_id = made.json()["deployment"]["id"]
    asked = time.monotonic()
    announcement = slack.wait_for(lambda: next(iter(_announcements(slack, "COPS")), None))
    # Within one fleet interval (and the time it takes to look and to post).
    assert time.monotonic() - asked < FLEET_INTERVAL + 1.0
    assert "`sample-golang`" in announcement.text and rollback_id[:8] in announcement.text
    live = wait_reply(slack, announcement.ts, LIVE)
    assert set(live.buttons()) == {COMMIT, REVERT}
    assert live.buttons()[COMMIT] == rollback_id
    texts = [m.text for m in slack.thread(announcement.ts)]
    told_once_in_order(texts[:-1])
    assert len(_announcements(slack, "COPS")) == 1
    # ROLLBACK_CHANNELS names the app's channel; the notify channel has the others (the
    # sample app pinned before the bot started, say).
    elsewhere = [m.text for m in _announcements(slack, "CDEPLOY")]
    assert elsewhere and not any("`sample-golang`" in t for t in elsewhere)

    _api(sim_url, f"/v2/apps/{GOLANG_ID}/rollback/commit")
    ended = slack.wait_for(
        lambda: next(
            (m for m in slack.thread(announcement.ts) if m.ts == live.ts and not m.buttons()),
            None,
        )
    )
    assert "Committed in the control panel" in str(ended.blocks)
    assert len(_announcements(slack, "COPS")) == 1


def test_a_revert_made_outside_the_bot_ends_the_buttons_saying_so(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, sim_url: str
) -> None:
    start_bot(rollback_fleet_interval=FLEET_INTERVAL, rollback_notify_channel="COPS")
    _api(sim_url, f"/v2/apps/{GOLANG_ID}/rollback", {"deployment_id": GOLANG_TARGET})
    announcement = slack.wait_for(
        lambda: next((m for m in _announcements(slack, "COPS") if "sample-golang" in m.text), None)
    )
    live = wait_reply(slack, announcement.ts, LIVE)
    _api(sim_url, f"/v2/apps/{GOLANG_ID}/rollback/revert")
    ended = slack.wait_for(
        lambda: next(
            (m for m in slack.thread(announcement.ts) if m.ts == live.ts and not m.buttons()),
            None,
        )
    )
    assert "Reverted in the control panel" in str(ended.blocks)
    assert not pinned(sim, GOLANG_ID)
