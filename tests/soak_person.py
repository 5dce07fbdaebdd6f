"""One person of the soak test (tests/soak_people.py): what they saw and were told, the
words they act on, and their line to the bot.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.fake_slack import FakeSlack, Message
from tests.slack_driver import SlackDriver

APPROVE, COMMIT = "rollback_approve", "rollback_commit"
LIVE = "is live on the rollback"
STARTED = "Rollback started"
COMMITTED = "Committed by"
# Answers after which a card will not start a rollback: the person asks again.
CARD_DEAD = ("No rollback was started", "did not start", "cannot be approved", "no longer known",
             "has expired")  # fmt: skip
SETTLED = ("Committed:", "already committed", "no pinned rollback", "Nothing was done")
AGAIN_AFTER = 0.3  # seconds a person waits before trying again
ASK_PATIENCE = 10.0  # seconds without a card before asking again
PRESS_PATIENCE = 15.0
"""Seconds after an Approve without a thread before asking again (an approval that was only
slow still shows: its thread is followed when it starts)."""
MAX_PRESSES = 6  # Approve clicks on one card before asking for a new one
MAX_COMMITS = 8
MAX_ASKS = 8
GIVE_UP_AFTER = 30.0
"""A person gives up after MAX_ASKS requests and this many seconds since the first (a
Redis outage says "try again in a minute"); the checks then say what they were told."""


@dataclass
class CardSeen:
    ts: str
    card_id: str
    """The Approve button's value ("" for a card with nothing to approve)."""
    seen_at: float
    presses: list[float] = field(default_factory=list)
    """The simulator's clock at each Approve click (its journal's clock)."""
    answers: list[str] = field(default_factory=list)


@dataclass
class Person:
    app: str
    app_id: str
    channel: str
    home: int
    """The replica this person's commands go to while it is up."""
    launch_at: float
    state: str = "waiting"  # waiting → asked → pressed (⇄ reopened) → started → committing → done
    key: str = ""
    since: float = 0.0
    """When the current state began (seconds after the run began)."""
    retry_at: float = 0.0
    cards: list[CardSeen] = field(default_factory=list)
    thread: str = ""
    """The ts of the card whose thread narrates the rollback."""
    outcome: str = ""
    ended_at: float = 0.0
    asks: int = 0
    sent: int = 0
    first_ask: float = 0.0
    commits: int = 0
    committed: bool = False
    told: list[str] = field(default_factory=list)
    """Every answer the bot gave this person through response URLs."""

    @property
    def card(self) -> CardSeen | None:
        return self.cards[-1] if self.cards else None

    def enter(self, state: str, now: float) -> None:
        self.state, self.since = state, now

    def later(self, now: float) -> None:
        """Back to waiting, to ask again in a while: a little longer each time, as a person
        asking again and again slows down."""
        self.retry_at = now + AGAIN_AFTER * min(max(self.asks, 1), 8)
        self.enter("waiting", now)
        self.launch_at = 0.0


class Switchboard:
    """The people's line to the bot: a request goes to a replica that is up (as a load
    balancer would send it), its answers come back through its response URL."""

    def __init__(
        self, slack: FakeSlack, drivers: list[SlackDriver], alive: list[bool], seed: int
    ) -> None:
        self.slack = slack
        self.drivers = drivers
        self.alive = alive
        self.seed = seed

    def ask(self, person: Person) -> None:
        """``/rollback <app>``, to the person's replica."""
        self._send(person, lambda d: d.command(person.app, user="UALICE", channel=person.channel))

    def click(self, person: Person, message: Message, action: str) -> None:
        """A button of ``message``, to any replica."""
        self._send(person, lambda d: d.press(message, action, user="UBOB"), anywhere=True)

    def _send(
        self, person: Person, request: Callable[[SlackDriver], object], *, anywhere: bool = False
    ) -> None:
        """Deliver to the person's replica (clicks: any replica), or the other one if it
        is down; a request no replica took is simply not answered (the person retries)."""
        up = [i for i, ok in enumerate(self.alive) if ok]
        # Drawn per person and request, so one person's retries do not move another's.
        person.sent += 1
        rng = random.Random(f"{self.seed}:route:{person.app}:{person.sent}")
        first = rng.choice(up) if anywhere and up else person.home
        order = [first, *[i for i in up if i != first]]
        for index in order:
            driver = self.drivers[index]
            try:
                request(driver)
            except httpx.TransportError:
                continue
            person.key = driver.last_key
            return
        person.key = ""  # no replica took it (both down): no answer will come

    def answers(self, person: Person) -> list[str]:
        """What the bot said to the person's latest request, kept in ``person.told``."""
        said = self.slack.response_texts(person.key) if person.key else []
        for text in said:
            if text not in person.told:
                person.told.append(text)
        return said


def is_outcome(text: str) -> bool:
    return any(word in text for word in OUTCOMES)


OUTCOMES = (LIVE, "❌ Rollback of", "Stopped watching", "could not record it")
"""Replies that end a rollback's thread: live, failed, given up, or not narrated."""
