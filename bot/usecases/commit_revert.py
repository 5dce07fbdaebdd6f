"""Use cases: commit or revert a pinned rollback (from a button or a command).

To settle a pinned rollback is to commit or revert it, whichever comes first; that is
the only thing "settle" means in the bot (the key it is claimed under, the buttons, the
final reply that loses them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.digitalocean.models import App, Deployment
from bot.domain.clicks import ANYWHERE, Where, click_refusal
from bot.domain.ids import settlement_id
from bot.domain.permissions import Settler, settle_refusal
from bot.domain.records import Decision, DecisionKind, Event, Watch, WatchKind
from bot.errors import DigitalOceanError, DOUncertainError, UsageError
from bot.fleet.audit_events import record_event
from bot.fleet.card_edits import card_of, edit_card
from bot.fleet.pin_reminders import end_buttons, posted_reminders, settled_edits
from bot.slack.blockkit import blocks, thread_replies
from bot.slack.blockkit.blocks import code
from bot.store.pin_claims import PinClaims
from bot.usecases.access import find_app_here
from bot.usecases.dependencies import Deps


@dataclass(frozen=True)
class Clicked:
    """The message whose button was clicked, as the click payload carries it."""

    ts: str = ""
    blocks: list[blocks.Block] = field(default_factory=list)
    where: Where = ANYWHERE


async def settle_from_button(
    deps: Deps, *, deployment_id: str, user: str, revert: bool, clicked: Clicked
) -> blocks.Message:
    watch = await deps.store.get_watch(deployment_id)
    if watch is None:
        return blocks.Message(text="The bot no longer knows this rollback; nothing was done.")
    rules = deps.channels
    misplaced = click_refusal(
        rules, clicked.where, home=watch.channel, app=watch.app_name, app_id=watch.app_id
    )
    if misplaced is not None:
        return blocks.Message(text=misplaced)
    app = await deps.do.get_app(watch.app_id)
    pinned = app.pinned_deployment.id if app.pinned_deployment else ""
    approvers = deps.policy.for_app(app_name=app.name, app_id=app.id)
    if pinned != deployment_id and await approvers.includes(user):
        return await _not_pinned_here(deps, app, watch, revert=revert, clicked=clicked)
    return await _settle(deps, app=app, watch=watch, user=user, revert=revert, clicked=clicked)


async def _not_pinned_here(
    deps: Deps, app: App, watch: Watch, *, revert: bool, clicked: Clicked
) -> blocks.Message:
    """A button acts on the deployment it names or refuses: the app is no longer pinned to
    it (committed or reverted elsewhere, a failed rollback DigitalOcean unpinned, a newer
    rollback pinned instead), so its buttons go and the person learns where the app stands."""
    live = app.active_deployment.id if app.active_deployment else ""
    pinned = app.pinned_deployment.id if app.pinned_deployment else ""
    where = thread_replies.standing(app.name, pinned=pinned, live=live)
    verb = "revert" if revert else "commit"
    named = code(blocks.short(watch.deployment_id))
    if clicked.ts and clicked.blocks:
        note = f"No longer pinned to {named}: nothing to commit or revert here. {where}"
        await deps.chat.update(
            watch.channel, clicked.ts, thread_replies.without_buttons(clicked.blocks, note)
        )
    return blocks.Message(
        text=f"Nothing was done: this button would {verb} deployment {named}, which the app "
        f"is no longer pinned to. {where}"
    )


async def settle_from_command(
    deps: Deps, *, app_ref: str, user: str, revert: bool, channel: str
) -> blocks.Message:
    app = await find_app_here(
        deps.do,
        deps.channels,
        app_ref=app_ref,
        channel=channel,
        view=deps.watcher.view,
    )
    watch = await deps.store.latest_rollback(app.id)
    return await _settle(deps, app=app, watch=watch, user=user, revert=revert, channel=channel)


async def _settle(
    deps: Deps,
    *,
    app: App,
    watch: Watch | None,
    user: str,
    revert: bool,
    channel: str = "",
    clicked: Clicked | None = None,
) -> blocks.Message:
    kind = DecisionKind.REVERTED if revert else DecisionKind.COMMITTED
    pinned = _pinned(app, kind)
    if watch is not None and watch.deployment_id != pinned.id:
        watch = None  # the pinned rollback is not one this bot narrated
    rule = deps.policy.rule_for(app_name=app.name, app_id=app.id)
    who = Settler(
        user=user,
        approver=await deps.policy.approvers(rule).includes(user),
        requester=watch.requester if watch is not None else "",
    )
    refusal = settle_refusal(who, revert=revert, self_approval=rule.self_approval)
    if refusal is not None:
        return await _refused(deps, app, user=user, refusal=refusal)
    # One settlement per pinned deployment, however many clicks or commands race.
    key = settlement_id(pinned.id)
    won, decision = await deps.store.claim_decision(
        key, Decision(kind=kind, user=user, at=deps.clock())
    )
    if not won:
        return blocks.Message(
            text=f"This rollback was already {decision.kind.value} by <@{decision.user}>."
        )
    deployment = await _ask_digitalocean(deps, app, key, revert=revert)
    await record_event(
        deps.audit,
        Event.REVERTED if revert else Event.COMMITTED,
        app,
        user=user,
        deployment=pinned.id,
        card=watch.card_id if watch else "",
    )
    if revert and deployment is not None:
        reply = thread_replies.reverting(user, app.name, deployment.id)
    else:
        reply = thread_replies.committed(user, app.name)
    thread = await _narrate(deps, watch, reply, decision=decision, channel=channel, clicked=clicked)
    if deployment is not None and thread is not None:
        await _watch_revert(deps, app, deployment, thread, watch=watch, user=user)
    done = "Revert started" if revert else "Committed"
    return blocks.Message(
        text=f"{done}: {code(app.name)}, rollback deployment {code(blocks.short(pinned.id))}."
    )


async def _refused(deps: Deps, app: App, *, user: str, refusal: str) -> blocks.Message:
    approvers = deps.policy.for_app(app_name=app.name, app_id=app.id)
    refusal = f"{refusal} (approvers: {approvers.describe()}); nothing was done."
    await record_event(deps.audit, Event.REFUSED, app, user=user, reason=refusal)
    return blocks.Message(text=refusal)


def _pinned(app: App, kind: DecisionKind) -> Deployment:
    """The deployment ``app`` is pinned to, or ``UsageError`` saying where it stands."""
    if app.pinned_deployment is None:
        live = app.active_deployment.id if app.active_deployment else ""
        where = thread_replies.standing(app.name, pinned="", live=live)
        raise UsageError(f"There is no pinned rollback to {kind.verb}: {where}")
    return app.pinned_deployment


async def _ask_digitalocean(deps: Deps, app: App, key: str, *, revert: bool) -> Deployment | None:
    """Commit or revert; the revert's new deployment. A refusal lets go of ``key``."""
    try:
        if revert:
            return await _revert(deps, app)
        await _commit(deps, app)
    except DigitalOceanError:
        # Nothing happened, so the next click or command may try again.
        await deps.store.release_decision(key)
        raise
    return None


async def _commit(deps: Deps, app: App) -> None:
    try:
        await deps.do.commit_rollback(app.id)
    except DOUncertainError:
        # Committing unpins the app, so the app itself says whether it worked.
        if (await deps.do.get_app(app.id)).pinned_deployment is not None:
            raise


async def _revert(deps: Deps, app: App) -> Deployment:
    try:
        return await deps.do.revert_rollback(app.id)
    except DOUncertainError:
        fresh = await deps.do.get_app(app.id)
        if fresh.pinned_deployment is None and fresh.in_progress_deployment is not None:
            return fresh.in_progress_deployment
        raise


async def _narrate(
    deps: Deps,
    watch: Watch | None,
    reply: blocks.Message,
    *,
    decision: Decision,
    channel: str,
    clicked: Clicked | None,
) -> tuple[str, str] | None:
    """Say what happened in the rollback's thread (or a new message); return that thread."""
    if watch is None:
        if not channel:
            return None
        await deps.pace.wait(channel)
        return channel, await deps.chat.post(channel, reply)
    await deps.pace.wait(watch.channel)
    await deps.chat.post(watch.channel, reply, thread_ts=watch.thread_ts)
    note = f"{decision.kind.value.capitalize()} by <@{decision.user}>"
    await _end_buttons(deps, watch, note, clicked=clicked)
    await _refresh_card(deps, watch, decision)
    return watch.channel, watch.thread_ts


async def _end_buttons(deps: Deps, watch: Watch, note: str, *, clicked: Clicked | None) -> None:
    """The final reply and every pin reminder lose their buttons, so nobody clicks a
    settled rollback again; the message clicked keeps its words as Slack showed them."""
    edits: list[tuple[str, blocks.Message]] = []
    if clicked is not None and clicked.ts and clicked.blocks:
        # First: the message clicked is edited from what Slack showed.
        edits.append((clicked.ts, thread_replies.without_buttons(clicked.blocks, note)))
    posted = await posted_reminders(
        PinClaims(deps.store.client), watch.deployment_id, deps.settings.rollback_pin_reminders
    )
    await end_buttons(deps.chat, watch, [*edits, *settled_edits(watch, posted, note)])


async def _refresh_card(deps: Deps, watch: Watch, settled: Decision) -> None:
    found = await card_of(deps.store, watch)
    if found is not None:
        card, approval = found
        await edit_card(
            deps.chat, card, now=deps.clock(), decision=approval, watch=watch, settled=settled
        )


async def _watch_revert(
    deps: Deps,
    app: App,
    deployment: Deployment,
    thread: tuple[str, str],
    *,
    watch: Watch | None,
    user: str,
) -> None:
    channel, thread_ts = thread
    revert_watch = Watch(
        deployment_id=deployment.id,
        app_id=app.id,
        app_name=app.name,
        kind=WatchKind.REVERT,
        card_id=watch.card_id if watch else "",
        channel=channel,
        thread_ts=thread_ts,
        approver=user,
        started_at=deps.clock(),
        phase=deployment.phase,
    )
    await deps.store.start_watch(revert_watch)
    deps.watcher.start(revert_watch)
