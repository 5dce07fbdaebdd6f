"""Where a bot may post and edit, how fast it may post, how long a ``response_url`` lasts.

Pure rules over plain data: a stand-in keeps the state (its channels, its messages, its
clock) and asks these functions what Slack would answer. Message contents are checked in
``blocks``, re-exported here so a stand-in needs one import.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from bot.sandbox.slack.blocks import (
    Refusal,
    block_problems,
    check_content,
    check_message,
    read_blocks,
)

__all__ = [
    "CHAT_WRITE",
    "CHAT_WRITE_PUBLIC",
    "RATELIMITED",
    "Channel",
    "Channels",
    "ManualClock",
    "Pace",
    "PostingPace",
    "Refusal",
    "ResponseUrls",
    "block_problems",
    "check_content",
    "check_message",
    "may_post",
    "may_post_ephemeral",
    "may_see",
    "may_update",
    "read_blocks",
]

CHAT_WRITE = "chat:write"
CHAT_WRITE_PUBLIC = "chat:write.public"
# https://docs.slack.dev/apis/web-api/rate-limits: a rate-limited call is answered HTTP 429
# with a Retry-After header; the body is Slack's usual refusal.
RATELIMITED = Refusal("ratelimited")


@dataclass(frozen=True)
class Channel:
    """A conversation as the bot's token sees it."""

    id: str
    private: bool = False
    members: frozenset[str] | None = None
    """Who is in it; None when not modelled: every person is in, the bot is not."""

    def has(self, user: str, *, bot: str) -> bool:
        return user in self.members if self.members is not None else user != bot


class Channels:
    """The workspace's conversations: those a test or the demo declared, defaults for the rest.

    Conversation ids start with C (channels), G (private channels, "private groups") or D
    (direct messages). An undeclared C… id is a public channel the bot is not in, so a
    test posting to "CDEPLOY" needs no set-up (the bot reaches it through
    ``chat:write.public``); an undeclared G… or D… id is private and without the bot. Any
    other id (a name, a user id) is not a conversation the stand-ins know.
    """

    def __init__(self) -> None:
        self._declared: dict[str, Channel] = {}

    def add(
        self, channel_id: str, *, private: bool = False, members: Iterable[str] | None = None
    ) -> Channel:
        channel = Channel(
            channel_id, private=private, members=None if members is None else frozenset(members)
        )
        self._declared[channel_id] = channel
        return channel

    def get(self, channel_id: str) -> Channel | None:
        if channel_id in self._declared:
            return self._declared[channel_id]
        if channel_id.startswith("C"):
            return Channel(channel_id)
        if channel_id.startswith(("G", "D")):
            return Channel(channel_id, private=True, members=frozenset())
        return None


def _scope(scopes: Collection[str]) -> Refusal | None:
    # chat.postMessage / chat.update, "Scopes": bot token chat:write; without it Slack
    # answers missing_scope, naming the scope ("needed") and the token's ("provided").
    if CHAT_WRITE in scopes:
        return None
    return Refusal("missing_scope", extra=(("needed", CHAT_WRITE), ("provided", ",".join(scopes))))


def may_see(channel: Channel | None, *, bot: str, scopes: Collection[str]) -> Refusal | None:
    """chat.update: the conversation must be one the bot can see.

    A private channel or DM is visible to its members only; to anyone else Slack answers as
    if it did not exist (chat.postMessage's errors: "channel_not_found: Value passed for
    channel was invalid.").
    """
    refused = _scope(scopes)
    if refused is not None:
        return refused
    if channel is None or (channel.private and not channel.has(bot, bot=bot)):
        return Refusal("channel_not_found")
    return None


def may_post(channel: Channel | None, *, bot: str, scopes: Collection[str]) -> Refusal | None:
    """chat.postMessage: may the bot post in this conversation?

    https://docs.slack.dev/reference/scopes/chat.write.public: "Send messages to channels
    your Slack app isn't a member of" — public channels only; private channels and DMs need
    the bot as a member (else ``channel_not_found``, above). Without the scope, a public
    channel the bot is not in answers "not_in_channel: Cannot post user messages to a
    channel they are not in." (chat.postMessage's errors).
    """
    refused = may_see(channel, bot=bot, scopes=scopes)
    if refused is not None or channel is None:  # may_see refuses an unknown channel
        return refused
    if not channel.has(bot, bot=bot) and CHAT_WRITE_PUBLIC not in scopes:
        return Refusal("not_in_channel")
    return None


def may_post_ephemeral(
    channel: Channel | None, user: str, *, bot: str, scopes: Collection[str]
) -> Refusal | None:
    """chat.postEphemeral: as chat.postMessage, and the person must be in the conversation
    ("user_not_in_channel: Intended recipient is not in the specified channel.")."""
    refused = may_post(channel, bot=bot, scopes=scopes)
    if refused is not None or channel is None:
        return refused
    return None if channel.has(user, bot=bot) else Refusal("user_not_in_channel")


def may_update(author: str | None, *, ephemeral: bool, bot: str) -> Refusal | None:
    """chat.update of a message by ``author`` (None: no message has that ts there).

    https://docs.slack.dev/messaging/modifying-messages: "Any non-ephemeral message may
    possibly be updated by an app"; "Ephemeral messages can't be updated in this way"; "An
    app can't just update every message in a conversation - only ones posted by the
    authenticated user of the token being used, including those posted as the app."
    chat.update's errors: "message_not_found: No message exists with the requested
    timestamp", "cant_update_message: Authenticated user does not have permission to update
    this message." An ephemeral message is not kept in the conversation, so chat.update
    does not find it.
    """
    if author is None or ephemeral:
        return Refusal("message_not_found")
    return None if author == bot else Refusal("cant_update_message")


@dataclass
class _Issued:
    at: float
    uses: int = 0


class ResponseUrls:
    """The uses left of each ``response_url``.

    https://docs.slack.dev/interactivity/handling-user-interaction ("Message responses"):
    a response_url can be used "up to 5 times within 30 minutes" of receiving it (the
    legacy-dialogs page: "your app can continue interacting with users up to 5 times within
    30 minutes of the action invocation"). What Slack answers beyond that is not
    documented; the stand-ins answer HTTP 404 with ``used_url`` or ``expired_url``, the
    error names Slack uses for them [unverified].

    Only accepted posts count as uses. A URL never ``issue``d (a test made it up) counts
    from its first use: the stand-in cannot know when the bot received it.
    """

    def __init__(self, *, uses: int = 5, lifetime: float = 30 * 60) -> None:
        self.uses = uses
        self.lifetime = lifetime
        self._issued: dict[str, _Issued] = {}

    def issue(self, key: str, now: float) -> None:
        self._issued[key] = _Issued(now)

    def check(self, key: str, now: float) -> Refusal | None:
        issued = self._issued.setdefault(key, _Issued(now))
        if now - issued.at > self.lifetime:
            return Refusal("expired_url")
        if issued.uses >= self.uses:
            return Refusal("used_url")
        return None

    def spend(self, key: str) -> None:
        self._issued[key].uses += 1


@dataclass(frozen=True)
class Pace:
    """chat.postMessage's pace per channel: ``rate`` posts a second, bursts of ``burst``.

    https://docs.slack.dev/apis/web-api/rate-limits: "chat.postMessage generally allows
    posting one message per second per channel, while also maintaining a workspace-wide
    limit"; "Posting messages: 1 per second. Short bursts >1 allowed. If you attempt
    bursts, there is no guarantee that messages will…" How long a burst may be, the page
    does not say: 5 is this model's guess. The workspace-wide limit is not modelled.
    """

    rate: float = 1.0
    burst: int = 5


class PostingPace:
    """A token bucket per channel: ``take`` spends a post, or says how long to wait."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # channel → (tokens, at)

    def take(self, channel: str, now: float, pace: Pace | None) -> int | None:
        """None when a post to ``channel`` may go now (it is counted); else the whole
        seconds (at least 1) to put in ``Retry-After``."""
        if pace is None:
            return None
        tokens, at = self._buckets.get(channel, (float(pace.burst), now))
        tokens = min(float(pace.burst), tokens + max(0.0, now - at) * pace.rate)
        if tokens >= 1:
            self._buckets[channel] = (tokens - 1, now)
            return None
        self._buckets[channel] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / pace.rate))


class ManualClock:
    """A clock a test moves by hand: ``clock()`` is now, ``clock.advance(s)`` lets time pass."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
