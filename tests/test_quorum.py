"""Issue 18, quorum: an app whose rule needs two approvals, end to end. Two different
people (never the requester) must approve; the second approval starts the rollback,
exactly once, and a cancel or an expiry in between wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack, Message
from tests.conftest import BotFactory
from tests.flow import (
    GOLANG_ID,
    LIVE,
    approve_at_once,
    ask_for_rollback,
    rollback_posts,
    wait_reply,
    wait_response,
)
from tests.home_tab import buttons, open_home, text
from tests.slack_driver import SlackDriver

APPROVE = "rollback_approve"
# DESIGN.md's shape: the app needs two approvals of anyone but the requester.
POLICY = "defaults: {approvals: 1}\napps:\n  sample-golang: {approvals: 2}\n"


@pytest.fixture
def quorum_bot(start_bot: BotFactory, tmp_path: Path) -> SlackDriver:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    return start_bot(rollback_policy_file=str(path))


def approve_once(driver: SlackDriver, slack: FakeSlack, card: Message, user: str) -> None:
    """``user`` gives the first of the two approvals."""
    said = "Approved (1 of 2); the card waits for one more approver."
    before = slack.response_texts().count(said)
    driver.press(card, APPROVE, user=user)
    slack.wait_for(lambda: slack.response_texts().count(said) > before)
    slack.wait_for(lambda: f"1 of 2 approvals — <@{user}>" in str(slack.message(card.ts).blocks))


def test_two_different_approvers_start_one_rollback(
    quorum_bot: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(quorum_bot, slack)
    assert "needs 2 approvals" in str(card.blocks)
    quorum_bot.press(card, APPROVE, user="UALICE")
    wait_response(slack, "You asked for this rollback, so someone else has to approve it.")
    approve_once(quorum_bot, slack, card, "UBOB")
    assert APPROVE in slack.message(card.ts).buttons()  # still open for the second
    quorum_bot.press(card, APPROVE, user="UBOB")
    wait_response(slack, "You already approved; it needs one more approver.")
    assert rollback_posts(sim, GOLANG_ID) == []
    quorum_bot.command("status")
    waiting = wait_response(slack, "Waiting for approval")
    assert "1 of 2 approvals — <@UBOB>" in waiting
    quorum_bot.press(card, APPROVE, user="UCAROL")
    wait_reply(slack, card.ts, LIVE)
    assert "Approved by <@UBOB> and <@UCAROL>" in slack.message(card.ts).text
    # The thread names both approvers too (pin reminders and Home read the same record).
    assert slack.thread(card.ts)[0].text.startswith("Rollback started by <@UBOB> and <@UCAROL>")
    assert slack.message(card.ts).buttons() == {}
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    quorum_bot.command("audit sample-golang")
    trail = wait_response(slack, "Audit trail of `sample-golang`")
    approvals = [line for line in trail.splitlines() if "`approved`" in line]
    assert len(approvals) == 2  # newest first, each with its place in the quorum
    assert "by <@UCAROL>" in approvals[0] and approvals[0].endswith("— 2 of 2")
    assert "by <@UBOB>" in approvals[1] and approvals[1].endswith("— 1 of 2")


def test_twenty_concurrent_second_approvals_start_one_rollback(
    quorum_bot: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(quorum_bot, slack)
    approve_once(quorum_bot, slack, card, "UBOB")
    assert approve_at_once(quorum_bot, slack, card, 20) == [200] * 20
    wait_reply(slack, card.ts, LIVE)
    slack.wait_for(lambda: sum("already approved" in t for t in slack.response_texts()) == 19)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    assert sum("Rollback started" in m.text for m in slack.thread(card.ts)) == 1
    assert "Approved by <@UBOB> and <@UAPPROVER" in slack.message(card.ts).text


def test_a_cancel_after_one_approval_wins(
    quorum_bot: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(quorum_bot, slack)
    approve_once(quorum_bot, slack, card, "UBOB")
    quorum_bot.press(card, "rollback_cancel", user="UALICE")
    wait_response(slack, "Cancelled; nothing was changed.")
    quorum_bot.press(card, APPROVE, user="UCAROL")
    wait_response(slack, "This card was already cancelled by <@UALICE>.")
    assert "Cancelled by <@UALICE>" in slack.message(card.ts).text
    assert slack.message(card.ts).buttons() == {}
    assert rollback_posts(sim, GOLANG_ID) == []


def test_an_expiry_after_one_approval_wins(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    driver = start_bot(rollback_policy_file=str(path), rollback_confirm_ttl=2)
    card = ask_for_rollback(driver, slack)
    approve_once(driver, slack, card, "UBOB")
    slack.wait_for(lambda: "Expired" in slack.message(card.ts).text, timeout=15)
    driver.press(card, APPROVE, user="UCAROL")
    wait_response(slack, "This card has expired")
    assert rollback_posts(sim, GOLANG_ID) == []


def test_home_shows_the_tally_and_no_approve_to_who_approved(
    quorum_bot: SlackDriver, slack: FakeSlack
) -> None:
    card = ask_for_rollback(quorum_bot, slack)
    approve_once(quorum_bot, slack, card, "UBOB")
    approve_key = f"{APPROVE}:{card.buttons()[APPROVE]}"
    bob = open_home(quorum_bot, slack, "UBOB")
    assert "1 of 2 approvals — <@UBOB>" in text(bob)
    assert "You approved it; it waits for one more approver." in text(bob)
    assert approve_key not in buttons(bob)
    carol = open_home(quorum_bot, slack, "UCAROL")
    assert "1 of 2 approvals — <@UBOB>" in text(carol)
    assert approve_key in buttons(carol)


def test_an_approval_that_started_nothing_forgets_every_approval(
    quorum_bot: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(quorum_bot, slack)
    approve_once(quorum_bot, slack, card, "UBOB")
    # DigitalOcean cannot be read when the app is checked once more: nothing started.
    sim.inject("GET", rf"/v2/apps/{GOLANG_ID}", status=503, times=None)
    quorum_bot.press(card, APPROVE, user="UCAROL")
    slack.wait_for(lambda: "Approve again in a moment" in str(slack.message(card.ts).blocks))
    sim.faults.clear()
    assert APPROVE in slack.message(card.ts).buttons()
    assert "1 of 2" not in str(slack.message(card.ts).blocks)
    # The card starts over: UBOB's approval counts once more, and is not enough alone.
    approve_once(quorum_bot, slack, card, "UBOB")
    assert rollback_posts(sim, GOLANG_ID) == []
    quorum_bot.press(card, APPROVE, user="UCAROL")
    wait_reply(slack, card.ts, LIVE)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1


def test_twenty_concurrent_first_approvals_count_one_and_decide_once(
    quorum_bot: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(quorum_bot, slack)
    assert approve_at_once(quorum_bot, slack, card, 20) == [200] * 20
    wait_reply(slack, card.ts, LIVE)

    def told(needle: str) -> int:
        return sum(needle in t for t in slack.response_texts())

    slack.wait_for(lambda: told("Approved (1 of 2)") + told("already approved") == 19)
    assert (told("Approved (1 of 2)"), told("Rolling `sample-golang` back")) == (1, 1)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    # Every click is answered after its edits: the counted approval's edit did not bring
    # the buttons back on the decided card.
    assert slack.message(card.ts).buttons() == {}
    assert "Approved by <@UAPPROVER" in slack.message(card.ts).text


def test_a_tally_edit_overtaken_by_the_decision_does_not_reopen_the_card(
    quorum_bot: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(quorum_bot, slack)
    slow = slack.delay("chat.update")  # UBOB's "1 of 2" edit is slow to reach Slack
    quorum_bot.press(card, APPROVE, user="UBOB")
    assert slow.arrived.wait(10)  # counted: the card is edited after the approval
    quorum_bot.press(card, APPROVE, user="UCAROL")
    wait_reply(slack, card.ts, "verified:")  # the rollback's last edit of the card is made
    slow.release.set()  # the tally edit lands last, with the buttons
    wait_response(slack, "Approved (1 of 2)")
    assert slack.message(card.ts).buttons() == {}
    assert "Approved by <@UBOB> and <@UCAROL>" in slack.message(card.ts).text
    assert "verified" in slack.message(card.ts).text
