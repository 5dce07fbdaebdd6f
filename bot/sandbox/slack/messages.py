"""Messages as Slack keeps them, and the store that holds a workspace's.

A message in a conversation is kept in ``posted``; an ephemeral one (``chat.postEphemeral``
or a ``response_url`` answer only the actor sees) in ``ephemeral``: it is not in the
conversation, so ``chat.update`` does not find it there. Both are ordered by ts.
"""

from __future__ import annotations

import bisect
import copy
import itertools
import time
from dataclasses import dataclass, replace
from typing import Any

BOT_USER = "UBOT0001"
"""The bot's user id in the tests' workspace (``auth.test``'s ``user_id``)."""
Block = dict[str, Any]


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[Block]
    thread_ts: str | None = None
    edits: int = 0
    user: str = BOT_USER
    """Who posted it: the bot, or a person (``Workspace.add_user_message``)."""
    visible_to: str | None = None
    """Set on an ephemeral message: the one person who sees it."""

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

    def to_slack(self) -> dict[str, Any]:
        """The message as the Web API returns it (``chat.postMessage``'s ``message``), for
        an answer serialised at once (its blocks are this message's own, not copies)."""
        shape: dict[str, Any] = {"type": "message", "user": self.user, "ts": self.ts}
        shape |= {"text": self.text, "blocks": self.blocks}
        if self.thread_ts is not None:
            shape["thread_ts"] = self.thread_ts
        return shape

    def to_json(self) -> dict[str, Any]:
        """The message as the demo page reads it."""
        return {
            "ts": self.ts,
            "channel": self.channel,
            "user": self.user,
            "text": self.text,
            "blocks": copy.deepcopy(self.blocks),
            "thread_ts": self.thread_ts,
            "ephemeral": self.visible_to is not None,
            "edited": self.edits > 0,
        }


def ts_order(ts: str) -> tuple[int, ...]:
    """A ts's place in time: seconds, then the digits after the dot (as Slack orders them)."""
    return tuple(int(part) for part in ts.split(".") if part.isdigit())


class CountingTs:
    """``1700000000.000001``, ``…002``: a test's messages get stable, readable ts."""

    def __init__(self) -> None:
        self._n = itertools.count(1)

    def __call__(self) -> str:
        return f"1700000000.{next(self._n):06d}"


class WallClockTs:
    """Slack-style ``seconds.micros`` of now, strictly increasing so it orders messages."""

    def __init__(self) -> None:
        self._last_micros = 0

    def __call__(self) -> str:
        micros = max(time.time_ns() // 1000, self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


class Messages:
    """A workspace's messages, indexed by ts and by thread (benchmarks keep tens of
    thousands). Not thread-safe: the workspace holds its lock around every use."""

    def __init__(self) -> None:
        self.posted: list[Message] = []
        self.ephemeral: list[Message] = []
        self._by_ts: dict[str, Message] = {}
        self._threads: dict[str, list[Message]] = {}

    def keep(self, message: Message) -> None:
        kept = self.posted if message.visible_to is None else self.ephemeral
        if kept and ts_order(message.ts) < ts_order(kept[-1].ts):
            # A ts taken before the post (the demo's command ack): its place in time.
            bisect.insort(kept, message, key=lambda m: ts_order(m.ts))
        else:
            kept.append(message)
        self._by_ts[message.ts] = message
        if message.thread_ts is not None and message.visible_to is None:
            self._threads.setdefault(message.thread_ts, []).append(message)

    def find(self, ts: str, *, channel: str | None = None) -> Message | None:
        found = self._by_ts.get(ts)
        return found if found is not None and channel in (None, found.channel) else None

    def delete(self, ts: str) -> bool:
        found = self._by_ts.pop(ts, None)
        if found is None:
            return False
        (self.posted if found.visible_to is None else self.ephemeral).remove(found)
        if found.thread_ts in self._threads and found.visible_to is None:
            self._threads[found.thread_ts].remove(found)
        return True

    def top_level(self, channel: str | None) -> list[Message]:
        return [
            m
            for m in self.posted
            if m.thread_ts is None and (channel is None or m.channel == channel)
        ]

    def thread(self, ts: str) -> list[Message]:
        return list(self._threads.get(ts, []))

    def visible(self, user: str) -> list[Message]:
        """Every message ``user`` sees: the conversation's and their own ephemeral ones."""
        mine = [m for m in self.ephemeral if m.visible_to == user]
        return sorted([*self.posted, *mine], key=lambda m: ts_order(m.ts))

    def timeline(self, user: str) -> list[dict[str, Any]]:
        """Top-level messages as ``user`` sees them, each with its thread's replies."""
        shown = self.visible(user)
        top = [m for m in shown if m.thread_ts in (None, m.ts)]
        replies: dict[str, list[dict[str, Any]]] = {}
        for m in shown:
            if m.thread_ts not in (None, m.ts):
                replies.setdefault(str(m.thread_ts), []).append(m.to_json())
        return [{**m.to_json(), "replies": replies.get(m.ts, [])} for m in top]
