"""Views for the stand-in's view tests: the rollback modal's shape, written out by hand
(independent of the bot's own ``bot.slack.blockkit.modal``)."""

from __future__ import annotations

from typing import Any

APP, REASON, WHERE = "rollback_app", "rollback_reason", "rollback_channel"
SHOP = {"text": {"type": "plain_text", "text": "shop"}, "value": "app-shop"}


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def modal(**changes: Any) -> dict[str, Any]:
    """The rollback modal's shape: an external_select, a text input, a conversations_select."""
    blocks = [
        {
            "type": "input",
            "block_id": "app",
            "dispatch_action": True,
            "label": plain("App"),
            "element": {"type": "external_select", "action_id": APP, "min_query_length": 0},
        },
        {
            "type": "input",
            "block_id": "reason",
            "label": plain("Reason"),
            "element": {"type": "plain_text_input", "action_id": REASON, "max_length": 500},
        },
        {
            "type": "input",
            "block_id": "where",
            "label": plain("Channel"),
            "element": {
                "type": "conversations_select",
                "action_id": WHERE,
                "response_url_enabled": True,
            },
        },
    ]
    view = {
        "type": "modal",
        "callback_id": "rollback_request",
        "title": plain("Roll back an app"),
        "submit": plain("Roll back"),
        "blocks": blocks,
    }
    return {**view, **changes}
