"""The failing log: after a failed watch's outcome is told, its failing component's log
follows in the thread as a second reply.

The failure is told at once by the narrator; the log takes a DigitalOcean read (the poll
lane of the budget: a background read) and a fetch of the archived file (no token, no
budget, bounded), so it is told by a task of its own and never delays the narration. Its
reply is claimed in Redis before it is posted (``bot.store.failure_logs``): told at most
once across replicas, retries and restarts, and never where the claim cannot be written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.log_archive import LogArchive
from bot.domain.failing_log import LogSource, log_source
from bot.domain.progress import FlatStep
from bot.domain.records import Watch
from bot.domain.redaction import last_lines
from bot.errors import BotError, DigitalOceanError
from bot.fleet.telling import Teller
from bot.slack.blockkit import blocks, failure_logs
from bot.slack.client import Chat
from bot.store.failure_logs import FailureLogClaims
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)

_FILES = 2
"""Archived files fetched at most, the last ones: each is bounded (``LogArchive``)."""


@dataclass(frozen=True, kw_only=True)
class FailureLogs:
    do: DigitalOceanClient
    """The poll lane's client: this is a background read."""
    chat: Chat
    teller: Teller
    claims: FailureLogClaims
    tasks: TaskTracker
    lines: int = 40
    archive: LogArchive = field(default_factory=LogArchive)

    def follow(self, done: Watch, failed: Sequence[FlatStep]) -> None:
        """Quote the log of ``failed``'s component in ``done``'s thread, in the background."""
        source = log_source(failed)
        if source is None or done.muted or self.lines <= 0:
            return
        self.tasks.spawn(self._tell(done, source), name=f"failure-log:{done.deployment_id}")

    async def _tell(self, done: Watch, source: LogSource) -> None:
        dep = done.deployment_id
        try:
            message = await self._message(done, source)
            if not await self.claims.claim(dep):
                return  # told already, by this replica or another
            await self.teller.place(done.channel, 1)
            await self.chat.post(done.channel, message, thread_ts=done.thread_ts)
        except BotError as exc:
            log.warning("watch %s: the failing log was not told: %s", dep, exc.user_message)
        except Exception:
            log.exception("watch %s: the failing log was not told", dep)

    async def _message(self, done: Watch, source: LogSource) -> blocks.Message:
        found = await self._read(done, source)
        lines = last_lines(found, self.lines) if found else []
        if not lines:
            return failure_logs.no_failure_log(component=source.component, log_type=source.log_type)
        return failure_logs.failure_log(
            component=source.component, log_type=source.log_type, lines=lines
        )

    async def _read(self, done: Watch, source: LogSource) -> str:
        """The log's text, "" when none can be had: DigitalOcean keeps none (400 "state was
        never reached or skipped", 404, an empty list) or cannot be asked (the transport
        retried a transient failure already): the thread is told so rather than nothing."""
        try:
            listed = await self.do.component_logs(
                done.app_id, done.deployment_id, source.component, log_type=source.log_type
            )
        except DigitalOceanError as exc:
            log.info("watch %s: no failing log: %s", done.deployment_id, exc.user_message)
            return ""
        # The end of the log is in the last files (a restarted build lists several).
        texts = [await self.archive.fetch(url) for url in listed.archived[-_FILES:]]
        return "\n".join(text for text in texts if text)
