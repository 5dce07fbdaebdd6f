"""The views a workspace holds (modals and Home tabs) and the triggers that open them.

Pure state and rules over plain data, like ``rules.py``: the Web API (``view_api.py``)
asks and changes, under the workspace's lock.
"""

from __future__ import annotations

import copy
import itertools
import secrets
from dataclasses import dataclass
from typing import Any

from bot.sandbox.slack.blocks import Refusal
from bot.sandbox.slack.views import check_view

# https://docs.slack.dev/interactivity/handling-user-interaction ("trigger_id"): a
# trigger "will expire three seconds after it's sent to your app" and "Each trigger_id can
# only be used once". views.open's errors: "expired_trigger_id: The trigger_id is expired",
# "exchanged_trigger_id: The trigger_id was already exchanged in a previous call",
# "invalid_trigger_id: The trigger_id is invalid. The expected format for the trigger_id
# argument is "132456.7890123.abcdef"".
TRIGGER_LIFETIME = 3.0
# views.push: "After a modal is opened, the app is limited to pushing 2 additional views."
PUSH_LIMIT = 3


def trigger_id(n: int, issued: float, tail: str = "trigger") -> str:
    """A trigger as the stand-ins' drivers make them: ``<n>.<unix-seconds>.<tail>``; the
    middle part is when it was issued, which is what its expiry counts from."""
    return f"{n}.{int(issued)}.{tail}"


def trigger_issued(trigger: str) -> int | None:
    """The Unix second embedded in ``trigger``; None when it has not Slack's shape."""
    parts = trigger.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        return None
    return int(parts[1])


@dataclass
class Held:
    """A view as Slack holds it: who sees it, and whether a modal was closed."""

    view: dict[str, Any]
    user: str | None
    closed: bool = False


class Surfaces:
    """Views by id, Home tabs by user, and the triggers already exchanged."""

    def __init__(self) -> None:
        self.held: dict[str, Held] = {}
        self.homes: dict[str, str] = {}
        """User id → the id of their Home tab's view."""
        self.trigger_users: dict[str, str] = {}
        """Triggers a test issued for a person (``FakeSlack.trigger``), so a modal is theirs."""
        self._exchanged: set[str] = set()
        self._ids = itertools.count(1)

    def take_trigger(self, trigger: str, now: float) -> Refusal | None:
        """Spend ``trigger`` at Unix time ``now``, or say why Slack would not.

        The embedded second is truncated, so the trigger came out within that second: the
        stand-in counts from its end [a lenient reading, by up to a second, so a loaded CI
        machine does not fail a bot that answered in time].
        """
        issued = trigger_issued(trigger)
        if issued is None:
            return Refusal("invalid_trigger_id")
        if trigger in self._exchanged:
            return Refusal("exchanged_trigger_id")
        if now - (issued + 1) > TRIGGER_LIFETIME:
            return Refusal("expired_trigger_id")
        self._exchanged.add(trigger)
        return None

    def find(self, *, view_id: str = "", external_id: str = "") -> Held | None:
        """An open view by id or ``external_id`` (a closed modal is gone)."""
        for key, held in self.held.items():
            if held.closed:
                continue
            if (view_id and key == view_id) or (
                external_id and held.view.get("external_id") == external_id
            ):
                return held
        return None

    def external_id_taken(self, external_id: str, *, but: str = "") -> bool:
        """views.open's errors: "duplicate_external_id: Error returned when the given
        ``external_id`` has already be used"."""
        if not external_id:
            return False
        return any(
            h.view.get("external_id") == external_id and key != but for key, h in self.held.items()
        )

    def keep(
        self, view: dict[str, Any], *, user: str | None, who: dict[str, str]
    ) -> dict[str, Any]:
        """Hold a new view; the answer's ``view``."""
        view_id = f"V{next(self._ids):08d}"
        held = Held(self._stamp(view, view_id=view_id, who=who), user)
        self.held[view_id] = held
        return copy.deepcopy(held.view)

    def replace(self, held: Held, view: dict[str, Any], *, who: dict[str, str]) -> dict[str, Any]:
        """views.update: the new view, same id, new hash; its ``external_id`` stays unless
        the new view names another [unverified: Slack's pages do not say]."""
        kept = (
            {"external_id": held.view["external_id"], **view} if held.view["external_id"] else view
        )
        held.view = self._stamp(
            kept, view_id=held.view["id"], who=who, root=held.view["root_view_id"]
        )
        return copy.deepcopy(held.view)

    def answered(self, view_id: str, body: Any, *, who: dict[str, str]) -> str | None:
        """What the app's answer to a ``view_submission`` of ``view_id`` (its JSON body, None
        when empty) does to the modal; the problem Slack would show the person, if any.

        https://docs.slack.dev/surfaces/modals ("Responding to view submissions"): an empty
        HTTP 200 closes the view; ``response_action`` "update" replaces it with ``view``,
        "push" puts ``view`` on top of it, "clear" closes them all, "errors" keeps it open
        with "an object where each key is a block_id and each value is the error message"
        (errors show under input blocks only).
        """
        held = self.held.get(view_id)
        if held is None or held.closed:
            return "view_not_open"
        action = body.get("response_action") if isinstance(body, dict) else None
        stack = [
            h for h in self.held.values() if h.view["root_view_id"] == held.view["root_view_id"]
        ]
        if body is None:
            held.closed = True
            return None
        if action == "clear":
            for each in stack:
                each.closed = True
            return None
        if action == "errors":
            inputs = {b.get("block_id") for b in held.view["blocks"] if b.get("type") == "input"}
            errors = body.get("errors")
            if not isinstance(errors, dict) or not errors or not set(errors) <= inputs:
                return "errors_not_on_input_blocks"
            return None
        if action in ("update", "push"):
            view = check_view(body.get("view"), kind="modal")
            if isinstance(view, Refusal):
                return "invalid_view: " + "; ".join(view.messages)
            if action == "update":
                self.replace(held, view, who=who)
            elif sum(not h.closed for h in stack) >= PUSH_LIMIT:
                return "push_limit_reached"
            else:
                pushed = self.keep(view, user=held.user, who=who)
                self.held[pushed["id"]].view |= {
                    "root_view_id": held.view["root_view_id"],
                    "previous_view_id": view_id,
                }
            return None
        return "invalid_response_action"

    def _stamp(
        self, view: dict[str, Any], *, view_id: str, who: dict[str, str], root: str = ""
    ) -> dict[str, Any]:
        """The view as Slack answers it (views.open's "Typical success response")."""
        stamped: dict[str, Any] = {
            "id": view_id,
            "team_id": who["team_id"],
            "type": view["type"],
            "blocks": _with_ids(view.get("blocks") or []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{next(self._ids)}.{secrets.token_hex(4)}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root or view_id,
            "previous_view_id": None,
            "app_id": who["app_id"],
            "external_id": view.get("external_id", ""),
            "bot_id": who["bot_id"],
        }
        for key in ("title", "submit", "close"):
            stamped[key] = copy.deepcopy(view.get(key))
        return stamped


def _with_ids(blocks: list[Any]) -> list[Any]:
    """The blocks with the ids Slack makes for those left out: input block: "block_id … If
    not specified, one will be generated"; elements: "action_id … If not specified, one will
    be generated" (Slack's are short random strings)."""
    made = copy.deepcopy(blocks)
    for block in made:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", secrets.token_urlsafe(4))
        kind = block.get("type")
        elements = block.get("elements") if kind == "actions" else None
        elements = elements or [block.get("element") if kind == "input" else block.get("accessory")]
        for element in elements:
            if isinstance(element, dict) and element.get("type") != "image":
                element.setdefault("action_id", secrets.token_urlsafe(4))
    return made
