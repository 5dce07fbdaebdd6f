"""Start many rollbacks the way people do: a signed ``/rollback`` and an Approve click each.

Commands and clicks go to the replicas in turn (as a load balancer would spread them),
so each replica follows the rollbacks it approved. Between batches the simulator's
frozen clock is moved on, so the rollbacks start at staggered simulated moments.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis

from bot.sandbox.slack.fake import FakeSlack, Message
from bot.slack.blockkit.blocks import APPROVE
from bot.store import keys
from tests.slack_driver import SlackDriver

CHANNEL = "CBENCH"
_TRIES = 5
# The bot keeps at most 3 proposals of one person in the works: one requester for
# hundreds of commands would be told "wait for them to finish" most of the time (279 of
# 500 at x10), and each refusal costs the setup half a second. A batch's commands come
# from as many people; "UBOB" approves them all.
_REQUESTERS = 25


def _wait(probe: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:.0f} s")
        time.sleep(0.05)  # the stand-ins run in other threads; poll their state


def _cards(slack: FakeSlack, names: Sequence[str], *, timeout: float) -> dict[str, Message]:
    """Wait for the confirmation card of every app in ``names``."""
    wanted = {f"Rollback {name} ": name for name in names}
    found: dict[str, Message] = {}

    def look() -> bool:
        for message in slack.top_level(CHANNEL):
            for prefix, name in wanted.items():
                if message.text.startswith(prefix) and APPROVE in message.buttons():
                    found[name] = message
        return len(found) == len(wanted)

    _wait(look, timeout=timeout, what=f"{len(wanted)} cards not posted")
    return found


@dataclass
class Setup:
    refused: int = 0  # commands whose ack was not "Working on it…" (sent again)
    pressed_again: int = 0  # approvals that started no watch in time (pressed again)


def _command(
    driver: SlackDriver, via: SlackDriver, app_id: str, setup: Setup, *, user: str
) -> None:
    """Send ``/rollback <app id>`` until the bot takes it, as a person would retry."""
    for _ in range(_TRIES):
        # One driver numbers every command, so trigger ids stay unique across replicas.
        answer = via.post(driver.command_body(app_id, user=user, channel=CHANNEL))
        if "Working on it" in answer.text:
            return
        setup.refused += 1
        time.sleep(0.5)  # the bot said why (e.g. Redis unavailable); try again shortly
    raise RuntimeError(f"the bot kept refusing /rollback {app_id}: {answer.text[:200]}")


def start_rollbacks(
    apps: Sequence[tuple[str, str]],
    *,
    drivers: Sequence[SlackDriver],
    slack: FakeSlack,
    store: redis.Redis,
    batch: int,
    before_batch: Callable[[], None],
    timeout: float = 300.0,
) -> Setup:
    """Propose and approve a rollback of every (name, id) in ``apps``; return when all
    are watched. ``before_batch`` runs before every batch but the first."""
    setup = Setup()
    for first in range(0, len(apps), batch):
        if first:
            before_batch()
        chunk = apps[first : first + batch]
        for n, (_, app_id) in enumerate(chunk, start=first):
            user = f"UREQ{n % _REQUESTERS:02d}"
            _command(drivers[0], drivers[n % len(drivers)], app_id, setup, user=user)
        cards = _cards(slack, [name for name, _ in chunk], timeout=timeout)
        watched = first + len(chunk)
        for attempt in range(_TRIES):
            for n, (name, _) in enumerate(chunk, start=first):
                if attempt == 0 or APPROVE in _cards_now(slack, name):
                    drivers[n % len(drivers)].press(cards[name], APPROVE, user="UBOB")
                    setup.pressed_again += attempt > 0
            try:
                _wait(
                    lambda: int(store.scard(keys.ACTIVE_WATCHES)) >= watched,  # noqa: B023
                    timeout=timeout / _TRIES,
                    what=f"{watched} watches not started",
                )
                break
            except TimeoutError:
                if attempt == _TRIES - 1:
                    raise
    return setup


def _cards_now(slack: FakeSlack, name: str) -> set[str]:
    """The buttons the app's card shows now (Approve is gone once decided)."""
    for message in slack.top_level(CHANNEL):
        if message.text.startswith(f"Rollback {name} "):
            return set(message.buttons())
    return set()


def thread_owners(slack: FakeSlack) -> dict[str, str]:
    """Card ts → app name, for every card in the channel."""
    out = {}
    for message in slack.top_level(CHANNEL):
        if message.text.startswith("Rollback "):
            out[message.ts] = message.text.split()[1]
    return out
