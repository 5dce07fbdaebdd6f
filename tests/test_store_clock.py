"""The store and the audit log read time from the clock they are given, never the wall's."""

from __future__ import annotations

import redis.asyncio as redis

from bot.domain.records import Card, DeploymentSummary, Event
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.redis_store import Store
from tests.factories import make_card

_THEN = 1_000_000.0


def _card(expires_at: float) -> Card:
    return make_card(
        id="c-clock",
        app_id="app-1",
        ts="",
        live=None,
        target=DeploymentSummary(id="target"),
        created_at=expires_at - 900,
        expires_at=expires_at,
    )


async def test_card_ttl_counts_from_the_injected_clock(redis_url: str) -> None:
    store = Store.from_url(redis_url, clock=lambda: _THEN)
    try:
        # On the wall's clock this card expired decades ago; on the store's it has 900 s.
        await store.save_card(_card(_THEN + 900))
        ttl = await store.client.ttl(keys.card("c-clock"))
        assert 900 + keys.CARD_KEEP_SECONDS - 5 <= ttl <= 900 + keys.CARD_KEEP_SECONDS
    finally:
        await store.aclose()


async def test_audit_entries_are_stamped_by_the_injected_clock(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        audit = AuditLog(client, maxlen=100, clock=lambda: _THEN)
        await audit.record(Event.REQUESTED, user="UALICE", app="clock-app")
        [entry] = await audit.recent(app="clock-app", limit=1)
        assert entry.at == _THEN
    finally:
        await client.aclose()
