"""A card when a deploy goes bad: a new deployment goes live, then its app turns UNHEALTHY
or short of ready replicas; the bot proposes a rollback to the last good deployment,
exactly once, however many replicas look."""

from __future__ import annotations

import json

from bot.digitalocean.health import AppHealth
from bot.digitalocean.models import Deployment
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack, Message
from bot.slack.blockkit.blocks import short
from bot.usecases.bad_deploys import bad_deploy_line, gone_bad
from tests.conftest import BotFactory
from tests.flow import GOLANG_ID, wait_card, wait_reply, wait_response
from tests.waiting import wait_until

SETTINGS = {
    "rollback_channels": {"CDEPLOY": ("sample-golang",), "COPS": ("*",)},
    "rollback_fleet_interval": 0.3,
    # Health read about every 0.3 s (a quarter of it). The simulator's clock runs ahead
    # of the bot's (DO_SPEED): its fresh deploys went live "in the future", within it.
    "rollback_verify_seconds": 1.2,
}


def _shown(message: Message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def _deploy(sim: Simulator) -> tuple[str, str]:
    """A push goes live on sample-golang: the new deployment and the one it replaced."""
    before = sim.get_app(GOLANG_ID)["active_deployment"]
    assert isinstance(before, dict)
    new = sim.add_deployment(GOLANG_ID, phase="ACTIVE", created=sim.clock())
    return new, str(before["id"])


def _cards(slack: FakeSlack) -> list[Message]:
    return [m for m in slack.top_level("CDEPLOY") if m.text.startswith("Rollback sample-golang")]


def test_an_unhealthy_deploy_gets_one_card_across_two_replicas(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(**SETTINGS, rollback_approvers=("UBOB",))
    start_bot(**SETTINGS, rollback_approvers=("UBOB",))
    new, previous = _deploy(sim)
    # It comes up healthy, then turns (6 s of the simulator's clock, 0.5 s of ours) after.
    sim.sicken(new, ready=0, desired=2, state="UNHEALTHY", after=6.0)
    card = wait_card(slack, "sample-golang")
    shown = _shown(card)
    assert "web 0/2 ready since `" in shown
    assert "went live just now — roll back to `" in shown
    assert "Requested by the bot" in shown
    assert f"to {short(previous)}?" in card.text  # the last good deployment
    assert "rollback_approve" in card.buttons()
    # Looks go on (each a round of both replicas): still one card.
    looks = sim.count("GET", r"/v2/apps")
    wait_until(lambda: sim.count("GET", r"/v2/apps") >= looks + 5, what="five more looks")
    assert len(_cards(slack)) == 1
    # Every rule holds as for any card: nobody asked, so an approver decides.
    driver.press(card, "rollback_cancel", user="UMALLORY")
    wait_response(slack, "Only the requester or an approver can cancel")
    driver.press(card, "rollback_approve", user="UMALLORY")
    wait_response(slack, "not one of the approvers")
    driver.press(card, "rollback_approve", user="UBOB")
    wait_reply(slack, card.ts, "is live on the rollback", timeout=15)


def test_a_healthy_deploy_gets_no_card(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    start_bot(**SETTINGS)
    _deploy(sim)
    health = r"/v2/apps/.*/health"
    wait_until(lambda: sim.count("GET", health) >= 3, what="three health reads")
    assert _cards(slack) == []


def test_the_card_line_names_what_went_bad() -> None:
    live = Deployment.model_validate(
        {"id": "abc", "services": [{"name": "web", "source_commit_hash": "abc1234ffff"}]}
    )
    health = AppHealth.model_validate(
        {
            "app_health": {
                "components": [
                    {"name": "web", "replicas_desired": 2, "replicas_ready": 0},
                    {
                        "name": "api",
                        "replicas_desired": 1,
                        "replicas_ready": 1,
                        "state": "UNHEALTHY",
                    },
                    {"name": "ok", "replicas_desired": 1, "replicas_ready": 1, "state": "HEALTHY"},
                ]
            }
        }["app_health"]
    )
    assert gone_bad(health)
    assert bad_deploy_line(health, live=live, age=185) == (
        "web 0/2 ready, api 1/1 ready but UNHEALTHY since `abc1234` went live 3 min ago"
    )
    healthy = AppHealth.model_validate({"components": [health.components[2].model_dump()]})
    assert not gone_bad(healthy)
