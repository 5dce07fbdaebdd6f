"""The whole flow over HTTP: signed Slack requests in, loopback Slack and DigitalOcean out."""

from __future__ import annotations

import re

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from tests.flow import (
    BROKEN_ID,
    EXPECTED_STEP_REPLIES,
    GOLANG_ID,
    GOLANG_TARGET,
    approve,
    ask_for_rollback,
    pinned,
    roll_back,
    rollback_posts,
    step_lines,
    wait_card,
    wait_reply,
    wait_response,
)
from tests.slack_driver import SlackDriver

BROKEN_FAILED = "Rollback of `sample-broken` failed"


def test_rollback_end_to_end_then_commit(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    ack = driver.command("sample-golang", user="UALICE")
    assert ack.status_code == 200
    assert ack.json()["response_type"] == "ephemeral"
    assert "Working on it" in ack.json()["text"]

    card = wait_card(slack, "sample-golang")
    assert card.buttons().keys() == {"rollback_approve", "rollback_cancel"}
    assert GOLANG_TARGET[:8] in card.blocks[1]["text"]["text"]
    approve = next(
        e
        for b in card.blocks
        for e in b.get("elements", [])
        if e.get("action_id") == "rollback_approve"
    )
    assert approve["style"] == "danger" and "confirm" in approve
    wait_response(slack, "someone else must approve")

    click = driver.press(card, "rollback_approve", user="UBOB")
    assert click.status_code == 200

    final = wait_reply(slack, card.ts, "is live on the rollback")
    assert final.buttons().keys() == {"rollback_commit", "rollback_revert"}

    # Exactly one rollback, to the default target.
    assert rollback_posts(sim, GOLANG_ID) == [{"deployment_id": GOLANG_TARGET, "skip_pin": False}]

    thread = [m.text for m in slack.thread(card.ts)]
    assert thread[0].startswith("Rollback started by <@UBOB>")
    progress = thread[1:-1]
    assert [step_lines(t) for t in progress] == [sorted(r) for r in EXPECTED_STEP_REPLIES]
    # Every step reported at most once per status across the thread.
    all_lines = [line for t in progress for line in step_lines(t)]
    assert len(all_lines) == len(set(all_lines))

    slack.wait_for(lambda: "*ACTIVE*" in slack.message(card.ts).text)
    card_now = slack.message(card.ts)
    assert card_now.buttons() == {}
    assert "Approved by <@UBOB>" in card_now.text
    assert "6/6 steps" in card_now.text
    assert pinned(sim, GOLANG_ID)

    driver.press(final, "rollback_commit", user="UBOB")
    wait_reply(slack, card.ts, "Committed by <@UBOB>")
    assert not pinned(sim, GOLANG_ID)
    assert sim.count("POST", rf"/v2/apps/{GOLANG_ID}/rollback/commit") == 1
    slack.wait_for(lambda: not slack.message(final.ts).buttons())
    settled = slack.message(final.ts)
    assert "is live on the rollback" in settled.blocks[0]["text"]["text"]
    assert "Committed by <@UBOB>" in str(settled.blocks[-1])
    slack.wait_for(lambda: "committed by <@UBOB>" in slack.message(card.ts).text)


def test_failed_rollback_quotes_the_failed_steps(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card, failure = roll_back(driver, slack, "sample-broken", until=BROKEN_FAILED)
    assert "phase *ERROR*" in failure.text
    assert "`build › components › web`: Build failed: exit status 1" in failure.text
    # The simulator leaves a failed rollback unpinned: a Revert button would be a dead end.
    assert failure.buttons() == {}
    assert "`sample-broken` is still live on" in failure.text
    assert "nothing pinned. Nothing to revert." in failure.text
    assert len(rollback_posts(sim, BROKEN_ID)) == 1
    slack.wait_for(lambda: "*ERROR*" in slack.message(card.ts).text)


def test_a_failed_rollback_left_pinned_offers_revert(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    sim.keep_failed_rollbacks_pinned = True  # what the live API does is unverified
    card, failure = roll_back(driver, slack, "sample-broken", until=BROKEN_FAILED)
    assert failure.buttons().keys() == {"rollback_revert"}
    driver.press(failure, "rollback_revert", user="UCAROL")
    wait_reply(slack, card.ts, "Revert requested by <@UCAROL>")
    assert not pinned(sim, BROKEN_ID)


def test_cancel_changes_nothing(driver: SlackDriver, slack: FakeSlack, sim: Simulator) -> None:
    card = ask_for_rollback(driver, slack)
    driver.press(card, "rollback_cancel", user="UALICE")
    slack.wait_for(lambda: "Cancelled by <@UALICE>" in slack.message(card.ts).text)
    assert slack.message(card.ts).buttons() == {}
    approve(driver, card)
    wait_response(slack, "already cancelled")
    assert rollback_posts(sim, GOLANG_ID) == []


def test_double_approval_starts_one_rollback(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(driver, slack)
    value = card.buttons()["rollback_approve"]
    for user in ("UBOB", "UBOB", "UCAROL"):
        assert (
            driver.click("rollback_approve", value, user=user, message_ts=card.ts).status_code
            == 200
        )
    started = wait_reply(slack, card.ts, "Rollback started by")
    winner = re.findall(r"<@(U\w+)>", started.text)[0]
    wait_reply(slack, card.ts, "is live on the rollback")
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    assert len([m for m in slack.thread(card.ts) if "Rollback started" in m.text]) == 1
    slack.wait_for(lambda: len([t for t in slack.response_texts() if "already approved" in t]) == 2)
    assert all(
        f"already approved by <@{winner}>" in t
        for t in slack.response_texts()
        if "already approved" in t
    )


def test_requester_cannot_approve_their_own_rollback(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(driver, slack)
    driver.press(card, "rollback_approve", user="UALICE")
    wait_response(slack, "someone else has to approve")
    assert rollback_posts(sim, GOLANG_ID) == []
    assert "rollback_approve" in slack.message(card.ts).buttons()


def test_invalid_rollback_gets_a_card_without_approve(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    driver.command("sample-pinned", user="UALICE")
    card = wait_card(slack, "sample-pinned")
    assert "rollback_approve" not in card.buttons()
    assert "will not do this rollback" in card.text or any(
        "will not do this rollback" in b.get("text", {}).get("text", "") for b in card.blocks
    )


def test_validation_warnings_are_shown_on_the_card(driver: SlackDriver, slack: FakeSlack) -> None:
    driver.command("sample-warn", user="UALICE")
    card = wait_card(slack, "sample-warn")
    texts = " ".join(b.get("text", {}).get("text", "") for b in card.blocks)
    assert "missing an image digest" in texts and "(web)" in texts
    assert "rollback_approve" in card.buttons()


def test_unknown_app_is_one_clear_sentence(driver: SlackDriver, slack: FakeSlack) -> None:
    driver.command("no-such-app")
    text = wait_response(slack, "no-such-app")
    assert text == "No app named `no-such-app` was found in this DigitalOcean account."
    assert slack.top_level() == []


def test_explicit_target_must_belong_to_the_app(driver: SlackDriver, slack: FakeSlack) -> None:
    driver.command("sample-golang 00000000-0000-4000-8000-000000000000")
    text = wait_response(slack, "has no deployment")
    assert "/rollback history sample-golang" in text


def test_explicit_failed_target_is_refused_by_validation(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    failed = next(d["id"] for d in sim.list_deployments(GOLANG_ID) if d["phase"] == "ERROR")
    driver.command(f"sample-golang {failed}")
    card = wait_card(slack, "sample-golang")
    assert "rollback_approve" not in card.buttons()
    wait_response(slack, "cannot be rolled back")


def test_usage_is_acked_inline(driver: SlackDriver) -> None:
    for text in ("help", "history", "sample-golang not-an-id"):
        response = driver.command(text)
        assert response.status_code == 200
        assert "*Usage*" in response.json()["text"]
    assert "is not a deployment id" in driver.command("sample-golang not-an-id").json()["text"]


def test_history_and_status(driver: SlackDriver, slack: FakeSlack) -> None:
    driver.command("history sample-golang")
    history = wait_response(slack, "Recent deployments")
    assert history.count("\n• ") == 6
    assert re.search(r"ACTIVE\* \(live\)", history)
    driver.command("status sample-pinned")
    status = wait_response(slack, "The app is pinned")
    assert "/rollback commit sample-pinned" in status
    driver.command("status")
    wait_response(slack, "No rollbacks in flight and none waiting for approval.")


def test_revert_from_the_thread_is_watched_to_the_end(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card, final = roll_back(driver, slack)
    driver.press(final, "rollback_revert", user="UCAROL")
    wait_reply(slack, card.ts, "Revert requested by <@UCAROL>")
    wait_reply(slack, card.ts, "is live again")
    assert sim.count("POST", rf"/v2/apps/{GOLANG_ID}/rollback/revert") == 1
    assert not pinned(sim, GOLANG_ID)
    # A second revert (a late click) is refused without calling DigitalOcean again, and
    # says where the app stands.
    driver.press(final, "rollback_revert", user="UCAROL")
    wait_response(slack, "which the app is no longer pinned to. `sample-golang` is still live")
    assert sim.count("POST", rf"/v2/apps/{GOLANG_ID}/rollback/revert") == 1


def test_commit_command_settles_the_pinned_rollback(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    pinned_id = "1cd7374e-782d-5a94-a05f-b29ad1c43312"
    driver.command("commit sample-pinned", user="UBOB")
    wait_response(slack, "Committed: `sample-pinned`")
    assert not pinned(sim, pinned_id)
    # Not narrated by this bot, so the news goes to the channel it was asked in.
    assert any("Committed by <@UBOB>" in m.text for m in slack.top_level("CDEPLOY"))
    driver.command("commit sample-pinned", user="UBOB")
    wait_response(slack, "There is no pinned rollback to commit: `sample-pinned` is still live")
