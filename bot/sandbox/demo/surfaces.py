"""Slack's side of modals and the App Home tab on the demo page: what a person enters in a
modal, picks from its menus, submits or cancels, and opening the Home tab, sent to the bot
as Slack sends them (``view_payloads``), signed, through the relay.

Slack's client keeps what was entered in a view and sends it with every later payload
from that view (``view.state.values``); here ``Entries`` keeps it per view. Field errors
from a ``response_action: errors`` answer are kept with the view's hash they were given
for: "errors … shown next to the input blocks" until the next submission, and gone once
the app replaces the view (https://docs.slack.dev/surfaces/modals, "Displaying errors in
views").
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from bot.sandbox.demo import payloads
from bot.sandbox.demo.relay import Relay
from bot.sandbox.demo.workspace import Person
from bot.sandbox.slack import view_payloads as views
from bot.sandbox.slack.requests import button_action

JSON = "application/json"
SHORTCUT = "rollback_open"
View = dict[str, Any]


@dataclass(frozen=True)
class Submitted:
    """How Slack took the bot's answer: ``problem`` is what the person would see, if any."""

    problem: str | None
    errors: dict[str, str]


class Surfaces:
    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.slack = relay.workspace.slack
        self.entered = views.Entries()
        self._errors: dict[str, tuple[str, dict[str, str]]] = {}
        self.changes = 0
        """Counts changes the stand-in does not see (a choice in a menu that dispatches
        nothing): the page's state version adds it."""

    # --- reading -----------------------------------------------------------------------

    def modal(self, person: Person) -> View | None:
        """``person``'s open modal with what they entered and its field errors."""
        view = self.slack.open_view(person.id)
        if view is None:
            return None
        shown = self.entered.carried(view)
        given = self._errors.get(str(view["id"]))
        shown["errors"] = given[1] if given and given[0] == view["hash"] else {}
        return shown

    def home(self, person: Person) -> View | None:
        return self.slack.home(person.id)

    def mine(self, person: Person, view_id: str) -> View | None:
        """The modal or Home tab ``view_id`` if ``person`` has it open, with their entries."""
        for view in (self.slack.open_view(person.id), self.slack.home(person.id)):
            if view is not None and view["id"] == view_id:
                return self.entered.carried(view)
        return None

    # --- doing -------------------------------------------------------------------------

    async def suggest(
        self, person: Person, view: View, *, action_id: str, value: str
    ) -> list[dict[str, Any]] | None:
        """The options the bot serves an external_select for ``value``; None: no answer."""
        block_id, _ = views.find_element(view, action_id)
        body = payloads.suggestion(
            self.relay.workspace,
            person,
            view=view,
            block_id=block_id,
            action_id=action_id,
            value=value,
        )
        response = await self.relay.deliver(body)
        if response is None or response.status_code != 200:
            return None
        try:
            answer = response.json()
        except ValueError:
            return None
        if not isinstance(answer, dict):
            return None
        groups = answer.get("option_groups") or []
        found = answer.get("options") or [o for g in groups for o in g.get("options", [])]
        return [o for o in found if isinstance(o, dict)]

    async def choose(self, person: Person, view: View, *, action_id: str, value: Any) -> bool:
        """``person`` picks ``value`` in a menu; in an input block with ``dispatch_action``
        Slack sends the bot ``block_actions`` at once. False when the bot did not accept it."""
        block_id, element = views.find_element(view, action_id)
        self.entered.enter(view, block_id, element, value)
        self.changes += 1
        block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
        if not block.get("dispatch_action"):
            return True
        action = views.select_action(block_id, element, value)
        return await self._act(person, self.entered.carried(view), action)

    async def press(self, person: Person, view: View, *, action_id: str) -> bool:
        """A button in a modal or the Home tab."""
        block_id, button = views.find_element(view, action_id)
        return await self._act(person, view, button_action(button, block_id=block_id))

    async def submit(self, person: Person, view: View, *, texts: dict[str, str]) -> Submitted:
        """Submit with ``texts`` typed in the text inputs ({action_id: text}); the bot's
        answer changes the modal as Slack does (``FakeSlack.submission_answered``)."""
        for action_id, text in texts.items():
            block_id, element = views.find_element(view, action_id)
            self.entered.enter(view, block_id, element, text or None)
        carried = self.entered.carried(view)
        body = payloads.view_submission(self.relay.workspace, person, view=carried)
        started = time.monotonic()
        response = await self.relay.deliver(body)
        status, text = (0, "") if response is None else (response.status_code, response.text)
        errors = _errors(text) if status == 200 else {}
        self._errors[str(view["id"])] = (str(view["hash"]), errors)
        problem = self.slack.submission_answered(
            str(view["id"]), status=status, body=text, seconds=time.monotonic() - started
        )
        return Submitted(problem, errors)

    def cancel(self, view: View) -> None:
        """The person closes the modal (its Cancel or ×)."""
        self.slack.close_view(str(view["id"]))

    async def shortcut(self, person: Person) -> bool:
        """``person`` picks the bot's global shortcut (the manifest's ``rollback_open``)."""
        body = payloads.shortcut(self.relay.workspace, person, callback_id=SHORTCUT)
        response = await self.relay.deliver(body)
        return response is not None and response.status_code == 200

    async def open_home(self, person: Person) -> bool:
        """``person`` clicks into the App Home; the event carries the Home tab published
        before, if any (app_home_opened reference)."""
        body = payloads.home_opened(self.relay.workspace, person, view=self.home(person))
        response = await self.relay.deliver(body, content_type=JSON)
        return response is not None and response.status_code == 200

    async def _act(self, person: Person, view: View, action: dict[str, Any]) -> bool:
        body = payloads.view_action(self.relay.workspace, person, view=view, action=action)
        response = await self.relay.deliver(body)
        return response is not None and response.status_code == 200


def _errors(body: str) -> dict[str, str]:
    try:
        answer = json.loads(body) if body.strip() else None
    except ValueError:
        return {}
    if not isinstance(answer, dict) or answer.get("response_action") != "errors":
        return {}
    errors = answer.get("errors")
    return {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
