"""A policy file end to end: an app's own approvers and channels are obeyed, every other
app keeps the defaults and ``ROLLBACK_CHANNELS``, and ``/rollback policy`` says which rule
is in force."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from tests.conftest import BotFactory
from tests.flow import wait_card, wait_reply
from tests.slack_driver import SlackDriver

POLICY = """\
defaults: {approvers: [UBOB]}
apps:
  sample-warn: {approvers: [UCAROL], channels: [CPAY]}
breakglass: {approvers: [UCAROL], review_within: 2h}
"""
CHANNELS = {"CDEPLOY": ("*",)}


def answer(driver: SlackDriver, slack: FakeSlack, text: str, *, channel: str) -> str:
    """The reply (through response_url) to one command."""
    driver.command(text, channel=channel)
    key = driver.last_key
    return slack.wait_for(lambda: next(iter(slack.response_texts(key)), None))


def policy_bot(start_bot: BotFactory, tmp_path: Path) -> tuple[SlackDriver, Path]:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    return start_bot(rollback_policy_file=str(path), rollback_channels=CHANNELS), path


def test_an_apps_own_approvers_and_channels_are_obeyed(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, tmp_path: Path
) -> None:
    driver, _ = policy_bot(start_bot, tmp_path)
    # Even a `*` channel of ROLLBACK_CHANNELS may not act on an app kept to its own.
    said = answer(driver, slack, "sample-warn", channel="CDEPLOY")
    assert said == "`sample-warn` can be rolled back only from <#CPAY>."
    # Its own channel may, though ROLLBACK_CHANNELS does not list it; but only on its apps.
    said = answer(driver, slack, "sample-golang", channel="CPAY")
    assert said == "`sample-golang` cannot be rolled back from this channel."
    driver.command("sample-warn", channel="CPAY")
    card = wait_card(slack, "sample-warn", channel="CPAY")
    driver.press(card, "rollback_approve", user="UBOB")  # the defaults' approver, not this app's
    refused = slack.wait_for(lambda: next(iter(slack.response_texts(driver.last_key)), None))
    assert refused == (
        "You are not one of the approvers for rollbacks of this app (<@UCAROL>); "
        "the card stays open for them."
    )
    assert sim.count("POST", r".*/rollback$") == 0
    driver.press(card, "rollback_approve", user="UCAROL")
    wait_reply(slack, card.ts, "Rollback started")
    assert sim.count("POST", r".*/rollback$") == 1


def test_every_other_app_keeps_the_defaults(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, tmp_path: Path
) -> None:
    driver, _ = policy_bot(start_bot, tmp_path)
    driver.command("sample-golang", channel="CDEPLOY")
    card = wait_card(slack, "sample-golang", channel="CDEPLOY")
    driver.press(card, "rollback_approve", user="UCAROL")
    refused = slack.wait_for(lambda: next(iter(slack.response_texts(driver.last_key)), None))
    assert refused.startswith(
        "You are not one of the approvers for rollbacks of this app (<@UBOB>)"
    )
    driver.press(card, "rollback_approve", user="UBOB")
    wait_reply(slack, card.ts, "Rollback started")


def test_rollback_policy_tells_the_rule_in_force_and_its_source(
    start_bot: BotFactory, slack: FakeSlack, tmp_path: Path
) -> None:
    driver, path = policy_bot(start_bot, tmp_path)
    own = answer(driver, slack, "policy sample-warn", channel="CPAY")
    assert own.splitlines() == [
        "*Approval policy for `sample-warn`*",
        "• Approvals: 1",
        "• Approvers: <@UCAROL>",
        "• Self-approval: not allowed (the requester never approves their own rollback)",
        "• Channels: only <#CPAY>",
        "• Break-glass: <@UCAROL> may approve their own rollback alone, with a reason; another "
        "approver must review it within 2 h",
        "• Commit: the requester or an approver. Revert: an approver, never the requester.",
        f"_From ROLLBACK_POLICY_FILE `{path}`: the app's own rule._",
    ]
    defaults = answer(driver, slack, "policy sample-golang", channel="CDEPLOY")
    assert "• Approvers: <@UBOB>" in defaults
    assert "• Channels: <#CDEPLOY> (ROLLBACK_CHANNELS)" in defaults
    assert defaults.endswith(f"`{path}`: its defaults._")
    # A channel that may not act on the app is told where it may, as for any read.
    said = answer(driver, slack, "policy sample-warn", channel="CDEPLOY")
    assert said == "`sample-warn` can be rolled back only from <#CPAY>."


def test_without_a_file_the_settings_rule_is_shown(start_bot: BotFactory, slack: FakeSlack) -> None:
    driver = start_bot(rollback_approvers=("S0SRE",), rollback_allow_self_approval=True)
    said = answer(driver, slack, "policy sample-golang", channel="CDEPLOY")
    assert "• Approvers: <!subteam^S0SRE>" in said
    assert "• Channels: any channel" in said
    assert "• Break-glass: off (nobody may approve their own rollback alone)" in said
    assert "Revert: an approver, the requester too when an approver." in said
    assert said.endswith("_From the settings (ROLLBACK_APPROVERS, ROLLBACK_ALLOW_SELF_APPROVAL)._")
