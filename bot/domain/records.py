"""What the bot remembers in Redis: confirmation cards, decisions and watches.

Plain frozen pydantic models, so they serialise to JSON and back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bot.digitalocean.models import Deployment, Phase


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class DeploymentSummary(_Record):
    """The few facts about a deployment that a card shows."""

    id: str
    commit: str = ""
    cause: str = ""
    phase: str = ""
    created_at: datetime | None = None

    @classmethod
    def of(cls, deployment: Deployment) -> DeploymentSummary:
        return cls(
            id=deployment.id,
            commit=deployment.commit,
            cause=deployment.cause,
            phase=deployment.phase.value,
            created_at=deployment.created_at,
        )


class CompareLink(_Record):
    """One component's "See changes" link: the git host's compare view between the target's
    commit and the live one's (``bot.domain.changes``)."""

    component: str
    url: str
    target_commit: str
    live_commit: str


class Card(_Record):
    """A proposed rollback, as posted for approval."""

    id: str
    app_id: str
    app_name: str
    channel: str
    ts: str = ""
    requester: str
    live: DeploymentSummary | None
    target: DeploymentSummary
    warnings: tuple[str, ...] = ()
    error: str = ""
    created_at: float
    expires_at: float
    reason: str = ""
    """Why, in the requester's words (the modal's reason field); "" when none was given."""
    incident_url: str = ""
    """An ``https://`` link to the incident, checked when it was given; "" when none."""
    changes: tuple[CompareLink, ...] = ()
    approvals_needed: int = 1
    """Different approvers the app's rule asked for when the card was posted."""
    policy: str = ""
    """That rule in one mrkdwn phrase ("needs 2 approvals of <!subteam^S0SRE>")."""
    breakglass: bool = False
    """Whether the policy let a break-glass approver approve alone when it was posted."""

    @property
    def approvable(self) -> bool:
        return not self.error


class DecisionKind(StrEnum):
    APPROVED = "approved"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    STALE = "not started"
    COMMITTED = "committed"
    REVERTED = "reverted"

    @property
    def verb(self) -> str:
        return {DecisionKind.COMMITTED: "commit", DecisionKind.REVERTED: "revert"}.get(
            self, self.value
        )


class Decision(_Record):
    kind: DecisionKind
    user: str = ""
    at: float
    reason: str = ""
    approvals: tuple[str, ...] = ()
    """Who approved, in order, when the card needed several approvals (``user``: the last)."""
    breakglass: str = ""
    """The break-glass approver's reason, as typed; non-empty: approved alone."""


class WatchKind(StrEnum):
    ROLLBACK = "rollback"
    REVERT = "revert"


class Watch(_Record):
    """A deployment the bot follows and narrates in a card's thread."""

    deployment_id: str
    app_id: str
    app_name: str
    kind: WatchKind = WatchKind.ROLLBACK
    card_id: str = ""
    channel: str
    thread_ts: str
    target_id: str = ""
    target_commit: str = ""
    requester: str = ""
    approver: str = ""
    approvals: tuple[str, ...] = ()
    """Everyone who approved, in order, when the card needed several (``approver``: the last)."""
    reason: str = ""
    """The card's reason and incident link, for the thread's first reply."""
    incident_url: str = ""
    started_at: float
    statuses: dict[str, str] = Field(default_factory=dict)
    phase: Phase = Phase.PENDING_BUILD
    success_steps: int = 0
    total_steps: int = 0
    done: bool = False
    result_ts: str = ""
    """The ts of the final reply, whose Commit / Revert buttons are edited away later."""
    result_text: str = ""
    muted: str = ""
    """Slack's answer when it closed the channel to the bot (``not_in_channel``…): the watch
    goes on without replies, and its outcome reaches the audit trail and the status."""
    announced: bool = True
    """Whether "Rollback started" is in the thread. The narrator posts it, before any step,
    so nothing can come before it; watches stored before this field existed had it."""
    verify_until: float = 0.0
    """Epoch seconds until which a live rollback's health is read (0: not read at all)."""
    verdict: str = ""
    """What its health came to ("verified: web 2/2 ready, healthy"), once told."""

    @property
    def verifying(self) -> bool:
        """Done, but its health is still to be told: it stays followed until then."""
        return self.done and self.verify_until > 0 and not self.verdict

    @property
    def settled(self) -> bool:
        """Nothing more to follow: done, and its health told if it is read at all."""
        return self.done and not self.verifying


class Look(_Record):
    """One look at the whole fleet (``GET /v2/apps``, every page), as shared in Redis."""

    seq: int
    """Counts looks: a reader that saw seq n knows a newer look when it reads n + 1."""
    taken_at: float
    """Epoch seconds when its first page was asked for: a deployment made before then is in it."""
    interval: float
    """Seconds the look-taker meant to wait before the next look."""
    grace: float = 0.0
    """Seconds more before a reader concludes nobody takes looks: time for another replica
    to take the look's lease over from one that died."""
    pages: int = 1
    apps: int = 0


class Event(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    STARTED = "started"
    STEP_FAILED = "step_failed"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    HEALTH = "health"
    COMMITTED = "committed"
    REVERTED = "reverted"
    BREAKGLASS = "breakglass"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class AuditEntry:
    event: Event
    at: float
    user: str = ""
    app: str = ""
    app_id: str = ""
    deployment: str = ""
    target: str = ""
    card: str = ""
    reason: str = ""
    why: str = ""
    """The requester's reason for the rollback (the modal's), unescaped, as they wrote it."""
    incident: str = ""
    """The incident link given with the rollback."""
