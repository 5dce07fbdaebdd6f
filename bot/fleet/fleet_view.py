"""Reading the latest look at the fleet: the apps as ``GET /v2/apps`` listed them.

Any replica reads it; one takes the looks (``bot.fleet.looker``). Each app is parsed once
per change of its listing, however many watches and commands read it meanwhile.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from pydantic import ValidationError

from bot.digitalocean.models import App
from bot.domain.records import Look
from bot.store.fleet_snapshots import FleetSnapshots

log = logging.getLogger(__name__)

STALE_LOOKS = 3
"""A look older than this many of its intervals, and its grace (time for another replica to
take the looks over), means nobody is taking looks (DigitalOcean refuses the list, say):
readers then ask DigitalOcean themselves."""


def look_tick(poll_interval: float) -> float:
    """How often a replica asks Redis about the latest look (is a new one in? has the last
    been read?): a tenth of the poll interval, so a step change waits at most that much
    longer to be told, 20 ms to 0.5 s."""
    return min(max(poll_interval / 10, 0.02), 0.5)


class FleetView:
    def __init__(
        self,
        snapshots: FleetSnapshots,
        *,
        reuse_for: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._snapshots = snapshots
        self._reuse_for = reuse_for
        self._clock = clock
        self._parsed: dict[str, tuple[str, App | None]] = {}  # app id → (its JSON, parsed)
        self._read: tuple[float, Look | None] = (-math.inf, None)  # (when, the look) as read
        self._listed: tuple[int, list[App]] = (-1, [])  # (look seq, its apps)

    async def look(self) -> Look | None:
        """The latest look's description. Read again only after ``reuse_for`` seconds
        (a tick of the poll loop): hundreds of watches turning on one look ask for it
        once, not once each."""
        now = time.monotonic()
        if now - self._read[0] >= self._reuse_for:
            self._read = (now, await self._snapshots.look())
        return self._read[1]

    def fresh(self, look: Look | None) -> bool:
        """Whether somebody is still taking looks, so ``look`` or the next one tells the
        fleet: a few of its intervals, and its grace, have not passed since it was taken."""
        if look is None:
            return False
        return self._clock() - look.taken_at <= STALE_LOOKS * look.interval + look.grace

    def recent(self, look: Look | None) -> bool:
        """Whether ``look`` is recent enough to answer for the fleet now: the next look is
        not overdue (it comes every interval)."""
        if look is None:
            return False
        return self._clock() - look.taken_at <= 2 * look.interval

    async def mark_read(self, seqs: dict[str, int], gone: set[str]) -> None:
        """Record which look each watch followed here had its turn on (``seqs``), and
        forget the watches no longer followed here (``gone``)."""
        await self._snapshots.mark_read(seqs)
        await self._snapshots.forget_read(gone)

    async def app(self, app_id: str) -> App | None:
        """The app as the latest look listed it; None if that look did not list it."""
        raw = await self._snapshots.app(app_id)
        return None if raw is None else self._parse(app_id, raw)

    async def apps(self) -> list[App]:
        listed = await self._snapshots.apps()
        self._parsed = {k: v for k, v in self._parsed.items() if k in listed}
        parsed = (self._parse(app_id, raw) for app_id, raw in listed.items())
        return sorted((a for a in parsed if a is not None), key=lambda a: a.name)

    async def find(self, name_or_id: str) -> App | None:
        """An app of a fresh look, by id or name (exact first, then ignoring case); None
        when the look is not fresh or does not list it (made since, say)."""
        look = await self.look()
        if look is None or not self.recent(look):
            return None
        apps = await self._apps_of(look)
        for matches in (
            lambda a: name_or_id in (a.id, a.spec.name),
            lambda a: a.spec.name.lower() == name_or_id.lower(),
        ):
            for app in apps:
                if matches(app):
                    return app
        return None

    async def listed(self, *, idle_interval: float) -> list[App] | None:
        """``apps()`` of a look somebody is still taking; None when there is none.

        ``idle_interval`` (``ROLLBACK_FLEET_INTERVAL``): a look taken while rollbacks were
        followed says the next comes one poll interval later, but once they end it comes
        only this much later; the look is still the latest then, not a stale one."""
        look = await self.look()
        if look is None:
            return None
        still = look.model_copy(update={"interval": max(look.interval, idle_interval)})
        if not self.fresh(still):
            return None
        return await self._apps_of(look)

    async def _apps_of(self, look: Look) -> list[App]:
        """``apps()`` as of ``look``, read from Redis once per look: a menu asks on every
        keystroke and a command finds its app by name, and the whole fleet's JSON is
        megabytes at a few hundred apps (a look's apps are published with it, at once)."""
        if self._listed[0] != look.seq:
            self._listed = (look.seq, await self.apps())
        return self._listed[1]

    def _parse(self, app_id: str, raw: str) -> App | None:
        cached = self._parsed.get(app_id)
        if cached is not None and cached[0] == raw:
            return cached[1]
        try:
            app: App | None = App.model_validate_json(raw)
        except ValidationError:
            log.warning("fleet view: app %s could not be read back; ignored", app_id)
            app = None
        self._parsed[app_id] = (raw, app)
        return app
