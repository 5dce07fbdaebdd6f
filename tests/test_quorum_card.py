"""The card of a rollback that needs several approvals (pure rendering): who approved so
far while it waits, everyone who approved once it is decided."""

from __future__ import annotations

from bot.domain.records import Decision, DecisionKind
from bot.slack.blockkit import cards
from bot.slack.blockkit.blocks import mentions
from bot.slack.blockkit.home import HomeData, WaitingCard, home_view
from tests.factories import NOW, buttons, make_card

TWO = make_card(approvals_needed=2, policy="needs 2 approvals by anyone but the requester")


def test_no_approval_yet_shows_the_rule_and_the_buttons() -> None:
    message = cards.card(TWO, now=NOW)
    assert "needs 2 approvals" in str(message.blocks)
    assert "of 2 approvals" not in str(message.blocks)
    assert set(buttons(message)) == {"rollback_approve", "rollback_cancel"}


def test_one_approval_of_two_is_shown_and_the_buttons_stay() -> None:
    message = cards.card(TWO, now=NOW, approvals=("UBOB",))
    assert "1 of 2 approvals — <@UBOB>" in message.text
    assert set(buttons(message)) == {"rollback_approve", "rollback_cancel"}


def test_two_approvals_of_two_name_both_approvers_and_remove_the_buttons() -> None:
    decision = Decision(
        kind=DecisionKind.APPROVED, user="UCAROL", at=NOW, approvals=("UBOB", "UCAROL")
    )
    # A tally passed alongside a decision is stale: the decision is what the card shows.
    message = cards.card(TWO, now=NOW, decision=decision, approvals=("UBOB",))
    assert "✅ Approved by <@UBOB> and <@UCAROL>" in message.text
    assert "of 2 approvals" not in message.text
    assert buttons(message) == {}


def test_three_approvers_are_listed_in_order() -> None:
    three = make_card(approvals_needed=3)
    decision = Decision(
        kind=DecisionKind.STALE, user="UDAVE", at=NOW, approvals=("UBOB", "UCAROL", "UDAVE")
    )
    message = cards.card(three, now=NOW, decision=decision)
    assert "Approved by <@UBOB>, <@UCAROL> and <@UDAVE> but not rolled back" in message.text
    waiting = cards.card(three, now=NOW, approvals=("UBOB", "UCAROL"))
    assert "2 of 3 approvals — <@UBOB>, <@UCAROL>" in waiting.text


def test_a_one_approval_decision_reads_as_before() -> None:
    decision = Decision(kind=DecisionKind.APPROVED, user="UBOB", at=NOW)
    assert "✅ Approved by <@UBOB>" in cards.card(make_card(), now=NOW, decision=decision).text


def test_more_approvers_in_words() -> None:
    assert cards.more_approvers(1) == "one more approver"
    assert cards.more_approvers(2) == "2 more approvers"


def test_home_shows_the_tally_of_a_waiting_card() -> None:
    waiting = WaitingCard(
        card=TWO,
        may_approve=False,
        may_cancel=False,
        why_not="You approved it; it waits for one more approver.",
        approvals=("UBOB",),
    )
    view = home_view(HomeData(user="UBOB", waiting=[waiting]), now=NOW)
    assert "1 of 2 approvals — <@UBOB>" in str(view["blocks"])
    assert "rollback_approve" not in str(view["blocks"])


def test_people_are_named_in_a_sentence() -> None:
    assert mentions(()) == ""
    assert mentions(("UBOB",)) == "<@UBOB>"
    assert mentions(("UBOB", "UCAROL")) == "<@UBOB> and <@UCAROL>"
    assert mentions(("UA", "UB", "UC")) == "<@UA>, <@UB> and <@UC>"
