"""The demo's own settings: fixed demo tokens, a fresh signing secret, a quick poll.

Nothing is read from the environment or a ``.env`` file (a developer's real tokens must
never reach the sandbox, nor its fake ones the real services); only the Redis URL is
chosen outside, by ``redis_choice.demo_redis``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.settings import Settings, parse_ages

POLICY_FILE = Path(__file__).with_name("policy.yaml")

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
    fleet_interval: float = 3.0
    """The bot's ROLLBACK_FLEET_INTERVAL: a rollback made in the control panel is
    announced within about this long, not the production 30 s."""
    verify_seconds: float = 20.0
    """The bot's ROLLBACK_VERIFY_SECONDS: the verdict and a bad deploy's card come within
    a visitor's patience, not the production 2 minutes."""
    pin_reminders: str = "1m,3m"
    """The bot's ROLLBACK_PIN_REMINDERS: a pinned app is reminded of in minutes, not hours."""


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


def demo_settings(
    options: DemoOptions, *, base_url: str, redis_url: str, channel_id: str
) -> DemoSettings:
    return DemoSettings(
        slack_bot_token=SLACK_TOKEN,
        # Fresh each run: only this process can sign requests its bot accepts.
        slack_signing_secret=secrets.token_hex(16),
        slack_api_url=f"{base_url}/slack/api/",
        digitalocean_token=DIGITALOCEAN_TOKEN,
        digitalocean_api_url=f"{base_url}/do",
        redis_url=redis_url,
        rollback_poll_interval=options.poll_interval,
        rollback_fleet_interval=options.fleet_interval,
        rollback_verify_seconds=options.verify_seconds,
        rollback_pin_reminders=parse_ages(options.pin_reminders),
        # No ROLLBACK_CHANNELS: the demo's one channel hears of every app, so rollbacks made
        # in the control panel and bad deploys have somewhere to be told.
        rollback_notify_channel=channel_id,
        # sample-warn needs two approvers; Carol may break the glass (policy.yaml).
        rollback_policy_file=str(POLICY_FILE),
    )
