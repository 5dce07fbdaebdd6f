"""Block Kit rendering of the card and the replies."""

from __future__ import annotations

import json
import time

from bot import blocks, cards, replies
from bot.models import Phase, StepStatus
from bot.progress import FlatStep
from bot.records import Card, Decision, DecisionKind, DeploymentSummary, Watch

NOW = 1_800_000_000.0


def make_card(**changes: object) -> Card:
    card = Card(
        id="abc123",
        app_id="app",
        app_name="sample-golang",
        channel="C1",
        ts="1.1",
        requester="UALICE",
        live=DeploymentSummary(id="11111111-aaaa", commit="db6936c", cause="manual"),
        target=DeploymentSummary(id="22222222-bbbb", commit="9a4df0b", cause="commit pushed"),
        created_at=NOW,
        expires_at=NOW + 900,
    )
    return card.model_copy(update=changes)


def buttons(message: blocks.Message) -> dict[str, dict[str, object]]:
    return {
        e["action_id"]: e for b in message.blocks if b["type"] == "actions" for e in b["elements"]
    }


def test_pending_card_has_a_guarded_approve_and_a_cancel() -> None:
    message = cards.card(make_card(), now=NOW)
    found = buttons(message)
    assert found.keys() == {blocks.APPROVE, blocks.CANCEL}
    approve = found[blocks.APPROVE]
    assert approve["style"] == "danger" and approve["value"] == "abc123"
    confirm = approve["confirm"]
    assert isinstance(confirm, dict) and confirm["text"]["type"] == "plain_text"
    body = json.dumps(message.blocks)
    assert "`22222222`" in body and "commit `9a4df0b`" in body and "<@UALICE>" in body
    assert "<!date^1800000900^" in body  # expiry shown in each reader's time zone


def test_invalid_card_says_why_and_offers_no_approve() -> None:
    message = cards.card(make_card(error="app is pinned"), now=NOW)
    assert buttons(message) == {}
    assert "will not do this rollback:* app is pinned" in json.dumps(message.blocks)


def test_decided_card_has_no_buttons_and_shows_progress() -> None:
    watch = Watch(
        deployment_id="d",
        app_id="app",
        app_name="sample-golang",
        channel="C1",
        thread_ts="1.1",
        started_at=NOW,
        phase=Phase.BUILDING,
        success_steps=2,
        total_steps=6,
    )
    approved = Decision(kind=DecisionKind.APPROVED, user="UBOB", at=NOW)
    message = cards.card(make_card(), now=NOW, decision=approved, watch=watch)
    assert buttons(message) == {}
    assert "Approved by <@UBOB> · *BUILDING* 2/6 steps" in message.text
    expired = cards.card(make_card(), now=NOW, decision=Decision(kind=DecisionKind.EXPIRED, at=NOW))
    assert buttons(expired) == {} and "Expired" in expired.text


def test_failure_reply_quotes_reasons_and_offers_revert() -> None:
    watch = Watch(
        deployment_id="d" * 36,
        app_id="app",
        app_name="sample-golang",
        channel="C1",
        thread_ts="1.1",
        started_at=time.time(),
        phase=Phase.ERROR,
    )
    failed = [FlatStep("a/b", "a › b", StepStatus.ERROR, "", "exit status 1")]
    message = replies.failed(watch, failed)
    assert "• `a › b`: exit status 1" in message.text
    assert buttons(message).keys() == {blocks.REVERT}


def test_long_text_is_cut_to_slacks_section_limit() -> None:
    warnings = tuple("w" * 500 for _ in range(10))
    message = cards.card(make_card(warnings=warnings), now=NOW)
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")


def test_without_buttons_keeps_the_text() -> None:
    original = replies.succeeded(
        Watch(
            deployment_id="d",
            app_id="a",
            app_name="x",
            channel="C",
            thread_ts="1",
            started_at=NOW,
        )
    )
    settled = replies.without_buttons(original.blocks, "Committed by <@U1>")
    assert buttons(settled) == {}
    assert settled.text == original.text
