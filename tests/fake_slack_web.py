"""The Web API methods of ``tests/fake_slack.py``: what each answers, by Slack's rules.

Each handler gets the call's arguments and returns (HTTP status, JSON body, headers). The
rules are ``bot.sandbox.slack.rules``; these handlers keep the workspace they apply to.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.sandbox.slack.rules import (
    RATELIMITED,
    Channels,
    Pace,
    PostingPace,
    Refusal,
    ResponseUrls,
    check_message,
    may_post,
    may_post_ephemeral,
    may_see,
    may_update,
)
from tests.fake_slack_socket import SocketServer

BOT_USER = "UBOT0001"
Answer = tuple[int, dict[str, Any], dict[str, str] | None]


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    edits: int = 0
    user: str = BOT_USER
    """Who posted it: the bot, or a person (``FakeSlack.add_user_message``)."""
    visible_to: str | None = None
    """Set on an ephemeral message (``chat.postEphemeral``): the one person who sees it."""

    def copy(self) -> Message:
        return replace(self, blocks=copy.deepcopy(self.blocks))

    def buttons(self) -> dict[str, str]:
        """action_id → value of every button on the message."""
        found = {}
        for block in self.blocks:
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    found[element["action_id"]] = element["value"]
        return found


class WebApi:
    """The Web API's methods, mixed into ``FakeSlack`` (which holds what is declared here)."""

    messages: list[Message]
    ephemerals: list[Message]
    responses: list[dict[str, Any]]
    groups: dict[str, list[str]]
    scopes: tuple[str, ...]
    pace: Pace | None
    clock: Callable[[], float]
    channels: Channels
    _by_ts: dict[str, Message]
    _posting: PostingPace
    _response_urls: ResponseUrls
    _ts: itertools.count[int]
    _socket: SocketServer | None

    def _keep(self, message: Message) -> None:
        """Store a message in a conversation (indexed: benchmarks keep tens of thousands)."""
        raise NotImplementedError

    def _answer(self, method: str, args: dict[str, Any]) -> Answer:
        handlers: dict[str, Callable[[dict[str, Any]], Answer]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "apps.connections.open": self._connections_open,
            "usergroups.users.list": self._group_members,
        }
        handler = handlers.get(method)
        return handler(args) if handler is not None else (200, {"ok": True}, None)

    def _auth_test(self, _: dict[str, Any]) -> Answer:
        body = {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "rollback-bot",
            "team_id": "T0001",
            "user_id": BOT_USER,
            "bot_id": "B0001",
        }
        return 200, body, {"x-oauth-scopes": ",".join(self.scopes)}

    def _post_message(self, args: dict[str, Any]) -> Answer:
        channel = str(args.get("channel", ""))
        refused = may_post(self.channels.get(channel), bot=BOT_USER, scopes=self.scopes)
        if refused is not None:
            return 200, refused.body(), None
        # The pace counts every post to a channel the bot may post in, whatever it carries
        # (the rate-limit page does not say; counting refused posts too is the stricter).
        retry_after = self._posting.take(channel, self.clock(), self.pace)
        if retry_after is not None:
            return 429, RATELIMITED.body(), {"Retry-After": str(retry_after)}
        blocks = check_message(args.get("text"), args.get("blocks"))
        if isinstance(blocks, Refusal):
            return 200, blocks.body(), None
        ts = self._next_ts()
        thread_ts = args.get("thread_ts") or None
        message = Message(channel, ts, str(args.get("text", "")), blocks, thread_ts)
        self._keep(message)
        return 200, {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}, None

    def _post_ephemeral(self, args: dict[str, Any]) -> Answer:
        channel, user = str(args.get("channel", "")), str(args.get("user", ""))
        refused = may_post_ephemeral(
            self.channels.get(channel), user, bot=BOT_USER, scopes=self.scopes
        )
        if refused is not None:
            return 200, refused.body(), None
        blocks = check_message(args.get("text"), args.get("blocks"))
        if isinstance(blocks, Refusal):
            return 200, blocks.body(), None
        ts = self._next_ts()
        text, thread_ts = str(args.get("text", "")), args.get("thread_ts") or None
        self.ephemerals.append(Message(channel, ts, text, blocks, thread_ts, visible_to=user))
        return 200, {"ok": True, "message_ts": ts}, None

    def _update(self, args: dict[str, Any]) -> Answer:
        channel = str(args.get("channel", ""))
        refused = may_see(self.channels.get(channel), bot=BOT_USER, scopes=self.scopes)
        found = self._by_ts.get(str(args.get("ts", "")))
        if found is not None and found.channel != channel:
            found = None
        if refused is None:
            author = found.user if found is not None else None
            refused = may_update(author, ephemeral=False, bot=BOT_USER)
        if refused is not None or found is None:
            return 200, (refused or Refusal("message_not_found")).body(), None
        # chat.update keeps what it is not given: the text, or the blocks when omitted.
        blocks = check_message(args.get("text", found.text), args.get("blocks", found.blocks))
        if isinstance(blocks, Refusal):
            return 200, blocks.body(), None
        found.text = str(args.get("text", found.text))
        found.blocks = blocks
        found.edits += 1
        return 200, {"ok": True, "channel": channel, "ts": found.ts}, None

    def _connections_open(self, _: dict[str, Any]) -> Answer:
        if self._socket is None:
            return 200, Refusal("internal_error").body(), None
        return 200, {"ok": True, "url": self._socket.url}, None

    def _group_members(self, args: dict[str, Any]) -> Answer:
        group = str(args.get("usergroup", ""))
        if group not in self.groups:
            return 200, Refusal("no_such_subteam").body(), None
        return 200, {"ok": True, "users": list(self.groups[group])}, None

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _respond(self, key: str, body: Any) -> tuple[int, str]:
        """Slack answers a response_url post with plain text: "ok", or the error."""
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        refused = self._response_urls.check(key, self.clock())
        if refused is not None:
            return 404, refused.error
        if not body.get("delete_original"):
            # What a response_url posts is a message like chat.postMessage's [unverified:
            # Slack documents no error table for response URLs; incoming webhooks answer
            # HTTP 400 with the error's name, e.g. "invalid_blocks" or "no_text"].
            blocks = check_message(body.get("text"), body.get("blocks"))
            if isinstance(blocks, Refusal):
                return 400, blocks.error
        self._response_urls.spend(key)
        self.responses.append(body)
        return 200, "ok"
