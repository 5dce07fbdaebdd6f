"""After the rollback, tried in the demo as a visitor would (issue 17's "Done means"): the
control panel's buttons drive the simulator, and the bot's answers show in #deploys."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator

import pytest

from bot.domain.redaction import REDACTED
from bot.sandbox.demo import DemoOptions
from bot.sandbox.demo.config import demo_settings
from tests.demo_page import FAST, Message, Page, buttons, page_of, running_demo
from tests.flow import GOLANG_TARGET

# The demo's own settings, quickened: reminders at 4 s and 8 s of being pinned (a rollback
# here is live in about 2 s), a short health watch, a look at the fleet twice a second.
QUICK = dataclasses.replace(FAST, fleet_interval=0.5, verify_seconds=3.0, pin_reminders="4s,8s")
LIVE = "is live on the rollback"
COMMIT, REVERT = "rollback_commit", "rollback_revert"


@pytest.fixture
def page(redis_url: str) -> Iterator[Page]:
    with running_demo(redis_url, QUICK) as demo, page_of(demo) as client:
        yield client


def _shown(message: Message) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def _ask_and_approve(page: Page, app: str = "sample-golang", target: str = "") -> Message:
    """Alice asks, Bob approves: the card."""
    page.type("UALICE", f"/rollback {app} {target}".strip())
    card = page.wait(
        lambda: next(
            (
                m
                for m in page.messages("UALICE")
                if f"Rollback {app}" in m["text"] and "rollback_approve" in buttons(m)
            ),
            None,
        )
    )
    page.click("UBOB", card, "rollback_approve")
    return card


def _ended(page: Page, thread_ts: str, reply: Message) -> Message:
    """``reply`` once its buttons are gone."""
    return page.wait(
        lambda: next(
            (
                m
                for m in page.thread("UBOB", thread_ts)
                if m["ts"] == reply["ts"] and not buttons(m)
            ),
            None,
        )
    )


def test_a_bad_build_deployed_in_the_control_panel_gets_a_card(page: Page) -> None:
    done = page.in_panel("deploy-bad", "sample-golang")
    assert done.status_code == 200 and "UNHEALTHY in 5 s" in done.json()["said"]
    live = page.panel()["sample-golang"]["live"]
    assert live["phase"] == "ACTIVE" and not live["rollback"]
    card = page.wait_top("UCAROL", "Rollback sample-golang")
    shown = _shown(card)
    assert "web 0/2 ready since `" in shown and "Requested by the bot" in shown
    assert buttons(card).keys() == {"rollback_approve", "rollback_cancel", "rollback_breakglass"}
    # The two-person rule holds as for any card: an approver's click rolls it back.
    page.click("UBOB", card, "rollback_approve")
    page.wait_reply("UBOB", card["ts"], LIVE)
    assert page.panel()["sample-golang"]["pinned"] is not None


def test_a_rollback_made_in_the_control_panel_is_announced_and_its_commit_ends_the_buttons(
    page: Page,
) -> None:
    done = page.in_panel("rollback", "sample-golang")
    assert done.status_code == 200, done.text
    told = page.wait_top("UALICE", "rolled back `sample-golang`")
    assert "outside the bot" in told["text"] and not told["ephemeral"]
    live = page.wait_reply("UALICE", told["ts"], LIVE)
    assert buttons(live).keys() == {COMMIT, REVERT}
    assert page.in_panel("commit", "sample-golang").status_code == 200
    assert "Committed in the control panel" in _shown(_ended(page, told["ts"], live))
    # Nothing is pinned any more: the panel says so, and refuses a second commit.
    assert page.panel()["sample-golang"]["pinned"] is None
    again = page.in_panel("commit", "sample-golang")
    assert again.status_code == 409 and "not pinned" in again.json()["error"]


def test_a_revert_in_the_control_panel_ends_the_bots_thread(page: Page) -> None:
    card = _ask_and_approve(page)
    live = page.wait_reply("UBOB", card["ts"], LIVE)
    assert page.in_panel("revert", "sample-golang").status_code == 200
    assert "Reverted in the control panel" in _shown(_ended(page, card["ts"], live))


def test_the_next_rollback_made_unhealthy_is_told_to_consider_revert(page: Page) -> None:
    assert page.in_panel("unhealthy", "sample-golang").status_code == 200
    assert page.panel()["sample-golang"]["armed"] == [
        "The next rollback comes up 0/2 ready, UNHEALTHY."
    ]
    card = _ask_and_approve(page)
    verdict = page.wait_reply("UBOB", card["ts"], "consider Revert")
    assert "web 0/2 ready, UNHEALTHY: consider Revert" in verdict["text"]
    # That rollback was "the next": the panel is disarmed, and it stays unhealthy.
    panel = page.panel()["sample-golang"]
    assert panel["armed"] == [] and panel["health"] == ["web 0/2 ready · UNHEALTHY"]
    # Reverted, and rolled back again to the same deployment (not to the sick rollback, now
    # the newest that was live): this one comes up well.
    assert page.in_panel("revert", "sample-golang").status_code == 200
    page.wait(lambda: page.panel()["sample-golang"]["in_progress"] is None)
    again = _ask_and_approve(page, target=GOLANG_TARGET)
    verdict = page.wait_reply("UBOB", again["ts"], "verified:")
    assert "verified: web 1/1 ready, healthy" in verdict["text"]


def test_the_next_rollback_made_to_fail_quotes_its_build_log_redacted(page: Page) -> None:
    assert page.in_panel("fail", "sample-golang").status_code == 200
    card = _ask_and_approve(page)
    failure = page.wait_reply("UBOB", card["ts"], "Rollback of `sample-golang` failed")
    assert "Build failed: exit status 1" in failure["text"]
    quoted = page.wait_reply("UBOB", card["ts"], "📄 The end of `web`'s build log")
    shown = _shown(quoted)
    assert "```" in shown and "ERROR: failed to build: exit status 1" in shown
    assert "dop_v1_" not in shown and f"DIGITALOCEAN_TOKEN={REDACTED}" in shown
    assert page.panel()["sample-golang"]["armed"] == []


def test_a_pinned_rollback_is_reminded_with_commit_and_revert(page: Page) -> None:
    card = _ask_and_approve(page)
    page.wait_reply("UBOB", card["ts"], LIVE)
    reminder = page.wait_reply("UBOB", card["ts"], "has been pinned for ")
    # The first age reached once it is live (only the latest is told, never a burst).
    assert re.search(r"`sample-golang` has been pinned for [48] s: deploys from git are blocked",
                     reminder["text"])  # fmt: skip
    assert "<@UALICE>" in reminder["text"] and "<@UBOB>" in reminder["text"]
    assert buttons(reminder).keys() == {COMMIT, REVERT}
    page.click("UALICE", reminder, COMMIT)
    page.wait_reply("UBOB", card["ts"], "Committed by <@UALICE>")


def test_the_app_pinned_before_the_demo_started_is_announced_and_reminded(page: Page) -> None:
    told = page.wait_top("UCAROL", "rolled back `sample-pinned`")
    assert "Sammy the Shark" in told["text"] and "outside the bot" in told["text"]
    page.wait_reply("UCAROL", told["ts"], "`sample-pinned` has been pinned for ")


def test_the_control_panel_refuses_what_digitalocean_would(page: Page) -> None:
    pinned = page.in_panel("deploy-bad", "sample-pinned")
    assert pinned.status_code == 409
    assert (
        pinned.json()["error"]
        == "sample-pinned is pinned to a rollback: commit or revert it first."
    )
    unknown = page.http.post("/demo/panel/delete-everything", json={"app": "x"})
    assert unknown.status_code == 404
    nowhere = page.http.post("/demo/panel/commit", json={"app": "no-such-app"})
    assert nowhere.status_code == 404 and nowhere.json()["error"] == "No such app."


def test_the_demo_tells_its_one_channel_soon() -> None:
    settings = demo_settings(
        DemoOptions(), base_url="http://127.0.0.1:1", redis_url="redis://x", channel_id="CDEPLOYS"
    )
    assert settings.rollback_notify_channel == "CDEPLOYS"
    assert settings.rollback_pin_reminders == (60.0, 180.0)
    assert settings.rollback_verify_seconds == 20.0
    assert settings.rollback_fleet_interval == 3.0
