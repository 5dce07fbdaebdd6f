"""The approval policy's rules (pure): which rule an app gets, and how a card names it."""

from __future__ import annotations

from pathlib import Path

from bot.domain.policy import BreakGlass, Policy, Rule, describe, from_settings
from bot.policy_source import policy_of
from bot.settings import load_settings


def test_an_app_gets_its_own_rule_by_name_or_id_else_the_defaults() -> None:
    two = Rule(approvals=2, approvers=("S0SRE", "U0LEAD"))
    policy = Policy(defaults=Rule(approvers=("S0SRE",)), apps=(("checkout-api", two),))
    assert policy.rule_for(app_name="checkout-api") is two
    assert policy.rule_for(app_name="renamed", app_id="checkout-api") is two
    assert policy.rule_for(app_name="billing", app_id="b-1") == Rule(approvers=("S0SRE",))


def test_the_settings_alone_make_one_rule_and_no_break_glass() -> None:
    policy = from_settings(approvers=("U1",), self_approval=True)
    assert policy.rule_for(app_name="any") == Rule(approvers=("U1",), self_approval=True)
    assert not policy.breakglass.enabled
    assert BreakGlass(approvers=("S0ONCALL",)).enabled


def test_a_rule_is_described_in_one_phrase_with_mentions() -> None:
    assert (
        describe(Rule(approvals=2, approvers=("S0SRE", "U0LEAD")))
        == "needs 2 approvals of <!subteam^S0SRE>, <@U0LEAD>"
    )
    assert describe(Rule()) == "needs 1 approval by anyone but the requester"
    assert describe(Rule(self_approval=True)) == "needs 1 approval by anyone, the requester too"


def test_a_policy_file_gives_an_app_its_rule_over_the_settings(tmp_path: Path) -> None:
    file = tmp_path / "policy.yaml"
    file.write_text(
        "defaults: {approvals: 1}\n"
        "apps:\n"
        "  checkout-api: {approvals: 2, approvers: [S0SRE, U0LEAD], channels: [C0PAY]}\n"
        "breakglass: {approvers: [S0ONCALL], review_within: 24h}\n"
    )
    settings = load_settings(
        slack_bot_token="xoxb-1",
        digitalocean_token="dop_v1_x",
        rollback_approvers="U1,U2",
        rollback_policy_file=str(file),
    )
    policy = policy_of(settings)
    assert policy.rule_for(app_name="billing") == Rule(approvers=("U1", "U2"))
    assert policy.rule_for(app_name="checkout-api") == Rule(
        approvals=2, approvers=("S0SRE", "U0LEAD"), channels=("C0PAY",)
    )
    assert policy.breakglass == BreakGlass(approvers=("S0ONCALL",), review_within=86_400.0)
