"""Channels per app (pure): an app whose policy rule lists ``channels`` is acted on from
those channels only, and they may act on it even where ``ROLLBACK_CHANNELS`` does not list
them; every other app is as ``ROLLBACK_CHANNELS`` says."""

from __future__ import annotations

import pytest

from bot.domain.channels import (
    ChannelRules,
    allowed,
    allowed_anywhere,
    app_channel,
    channel_refusal,
    restricted,
)
from bot.domain.clicks import Where, click_refusal
from bot.domain.policy import Policy, Rule

KEPT = Policy(
    apps=(
        ("checkout-api", Rule(approvals=2, channels=("CPAY", "CPAYOPS"))),
        ("billing", Rule(approvals=2)),  # a rule of its own but no channels
    )
)
LISTED = {"CDEPLOY": ("sample-golang", "checkout-api"), "COPS": ("*",)}


@pytest.mark.parametrize("listed", [{}, LISTED])
def test_an_app_with_policy_channels_is_acted_on_from_those_only(
    listed: dict[str, tuple[str, ...]],
) -> None:
    rules = ChannelRules(listed=listed, policy=KEPT)
    for channel in ("CPAY", "CPAYOPS"):
        assert channel_refusal(rules, channel=channel, app="checkout-api") is None
    for channel in ("CDEPLOY", "COPS", "CRANDOM"):
        assert channel_refusal(rules, channel=channel, app="checkout-api") == (
            "`checkout-api` can be rolled back only from <#CPAY>, <#CPAYOPS>."
        )
    # By id too, as the policy may name the app either way.
    by_id = ChannelRules(listed=listed, policy=Policy(apps=(("app-7", Rule(channels=("CPAY",))),)))
    assert channel_refusal(by_id, channel="CPAY", app="renamed", app_id="app-7") is None
    assert channel_refusal(by_id, channel="COPS", app="renamed", app_id="app-7") is not None


def test_the_first_rule_naming_the_app_either_way_wins_as_for_approvals() -> None:
    both = Policy(
        apps=(("app-7", Rule(channels=("CFIRST",))), ("renamed", Rule(channels=("CSECOND",))))
    )
    rules = ChannelRules(policy=both)
    assert rules.own("renamed", "app-7") == ("CFIRST",)
    assert (
        rules.own("renamed", "app-7") == both.rule_for(app_name="renamed", app_id="app-7").channels
    )
    assert rules.own("renamed") == ("CSECOND",)
    assert rules.own("other", "app-9") == ()


def test_other_apps_are_as_rollback_channels_says() -> None:
    rules = ChannelRules(listed=LISTED, policy=KEPT)
    assert channel_refusal(rules, channel="CDEPLOY", app="sample-golang") is None
    assert channel_refusal(rules, channel="COPS", app="billing") is None
    assert channel_refusal(rules, channel="CDEPLOY", app="billing") == (
        "`billing` cannot be rolled back from this channel."
    )
    # A channel only the policy names may take commands, but only about its own apps.
    assert channel_refusal(rules, channel="CPAY", app=None) is None
    assert channel_refusal(rules, channel="CPAY", app="billing") == (
        "`billing` cannot be rolled back from this channel."
    )
    refused = channel_refusal(rules, channel="CRANDOM", app=None)
    assert refused is not None and "not enabled in this channel" in refused
    anywhere = ChannelRules(policy=KEPT)  # no ROLLBACK_CHANNELS: anywhere, but kept apps
    assert channel_refusal(anywhere, channel="CRANDOM", app="billing") is None
    assert channel_refusal(anywhere, channel="CRANDOM", app=None) is None


def test_clicks_obey_the_policy_channels_too() -> None:
    rules = ChannelRules(listed=LISTED, policy=KEPT)
    card = {"app": "checkout-api", "app_id": "a", "home_ts": "1.1"}
    assert (
        click_refusal(rules, Where(channel="CPAY", message_ts="1.1"), home="CPAY", **card) is None
    )
    # A card posted before the policy kept the app to #pay cannot be approved where it is.
    stale = click_refusal(rules, Where(channel="CDEPLOY", message_ts="1.1"), home="CDEPLOY", **card)
    assert stale == "`checkout-api` can be rolled back only from <#CPAY>, <#CPAYOPS>."


def test_an_apps_announcement_channel_is_one_it_may_be_acted_on_from() -> None:
    assert app_channel(ChannelRules(policy=KEPT), app_name="checkout-api") == "CPAY"
    listed_too = {"CPAYOPS": ("checkout-api",), "CDEPLOY": ("checkout-api",)}
    rules = ChannelRules(listed=listed_too, policy=KEPT)
    assert app_channel(rules, app_name="checkout-api") == "CPAYOPS"
    outside = ChannelRules(listed={"CDEPLOY": ("checkout-api",)}, policy=KEPT)
    assert app_channel(outside, app_name="checkout-api") == "CPAY"
    assert app_channel(ChannelRules(listed=LISTED, policy=KEPT), app_name="sample-golang") == (
        "CDEPLOY"
    )
    assert app_channel(ChannelRules(policy=KEPT), app_name="billing") == ""


def test_the_menus_filter_and_the_reads_agree_with_the_refusals() -> None:
    apps = [("checkout-api", "a1"), ("sample-golang", "a2"), ("billing", "a3")]
    for listed in ({}, LISTED):
        rules = ChannelRules(listed=listed, policy=KEPT)
        for channels in (["CPAY"], ["CDEPLOY"], ["COPS"], ["CRANDOM"], rules.named()):
            here = allowed_anywhere(rules, channels)
            for name, app_id in apps:
                each = [allowed(rules, channel=c, app_name=name, app_id=app_id) for c in channels]
                assert here(name, app_id) == any(each), (listed, channels, name)
        assert restricted(rules, channel="COPS")  # even `*` may not see checkout-api
    assert not restricted(ChannelRules(listed=LISTED), channel="COPS")
    assert ChannelRules(listed=LISTED, policy=KEPT).named() == [
        "CDEPLOY",
        "COPS",
        "CPAY",
        "CPAYOPS",
    ]
