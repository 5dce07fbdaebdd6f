"""A break-glass review (pure): opened when someone approved a rollback alone, open until
another approver acknowledges it, reminded at a third and two thirds of the policy's
``review_within`` and, louder, when it is due."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Review(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    card_id: str
    """The card approved alone: one review per card."""
    app_id: str
    app_name: str
    channel: str
    thread_ts: str
    breaker: str
    """Who broke the glass: never the one who acknowledges."""
    reason: str
    """Their reason, as typed (escaped where shown)."""
    opened_at: float
    due_at: float
    ts: str = ""
    """The review reply's ts, whose Acknowledge button the acknowledgement edits away."""

    @property
    def within(self) -> float:
        return self.due_at - self.opened_at


class Acknowledgement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    user: str
    at: float


class Step(StrEnum):
    """A reminder of an open review, named by when it falls."""

    THIRD = "third"
    TWO_THIRDS = "two-thirds"
    DUE = "due"


SHARE = {Step.THIRD: 1 / 3, Step.TWO_THIRDS: 2 / 3, Step.DUE: 1.0}


def reached(review: Review, now: float) -> Step | None:
    """The latest step ``review`` has reached: after a restart that missed one, a single
    reminder says where it stands rather than a burst of each step in turn."""
    latest = None
    for step, share in SHARE.items():
        if now >= review.opened_at + share * review.within:
            latest = step
    return latest
