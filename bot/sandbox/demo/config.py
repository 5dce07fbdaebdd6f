"""The demo's own settings: fixed demo tokens, a fresh signing secret, a quick poll.

Nothing is read from the environment or a ``.env`` file (a developer's real tokens must
never reach the sandbox, nor its fake ones the real services); only the Redis URL is
chosen outside, by ``redis_choice.demo_redis``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.settings import Settings

# Fake tokens, known to the stand-ins only: the sandbox accepts nothing else.
SLACK_TOKEN = "xoxb-demo-0000-rollback-bot"  # noqa: S105
DIGITALOCEAN_TOKEN = "dop_v1_demo" + "0" * 53


@dataclass(frozen=True)
class DemoOptions:
    port: int = 3000
    host: str = "127.0.0.1"
    step_seconds: float = 1.5
    """Simulated seconds per rollback step: about 15 s for a whole rollback."""
    poll_interval: float = 1.0
    """The bot's ROLLBACK_POLL_INTERVAL."""


class DemoSettings(Settings):
    """The production settings model, filled only from what the demo passes in."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def demo_settings(*, base_url: str, redis_url: str, poll_interval: float) -> DemoSettings:
    return DemoSettings(
        slack_bot_token=SLACK_TOKEN,
        # Fresh each run: only this process can sign requests its bot accepts.
        slack_signing_secret=secrets.token_hex(16),
        slack_api_url=f"{base_url}/slack/api/",
        digitalocean_token=DIGITALOCEAN_TOKEN,
        digitalocean_api_url=f"{base_url}/do",
        redis_url=redis_url,
        rollback_poll_interval=poll_interval,
    )
