"""What Slack sends an app around views, built as Slack builds them: a global shortcut, a
``block_suggestion`` (an external_select asking for options), a ``block_actions`` from a
view, a ``view_submission``, and the Events API's ``app_home_opened`` and
``url_verification``.

Shapes follow Slack's reference pages, quoted at each builder; signing stays
``requests.py``'s (standard library HMAC). The state of a view's inputs
(``view.state.values``: block_id → action_id → the element's state) is made by
``element_state`` from what a person entered.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from typing import Any

from bot.sandbox.slack.messages import BOT_USER
from bot.sandbox.slack.requests import Actor, Team, user_object

Values = dict[str, dict[str, dict[str, Any]]]
"""``view.state.values``: block_id → action_id → the element's state."""

TEXT_INPUTS = ("plain_text_input", "url_text_input", "email_text_input", "number_input")


def elements(view: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each interactive element of ``view`` with its block's ``block_id``."""
    for block in view.get("blocks") or []:
        candidates = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
        for element in candidates:
            if isinstance(element, dict) and "action_id" in element:
                yield str(block.get("block_id", "")), element


def find_element(
    view: dict[str, Any], action_id: str, *, block_id: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The (block_id, element) holding ``action_id`` in ``view``."""
    for found_block, element in elements(view):
        if element["action_id"] == action_id and block_id in (None, found_block):
            return found_block, element
    raise KeyError(f"no element {action_id!r} in view {view.get('id')!r}")


def element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The state Slack reports for ``element`` holding ``value``: text for a text input, an
    option object for a select, a conversation id for conversations_select
    (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload,
    ``state.values``)."""
    kind = str(element.get("type"))
    if kind in TEXT_INPUTS:
        return {"type": kind, "value": value}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    if kind.endswith("_select"):
        return {"type": kind, "selected_option": value}
    raise ValueError(f"the stand-in does not model {kind!r} state")


def with_state(view: dict[str, Any], values: Values) -> dict[str, Any]:
    carried = copy.deepcopy(view)
    carried["state"] = {"values": copy.deepcopy(values)}
    return carried


class Entries:
    """What a person entered in each view (by view id), as Slack's client keeps it: a later
    payload from the view carries it in ``view.state.values``."""

    def __init__(self) -> None:
        self.by_view: dict[str, Values] = {}

    def enter(
        self, view: dict[str, Any], block_id: str, element: dict[str, Any], value: Any
    ) -> None:
        blocks = self.by_view.setdefault(str(view.get("id")), {})
        blocks.setdefault(block_id, {})[element["action_id"]] = element_state(element, value)

    def carried(self, view: dict[str, Any]) -> dict[str, Any]:
        """``view`` with what was entered in it, as far as its blocks still hold those
        elements: "Data entered or selected in input blocks can be preserved while updating
        views. The new view … should contain the same input blocks and elements with
        identical block_id and action_id values" (modal views reference)."""
        present = {(b, e["action_id"]) for b, e in elements(view)}
        values: Values = {}
        for block_id, actions in self.by_view.get(str(view.get("id")), {}).items():
            for action_id, state in actions.items():
                if (block_id, action_id) in present:
                    values.setdefault(block_id, {})[action_id] = state
        return with_state(view, values)


def response_urls(view: dict[str, Any], make_url: Callable[[], str]) -> list[dict[str, str]]:
    """view_submission's ``response_urls``: one per conversations_select with
    ``response_url_enabled`` holding a conversation in ``view``'s state."""
    made = []
    for block_id, element in elements(view):
        wanted = element.get("type") == "conversations_select" and element.get(
            "response_url_enabled"
        )
        state = view["state"]["values"].get(block_id, {}).get(element["action_id"], {})
        if wanted and state.get("selected_conversation"):
            made.append(
                {
                    "block_id": block_id,
                    "action_id": element["action_id"],
                    "channel_id": state["selected_conversation"],
                    "response_url": make_url(),
                }
            )
    return made


def shortcut(team: Team, *, actor: Actor, callback_id: str, trigger_id: str) -> dict[str, Any]:
    """A global shortcut (https://docs.slack.dev/reference/interaction-payloads/shortcuts-
    interaction-payload): "type: shortcut", its callback_id and trigger_id; no channel."""
    return {
        "type": "shortcut",
        "token": team.verification_token,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team.id, "domain": team.domain},
        "user": user_object(team, actor),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
    }


def block_suggestion(
    team: Team, *, actor: Actor, view: dict[str, Any], block_id: str, action_id: str, value: str
) -> dict[str, Any]:
    """An external_select asking for options (https://docs.slack.dev/reference/interaction-
    payloads/block_suggestion-payload): user, team, api_app_id, block_id, action_id, value
    ("The value entered by the user"), and the view it is in with its state."""
    return {
        "type": "block_suggestion",
        "user": user_object(team, actor),
        "container": {"type": "view", "view_id": view.get("id", "")},
        "api_app_id": team.app_id,
        "token": team.verification_token,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": {"id": team.id, "domain": team.domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
    }


def view_action(
    team: Team, *, actor: Actor, view: dict[str, Any], action: dict[str, Any], trigger_id: str
) -> dict[str, Any]:
    """A ``block_actions`` from an element in a view (an input with ``dispatch_action``):
    "container" of type view, the view with its state, and no response_url (Slack gives
    one only for messages; https://docs.slack.dev/reference/interaction-payloads/
    block_actions-payload)."""
    return {
        "type": "block_actions",
        "user": user_object(team, actor),
        "api_app_id": team.app_id,
        "token": team.verification_token,
        "container": {"type": "view", "view_id": view.get("id", "")},
        "trigger_id": trigger_id,
        "team": {"id": team.id, "domain": team.domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [action],
    }


def select_action(block_id: str, element: dict[str, Any], option: dict[str, Any]) -> dict[str, Any]:
    """The ``actions`` entry of a choice in a select menu."""
    action = {
        "type": element.get("type"),
        "action_id": element["action_id"],
        "block_id": block_id,
        "selected_option": option,
        "action_ts": f"{time.time():.6f}",
    }
    if "placeholder" in element:
        action["placeholder"] = element["placeholder"]
    return action


def view_submission(
    team: Team,
    *,
    actor: Actor,
    view: dict[str, Any],
    trigger_id: str,
    response_urls: list[dict[str, str]],
) -> dict[str, Any]:
    """A modal's submission (https://docs.slack.dev/reference/interaction-payloads/view-
    interactions-payload#view_submission): the view with ``state.values``, and
    ``response_urls`` "when the modal contains a conversations_select … with
    response_url_enabled"."""
    return {
        "type": "view_submission",
        "team": {"id": team.id, "domain": team.domain},
        "user": user_object(team, actor),
        "api_app_id": team.app_id,
        "token": team.verification_token,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": response_urls,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def event_callback(team: Team, event: dict[str, Any], *, event_id: str) -> dict[str, Any]:
    """The Events API's envelope (https://docs.slack.dev/apis/events-api/, "Callback field
    overview"): token, team_id, api_app_id, event, type event_callback, event_id,
    event_time, authorizations."""
    return {
        "token": team.verification_token,
        "team_id": team.id,
        "api_app_id": team.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {"enterprise_id": None, "team_id": team.id, "user_id": BOT_USER, "is_bot": True}
        ],
        "is_ext_shared_channel": False,
    }


def app_home_opened(
    *, user: str, channel: str, view: dict[str, Any] | None = None
) -> dict[str, Any]:
    """https://docs.slack.dev/reference/events/app_home_opened: type, user, channel,
    event_ts, tab ("home"); "If they opened a Home tab and that tab has had a view published
    at least once before, a view field will also be included"."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return event


def url_verification(team: Team, challenge: str) -> dict[str, Any]:
    """https://docs.slack.dev/reference/events/url_verification: the app answers with the
    ``challenge``."""
    return {"token": team.verification_token, "challenge": challenge, "type": "url_verification"}
