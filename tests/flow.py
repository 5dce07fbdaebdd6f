"""Helpers for end-to-end tests: drive a rollback as people do, read the card, the thread
and the replies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from itertools import pairwise

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack, Message
from tests.slack_driver import SlackDriver

GOLANG_ID = "2471ff64-3fa5-5093-b61d-c311efb40623"
GOLANG_TARGET = "7704be64-8a5a-5a1b-8e80-3c53d5c798d0"
BROKEN_ID = "40c1e3e6-3496-56af-ac06-34902cb6a04f"
LIVE = "is live on the rollback"

EXPECTED_STEP_REPLIES = [
    ["`build`: *RUNNING*", "`build › initialize`: *RUNNING*"],
    [
        "`build › initialize`: *SUCCESS*",
        "`build › components`: *RUNNING*",
        "`build › components › web`: *RUNNING* — Building service web",
    ],
    [
        "`build`: *SUCCESS*",
        "`build › components`: *SUCCESS*",
        "`build › components › web`: *SUCCESS* — Building service web",
    ],
    ["`deploy`: *RUNNING*", "`deploy › initialize`: *RUNNING*"],
    [
        "`deploy › initialize`: *SUCCESS*",
        "`deploy › components`: *RUNNING*",
        "`deploy › components › web`: *RUNNING*",
        "`deploy › components › web › deploy`: *RUNNING* — Deploying service web",
    ],
    [
        "`deploy › components › web › deploy`: *SUCCESS* — Deploying service web",
        "`deploy › components › web › wait`: *RUNNING* — Waiting for service web",
    ],
    [
        "`deploy › components`: *SUCCESS*",
        "`deploy › components › web`: *SUCCESS*",
        "`deploy › components › web › wait`: *SUCCESS* — Waiting for service web",
        "`deploy › finalize`: *RUNNING*",
    ],
    ["`deploy`: *SUCCESS*", "`deploy › finalize`: *SUCCESS*"],
]


def step_lines(text: str) -> list[str]:
    """The step lines of a progress reply, without icons, sorted for comparison."""
    return sorted(line.split(" ", 1)[1] for line in text.splitlines() if "`: *" in line)


def told_once_in_order(texts: list[str], *, retold: int = 0) -> list[str]:
    """The step lines of a sample-golang rollback's thread, checked: none told twice, in
    the order the rollback went, and every step's last state told.

    For a thread whose telling was deferred for a while (a busy channel, a replica taking
    over, Redis refusing writes): DigitalOcean moves on meanwhile, so the next reply tells
    several looks' changes at once, and a state that began and ended in between is never
    seen, as with a longer poll interval (``bot.fleet.telling``). Undeferred threads are held
    to ``EXPECTED_STEP_REPLIES`` exactly.

    ``retold``: replies whose lines may be told again (a reply posted but not recorded when
    its replica was killed; the next follower tells it again, with what came since)."""
    group = {line: i for i, reply in enumerate(EXPECTED_STEP_REPLIES) for line in reply}
    told: dict[str, int] = {}  # line → the reply that first told it
    replies: list[list[str]] = []
    again: set[int] = set()
    for n, text in enumerate(texts):
        fresh = []
        for line in step_lines(text):
            assert line in group, f"a step line nobody expected: {line}"
            if line in told:
                again.add(told[line])
            else:
                told[line] = n
                fresh.append(line)
        if fresh:
            replies.append(fresh)
    assert len(again) <= retold, f"step lines told twice: {texts}"
    for earlier, later in pairwise(replies):
        assert max(group[x] for x in earlier) < min(group[x] for x in later), replies
    last = {_step(line): line for reply in EXPECTED_STEP_REPLIES for line in reply}
    assert set(last.values()) <= set(told), f"a step's end untold: {list(told)}"
    return list(told)


def _step(line: str) -> str:
    return line.split("`")[1]


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


def ask_for_rollback(
    driver: SlackDriver, slack: FakeSlack, app_name: str = "sample-golang"
) -> Message:
    """UALICE asks for a rollback of ``app_name``: the card she gets."""
    driver.command(app_name, user="UALICE")
    return wait_card(slack, app_name)


def approve(driver: SlackDriver, card: Message) -> None:
    """UBOB, who did not ask, approves ``card``."""
    driver.press(card, "rollback_approve", user="UBOB")


def roll_back(
    driver: SlackDriver,
    slack: FakeSlack,
    app_name: str = "sample-golang",
    *,
    until: str = LIVE,
    timeout: float = 10,
    meanwhile: Callable[[], object] = lambda: None,
) -> tuple[Message, Message]:
    """UALICE asks, ``meanwhile`` happens (a fault, say), UBOB approves: the card, and the
    first reply in its thread that says ``until``."""
    card = ask_for_rollback(driver, slack, app_name)
    meanwhile()
    approve(driver, card)
    return card, wait_reply(slack, card.ts, until, timeout=timeout)


def approve_at_once(driver: SlackDriver, slack: FakeSlack, card: Message, n: int) -> list[int]:
    """``n`` different people (UAPPROVER0…) approve ``card`` at the same moment, each with
    a connection of their own: the bot's answers' statuses."""
    barrier = threading.Barrier(n)
    statuses: list[int] = []

    def click(i: int) -> None:
        own = SlackDriver(bot_url=driver.bot_url, slack_url=slack.url, signing_secret=driver.secret)
        barrier.wait()
        statuses.append(own.press(card, "rollback_approve", user=f"UAPPROVER{i}").status_code)
        own.close()

    threads = [threading.Thread(target=click, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


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


class NewCards:
    """The cards the bot posts, read as they come (the stand-in keeps every message of a
    run: tens of thousands over simulated hours), each taken once by whoever asked."""

    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self._read = 0  # messages of the stand-in looked at so far
        self._cards: dict[str, list[Message]] = {}  # channel → cards not yet taken

    def read(self) -> None:
        new = self.slack.messages[self._read :]
        self._read += len(new)
        for message in new:
            if message.thread_ts is None and message.text.startswith("Rollback "):
                self._cards.setdefault(message.channel, []).append(message.copy())

    def take(self, channel: str, app_name: str) -> Message | None:
        """The oldest card for ``app_name`` in ``channel`` not yet taken, as it is now."""
        waiting = self._cards.get(channel, [])
        for card in waiting:
            if card.text.startswith(f"Rollback {app_name} "):
                waiting.remove(card)
                return self.slack.message(card.ts)
        return None
