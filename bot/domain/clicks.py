"""Where a button may be pressed (pure): on the message it was posted on, in its channel.

A signed click names the channel and message it came from (``container``). A click that
names another channel than the card's, or an ephemeral message (only its viewer sees it,
so it is never a card), did not come from the bot's card: it is refused, whatever its
signature. The channel's rules (``ROLLBACK_CHANNELS``) apply to clicks as to commands,
so a channel that may no longer roll an app back cannot approve an old card of it either.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.channels import ChannelRules, channel_refusal


@dataclass(frozen=True)
class Where:
    """Where a click came from, as its payload says."""

    channel: str = ""
    ephemeral: bool = False
    message_ts: str = ""


ANYWHERE = Where()
"""No click at all (a command, or a test): nothing to check but the channel's rules."""


def click_refusal(
    rules: ChannelRules,
    where: Where,
    *,
    home: str,
    app: str,
    app_id: str,
    home_ts: str = "",
) -> str | None:
    """Why a click from ``where`` on a message posted in ``home`` (``home_ts``, when only
    one message carries the button) about ``app`` is refused; None when it may act."""
    if where.ephemeral:
        return "That button is not on one of the bot's rollback messages; nothing was done."
    if where.channel and where.channel != home:
        return "That button belongs to a message in another channel; nothing was done."
    if where.message_ts and home_ts and where.message_ts != home_ts:
        return "That button belongs to another message; nothing was done."
    return channel_refusal(rules, channel=home, app=app, app_id=app_id)
