"""Who may roll back what, decided exactly once, with an audit trail (issue 3)."""

from __future__ import annotations

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from tests.conftest import BotFactory
from tests.flow import (
    GOLANG_ID,
    GOLANG_TARGET,
    approve_at_once,
    rollback_posts,
    wait_card,
    wait_reply,
    wait_response,
)
from tests.slack_driver import SlackDriver


def test_only_listed_approvers_may_approve(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_approvers=("UBOB",))
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    driver.press(card, "rollback_approve", user="UMALLORY")
    text = wait_response(slack, "not one of the approvers")
    assert "<@UBOB>" in text
    assert "rollback_approve" in slack.message(card.ts).buttons()  # still pending
    driver.press(card, "rollback_approve", user="UBOB")
    wait_reply(slack, card.ts, "is live on the rollback")
    assert len(rollback_posts(sim, GOLANG_ID)) == 1


def test_user_group_approvers_are_resolved_and_cached(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    slack.groups["SONCALL"] = ["UCAROL", "UDAVE"]
    driver = start_bot(rollback_approvers=("SONCALL",))
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    driver.press(card, "rollback_approve", user="UBOB")
    wait_response(slack, "not one of the approvers")
    driver.press(card, "rollback_cancel", user="UBOB")
    wait_response(slack, "Only the requester or an approver can cancel")
    driver.press(card, "rollback_approve", user="UCAROL")
    wait_reply(slack, card.ts, "is live on the rollback")
    assert len(slack.calls_to("usergroups.users.list")) == 1  # cached in Redis
    assert len(rollback_posts(sim, GOLANG_ID)) == 1


def test_self_approval_can_be_allowed(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_allow_self_approval=True)
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    driver.press(card, "rollback_approve", user="UALICE")
    wait_reply(slack, card.ts, "is live on the rollback")


def test_commit_needs_an_approver(start_bot: BotFactory, slack: FakeSlack, sim: Simulator) -> None:
    driver = start_bot(rollback_approvers=("UBOB",))
    driver.command("commit sample-pinned", user="UMALLORY")
    wait_response(slack, "Only the person who asked for this rollback or an approver can commit it")
    assert sim.count("POST", r".*/rollback/commit") == 0
    driver.command("commit sample-pinned", user="UBOB")
    wait_response(slack, "Committed: `sample-pinned`")


def test_command_from_a_channel_that_is_not_allowed_changes_nothing(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_channels={"CDEPLOY": ("sample-golang",), "COPS": ("*",)})
    ack = driver.command("sample-golang", channel="CRANDOM")
    assert ack.status_code == 200
    assert "not enabled in this channel" in ack.json()["text"]
    driver.command("sample-warn", channel="CDEPLOY")
    wait_response(slack, "`sample-warn` cannot be rolled back from this channel.")
    assert slack.top_level() == []
    assert sim.count("POST", r".*") == 0
    driver.command("sample-warn", channel="COPS")
    wait_card(slack, "sample-warn", channel="COPS")


def test_card_goes_stale_when_the_live_deployment_changes(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    # Someone rolls the app back behind the bot's back, and it goes live.
    sim.create_rollback(GOLANG_ID, {"deployment_id": GOLANG_TARGET})
    sim.fast_forward(GOLANG_ID)
    driver.press(card, "rollback_approve", user="UBOB")
    text = wait_response(slack, "No rollback was started")
    assert "live deployment changed" in text
    slack.wait_for(lambda: "not rolled back" in slack.message(card.ts).text)
    assert slack.message(card.ts).buttons() == {}
    assert rollback_posts(sim, GOLANG_ID) == []  # the bot sent none


def test_second_card_for_an_app_in_flight_cannot_start(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    driver.command("sample-golang", user="UALICE")
    first = wait_card(slack, "sample-golang")
    driver.command("sample-golang", user="UCAROL")
    slack.wait_for(lambda: len(slack.top_level()) == 2)
    second = slack.top_level()[1]
    driver.press(first, "rollback_approve", user="UBOB")
    wait_reply(slack, first.ts, "Rollback started")
    driver.press(second, "rollback_approve", user="UBOB")
    text = wait_response(slack, "No rollback was started")
    assert "in progress" in text or "in flight" in text or "pinned" in text
    wait_reply(slack, first.ts, "is live on the rollback")
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    # A new request while the app is pinned gets a card without Approve.
    driver.command("sample-golang", user="UALICE")
    slack.wait_for(lambda: len(slack.top_level()) == 3)
    third = slack.top_level()[2]
    assert "rollback_approve" not in third.buttons()
    assert "pinned" in str(third.blocks)


def test_twenty_simultaneous_clicks_start_one_rollback(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    assert approve_at_once(driver, slack, card, 20) == [200] * 20
    wait_reply(slack, card.ts, "is live on the rollback")
    slack.wait_for(lambda: sum("already approved" in t for t in slack.response_texts()) == 19)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    assert sum("Rollback started" in m.text for m in slack.thread(card.ts)) == 1


def test_two_replicas_and_slack_retries_make_one_rollback(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    one, two = start_bot(), start_bot()
    body = one.command_body("sample-golang", user="UALICE")
    assert one.post(body).status_code == 200
    # Slack's retry of the same command reaches the other replica.
    retried = two.post(body, headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "timeout"})
    assert retried.status_code == 200
    card = wait_card(slack, "sample-golang")
    for replica in (one, two, one, two):
        replica.press(card, "rollback_approve", user="UBOB")
    wait_reply(slack, card.ts, "is live on the rollback")
    wait_reply(slack, card.ts, "verified:")
    assert len(slack.top_level()) == 1
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    texts = [m.text for m in slack.thread(card.ts)]
    # No step (nor its health) posted twice by the two replicas.
    assert len(texts) == len(set(texts)) == 11


def test_unclicked_card_expires_and_says_so(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_confirm_ttl=1)
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    slack.wait_for(lambda: "Expired" in slack.message(card.ts).text, timeout=15)
    assert slack.message(card.ts).buttons() == {}
    driver.press(card, "rollback_approve", user="UBOB")
    wait_response(slack, "This card has expired")
    assert rollback_posts(sim, GOLANG_ID) == []
    driver.command("audit sample-golang")
    trail = wait_response(slack, "Audit trail of `sample-golang`")
    assert "`expired`" in trail and "`requested`" in trail


def test_audit_lists_what_happened(driver: SlackDriver, slack: FakeSlack) -> None:
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    driver.press(card, "rollback_approve", user="UALICE")  # refused: self-approval
    wait_response(slack, "someone else has to approve")
    driver.press(card, "rollback_approve", user="UBOB")
    final = wait_reply(slack, card.ts, "is live on the rollback")
    wait_reply(slack, card.ts, "verified: web 1/1 ready, healthy")
    driver.press(final, "rollback_commit", user="UBOB")
    wait_reply(slack, card.ts, "Committed by")
    driver.command("audit")
    trail = wait_response(slack, "*Audit trail*")
    events = [line.split("`")[1] for line in trail.splitlines()[1:]]
    expected = ["committed", "health", "succeeded", "started", "approved", "refused", "requested"]
    assert events == expected
    assert "by <@UBOB>" in trail.splitlines()[1]


def test_a_card_approved_while_it_is_being_posted_is_not_listed_as_waiting(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot()
    posted = slack.hold("chat.postMessage")  # the card reaches Slack; its answer is slow
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    driver.press(card, "rollback_approve", user="UBOB")
    slack.wait_for(lambda: rollback_posts(sim, GOLANG_ID))
    posted.set()
    wait_reply(slack, card.ts, "is live on the rollback")
    driver.command("status")
    overview = wait_response(slack, "in flight")
    assert "Waiting for approval" not in overview
