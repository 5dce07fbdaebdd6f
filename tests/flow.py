"""Helpers for end-to-end tests: read the card, the thread and the replies."""

from __future__ import annotations

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack, Message

GOLANG_ID = "2471ff64-3fa5-5093-b61d-c311efb40623"
GOLANG_TARGET = "7704be64-8a5a-5a1b-8e80-3c53d5c798d0"
BROKEN_ID = "40c1e3e6-3496-56af-ac06-34902cb6a04f"


def wait_card(slack: FakeSlack, app_name: str, *, channel: str = "CDEPLOY") -> Message:
    return slack.wait_for(
        lambda: next(
            (m for m in slack.top_level(channel) if f"Rollback {app_name}" in m.text), None
        )
    )


def wait_reply(slack: FakeSlack, thread_ts: str, needle: str, *, timeout: float = 10) -> Message:
    return slack.wait_for(
        lambda: next((m for m in slack.thread(thread_ts) if needle in m.text), None),
        timeout=timeout,
    )


def wait_response(slack: FakeSlack, needle: str) -> str:
    return slack.wait_for(lambda: next((t for t in slack.response_texts() if needle in t), None))


def rollback_posts(sim: Simulator, app_id: str) -> list[object]:
    return [
        r.json
        for r in sim.requests
        if r.method == "POST" and r.path == f"/v2/apps/{app_id}/rollback"
    ]


def pinned(sim: Simulator, app_id: str) -> bool:
    return "pinned_deployment" in sim.get_app(app_id)
