"""Settings that still hold an example's placeholder.

``.env.example`` ships ``xoxb-...``, ``dop_v1_...``, ``xapp-...``; deploy/k8s's example
Secret ships ``CHANGE-ME``. Such values load as well-formed settings, so ``check`` names
them itself rather than sending a placeholder to Slack or DigitalOcean and reporting what
they answer. The values are never printed: a real one could match by chance.
"""

from __future__ import annotations

import re

from pydantic import SecretStr

from bot.settings import Settings

# "..." or "…" (an elided token), CHANGE-ME / change_me / changeme as a word, or <...>.
_MARKS = re.compile(r"\.\.\.|…|(?<![a-z0-9])change[-_ ]?me(?![a-z0-9])|<[^<>]*>", re.IGNORECASE)
# A token prefix with nothing after it.
_BARE = frozenset({"xoxb-", "xapp-", "dop_v1_"})

NEEDED_BY = {  # the check that would send the setting somewhere
    "slack": "SLACK_BOT_TOKEN",
    "socket mode": "SLACK_APP_TOKEN",
    "digitalocean": "DIGITALOCEAN_TOKEN",
    "redis": "REDIS_URL",
}


def is_placeholder(value: str) -> bool:
    bare = value.strip()
    return bare in _BARE or _MARKS.search(bare) is not None


def placeholders(settings: Settings) -> list[str]:
    """The names of the settings that hold a placeholder, in the order of .env.example."""
    values: dict[str, SecretStr | str | None] = {
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
        "DIGITALOCEAN_TOKEN": settings.digitalocean_token,
        "REDIS_URL": settings.redis_url,
        "SLACK_APP_TOKEN": settings.slack_app_token,
    }
    return [
        name
        for name, value in values.items()
        if value is not None
        and is_placeholder(value.get_secret_value() if isinstance(value, SecretStr) else value)
    ]


def sentence(names: list[str]) -> str:
    """One sentence naming every setting that still holds a placeholder."""
    if len(names) == 1:
        return (
            f"{names[0]} still holds the example's placeholder: set its real value "
            '(README.md, "Install it into Slack").'
        )
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    return (
        f"{listed} still hold the example's placeholders: set their real values "
        '(README.md, "Install it into Slack").'
    )
