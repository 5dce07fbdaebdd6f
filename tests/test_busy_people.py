"""One person's flood of commands does not delay everyone: clicks go ahead of commands in
the follow-up queue, and one person has a few commands in the works at most (issue 12).

DigitalOcean answers the flood's validations slowly (a stalled API), so the flood's work
is still under way when the approval comes; the assertions are about order (which
DigitalOcean requests were answered before the approval's rollback), never wall-clock time.
"""

from __future__ import annotations

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.records import app_id_for
from bot.sandbox.slack.fake import FakeSlack, Message
from bot.slack.listeners import BUSY, PER_PERSON
from tests.conftest import BotFactory
from tests.flow import GOLANG_ID, approve, ask_for_rollback, wait_reply
from tests.slack_driver import SlackDriver

WARN_ID = app_id_for("sample-warn")
VALIDATE_WARN = rf"/v2/apps/{WARN_ID}/rollback/validate"
# Seconds DigitalOcean takes to validate a rollback of the flood's app: far longer than
# sending the flood takes, so what is in the works stays there until the approval is in.
SLOW = 1.0


def answered_before_the_rollback(sim: Simulator) -> int:
    """The flood's validations DigitalOcean answered before the approval's rollback."""
    paths = [r.path for r in sim.requests if r.method == "POST"]
    rollback = paths.index(f"/v2/apps/{GOLANG_ID}/rollback")
    return paths[:rollback].count(VALIDATE_WARN)


def card_and_slow_validations(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator, *, delay: float
) -> tuple[SlackDriver, Message]:
    """A bot, a card of sample-golang waiting for approval, and DigitalOcean from now on
    taking ``delay`` seconds to validate each rollback of the flood's app."""
    driver = start_bot()
    card = ask_for_rollback(driver, slack)
    sim.inject("POST", VALIDATE_WARN, status=None, times=None, delay=delay)
    return driver, card


def test_one_persons_flood_of_proposals_does_not_delay_an_approval(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver, card = card_and_slow_validations(start_bot, slack, sim, delay=SLOW)
    flood = 30
    acks = [driver.command("sample-warn", user="UMALLORY", channel="COPS") for _ in range(flood)]
    approve(driver, card)
    wait_reply(slack, card.ts, "Rollback started")

    texts = [ack.json()["text"] for ack in acks]
    assert texts[:PER_PERSON] == ["Working on it…"] * PER_PERSON
    # The rest are told at once, in the ack; their work never reaches DigitalOcean.
    assert texts[PER_PERSON:] == [BUSY] * (flood - PER_PERSON)
    assert all(ack.json()["response_type"] == "ephemeral" for ack in acks)
    slack.wait_for(lambda: len(slack.top_level("COPS")) == PER_PERSON)
    # The approval found a free worker at once: its rollback was asked for before
    # DigitalOcean answered any of the flood.
    assert answered_before_the_rollback(sim) == 0
    assert sim.count("POST", VALIDATE_WARN) == PER_PERSON
    # Once their work is done (each answered, after its card), the same person may ask again.
    posted = "Posted a rollback card for `sample-warn`"
    slack.wait_for(lambda: sum(posted in t for t in slack.response_texts()) == PER_PERSON)
    # A piece of work lets go of its place just after its answer is sent, so the answer
    # can be seen a moment before the place is free: ask until it is (a refusal costs no
    # DigitalOcean call), then exactly one more card follows.
    slack.wait_for(
        lambda: (
            driver.command("sample-warn", user="UMALLORY", channel="COPS").json()["text"]
            == "Working on it…"
        )
    )
    slack.wait_for(lambda: len(slack.top_level("COPS")) == PER_PERSON + 1)
    assert sim.count("POST", VALIDATE_WARN) == PER_PERSON + 1


def test_an_approval_goes_ahead_of_commands_already_queued(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    # Half as slow: thirty proposals go through eight workers in four rounds.
    driver, card = card_and_slow_validations(start_bot, slack, sim, delay=SLOW / 2)
    # Ten people, each within their share: thirty proposals queued behind the eight that
    # the workers are busy with.
    people = [f"UPERSON{n}" for n in range(10)]
    acks = [
        driver.command("sample-warn", user=person, channel="COPS")
        for _ in range(PER_PERSON)
        for person in people
    ]
    assert {ack.json()["text"] for ack in acks} == {"Working on it…"}
    approve(driver, card)
    wait_reply(slack, card.ts, "Rollback started", timeout=30)
    slack.wait_for(lambda: len(slack.top_level("COPS")) == len(acks), timeout=30)
    # The approval waited for a worker to come free (the first eight validations), not
    # for the thirty proposals queued before it.
    assert answered_before_the_rollback(sim) <= len(acks) // 3


def test_reads_have_a_share_of_their_own(
    start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot()
    # Proposals and history both list the app's deployments: slowly.
    sim.inject("GET", rf"/v2/apps/{WARN_ID}/deployments", status=None, times=None, delay=SLOW)

    def ack(text: str) -> str:
        return str(driver.command(text, user="UMALLORY").json()["text"])

    proposals = [ack("sample-warn") for _ in range(PER_PERSON + 1)]
    assert proposals == ["Working on it…"] * PER_PERSON + [BUSY]
    # Three proposals in the works do not stop the same person from looking…
    reads = [ack("history sample-warn") for _ in range(PER_PERSON + 1)]
    # …but reads cannot flood the queue either.
    assert reads == ["Working on it…"] * PER_PERSON + [BUSY]
    listed = "*Recent deployments of `sample-warn`*"
    slack.wait_for(lambda: sum(t.startswith(listed) for t in slack.response_texts()) == 3)
    slack.wait_for(lambda: len(slack.top_level()) == PER_PERSON)
