"""Verified: after a rollback goes live, its app's health is read until it is all ready and
HEALTHY, or ``ROLLBACK_VERIFY_SECONDS`` are up, and the verdict is told in the thread once.

The watch stays followed (``Watch.verifying``) by whoever holds its lease, so a verdict is
told by one replica only, and recorded with the watch (``Teller.keep``) right after it is
posted: a restart or another replica carries on from the record, never telling it twice.
The reads go through the polls' lane of the budget, one every few poll intervals (the
budget's fair share stretches them when many watches run). Commit and Revert stay on the
outcome reply throughout: the verdict is advice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.health import AppHealth, healthy
from bot.digitalocean.models import Phase
from bot.domain.records import Event, Watch, WatchKind
from bot.errors import DigitalOceanError
from bot.fleet.aftercare import Aftercare
from bot.fleet.audit_events import record_event
from bot.fleet.fair_share import FairShare
from bot.fleet.fleet_view import FleetView
from bot.fleet.telling import Teller
from bot.slack.blockkit import thread_replies

log = logging.getLogger(__name__)

READ_EVERY = 3
"""Poll intervals (as the budget's fair share stretches them) between two health reads."""

MOVED_ON = "health not read: the app moved on to another deployment"


@dataclass(kw_only=True)
class Verifier:
    do: DigitalOceanClient
    view: FleetView
    share: FairShare
    teller: Teller
    aftercare: Aftercare
    seconds: float
    """``ROLLBACK_VERIFY_SECONDS``: 0 turns verification off."""
    clock: Callable[[], float] = time.time
    # deployment → (when its health was last read here, what it said; None: unreadable)
    _seen: dict[str, tuple[float, AppHealth | None]] = field(default_factory=dict)

    def until(self, watch: Watch, *, failed: bool) -> float:
        """``Watch.verify_until`` for a watch whose outcome is being told: 0 unless it is
        a rollback gone live."""
        if failed or watch.phase != Phase.ACTIVE or watch.kind != WatchKind.ROLLBACK:
            return 0.0
        if self.seconds <= 0 or watch.muted:
            return 0.0
        return self.clock() + self.seconds

    def forget(self, deployment_id: str) -> None:
        self._seen.pop(deployment_id, None)

    async def check(self, watch: Watch) -> Watch:
        """One turn of a verifying watch: read the health when due, tell the verdict when
        there is one. Returns the watch as now recorded."""
        now = self.clock()
        if await self._moved_on(watch):
            return await self._conclude(watch, MOVED_ON, good=False, told=False)
        last = self._seen.get(watch.deployment_id)
        due = last is None or now - last[0] >= READ_EVERY * self.share.interval
        if due:
            health = await self._read(watch)
            last = (now, health)
            self._seen[watch.deployment_id] = last
            if health is not None and healthy(health):
                return await self._conclude(watch, thread_replies.health_verdict(health))
        if now < watch.verify_until or last is None:
            return watch
        # Time is up: the verdict is what was last seen.
        health = last[1]
        good = health is not None and healthy(health)
        return await self._conclude(watch, thread_replies.health_verdict(health), good=good)

    async def _read(self, watch: Watch) -> AppHealth | None:
        try:
            return await self.do.get_health(watch.app_id)
        except DigitalOceanError as exc:
            # Advice only: a failed read never ends the watch as lost; the next read may do.
            log.warning("watch %s: health not read: %s", watch.deployment_id, exc.user_message)
            return None

    async def _moved_on(self, watch: Watch) -> bool:
        """Whether a look taken since the verification began shows another deployment live
        or under way (a revert, a new deploy): this one's health is no longer the app's."""
        look = await self.view.look()
        if look is None or look.taken_at < watch.verify_until - self.seconds:
            return False
        app = await self.view.app(watch.app_id)
        if app is None:
            return False
        live = app.active_deployment.id if app.active_deployment else ""
        return live != watch.deployment_id or app.in_progress_deployment is not None

    async def _conclude(
        self, watch: Watch, verdict: str, *, good: bool = True, told: bool = True
    ) -> Watch:
        ts = ""
        if told:
            watch, ts = await self.teller.say(
                watch, thread_replies.health_reply(verdict, good=good)
            )
        final = watch.model_copy(update={"verdict": verdict})
        audited = False

        async def after() -> None:
            # Tried again while Redis refuses (``Teller.keep``): audited once.
            nonlocal audited
            if not audited:
                audited = True
                await record_event(self.aftercare.audit, Event.HEALTH, final, reason=verdict)
            await self.aftercare.refresh_card(final, final=True)

        log.info("watch %s: health: %s (reply %s)", watch.deployment_id, verdict, ts or "-")
        self.forget(watch.deployment_id)
        return await self.teller.keep(final, then=after)
