"""The rollback modal end to end, as a new user meets it: signed ``slash command``,
``shortcut``, ``block_suggestion``, ``block_actions`` and ``view_submission`` payloads into
the bot, ``views.open`` / ``views.update`` answered by the Slack stand-in, the simulator's
fleet behind the menus."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.surfaces import trigger_id
from tests.conftest import BotFactory
from tests.flow import GOLANG_ID, GOLANG_TARGET, wait_card, wait_reply, wait_response
from tests.slack_driver import SlackDriver, command_fields
from tests.waiting import wait_until

INCIDENT = "https://status.example.com/incidents/42"


def is_form(view: dict[str, Any]) -> bool:
    return view.get("callback_id") == "rollback_request" and bool(view.get("submit"))


def open_form(driver: SlackDriver, slack: FakeSlack, text: str = "") -> dict[str, Any]:
    answer = driver.command(text)
    assert answer.status_code == 200
    return slack.wait_view(is_form)


def options(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["options"]
    return found


def offered_apps(
    driver: SlackDriver, slack: FakeSlack, view: dict[str, Any], typed: str
) -> list[str]:
    """The app menu's options for ``typed``, once the fleet has been looked at."""

    names: list[str] = []

    def listed() -> bool:
        # Polled: the bot answers the menu without calling Slack, so nothing would wake a
        # wait on the stand-in.
        names[:] = [o["text"]["text"] for o in options(driver.suggest(view, "modal_app", typed))]
        return not any("(look it up)" in n for n in names)

    wait_until(listed, what="the fleet's apps in the menu")
    return names


def pick_app(
    driver: SlackDriver, slack: FakeSlack, view: dict[str, Any], typed: str
) -> dict[str, Any]:
    """Type ``typed``, pick the first app offered: the form as the bot updated it."""
    offered_apps(driver, slack, view, typed)
    option = next(
        o
        for o in options(driver.suggest(view, "modal_app", typed))
        if "look it up" not in o["text"]["text"]
    )
    assert driver.select(view, "modal_app", option).status_code == 200
    return slack.wait_view(
        lambda v: (
            is_form(v)
            and any(b.get("block_id") == f"target:{option['value']}" for b in v["blocks"])
        )
    )


def errors(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["response_action"] == "errors", body
    found: dict[str, str] = body["errors"]
    return found


def test_slash_rollback_alone_opens_the_form_and_the_menus_offer_app_then_deployments(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_fleet_interval=0.2)
    view = open_form(driver, slack)
    assert "sample-golang" in offered_apps(driver, slack, view, "gol")
    view = pick_app(driver, slack, view, "gol")
    targets = options(driver.suggest(view, "modal_target", ""))
    assert targets[0]["value"] == GOLANG_TARGET and "(last good)" in targets[0]["text"]["text"]
    phases = {d["id"]: d["phase"] for d in sim.list_deployments(GOLANG_ID)}
    assert all(phases[o["value"]] == "SUPERSEDED" for o in targets)  # never ERROR / CANCELED


def test_a_valid_form_posts_a_card_with_the_reason_the_incident_and_see_changes(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_fleet_interval=0.2, rollback_require_reason=True)
    view = pick_app(driver, slack, open_form(driver, slack), "sample-golang")
    answer = driver.submit(
        view, {"modal_reason": "checkout 500s since 14:02", "modal_incident": INCIDENT}
    )
    assert answer.status_code == 200 and answer.text in ("", "{}"), answer.text  # closes the form
    card = wait_card(slack, "sample-golang")
    assert "*Reason:* checkout 500s since 14:02" in str(card.blocks)
    assert f"<{INCIDENT}|" in str(card.blocks)
    app: Any = sim.get_app(GOLANG_ID)
    live = app["active_deployment"]["services"][0]["source_commit_hash"]
    target: Any = next(d for d in sim.list_deployments(GOLANG_ID) if d["id"] == GOLANG_TARGET)
    old = target["services"][0]["source_commit_hash"]
    assert f"github.com/digitalocean/sample-golang/compare/{old}...{live}" in str(card.blocks)
    driver.press(card, "rollback_approve", user="UBOB")
    first = wait_reply(slack, card.ts, "Rollback started")
    assert "*Reason:* checkout 500s since 14:02" in first.text and INCIDENT in first.text
    trail = driver.command("audit sample-golang")
    assert trail.status_code == 200
    said = wait_response(slack, "Audit trail of")
    assert "`requested`" in said and "*Reason:* checkout 500s since 14:02" in said
    assert f"<{INCIDENT}|" in said


def test_a_required_reason_left_empty_marks_the_reason_field(
    start_bot: BotFactory, slack: FakeSlack
) -> None:
    driver = start_bot(rollback_require_reason=True)
    # With a reason required, /rollback <app> opens the form with the app chosen.
    view = open_form(driver, slack, "sample-golang")
    app_block = next(b for b in view["blocks"] if b.get("block_id") == "app")
    assert app_block["element"]["initial_option"]["value"] == "sample-golang"
    found = errors(driver.submit(view, {"modal_incident": "http://not-https.example"}))
    assert set(found) == {"reason", "incident"}
    assert not [m for m in slack.top_level("CDEPLOY") if m.text.startswith("Rollback ")]


def test_a_pinned_app_marks_the_app_field_with_digitaloceans_reason(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    sim.create_rollback(GOLANG_ID, {"deployment_id": GOLANG_TARGET})
    driver = start_bot()
    view = open_form(driver, slack, "")
    found = errors(
        driver.submit(
            view,
            {
                "modal_app": {
                    "text": {"type": "plain_text", "text": "sample-golang"},
                    "value": GOLANG_ID,
                }
            },
        )
    )
    assert list(found) == ["app"]
    assert "pinned to rollback deployment" in found["app"]  # DigitalOcean's words (app_pinned)
    assert not [m for m in slack.top_level("CDEPLOY") if m.text.startswith("Rollback ")]


def test_the_shortcut_asks_for_the_channel_and_the_card_goes_there(
    start_bot: BotFactory, slack: FakeSlack
) -> None:
    driver = start_bot(rollback_fleet_interval=0.2)
    assert driver.shortcut("rollback_open", user="UALICE").status_code == 200
    view = slack.wait_view(lambda v: is_form(v) and v["blocks"][0].get("block_id") == "channel")
    view = pick_app(driver, slack, view, "sample-golang")
    found = errors(driver.submit(view, {}))
    assert set(found) == {"channel"}  # none chosen, and no rule gives the app a channel
    assert driver.submit(view, {"modal_channel": "CDEPLOY"}).status_code == 200
    wait_card(slack, "sample-golang", channel="CDEPLOY")


def test_the_shortcuts_card_goes_to_the_apps_channel_when_none_is_chosen(
    start_bot: BotFactory, slack: FakeSlack
) -> None:
    rules = {"CDEPLOY": ["*"], "COPS": ["sample-golang"]}
    slack.add_channel("COPS")
    driver = start_bot(rollback_fleet_interval=0.2, rollback_channels=rules)
    assert driver.shortcut("rollback_open", user="UALICE").status_code == 200
    view = slack.wait_view(lambda v: is_form(v) and v["blocks"][0].get("block_id") == "channel")
    view = pick_app(driver, slack, view, "sample-golang")
    assert driver.submit(view, {}).status_code == 200
    wait_card(slack, "sample-golang", channel="COPS")


def test_a_slow_digitalocean_keeps_the_form_open_and_then_shows_how_it_ended(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_fleet_interval=0.2)
    view = pick_app(driver, slack, open_form(driver, slack), "sample-golang")
    sim.inject("POST", f"/v2/apps/{GOLANG_ID}/rollback/validate", status=None, delay=3.0)
    answer = driver.submit(view, {"modal_reason": "slow day"})
    assert answer.json()["response_action"] == "update"  # answered inside Slack's 3 s
    assert "Checking with DigitalOcean" in str(answer.json()["view"])
    ended = slack.wait_view(lambda v: v["id"] == view["id"] and "Posted a rollback card" in str(v))
    assert not ended.get("submit")  # how it ended, nothing left to submit
    card = wait_card(slack, "sample-golang")
    assert "*Reason:* slow day" in str(card.blocks)


def test_a_card_slack_will_not_post_is_refused_under_the_channel_field(
    start_bot: BotFactory, slack: FakeSlack
) -> None:
    slack.add_channel("C0PRIV", private=True, members={"UALICE"})  # the bot is not in it
    driver = start_bot(rollback_fleet_interval=0.2)
    assert driver.shortcut("rollback_open", user="UALICE").status_code == 200
    view = slack.wait_view(lambda v: is_form(v) and v["blocks"][0].get("block_id") == "channel")
    view = pick_app(driver, slack, view, "sample-golang")
    found = errors(driver.submit(view, {"modal_channel": "C0PRIV"}))
    assert list(found) == ["channel"] and "Invite @rollback-bot" in found["channel"]


def test_a_form_slack_will_not_open_is_told_in_one_sentence(
    start_bot: BotFactory, slack: FakeSlack
) -> None:
    driver = start_bot()
    stale = trigger_id(99_001, time.time() - 60)  # the command reached the bot too late
    fields = command_fields(
        "", user="UALICE", channel="CDEPLOY", response_url=driver.response_url(), trigger_id=stale
    )
    assert driver.post(urlencode(fields)).status_code == 200
    said = wait_response(slack, "The rollback form could not be opened")
    assert "expired_trigger_id" in said and "/rollback <app>" in said
    assert slack.open_view() is None
