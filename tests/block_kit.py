"""A strict stand-in for Slack's Block Kit validation: every limit, and safe mrkdwn.

``check(message)`` fails on anything Slack would refuse (``invalid_blocks``) and on
mrkdwn that carries markup the bot did not write (a `<!channel>`, a `<https://…|…>`)
or an `&` that is not one of the three entities (a clipped, broken `&am…`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.domain.mrkdwn import slack_len
from bot.slack.blockkit import limits
from bot.slack.blockkit.blocks import Message
from bot.slack.blockkit.home import HOME_BLOCKS

# The only `<…>` the bot writes itself: mentions of Slack ids (people, channels: the Home
# tab names a card's), dates, user groups.
BOT_MARKUP = re.compile(
    r"<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+>|<!date\^\d+\^\{time\}\|[^<>&]*>|<!subteam\^S[A-Z0-9]+>"
)
BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def check(message: Message, *, links: tuple[str, ...] = ()) -> None:
    """``links``: the URLs the bot itself links to in this message (an incident link, a
    compare view); any other ``<…>`` markup fails."""
    assert slack_len(message.text) <= limits.FALLBACK_TEXT
    check_mrkdwn(_unlinked({"text": message.text}, links)["text"])
    assert len(message.blocks) <= limits.MESSAGE_BLOCKS
    for block in message.blocks:
        _check_block(_unlinked(block, links))
    total = slack_len(message.text) + slack_len(json.dumps(message.blocks, ensure_ascii=False))
    assert total <= limits.MESSAGE_TEXT


def _unlinked(block: dict[str, Any], links: tuple[str, ...]) -> dict[str, Any]:
    """``block`` with the expected links taken out of its text, leaving their labels."""
    if not links:
        return block
    raw = json.dumps(block, ensure_ascii=False)
    for url in links:
        raw = re.sub(re.escape("<" + url + "|") + r"([^<>]*)>", r"\1", raw)
    unlinked: dict[str, Any] = json.loads(raw)
    return unlinked


def check_home(view: dict[str, Any]) -> None:
    """A Home tab view (``views.publish``): up to 100 blocks, each as in a message."""
    assert view["type"] == "home"
    assert 1 <= len(view["blocks"]) <= HOME_BLOCKS
    for block in view["blocks"]:
        _check_block(block)


def check_mrkdwn(text: str) -> None:
    foreign = BOT_MARKUP.sub("", text)
    assert "<" not in foreign and ">" not in foreign, text
    assert BARE_AMPERSAND.search(text) is None, text


def _check_block(block: dict[str, Any]) -> None:
    assert slack_len(block.get("block_id", "")) <= limits.BLOCK_ID
    kind = block["type"]
    if kind == "divider":
        assert block.keys() <= {"type", "block_id"}
    elif kind == "section":
        _mrkdwn(block["text"], limits.SECTION_TEXT)
    elif kind == "header":
        _plain(block["text"], limits.HEADER_TEXT)
    elif kind == "context":
        assert 1 <= len(block["elements"]) <= limits.CONTEXT_ELEMENTS
        for element in block["elements"]:
            _mrkdwn(element, limits.CONTEXT_TEXT)
    elif kind == "actions":
        assert 1 <= len(block["elements"]) <= limits.ACTIONS_ELEMENTS
        for element in block["elements"]:
            _check_button(element)
    else:
        raise AssertionError(f"unexpected block type {kind}")


def _check_button(button: dict[str, Any]) -> None:
    assert button["type"] == "button"
    _plain(button["text"], limits.BUTTON_TEXT)
    assert 1 <= slack_len(button["action_id"]) <= limits.ACTION_ID
    assert slack_len(button.get("value", "")) <= limits.BUTTON_VALUE
    confirm = button.get("confirm")
    if confirm is not None:
        _plain(confirm["title"], limits.CONFIRM_TITLE)
        _plain(confirm["text"], limits.CONFIRM_TEXT)
        _plain(confirm["confirm"], limits.CONFIRM_BUTTON)
        _plain(confirm["deny"], limits.CONFIRM_BUTTON)


def _mrkdwn(text: dict[str, Any], limit: int) -> None:
    assert text["type"] == "mrkdwn"
    assert 1 <= slack_len(text["text"]) <= limit
    check_mrkdwn(text["text"])


def _plain(text: dict[str, Any], limit: int) -> None:
    assert text["type"] == "plain_text"
    assert 1 <= slack_len(text["text"]) <= limit
