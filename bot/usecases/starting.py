"""Use case: start an approved rollback, exactly once, and never lose it.

The approval is claimed together with an intent to start (``Store.claim_decision``). Then
the app is checked once more, its lock is taken, DigitalOcean is asked once, and the new
deployment is recorded as a watch. While that runs, the intent is kept alive; a replica
that stops anywhere in between (killed, or Redis refusing it the record) leaves the
intent behind, and once it lapses ``recover`` (every replica's sweeper) looks at the app:
it adopts the rollback DigitalOcean made, or says that none was made and lets go of the
app's lock. So an approved card never stays at "Checking the app once more…", and a
rollback DigitalOcean made is never left untold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import stamina

from bot.digitalocean.models import Deployment
from bot.domain import progress
from bot.domain.mrkdwn import escape
from bot.domain.records import Card, Decision, DecisionKind, Event, Watch, WatchKind
from bot.domain.targets import blocked_by, made_for
from bot.errors import DigitalOceanError, DOTransientError, DOUncertainError, StoreUnavailableError
from bot.slack.blockkit import blocks, thread_replies
from bot.slack.blockkit.blocks import code
from bot.store.leases import lease_ttl
from bot.usecases.card_updates import audit, count, show
from bot.usecases.dependencies import Deps

log = logging.getLogger(__name__)

_LOCK_MARGIN = 600
_REMEMBER_FOR = 120.0  # seconds to keep trying to record a rollback that already started
_REOPEN_FOR = 30.0  # seconds to keep trying to open a card again that did not start
_ANSWER_WINDOW = 20.0
"""Seconds a rollback POST sent by a replica that died may still take to reach DigitalOcean
and be done: the transport's request timeout (15 s; writes are sent once), and a margin."""


def _answer_window(deps: Deps) -> float:
    """How much longer to wait, after an intent lapsed, for a POST still on its way: the
    lapse itself waited two lease lifetimes (30 s at the default poll interval, past the
    POST's timeout already), so a further five at most, and never past the timeout."""
    return min(_ANSWER_WINDOW, 5 * lease_ttl(deps.settings.rollback_poll_interval))


def intent_lapses(deps: Deps) -> float:
    """When an intent written now lapses unless kept alive (two watch lease lifetimes)."""
    return deps.clock() + 2 * lease_ttl(deps.settings.rollback_poll_interval)


async def start(deps: Deps, card: Card, decision: Decision) -> blocks.Message:
    """Check the app once more, then ask DigitalOcean for the rollback, exactly once."""
    async with _kept(deps, card.id):
        try:
            stale = await _stale(deps, card)
            claim = (
                None
                if stale
                else await deps.locks.claim(
                    card.app_id, card.id, ttl=deps.settings.rollback_watch_timeout + _LOCK_MARGIN
                )
            )
        except (DOTransientError, StoreUnavailableError) as exc:
            await _reopen(deps, card, exc.user_message)
            raise
        if claim is None or not claim.taken:
            reason = stale or "another rollback of this app is already in flight."
            return await _not_started(deps, card, decision, reason)
        try:
            deployment = await _create_rollback(deps, card)
        except DigitalOceanError as exc:
            return await _did_not_start(deps, card, decision, exc)
        watch = watch_for(deps, card, deployment, decision=decision)
        # The card first: once the watch is recorded any replica may narrate it, and a
        # slow edit from here must not land after the narration's newer ones. (A crash
        # meanwhile leaves the intent, which recover() adopts.)
        await show(deps, card, decision, watch=watch)
        # Recorded before anything else can fail: from here on a restart resumes the watch.
        if not await _remember(deps, watch):
            # The intent stays behind: once Redis takes writes, recover() adopts it.
            await deps.pace.wait(card.channel)
            await deps.chat.post(card.channel, thread_replies.untracked(watch), thread_ts=card.ts)
            return blocks.Message(text=thread_replies.untracked(watch).text)
    await _forget_intent(deps, card.id)
    await audit(deps, Event.STARTED, card, user=decision.user, deployment=deployment.id)
    deps.watcher.start(watch)  # its first word in the thread is "Rollback started"
    count(deps, "approved")
    return blocks.Message(
        text=f"Rolling {code(card.app_name)} back; follow it in the card's thread."
    )


async def recover(deps: Deps, card_id: str) -> None:
    """Recover an intent whose replica stopped keeping it alive (it died mid-start)."""
    if not await deps.store.take_lapsed_start(card_id, now=deps.clock(), until=intent_lapses(deps)):
        return  # another replica recovers it, or it is done with
    card, decision = await deps.store.get_card_and_decision(card_id)
    latest = await deps.store.latest_rollback(card.app_id) if card is not None else None
    if (
        card is None
        or decision is None
        or decision.kind != DecisionKind.APPROVED
        or (latest is not None and latest.card_id == card.id)
    ):
        await deps.store.forget_starting(card_id)  # done with after all
        return
    app = await deps.do.get_app(card.app_id)
    made = [d for d in (app.in_progress_deployment, app.pinned_deployment) if d is not None]
    found = next((d for d in made if made_for(d, card)), None)
    window = _answer_window(deps)
    if found is None and await deps.store.recheck_start_later(card.id, until=deps.clock() + window):
        # The POST may have been on its way when the replica died; DigitalOcean may still
        # make the rollback. Saying "nothing changed" now could leave one untold.
        log.info("card %s: no rollback made yet; looking again in %.0f s", card.id, window)
        return
    if found is None:
        log.warning("card %s: its replica stopped before DigitalOcean started anything", card.id)
        await deps.locks.release(card.app_id, card.id)
        await _not_started(
            deps, card, decision, "the bot stopped before the rollback started; nothing changed."
        )
        return
    log.warning("card %s: its replica stopped; adopting deployment %s", card.id, found.id)
    await deps.store.start_watch(watch_for(deps, card, found, decision=decision))
    await _forget_intent(deps, card.id)
    await audit(
        deps, Event.STARTED, card, user=decision.user, deployment=found.id,
        reason="adopted after the replica that approved it stopped",
    )  # fmt: skip


@contextlib.asynccontextmanager
async def _kept(deps: Deps, card_id: str) -> AsyncIterator[None]:
    """Keep the intent alive while this replica starts the rollback."""
    every = lease_ttl(deps.settings.rollback_poll_interval) / 2

    async def keep() -> None:
        while True:
            await asyncio.sleep(every)
            with contextlib.suppress(StoreUnavailableError):
                await deps.store.keep_starting(card_id, until=intent_lapses(deps))

    keeper = asyncio.create_task(keep(), name=f"intent:{card_id}")
    try:
        yield
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper


async def _forget_intent(deps: Deps, card_id: str) -> None:
    with contextlib.suppress(StoreUnavailableError):  # recover() finds it done with later
        await deps.store.forget_starting(card_id)


async def _remember(deps: Deps, watch: Watch) -> bool:
    """Store a new watch, waiting out a short Redis outage: the rollback already runs."""
    try:
        async for attempt in stamina.retry_context(
            on=StoreUnavailableError, attempts=None, timeout=_REMEMBER_FOR, wait_max=5.0
        ):
            with attempt:
                await deps.store.start_watch(watch)
    except StoreUnavailableError:
        log.error("deployment %s started but could not be recorded", watch.deployment_id)
        return False
    return True


async def _stale(deps: Deps, card: Card) -> str | None:
    """Why the card no longer describes the app, or None if it still does."""
    app = await deps.do.get_app(card.app_id)
    live = app.active_deployment.id if app.active_deployment else ""
    expected = card.live.id if card.live else ""
    if live != expected:
        now_live = code(blocks.short(live)) if live else "nothing"
        return f"the live deployment changed since the card was posted (now {now_live})."
    return blocked_by(app)


async def _reopen(deps: Deps, card: Card, problem: str) -> None:
    """Undo an approval that did not start (nothing changed), so the card can be approved
    again. Waits out a short Redis outage; failing that, recover() decides the card."""
    count(deps, "retry")
    try:
        async for attempt in stamina.retry_context(
            on=StoreUnavailableError, attempts=None, timeout=_REOPEN_FOR, wait_max=2.0
        ):
            with attempt:
                # The lock too: a claim whose answer was lost may have taken it after all.
                await deps.locks.release(card.app_id, card.id)
                await deps.store.reopen_card(card)
    except StoreUnavailableError:
        log.error("card %s: not opened again; recovered once Redis answers", card.id)
        return
    note = f"⚠️ Not started: {problem} Approve again in a moment."
    await show(deps, card, None, note=note)


async def _not_started(deps: Deps, card: Card, approval: Decision, reason: str) -> blocks.Message:
    stale = approval.model_copy(update={"kind": DecisionKind.STALE, "reason": reason})
    count(deps, "stale")
    await deps.store.replace_decision(card.id, stale)
    await _forget_intent(deps, card.id)
    await audit(deps, Event.REFUSED, card, user=approval.user, reason=escape(reason))
    await show(deps, card, stale)
    return blocks.Message(text=f"No rollback was started: {escape(reason)}")


async def _did_not_start(
    deps: Deps, card: Card, decision: Decision, exc: DigitalOceanError
) -> blocks.Message:
    if isinstance(exc, DOTransientError):
        # Refused before DigitalOcean did anything (the budget, a 429): nothing changed,
        # so the card is open again rather than spent.
        await _reopen(deps, card, exc.user_message)
        raise exc
    if isinstance(exc, DOUncertainError):
        # DigitalOcean may have made it after all: the intent and the lock stay, and once
        # the intent lapses recover() looks at the app again, to adopt it or say it is not.
        log.error("card %s: rollback uncertain: %s", card.id, exc.user_message)
        note = f"⚠️ {exc.user_message} The bot looks at the app again in a moment."
        await show(deps, card, decision, note=note)
        return blocks.Message(text=f"Not sure the rollback started: {exc.user_message}")
    count(deps, "failed")
    log.error("card %s: rollback not started: %s", card.id, exc.user_message)
    await deps.locks.release(card.app_id, card.id)
    await _forget_intent(deps, card.id)
    await audit(deps, Event.FAILED, card, user=decision.user, reason=exc.user_message)
    await show(deps, card, decision, note=f"⚠️ The rollback did not start: {exc.user_message}")
    return blocks.Message(text=f"The rollback did not start: {exc.user_message}")


async def _create_rollback(deps: Deps, card: Card) -> Deployment:
    try:
        return await deps.do.create_rollback(card.app_id, card.target.id)
    except DOUncertainError as uncertain:
        # The POST may have worked: adopt the deployment it would have made, never resend.
        try:
            app = await deps.do.get_app(card.app_id)
        except DigitalOceanError:
            # Still uncertain, whatever the look failed on: never "nothing happened".
            raise uncertain from None
        for candidate in (app.in_progress_deployment, app.pinned_deployment):
            if candidate is not None and made_for(candidate, card):
                log.warning("card %s: adopting deployment %s", card.id, candidate.id)
                return candidate
        raise


def watch_for(deps: Deps, card: Card, deployment: Deployment, *, decision: Decision) -> Watch:
    return Watch(
        deployment_id=deployment.id,
        app_id=card.app_id,
        app_name=card.app_name,
        kind=WatchKind.ROLLBACK,
        card_id=card.id,
        channel=card.channel,
        thread_ts=card.ts,
        target_id=card.target.id,
        target_commit=card.target.commit,
        requester=card.requester,
        approver=decision.user,
        approvals=decision.approvals,
        reason=card.reason,
        incident_url=card.incident_url,
        started_at=deps.clock(),
        statuses=progress.statuses(deployment.progress.steps),
        phase=deployment.phase,
        total_steps=deployment.progress.total_steps,
        announced=False,
    )
