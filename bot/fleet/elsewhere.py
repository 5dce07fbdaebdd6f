"""Rollbacks made outside the bot (the control panel, ``doctl apps create-rollback``, an
automatic rollback), and commits or reverts made outside it.

A rollback deployment the bot did not start is announced in its app's channel once, and
a Watch is created for it, so the narrator tells it in the announcement's thread like the
bot's own and ends it with Commit and Revert. The bot's own are its Watches, and while it
starts one the app's lock is held, so a lock or a watch means "ours".

A rollback whose final reply still offers Commit and Revert while the fleet view shows
the app no longer pinned to it was settled elsewhere: the buttons go (also those of its
reminders), saying where. Its settlement is claimed under the key a button or command
would claim (``settlement_id``), so a settlement through the bot is never told as one made
elsewhere, and each is told once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.digitalocean.models import App, Deployment, Phase
from bot.domain.channels import ChannelRules, app_channel
from bot.domain.ids import settlement_id
from bot.domain.records import Decision, DecisionKind, Look, Watch, WatchKind
from bot.errors import SlackError, StoreUnavailableError
from bot.fleet.pin_reminders import PinReminders, end_buttons, settled_edits
from bot.fleet.watcher import Watcher
from bot.slack.blockkit import pin_replies
from bot.slack.client import Chat
from bot.slack.pace import ChannelPace
from bot.store import keys
from bot.store.locks import AppLocks
from bot.store.pin_claims import PinClaims
from bot.store.redis_store import Store

log = logging.getLogger(__name__)

ANNOUNCED_KEEP_SECONDS = 30 * 24 * 3600
"""How long an announcement's claim is kept: longer than a rollback stays pinned, in
practice, and than its watch is remembered (``CARD_KEEP_SECONDS``)."""


def made_elsewhere(app: App) -> list[Deployment]:
    """The app's rollback deployments: the one it is pinned to (only a rollback pins an
    app), and one in progress that DigitalOcean says is a rollback."""
    found = [app.pinned_deployment] if app.pinned_deployment is not None else []
    running = app.in_progress_deployment
    if running is not None and running.rollback_type and running not in found:
        found.append(running)
    return found


@dataclass(kw_only=True)
class Elsewhere:
    rules: ChannelRules
    """``ROLLBACK_CHANNELS``: the app's channel is the first that names it."""
    notify_channel: str
    claims: PinClaims
    store: Store
    locks: AppLocks
    chat: Chat
    pace: ChannelPace
    watcher: Watcher
    reminders: PinReminders
    clock: Callable[[], float] = time.time
    announced: list[str] = field(default_factory=list)
    """Deployments this replica announced (for tests and logs)."""
    _unrecorded: list[Watch] = field(default_factory=list)
    """Watches of announcements posted while Redis refused to record them: recorded at
    the next round, so their threads are still narrated."""
    _seen: int = -1
    """The look last gone through: news of rollbacks comes only with a new look."""

    def channel(self, app: App) -> str:
        return app_channel(self.rules, app_name=app.name, app_id=app.id) or self.notify_channel

    async def round(self, apps: Sequence[App], look: Look) -> None:
        await self._record_owed()
        if look.seq == self._seen:
            return
        await self._announce_new(apps)
        await self._end_settled(apps, look)
        self._seen = look.seq

    async def _record_owed(self) -> None:
        while self._unrecorded:
            await self._follow(self._unrecorded[0])
            self._unrecorded.pop(0)

    async def _follow(self, watch: Watch) -> None:
        await self.store.start_watch(watch)
        await self.claims.posted(keys.elsewhere(watch.deployment_id), watch.thread_ts)
        self.watcher.start(watch)

    async def _announce_new(self, apps: Sequence[App]) -> None:
        found = [(app, dep) for app in apps for dep in made_elsewhere(app) if self.channel(app)]
        watched = await self.claims.watches(dep.id for _, dep in found)
        for app, dep in found:
            if dep.id in watched or await self.locks.holder(app.id):
                continue  # the bot's own, or one it is starting (it holds the app's lock)
            await self._announce(app, dep)

    async def _announce(self, app: App, dep: Deployment) -> None:
        key = keys.elsewhere(dep.id)
        if not await self.claims.claim(key, ttl=ANNOUNCED_KEEP_SECONDS):
            return
        channel = self.channel(app)
        try:
            await self.pace.wait(channel)
            ts = await self.chat.post(channel, pin_replies.elsewhere(app, dep))
        except SlackError as exc:
            await self.claims.release(key)  # nothing was posted: the next round tries again
            log.warning("rollback %s made elsewhere not announced: %s", dep.id, exc.user_message)
            return
        watch = Watch(
            deployment_id=dep.id,
            app_id=app.id,
            app_name=app.name,
            kind=WatchKind.ROLLBACK,
            channel=channel,
            thread_ts=ts,
            target_id=dep.cloned_from,
            target_commit=dep.commit,
            started_at=self.clock(),
            phase=dep.phase,
            announced=True,  # the announcement is the thread's first message
        )
        self.announced.append(dep.id)
        try:
            await self._follow(watch)
        except StoreUnavailableError:
            self._unrecorded.append(watch)  # posted: its thread is narrated once Redis takes it
            raise
        log.info("rollback %s of %s made outside the bot: announced in %s", dep.id, app.id, channel)

    async def _end_settled(self, apps: Sequence[App], look: Look) -> None:
        latest = await self.claims.latest_rollbacks(app.id for app in apps)
        for app in apps:
            watch = latest.get(app.id)
            if watch is not None and _settled_elsewhere(app, watch, look):
                await self._end_buttons(app, watch)

    async def _end_buttons(self, app: App, watch: Watch) -> None:
        dep = watch.deployment_id
        reverted = _reverted(app, dep)
        kind = DecisionKind.REVERTED if reverted else DecisionKind.COMMITTED
        decision = Decision(kind=kind, at=self.clock(), reason="outside the bot")
        won, _ = await self.store.claim_decision(settlement_id(dep), decision)
        if not won:
            return  # settled through the bot, or told already
        live = app.active_deployment.id if app.active_deployment else ""
        note = pin_replies.ended_elsewhere(reverted=reverted, still_live=live == dep)
        log.info("rollback %s of %s: %s", dep, app.id, note.lower())
        edits = settled_edits(watch, await self.reminders.posted(dep), note)
        await end_buttons(self.chat, watch, edits)


REVERT_ACTION = "REVERT_APP_ROLLBACK"
"""The user action of the deployment a revert starts (godo's DeploymentCauseDetails, as the
simulator gives it): the app is redeployed as it was before the rollback."""


def _reverted(app: App, rollback_id: str) -> bool:
    """Whether a revert of ``rollback_id`` is deploying or live: a commit leaves the
    rollback live, with nothing started by the revert."""
    for dep in (app.in_progress_deployment, app.active_deployment):
        details = dep.cause_details if dep is not None and dep.id != rollback_id else None
        if details is not None and details.action == REVERT_ACTION:
            return True
    return False


def _settled_elsewhere(app: App, watch: Watch, look: Look) -> bool:
    """Whether the fleet view shows ``app`` no longer pinned to the rollback ``watch``
    offered Commit and Revert for: a look taken after the watch began would show the pin."""
    offered = watch.kind == WatchKind.ROLLBACK and watch.done and watch.phase == Phase.ACTIVE
    if not offered or not watch.result_ts or watch.muted or look.taken_at <= watch.started_at:
        return False
    pinned = app.pinned_deployment.id if app.pinned_deployment else ""
    return pinned != watch.deployment_id
