"""What a message may contain, as Slack checks it: its text and its Block Kit blocks.

Two checks, both needed:

- Slack's documented limits, below, each with the words of the page it follows, checked on
  the JSON as sent. A problem is told the way Slack tells it in
  ``response_metadata.messages``: ``[ERROR] <what> [json-pointer:/blocks/0/text/text]``.
- slack_sdk's own models: ``Block.parse`` then ``to_dict()``, which runs ``validate_json``
  on the block and on every object in it. They know the required fields and the enums.

slack_sdk parses leniently where Slack refuses: ``Block.parse`` returns None for a block
type it does not know (and logs "Unknown block detected and skipped"),
``BlockElement.parse`` leaves None among a block's elements for an unknown element, a bare
string where a text object belongs is made mrkdwn, and so is a text object of any other
type. Each of these is a refusal here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block

from bot.sandbox.slack.inputs import SELECTS, input_problems, select_problems
from bot.sandbox.slack.texts import (
    ID_LENGTH,
    TEXT_TYPES,
    error,
    length,
    string_problems,
    text_problems,
)

# https://docs.slack.dev/reference/block-kit/blocks: "You can include up to 50 blocks in
# each message, and 100 blocks in modals or Home tabs."
MAX_BLOCKS = 50
# chat.postMessage's errors: "msg_too_long: Message text is too long." Its "Truncating
# content" section puts the line at 40,000 characters (beyond it Slack truncates). The
# stand-ins refuse instead of truncating, so a bot that loses the end of its text shows up.
MAX_TEXT = 40_000
# Section block: "text … Minimum length for the text in this field is 1 and maximum length
# is 3000 characters"; "fields … Maximum number of items is 10. Maximum length for the
# text in each item is 2000 characters."
SECTION_TEXT = 3000
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2000
# Header block: "The text for the block, in the form of a plain_text text object. Maximum
# length for the text in this field is 150 characters."
HEADER_TEXT = 150
# Context block: "An array of image elements and text objects. Maximum number of items
# is 10."
CONTEXT_ELEMENTS = 10
# Actions block: "There is a maximum of 25 elements in each action block."
ACTIONS_ELEMENTS = 25
# Button element: "text … Can only be of type: plain_text" (75 characters at most);
# "value … Maximum length for this field is 2000 characters."
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
# Confirmation dialog object: title 100, text 300, confirm 30, deny 30 characters, each a
# plain_text object (https://docs.slack.dev/reference/block-kit/composition-objects/
# confirmation-dialog-object).
CONFIRM_TEXTS = {"title": 100, "text": 300, "confirm": 30, "deny": 30}


@dataclass(frozen=True)
class Refusal:
    """Slack's ``ok: false``: its error code and, for blocks, what is wrong and where."""

    error: str
    messages: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    """More top-level fields, e.g. ``missing_scope``'s ``needed`` and ``provided``."""

    def answer(self) -> tuple[int, dict[str, Any], None]:
        """A Web API method's answer to it: HTTP 200 with ``ok: false``."""
        return 200, self.body(), None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error, **dict(self.extra)}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


def read_blocks(value: Any) -> list[Any] | Refusal:
    """The ``blocks`` argument as a list: JSON text when form-encoded, a list in JSON."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, list):
        # chat.postMessage's errors: "invalid_blocks_format: The blocks is not a valid JSON
        # object or doesn't match the Block Kit syntax."
        return Refusal("invalid_blocks_format", (error("must be an array", "/blocks"),))
    return value


def check_message(text: Any, blocks: Any) -> list[dict[str, Any]] | Refusal:
    """A message's blocks (``blocks`` as sent: a list, JSON text or None), or Slack's
    refusal of its text or its blocks."""
    read = read_blocks(blocks)
    if isinstance(read, Refusal):
        return read
    return check_content(text, read) or read


def check_content(text: Any, blocks: list[Any]) -> Refusal | None:
    """The refusal Slack gives a message with this ``text`` and these ``blocks``, if any."""
    words = text if isinstance(text, str) else ""
    if not words and not blocks:
        # chat.postMessage: "One of these arguments is required to describe the content of
        # the message" (attachments, blocks, text); else "no_text: No message text provided".
        return Refusal("no_text")
    if length(words) > MAX_TEXT:
        return Refusal("msg_too_long")
    problems = block_problems(blocks)
    return Refusal("invalid_blocks", tuple(problems)) if problems else None


def block_problems(blocks: list[Any], *, most: int = MAX_BLOCKS, root: str = "") -> list[str]:
    """What is wrong with a message's blocks (at most ``most``; a view's at ``root``
    "/view"), in Slack's words; empty when nothing is."""
    problems: list[str] = []
    if len(blocks) > most:
        problems.append(error(f"no more than {most} items allowed", f"{root}/blocks"))
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        pointer = f"{root}/blocks/{i}"
        problems += list(_documented(block, pointer)) or _sdk_problems(block, pointer)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            # Every block's reference: "block_id … should be unique for each message and
            # each iteration of a message". Refused here when two blocks of one message
            # share one (Slack's exact answer to that is unverified).
            if block_id in seen:
                problems.append(error("duplicate block_id", f"{pointer}/block_id"))
            seen.add(block_id)
    return problems


def _documented(block: Any, p: str) -> Iterator[str]:
    if not isinstance(block, dict):
        yield error("must be an object", p)
        return
    yield from string_problems(block.get("block_id"), ID_LENGTH, f"{p}/block_id")
    kind = block.get("type")
    if kind == "section":
        yield from _section(block, p)
    elif kind == "header":
        yield from text_problems(block.get("text"), f"{p}/text", limit=HEADER_TEXT, plain=True)
    elif kind == "context":
        problems, elements = _elements(block, p, CONTEXT_ELEMENTS)
        yield from problems
        for q, element in elements:
            if not (isinstance(element, dict) and element.get("type") == "image"):
                yield from text_problems(element, q, limit=None)
    elif kind == "input":
        yield from input_problems(block, p)
    elif kind == "actions":
        problems, elements = _elements(block, p, ACTIONS_ELEMENTS)
        yield from problems
        for q, element in elements:
            yield from _interactive(element, q)


def _section(block: dict[str, Any], p: str) -> Iterator[str]:
    if "text" in block:
        yield from text_problems(block["text"], f"{p}/text", limit=SECTION_TEXT)
    fields = block.get("fields")
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > SECTION_FIELDS:
            yield error(f"must be an array of at most {SECTION_FIELDS} items", f"{p}/fields")
        else:
            for j, item in enumerate(fields):
                yield from text_problems(item, f"{p}/fields/{j}", limit=SECTION_FIELD_TEXT)
    accessory = block.get("accessory")
    if isinstance(accessory, dict) and accessory.get("type") in ("button", *SELECTS):
        yield from _interactive(accessory, f"{p}/accessory")


def _elements(block: dict[str, Any], p: str, most: int) -> tuple[list[str], list[tuple[str, Any]]]:
    """Problems with a block's ``elements`` array, and each element with its pointer."""
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [error("must provide at least 1 item", f"{p}/elements")], []
    problems = []
    if len(elements) > most:
        problems.append(error(f"no more than {most} items allowed", f"{p}/elements"))
    return problems, [(f"{p}/elements/{j}", element) for j, element in enumerate(elements)]


def _interactive(element: Any, q: str) -> Iterator[str]:
    if not isinstance(element, dict) or element.get("type") in (*TEXT_TYPES, "image"):
        yield error("must be an interactive element", q)
        return
    yield from string_problems(element.get("action_id"), ID_LENGTH, f"{q}/action_id")
    if element.get("type") in SELECTS:
        yield from select_problems(element, q)
    if element.get("type") != "button":
        return
    yield from text_problems(element.get("text"), f"{q}/text", limit=BUTTON_TEXT, plain=True)
    yield from string_problems(element.get("value"), BUTTON_VALUE, f"{q}/value")
    if "confirm" in element:
        confirm = element["confirm"]
        if not isinstance(confirm, dict):
            yield error("must be a confirmation dialog object", f"{q}/confirm")
            return
        for key, limit in CONFIRM_TEXTS.items():
            yield from text_problems(
                confirm.get(key), f"{q}/confirm/{key}", limit=limit, plain=True
            )


def _sdk_problems(block: dict[str, Any], p: str) -> list[str]:
    """What slack_sdk's models refuse, and what they would silently skip."""
    try:
        parsed = Block.parse(dict(block))
        if parsed is None:
            return [error(f"unsupported block type {block.get('type')!r}", f"{p}/type")]
        parsed.to_dict()  # validate_json on the block and, through to_dict, on each part
    except Exception as exc:  # whatever the models cannot build, Slack refuses too
        return [error(f"{exc} ({type(exc).__name__})", p)]
    elements = getattr(parsed, "elements", None)
    if isinstance(elements, list):
        unknown = [j for j, element in enumerate(elements) if element is None]
        if unknown:
            return [error("unsupported element type", f"{p}/elements/{unknown[0]}")]
    if block.get("accessory") is not None and getattr(parsed, "accessory", None) is None:
        return [error("unsupported element type", f"{p}/accessory")]
    return []
