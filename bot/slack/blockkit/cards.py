"""The confirmation card (pure): pending with buttons, decided, expired or invalid."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.mrkdwn import clip, clip_lines, escape, shown
from bot.domain.records import Card, Decision, DecisionKind, Watch
from bot.slack.blockkit import limits
from bot.slack.blockkit.blocks import (
    APPROVE,
    CANCEL,
    CODE_SHOWN,
    DIALOG_NAME,
    Block,
    Message,
    actions,
    button,
    confirm_dialog,
    context,
    header,
    mentions,
    requester,
    section,
    short,
    slack_time,
    summary_line,
    why_lines,
)
from bot.slack.blockkit.changes import see_changes
from bot.slack.blockkit.reviews import alone_line, breakglass_button

# Visible characters of one validation warning, and of a reason a rollback did not start:
# enough for DigitalOcean's sentences, short enough that several warnings fit a section.
WARNING_SHOWN = 1000
REASON_SHOWN = 1000


def card(
    card_: Card,
    *,
    now: float,
    decision: Decision | None = None,
    watch: Watch | None = None,
    settled: Decision | None = None,
    note: str = "",
    approvals: Sequence[str] = (),
) -> Message:
    """The card in any state: pending (with buttons and ``approvals``, who approved so far
    when it needs several), decided, expired or invalid."""
    live = summary_line(card_.live, now) if card_.live else "nothing is live"
    blocks = [
        header(f"Rollback {card_.app_name}?"),
        section(f"*Live now:* {live}\n*Roll back to:* {summary_line(card_.target, now)}"),
    ]
    why = why_lines(card_.reason, card_.incident_url)
    if why:
        blocks.append(section("\n".join(why)))
    changes = see_changes(card_.changes)
    if changes:
        blocks.append(section(changes))
    if card_.warnings:
        warned = [f"• {shown(w, WARNING_SHOWN)}" for w in card_.warnings]
        blocks.append(
            section(clip_lines(["⚠️ *DigitalOcean warns:*", *warned], limits.SECTION_TEXT))
        )
    if card_.error:
        # DigitalOcean's validation message, or the bot's own sentence: escaped either
        # way (the bot's sentences carry no markup, so escaping leaves them unchanged).
        error = escape(card_.error)
        blocks.append(section(f"⛔ *DigitalOcean will not do this rollback:* {error}"))
    requested = f"Requested by {requester(card_.requester)}"
    if decision is None and card_.approvable:
        rule = f" · {card_.policy}" if card_.policy else ""
        blocks.append(context(f"{requested} · expires {slack_time(card_.expires_at)}{rule}"))
        blocks.append(_card_buttons(card_))
    else:
        blocks.append(context(requested))
    state = _card_state(card_, decision, watch)
    if decision is None and card_.approvable and approvals:
        state = f"👍 {tally(card_, approvals)}"
    if settled is not None:
        state += f" · {settled.kind.value} by <@{settled.user}>"
    if state:
        blocks.append(section(state))
    if note:
        blocks.append(context(note))
    name = shown(card_.app_name, CODE_SHOWN)
    text = f"Rollback {name} to {escape(short(card_.target.id))}? {state}".strip()
    return Message(text=text, blocks=blocks)


def _card_buttons(card_: Card) -> Block:
    buttons = [approve_button(card_), cancel_button(card_)]
    if card_.breakglass:
        buttons.append(breakglass_button(card_))
    return actions(f"card:{card_.id}", buttons)


def cancel_button(card_: Card) -> Block:
    return button("Cancel", CANCEL, card_.id)


def approve_button(card_: Card) -> Block:
    """Approve, guarded by a dialog, wherever the card is offered (the card, the Home tab)."""
    # Plain text in the dialog: Slack shows it literally, so it is clipped, not escaped.
    name, target = clip(card_.app_name, DIALOG_NAME), short(card_.target.id)
    return button(
        "Approve rollback",
        APPROVE,
        card_.id,
        style="danger",
        confirm=confirm_dialog(
            "Roll back now?",
            f"{name} will be redeployed from {target} and pinned there "
            "until someone commits or reverts.",
            "Roll back",
            danger=True,
        ),
    )


def _card_state(card_: Card, decision: Decision | None, watch: Watch | None) -> str:
    if decision is None:
        return "" if card_.approvable else "No rollback can be approved from this card."
    if decision.kind == DecisionKind.CANCELLED:
        return f"🚫 Cancelled by <@{decision.user}>. Nothing was changed."
    if decision.kind == DecisionKind.EXPIRED:
        return "⌛ Expired: nobody approved it in time. Nothing was changed."
    if decision.kind == DecisionKind.STALE:
        return (
            f"⚠️ Approved by {approved_by(decision)} but not rolled back: "
            f"{shown(decision.reason, REASON_SHOWN)} "
            "Ask again with `/rollback`."
        )
    line = f"✅ Approved by {approved_by(decision)}"
    if decision.breakglass:
        line = alone_line(decision.user, decision.breakglass)
    if watch is not None:
        line += f" · {status_line(watch)}"
    return line


def status_line(watch: Watch) -> str:
    steps = f"{watch.success_steps}/{watch.total_steps} steps" if watch.total_steps else ""
    line = f"*{watch.phase.value}* {steps}".strip()
    if watch.verifying:
        return f"{line} · checking health"
    # The verdict is built escaped and clipped (``thread_replies.health_verdict``).
    return f"{line} · {watch.verdict}" if watch.verdict else line


def approved_by(decision: Decision) -> str:
    """Who approved, in order: "<@bob>", "<@bob> and <@carol>"."""
    return mentions(decision.approvals or (decision.user,))


def tally(card_: Card, approvals: Sequence[str]) -> str:
    """How far a card that needs several approvals got: "1 of 2 approvals — <@bob>"."""
    who = ", ".join(f"<@{user}>" for user in approvals)
    return f"{len(approvals)} of {card_.approvals_needed} approvals — {who}"


def more_approvers(missing: int) -> str:
    """ "one more approver", "2 more approvers"."""
    return "one more approver" if missing == 1 else f"{missing} more approvers"
