"""The domain's refusals: a sentence when something is in the way, None when nothing is."""

from __future__ import annotations

from bot.digitalocean.models import App, Deployment, Phase
from bot.domain.channels import ChannelRules, channel_refusal
from bot.domain.clicks import ANYWHERE, Where, click_refusal
from bot.domain.targets import blocked_by

RULES = ChannelRules(listed={"CDEPLOY": ["sample-golang"], "COPS": ["*"]})


def test_a_channel_may_act_on_its_apps_and_only_on_them() -> None:
    assert channel_refusal(ChannelRules(), channel="CANY", app="sample-golang") is None
    assert channel_refusal(RULES, channel="CDEPLOY", app="sample-golang") is None
    assert channel_refusal(RULES, channel="COPS", app="other") is None
    assert channel_refusal(RULES, channel="CDEPLOY", app=None) is None
    assert channel_refusal(RULES, channel="CDEPLOY", app="other") == (
        "`other` cannot be rolled back from this channel."
    )
    refused = channel_refusal(RULES, channel="CRANDOM", app="sample-golang")
    assert refused is not None and "not enabled in this channel" in refused


def test_a_click_acts_only_on_the_message_it_is_on() -> None:
    home = {"home": "CDEPLOY", "home_ts": "1.1", "app": "sample-golang", "app_id": "a"}
    assert click_refusal(RULES, ANYWHERE, **home) is None
    assert click_refusal(RULES, Where(channel="CDEPLOY", message_ts="1.1"), **home) is None
    for where in (
        Where(channel="COPS", message_ts="1.1"),
        Where(channel="CDEPLOY", message_ts="2.2"),
        Where(channel="CDEPLOY", ephemeral=True),
    ):
        refused = click_refusal(RULES, where, **home)
        assert refused is not None and refused.endswith("nothing was done.")


def _app(**deployments: Deployment) -> App:
    return App.model_validate({"id": "a", "spec": {"name": "sample-golang"}, **deployments})


def test_an_app_is_blocked_while_a_deployment_runs_or_a_rollback_is_pinned() -> None:
    running = Deployment(id="d" * 36, phase=Phase.BUILDING)
    assert blocked_by(_app()) is None
    assert blocked_by(_app(in_progress_deployment=running)) == (
        "deployment `dddddddd` is in progress (BUILDING)."
    )
    pinned = blocked_by(_app(pinned_deployment=running))
    assert pinned is not None and pinned.startswith("the app is pinned to rollback `dddddddd`")
