"""Break-glass (issue 18) end to end against the stand-ins: a break-glass approver
approves their own request alone with a reason, the card says so loudly, and a review
stays open in the thread and in `/rollback status` until another approver acknowledges it,
reminded once at each step across two replicas; it blocks nothing meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack, Message
from bot.store import keys
from tests.conftest import BotFactory
from tests.flow import GOLANG_ID, LIVE, ask_for_rollback, rollback_posts, wait_card, wait_reply
from tests.slack_driver import SlackDriver

GLASS, ACK = "rollback_breakglass", "review_acknowledge"
REASON = "checkout down <!here> & the DB is locked"
SHOWN = "checkout down &lt;!here&gt; &amp; the DB is locked"
REVIEW = "Review needed: <@UALICE> approved this rollback alone (break-glass)"


def policy_file(tmp_path: Path, within: str = "24h") -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "defaults: {approvals: 1, approvers: [UBOB, UDAVE]}\n"
        f"breakglass: {{approvers: [UALICE, UCAROL], review_within: {within}}}\n"
    )
    return str(path)


def is_reason_form(view: dict[str, Any]) -> bool:
    return view.get("callback_id") == "breakglass_reason" and bool(view.get("submit"))


def said(slack: FakeSlack, driver: SlackDriver) -> str:
    """What the bot answered the driver's latest click through its response URL."""
    key = driver.last_key
    return slack.wait_for(lambda: next(iter(slack.response_texts(key)), None))


def break_glass(driver: SlackDriver, slack: FakeSlack, card: Message, user: str) -> None:
    """``user`` clicks Break glass… and submits a reason: the modal closes."""
    assert driver.press(card, GLASS, user=user).status_code == 200
    view = slack.wait_view(is_reason_form)
    answer = driver.submit(view, {"breakglass_reason_text": REASON}, user=user)
    assert answer.status_code == 200 and answer.text in ("", "{}"), answer.text


def card_says(slack: FakeSlack, card: Message, needle: str) -> Message:
    return slack.wait_for(
        lambda: m if needle in str((m := slack.message(card.ts)).blocks) else None
    )


def test_a_member_approves_their_own_request_alone_and_the_card_says_so(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, tmp_path: Path
) -> None:
    driver = start_bot(rollback_policy_file=policy_file(tmp_path))
    card = ask_for_rollback(driver, slack)  # UALICE asks; she is a break-glass approver
    assert list(card.buttons()) == ["rollback_approve", "rollback_cancel", GLASS]
    break_glass(driver, slack, card, "UALICE")
    wait_reply(slack, card.ts, LIVE)
    edited = card_says(slack, card, "BREAK-GLASS")
    assert f"🚨 *BREAK-GLASS:* approved alone by <@UALICE>: {SHOWN}" in str(edited.blocks)
    assert not edited.buttons()
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    review = wait_reply(slack, card.ts, REVIEW)
    assert SHOWN in review.text and "within 1 day" in review.text
    assert list(review.buttons()) == [ACK]
    driver.command("audit sample-golang")
    trail = slack.wait_for(lambda: next((t for t in slack.response_texts() if "Audit" in t), None))
    assert "`breakglass` `sample-golang` by <@UALICE>" in trail and SHOWN in trail


def test_a_non_member_is_refused_in_a_sentence_and_no_form_opens(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, tmp_path: Path
) -> None:
    driver = start_bot(rollback_policy_file=policy_file(tmp_path))
    card = ask_for_rollback(driver, slack)
    driver.press(card, GLASS, user="UBOB")  # an approver, but not a break-glass one
    assert said(slack, driver).startswith("Only a break-glass approver (<@UALICE>, <@UCAROL>)")
    assert not [v for v in slack.views.values() if is_reason_form(v)]
    assert slack.message(card.ts).buttons() == card.buttons()  # still pending
    assert rollback_posts(sim, GOLANG_ID) == []


def test_an_approval_made_while_the_form_is_open_wins_over_it(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, tmp_path: Path
) -> None:
    driver = start_bot(rollback_policy_file=policy_file(tmp_path))
    card = ask_for_rollback(driver, slack)
    driver.press(card, GLASS, user="UCAROL")
    view = slack.wait_view(is_reason_form)
    driver.press(card, "rollback_approve", user="UBOB")  # the usual way, meanwhile
    wait_reply(slack, card.ts, "Rollback started")
    answer = driver.submit(view, {"breakglass_reason_text": REASON}, user="UCAROL")
    notice = answer.json()
    assert notice["response_action"] == "update", notice
    assert (
        notice["view"]["blocks"][0]["text"]["text"] == "This card was already approved by <@UBOB>."
    )
    wait_reply(slack, card.ts, LIVE)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    assert "BREAK-GLASS" not in str(slack.message(card.ts).blocks)
    assert not [m for m in slack.thread(card.ts) if "Review needed" in m.text]


def test_an_empty_reason_is_refused_inside_the_form(
    start_bot: BotFactory, slack: FakeSlack, tmp_path: Path, redis_url: str
) -> None:
    driver = start_bot(rollback_policy_file=policy_file(tmp_path))
    card = ask_for_rollback(driver, slack)
    driver.press(card, GLASS, user="UCAROL")
    view = slack.wait_view(is_reason_form)
    answer = driver.submit(view, {"breakglass_reason_text": "   "}, user="UCAROL")
    assert answer.json() == {
        "response_action": "errors",
        "errors": {"breakglass": "Say why this cannot wait for another approver."},
    }
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        assert client.get(keys.decision(card.buttons()[GLASS])) is None
    finally:
        client.close()
    assert slack.message(card.ts).buttons() == card.buttons()


def test_the_review_blocks_nothing_and_stays_until_another_approver_acknowledges(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, tmp_path: Path
) -> None:
    driver = start_bot(rollback_policy_file=policy_file(tmp_path))
    card = ask_for_rollback(driver, slack)
    break_glass(driver, slack, card, "UALICE")
    live = wait_reply(slack, card.ts, LIVE)
    review = wait_reply(slack, card.ts, REVIEW)
    driver.command("status", user="UEVE")
    listed = slack.wait_for(
        lambda: next((t for t in slack.response_texts() if "Break-glass reviews" in t), None)
    )
    assert "`sample-golang`: <@UALICE> broke the glass" in listed and SHOWN in listed
    driver.press(live, "rollback_commit", user="UALICE")  # open review: commit still works
    wait_reply(slack, card.ts, "Committed")
    driver.press(review, ACK, user="UALICE")
    assert said(slack, driver).startswith("You broke the glass on this rollback")
    driver.press(review, ACK, user="UEVE")
    assert said(slack, driver).startswith("Only an approver of this app")
    driver.command("sample-golang", user="UEVE")  # and a new rollback may be asked for
    second = slack.wait_for(
        lambda: next((m for m in slack.top_level("CDEPLOY") if m.ts != card.ts), None)
    )
    assert second.text.startswith("Rollback sample-golang")
    driver.press(review, ACK, user="UBOB")
    assert said(slack, driver) == "Acknowledged; the break-glass review is closed."
    closed = slack.wait_for(lambda: m if not (m := slack.message(review.ts)).buttons() else None)
    assert "✅ Acknowledged by <@UBOB>" in str(closed.blocks)
    driver.press(review, ACK, user="UDAVE")
    assert said(slack, driver) == "This review was already acknowledged by <@UBOB>."
    driver.command("status", user="UEVE")
    key = driver.last_key
    now = slack.wait_for(lambda: next(iter(slack.response_texts(key)), None))
    assert "Break-glass reviews" not in now and "Waiting for approval" in now


def test_reminders_fire_once_each_across_two_replicas(
    start_bot: BotFactory, slack: FakeSlack, tmp_path: Path, redis_url: str
) -> None:
    path = policy_file(tmp_path, within="3s")
    first = start_bot(rollback_policy_file=path)
    start_bot(rollback_policy_file=path)  # a second replica, taking rounds too
    card = ask_for_rollback(first, slack)
    break_glass(first, slack, card, "UCAROL")
    overdue = wait_reply(slack, card.ts, "Review overdue", timeout=15)
    assert "<@UBOB>, <@UDAVE>: one of you must look at it" in overdue.text
    assert list(overdue.buttons()) == [ACK]
    first.press(overdue, ACK, user="UDAVE")  # any reminder's button closes the review
    assert said(slack, first) == "Acknowledged; the break-glass review is closed."
    card_id = card.buttons()[GLASS]
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        posted = [
            client.get(keys.review_reminder(f"{card_id}:{s}"))
            for s in ("third", "two-thirds", "due")
        ]
        assert all(p and p != "posting" for p in posted), posted
        assert client.zscore(keys.OPEN_REVIEWS, card_id) is None
    finally:
        client.close()
    texts = [m.text for m in slack.thread(card.ts)]
    assert sum("Review still open" in t for t in texts) == 2
    assert sum("Review overdue" in t for t in texts) == 1
    wait_card(slack, "sample-golang")
