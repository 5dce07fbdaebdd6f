"""Use case: gather what a person's App Home tab shows, and publish it.

Everything comes from Redis (pending cards, watches, the audit trail) and from the
latest look at the fleet: opening the tab never calls DigitalOcean.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.domain.permissions import Settler, settle_refusal
from bot.domain.records import AuditEntry, Card, Event, Watch
from bot.domain.reviews import Review
from bot.errors import BotError
from bot.slack.blockkit import home
from bot.slack.blockkit.cards import more_approvers
from bot.store.reviews import Reviews
from bot.usecases.dependencies import Deps

log = logging.getLogger(__name__)

T = TypeVar("T")

# Audit entries read to find the person's own: the stream is shared by everyone, so the
# newest entries may all be other people's.
_AUDIT_SCAN = 1000
# A person's part in a rollback: they asked for it or approved it.
_MINE = (Event.REQUESTED, Event.APPROVED)


async def publish(deps: Deps, *, user: str, notice: str = "") -> None:
    """Publish ``user``'s Home tab, with ``notice`` (a sentence of the bot's) at the top."""
    data = await gather(deps, user=user)
    await deps.chat.publish_home(user, home.home_view(data, now=deps.clock(), notice=notice))


async def gather(deps: Deps, *, user: str) -> home.HomeData:
    """What ``user``'s Home shows. A part that cannot be read (Redis away) is shown empty
    with a sentence saying so, rather than leaving the whole tab unpublished."""
    notes: list[str] = []

    async def part(what: str, read: Callable[[], Awaitable[T]], empty: T) -> T:
        try:
            return await read()
        except BotError as exc:
            log.warning("home of %s: %s unread: %s", user, what, exc.user_message)
            notes.append(f"⚠️ {what.capitalize()} could not be read: {exc.user_message}")
            return empty

    waiting: list[home.WaitingCard] = await part("cards waiting", lambda: _waiting(deps, user), [])
    in_flight: list[Watch] = await part("rollbacks in flight", lambda: _in_flight(deps), [])
    pinned = await part("pinned apps", lambda: _pinned(deps, user), None)
    mine: list[AuditEntry] = await part("your rollbacks", lambda: _mine(deps, user), [])
    reviews = Reviews(deps.store.client)
    open_reviews: list[Review] = await part("break-glass reviews", reviews.open_reviews, [])
    return home.HomeData(
        user=user,
        waiting=waiting,
        in_flight=sorted(in_flight, key=lambda w: w.started_at, reverse=True),
        pinned=pinned or [],
        pinned_known=pinned is not None,
        mine=mine,
        notes=notes,
        reviews=open_reviews,
    )


async def _in_flight(deps: Deps) -> list[Watch]:
    # A done rollback still having its health read is no longer in flight.
    return [w for w in await deps.store.active_watches() if not w.done]


async def _waiting(deps: Deps, user: str) -> list[home.WaitingCard]:
    now = deps.clock()
    cards = [c for c in await deps.store.pending_cards() if c.expires_at >= now]
    cards.sort(key=lambda c: c.expires_at)
    return [await _may(deps, card, user=user) for card in cards]


async def _may(deps: Deps, card: Card, *, user: str) -> home.WaitingCard:
    """What ``user`` may do with ``card``, as ``bot.usecases.decide`` checks it again at
    click time: the Home only leaves out buttons that would be refused."""
    rule = deps.policy.rule_for(app_name=card.app_name, app_id=card.app_id)
    approvers = deps.policy.approvers(rule)
    approver = await approvers.includes(user)
    own = user == card.requester
    # Only a card that needs several approvals has any before it is decided.
    approvals = await deps.store.approvals(card.id) if card.approvals_needed > 1 else ()
    if own and not rule.self_approval:
        why_not = "You asked for this rollback, so someone else has to approve it."
    elif not approver:
        why_not = f"Only approvers can approve it ({approvers.describe()})."
    elif user in approvals:
        more = more_approvers(card.approvals_needed - len(approvals))
        why_not = f"You approved it; it waits for {more}."
    else:
        why_not = ""
    return home.WaitingCard(
        card=card,
        may_approve=not why_not,
        may_cancel=own or approver,
        why_not=why_not,
        approvals=approvals,
    )


async def _pinned(deps: Deps, user: str) -> list[home.PinnedApp] | None:
    """Apps pinned to a rollback, longest pinned first; None when no look is recent."""
    # Read from Redis once per look.
    apps = await deps.watcher.view.listed(idle_interval=deps.settings.rollback_fleet_interval)
    if apps is None:
        return None
    pins = [(a.name, a.id, a.pinned_deployment) for a in apps if a.pinned_deployment]
    pins.sort(key=lambda pin: pin[2].created_at.timestamp() if pin[2].created_at else 0.0)
    found = []
    for shown, (name, app_id, deployment) in enumerate(pins):
        # The buttons act through the bot's record of the rollback; one it never knew (or
        # forgot) gets the commands instead. Only the shown ones are looked up.
        watch = await deps.store.get_watch(deployment.id) if shown < home.SHOWN else None
        rule = deps.policy.rule_for(app_name=name, app_id=app_id)
        approver = await deps.policy.approvers(rule).includes(user)
        who = Settler(user=user, approver=approver, requester=watch.requester if watch else "")
        self_approval = rule.self_approval
        found.append(
            home.PinnedApp(
                app_name=name,
                deployment_id=deployment.id,
                since=deployment.created_at,
                may_settle=watch is not None
                and settle_refusal(who, revert=False, self_approval=self_approval) is None,
                may_revert=settle_refusal(who, revert=True, self_approval=self_approval) is None,
            )
        )
    return found


async def _mine(deps: Deps, user: str) -> list[AuditEntry]:
    entries = await deps.audit.recent(limit=_AUDIT_SCAN)
    return [e for e in entries if e.user == user and e.event in _MINE]
