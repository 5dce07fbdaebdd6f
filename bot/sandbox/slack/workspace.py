"""A Slack workspace in memory: its conversations and messages, who the bot is, what its
token may do, and what Slack's rules (``bot.sandbox.slack.rules``) need to know: who is in
each channel, each ``response_url``'s uses, each channel's posting pace, all on ``clock``
(``ManualClock`` lets a test move it).

The Web API (``web_api.py``) reads and changes it; tests and the demo page read it
through the same methods. Every method holds the workspace's lock: the HTTP server
answers in its own thread while a test reads, and ``wait_for`` wakes on every change.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.sandbox.slack.messages import BOT_USER, Block, CountingTs, Message, Messages
from bot.sandbox.slack.rules import Channel, Channels, Pace, PostingPace, ResponseUrls
from bot.sandbox.slack.surfaces import Surfaces

T = TypeVar("T")
APP_TOKEN = "xapp-1-A0001-3333-" + "s0ck3t" * 4
SCOPES = ("commands", "chat:write", "chat:write.public")


@dataclass(frozen=True)
class Identity:
    """Who the workspace and the bot are, as ``auth.test`` tells the bot."""

    team_id: str = "T0001"
    team_name: str = "Example"
    url: str = "https://example.slack.com/"
    bot_user: str = BOT_USER
    bot_name: str = "rollback-bot"
    bot_id: str = "B0001"
    app_id: str = "A0001"


@dataclass(frozen=True)
class ResponseTarget:
    """Where a ``response_url`` answer lands: who acted, and on which message."""

    user: str
    channel: str
    thread_ts: str | None = None
    message_ts: str | None = None


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    status: int
    error: str = ""
    """Slack's error code when it refused the call (``ok: false`` or a 429)."""
    headers: dict[str, str] = field(default_factory=dict)
    """The request's headers (``user-agent``, say), lower-case names."""


@dataclass
class Workspace:
    token: str = "xoxb-test-token"  # noqa: S105 (a stand-in's, not a secret)
    app_token: str = APP_TOKEN
    scopes: tuple[str, ...] = SCOPES
    """What ``auth.test`` reports in its ``x-oauth-scopes`` header, and what the rules read."""
    identity: Identity = field(default_factory=Identity)
    pace: Pace | None = field(default_factory=Pace)
    """chat.postMessage's pace per channel (1 a second, bursts of 5). None turns it off, for
    a test that compresses time: real Slack would slow its posts to real seconds."""
    clock: Callable[[], float] = time.monotonic
    """Seconds, for the pace and response URLs' 30 minutes (``ManualClock`` to move it)."""
    wall: Callable[[], float] = time.time
    """Unix seconds, for a ``trigger_id``'s 3 seconds: they count from the issue time the
    trigger carries (``<n>.<unix-seconds>.trigger``)."""
    people: frozenset[str] | None = None
    """The workspace's people, when a test declares them; None: any ``U…``/``W…`` id is one."""
    next_ts: Callable[[], str] = field(default_factory=CountingTs)
    issued_urls_only: bool = False
    """True: a ``response_url`` never handed out is refused (``no_such_response_url``).
    False: a made-up one counts from its first use (a test's driver makes them up)."""
    url: str = ""
    """Where it is served: the Web API is ``{url}/api/``, response URLs ``{url}/response/``."""
    groups: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    refusals: list[Call] = field(default_factory=list)
    """What a rule refused: Web API calls and ``response_url`` posts (method "response_url")."""
    responses: list[dict[str, Any]] = field(default_factory=list)
    """``response_url`` posts Slack accepted, as sent."""
    answered: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The same posts by ``response_url`` key (one command's or click's answers)."""
    acks: list[dict[str, Any]] = field(default_factory=list)
    """Socket Mode acks, as the bot sent them (``{"envelope_id", "payload"?}``)."""
    socket_urls: Callable[[], str] | None = None
    """Hands out the Socket Mode URLs ``apps.connections.open`` answers with, while served."""
    tickets_refused: list[int] = field(default_factory=list)
    """Socket Mode URLs refused (used before, or expired), by number, in order."""
    tickets_connected: list[int] = field(default_factory=list)
    """Socket Mode URLs that got a connection, by number, in order."""

    def __post_init__(self) -> None:
        self.lock = threading.Condition()  # re-entrant: its lock is an RLock
        self.channels = Channels()
        self.store = Messages()
        self.messages = self.store.posted
        """Messages in conversations: the bot's posts and people's (``add_user_message``)."""
        self.ephemerals = self.store.ephemeral
        self.posting = PostingPace()
        self.response_urls = ResponseUrls()
        self.targets: dict[str, ResponseTarget] = {}
        self.surfaces = Surfaces()
        """Modals and Home tabs (``views.*``) and the triggers already exchanged."""
        self.version = 0
        """Counts changes: the demo page redraws only when it moved."""

    # --- writing ---------------------------------------------------------------------

    def add_channel(
        self, channel_id: str, *, private: bool = False, members: Iterable[str] | None = None
    ) -> Channel:
        """Declare a conversation; the bot is in it when its user id is among ``members``
        (None: every person is in, the bot is not)."""
        with self.lock:
            return self.channels.add(channel_id, private=private, members=members)

    def post(
        self,
        *,
        channel: str,
        user: str,
        text: str,
        blocks: list[Block] | None = None,
        thread_ts: str | None = None,
        visible_to: str | None = None,
        ts: str | None = None,
    ) -> Message:
        """Keep a message (``ts``: one taken earlier with ``next_ts``); Slack's rules are the
        Web API's to apply, not this method's."""
        with self.lock:
            message = Message(
                channel=channel,
                ts=ts or self.next_ts(),
                text=text,
                blocks=list(blocks or []),
                thread_ts=thread_ts,
                user=user,
                visible_to=visible_to,
            )
            self.store.keep(message)
            self.notify()
            return message.copy()

    def add_user_message(
        self, channel: str, text: str, *, user: str = "UALICE", thread_ts: str | None = None
    ) -> Message:
        """A person's message in ``channel`` (the bot may read it, not edit it)."""
        return self.post(channel=channel, user=user, text=text, thread_ts=thread_ts)

    def edit(self, ts: str, *, text: str | None, blocks: list[Block] | None) -> Message | None:
        with self.lock:
            found = self.store.find(ts)
            if found is None:
                return None
            found.text = found.text if text is None else text
            found.blocks = found.blocks if blocks is None else list(blocks)
            found.edits += 1
            self.notify()
            return found.copy()

    def delete(self, ts: str) -> bool:
        with self.lock:
            deleted = self.store.delete(ts)
            self.notify()
            return deleted

    def response_url(self, key: str | None = None, *, target: ResponseTarget | None = None) -> str:
        """A ``response_url`` received now: its 30 minutes start at once, not at first use.
        With a ``target``, what is posted to it shows in the conversation (the demo)."""
        key = key or secrets.token_urlsafe(12)
        with self.lock:
            self.response_urls.issue(key, self.clock())
            if target is not None:
                self.targets[key] = target
        return f"{self.url}/response/{key}"

    def app_ids(self) -> dict[str, str]:
        """The ids a view carries: its team's, the app's and the bot's."""
        who = self.identity
        return {"team_id": who.team_id, "app_id": who.app_id, "bot_id": who.bot_id}

    def is_person(self, user: str) -> bool:
        """Is ``user`` someone in the workspace (user ids start with U, or W on Enterprise
        Grid)?"""
        if self.people is not None:
            return user in self.people
        return user.startswith(("U", "W")) and user[1:].isalnum()

    def notify(self) -> None:
        """Something changed: wake ``wait_for``s and tell the page."""
        with self.lock:
            self.version += 1
            self.lock.notify_all()
