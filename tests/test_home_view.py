"""The App Home tab's view (pure): its lists, their buttons, their caps and Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.digitalocean.models import Phase
from bot.domain.records import AuditEntry, Event
from bot.slack.blockkit import blocks
from bot.slack.blockkit.home import SHOWN, HomeData, PinnedApp, WaitingCard, home_view
from tests.block_kit import check_home
from tests.factories import NOW, make_card, make_watch

HOSTILE = "<!channel> & <https://evil.example|click>"


def waiting(card_id: str = "abc123", **may: Any) -> WaitingCard:
    rights = {"may_approve": True, "may_cancel": True, **may}
    return WaitingCard(card=make_card(id=card_id), **rights)


def pinned(
    name: str = "sample-golang", *, may_settle: bool = True, may_revert: bool = True
) -> PinnedApp:
    since = datetime.fromtimestamp(NOW - 2 * 3600 - 60, tz=UTC)
    return PinnedApp(
        app_name=name,
        deployment_id="p" * 36,
        since=since,
        may_settle=may_settle,
        may_revert=may_revert,
    )


def actions_of(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(action id, value) of every button, in order."""
    return [
        (e["action_id"], e["value"])
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_empty_home_says_so_for_each_list() -> None:
    view = home_view(HomeData(user="UBOB"), now=NOW)
    check_home(view)
    body = text_of(view)
    for empty in (
        "Nothing waiting for approval.",
        "No rollback in flight.",
        "No app is pinned to a rollback.",
        "You have not asked for or approved a rollback lately.",
    ):
        assert empty in body
    assert actions_of(view) == []


def test_a_card_the_viewer_may_approve_has_approve_and_cancel_with_the_card_id() -> None:
    view = home_view(HomeData(user="UBOB", waiting=[waiting()]), now=NOW)
    check_home(view)
    assert actions_of(view) == [(blocks.APPROVE, "abc123"), (blocks.CANCEL, "abc123")]
    body = text_of(view)
    assert "`sample-golang` → `22222222`" in body and "<@UALICE>" in body and "<#C1>" in body
    approve = next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert approve["style"] == "danger" and approve["confirm"]["style"] == "danger"


def test_a_card_the_viewer_may_not_approve_shows_why_and_no_approve() -> None:
    item = waiting(may_approve=False, may_cancel=False, why_not="Only approvers can approve it.")
    view = home_view(HomeData(user="UEVE", waiting=[item]), now=NOW)
    check_home(view)
    assert actions_of(view) == []
    assert "Only approvers can approve it." in text_of(view)
    requester = waiting(may_approve=False, why_not="You asked for this rollback.")
    assert actions_of(home_view(HomeData(user="UALICE", waiting=[requester]), now=NOW)) == [
        (blocks.CANCEL, "abc123")
    ]


def test_a_card_digitalocean_refused_has_no_approve_even_for_an_approver() -> None:
    item = WaitingCard(card=make_card(error="pinned"), may_approve=True, may_cancel=True)
    view = home_view(HomeData(user="UBOB", waiting=[item]), now=NOW)
    assert actions_of(view) == [(blocks.CANCEL, "abc123")]
    assert "will not do this rollback" in text_of(view)


def test_pinned_app_shows_its_age_and_commit_revert_with_the_deployment_id() -> None:
    view = home_view(HomeData(user="UBOB", pinned=[pinned()]), now=NOW)
    check_home(view)
    assert "`sample-golang` pinned to `pppppppp` for 2 h" in text_of(view)
    assert actions_of(view) == [(blocks.COMMIT, "p" * 36), (blocks.REVERT, "p" * 36)]
    hands_off = home_view(HomeData(user="UEVE", pinned=[pinned(may_settle=False)]), now=NOW)
    assert actions_of(hands_off) == []
    assert "`/rollback commit sample-golang`" in text_of(hands_off)
    # The requester may commit their own rollback, not revert it (bot.domain.permissions).
    asked = home_view(HomeData(user="UALICE", pinned=[pinned(may_revert=False)]), now=NOW)
    assert actions_of(asked) == [(blocks.COMMIT, "p" * 36)]


def test_unknown_fleet_is_not_shown_as_nothing_pinned() -> None:
    view = home_view(HomeData(user="UBOB", pinned_known=False), now=NOW)
    body = text_of(view)
    assert "no recent look" in body and "No app is pinned" not in body


def test_in_flight_and_mine_are_listed() -> None:
    flying = make_watch(phase=Phase.DEPLOYING, success_steps=3, total_steps=5, approver="UBOB")
    mine = [
        AuditEntry(Event.REQUESTED, NOW - 120, user="UBOB", app="web", target="t" * 36),
        AuditEntry(Event.APPROVED, NOW - 7200, user="UBOB", app="api"),
    ]
    view = home_view(HomeData(user="UBOB", in_flight=[flying], mine=mine), now=NOW)
    check_home(view)
    body = text_of(view)
    assert "*DEPLOYING* 3/5 steps, approved by <@UBOB>" in body
    assert "2 min ago: <@UBOB> asked for `web` → `tttttttt`" in body
    assert "2 h ago: <@UBOB> approved `api`" in body


def test_every_list_is_capped_and_says_how_many_more_within_the_home_limit() -> None:
    many = 3 * SHOWN
    data = HomeData(
        user="UBOB",
        waiting=[waiting(f"card{i}") for i in range(many)],
        in_flight=[make_watch(deployment_id=f"{i:036d}") for i in range(many)],
        pinned=[pinned(f"app-{i}") for i in range(many)],
        mine=[AuditEntry(Event.APPROVED, NOW, user="UBOB", app=f"a{i}") for i in range(many)],
    )
    view = home_view(data, now=NOW, notice="Cancelled; nothing was changed.")
    check_home(view)
    body = text_of(view)
    assert body.count(f"… and {many - SHOWN} more") == 4
    assert len(actions_of(view)) == 4 * SHOWN  # two buttons for each shown card and pin
    assert view["blocks"][0]["text"]["text"] == "Cancelled; nothing was changed."


def test_foreign_text_is_escaped_and_long_text_clipped() -> None:
    card = make_card(app_name=HOSTILE * 50)
    item = WaitingCard(card=card, may_approve=True, may_cancel=True)
    entry = AuditEntry(Event.REQUESTED, NOW, user="UBOB", app=HOSTILE)
    data = HomeData(user="UBOB", waiting=[item], pinned=[pinned(HOSTILE)], mine=[entry])
    view = home_view(data, now=NOW, notice="x" * 5000)
    check_home(view)  # no foreign markup, every field within its limit
    assert "&lt;!channel&gt; &amp;" in text_of(view)


def test_parts_that_could_not_be_read_say_so_at_the_top() -> None:
    note = "⚠️ Cards waiting could not be read: Redis is unavailable."
    view = home_view(HomeData(user="UBOB", notes=[note]), now=NOW, notice="Done.")
    check_home(view)
    assert view["blocks"][0]["text"]["text"] == "Done."
    assert view["blocks"][1]["elements"][0]["text"] == note
