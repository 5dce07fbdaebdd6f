"""The confirmation card (pure): pending with buttons, decided, expired or invalid."""

from __future__ import annotations

from bot.blocks import (
    APPROVE,
    CANCEL,
    Block,
    Message,
    button,
    confirm_dialog,
    context,
    section,
    short,
    slack_time,
    summary_line,
)
from bot.records import Card, Decision, DecisionKind, Watch


def card(
    card_: Card,
    *,
    now: float,
    decision: Decision | None = None,
    watch: Watch | None = None,
    settled: Decision | None = None,
    note: str = "",
) -> Message:
    """The card in any state: pending (with buttons), decided, expired or invalid."""
    live = summary_line(card_.live, now) if card_.live else "nothing is live"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Rollback {card_.app_name}?"}},
        section(f"*Live now:* {live}\n*Roll back to:* {summary_line(card_.target, now)}"),
    ]
    if card_.warnings:
        warned = "\n".join(f"• {w}" for w in card_.warnings)
        blocks.append(section(f"⚠️ *DigitalOcean warns:*\n{warned}"))
    if card_.error:
        blocks.append(section(f"⛔ *DigitalOcean will not do this rollback:* {card_.error}"))
    requested = f"Requested by <@{card_.requester}>"
    if decision is None and card_.approvable:
        blocks.append(context(f"{requested} · expires {slack_time(card_.expires_at)}"))
        blocks.append(_card_buttons(card_))
    else:
        blocks.append(context(requested))
    state = _card_state(card_, decision, watch)
    if settled is not None:
        state += f" · {settled.kind.value} by <@{settled.user}>"
    if state:
        blocks.append(section(state))
    if note:
        blocks.append(context(note))
    text = f"Rollback {card_.app_name} to {short(card_.target.id)}? {state}".strip()
    return Message(text=text, blocks=blocks)


def _card_buttons(card_: Card) -> Block:
    target = short(card_.target.id)
    return {
        "type": "actions",
        "block_id": f"card:{card_.id}",
        "elements": [
            button(
                "Approve rollback",
                APPROVE,
                card_.id,
                style="danger",
                confirm=confirm_dialog(
                    "Roll back now?",
                    f"{card_.app_name} will be redeployed from {target} and pinned there "
                    "until someone commits or reverts.",
                    "Roll back",
                    danger=True,
                ),
            ),
            button("Cancel", CANCEL, card_.id),
        ],
    }


def _card_state(card_: Card, decision: Decision | None, watch: Watch | None) -> str:
    if decision is None:
        return "" if card_.approvable else "No rollback can be approved from this card."
    if decision.kind == DecisionKind.CANCELLED:
        return f"🚫 Cancelled by <@{decision.user}>. Nothing was changed."
    if decision.kind == DecisionKind.EXPIRED:
        return "⌛ Expired: nobody approved it in time. Nothing was changed."
    if decision.kind == DecisionKind.STALE:
        return (
            f"⚠️ Approved by <@{decision.user}> but not rolled back: {decision.reason} "
            "Ask again with `/rollback`."
        )
    line = f"✅ Approved by <@{decision.user}>"
    if watch is not None:
        line += f" · {status_line(watch)}"
    return line


def status_line(watch: Watch) -> str:
    steps = f"{watch.success_steps}/{watch.total_steps} steps" if watch.total_steps else ""
    return f"*{watch.phase.value}* {steps}".strip()
