"""Block Kit rendering of the card and the replies."""

from __future__ import annotations

import json

from bot.digitalocean.models import Phase, StepStatus
from bot.domain import progress
from bot.domain.grammar import Help
from bot.domain.mrkdwn import escape
from bot.domain.progress import FlatStep
from bot.domain.records import AuditEntry, Decision, DecisionKind, DeploymentSummary, Event
from bot.slack.blockkit import answers, blocks, cards, thread_replies
from tests.factories import NOW, buttons, make_card, make_watch

# A rollback that failed: the replies about it are the ones with a Revert.
FAILED = make_watch(phase=Phase.ERROR)


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
    watch = make_watch(deployment_id="d", phase=Phase.BUILDING, success_steps=2, total_steps=6)
    approved = Decision(kind=DecisionKind.APPROVED, user="UBOB", at=NOW)
    message = cards.card(make_card(), now=NOW, decision=approved, watch=watch)
    assert buttons(message) == {}
    assert "Approved by <@UBOB> · *BUILDING* 2/6 steps" in message.text
    expired = cards.card(make_card(), now=NOW, decision=Decision(kind=DecisionKind.EXPIRED, at=NOW))
    assert buttons(expired) == {} and "Expired" in expired.text


def test_failure_reply_quotes_reasons_and_offers_revert() -> None:
    failed = [FlatStep("a/b", "a › b", StepStatus.ERROR, "", "exit status 1")]
    message = thread_replies.failed(FAILED, failed)
    assert "• `a › b`: exit status 1" in message.text
    assert buttons(message).keys() == {blocks.REVERT}


def test_long_text_is_cut_to_slacks_section_limit() -> None:
    warnings = tuple("w" * 500 for _ in range(10))
    message = cards.card(make_card(warnings=warnings), now=NOW)
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")


def test_without_buttons_keeps_the_text() -> None:
    original = thread_replies.succeeded(
        make_watch(deployment_id="d", app_id="a", app_name="x", channel="C", thread_ts="1")
    )
    settled = thread_replies.without_buttons(original.blocks, "Committed by <@U1>")
    assert buttons(settled) == {}
    assert settled.text == original.text


PING = "<!channel> deploy & <https://evil|click to approve>"
PING_SHOWN = "&lt;!channel&gt; deploy &amp; &lt;https://evil|click to approve&gt;"


def test_digitaloceans_text_on_the_card_shows_as_typed() -> None:
    target = DeploymentSummary(id="22222222-bbbb", commit="9a4df0b", cause=PING)
    message = cards.card(make_card(target=target, warnings=(PING,)), now=NOW)
    body = json.dumps(message.blocks, ensure_ascii=False)
    assert "<!channel>" not in body and "<https://evil" not in body
    assert f"· {PING_SHOWN} ·" in body  # the cause
    assert f"• {PING_SHOWN}" in body  # the warning
    invalid = cards.card(make_card(error=PING), now=NOW)
    assert f"will not do this rollback:* {PING_SHOWN}" in json.dumps(invalid.blocks)


def test_the_bots_own_sentences_survive_escaping_unchanged() -> None:
    error = "Not now: the app is pinned to rollback `abc12345`; commit it first."
    message = cards.card(make_card(error=error), now=NOW)
    assert f"will not do this rollback:* {error}" in json.dumps(message.blocks)
    assert "<@UALICE>" in json.dumps(message.blocks)


def test_plain_text_fields_are_clipped_but_not_escaped() -> None:
    name = "a<b>&c" + "x" * 300
    message = cards.card(make_card(app_name=name), now=NOW)
    title = message.blocks[0]["text"]
    assert title["type"] == "plain_text" and title["text"].startswith("Rollback a<b>&c")
    assert len(title["text"]) == 150 and title["text"].endswith("…")
    dialog = buttons(message)[blocks.APPROVE]["confirm"]
    assert isinstance(dialog, dict) and dialog["text"]["text"].startswith("a<b>&c")
    assert message.text.startswith("Rollback a&lt;b&gt;&amp;c")  # the fallback is mrkdwn


def test_thread_replies_escape_step_names_and_reasons() -> None:
    changes = [progress.StepChange(f"build › {PING}", StepStatus.ERROR, PING)]
    reply = thread_replies.step_changes(changes, Phase.ERROR)
    assert reply.text == f"❌ `build › {PING_SHOWN}`: *ERROR* — {PING_SHOWN}\n_Phase: ERROR_"
    failed = [FlatStep("a", PING, StepStatus.ERROR, "", PING)]
    assert f"• `{PING_SHOWN}`: {PING_SHOWN}" in thread_replies.failed(FAILED, failed).text


def test_rendered_text_is_not_escaped_twice() -> None:
    reply = thread_replies.failed(FAILED, [FlatStep("a", "a", StepStatus.ERROR, "", PING)])
    settled = thread_replies.settled_result(reply.text, "Reverted by <@UBOB>")
    assert settled.text == reply.text and "&amp;lt;" not in json.dumps(settled.blocks)
    kept = thread_replies.without_buttons(reply.blocks, "Reverted by <@UBOB>")
    assert kept.text == reply.text and "<@UBOB>" in json.dumps(kept.blocks)


def test_command_answers_escape_echoes_and_placeholders() -> None:
    usage = answers.usage(Help(f"`{PING}` is not an app name"))
    assert usage.text.startswith(f"`{PING_SHOWN}` is not an app name")
    assert "`/rollback &lt;app&gt; [&lt;deployment-id&gt;]`" in usage.text
    # An error's sentence and an audit reason are stored fit for Slack: not escaped twice.
    assert answers.problem(escape(PING)).text == PING_SHOWN
    entry = AuditEntry(Event.REFUSED, NOW, user="UBOB", app="web", reason=escape(PING))
    trail = answers.audit_trail([entry], None, NOW).text
    assert f"by <@UBOB> — {PING_SHOWN}" in trail


def test_a_huge_progress_tree_makes_one_bounded_reply() -> None:
    # 5,000 changed steps once made a 523,907-character reply that Slack refused.
    changes = [progress.StepChange(f"step {i}", StepStatus.RUNNING, "") for i in range(5000)]
    reply = thread_replies.step_changes(changes, Phase.BUILDING)
    lines = reply.text.splitlines()
    assert len(reply.text) <= 3000 and len(reply.blocks) == 1
    assert lines[-1] == "_Phase: BUILDING_"
    assert lines[-2] == f"… and {5000 - (len(lines) - 2)} more"
    assert lines[0] == "🔄 `step 0`: *RUNNING*"


def test_revert_is_offered_only_while_the_app_is_pinned_to_the_rollback() -> None:
    watch = FAILED
    steps = [FlatStep("a", "a", StepStatus.ERROR, "", "exit status 1")]
    pinned_here = thread_replies.failed(
        watch, steps, pinned=watch.deployment_id, live="11111111-aaaa"
    )
    assert buttons(pinned_here).keys() == {blocks.REVERT}
    assert buttons(thread_replies.failed(watch, steps)).keys() == {
        blocks.REVERT
    }  # not asked: offered
    elsewhere = thread_replies.failed(watch, steps, pinned="", live="11111111-aaaa")
    assert buttons(elsewhere) == {}
    assert elsewhere.text.endswith(
        f"`{watch.app_name}` is still live on `11111111`, nothing pinned. Nothing to revert."
    )
    other = thread_replies.failed(watch, steps, pinned="33333333-cccc", live="11111111-aaaa")
    assert buttons(other) == {} and "pinned to `33333333`" in other.text
