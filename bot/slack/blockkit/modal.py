"""The rollback modal (pure): the form, its menus' options, and reading what came back.

Slack's shapes: a modal view (``views.open``), ``external_select`` options answered to a
``block_suggestion`` (at most 100), and a ``view_submission``'s ``view.state.values``
(``{block_id: {action_id: {"type": …, "value" | "selected_option" | …}}}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bot.digitalocean.models import Deployment
from bot.domain.mrkdwn import clip
from bot.domain.rollback_form import REASON_MOST, URL_MOST, FormField, RollbackForm
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
    blocks: list[Block] = []
    if not context_.channel:
        blocks.append(
            _input(
                FormField.CHANNEL,
                "Post the rollback card in",
                {
                    "type": "conversations_select",
                    "action_id": CHANNEL_ACTION,
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                    "placeholder": plain("A channel", limits.PLACEHOLDER),
                },
                hint="Approvers see the card there; the thread follows the rollback.",
            )
        )
    app_menu: Block = {
        "type": "external_select",
        "action_id": APP_ACTION,
        "min_query_length": 0,
        "placeholder": plain("Type an app's name", limits.PLACEHOLDER),
    }
    if context_.app_ref:
        app_menu["initial_option"] = _option(
            context_.app_label or context_.app_ref, context_.app_ref
        )
    # Picking an app sends block_actions, so the target menu is replaced (views.update).
    blocks.append({**_input(FormField.APP, "App", app_menu), "dispatch_action": True})
    blocks.append(
        _input(
            target_block_id(context_.app_ref),
            "Roll back to",
            {
                "type": "external_select",
                "action_id": TARGET_ACTION,
                "min_query_length": 0,
                "placeholder": plain("The last good deployment", limits.PLACEHOLDER),
            },
            optional=True,
            hint="Empty: the newest deployment that was live before the current one.",
        )
    )
    if context_.target_id:
        blocks[-1]["element"]["initial_option"] = _option(
            short(context_.target_id), context_.target_id
        )
    blocks.append(
        _input(
            FormField.REASON,
            "Reason",
            {
                "type": "plain_text_input",
                "action_id": REASON_ACTION,
                "multiline": True,
                "max_length": REASON_MOST,
                "placeholder": plain("What is wrong with the live deployment?", 150),
            },
            optional=not require_reason,
        )
    )
    blocks.append(
        _input(
            FormField.INCIDENT,
            "Incident link",
            {
                "type": "plain_text_input",
                "action_id": INCIDENT_ACTION,
                "max_length": URL_MOST,
                "placeholder": plain("https://…", limits.PLACEHOLDER),
            },
            optional=True,
        )
    )
    blocks.append(context("Nothing changes until someone else approves the card."))
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(TITLE, limits.VIEW_TITLE),
        "submit": plain("Propose rollback", limits.VIEW_TITLE),
        "close": plain("Cancel", limits.VIEW_TITLE),
        "private_metadata": context_.dumps(),
        "blocks": blocks,
    }


def notice_view(text: str) -> View:
    """The modal showing one sentence (working on it, or how it ended), with no form."""
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(TITLE, limits.VIEW_TITLE),
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


def form_of(view: Mapping[str, Any], context_: ModalContext) -> RollbackForm:
    """What was filled in; a field left empty reads as ""."""
    values = _values(view)
    target = _selected(values, FormField.TARGET, TARGET_ACTION)
    return RollbackForm(
        channel=context_.channel or _chosen(values, FormField.CHANNEL, CHANNEL_ACTION),
        app_ref=_selected(values, FormField.APP, APP_ACTION) or context_.app_ref,
        target_id=target or None,
        reason=_typed(values, FormField.REASON, REASON_ACTION),
        incident_url=_typed(values, FormField.INCIDENT, INCIDENT_ACTION).strip(),
    )


def chosen_app(view: Mapping[str, Any], context_: ModalContext) -> str:
    """The app picked in the view's menu (a ``block_suggestion`` carries the view's state),
    else the one the modal was opened for."""
    return _selected(_values(view), FormField.APP, APP_ACTION) or context_.app_ref


def errors_for(view: Mapping[str, Any], problems: Mapping[FormField, str]) -> dict[str, str]:
    """``response_action: errors``'s map: each problem under its field's block, or under the
    app's when the view has no such field (Slack rejects errors naming other blocks)."""
    block_ids = [
        str(b.get("block_id") or "") for b in view.get("blocks") or () if isinstance(b, dict)
    ]
    errors: dict[str, str] = {}
    for field, message in problems.items():
        block = next((b for b in block_ids if b.split(":")[0] == field.value), FormField.APP.value)
        text = clip(message, limits.INPUT_LABEL)
        errors[block] = f"{errors[block]} {text}" if block in errors else text
    return errors


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


def _values(view: Mapping[str, Any]) -> Mapping[str, Any]:
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _element(values: Mapping[str, Any], field: FormField, action_id: str) -> Mapping[str, Any]:
    for block_id, actions in values.items():
        if str(block_id).split(":")[0] == field.value and isinstance(actions, dict):
            element = actions.get(action_id)
            if isinstance(element, dict):
                return element
    return {}


def _selected(values: Mapping[str, Any], field: FormField, action_id: str) -> str:
    option = _element(values, field, action_id).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else ""


def _typed(values: Mapping[str, Any], field: FormField, action_id: str) -> str:
    value = _element(values, field, action_id).get("value")
    return value if isinstance(value, str) else ""


def _chosen(values: Mapping[str, Any], field: FormField, action_id: str) -> str:
    value = _element(values, field, action_id).get("selected_conversation")
    return value if isinstance(value, str) else ""
