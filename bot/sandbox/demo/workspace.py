"""The demo's Slack workspace: its people and its one channel, on the Slack stand-in.

The stand-in (``bot.sandbox.slack.fake``) holds what Slack would show and answers the
bot's Web API calls by Slack's rules; the page (``page.py``) and the relay (``relay.py``)
only translate. Everything runs on the demo's one event loop, in real time: ts are
wall-clock, the pace and the response URLs' 30 minutes run on ``clock``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.slack.fake import FakeSlack, Identity
from bot.sandbox.slack.messages import WallClockTs


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str
    color: str
    bot: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "color": self.color,
            "bot": self.bot,
        }


BOT = Person("UROLLBACKBOT", "rollback-bot", "the bot", "#2bac76", bot=True)
PEOPLE = (
    Person("UALICE", "Alice", "requester", "#e8912d"),
    Person("UBOB", "Bob", "approver", "#1264a3"),
    Person("UCAROL", "Carol", "on call", "#a72f7b"),
)
IDENTITY = Identity(
    team_id="TDEMO0001",
    team_name="Rollback demo",
    url="http://localhost/",
    bot_user=BOT.id,
    bot_name=BOT.name,
    bot_id="BROLLBACKBOT",
)


class Workspace:
    """The people, the channel, and ``slack``: the stand-in the bot talks to, served at
    ``{base_url}/slack`` (``slack.routes(prefix="/slack")``)."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str = "",
        channel_id: str = "CDEPLOYS",
        channel_name: str = "deploys",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.team_id = IDENTITY.team_id
        self.channel_id = channel_id
        self.channel_name = channel_name
        self.people = {p.id: p for p in (BOT, *PEOPLE)}
        # The bot's scopes are the defaults: the manifest's bot scopes. Only response URLs
        # the demo handed out are answered: nothing makes one up.
        self.slack = FakeSlack(
            token=token,
            identity=IDENTITY,
            clock=clock,
            next_ts=WallClockTs(),
            issued_urls_only=True,
            url=f"{base_url}/slack",
        )
        # #deploys is public, everyone is in it, the bot too (it was invited).
        self.slack.add_channel(channel_id, members=self.people)
