"""What an input block, a select menu and an option may contain, as Slack checks them.

Each limit quotes its page under https://docs.slack.dev/reference/block-kit/. Problems are
told as in ``blocks.py`` (``[ERROR] <what> [json-pointer:…]``). Also the check of what an
app answers a ``block_suggestion`` with (``options`` or ``option_groups``), which Slack
would not show when it breaks these rules.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

from bot.sandbox.slack.texts import ID_LENGTH, error, string_problems, text_problems

# blocks/input-block: "label … must have type of plain_text. Maximum length for the text in
# this field is 2000 characters"; "hint … It must be a text object with a type of
# plain_text. Maximum length for the text in this field is 2000 characters."
LABEL_TEXT = 2000
HINT_TEXT = 2000
# block-elements/plain-text-input-element: "min_length … Acceptable values for this field
# are between 0 and 3000, inclusive"; "max_length … between 1 and 3000, inclusive."
INPUT_LENGTH = 3000
# Select menus: "placeholder … Maximum length for the text in this field is 150 characters";
# static_select: "options … Maximum number of options is 100", "option_groups … Maximum
# number of option groups is 100". block_suggestion: "Users may return a maximum of 100
# options or option groups".
PLACEHOLDER_TEXT = 150
MAX_OPTIONS = 100
# composition-objects/option-object: "text … Maximum length for the text in this field is
# 75 characters"; "value … Maximum length for this field is 150 characters";
# "description … Maximum length for the text in this field is 75 characters". Only
# plain_text for select menus ("overflow, select, and multi-select menus can only use
# plain_text objects").
OPTION_TEXT = 75
OPTION_VALUE = 150
# composition-objects/option-group-object: "label … Maximum length for the text in this
# field is 75 characters"; "options … Maximum number of options is 100."
GROUP_LABEL = 75

SELECTS = ("static_select", "external_select", "conversations_select")
# The input block's "element" may be any of these (blocks/input-block, "element"); the
# stand-in checks the four the bot uses in depth and lets slack_sdk check the others.
INPUT_ELEMENTS = (
    "plain_text_input",
    *SELECTS,
    "checkboxes",
    "radio_buttons",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "email_text_input",
    "url_text_input",
    "number_input",
    "users_select",
    "channels_select",
    "multi_static_select",
    "multi_external_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
    "rich_text_input",
    "file_input",
)


def input_problems(block: dict[str, Any], p: str) -> Iterator[str]:
    """An input block at ``p``: its label, hint, flags and element."""
    yield from text_problems(block.get("label"), f"{p}/label", limit=LABEL_TEXT, plain=True)
    if "hint" in block:
        yield from text_problems(block["hint"], f"{p}/hint", limit=HINT_TEXT, plain=True)
    for flag in ("optional", "dispatch_action"):
        if flag in block and not isinstance(block[flag], bool):
            yield error("must be a boolean", f"{p}/{flag}")
    element, q = block.get("element"), f"{p}/element"
    if not isinstance(element, dict) or element.get("type") not in INPUT_ELEMENTS:
        yield error("must be an input element", q)
        return
    yield from string_problems(element.get("action_id"), ID_LENGTH, f"{q}/action_id")
    if element["type"] == "plain_text_input":
        yield from _plain_text_input(element, q)
    elif element["type"] in SELECTS:
        yield from select_problems(element, q)


def _plain_text_input(element: dict[str, Any], q: str) -> Iterator[str]:
    for key, least in (("min_length", 0), ("max_length", 1)):
        if key in element:
            value = element[key]
            if not isinstance(value, int) or isinstance(value, bool):
                yield error("must be an integer", f"{q}/{key}")
            elif not least <= value <= INPUT_LENGTH:
                yield error(f"must be between {least} and {INPUT_LENGTH}", f"{q}/{key}")
    low, high = element.get("min_length"), element.get("max_length")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        yield error("min_length must not exceed max_length", f"{q}/min_length")
    yield from string_problems(element.get("initial_value"), INPUT_LENGTH, f"{q}/initial_value")
    yield from _placeholder(element, q)


def select_problems(element: dict[str, Any], q: str) -> Iterator[str]:
    """A select menu (static, external or conversations) at ``q``."""
    yield from _placeholder(element, q)
    kind = element.get("type")
    if kind == "static_select":
        yield from _static(element, q)
    elif kind == "external_select":
        # select-menu-element#external_select: "min_query_length … The default value is 3";
        # "initial_option: A single option … loaded from the external data source".
        least = element.get("min_query_length")
        if least is not None and (not isinstance(least, int) or least < 0):
            yield error("must be a non-negative integer", f"{q}/min_query_length")
        if "initial_option" in element:
            yield from option_problems(element["initial_option"], f"{q}/initial_option")
    elif kind == "conversations_select":
        # select-menu-element#conversation_multi_select: "initial_conversation: The ID of
        # any valid conversation"; default_to_current_conversation and
        # response_url_enabled are booleans ("response_url_enabled … only works with
        # menus in input blocks in modals").
        yield from string_problems(
            element.get("initial_conversation"), ID_LENGTH, f"{q}/initial_conversation"
        )
        for flag in ("default_to_current_conversation", "response_url_enabled"):
            if flag in element and not isinstance(element[flag], bool):
                yield error("must be a boolean", f"{q}/{flag}")


def _static(element: dict[str, Any], q: str) -> Iterator[str]:
    options, groups = element.get("options"), element.get("option_groups")
    if (options is None) == (groups is None):
        # static_select: "options … If option_groups is specified, this field should not
        # be." One of the two is required.
        yield error("must provide exactly one of options or option_groups", q)
        return
    listed = yield from (
        _option_list(options, f"{q}/options")
        if options is not None
        else _group_list(groups, f"{q}/option_groups")
    )
    if "initial_option" in element:
        initial = element["initial_option"]
        yield from option_problems(initial, f"{q}/initial_option")
        # "initial_option: A single option that exactly matches one of the options within
        # options or option_groups."
        if isinstance(initial, dict) and initial.get("value") not in listed:
            yield error("must match one of the options", f"{q}/initial_option")


def _option_list(options: Any, p: str) -> Generator[str, None, set[Any]]:
    """Problems with a list of options; returns (``yield from``'s value) their values."""
    if not isinstance(options, list) or len(options) > MAX_OPTIONS:
        yield error(f"must be an array of at most {MAX_OPTIONS} items", p)
        return set()
    for j, option in enumerate(options):
        yield from option_problems(option, f"{p}/{j}")
    return {o.get("value") for o in options if isinstance(o, dict)}


def _group_list(groups: Any, p: str) -> Generator[str, None, set[Any]]:
    if not isinstance(groups, list) or len(groups) > MAX_OPTIONS:
        yield error(f"must be an array of at most {MAX_OPTIONS} items", p)
        return set()
    values: set[Any] = set()
    for j, group in enumerate(groups):
        if not isinstance(group, dict):
            yield error("must be an option group object", f"{p}/{j}")
            continue
        label = group.get("label")
        yield from text_problems(label, f"{p}/{j}/label", limit=GROUP_LABEL, plain=True)
        values |= yield from _option_list(group.get("options"), f"{p}/{j}/options")
    return values


def option_problems(option: Any, p: str) -> Iterator[str]:
    """An option object of a select menu at ``p``."""
    if not isinstance(option, dict):
        yield error("must be an option object", p)
        return
    yield from text_problems(option.get("text"), f"{p}/text", limit=OPTION_TEXT, plain=True)
    value = option.get("value")
    if not isinstance(value, str) or not value:
        yield error("must be a non-empty string", f"{p}/value")
    else:
        yield from string_problems(value, OPTION_VALUE, f"{p}/value")
    if "description" in option:
        yield from text_problems(
            option["description"], f"{p}/description", limit=OPTION_TEXT, plain=True
        )


def suggestion_problems(answer: Any) -> list[str]:
    """What is wrong with an app's answer to a ``block_suggestion`` (its JSON body)."""
    if not isinstance(answer, dict) or ("options" in answer) == ("option_groups" in answer):
        return [error("must be an object with options or option_groups", "")]
    if "options" in answer:
        return list(_option_list(answer["options"], "/options"))
    return list(_group_list(answer["option_groups"], "/option_groups"))


def _placeholder(element: dict[str, Any], q: str) -> Iterator[str]:
    if "placeholder" in element:
        yield from text_problems(
            element["placeholder"], f"{q}/placeholder", limit=PLACEHOLDER_TEXT, plain=True
        )
