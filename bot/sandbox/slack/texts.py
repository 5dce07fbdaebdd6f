"""The small checks every Block Kit rule is made of: a length as Slack counts it, a text
object, a string field, and a problem told the way Slack tells it in
``response_metadata.messages`` (``[ERROR] <what> [json-pointer:/blocks/0/text/text]``).

Shared by the message blocks (``blocks.py``), the input blocks and menus (``inputs.py``)
and the views (``views.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

TEXT_TYPES = ("plain_text", "mrkdwn")
# block_id and action_id: "Maximum length for this field is 255 characters."
ID_LENGTH = 255


def length(text: str) -> int:
    """A length as Slack may count it: UTF-16 code units (an emoji like 🔄 counts 2).

    The limits say "characters" without defining them [unverified]; UTF-16 units are never
    fewer than code points, so this is the stricter reading.
    """
    return len(text.encode("utf-16-le")) // 2


def error(what: str, pointer: str) -> str:
    return f"[ERROR] {what} [json-pointer:{pointer}]"


def text_problems(value: Any, p: str, *, limit: int | None, plain: bool = False) -> Iterator[str]:
    """What is wrong with a text object at ``p`` (``plain``: it must be plain_text)."""
    if (
        not isinstance(value, dict)
        or value.get("type") not in TEXT_TYPES
        or not isinstance(value.get("text"), str)
    ):
        yield error("must be a text object (plain_text or mrkdwn)", p)
        return
    if plain and value["type"] != "plain_text":
        yield error("must be a plain_text text object", f"{p}/type")
    if not value["text"]:
        # Section block: "Minimum length for the text in this field is 1 and maximum length
        # is 3000 characters"; an empty text object shows nothing anywhere else either.
        yield error("must be more than 0 characters", f"{p}/text")
    elif limit is not None and length(value["text"]) > limit:
        yield error(f"must be less than {limit + 1} characters", f"{p}/text")


def string_problems(value: Any, limit: int, p: str) -> Iterator[str]:
    """What is wrong with an optional string field at ``p`` of at most ``limit``."""
    if value is None:
        return
    if not isinstance(value, str):
        yield error("must be a string", p)
    elif length(value) > limit:
        yield error(f"must be less than {limit + 1} characters", p)
