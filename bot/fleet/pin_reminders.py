"""Pin reminders: while an app stays pinned to a rollback the bot narrates, its thread is
reminded at each age of ``ROLLBACK_PIN_REMINDERS`` that deploys from git are blocked.

The fleet view says which apps are pinned, to what, and since when: no DigitalOcean call.
The age counts from the pinned deployment's ``created_at`` (apps_deployment.yml: "The
creation time of the deployment"): DigitalOcean pins the app when the rollback is created
(apps_rollback_app_request.yml: skip_pin "the rollback will be immediately committed and
the app will remain unpinned", so otherwise it is pinned from then on), while
``updated_at`` and ``phase_last_updated_at`` move as it deploys.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.digitalocean.models import App, Deployment, Phase
from bot.domain.ids import settlement_id
from bot.domain.records import Watch, WatchKind
from bot.errors import SlackError
from bot.slack.blockkit import pin_replies, thread_replies
from bot.slack.blockkit.blocks import Message
from bot.slack.client import Chat
from bot.slack.pace import ChannelPace
from bot.store import keys
from bot.store.pin_claims import PinClaims
from bot.store.redis_store import Store

log = logging.getLogger(__name__)


def reminder_key(deployment_id: str, age: float) -> str:
    return keys.pin_reminder(f"{deployment_id}:{int(age)}")


def due_ages(ages: Sequence[float], deployment: Deployment, now: float) -> list[float]:
    """The ages ``deployment`` has reached (it was pinned when it was created)."""
    if deployment.created_at is None:
        return []
    pinned_for = now - deployment.created_at.timestamp()
    return [age for age in ages if age <= pinned_for]


@dataclass(frozen=True, kw_only=True)
class PinReminders:
    ages: tuple[float, ...]
    claims: PinClaims
    store: Store
    chat: Chat
    pace: ChannelPace

    async def round(self, apps: Sequence[App], *, now: float) -> int:
        """Remind every thread due a reminder; how many were posted."""
        if not self.ages:
            return 0
        due = {
            app.pinned_deployment.id: ages
            for app in apps
            if app.pinned_deployment is not None
            and (ages := due_ages(self.ages, app.pinned_deployment, now))
        }
        watches = await self.claims.watches(due)
        posted = 0
        for dep, ages in due.items():
            watch = watches.get(dep)
            if watch is not None and _reminded(watch):
                posted += await self._remind(watch, ages[-1])
        return posted

    async def _remind(self, watch: Watch, age: float) -> int:
        # Only the latest age reached: after a restart that missed one, a single reminder
        # says how long it has been, not a burst of each age in turn.
        dep = watch.deployment_id
        if await self.store.get_decision(settlement_id(dep)) is not None:
            return 0  # settled through the bot; the fleet view has not seen it yet
        key = reminder_key(dep, age)
        if not await self.claims.claim(key, ttl=int(age) + keys.CARD_KEEP_SECONDS):
            return 0
        try:
            await self.pace.wait(watch.channel)
            ts = await self.chat.post(
                watch.channel, pin_replies.reminder(watch, age), thread_ts=watch.thread_ts
            )
        except SlackError as exc:
            await self.claims.release(key)  # nothing was posted: the next round tries again
            log.warning("pin reminder of %s not posted: %s", dep, exc.user_message)
            return 0
        await self.claims.posted(key, ts)
        return 1

    async def posted(self, deployment_id: str) -> list[tuple[float, str]]:
        return await posted_reminders(self.claims, deployment_id, self.ages)


async def posted_reminders(
    claims: PinClaims, deployment_id: str, ages: Sequence[float]
) -> list[tuple[float, str]]:
    """The reminders posted for a rollback, (age, ts) each: their buttons end with it."""
    found = await claims.posts(reminder_key(deployment_id, age) for age in ages)
    return [(age, ts) for age, ts in zip(ages, found, strict=True) if ts]


def settled_edits(
    watch: Watch, posted: Sequence[tuple[float, str]], note: str
) -> list[tuple[str, Message]]:
    """The rollback's final reply and each posted reminder (``posted_reminders``) as edited
    once it is settled: their words kept, their buttons replaced by ``note``."""
    edits = [
        (ts, thread_replies.settled_result(pin_replies.reminder(watch, age).text, note))
        for age, ts in posted
    ]
    if watch.result_ts:
        edits.insert(0, (watch.result_ts, thread_replies.settled_result(watch.result_text, note)))
    return edits


async def end_buttons(chat: Chat, watch: Watch, edits: Sequence[tuple[str, Message]]) -> None:
    """Make each edit, the first given for a message only; best effort: the rollback is
    settled whether or not Slack takes them."""
    done: set[str] = set()
    for ts, message in edits:
        if ts in done:
            continue
        done.add(ts)
        try:
            await chat.update(watch.channel, ts, message)
        except SlackError as exc:
            dep = watch.deployment_id
            log.warning("rollback %s: buttons not removed: %s", dep, exc.user_message)


def _reminded(watch: Watch) -> bool:
    """A rollback the bot narrated to its end, live and offering Commit and Revert."""
    return (
        watch.kind == WatchKind.ROLLBACK
        and watch.done
        and watch.phase == Phase.ACTIVE
        and not watch.muted
    )
