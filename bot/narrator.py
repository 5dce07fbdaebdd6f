"""The narrator: one poll of a watched deployment, told in the card's thread.

Each poll diffs the step tree against the statuses already reported (kept in Redis),
posts the changes as one thread reply, edits the card's status line, then stores the
new statuses, so whoever polls next continues where this left off. "Done" is decided
from ``phase`` alone, never from the step counters.

Stores are guarded by the watch's lease: a replica that lost the lease cannot write,
so two replicas never both advance one thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot import blocks, cards, progress, replies
from bot.audit import AuditLog
from bot.channel_pace import ChannelPace
from bot.chat import Chat
from bot.digitalocean import DigitalOceanClient
from bot.errors import (
    BotError,
    DigitalOceanError,
    DOTransientError,
    LeaseLostError,
    SlackError,
    StoreUnavailableError,
)
from bot.locks import AppLocks
from bot.metrics import Metrics
from bot.models import Deployment, Phase, StepStatus
from bot.mrkdwn import escape
from bot.records import Event, Watch, WatchKind
from bot.store import Store

log = logging.getLogger(__name__)


class Narrator:
    def __init__(
        self,
        *,
        metrics: Metrics,
        do: DigitalOceanClient,
        store: Store,
        chat: Chat,
        pace: ChannelPace,
        audit: AuditLog,
        locks: AppLocks,
        owner: str,
        watch_timeout: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._metrics = metrics
        self._do = do
        self._store = store
        self._chat = chat
        self._pace = pace
        self._busy: dict[str, float] = {}  # channel → when Slack's pace lets it post again
        self._audit = audit
        self._locks = locks
        self.owner = owner
        self._timeout = watch_timeout
        self._clock = clock

    async def poll_safely(self, watch: Watch) -> Watch:
        try:
            return await self.poll(watch)
        except LeaseLostError:
            raise
        except (DOTransientError, StoreUnavailableError, SlackError) as exc:
            # Nothing was stored, so the next poll reports the same changes again.
            log.warning("watch %s: will retry: %s", watch.deployment_id, exc.user_message)
            return watch
        except DigitalOceanError as exc:
            log.error("watch %s: giving up: %s", watch.deployment_id, exc.user_message)
            return await self._give_up(watch, exc.user_message)
        except Exception:
            # A bug, or an answer nobody foresaw: the watch stays as it was stored, and the
            # next turn tries again (the watch timeout ends it if this never clears).
            log.exception("watch %s: poll failed; will retry", watch.deployment_id)
            return watch

    async def _give_up(self, watch: Watch, reason: str) -> Watch:
        try:
            return await self._finish(
                watch, replies.lost(watch, reason), reason=reason, ended="lost"
            )
        except (SlackError, StoreUnavailableError) as again:
            log.warning("watch %s: will retry: %s", watch.deployment_id, again.user_message)
            return watch

    async def poll(self, watch: Watch) -> Watch:
        """One poll: report what changed since the stored statuses, then store them."""
        elapsed = self._clock() - watch.started_at
        if elapsed > self._timeout:
            return await self._finish(
                watch,
                replies.gave_up(watch, int(self._timeout)),
                reason="watch timed out",
                ended="timed_out",
            )
        if self._busy.get(watch.channel, 0.0) > self._clock():
            return watch  # the channel is at Slack's pace: ask DigitalOcean next turn
        if not watch.announced:
            return await self._announce(watch)
        deployment = await self._do.get_deployment(watch.app_id, watch.deployment_id)
        changes = progress.diff(watch.statuses, deployment.progress.steps)
        updated = _observed(watch, deployment)
        terminal = deployment.phase.is_terminal
        # Everything that can fail is asked before anything is posted: a poll that posts
        # must also store, or the next one would tell the same again.
        ending = await self._ending(updated, deployment) if terminal else None
        posts = bool(changes) + bool(ending)
        if posts:
            await self._place(watch.channel, posts)
        if changes:
            await self._chat.post(
                watch.channel,
                replies.step_changes(changes, deployment.phase),
                thread_ts=watch.thread_ts,
            )
            for change in changes:
                if change.status == StepStatus.ERROR:
                    await self._record(
                        watch,
                        Event.STEP_FAILED,
                        reason=escape(f"{change.label}: {change.detail}"),
                    )
        if ending is not None:
            message, reason = ending
            return await self._finish(updated, message, reason=reason, placed=True)
        if updated == watch:
            return watch  # nothing new: nothing to store (the heartbeat guards the lease)
        if changes or updated.phase != watch.phase:
            await self._refresh_card(updated)
        await self._store.save_watch(updated, owner=self.owner)
        return updated

    async def _announce(self, watch: Watch) -> Watch:
        """Say the rollback started: the thread's first reply, whoever follows the watch."""
        await self._place(watch.channel, 1)
        await self._chat.post(watch.channel, replies.started(watch), thread_ts=watch.thread_ts)
        announced = watch.model_copy(update={"announced": True})
        await self._store.save_watch(announced, owner=self.owner)
        return announced

    async def _ending(self, watch: Watch, deployment: Deployment) -> tuple[blocks.Message, str]:
        """The outcome to tell, and the failure reason ("" for a success)."""
        if deployment.phase == Phase.ACTIVE:
            return replies.succeeded(watch), ""
        failed = progress.failed_steps(deployment.progress.steps)
        reason = f"ended in phase {deployment.phase.value}"
        if watch.kind != WatchKind.ROLLBACK:
            return replies.failed(watch, failed), reason
        # Revert is offered only if DigitalOcean left the app pinned to this rollback;
        # otherwise the reply says where the app stands (a button there would be a dead end).
        app = await self._do.get_app(watch.app_id)
        pinned = app.pinned_deployment.id if app.pinned_deployment else ""
        live = app.active_deployment.id if app.active_deployment else ""
        return replies.failed(watch, failed, pinned=pinned, live=live), reason

    async def _place(self, channel: str, posts: int) -> None:
        """Take ``posts`` places at Slack's pace in ``channel``, waiting a moment if needed.

        What this poll saw is told in full, never cut short for the pace. Meanwhile this
        replica's other watches in the channel skip DigitalOcean until it has room, and
        so see their changes later, together, as after a longer poll interval.
        """
        wait = await self._pace.take(channel, count=posts)
        if wait <= 0:
            return
        self._busy[channel] = self._clock() + wait
        if not await self._pace.wait(channel, count=posts, patience=self._pace.span):
            log.warning("channel %s: no place at Slack's pace; posting anyway", channel)

    async def _finish(
        self,
        watch: Watch,
        message: blocks.Message,
        *,
        reason: str = "",
        ended: str = "",
        placed: bool = False,
    ) -> Watch:
        if not placed:
            await self._pace.wait(watch.channel)
        ts = await self._chat.post(watch.channel, message, thread_ts=watch.thread_ts)
        done = watch.model_copy(update={"done": True, "result_ts": ts, "result_text": message.text})
        await self._store.save_watch(done, owner=self.owner)
        # The outcome is told and stored; what follows must not undo that if it fails,
        # or the next poll would tell it again.
        self._metrics.rollbacks.labels(watch.kind.value, ended or watch.phase.value).inc()
        if watch.kind == WatchKind.ROLLBACK:
            self._metrics.rollback_duration.observe(max(0.0, self._clock() - watch.started_at))
        await self._record(done, Event.FAILED if reason else Event.SUCCEEDED, reason=reason)
        try:
            if watch.kind == WatchKind.ROLLBACK and watch.card_id:
                await self._locks.release(watch.app_id, watch.card_id)
            await self._refresh_card(done)
        except BotError as exc:
            log.warning("watch %s: after the outcome: %s", watch.deployment_id, exc.user_message)
        return done

    async def _record(self, watch: Watch, event: Event, *, reason: str = "") -> None:
        await self._audit.record(
            event,
            app=watch.app_name,
            app_id=watch.app_id,
            deployment=watch.deployment_id,
            target=watch.target_id,
            card=watch.card_id,
            reason=f"{watch.kind.value}: {reason}" if reason else watch.kind.value,
        )

    async def _refresh_card(self, watch: Watch) -> None:
        if watch.kind != WatchKind.ROLLBACK or not watch.card_id:
            return
        card, decision = await self._store.get_card_and_decision(watch.card_id)
        if card is None or not card.ts:
            return
        message = cards.card(card, now=self._clock(), decision=decision, watch=watch)
        try:
            await self._chat.update(card.channel, card.ts, message)
        except SlackError:
            # The status line is cosmetic; the thread carries the facts.
            log.warning("watch %s: card not updated", watch.deployment_id)


def _observed(watch: Watch, deployment: Deployment) -> Watch:
    counters = deployment.progress
    return watch.model_copy(
        update={
            "statuses": progress.statuses(deployment.progress.steps),
            "phase": deployment.phase,
            "success_steps": counters.success_steps,
            "total_steps": counters.total_steps,
        }
    )
