"""Read commands (status, history, audit) follow ROLLBACK_CHANNELS like proposals do: a
channel limited to some apps sees only those apps."""

from __future__ import annotations

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.records import app_id_for
from bot.sandbox.slack.fake import FakeSlack
from tests.conftest import BotFactory
from tests.flow import GOLANG_ID, wait_card, wait_reply
from tests.slack_driver import SlackDriver

RULES = {"CDEPLOY": ("sample-golang",), "COPS": ("*",)}
WARN_ID = app_id_for("sample-warn")
REFUSED = "`sample-warn` cannot be rolled back from this channel."


def answer(driver: SlackDriver, slack: FakeSlack, text: str, *, channel: str) -> str:
    """The reply (through response_url) to one command."""
    driver.command(text, channel=channel)
    key = driver.last_key
    return slack.wait_for(lambda: next(iter(slack.response_texts(key)), None))


def test_status_and_audit_list_only_the_apps_of_the_channel(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_channels=RULES)
    answer(driver, slack, "sample-golang", channel="CDEPLOY")
    answer(driver, slack, "sample-warn", channel="COPS")
    warn_card = wait_card(slack, "sample-warn", channel="COPS")

    here = answer(driver, slack, "status", channel="CDEPLOY")
    assert "Waiting for approval" in here
    assert "`sample-golang`" in here and "sample-warn" not in here
    everywhere = answer(driver, slack, "status", channel="COPS")
    assert "`sample-golang`" in everywhere and "`sample-warn`" in everywhere

    trail = answer(driver, slack, "audit", channel="CDEPLOY")
    assert "`requested` `sample-golang`" in trail and "sample-warn" not in trail
    assert "`requested` `sample-warn`" in answer(driver, slack, "audit", channel="COPS")

    # A rollback in flight is listed only where its app may be acted on. Its first poll is
    # held back, so it is still in flight when asked about.
    sim.inject("GET", rf"/v2/apps/{WARN_ID}/deployments/[^/]+", status=None, delay=1.5)
    driver.press(warn_card, "rollback_approve", user="UBOB")
    wait_reply(slack, warn_card.ts, "Rollback started")
    flying = answer(driver, slack, "status", channel="COPS")
    assert "*Rollbacks in flight*\n• `sample-warn` rollback" in flying
    here = answer(driver, slack, "status", channel="CDEPLOY")
    assert "Rollbacks in flight" not in here and "sample-warn" not in here
    assert "`sample-golang`" in here


def test_one_app_reads_refuse_an_app_the_channel_may_not_act_on(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(rollback_channels=RULES)
    for text in ("status sample-warn", "history sample-warn", "audit sample-warn"):
        assert answer(driver, slack, text, channel="CDEPLOY") == REFUSED, text
    # By id too: the rule names the app, the channel may not act on it however it is named.
    assert answer(driver, slack, f"history {WARN_ID}", channel="CDEPLOY") == REFUSED

    assert answer(driver, slack, "status sample-golang", channel="CDEPLOY").startswith(
        "*`sample-golang`*"
    )
    listed = answer(driver, slack, f"history {GOLANG_ID}", channel="CDEPLOY")
    assert listed.startswith("*Recent deployments of `sample-golang`*")
    trail = answer(driver, slack, "audit sample-golang", channel="CDEPLOY")
    assert trail.startswith("*Audit trail of `sample-golang`*")
    assert answer(driver, slack, "history sample-warn", channel="COPS").startswith(
        "*Recent deployments of `sample-warn`*"
    )
    assert sim.count("POST", r".*") == 0


def test_without_channel_rules_every_channel_sees_every_app(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    answer(driver, slack, "sample-golang", channel="CDEPLOY")
    answer(driver, slack, "sample-warn", channel="COPS")
    overview = answer(driver, slack, "status", channel="CRANDOM")
    assert "`sample-golang`" in overview and "`sample-warn`" in overview
    trail = answer(driver, slack, "audit", channel="CRANDOM")
    assert "`requested` `sample-golang`" in trail and "`requested` `sample-warn`" in trail
    listed = answer(driver, slack, "history sample-warn", channel="CDEPLOY")
    assert listed.startswith("*Recent deployments of `sample-warn`*")
