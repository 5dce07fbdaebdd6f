"""What the use cases work with, gathered in one value so listeners can pass it on."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.digitalocean.client import DigitalOceanClient
from bot.domain.channels import ChannelRules
from bot.fleet.watcher import Watcher
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack.client import Chat
from bot.slack.pace import ChannelPace
from bot.store.audit import AuditLog
from bot.store.locks import AppLocks
from bot.store.redis_store import Store
from bot.usecases.access import Policies


@dataclass(frozen=True)
class Deps:
    settings: Settings
    do: DigitalOceanClient
    store: Store
    chat: Chat
    pace: ChannelPace
    watcher: Watcher
    policy: Policies
    channels: ChannelRules
    """Where each app may be acted on: ROLLBACK_CHANNELS with the policy's channels."""
    locks: AppLocks
    audit: AuditLog
    metrics: Metrics
    clock: Callable[[], float] = field(default=time.time)
