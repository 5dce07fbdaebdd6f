"""Every message the pure modules build stays within Slack's limits, whatever the input.

Hostile inputs: a 5,000-character cause, 5,000 steps, a 500-deep step tree, a 300-character
app name, 100 warnings of 5,000 characters, 3,000-character ids, each full of mrkdwn
markup (`<!channel>`, `<https://evil|click to approve>`) that must show as text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digitalocean.models import App, Deployment, Phase, Step, StepStatus
from bot.domain import progress
from bot.domain.grammar import Help
from bot.domain.mrkdwn import escape
from bot.domain.policy import BreakGlass, Policy, Rule
from bot.domain.records import (
    AuditEntry,
    Card,
    Decision,
    DecisionKind,
    DeploymentSummary,
    Event,
    Watch,
    WatchKind,
)
from bot.slack.blockkit import answers, cards, policy_answer, thread_replies
from bot.slack.blockkit.blocks import Message
from tests.block_kit import check
from tests.factories import NOW, make_card, make_watch

MARKUP = "<!channel> & <https://evil|click to approve> `tick` *bold* 🔄 &amp; "


def hostile(size: int) -> str:
    return (MARKUP * (size // len(MARKUP) + 1))[:size]


NAME = hostile(300)
LONG_ID = hostile(3000)


def summary(id_: str = LONG_ID) -> DeploymentSummary:
    return DeploymentSummary(id=id_, commit=hostile(50), cause=hostile(5000))


def hostile_card(**changes: object) -> Card:
    fields: dict[str, object] = {
        "id": hostile(3000),
        "app_name": NAME,
        "live": summary(),
        "target": summary(),
        "warnings": tuple(hostile(5000) for _ in range(100)),
    }
    return make_card(**(fields | changes))


def hostile_watch(**changes: object) -> Watch:
    fields: dict[str, object] = {
        "deployment_id": LONG_ID,
        "app_name": NAME,
        "approver": "UBOB",
        "phase": Phase.ERROR,
        "success_steps": 2,
        "total_steps": 6,
    }
    return make_watch(**(fields | changes))


def deep_tree(depth: int) -> tuple[Step, ...]:
    node = Step(name=hostile(40), status=StepStatus.ERROR, message_base=hostile(100))
    for _ in range(depth):
        node = Step(name=hostile(30), status=StepStatus.ERROR, steps=(node,))
    return (node,)


def many_steps(count: int) -> list[progress.FlatStep]:
    return [
        progress.FlatStep(f"k{i}", hostile(200), StepStatus.ERROR, hostile(300), hostile(5000))
        for i in range(count)
    ]


def deployment(i: int) -> Deployment:
    return Deployment.model_validate(
        {
            "id": hostile(60) + str(i),
            "cause": hostile(5000),
            "phase": "SUPERSEDED",
            "services": [{"name": "web", "source_commit_hash": hostile(40)}],
            "created_at": "2026-01-01T00:00:00Z",
        }
    )


def app() -> App:
    return App.model_validate(
        {
            "id": "app",
            "spec": {"name": NAME},
            "active_deployment": deployment(1).model_dump(),
            "in_progress_deployment": deployment(2).model_dump(),
            "pinned_deployment": deployment(3).model_dump(),
        }
    )


def audit_entries() -> list[AuditEntry]:
    at = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    return [
        # Reasons are stored fit for Slack: foreign text escaped where it was written.
        AuditEntry(
            Event.REFUSED, at, "UBOB", NAME, "app", LONG_ID, LONG_ID, "c", escape(hostile(5000))
        )
        for _ in range(500)
    ]


def decided(kind: DecisionKind) -> Decision:
    return Decision(kind=kind, user="UBOB", at=NOW, reason=hostile(5000))


MESSAGES: dict[str, Callable[[], Message]] = {
    "card pending": lambda: cards.card(hostile_card(), now=NOW),
    "card invalid": lambda: cards.card(hostile_card(error=hostile(5000)), now=NOW),
    "card approved": lambda: cards.card(
        hostile_card(), now=NOW, decision=decided(DecisionKind.APPROVED), watch=hostile_watch()
    ),
    "card stale": lambda: cards.card(hostile_card(), now=NOW, decision=decided(DecisionKind.STALE)),
    "card settled": lambda: cards.card(
        hostile_card(),
        now=NOW,
        decision=decided(DecisionKind.APPROVED),
        settled=decided(DecisionKind.COMMITTED),
        note="x" * 5000,
    ),
    "started": lambda: thread_replies.started(hostile_watch()),
    "5,000 step changes": lambda: thread_replies.step_changes(
        [progress.StepChange(hostile(200), StepStatus.ERROR, hostile(5000))] * 5000, Phase.ERROR
    ),
    "500-deep changes": lambda: thread_replies.step_changes(
        progress.diff({}, deep_tree(500)), Phase.BUILDING
    ),
    "succeeded": lambda: thread_replies.succeeded(hostile_watch()),
    "revert succeeded": lambda: thread_replies.succeeded(hostile_watch(kind=WatchKind.REVERT)),
    "failed, 5,000 steps": lambda: thread_replies.failed(hostile_watch(), many_steps(5000)),
    "failed, 500 deep": lambda: thread_replies.failed(
        hostile_watch(), progress.failed_steps(deep_tree(500))
    ),
    "failed, pinned elsewhere": lambda: thread_replies.failed(
        hostile_watch(), many_steps(5000), pinned=LONG_ID + "x", live=LONG_ID
    ),
    "failed, not pinned": lambda: thread_replies.failed(
        hostile_watch(), many_steps(5000), pinned="", live=LONG_ID
    ),
    "gave up": lambda: thread_replies.gave_up(hostile_watch(), 3600),
    "lost": lambda: thread_replies.lost(hostile_watch(), escape(hostile(5000))),
    "without buttons": lambda: thread_replies.without_buttons(
        thread_replies.failed(hostile_watch(), many_steps(10)).blocks, "x" * 5000
    ),
    "settled result": lambda: thread_replies.settled_result(
        thread_replies.failed(hostile_watch(), many_steps(10)).text, "x" * 5000
    ),
    "committed": lambda: thread_replies.committed("UBOB", NAME),
    "reverting": lambda: thread_replies.reverting("UBOB", NAME, LONG_ID),
    "untracked": lambda: thread_replies.untracked(hostile_watch()),
    "usage": lambda: answers.usage(Help(hostile(5000))),
    "history": lambda: answers.history(app(), [deployment(i) for i in range(200)], NOW),
    "app status": lambda: answers.app_status(app(), hostile_watch(), NOW),
    "overview": lambda: answers.overview(
        [hostile_watch()] * 300, [hostile_card(warnings=())] * 300, NOW
    ),
    "audit": lambda: answers.audit_trail(audit_entries(), NAME, NOW),
    "problem": lambda: answers.problem(escape(hostile(5000))),
    "policy": lambda: policy_answer.rule_in_force(
        app_name=NAME,
        app_id=LONG_ID,
        policy=large_policy(),
        channels=large_policy().apps[0][1].channels,
    ),
}


def large_policy() -> Policy:
    """As large as a valid file may make it: 200 ids of 40 characters a list."""
    ids = tuple(f"U{i:039d}" for i in range(200))
    rule = Rule(approvals=10, approvers=ids, channels=tuple(f"C{i:039d}" for i in range(200)))
    return Policy(apps=((NAME, rule),), breakglass=BreakGlass(approvers=ids), source=hostile(300))


@pytest.mark.parametrize("build", MESSAGES.values(), ids=MESSAGES.keys())
def test_hostile_input_makes_a_message_slack_accepts(build: Callable[[], Message]) -> None:
    check(build())


# Strings of any size up to ~10,000 characters, cheap to generate: a hostile piece repeated.
TEXT = st.tuples(st.text(alphabet="<>&!@|`*_ ;a🔄\n", max_size=40), st.integers(0, 250)).map(
    lambda piece: piece[0] * piece[1]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=TEXT,
    cause=TEXT,
    warning=TEXT,
    warnings=st.integers(0, 120),
    error=TEXT,
    steps=st.integers(0, 3000),
)
def test_any_card_and_thread_fit(
    *, name: str, cause: str, warning: str, warnings: int, error: str, steps: int
) -> None:
    target = DeploymentSummary(id="22222222-bbbb", commit=cause[:40], cause=cause)
    card = hostile_card(
        id="abc", app_name=name, live=None, target=target, warnings=(warning,) * warnings
    )
    check(cards.card(card, now=NOW))
    check(cards.card(card.model_copy(update={"error": error}), now=NOW))
    watch = hostile_watch(deployment_id="d" * 36, app_name=name)
    flat = [progress.FlatStep("k", name, StepStatus.ERROR, cause, error)] * steps
    failure = thread_replies.failed(watch, flat)
    check(failure)
    check(thread_replies.settled_result(failure.text, "Reverted by <@UBOB>"))
    changes = [progress.StepChange(name, StepStatus.RUNNING, cause)] * steps
    check(thread_replies.step_changes(changes, Phase.BUILDING))
