"""What every part of the store shares: the connection pool and the clock, and reading
records that another version of the bot may have written."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.store.connect import Client

log = logging.getLogger(__name__)

R = TypeVar("R", bound=BaseModel)


class RedisRecords:
    """Base of the store's parts (``bot.store.redis_store.Store`` is all of them at once):
    each part's ``__init__`` registers its Lua scripts and passes the rest on."""

    def __init__(self, client: Client, *, clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._clock = clock

    @property
    def client(self) -> Client:
        """The connection pool, shared with the locks and the audit log."""
        return self._redis


def readable(model: type[R], raws: Iterable[str | bytes | None]) -> list[R]:
    """The records that can be read; one that cannot (written by another version of the
    bot, say) is logged and skipped rather than hiding every other."""
    found = []
    for raw in raws:
        if not raw:
            continue
        try:
            found.append(model.model_validate_json(raw))
        except ValidationError as exc:
            log.error("skipped an unreadable %s record: %s", model.__name__, exc.errors()[:1])
    return found
