"""What a person does on the App Home tab, and what it shows: the tab opened, its buttons
and text, a click on it as Slack sends one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from bot.sandbox.slack import view_payloads as payloads
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.requests import TEST_TEAM, Actor, as_form, button_action
from tests.slack_driver import SlackDriver

View = dict[str, Any]


def buttons(view: View) -> dict[str, tuple[str, dict[str, Any]]]:
    """The view's buttons by (action id, value): (block id, the button)."""
    return {
        f"{e['action_id']}:{e['value']}": (b["block_id"], e)
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def text(view: View) -> str:
    return "\n".join(
        str(b.get("text", {}).get("text", "")) or str(b.get("elements", "")) for b in view["blocks"]
    )


def wait_home(slack: FakeSlack, user: str, accepts: Callable[[View], bool]) -> View:
    def probe() -> View | None:
        home = slack.home(user)
        return home if home is not None and accepts(home) else None

    return slack.wait_for(probe)


def open_home(driver: SlackDriver, slack: FakeSlack, user: str) -> View:
    """``user`` opens the Home tab: the view the bot publishes (a new one each time)."""
    before = len(slack.calls_to("views.publish"))
    assert driver.home_opened(user, view=slack.home(user)).status_code == 200
    slack.wait_for(lambda: len(slack.calls_to("views.publish")) > before)
    home = slack.home(user)
    assert home is not None
    return home


def messages_opened(driver: SlackDriver, user: str) -> httpx.Response:
    """``user`` opens the App Home's Messages tab: the same event, ``tab`` "messages"."""
    event = payloads.app_home_opened(user=user, channel=f"D{user}") | {"tab": "messages"}
    return driver.post_json(payloads.event_callback(TEST_TEAM, event, event_id=f"Ev{user}m"))


def click_on_home(driver: SlackDriver, home: View, key: str, *, user: str) -> None:
    """``user`` clicks the button ``key`` (action id:value) on their Home tab, as Slack
    sends it: the container is the view; no channel, no message, no response_url."""
    block_id, button = buttons(home)[key]
    payload = payloads.view_action(
        TEST_TEAM,
        actor=Actor(user, user.lower()),
        view=home,
        action=button_action(button, block_id=block_id),
        trigger_id=driver.trigger(user),
    )
    assert driver.post(as_form(payload)).status_code == 200


def card_edits(slack: FakeSlack, ts: str, needle: str) -> list[object]:
    """The ``chat.update`` calls on message ``ts`` that say ``needle`` (text or blocks)."""
    return [
        c for c in slack.calls_to("chat.update") if c.args.get("ts") == ts and needle in str(c.args)
    ]
