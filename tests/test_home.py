"""The App Home tab end to end: a signed ``app_home_opened`` in, ``views.publish`` out,
and clicks made on the tab acting on the card in its channel."""

from __future__ import annotations

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from bot.slack.blockkit import blocks
from tests.conftest import BotFactory
from tests.flow import (
    GOLANG_ID,
    ask_for_rollback,
    pinned,
    roll_back,
    rollback_posts,
    wait_reply,
    wait_response,
)
from tests.home_tab import (
    buttons,
    card_edits,
    click_on_home,
    messages_opened,
    open_home,
    text,
    wait_home,
)
from tests.slack_driver import SlackDriver


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
    assert len(slack.response_texts()) == responses  # no response_url to post to
    # A click on the card as it was before (another approver, same moment) loses.
    driver.press(card, blocks.APPROVE, user="UCAROL")
    wait_response(slack, "This card was already approved by <@UBOB>")
    # The card in the channel is edited as for a click on it: approved, buttons gone.
    wait_reply(slack, card.ts, "is live on the rollback")
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    now = slack.message(card.ts)
    assert now.buttons() == {} and "Approved by <@UBOB>" in now.text
    assert len(card_edits(slack, card.ts, "Checking the app once more")) == 1


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
    assert messages_opened(driver, "UBOB").status_code == 200
    open_home(driver, slack, "UBOB")  # queued after the first: it was looked at by now
    assert [c.args["user_id"] for c in slack.calls_to("views.publish")] == ["UBOB"]
