"""Break-glass's Block Kit and review steps (pure): the card's third button and loud state
line, the reason modal and its checks, the review reply, its reminders and status lines."""

from __future__ import annotations

from bot.domain.records import Decision, DecisionKind
from bot.domain.reviews import Acknowledgement, Review, Step, reached
from bot.slack.blockkit import reviews
from bot.slack.blockkit.cards import card
from bot.slack.blockkit.home import HomeData, home_view
from tests.block_kit import check, check_home
from tests.factories import NOW, buttons, make_card

HOSTILE = "db <!channel> & <https://evil.example|click>"


def make_review(**changes: object) -> Review:
    review = Review(
        card_id="abc123",
        app_id="app",
        app_name="sample-golang",
        channel="C1",
        thread_ts="1.1",
        breaker="UALICE",
        reason=HOSTILE,
        opened_at=NOW,
        due_at=NOW + 3 * 3600,
    )
    return review.model_copy(update=changes)


def test_only_a_card_open_to_break_glass_offers_the_third_button() -> None:
    assert list(buttons(card(make_card(), now=NOW))) == ["rollback_approve", "rollback_cancel"]
    offered = buttons(card(make_card(breakglass=True), now=NOW))
    assert offered["rollback_breakglass"]["value"] == "abc123"
    assert offered["rollback_breakglass"]["text"] == {"type": "plain_text", "text": "Break glass…"}


def test_a_card_approved_alone_says_so_loudly_with_the_reason_escaped() -> None:
    alone = Decision(kind=DecisionKind.APPROVED, user="UCAROL", at=NOW, breakglass=HOSTILE)
    message = card(make_card(breakglass=True), now=NOW, decision=alone)
    check(message)
    assert (
        "🚨 *BREAK-GLASS:* approved alone by <@UCAROL>: "
        "db &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"
    ) in str(message.blocks)
    assert not buttons(message)
    plain = card(make_card(), now=NOW, decision=alone.model_copy(update={"breakglass": ""}))
    assert "BREAK-GLASS" not in str(plain.blocks) and "✅ Approved by <@UCAROL>" in plain.text


def test_the_reason_modal_carries_the_card_and_requires_at_most_500_characters() -> None:
    view = reviews.reason_view(make_card(breakglass=True))
    assert view["callback_id"] == "breakglass_reason" and view["private_metadata"] == "abc123"
    field = view["blocks"][-1]
    assert field["block_id"] == "breakglass" and "optional" not in field
    assert field["element"]["max_length"] == 500
    typed = {"state": {"values": {"breakglass": {"breakglass_reason_text": {"value": " why "}}}}}
    assert reviews.reason_of(typed) == "why"
    assert reviews.reason_of({"state": {"values": {"breakglass": []}}}) == ""
    assert reviews.reason_problem("") == "Say why this cannot wait for another approver."
    assert reviews.reason_problem("x" * 501) == "Keep the reason under 500 characters (501 now)."
    assert reviews.reason_problem("x" * 500) is None


def test_a_review_is_reminded_at_a_third_two_thirds_and_when_due() -> None:
    review = make_review()
    assert reached(review, NOW + 3599) is None
    assert reached(review, NOW + 3600) == Step.THIRD
    assert reached(review, NOW + 7200) == Step.TWO_THIRDS
    assert reached(review, NOW + 10800) == Step.DUE
    assert reached(review, NOW + 86400) == Step.DUE  # one reminder after a long outage


def test_the_review_reply_its_reminders_and_its_acknowledgement() -> None:
    review = make_review()
    opened = reviews.review_opened(review)
    check(opened)
    assert opened.text.startswith(
        "Review needed: <@UALICE> approved this rollback alone (break-glass): db &lt;!channel&gt;"
    )
    assert opened.text.endswith("Another approver must acknowledge it within 3 h.")
    assert buttons(opened)["review_acknowledge"]["value"] == "abc123"
    soon = reviews.reminder(review, Step.THIRD, now=NOW + 3600, approvers="<@UBOB>")
    check(soon)
    assert soon.text.startswith("⏰ Review still open (1 h ago)") and "<@UBOB>" not in soon.text
    loud = reviews.reminder(review, Step.DUE, now=NOW + 10800, approvers="<!subteam^S0SRE>")
    check(loud)
    assert "🚨 *Review overdue* (3 h ago)" in loud.text
    assert "<!subteam^S0SRE>: one of you must look at it" in loud.text
    assert "Approvers: one of you" in reviews.reminder(review, Step.DUE, now=NOW, approvers="").text
    done = reviews.review_acknowledged(review, Acknowledgement(user="UBOB", at=NOW + 60))
    check(done)
    assert "Acknowledged by <@UBOB>" in done.text and not buttons(done)


def test_status_lists_open_reviews_with_who_why_when_and_due() -> None:
    open_now, overdue = make_review(), make_review(app_name="api", due_at=NOW + 60)
    lines = reviews.open_lines([open_now, overdue], NOW + 120)
    assert lines[0].startswith("• `sample-golang`: <@UALICE> broke the glass 2 min ago — db &lt;")
    assert "due <!date^" in lines[0]
    assert lines[1].startswith("• `api`:") and lines[1].endswith("· *overdue*")


def test_the_home_tab_lists_open_reviews_only_while_there_are_any() -> None:
    empty = home_view(HomeData(user="UBOB"), now=NOW)
    assert "Break-glass reviews open" not in str(empty["blocks"])
    listed = home_view(HomeData(user="UBOB", reviews=[make_review()]), now=NOW + 60)
    check_home(listed)
    shown = str(listed["blocks"])
    assert "Break-glass reviews open" in shown and "<@UALICE> broke the glass 1 min ago" in shown
