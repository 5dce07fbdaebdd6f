"""The App Home tab (pure): what waits for the viewer, what is in flight, what is pinned,
and the viewer's own recent rollbacks, each with the buttons the viewer may use.

The buttons carry the same action ids and values as the card's and the thread's
(``blocks.APPROVE`` / ``CANCEL`` with the card id, ``COMMIT`` / ``REVERT`` with the
deployment id), so the same handlers act on them; only where the answer goes differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.domain.mrkdwn import clip, clip_lines, escape, more
from bot.domain.records import AuditEntry, Card, Event, Watch
from bot.domain.reviews import Review
from bot.slack.blockkit import limits
from bot.slack.blockkit.blocks import (
    Block,
    actions,
    age,
    approvers_of,
    code,
    context,
    header,
    requester,
    section,
    short,
    slack_time,
)
from bot.slack.blockkit.cards import approve_button, cancel_button, status_line, tally
from bot.slack.blockkit.reviews import open_lines
from bot.slack.blockkit.thread_replies import settle_elements

# Slack's Block Kit reference: "You can include up to 50 blocks in each message, or 100
# blocks in modals or Home tabs."
HOME_BLOCKS = 100
# Items shown in each list, then "… and K more": four lists of this many, each item at
# most two blocks, stay far under ``HOME_BLOCKS``.
SHOWN = 10
# Visible characters of a one-line notice at the top (the outcome of a click).
NOTICE_SHOWN = 500


@dataclass(frozen=True, kw_only=True)
class WaitingCard:
    """A pending card and what the viewer may do with it; ``why_not`` says why they may
    not approve it (shown instead of the button)."""

    card: Card
    may_approve: bool
    may_cancel: bool
    why_not: str = ""
    approvals: tuple[str, ...] = ()
    """Who approved it so far, when it needs several approvals."""


@dataclass(frozen=True, kw_only=True)
class PinnedApp:
    """An app pinned to a rollback deployment, as the latest look at the fleet saw it;
    ``may_settle``: the viewer may commit it from here (``bot.domain.permissions``, and the
    bot knows the rollback, which its buttons need); ``may_revert``: revert it too."""

    app_name: str
    deployment_id: str
    since: datetime | None
    may_settle: bool
    may_revert: bool = True


@dataclass(frozen=True, kw_only=True)
class HomeData:
    """Everything the Home tab shows; each list complete (the view caps them)."""

    user: str
    waiting: Sequence[WaitingCard] = ()
    in_flight: Sequence[Watch] = ()
    pinned: Sequence[PinnedApp] = ()
    pinned_known: bool = True
    """False when no recent look at the fleet says which apps are pinned."""
    mine: Sequence[AuditEntry] = ()
    notes: Sequence[str] = field(default_factory=tuple)
    """Sentences about parts that could not be read (Redis away…), shown at the top."""
    reviews: Sequence[Review] = ()
    """Open break-glass reviews, the soonest due first."""


def home_view(data: HomeData, *, now: float, notice: str = "") -> dict[str, Any]:
    """The ``view`` for ``views.publish``. ``notice`` is a sentence of the bot's own (the
    outcome of a click made on this tab), fit for Slack already: only clipped."""
    blocks: list[Block] = []
    if notice:
        blocks.append(section(clip(notice, NOTICE_SHOWN)))
    blocks.extend(context(note) for note in data.notes)
    blocks += _waiting(data.waiting, now)
    blocks += _reviews(data.reviews, now)
    blocks += _in_flight(data.in_flight)
    blocks += _pinned(data.pinned, now, known=data.pinned_known)
    blocks += _mine(data.user, data.mine, now)
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}


def _reviews(reviews: Sequence[Review], now: float) -> list[Block]:
    """Open break-glass reviews, only while there are any (most of the time, none)."""
    if not reviews:
        return []
    lines = open_lines(reviews[:SHOWN], now)
    title = _title("Break-glass reviews open")
    return [*title, section(clip_lines(lines, limits.SECTION_TEXT)), *_more(reviews)]


def _title(text: str) -> list[Block]:
    return [{"type": "divider"}, header(text)]


def _more(items: Sequence[object]) -> list[Block]:
    return [context(more(len(items) - SHOWN))] if len(items) > SHOWN else []


def _waiting(waiting: Sequence[WaitingCard], now: float) -> list[Block]:
    blocks = _title("Waiting for approval")
    if not waiting:
        return [*blocks, section("Nothing waiting for approval.")]
    for item in waiting[:SHOWN]:
        card = item.card
        minutes = max(0, int(card.expires_at - now)) // 60
        line = (
            f"{code(card.app_name)} → {code(short(card.target.id))}, requested by "
            f"{requester(card.requester)} in <#{escape(card.channel)}>, "
            f"expires {slack_time(card.expires_at)} (in {minutes} min)"
        )
        if item.approvals:
            line += f"\n👍 {tally(card, item.approvals)}"
        if card.error:
            line += "\n⛔ DigitalOcean will not do this rollback."
        elif not item.may_approve and item.why_not:
            line += f"\n{item.why_not}"
        blocks.append(section(line))
        buttons = _card_buttons(item)
        if buttons:
            blocks.append(actions(f"home:card:{card.id}", buttons))
    return blocks + _more(waiting)


def _card_buttons(item: WaitingCard) -> list[Block]:
    found = []
    if item.may_approve and item.card.approvable:
        found.append(approve_button(item.card))
    if item.may_cancel:
        found.append(cancel_button(item.card))
    return found


def _in_flight(watches: Sequence[Watch]) -> list[Block]:
    blocks = _title("Rollbacks in flight")
    if not watches:
        return [*blocks, section("No rollback in flight.")]
    lines = [
        f"• {code(w.app_name)} {w.kind.value} {code(short(w.deployment_id))}: {status_line(w)}"
        + (f", approved by {approvers_of(w)}" if w.approver else "")
        for w in watches[:SHOWN]
    ]
    if len(watches) > SHOWN:
        lines.append(more(len(watches) - SHOWN))
    return [*blocks, section(clip_lines(lines, limits.SECTION_TEXT))]


def _pinned(pinned: Sequence[PinnedApp], now: float, *, known: bool) -> list[Block]:
    blocks = _title("Pinned to a rollback")
    if not known:
        return [*blocks, section("Not known right now: the bot has no recent look at the apps.")]
    if not pinned:
        return [*blocks, section("No app is pinned to a rollback.")]
    for app in pinned[:SHOWN]:
        since = age(app.since, now).replace(" ago", "")
        line = f"{code(app.app_name)} pinned to {code(short(app.deployment_id))} for {since}"
        if not app.may_settle:
            commit, revert = (
                code(f"/rollback {verb} {app.app_name}") for verb in ("commit", "revert")
            )
            line += f"\nAn approver can settle it: {commit} or {revert}."
        blocks.append(section(line))
        buttons = _settle_buttons(app)
        if buttons:
            blocks.append(actions(f"home:pinned:{app.deployment_id}", buttons))
    return blocks + _more(pinned)


def _settle_buttons(app: PinnedApp) -> list[Block]:
    revert = app.may_settle and app.may_revert
    return settle_elements(app.app_name, app.deployment_id, commit=app.may_settle, revert=revert)


def _mine(user: str, entries: Sequence[AuditEntry], now: float) -> list[Block]:
    blocks = _title("Your recent rollbacks")
    if not entries:
        return [*blocks, section("You have not asked for or approved a rollback lately.")]
    lines = []
    for e in entries[:SHOWN]:
        role = "asked for" if e.event == Event.REQUESTED else "approved"
        target = f" → {code(short(e.target))}" if e.target else ""
        when = age(datetime.fromtimestamp(e.at, tz=UTC), now)
        lines.append(f"• {when}: <@{user}> {role} {code(e.app)}{target}")
    if len(entries) > SHOWN:
        lines.append(more(len(entries) - SHOWN))
    return [*blocks, section(clip_lines(lines, limits.SECTION_TEXT))]
