"""The Slack stand-in: a workspace served over loopback HTTP, for the tests, the bench
and the demo.

It answers like Slack (``{"ok": true, ...}``; errors as HTTP 200 ``ok: false``; rate
limits as HTTP 429 with ``Retry-After``), keeps the messages it was sent so tests can
read a channel and a thread, and records every call.

It refuses what Slack refuses, by the rules in ``bot.sandbox.slack.rules`` (each quoting
the Slack page it follows):

- a conversation the bot may not post in (``add_channel`` declares private ones and
  members; an undeclared ``C…`` id is a public channel the bot is not in);
- blocks Slack would not render (``invalid_blocks``, with ``response_metadata.messages``),
  no content (``no_text``), too much text (``msg_too_long``);
- ``chat.update`` of a message the bot did not post (``add_user_message``);
- more than 5 posts to one ``response_url``, or any after 30 minutes;
- posting faster than ``pace`` in one channel (HTTP 429);
- a method it does not know (``unknown_method``);
- a view breaking the modal or Home tab rules (``invalid_arguments``), a ``trigger_id``
  used twice or past its 3 seconds, a stale ``hash`` (``views.*``, ``view_api.py``).

The state is ``workspace.py``, what each method answers ``web_api.py``, the routes
``routes.py``, injected faults ``faults.py``, Socket Mode ``socket_mode.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.routing import Route

from bot.sandbox.slack.faults import DROP_CONNECTION, Faults
from bot.sandbox.slack.messages import BOT_USER, Message
from bot.sandbox.slack.routes import slack_routes
from bot.sandbox.slack.socket_mode import SocketMode, SocketServer
from bot.sandbox.slack.views_held import ViewsHeld
from bot.sandbox.slack.workspace import (
    APP_TOKEN,
    SCOPES,
    Call,
    Identity,
    ResponseTarget,
)

__all__ = [
    "APP_TOKEN",
    "BOT_USER",
    "DROP_CONNECTION",
    "SCOPES",
    "Call",
    "FakeSlack",
    "Identity",
    "Message",
    "ResponseTarget",
]

T = TypeVar("T")


@dataclass
class FakeSlack(SocketMode, Faults, ViewsHeld):
    """The workspace (``Workspace``), served (``routes``), with faults a test injects
    (``Faults``: ``fail``, ``hold``, ``delay``) and Socket Mode (``SocketMode``)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        Faults.__init__(self)
        self._socket: SocketServer | None = None

    # --- serving ---------------------------------------------------------------------

    def routes(self, *, prefix: str = "") -> list[Route]:
        """The Web API at ``{prefix}/api/``, response URLs at ``{prefix}/response/``."""
        return slack_routes(self, self, prefix=prefix)

    def app(self) -> Starlette:
        return Starlette(routes=self.routes())

    # --- reading ---------------------------------------------------------------------

    def wait_for(self, probe: Callable[[], T | None], *, timeout: float = 10.0) -> T:
        """Wait until ``probe()`` is truthy (re-checked whenever Slack is called)."""
        with self.lock:
            result = self.lock.wait_for(probe, timeout=timeout)
        if not result:
            raise AssertionError(f"condition not met within {timeout} s")
        return result

    def changed(self, change: Callable[[], object]) -> None:
        with self.lock:
            change()
            self.notify()

    def top_level(self, channel: str | None = None) -> list[Message]:
        with self.lock:
            return [m.copy() for m in self.store.top_level(channel)]

    def thread(self, ts: str) -> list[Message]:
        with self.lock:
            return [m.copy() for m in self.store.thread(ts)]

    def message(self, ts: str) -> Message:
        found = self.find(ts)
        if found is None:
            raise KeyError(ts)
        return found

    def find(self, ts: str, *, channel: str | None = None) -> Message | None:
        with self.lock:
            found = self.store.find(ts, channel=channel)
            return None if found is None else found.copy()

    def visible(self, user: str) -> list[Message]:
        """What ``user`` sees, in order: the conversations' messages and their ephemerals."""
        with self.lock:
            return [m.copy() for m in self.store.visible(user)]

    def timeline(self, user: str) -> list[dict[str, Any]]:
        """Top-level messages as ``user`` sees them, each with its thread's replies (JSON)."""
        with self.lock:
            return self.store.timeline(user)

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    # --- views (modals and Home tabs; the rest in ``ViewsHeld``) ----------------------

    def wait_view(
        self, predicate: Callable[[dict[str, Any]], bool], *, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Wait for an open view (the newest first) that ``predicate`` accepts."""

        def probe() -> dict[str, Any] | None:
            found = [v for v in reversed(self.views.values()) if predicate(v)]
            return found[0] if found else None

        return self.wait_for(probe, timeout=timeout)

    def response_texts(self, key: str | None = None) -> list[str]:
        """Texts posted to response URLs: all of them, or those of one ``key``."""
        with self.lock:
            bodies = self.responses if key is None else self.answered.get(key, [])
            return [str(r.get("text", "")) for r in bodies]
