"""The soak test's people (tests/soak.py): one per app, asking for its rollback once.

Each person is driven through signed Slack requests like someone on call: ``/rollback
<app>``, Approve on the card, Commit when the thread says it is live. Whatever goes wrong
on the way is met as a person would meet it: an answer that says "try again" (or none at
all, in time) means asking or clicking again a moment later, on whichever replica the load
balancer picks. Every card seen and every answer is kept for the checks.
"""

from __future__ import annotations

import time

from bot.sandbox.digitalocean import Simulator
from tests.fake_slack import FakeSlack, Message
from tests.flow import NewCards
from tests.slack_driver import SlackDriver
from tests.soak_person import (
    AGAIN_AFTER,
    APPROVE,
    ASK_PATIENCE,
    CARD_DEAD,
    COMMIT,
    COMMITTED,
    GIVE_UP_AFTER,
    LIVE,
    MAX_ASKS,
    MAX_COMMITS,
    MAX_PRESSES,
    PRESS_PATIENCE,
    SETTLED,
    CardSeen,
    Person,
    Switchboard,
    is_outcome,
)


class People:
    """Everyone of the soak, each moved on at every ``step`` by what they see (a state
    machine per person)."""

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
        self.alive = alive
        """Whether each replica is up (the fault player keeps it current)."""
        self.began = time.monotonic()
        self._line = Switchboard(slack, drivers, alive, seed)
        self._cards = NewCards(slack)

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
        self._cards.read()
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

    def _adopted(self, person: Person, now: float) -> bool:
        """Whether a card approved earlier (given up on) has started its thread after all:
        the person follows that thread, as anyone in the channel would see it."""
        if person.state not in ("waiting", "asked", "pressed", "reopened"):
            return False
        thread = next((c.ts for c in person.cards if c.presses and self.slack.thread(c.ts)), None)
        if thread is None:
            return False
        person.thread = thread
        person.enter("started", now)
        return True

    def _ask(self, person: Person, now: float) -> None:
        if person.asks >= MAX_ASKS and now - person.first_ask > GIVE_UP_AFTER:
            person.state = "done"
            return
        person.first_ask = person.first_ask or now
        person.asks += 1
        self._line.ask(person)
        person.enter("asked", now)

    def _on_asked(self, person: Person, now: float) -> None:
        card = self._cards.take(person.channel, person.app)
        if card is not None:
            approve = card.buttons().get(APPROVE, "")
            person.cards.append(CardSeen(card.ts, approve, now))
            if approve:
                self._press(person, card, now)
            else:  # "Not now" (in flight, pinned) or DigitalOcean refused: ask again later
                person.later(now)
            return
        said = self._line.answers(person)
        if (
            any("Posted a rollback card" not in t for t in said)
            or now - person.since > ASK_PATIENCE
        ):
            person.later(now)

    def _on_pressed(self, person: Person, now: float) -> None:
        card = person.card
        assert card is not None
        said = self._line.answers(person)
        card.answers += [t for t in said if t not in card.answers]
        if any(word in t for t in said for word in CARD_DEAD):
            person.later(now)  # this card is spent: a new request
        elif said and APPROVE in self.slack.message(card.ts).buttons():
            # Reopened ("Approve again in a moment") or the click failed outright.
            if len(card.presses) < MAX_PRESSES:
                person.retry_at = now + AGAIN_AFTER
                person.enter("reopened", now)
            else:
                person.later(now)
        elif now - person.since > PRESS_PATIENCE:
            person.later(now)  # nothing happens on this card: ask again

    def _on_started(self, person: Person, now: float) -> None:
        thread = self.slack.thread(person.thread)
        live = next((m for m in thread if LIVE in m.text), None)
        ended = live or next((m for m in thread if is_outcome(m.text)), None)
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
        said = self._line.answers(person)
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

    def _press(self, person: Person, card: Message, now: float) -> None:
        assert person.card is not None
        person.card.presses.append(self.sim.clock())
        self._line.click(person, card, APPROVE)
        person.enter("pressed", now)

    def _commit(self, person: Person, live: Message, now: float) -> None:
        person.commits += 1
        self._line.click(person, live, COMMIT)
        person.enter("committing", now)
