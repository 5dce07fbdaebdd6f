"""The soak test's people (tests/soak.py): one per app, asking for its rollback once.

Each person is driven through signed Slack requests like someone on call: ``/rollback
<app>``, Approve on the card, Commit when the thread says it is live. Whatever goes wrong
on the way is met as a person would meet it: an answer that says "try again" (or none at
all, in time) means asking or clicking again a moment later, on whichever replica the load
balancer picks. Every card seen and every answer is kept for the checks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack, Message
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


class People:
    def __init__(
        self,
        people: list[Person],
        *,
        slack: FakeSlack,
        sim: Simulator,
        drivers: list[SlackDriver],
        alive: list[bool],
        seed: int,
    ) -> None:
        self.people = people
        self.slack = slack
        self.sim = sim
        self.drivers = drivers
        self.alive = alive
        """Whether each replica is up (the fault player keeps it current)."""
        self.began = time.monotonic()
        self.seed = seed
        self._read = 0
        self._cards: dict[str, list[Message]] = {}

    def now(self) -> float:
        return time.monotonic() - self.began

    @property
    def busy(self) -> bool:
        return any(p.state != "done" for p in self.people)

    @property
    def told_to_the_end(self) -> int:
        return sum(bool(p.outcome) for p in self.people)

    def step(self) -> None:
        now = self.now()
        self._take_new_cards()
        for person in self.people:
            if person.state == "done" or now < person.retry_at or self._adopted(person, now):
                continue
            if person.state == "waiting" and now >= person.launch_at:
                self._ask(person, now)
            elif person.state == "reopened":
                assert person.card is not None
                self._press(person, self.slack.message(person.card.ts), now)
            elif person.state == "asked":
                self._on_asked(person, now)
            elif person.state == "pressed":
                self._on_pressed(person, now)
            elif person.state == "started":
                self._on_started(person, now)
            elif person.state == "committing":
                self._on_committing(person, now)

    # --- each state -------------------------------------------------------------------

    def _adopted(self, person: Person, now: float) -> bool:
        """Whether a card approved earlier (given up on) has started its thread after all:
        the person follows that thread, as anyone in the channel would see it."""
        if person.state not in ("waiting", "asked", "pressed", "reopened"):
            return False
        for card in person.cards:
            if card.presses and self.slack.thread(card.ts):
                person.thread = card.ts
                self._enter(person, "started", now)
                return True
        return False

    def _ask(self, person: Person, now: float) -> None:
        if person.asks >= MAX_ASKS and now - person.first_ask > GIVE_UP_AFTER:
            person.state = "done"
            return
        person.first_ask = person.first_ask or now
        person.asks += 1
        self._send(person, lambda d: d.command(person.app, user="UALICE", channel=person.channel))
        self._enter(person, "asked", now)

    def _on_asked(self, person: Person, now: float) -> None:
        card = self._new_card(person)
        if card is not None:
            approve = card.buttons().get(APPROVE, "")
            person.cards.append(CardSeen(card.ts, approve, now))
            if approve:
                self._press(person, card, now)
            else:  # "Not now" (in flight, pinned) or DigitalOcean refused: ask again later
                self._later(person, now)
            return
        said = self._answers(person)
        if (
            any("Posted a rollback card" not in t for t in said)
            or now - person.since > ASK_PATIENCE
        ):
            self._later(person, now)

    def _on_pressed(self, person: Person, now: float) -> None:
        card = person.card
        assert card is not None
        said = self._answers(person)
        card.answers += [t for t in said if t not in card.answers]
        if any(word in t for t in said for word in CARD_DEAD):
            self._later(person, now)  # this card is spent: a new request
        elif said and APPROVE in self.slack.message(card.ts).buttons():
            # Reopened ("Approve again in a moment") or the click failed outright.
            if len(card.presses) < MAX_PRESSES:
                person.retry_at = now + AGAIN_AFTER
                self._enter(person, "reopened", now)
            else:
                self._later(person, now)
        elif now - person.since > PRESS_PATIENCE:
            self._later(person, now)  # nothing happens on this card: ask again

    def _on_started(self, person: Person, now: float) -> None:
        thread = self.slack.thread(person.thread)
        live = next((m for m in thread if LIVE in m.text), None)
        ended = live or next((m for m in thread if _is_outcome(m.text)), None)
        if ended is None:
            return
        person.outcome, person.ended_at = ended.text, now
        if live is None:
            person.state = "done"
            return
        self._commit(person, live, now)

    def _on_committing(self, person: Person, now: float) -> None:
        if any(COMMITTED in m.text for m in self.slack.thread(person.thread)):
            person.committed, person.state = True, "done"
            return
        said = self._answers(person)
        if any(word in t for t in said for word in SETTLED):
            person.state = "done"
        elif (said and now - person.since > AGAIN_AFTER) or now - person.since > ASK_PATIENCE:
            if person.commits >= MAX_COMMITS:
                person.state = "done"
                return
            live = next(m for m in self.slack.thread(person.thread) if LIVE in m.text)
            if COMMIT in live.buttons():
                self._commit(person, live, now)
            elif now - person.since > ASK_PATIENCE:
                person.state = "done"  # the buttons went: settled as far as anyone can see

    # --- acting -----------------------------------------------------------------------

    def _press(self, person: Person, card: Message, now: float) -> None:
        assert person.card is not None
        person.card.presses.append(self.sim.clock())
        self._send(person, lambda d: d.press(card, APPROVE, user="UBOB"), anywhere=True)
        self._enter(person, "pressed", now)

    def _commit(self, person: Person, live: Message, now: float) -> None:
        person.commits += 1
        self._send(person, lambda d: d.press(live, COMMIT, user="UBOB"), anywhere=True)
        self._enter(person, "committing", now)

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

    def _enter(self, person: Person, state: str, now: float) -> None:
        person.state, person.since = state, now

    def _later(self, person: Person, now: float) -> None:
        # A little longer each time: a person asking again and again slows down.
        person.retry_at = now + AGAIN_AFTER * min(max(person.asks, 1), 8)
        self._enter(person, "waiting", now)
        person.launch_at = 0.0

    def _answers(self, person: Person) -> list[str]:
        said = self.slack.response_texts(person.key) if person.key else []
        for text in said:
            if text not in person.told:
                person.told.append(text)
        return said

    # --- reading the channel ----------------------------------------------------------

    def _take_new_cards(self) -> None:
        # Read as they come: the stand-in keeps every message of the run.
        new = self.slack.messages[self._read :]
        self._read += len(new)
        for message in new:
            if message.thread_ts is None and message.text.startswith("Rollback "):
                self._cards.setdefault(message.channel, []).append(message.copy())

    def _new_card(self, person: Person) -> Message | None:
        waiting = self._cards.get(person.channel, [])
        for card in waiting:
            if card.text.startswith(f"Rollback {person.app} "):
                waiting.remove(card)
                return self.slack.message(card.ts)  # as it is now
        return None


def _is_outcome(text: str) -> bool:
    return any(word in text for word in OUTCOMES)


OUTCOMES = (LIVE, "❌ Rollback of", "Stopped watching", "could not record it")
"""Replies that end a rollback's thread: live, failed, given up, or not narrated."""
