"""The demo served in a thread, and its page API as the browser uses it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from bot.sandbox.demo import Demo, DemoOptions

T = TypeVar("T")
Message = dict[str, Any]
GOLANG_ID = "2471ff64-3fa5-5093-b61d-c311efb40623"
"""The simulator's sample-golang app."""


FAST = DemoOptions(port=0, step_seconds=0.2, poll_interval=0.1)


@contextmanager
def running_demo(redis_url: str, options: DemoOptions = FAST) -> Iterator[Demo]:
    """The demo on a free port, served by its own event loop in a thread, fast clock."""
    demo = Demo(options, redis_url=redis_url)
    thread = threading.Thread(target=asyncio.run, args=(demo.serve(),), daemon=True)
    thread.start()
    while not demo.started:
        assert thread.is_alive(), "the demo did not start"
        thread.join(0.01)
    try:
        yield demo
    finally:
        demo.stop()
        thread.join(30)
        assert not thread.is_alive(), "the demo did not stop"


@contextmanager
def page_of(demo: Demo) -> Iterator[Page]:
    """The page API of ``demo``, closed after."""
    page = Page(demo.url)
    try:
        yield page
    finally:
        page.http.close()


class Page:
    """What the browser does, through the page API."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)

    def state(self, user: str) -> dict[str, Any]:
        response = self.http.get("/demo/state", params={"user": user})
        response.raise_for_status()
        return dict(response.json())

    def messages(self, user: str) -> list[Message]:
        return list(self.state(user)["messages"])

    def type(self, user: str, text: str) -> None:
        response = self.http.post("/demo/message", json={"user": user, "text": text})
        assert response.json() == {"ok": True, "version": response.json()["version"]}

    def click(self, user: str, message: Message, action_id: str) -> None:
        value = buttons(message)[action_id]
        body = {"user": user, "ts": message["ts"], "action_id": action_id, "value": value}
        response = self.http.post("/demo/action", json=body)
        assert response.status_code == 200, response.text

    def panel(self) -> dict[str, Message]:
        """DigitalOcean's control panel: each app as it shows it, by name."""
        response = self.http.get("/demo/panel")
        response.raise_for_status()
        return {a["name"]: a for a in response.json()["apps"]}

    def in_panel(self, action: str, app: str) -> httpx.Response:
        """A button in the control panel, on the app named ``app``."""
        return self.http.post(f"/demo/panel/{action}", json={"app": self.panel()[app]["id"]})

    def view(self, user: str, verb: str, view: Message, **body: object) -> dict[str, Any]:
        """``POST /demo/view/{verb}`` on ``view`` (suggest, choose, press, submit, close)."""
        sent = {"user": user, "view_id": view["id"], **body}
        response = self.http.post(f"/demo/view/{verb}", json=sent)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_modal(self, user: str, *, unlike: Message | None = None) -> Message:
        """``user``'s open modal (once it is not ``unlike``: updated by the bot)."""

        def probe() -> Message | None:
            found: Message | None = self.state(user)["modal"]
            changed = unlike is None or (found and found["hash"] != unlike["hash"])
            return found if found and changed else None

        return self.wait(probe)

    def wait(self, probe: Callable[[], T | None], *, timeout: float = 20.0) -> T:
        deadline = time.monotonic() + timeout
        while True:
            found = probe()
            if found:
                return found
            assert time.monotonic() < deadline, f"condition not met within {timeout} s"
            time.sleep(0.05)  # the page polls too: there is nothing to be notified by

    def wait_top(self, user: str, needle: str) -> Message:
        return self.wait(
            lambda: next((m for m in self.messages(user) if needle in m["text"]), None)
        )

    def wait_reply(self, user: str, thread_ts: str, needle: str) -> Message:
        def probe() -> Message | None:
            card = next(m for m in self.messages(user) if m["ts"] == thread_ts)
            return next((r for r in card["replies"] if needle in r["text"]), None)

        return self.wait(probe)

    def thread(self, user: str, thread_ts: str) -> list[Message]:
        return list(next(m for m in self.messages(user) if m["ts"] == thread_ts)["replies"])


def buttons(message: Message) -> dict[str, str]:
    return {
        e["action_id"]: e["value"]
        for b in message["blocks"]
        for e in b.get("elements", [])
        if e.get("type") == "button"
    }
