"""Who may commit or revert (``bot.domain.permissions``), and the bug issue 18 reported:
with ``ROLLBACK_APPROVERS`` empty the requester reverted their own rollback."""

from __future__ import annotations

import pytest

from bot.domain.permissions import Settler, settle_refusal
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from tests.conftest import BotFactory
from tests.flow import GOLANG_ID, pinned, roll_back, wait_reply, wait_response

ALICE_ASKED = "UALICE"


@pytest.mark.parametrize(
    ("user", "approver", "revert", "self_approval", "allowed"),
    [
        ("UALICE", False, False, False, True),  # the requester commits
        ("UBOB", True, False, False, True),  # an approver commits
        ("UEVE", False, False, False, False),  # neither
        ("UALICE", True, True, False, False),  # the requester may not revert her own
        ("UALICE", True, True, True, True),  # … unless self-approval is allowed
        ("UBOB", True, True, False, True),  # an approver reverts
        ("UEVE", False, True, True, False),  # not an approver
    ],
)
def test_commit_by_requester_or_approver_revert_by_an_approver(
    user: str, approver: bool, revert: bool, self_approval: bool, allowed: bool
) -> None:
    who = Settler(user=user, approver=approver, requester=ALICE_ASKED)
    refusal = settle_refusal(who, revert=revert, self_approval=self_approval)
    assert (refusal is None) == allowed, refusal


def test_a_rollback_nobody_asked_the_bot_for_takes_an_approver_either_way() -> None:
    for revert in (False, True):
        nobody = Settler(user="UALICE", approver=False, requester="")
        assert settle_refusal(nobody, revert=revert, self_approval=True) is not None
        approver = Settler(user="UALICE", approver=True, requester="")
        assert settle_refusal(approver, revert=revert, self_approval=False) is None


def test_with_no_approver_list_the_requester_commits_but_cannot_revert(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot()  # ROLLBACK_APPROVERS empty: anyone but the requester approves
    card, live = roll_back(driver, slack)  # UALICE asked, UBOB approved
    driver.press(live, "rollback_revert", user="UALICE")
    wait_response(slack, "You asked for this rollback, so someone else")
    driver.command("revert sample-golang", user="UALICE")
    assert sim.count("POST", r".*/rollback/revert") == 0 and pinned(sim, GOLANG_ID)
    driver.press(live, "rollback_commit", user="UALICE")
    wait_reply(slack, card.ts, "Committed by <@UALICE>")
    assert not pinned(sim, GOLANG_ID)
