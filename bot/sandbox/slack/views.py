"""What a view may be, as ``views.open``, ``views.update`` and ``views.publish`` check it.

https://docs.slack.dev/reference/views/modal-views ("Modal view object fields") and
https://docs.slack.dev/reference/views/home-tab-views. A view breaking them is refused with
``invalid_arguments`` and, as for message blocks, ``response_metadata.messages`` in
Slack's ``[ERROR] <what> [json-pointer:/view/…]`` form [unverified: the exact words].
"""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.slack.blocks import Refusal, block_problems
from bot.sandbox.slack.texts import error, string_problems, text_problems

# Modal view object: "title … Must be a plain_text text element with a max length of 24
# characters"; "close … Max length of 24 characters"; "submit … submit is required when an
# input block is within the blocks array. Max length of 24 characters"; "blocks … Max of
# 100 blocks"; "private_metadata … Max length of 3000 characters"; "callback_id … Max
# length of 255 characters"; "external_id … It must be unique for all views on a team, and
# it has a max length of 255 characters" (views.open, "Usage info").
BUTTON_TEXT = 24
VIEW_BLOCKS = 100
PRIVATE_METADATA = 3000
VIEW_ID_LENGTH = 255
MODAL, HOME = "modal", "home"


def read_view(value: Any) -> dict[str, Any] | Refusal:
    """The ``view`` argument as an object: "A view payload. This must be a JSON-encoded
    string" (form-encoded); slack_sdk sends an object in a JSON body."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        return Refusal("invalid_arguments", (error("must be an object", "/view"),))
    return value


def check_view(value: Any, *, kind: str) -> dict[str, Any] | Refusal:
    """The view (``kind``: "modal" or "home"), or Slack's refusal of it."""
    view = read_view(value)
    if isinstance(view, Refusal):
        return view
    problems = view_problems(view, kind=kind)
    return Refusal("invalid_arguments", tuple(problems)) if problems else view


def view_problems(view: dict[str, Any], *, kind: str) -> list[str]:
    if view.get("type") != kind:
        return [error(f"must be {kind!r}", "/view/type")]
    problems: list[str] = []
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append(error("must be an array", "/view/blocks"))
        blocks = []
    problems += block_problems(blocks, most=VIEW_BLOCKS, root="/view")
    problems += string_problems(
        view.get("private_metadata"), PRIVATE_METADATA, "/view/private_metadata"
    )
    for key in ("callback_id", "external_id"):
        problems += string_problems(view.get(key), VIEW_ID_LENGTH, f"/view/{key}")
    if kind == MODAL:
        problems += text_problems(view.get("title"), "/view/title", limit=BUTTON_TEXT, plain=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                problems += text_problems(view[key], f"/view/{key}", limit=BUTTON_TEXT, plain=True)
        inputs = [
            i for i, b in enumerate(blocks) if isinstance(b, dict) and b.get("type") == "input"
        ]
        if inputs and view.get("submit") is None:
            # Slack's words for it, as a bot met them (slackapi/node-slack-sdk#875): "[ERROR]
            # must define submit to use input block [json-pointer:/view/blocks/0/input]".
            where = f"/view/blocks/{inputs[0]}/input"
            problems.append(error("must define submit to use input block", where))
    return problems
