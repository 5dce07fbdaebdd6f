"""Cards and watches built for tests, and the buttons of a rendered message.

One place for the defaults, so a test names only the fields it is about.
"""

from __future__ import annotations

import time

from bot.domain.records import Card, DeploymentSummary, Watch
from bot.slack.blockkit.blocks import Message

# A fixed clock (January 2027): rendered dates and expiries stay the same from run to run.
NOW = 1_800_000_000.0


def make_card(**changes: object) -> Card:
    card = Card(
        id="abc123",
        app_id="app",
        app_name="sample-golang",
        channel="C1",
        ts="1.1",
        requester="UALICE",
        live=DeploymentSummary(id="11111111-aaaa", commit="db6936c", cause="manual"),
        target=DeploymentSummary(id="22222222-bbbb", commit="9a4df0b", cause="commit pushed"),
        created_at=NOW,
        expires_at=NOW + 900,
    )
    return card.model_copy(update=changes)


def make_watch(**changes: object) -> Watch:
    watch = Watch(
        deployment_id="d" * 36,
        app_id="app",
        app_name="sample-golang",
        channel="C1",
        thread_ts="1.1",
        started_at=NOW,
    )
    return watch.model_copy(update=changes)


def stored_watch(deployment_id: str = "d1", *, done: bool = False) -> Watch:
    """A watch as a running bot keeps it: started now (not on the fixed clock, which a
    follower would take for the future), one step running."""
    return make_watch(
        deployment_id=deployment_id,
        app_id="app-1",
        started_at=time.time(),
        statuses={"build": "RUNNING"},
        done=done,
    )


def buttons(message: Message) -> dict[str, dict[str, object]]:
    """The message's buttons by action id."""
    return {
        e["action_id"]: e for b in message.blocks if b["type"] == "actions" for e in b["elements"]
    }
