"""What the use cases work with, gathered in one value so listeners can pass it on."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.access import Approvers
from bot.audit import AuditLog
from bot.channel_pace import ChannelPace
from bot.chat import Chat
from bot.digitalocean import DigitalOceanClient
from bot.locks import AppLocks
from bot.metrics import Metrics
from bot.settings import Settings
from bot.store import Store
from bot.watcher import Watcher


@dataclass(frozen=True)
class Deps:
    settings: Settings
    do: DigitalOceanClient
    store: Store
    chat: Chat
    pace: ChannelPace
    watcher: Watcher
    approvers: Approvers
    locks: AppLocks
    audit: AuditLog
    metrics: Metrics
    clock: Callable[[], float] = field(default=time.time)
