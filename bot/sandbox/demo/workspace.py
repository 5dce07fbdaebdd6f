"""The demo's Slack workspace, in memory: people, one channel, its messages and threads.

It holds what Slack would show; the HTTP faces (``slack_api.py`` for the bot, ``page.py``
for the browser) only translate. Everything runs on the demo's one event loop, so plain
data structures need no lock.

It also holds what Slack's rules (``bot.sandbox.slack.rules``) need to know: who is in the
channel, the bot's scopes, each ``response_url``'s uses and the channel's posting pace,
all on ``clock`` (real seconds: the demo's Slack runs in real time).
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.slack.rules import Channels, Pace, PostingPace, ResponseUrls

Block = dict[str, Any]


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


@dataclass
class Post:
    """A message as Slack keeps it; ``visible_to`` makes it ephemeral."""

    ts: str
    channel: str
    user: str
    text: str
    blocks: list[Block] = field(default_factory=list)
    thread_ts: str | None = None
    visible_to: str | None = None
    edited: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "ts": self.ts,
            "channel": self.channel,
            "user": self.user,
            "text": self.text,
            "blocks": copy.deepcopy(self.blocks),
            "thread_ts": self.thread_ts,
            "ephemeral": self.visible_to is not None,
            "edited": self.edited,
        }


@dataclass(frozen=True)
class ResponseTarget:
    """Where a ``response_url`` answer lands: who acted, and on which message."""

    user: str
    channel: str
    thread_ts: str | None = None
    message_ts: str | None = None


# What the demo's bot token may do, as auth.test reports it: the manifest's bot scopes.
SCOPES = ("commands", "chat:write", "chat:write.public")


class Workspace:
    def __init__(
        self,
        *,
        channel_id: str = "CDEPLOYS",
        channel_name: str = "deploys",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.team_id = "TDEMO0001"
        self.channel_id = channel_id
        self.channel_name = channel_name
        self.people = {p.id: p for p in (BOT, *PEOPLE)}
        self.version = 0
        self.clock = clock
        self.scopes = SCOPES
        self.channels = Channels()
        # #deploys is public, everyone is in it, the bot too (it was invited).
        self.channels.add(channel_id, members=self.people)
        self.pace: Pace | None = Pace()
        self.posting = PostingPace()
        self.response_urls = ResponseUrls()
        self._posts: list[Post] = []
        self._responses: dict[str, ResponseTarget] = {}
        self._last_micros = 0

    # --- writing ---------------------------------------------------------------------

    def next_ts(self) -> str:
        """A Slack-style ``seconds.micros`` ts, strictly increasing so it orders messages."""
        micros = max(time.time_ns() // 1000, self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def post(
        self,
        *,
        user: str,
        text: str,
        blocks: list[Block] | None = None,
        thread_ts: str | None = None,
        visible_to: str | None = None,
        ts: str | None = None,
        channel: str | None = None,
    ) -> Post:
        message = Post(
            ts=ts or self.next_ts(),
            channel=channel or self.channel_id,
            user=user,
            text=text,
            blocks=list(blocks or []),
            thread_ts=thread_ts,
            visible_to=visible_to,
        )
        self._posts.append(message)
        self._posts.sort(key=lambda p: p.ts)
        self._changed()
        return message

    def update(self, ts: str, *, text: str | None, blocks: list[Block] | None) -> Post | None:
        message = self.find(ts)
        if message is None:
            return None
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = list(blocks)
        message.edited = True
        self._changed()
        return message

    def delete(self, ts: str) -> bool:
        before = len(self._posts)
        self._posts = [p for p in self._posts if p.ts != ts]
        self._changed()
        return len(self._posts) < before

    def response_url_key(self, target: ResponseTarget) -> str:
        """Remember where answers to one command or click go; the key is its URL's secret."""
        key = secrets.token_urlsafe(12)
        self._responses[key] = target
        self.response_urls.issue(key, self.clock())  # its 30 minutes start now
        return key

    def response_target(self, key: str) -> ResponseTarget | None:
        return self._responses.get(key)

    def _changed(self) -> None:
        # The page polls with the version it has; an unchanged number means no redraw.
        self.version += 1

    # --- reading ---------------------------------------------------------------------

    def find(self, ts: str, *, channel: str | None = None) -> Post | None:
        return next(
            (p for p in self._posts if p.ts == ts and (channel is None or p.channel == channel)),
            None,
        )

    def visible(self, user: str) -> list[Post]:
        return [p for p in self._posts if p.visible_to in (None, user)]

    def timeline(self, user: str) -> list[dict[str, Any]]:
        """Top-level messages as ``user`` sees them, each with its thread's replies."""
        shown = self.visible(user)
        top = [p for p in shown if p.thread_ts in (None, p.ts)]
        replies: dict[str, list[dict[str, Any]]] = {}
        for p in shown:
            if p.thread_ts not in (None, p.ts):
                replies.setdefault(str(p.thread_ts), []).append(p.to_json())
        return [{**p.to_json(), "replies": replies.get(p.ts, [])} for p in top]
