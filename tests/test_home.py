"""The App Home tab end to end: a signed ``app_home_opened`` in, ``views.publish`` out,
and clicks made on the tab acting on the card in its channel."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.requests import (
    TEST_TEAM,
    Actor,
    OnMessage,
    as_form,
    block_actions,
    button_action,
)
from bot.slack.blockkit import blocks
from tests.conftest import BotFactory
from tests.flow import (
    GOLANG_ID,
    ask_for_rollback,
    pinned,
    roll_back,
    rollback_posts,
    wait_reply,
)
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
    assert home_opened(driver, user).status_code == 200
    slack.wait_for(lambda: len(slack.calls_to("views.publish")) > before)
    home = slack.home(user)
    assert home is not None
    return home


def home_opened(driver: SlackDriver, user: str, *, tab: str = "home") -> httpx.Response:
    """Slack's Events API delivery of ``app_home_opened`` (JSON, signed like the rest)."""
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": TEST_TEAM.id,
            "api_app_id": TEST_TEAM.app_id,
            "token": TEST_TEAM.verification_token,
            "event_id": f"Ev{user}{time.time_ns()}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0001",
                "tab": tab,
                "event_ts": f"{time.time():.6f}",
            },
        }
    )
    return driver.post(body, headers={"content-type": "application/json"})


def click_on_home(driver: SlackDriver, home: View, key: str, *, user: str) -> None:
    """``user`` clicks the button ``key`` (action id:value) on their Home tab, as Slack
    sends it: the container is the view; no channel, no message, no response_url."""
    block_id, button = buttons(home)[key]
    payload = block_actions(
        TEST_TEAM,
        actor=Actor(user, user.lower()),
        channel_name="",
        message=OnMessage("", ""),
        action=button_action(button, block_id=block_id),
        response_url="",
        trigger_id="1.2.3",
    )
    for absent in ("channel", "message", "response_url"):
        del payload[absent]
    payload |= {"container": {"type": "view", "view_id": home["id"]}, "view": home}
    assert driver.post(as_form(payload)).status_code == 200


def card_edits(slack: FakeSlack, ts: str, needle: str) -> list[str]:
    return [
        str(c.args.get("text", ""))
        for c in slack.calls_to("chat.update")
        if c.args.get("ts") == ts and needle in str(c.args.get("text", "")) + str(c.args)
    ]


def test_home_lists_a_waiting_card_and_approving_there_starts_one_rollback(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(driver, slack)
    card_id = card.buttons()[blocks.APPROVE]
    home = open_home(driver, slack, "UBOB")
    assert f"{blocks.APPROVE}:{card_id}" in buttons(home)
    assert f"{blocks.CANCEL}:{card_id}" in buttons(home)
    assert "`sample-golang` →" in text(home) and "<@UALICE>" in text(home)

    responses = len(slack.response_texts())
    click_on_home(driver, home, f"{blocks.APPROVE}:{card_id}", user="UBOB")

    # The outcome is told on the tab, published again, at the top; the card is gone there.
    told = wait_home(slack, "UBOB", lambda v: "Rolling `sample-golang` back" in text(v))
    assert "Rolling `sample-golang` back" in told["blocks"][0]["text"]["text"]
    assert not [k for k in buttons(told) if k.startswith(blocks.APPROVE)]
    # The card in the channel is edited as for a click on it: approved, buttons gone.
    wait_reply(slack, card.ts, "is live on the rollback")
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    now = slack.message(card.ts)
    assert now.buttons() == {} and "Approved by <@UBOB>" in now.text
    assert len(card_edits(slack, card.ts, "Checking the app once more")) == 1
    assert len(slack.response_texts()) == responses  # no response_url to post to


def test_pinned_app_shows_its_age_and_commit_from_home_settles_it(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card, final = roll_back(driver, slack)
    deployment = final.buttons()[blocks.COMMIT]
    home = open_home(driver, slack, "UBOB")
    assert f"pinned to `{deployment[:8]}` for " in text(home)
    assert {f"{blocks.COMMIT}:{deployment}", f"{blocks.REVERT}:{deployment}"} <= buttons(
        home
    ).keys()
    assert "asked for `sample-golang`" not in text(home)  # UALICE asked; UBOB approved
    assert "<@UBOB> approved `sample-golang`" in text(home)

    click_on_home(driver, home, f"{blocks.COMMIT}:{deployment}", user="UBOB")
    wait_home(slack, "UBOB", lambda v: "Committed: `sample-golang`" in text(v))
    wait_reply(slack, card.ts, "Committed by <@UBOB>")
    assert not pinned(sim, GOLANG_ID)
    assert sim.count("POST", rf"/v2/apps/{GOLANG_ID}/rollback/commit") == 1
    # The thread's final reply loses its buttons, as when they are clicked there.
    slack.wait_for(lambda: not slack.message(final.ts).buttons())


def test_who_may_not_approve_sees_the_card_without_approve(
    start_bot: BotFactory, slack: FakeSlack
) -> None:
    driver = start_bot(rollback_approvers=("UBOB",))
    card = ask_for_rollback(driver, slack)
    card_id = card.buttons()[blocks.APPROVE]
    outsider = open_home(driver, slack, "UEVE")
    assert "`sample-golang` →" in text(outsider)
    assert buttons(outsider) == {}
    assert "Only approvers can approve it" in text(outsider)
    requester = open_home(driver, slack, "UALICE")
    assert buttons(requester).keys() == {f"{blocks.CANCEL}:{card_id}"}
    assert "someone else has to approve it" in text(requester)
    assert "<@UALICE> asked for `sample-golang`" in text(requester)


def test_a_refused_click_from_home_is_told_on_home_and_changes_nothing(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_approvers=("UBOB",))
    card = ask_for_rollback(driver, slack)
    card_id = card.buttons()[blocks.APPROVE]
    # UEVE got hold of an approver's tab (an old view, say) and clicks Approve there.
    approver_home = open_home(driver, slack, "UBOB")
    click_on_home(driver, approver_home, f"{blocks.APPROVE}:{card_id}", user="UEVE")
    told = wait_home(slack, "UEVE", lambda v: "not one of the approvers" in text(v))
    assert "not one of the approvers" in told["blocks"][0]["text"]["text"]
    assert rollback_posts(sim, GOLANG_ID) == []
    assert slack.message(card.ts).buttons().keys() == {blocks.APPROVE, blocks.CANCEL}


def test_empty_home_says_nothing_is_waiting(driver: SlackDriver, slack: FakeSlack) -> None:
    home = open_home(driver, slack, "UBOB")
    assert "Nothing waiting for approval." in text(home)
    assert "No rollback in flight." in text(home)
    assert buttons(home) == {}


def test_opening_the_messages_tab_publishes_nothing(driver: SlackDriver, slack: FakeSlack) -> None:
    assert home_opened(driver, "UBOB", tab="messages").status_code == 200
    open_home(driver, slack, "UBOB")  # queued after the first: it was looked at by now
    assert [c.args["user_id"] for c in slack.calls_to("views.publish")] == ["UBOB"]
