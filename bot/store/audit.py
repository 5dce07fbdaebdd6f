"""The audit trail: every decision and outcome, as ``AuditEntry`` records appended to a
capped Redis stream.

An audit write never stops the work it describes: if Redis refuses it, the event is
logged instead (the log is the audit of last resort).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict

from bot.domain.records import AuditEntry, Event
from bot.errors import StoreUnavailableError
from bot.store import keys
from bot.store.connect import Client
from bot.store.guard import guard

log = logging.getLogger(__name__)

_SCAN = 1000


class AuditLog:
    def __init__(
        self, client: Client, *, maxlen: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = client
        self._maxlen = maxlen
        self._clock = clock

    async def record(
        self,
        event: Event,
        *,
        user: str = "",
        app: str = "",
        app_id: str = "",
        deployment: str = "",
        target: str = "",
        card: str = "",
        reason: str = "",
        why: str = "",
        incident: str = "",
    ) -> None:
        """Append an event. ``reason`` is a sentence fit for Slack, like an error's
        ``user_message``: whatever it quotes from DigitalOcean or a user is escaped."""
        entry = AuditEntry(
            event=event,
            at=self._clock(),
            user=user,
            app=app,
            app_id=app_id,
            deployment=deployment,
            target=target,
            card=card,
            reason=reason,
            why=why,
            incident=incident,
        )
        fields: dict[str, str] = {
            k: str(v.value if isinstance(v, Event) else v) for k, v in asdict(entry).items() if v
        }
        try:
            async with guard(self._redis):
                await self._redis.xadd(
                    keys.AUDIT_STREAM,
                    dict(fields.items()),  # a fresh dict typed the way redis-py asks
                    maxlen=self._maxlen,
                    approximate=True,
                )
        except StoreUnavailableError:
            log.error("audit event not stored (Redis unavailable): %s", fields)
            return
        log.info("audit %s", " ".join(f"{k}={v}" for k, v in fields.items() if k != "at"))

    async def recent(self, *, app: str | None = None, limit: int = 20) -> list[AuditEntry]:
        """The newest events first; ``app`` matches an app name or id."""
        async with guard(self._redis):
            rows = await self._redis.xrevrange(keys.AUDIT_STREAM, count=_SCAN if app else limit)
        entries = []
        for _, fields in rows or ():
            entry = _entry({str(k): str(v) for k, v in (fields or {}).items()})
            if entry is None or (app and app not in (entry.app, entry.app_id)):
                continue
            entries.append(entry)
            if len(entries) >= limit:
                break
        return entries


def _entry(fields: dict[str, str]) -> AuditEntry | None:
    try:
        return AuditEntry(
            event=Event(fields["event"]),
            at=float(fields.get("at", 0)),
            user=fields.get("user", ""),
            app=fields.get("app", ""),
            app_id=fields.get("app_id", ""),
            deployment=fields.get("deployment", ""),
            target=fields.get("target", ""),
            card=fields.get("card", ""),
            reason=fields.get("reason", ""),
            why=fields.get("why", ""),
            incident=fields.get("incident", ""),
        )
    except (KeyError, ValueError):
        return None
