"""Reading the rollback modal back (pure): a ``view_submission``'s or ``block_suggestion``'s
``view.state.values`` (``{block_id: {action_id: {"type": …, "value" | "selected_option" |
"selected_conversation"}}}``), and the errors map that answers a submission.

Signed by Slack, but read without trusting any shape: whatever is missing or malformed
reads as an empty field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.mrkdwn import clip
from bot.domain.rollback_form import FormField, RollbackForm
from bot.slack.blockkit import limits
from bot.slack.blockkit.modal import (
    APP_ACTION,
    CHANNEL_ACTION,
    INCIDENT_ACTION,
    REASON_ACTION,
    TARGET_ACTION,
    ModalContext,
)


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
