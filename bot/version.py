"""How the bot names itself to the services it calls: one product token for every client.

``USER_AGENT`` is an RFC 9110 product token (``name/version``); the Slack clients put it
first in their User-Agent (``bot.slack.client``), and the DigitalOcean client can do the same.
"""

from __future__ import annotations

from importlib import metadata

NAME = "do-rollback-bot"


def version() -> str:
    """The installed distribution's version (pyproject's ``version``), "0.0.0" when the
    code runs from a checkout that was never installed."""
    try:
        return metadata.version(NAME)
    except metadata.PackageNotFoundError:
        return "0.0.0"


USER_AGENT = f"{NAME}/{version()}"
