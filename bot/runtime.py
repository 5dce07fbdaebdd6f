"""Wiring: builds the clients, the store, the watcher and the Bolt app from settings.

Shared by every way of running the bot (HTTP now; Socket Mode and the demo later), so
there is one code path for the logic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp

from bot import listeners
from bot.chat import Chat, make_web_client
from bot.deps import Deps
from bot.digitalocean import DigitalOceanClient
from bot.errors import StoreUnavailableError
from bot.settings import Settings
from bot.store import Store
from bot.tasks import TaskTracker
from bot.watcher import Watcher

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    deps: Deps
    tasks: TaskTracker
    bolt: AsyncApp

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        web = make_web_client(
            token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
        )
        do = DigitalOceanClient(
            token=settings.digitalocean_token.get_secret_value(),
            base_url=settings.digitalocean_api_url,
        )
        store = Store.from_url(settings.redis_url)
        chat = Chat(web)
        tasks = TaskTracker()
        watcher = Watcher(
            do=do,
            store=store,
            chat=chat,
            tasks=tasks,
            poll_interval=settings.rollback_poll_interval,
            watch_timeout=settings.rollback_watch_timeout,
        )
        deps = Deps(settings=settings, do=do, store=store, chat=chat, watcher=watcher)
        secret = settings.slack_signing_secret
        bolt = AsyncApp(
            client=web,
            signing_secret=secret.get_secret_value() if secret else None,
            # Our listeners only ack and spawn a tracked task, so answering after the
            # listener returns is immediate and skips Bolt's 10 ms ack polling.
            process_before_response=True,
            request_verification_enabled=secret is not None,
        )
        listeners.register(bolt, deps, tasks)
        return cls(deps=deps, tasks=tasks, bolt=bolt)

    async def start(self) -> None:
        try:
            await self.deps.watcher.resume_all()
        except StoreUnavailableError:
            log.error("could not resume watches: Redis is unavailable")

    async def aclose(self) -> None:
        self.deps.watcher.stop()
        await self.tasks.aclose(grace=10.0)
        await self.deps.do.aclose()
        await self.deps.store.aclose()
