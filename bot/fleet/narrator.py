"""The narrator: one poll of a watched deployment, told in the card's thread.

A poll reads the deployment from the latest look at the fleet (``bot.fleet.readings``:
DigitalOcean is asked only where the look cannot tell), diffs the step tree against the
statuses already reported (kept in Redis), posts the changes as one thread reply, edits
the card's status line, then stores the new statuses, so whoever polls next continues
where this left off. "Done" is decided from ``phase`` alone, never from the step
counters. How a reply is told and recorded (Slack's pace, nothing twice, a channel closed
to the bot) is ``bot.fleet.telling``; what follows, untold (audit, metrics, the app's
lock, the card), ``bot.fleet.aftercare``.

Stores are guarded by the watch's lease: a replica that lost the lease cannot write,
so two replicas never both advance one thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.models import Deployment, Phase
from bot.domain import progress
from bot.domain.records import Watch, WatchKind
from bot.errors import (
    DigitalOceanError,
    DOTransientError,
    LeaseLostError,
    SlackError,
    StoreUnavailableError,
)
from bot.fleet.aftercare import Aftercare
from bot.fleet.failure_logs import FailureLogs
from bot.fleet.readings import DeploymentReadings
from bot.fleet.telling import Teller
from bot.fleet.verifier import Verifier
from bot.slack.blockkit import blocks, thread_replies
from bot.store.redis_store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Narrator:
    do: DigitalOceanClient
    readings: DeploymentReadings
    store: Store
    teller: Teller
    aftercare: Aftercare
    verifier: Verifier
    watch_timeout: float
    failure_logs: FailureLogs | None = None
    clock: Callable[[], float] = time.time

    async def poll_safely(self, watch: Watch) -> Watch:
        try:
            return await self.poll(watch)
        except LeaseLostError:
            raise
        except (DOTransientError, StoreUnavailableError, SlackError) as exc:
            # Nothing was told that is not recorded (or remembered by the teller), so the
            # next poll carries on from what was last recorded.
            log.warning("watch %s: will retry: %s", watch.deployment_id, exc.user_message)
            return self.teller.latest(watch)
        except DigitalOceanError as exc:
            log.error("watch %s: giving up: %s", watch.deployment_id, exc.user_message)
            return await self._give_up(self.teller.latest(watch), exc.user_message)
        except Exception:
            # A bug, or an answer nobody foresaw: the watch stays as it was last recorded,
            # and the next turn tries again (the watch timeout ends it if this never clears).
            log.exception("watch %s: poll failed; will retry", watch.deployment_id)
            return self.teller.latest(watch)

    def forget(self, deployment_id: str) -> None:
        """This replica no longer follows the watch."""
        self.teller.forget(deployment_id)
        self.readings.forget(deployment_id)
        self.verifier.forget(deployment_id)

    async def restore(self, watch: Watch) -> None:
        """Record ``watch`` again after Redis forgot it, and say so in its thread."""
        await self.store.start_watch(watch)
        log.error("watch %s: Redis had forgotten it; recorded again", watch.deployment_id)
        try:
            await self.teller.say(watch, thread_replies.forgotten(watch))
        except SlackError as exc:
            log.warning("watch %s: could not say so: %s", watch.deployment_id, exc.user_message)

    async def _give_up(self, watch: Watch, reason: str) -> Watch:
        try:
            return await self._finish(
                watch, thread_replies.lost(watch, reason), reason=reason, ended="lost"
            )
        except (SlackError, StoreUnavailableError) as again:
            log.warning("watch %s: will retry: %s", watch.deployment_id, again.user_message)
            return watch

    async def poll(self, watch: Watch) -> Watch:
        """One poll: report what changed since the stored statuses, then store them."""
        watch = await self.teller.catch_up(watch)
        if watch.verifying:
            return await self.verifier.check(watch)
        if watch.done:
            return watch
        if self.clock() - watch.started_at > self.watch_timeout:
            return await self._finish(
                watch,
                thread_replies.gave_up(watch, int(self.watch_timeout)),
                reason="watch timed out",
                ended="timed_out",
            )
        if self.teller.busy(watch.channel):
            return watch  # the channel is at Slack's pace: ask DigitalOcean next turn
        if not watch.announced:
            # The thread's first reply, whoever follows the watch: nothing comes before it.
            if not watch.muted and not await self.teller.place(watch.channel, 1, insist=False):
                return watch  # no place at Slack's pace soon: at a later turn
            told, _ = await self.teller.say(watch, thread_replies.started(watch), placed=True)
            return await self.teller.keep(told.model_copy(update={"announced": True}))
        deployment = await self.readings.read(watch)
        if deployment is None:
            return watch  # nothing new can be known before the next look
        changes = progress.diff(watch.statuses, deployment.progress.steps)
        updated = _observed(watch, deployment)
        # Everything that can fail is asked before anything is posted: a poll that posts
        # must also store, or the next one would tell the same again.
        ending = await self._ending(updated, deployment) if deployment.phase.is_terminal else None
        if (changes or ending) and not watch.muted:
            posts = bool(changes) + bool(ending)
            if not await self.teller.place(watch.channel, posts, insist=False):
                # Watches turn together on each look: those that find no place at Slack's
                # pace soon tell what they saw (their outcome too) at a later turn.
                return watch
        if changes:
            message = thread_replies.step_changes(changes, deployment.phase)
            updated, _ = await self.teller.say(updated, message, placed=True)
            updated = await self.teller.keep(updated)
            await self.aftercare.failed_steps(updated, changes)
        if ending is not None:
            message, reason = ending
            failed = progress.failed_steps(deployment.progress.steps) if reason else []
            return await self._finish(updated, message, reason=reason, placed=True, failed=failed)
        if updated == watch:
            return watch  # nothing new: nothing to store (the heartbeat guards the lease)
        if changes or updated.phase != watch.phase:
            await self.aftercare.refresh_card(updated)
        if not changes:  # nothing was told: a plain store
            await self.teller.record(updated)
        return updated

    async def _ending(self, watch: Watch, deployment: Deployment) -> tuple[blocks.Message, str]:
        """The outcome to tell, and the failure reason ("" for a success)."""
        if deployment.phase == Phase.ACTIVE:
            return thread_replies.succeeded(watch), ""
        failed = progress.failed_steps(deployment.progress.steps)
        reason = f"ended in phase {deployment.phase.value}"
        if watch.kind != WatchKind.ROLLBACK:
            return thread_replies.failed(watch, failed), reason
        # Revert is offered only if DigitalOcean left the app pinned to this rollback;
        # otherwise the reply says where the app stands (a button there would be a dead end).
        app = self.readings.app_of(watch.deployment_id) or await self.do.get_app(watch.app_id)
        pinned = app.pinned_deployment.id if app.pinned_deployment else ""
        live = app.active_deployment.id if app.active_deployment else ""
        return thread_replies.failed(watch, failed, pinned=pinned, live=live), reason

    async def _finish(
        self,
        watch: Watch,
        message: blocks.Message,
        *,
        reason: str = "",
        ended: str = "",
        placed: bool = False,
        failed: Sequence[progress.FlatStep] = (),
    ) -> Watch:
        told, ts = await self.teller.say(watch, message, placed=placed)
        update: dict[str, object] = {"done": True, "result_ts": ts, "result_text": message.text}
        update["verify_until"] = self.verifier.until(told, failed=bool(reason or ended))
        done = told.model_copy(update=update)

        accounted = False

        async def after() -> None:
            # Tried again while Redis refuses (``Teller.keep``): counted and audited once.
            nonlocal accounted
            if not accounted:
                accounted = True
                if failed and self.failure_logs is not None:
                    self.failure_logs.follow(done, failed)  # a second reply, in the background
                await self.aftercare.outcome(done, reason=reason, ended=ended)
            await self.aftercare.settle(done)

        return await self.teller.keep(done, then=after)


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
