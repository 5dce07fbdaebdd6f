"""The evidence behind a soak finding (tests/soak_checks.py): whose card or thread it is, what
it said, the faults played around it and the replicas' warnings about it.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.sandbox.digitalocean import RecordedRequest
from tests.fake_slack import Message
from tests.soak import SoakRun
from tests.soak_person import STARTED, Person

STEP = "`: *"  # in every line that tells a step's status


def around(run: SoakRun, began: float, person: Person | None, needle: str) -> str:
    """The faults played from ``began`` while ``person`` was at it, and the replicas'
    warnings that name ``needle``."""
    return f"{near(run, began, person)}{logs(run, needle)}"


def app_of(person: Person | None) -> str:
    return person.app if person else "?"


def refusal(card: Message | None) -> str:
    """Why a card offers no Approve, as it says."""
    text = all_text(card) if card is not None else ""
    return next((p for p in text.split(" | ") if p.startswith("⛔")), text[-80:])


def rollback_posts(run: SoakRun, app_id: str) -> list[RecordedRequest]:
    path = f"/v2/apps/{app_id}/rollback"
    return [r for r in run.requests if r.method == "POST" and r.path == path and r.status != 429]


def describe_posts(posts: Iterable[RecordedRequest]) -> str:
    return "[" + ", ".join(f"status {p.status} at sim {p.at:.1f}" for p in posts) + "]"


def told_units(text: str) -> list[str]:
    if text.startswith(STARTED):
        return [text]
    return [line for line in text.splitlines() if STEP in line]


def whose(run: SoakRun, ts: str, texts: list[str]) -> tuple[Person | None, str, str]:
    """The person, the rollback deployment and its final phase of the thread under ``ts``."""
    person = next((p for p in run.people if any(c.ts == ts for c in p.cards)), None)
    if person is None:
        return None, "", ""
    for deployment, phase in run.rollbacks.get(person.app_id, []):
        if any(deployment[:8] in t for t in texts):
            return person, deployment, phase
    return person, "", ""


def first_seen(person: Person) -> float:
    return person.cards[0].seen_at if person.cards else 0.0


def started_at(person: Person | None, ts: str) -> float:
    if person is None:
        return 0.0
    return next((c.seen_at for c in person.cards if c.ts == ts), first_seen(person))


def near(run: SoakRun, began: float, person: Person | None) -> str:
    """The faults played while this card or thread was in play."""
    end = (person.ended_at if person and person.ended_at else run.seconds) + 1.0
    near = [
        f.describe() for f in run.faults if f.began <= end and (f.ended or f.began) >= began - 2
    ]
    return f"faults meanwhile ({began:.1f}–{end:.1f} s): {near or 'none'}"


def logs(run: SoakRun, needle: str, limit: int = 6) -> str:
    """The replicas' log lines that mention ``needle`` (a card or deployment id)."""
    if not needle:
        return ""
    lines = [
        f"r{n}: {line[:220]}"
        for n, log in enumerate(run.logs)
        for line in log.splitlines()
        if needle in line and ("WARNING" in line or "ERROR" in line)
    ]
    return f"; replica log: {lines[-limit:]}" if lines else ""


def all_text(message: Message) -> str:
    parts = [message.text]
    for block in message.blocks:
        for item in [block.get("text"), *block.get("elements", [])]:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                parts.append(item["text"])
    return " | ".join(parts)


def shorten(texts: list[str]) -> list[str]:
    return [t.replace("\n", " / ")[:90] for t in texts]
