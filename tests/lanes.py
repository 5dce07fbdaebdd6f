"""Rollbacks back to back, for hours: each lane rolls its app back, commits, and starts
again, as a busy on-call team would. The load behind the hourly-budget test and bench.

A lane is one app in its own channel, driven through signed Slack requests like a person:
``/rollback <app>``, Approve, then Commit when the thread says it is live. Whatever the
bot answers "used up … frees up" (DigitalOcean's budget) or "Not started … approve again"
is tried again a moment later, as a person would.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.sandbox.digitalocean import RecordedRequest
from tests.fake_slack import FakeSlack, Message
from tests.flow import NewCards
from tests.slack_driver import SlackDriver

APPROVE = "rollback_approve"
COMMIT = "rollback_commit"
LIVE = "is live on the rollback"
BUSY = (
    "used up",
    "rate limit",
    "Approve again",
    "Not now",
    "did not start",
    "No rollback was started",
    "Slack did not",
    "wait for them to finish",
)


@dataclass
class Lane:
    app: str
    channel: str
    state: str = "idle"  # idle → asked → approved → live → idle
    key: str = ""  # response URL key of the latest command or click
    card: Message | None = None
    final: Message | None = None
    retry_at: float = 0.0
    started: list[str] = field(default_factory=list)  # card ts of every approved rollback
    told: list[str] = field(default_factory=list)  # every answer that said "not now"
    asked_at: float = 0.0


class Lanes:
    def __init__(
        self,
        driver: SlackDriver,
        slack: FakeSlack,
        apps: Sequence[tuple[str, str]],
        *,
        again_after: float = 0.2,
    ) -> None:
        self.driver = driver
        self.slack = slack
        self.lanes = [Lane(app, channel) for app, channel in apps]
        self.again_after = again_after
        self._cards = NewCards(slack)

    @property
    def busy(self) -> bool:
        return any(lane.state != "idle" for lane in self.lanes)

    def step(self, *, starting: bool) -> None:
        """Move every lane on by what happened since the last step."""
        now = time.monotonic()
        self._cards.read()
        for lane in self.lanes:
            if lane.state == "idle":
                if starting and now >= lane.retry_at:
                    self._ask(lane, now)
            elif lane.state == "asked":
                self._on_asked(lane, now)
            elif lane.state == "approved":
                self._on_approved(lane, now)
            elif lane.state == "live":
                self._on_live(lane, now)

    def _ask(self, lane: Lane, now: float) -> None:
        # Each lane is its own on-call person (one person may have only a few requests in
        # the works at once).
        self.driver.command(lane.app, user=f"U{lane.channel}", channel=lane.channel)
        lane.key, lane.state, lane.card, lane.asked_at = self.driver.last_key, "asked", None, now

    def _on_asked(self, lane: Lane, now: float) -> None:
        lane.card = lane.card or self._cards.take(lane.channel, lane.app)
        if lane.card is not None:
            if APPROVE in lane.card.buttons():
                self._press(lane, lane.card, APPROVE)
                lane.state = "approved"
            else:  # DigitalOcean refused this one (say, still pinned): ask again later
                self._later(lane, now, lane.card.text)
            return
        said = self._answered(lane)
        if said is not None:
            self._later(lane, now, said)

    def _on_approved(self, lane: Lane, now: float) -> None:
        assert lane.card is not None
        final = next((m for m in self.slack.thread(lane.card.ts) if LIVE in m.text), None)
        if final is not None:
            lane.started.append(lane.card.ts)
            lane.final, lane.state = final, "live"
            self._press(lane, final, COMMIT)
            return
        said = self._answered(lane)
        if said is None or now < lane.retry_at:
            return
        card = self.slack.message(lane.card.ts)
        if APPROVE in card.buttons():  # reopened: the same card, approved again
            lane.told.append(said)
            lane.retry_at = now + self.again_after
            self._press(lane, card, APPROVE)
        else:  # not started for good (the app changed): a new request
            self._later(lane, now, said)

    def _on_live(self, lane: Lane, now: float) -> None:
        assert lane.card is not None and lane.final is not None
        if any("Committed by" in m.text for m in self.slack.thread(lane.card.ts)):
            lane.state, lane.retry_at = "idle", now
            return
        said = self._answered(lane)
        if said is not None and now >= lane.retry_at:
            lane.told.append(said)
            lane.retry_at = now + self.again_after
            self._press(lane, self.slack.message(lane.final.ts), COMMIT)

    def _answered(self, lane: Lane) -> str | None:
        """The answer to the lane's latest request when it says "not now", else None."""
        for text in self.slack.response_texts(lane.key):
            if any(word in text for word in BUSY):
                return text
        return None

    def _press(self, lane: Lane, message: Message, action: str) -> None:
        self.driver.press(message, action, user="UBOB")
        lane.key = self.driver.last_key

    def _later(self, lane: Lane, now: float, said: str) -> None:
        lane.told.append(said)
        lane.state, lane.retry_at = "idle", now + self.again_after


def busiest(times: Sequence[float], span: float) -> int:
    """The most of ``times`` in any ``span`` seconds."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= span:
            first += 1
        most = max(most, last - first + 1)
    return most


def longest_silence(requests: Sequence[RecordedRequest]) -> float:
    """The longest a followed deployment went unpolled (the simulator's seconds)."""
    polls: dict[str, list[float]] = {}
    for r in requests:
        parts = r.path.split("/")  # /v2/apps/<app>/deployments/<deployment>
        if r.method == "GET" and len(parts) == 6 and parts[4] == "deployments":
            polls.setdefault(parts[5], []).append(r.at)
    gaps = (b - a for times in polls.values() for a, b in itertools.pairwise(times))
    return max(gaps, default=0.0)
