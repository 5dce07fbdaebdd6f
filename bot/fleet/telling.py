"""Telling a watch's thread: at Slack's pace, each reply once, and never into a channel
Slack has closed to the bot.

Every reply is followed by the record of what it told (the watch, in Redis): the next poll
diffs against that record, so a reply that is posted but not recorded would be told again,
and again, for as long as Redis refuses writes (a full ``maxmemory`` with ``noeviction``, a
demoted primary answering ``READONLY``). Here such a reply is remembered in this replica
instead, and the watch tells nothing more until Redis takes the record.

When Slack answers that the bot may not post in the channel at all (it was removed from a
private channel, the channel was archived), retrying every poll would only hammer Slack:
the watch is muted instead. It goes on following DigitalOcean and ends on time, and its
outcome still reaches the audit trail, the card if it can, and ``/rollback status``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from bot.domain.records import Watch
from bot.errors import LeaseLostError, SlackError, StoreUnavailableError
from bot.slack.blockkit import blocks
from bot.slack.client import Chat
from bot.slack.pace import ChannelPace
from bot.store.leases import Leases
from bot.store.redis_store import Store

log = logging.getLogger(__name__)

Then = Callable[[], Awaitable[None]]
"""What to do once a told reply is recorded (an outcome's audit, lock and card)."""

CLOSED = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "team_access_not_granted",
    }
)
"""Slack's answers that mean the bot may not post in a channel until a person changes it
(chat.postMessage's documented errors)."""


class Teller:
    def __init__(
        self,
        *,
        chat: Chat,
        pace: ChannelPace,
        store: Store,
        leases: Leases,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._chat = chat
        self._pace = pace
        self._store = store
        self._leases = leases
        self.owner = leases.owner
        self._clock = clock
        self._busy: dict[str, float] = {}  # channel → when Slack's pace lets it post again
        self._unrecorded: dict[str, tuple[Watch, Then | None]] = {}
        self._latest: dict[str, Watch] = {}  # the newest recorded state of each watch

    def busy(self, channel: str) -> bool:
        """Whether ``channel`` is at Slack's pace now (this replica's last look)."""
        return self._busy.get(channel, 0.0) > self._clock()

    def owes(self, deployment_id: str) -> bool:
        """Whether a reply of this watch was told but is not recorded yet, or what follows
        its recorded outcome is not done yet."""
        return deployment_id in self._unrecorded

    def latest(self, watch: Watch) -> Watch:
        """The newest state of ``watch`` recorded through this teller, or ``watch``: a poll
        that failed after recording a reply must carry on from there, not from before."""
        newest = self._latest.get(watch.deployment_id)
        return newest if newest is not None else watch

    async def catch_up(self, watch: Watch) -> Watch:
        """Record what was told of ``watch`` but not recorded, then run what was to follow.

        Raises ``StoreUnavailableError`` while Redis still refuses: the watch tells nothing
        more meanwhile."""
        owed = self._unrecorded.get(watch.deployment_id)
        if owed is None:
            return watch
        told, then = owed
        await self._store.save_watch(told, owner=self.owner)
        del self._unrecorded[watch.deployment_id]
        self._latest[told.deployment_id] = told
        log.info("watch %s: recorded what was told while Redis refused", watch.deployment_id)
        await self._follow(told, then)
        return told

    async def say(
        self, watch: Watch, message: blocks.Message, *, placed: bool = False
    ) -> tuple[Watch, str]:
        """Post ``message`` in the watch's thread; the watch (muted if Slack closed the
        channel to the bot) and the reply's ts ("" when nothing was posted)."""
        if watch.muted:
            return watch, ""
        if not await self._leases.extend(watch.deployment_id):
            # Its lease lapsed (Redis refused renewals, or came back empty): another replica
            # may be telling this thread now. Say nothing until it is this replica's again.
            # A write, so nothing is posted where Redis could not record it (a demoted
            # primary in a failover answers reads, and refuses writes with READONLY).
            raise LeaseLostError(watch.deployment_id)
        if not placed:
            await self.place(watch.channel, 1)
        try:
            ts = await self._chat.post(watch.channel, message, thread_ts=watch.thread_ts)
        except SlackError as exc:
            if exc.code not in CLOSED:
                raise
            log.error(
                "watch %s: Slack will not take replies in %s (%s); following the rollback "
                "without telling it there",
                watch.deployment_id,
                watch.channel,
                exc.code,
            )
            return watch.model_copy(update={"muted": exc.code}), ""
        return watch, ts

    async def keep(self, told: Watch, *, then: Then | None = None) -> Watch:
        """Record ``told`` (what the thread now says), then run ``then``. If Redis refuses,
        remember it here: ``catch_up`` records it before the watch tells anything else."""
        try:
            await self._store.save_watch(told, owner=self.owner)
        except (StoreUnavailableError, LeaseLostError):
            # Lease lost too: if this replica takes it back (it lapsed while Redis refused,
            # or Redis came back empty), it still knows what it told.
            self._unrecorded[told.deployment_id] = (told, then)
            log.warning(
                "watch %s: a reply was told but cannot be recorded; no more replies until "
                "Redis takes it",
                told.deployment_id,
            )
            raise
        self._latest[told.deployment_id] = told
        await self._follow(told, then)
        return told

    async def _follow(self, told: Watch, then: Then | None) -> None:
        """Run ``then``; while Redis refuses it (the app's lock, the card), it is owed like
        a reply not recorded, and the watch stays followed here until it is done."""
        if then is None:
            return
        try:
            await then()
        except StoreUnavailableError:
            self._unrecorded[told.deployment_id] = (told, then)
            dep = told.deployment_id
            log.warning("watch %s: recorded; what follows waits for Redis", dep)
            raise

    async def record(self, watch: Watch) -> Watch:
        """Record a new state of ``watch`` that told nothing (a phase changed, say)."""
        await self._store.save_watch(watch, owner=self.owner)
        self._latest[watch.deployment_id] = watch
        return watch

    def forget(self, deployment_id: str) -> None:
        """This replica no longer follows the watch (it ended, or another took it over)."""
        self._unrecorded.pop(deployment_id, None)
        self._latest.pop(deployment_id, None)

    async def place(self, channel: str, posts: int, *, insist: bool = True) -> bool:
        """Take ``posts`` places at Slack's pace in ``channel``, waiting a moment if needed;
        whether they were taken. ``insist``: post anyway if none comes (an outcome, told
        once and at once); else the caller tells it at a later turn.

        Meanwhile this replica's other watches in the channel skip DigitalOcean until it
        has room, and so see their changes later, together, as after a longer interval.
        """
        wait = await self._pace.take(channel, count=posts)
        if wait <= 0:
            return True
        self._busy[channel] = self._clock() + wait
        if await self._pace.wait(channel, count=posts, patience=self._pace.span):
            return True
        if insist:
            log.warning("channel %s: no place at Slack's pace; posting anyway", channel)
        return False
