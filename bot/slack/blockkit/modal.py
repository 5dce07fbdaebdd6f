"""The rollback modal (pure): the form, its menus' options, and reading what came back.

Slack's shapes: a modal view (``views.open``), ``external_select`` options answered to a
``block_suggestion`` (at most 100), and a ``view_submission``'s ``view.state.values``
(``{block_id: {action_id: {"type": …, "value" | "selected_option" | …}}}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bot.digitalocean.models import Deployment
from bot.domain.mrkdwn import clip
from bot.domain.rollback_form import REASON_MOST, URL_MOST, FormField
from bot.slack.blockkit import limits
from bot.slack.blockkit.blocks import Block, age, context, plain, section, short

View = dict[str, Any]

CALLBACK_ID = "rollback_request"
SHORTCUT_ID = "rollback_open"
APP_ACTION = "modal_app"
TARGET_ACTION = "modal_target"
REASON_ACTION = "modal_reason"
INCIDENT_ACTION = "modal_incident"
CHANNEL_ACTION = "modal_channel"
# The fields other than the app's: they dispatch no action, but one that came is acked.
FORM_ACTIONS = re.compile(f"^({TARGET_ACTION}|{REASON_ACTION}|{INCIDENT_ACTION}|{CHANNEL_ACTION})$")

TITLE = "Roll back an app"


@dataclass(frozen=True)
class ModalContext:
    """What the modal carries in ``private_metadata`` (at most 3,000 characters)."""

    channel: str = ""
    """Where it was opened; "" from the shortcut, whose form asks for a channel."""
    app_ref: str = ""
    """The app chosen so far: an id from the menu, or the name typed with ``/rollback <app>``."""
    app_label: str = ""
    target_id: str = ""
    """A deployment named with ``/rollback <app> <deployment-id>``, offered as chosen."""

    def dumps(self) -> str:
        return clip(json.dumps(asdict(self), separators=(",", ":")), limits.PRIVATE_METADATA)

    @classmethod
    def loads(cls, raw: object) -> ModalContext:
        """Read back leniently: a payload is signed, but nothing in it is trusted blindly."""
        try:
            data = json.loads(raw) if isinstance(raw, str) else {}
        except ValueError:
            data = {}
        fields = data if isinstance(data, dict) else {}
        return cls(**{k: v for k, v in fields.items() if k in _CONTEXT and isinstance(v, str)})


_CONTEXT = frozenset(ModalContext.__dataclass_fields__)


@dataclass(frozen=True)
class AppChoice:
    """An app the menu may offer: its id (the option's value), name and a word on its state."""

    id: str
    name: str
    note: str = ""


def request_view(context_: ModalContext, *, require_reason: bool) -> View:
    """The form: channel (from the shortcut only), app, target, reason, incident link."""
    fields = [_channel_field()] if not context_.channel else []
    fields += [
        _app_field(context_),
        _target_field(context_),
        _text_field(
            FormField.REASON,
            "Reason",
            REASON_ACTION,
            most=REASON_MOST,
            placeholder="What is wrong with the live deployment?",
            optional=not require_reason,
            multiline=True,
        ),
        _text_field(
            FormField.INCIDENT,
            "Incident link",
            INCIDENT_ACTION,
            most=URL_MOST,
            placeholder="https://…",
        ),
        context("Nothing changes until someone else approves the card."),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(TITLE, limits.VIEW_TITLE),
        "submit": plain("Propose rollback", limits.VIEW_TITLE),
        "close": plain("Cancel", limits.VIEW_TITLE),
        "private_metadata": context_.dumps(),
        "blocks": fields,
    }


def _channel_field() -> Block:
    menu = {
        "type": "conversations_select",
        "action_id": CHANNEL_ACTION,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "placeholder": plain("A channel", limits.PLACEHOLDER),
    }
    hint = "Approvers see the card there. Empty: the app's channel in ROLLBACK_CHANNELS."
    return _input(FormField.CHANNEL, "Post the rollback card in", menu, optional=True, hint=hint)


def _app_field(context_: ModalContext) -> Block:
    menu = _menu(APP_ACTION, "Type an app's name")
    if context_.app_ref:
        menu["initial_option"] = _option(context_.app_label or context_.app_ref, context_.app_ref)
    # Picking an app sends block_actions, so the target menu is replaced (views.update).
    return {**_input(FormField.APP, "App", menu), "dispatch_action": True}


def _target_field(context_: ModalContext) -> Block:
    menu = _menu(TARGET_ACTION, "The last good deployment")
    if context_.target_id:
        menu["initial_option"] = _option(short(context_.target_id), context_.target_id)
    hint = "Empty: the newest deployment that was live before the current one."
    return _input(target_block_id(context_.app_ref), "Roll back to", menu, optional=True, hint=hint)


def _menu(action_id: str, placeholder: str) -> Block:
    """An external_select whose options the bot serves, from the first keystroke on."""
    return {
        "type": "external_select",
        "action_id": action_id,
        "min_query_length": 0,
        "placeholder": plain(placeholder, limits.PLACEHOLDER),
    }


def _text_field(
    field: FormField,
    label: str,
    action_id: str,
    *,
    most: int,
    placeholder: str,
    optional: bool = True,
    multiline: bool = False,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": action_id,
        "max_length": most,
        "placeholder": plain(placeholder, limits.PLACEHOLDER),
    }
    if multiline:
        element["multiline"] = True
    return _input(field, label, element, optional=optional)


def notice_view(text: str, *, callback_id: str = CALLBACK_ID, title: str = TITLE) -> View:
    """The modal showing one sentence (working on it, or how it ended), with no form."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, limits.VIEW_TITLE),
        "close": plain("Close", limits.VIEW_TITLE),
        "blocks": [section(text)],
    }


def target_block_id(app_ref: str) -> str:
    """Named after the app, so that Slack empties the target menu when the app changes
    (it keeps an input's value only while its block id stays the same)."""
    return clip(f"{FormField.TARGET.value}:{app_ref}", limits.BLOCK_ID)


def app_options(choices: Iterable[AppChoice], query: str) -> list[Block]:
    """The apps matching ``query`` (names starting with it first), at most 100."""
    typed = query.strip().lower()
    matching = [c for c in choices if typed in c.name.lower()]
    matching.sort(key=lambda c: (not c.name.lower().startswith(typed), c.name.lower()))
    return [
        _option(f"{c.name} · {c.note}" if c.note else c.name, c.id)
        for c in matching[: limits.OPTIONS]
    ]


def typed_option(typed: str) -> Block:
    """What was typed, offered as is: an app the latest look does not list (or no look yet);
    the submission looks it up with DigitalOcean."""
    return _option(f"{typed} (look it up)", typed)


def target_options(
    deployments: Sequence[Deployment],
    *,
    default: Deployment | None,
    now: float,
    query: str,
) -> list[Block]:
    """``deployments`` (the ones a rollback may go to) as ``id · commit · cause · age``,
    the last good one first, those matching ``query`` only, at most 100."""
    typed = query.strip().lower()
    ordered = ([default] if default is not None else []) + [
        d for d in deployments if default is None or d.id != default.id
    ]
    options = []
    for d in ordered:
        if typed and not any(typed in part.lower() for part in (d.id, d.commit, d.cause)):
            continue
        parts = [short(d.id), d.commit, d.cause, age(d.created_at, now)]
        label = " · ".join(p for p in parts if p)
        if default is not None and d.id == default.id:
            label = f"{short(d.id)} (last good) · " + " · ".join(p for p in parts[1:] if p)
        options.append(_option(label, d.id))
        if len(options) == limits.OPTIONS:
            break
    return options


def _input(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": clip(block_id, limits.BLOCK_ID),
        "label": plain(label, limits.INPUT_LABEL),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, limits.INPUT_LABEL)
    return block


def _option(text: str, value: str) -> Block:
    return {"text": plain(text, limits.OPTION_TEXT), "value": clip(value, limits.OPTION_VALUE)}
