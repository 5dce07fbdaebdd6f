"""The signed transport every driver shares, and what a person does in Slack's views:
shortcuts, menus, submissions and the Home tab (``SlackDriver`` adds commands and clicks
on messages)."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import httpx

from bot.sandbox.slack import view_payloads as payloads
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.requests import TEST_TEAM, Actor, as_form, button_action, signed_headers
from bot.sandbox.slack.surfaces import trigger_id

DELIVERIES = itertools.count(1)
"""Numbers response URLs and triggers across every driver (replica) of a test."""


class SignedTransport:
    """Posts to the bot as Slack does: signed, numbered response URLs and triggers."""

    def __init__(
        self,
        *,
        bot_url: str,
        slack_url: str,
        signing_secret: str,
        slack: FakeSlack | None = None,
    ) -> None:
        self.bot_url = bot_url
        self.slack = slack
        """The stand-in, when the test has it: the bot's answer to a ``submit`` then changes
        the modal there as Slack would (closed, updated, pushed; errors kept open)."""
        self.slack_url = slack_url
        self.secret = signing_secret
        self.http = httpx.Client(timeout=10)
        self._n = 0
        self.entered = payloads.Entries()
        """What the person entered in each view, as ``state.values``."""

    def close(self) -> None:
        self.http.close()

    def post(
        self, body: str, *, timestamp: int | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        sent = {**signed_headers(self.secret, body, timestamp=timestamp), **(headers or {})}
        return self.http.post(f"{self.bot_url}/slack/events", content=body, headers=sent)

    def response_url(self) -> str:
        # Slack gives every command and click a response URL of its own (usable 5 times),
        # whichever driver (replica) it goes to: numbered across all drivers.
        self._n = next(DELIVERIES)
        return f"{self.slack_url}/response/{self._n}"

    # --- shortcuts, modals and App Home ----------------------------------------------

    def trigger(self, user: str, *, n: int | None = None) -> str:
        """A fresh trigger for ``user``'s interaction, numbered across all drivers (``n``:
        the delivery's number, when it has one). With ``slack``, a modal it opens is known
        there as ``user``'s (``FakeSlack.open_view(user)``)."""
        made = trigger_id(next(DELIVERIES) if n is None else n, time.time())
        if self.slack is not None:
            self.slack.note_trigger(made, user)
        return made

    def url_verification(self, challenge: str) -> httpx.Response:
        return self.post_json(payloads.url_verification(TEST_TEAM, challenge))

    def post_json(self, payload: dict[str, Any]) -> httpx.Response:
        """An Events API request: a JSON body, signed like the rest."""
        body = json.dumps(payload)
        sent = signed_headers(self.secret, body, content_type="application/json")
        return self.http.post(f"{self.bot_url}/slack/events", content=body, headers=sent)


class ViewDriver(SignedTransport):
    """What a person does in views: shortcuts, menus, submissions, the Home tab."""

    def shortcut(
        self, callback_id: str = "rollback_open", *, user: str = "UALICE"
    ) -> httpx.Response:
        """A global shortcut: no channel, a fresh trigger."""
        payload = payloads.shortcut(
            TEST_TEAM, actor=_actor(user), callback_id=callback_id, trigger_id=self.trigger(user)
        )
        return self.post(as_form(payload))

    def suggest(
        self,
        view: dict[str, Any],
        action_id: str,
        value: str = "",
        *,
        block_id: str | None = None,
        user: str = "UALICE",
    ) -> httpx.Response:
        """An external_select in ``view`` asks for options (``value``: what was typed); the
        bot answers ``{"options": [...]}`` or ``{"option_groups": [...]}``."""
        found_block, _ = payloads.find_element(view, action_id, block_id=block_id)
        payload = payloads.block_suggestion(
            TEST_TEAM,
            actor=_actor(user),
            view=self.entered.carried(view),
            block_id=found_block,
            action_id=action_id,
            value=value,
        )
        return self.post(as_form(payload))

    def select(
        self, view: dict[str, Any], action_id: str, option: dict[str, Any], *, user: str = "UALICE"
    ) -> httpx.Response:
        """Choose ``option`` in a select of ``view``: the ``block_actions`` Slack sends for an
        input with ``dispatch_action``; the choice stays in the view's state."""
        block_id, element = payloads.find_element(view, action_id)
        self.entered.enter(view, block_id, element, option)
        payload = payloads.view_action(
            TEST_TEAM,
            actor=_actor(user),
            view=self.entered.carried(view),
            action=payloads.select_action(block_id, element, option),
            trigger_id=self.trigger(user),
        )
        return self.post(as_form(payload))

    def press_in_view(
        self, view: dict[str, Any], action_id: str, *, user: str = "UALICE"
    ) -> httpx.Response:
        """Click a button in a modal or a Home tab (``block_actions`` from a view, with a
        fresh trigger the bot may open a modal with)."""
        block_id, button = payloads.find_element(view, action_id)
        payload = payloads.view_action(
            TEST_TEAM,
            actor=_actor(user),
            view=self.entered.carried(view),
            action=button_action(button, block_id=block_id),
            trigger_id=self.trigger(user),
        )
        return self.post(as_form(payload))

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, Any],
        *,
        user: str = "UALICE",
        response_urls: list[dict[str, str]] | None = None,
    ) -> httpx.Response:
        """Submit ``view`` with ``values`` ({action_id: text | option | channel id}) on top
        of what was entered before; ``response_urls`` as Slack makes them when not given."""
        for action_id, value in values.items():
            block_id, element = payloads.find_element(view, action_id)
            self.entered.enter(view, block_id, element, value)
        carried = self.entered.carried(view)
        if response_urls is None:
            response_urls = payloads.response_urls(carried, self.response_url)
        payload = payloads.view_submission(
            TEST_TEAM,
            actor=_actor(user),
            view=carried,
            trigger_id=self.trigger(user),
            response_urls=response_urls,
        )
        answer = self.post(as_form(payload))
        if self.slack is not None:
            self.slack.submission_answered(
                str(view["id"]),
                status=answer.status_code,
                body=answer.text,
                seconds=answer.elapsed.total_seconds(),
            )
        return answer

    def home_opened(
        self, user: str = "UALICE", *, view: dict[str, Any] | None = None
    ) -> httpx.Response:
        """``user`` opens the App Home's Home tab (``view``: the one published before)."""
        event = payloads.app_home_opened(user=user, channel=f"D{user}", view=view)
        envelope = payloads.event_callback(TEST_TEAM, event, event_id=f"Ev{next(DELIVERIES):08d}")
        return self.post_json(envelope)


def _actor(user: str) -> Actor:
    return Actor(user, user.lower())
