"""Aftercare: what follows the narration of a watch, none of it told in the thread.

The audit events of failed steps and of the outcome, the outcome's metrics, the app's
lock let go of, and the card's status line. The outcome is told and stored before any of
it runs, and none of it may undo that when it fails: the next poll would tell it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.digitalocean.models import Phase, StepStatus
from bot.domain import progress
from bot.domain.ids import settlement_id
from bot.domain.mrkdwn import escape
from bot.domain.records import Event, Watch, WatchKind
from bot.errors import BotError, StoreUnavailableError
from bot.fleet.audit_events import record_event
from bot.fleet.card_edits import card_of, edit_card
from bot.metrics import Metrics
from bot.slack.client import Chat
from bot.store.audit import AuditLog
from bot.store.locks import AppLocks
from bot.store.redis_store import Store

log = logging.getLogger(__name__)

_FINAL_EDIT_TRIES = 4  # over about 7 s: a dropped connection or a Slack blip, not an outage


@dataclass(frozen=True, kw_only=True)
class Aftercare:
    metrics: Metrics
    store: Store
    chat: Chat
    audit: AuditLog
    locks: AppLocks
    clock: Callable[[], float] = time.time

    async def outcome(self, done: Watch, *, reason: str, ended: str) -> None:
        """After the outcome of ``done`` is told and stored: count it and audit it (then
        ``settle`` it). ``ended`` names an outcome that is not the deployment's phase
        (``lost``, ``timed_out``)."""
        self.metrics.rollbacks.labels(done.kind.value, ended or done.phase.value).inc()
        if done.kind == WatchKind.ROLLBACK:
            self.metrics.rollback_duration.observe(max(0.0, self.clock() - done.started_at))
        if done.muted:
            unheard = f"not told in Slack ({done.muted})"
            reason = f"{reason}; {unheard}" if reason else unheard
        succeeded = not ended and done.phase == Phase.ACTIVE
        await self._record(done, Event.SUCCEEDED if succeeded else Event.FAILED, reason=reason)

    async def settle(self, done: Watch) -> None:
        """Let go of the app's lock and show the outcome on the card. Raises
        ``StoreUnavailableError`` while Redis refuses (an outage, a failover): the caller
        tries again later, or the app would stay locked and the card in progress."""
        try:
            if done.kind == WatchKind.ROLLBACK and done.card_id:
                await self.locks.release(done.app_id, done.card_id)
            await self.refresh_card(done, final=True)
        except StoreUnavailableError:
            raise
        except BotError as exc:
            log.warning("watch %s: after the outcome: %s", done.deployment_id, exc.user_message)

    async def failed_steps(self, watch: Watch, changes: list[progress.StepChange]) -> None:
        """Audit every step that failed among ``changes``."""
        for change in changes:
            if change.status == StepStatus.ERROR:
                reason = escape(f"{change.label}: {change.detail}")
                await self._record(watch, Event.STEP_FAILED, reason=reason)

    async def refresh_card(self, watch: Watch, *, final: bool = False) -> None:
        """Edit the card's status line. A lost edit along the way is mended by the next
        one; the last one is tried a few times, or the card would show a rollback in
        progress for good."""
        if watch.kind != WatchKind.ROLLBACK or watch.muted:
            return
        found = await card_of(self.store, watch)
        if found is None:
            return
        card, decision = found
        tries = _FINAL_EDIT_TRIES if final else 1
        # Its health is told after the outcome, maybe after a commit or revert: the card
        # keeps saying so.
        key = settlement_id(watch.deployment_id)
        settled = await self.store.get_decision(key) if watch.verdict else None
        await edit_card(
            self.chat,
            card,
            now=self.clock(),
            decision=decision,
            watch=watch,
            settled=settled,
            tries=tries,
        )

    async def _record(self, watch: Watch, event: Event, *, reason: str = "") -> None:
        why = f"{watch.kind.value}: {reason}" if reason else watch.kind.value
        await record_event(self.audit, event, watch, reason=why)
