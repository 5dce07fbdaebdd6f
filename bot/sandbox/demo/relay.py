"""Slack's side of the conversation: turns what a person does on the page into requests to
the bot's ``/slack/events``, signed, over loopback HTTP, and shows the bot's acks.
"""

from __future__ import annotations

import json
import logging

import httpx

from bot.sandbox.demo import payloads
from bot.sandbox.demo.workspace import BOT, Person, Workspace
from bot.sandbox.slack.fake import Message, ResponseTarget
from bot.sandbox.slack.requests import FORM, signed_headers
from bot.sandbox.slack.rules import Refusal, check_message

log = logging.getLogger(__name__)

SLASH_COMMAND = "/rollback"


class Relay:
    def __init__(
        self,
        *,
        workspace: Workspace,
        events_url: str,
        signing_secret: str,
        http: httpx.AsyncClient,
    ) -> None:
        self.workspace = workspace
        self.events_url = events_url
        self.secret = signing_secret
        self.http = http

    async def enter(self, person: Person, line: str) -> None:
        """What happens when ``person`` presses Enter in the message box."""
        if not line.startswith("/"):
            self.workspace.slack.post(channel=self.workspace.channel_id, user=person.id, text=line)
            return
        command, _, text = line.partition(" ")
        if command != SLASH_COMMAND:
            self._ephemeral(
                person,
                f"`{command}` is not a valid command. In this sandbox only `{SLASH_COMMAND}` "
                "is installed.",
            )
            return
        # The ack's ts is taken now, so it sorts before anything the bot posts meanwhile.
        ts = self.workspace.slack.next_ts()
        url = self._response_url(ResponseTarget(person.id, self.workspace.channel_id))
        body = payloads.slash_command(
            self.workspace, person, command=command, text=text.strip(), response_url=url
        )
        response = await self.deliver(body)
        if response is None:
            self._ephemeral(person, f"`{command}` failed: the bot did not answer.", ts=ts)
        elif response.status_code != 200:
            self._ephemeral(
                person,
                f"`{command}` failed with the error `http_error_{response.status_code}`.",
                ts=ts,
            )
        else:
            self._show_ack(person, response, ts=ts)

    async def click(self, person: Person, post: Message, action_id: str, value: str | None) -> bool:
        """``person`` clicks a button on ``post``; False when there is no such button."""
        found = payloads.find_button(post, action_id, value)
        if found is None:
            return False
        button, block_id = found
        target = ResponseTarget(person.id, post.channel, post.thread_ts, post.ts)
        body = payloads.block_actions(
            self.workspace,
            person,
            post=post,
            button=button,
            block_id=block_id,
            response_url=self._response_url(target),
        )
        response = await self.deliver(body)
        if response is None or response.status_code != 200:
            # What Slack shows next to a button whose app did not answer in time.
            self._ephemeral(person, "⚠️ The bot did not accept that click.", thread=post.thread_ts)
        return True

    async def deliver(self, body: str, *, content_type: str = FORM) -> httpx.Response | None:
        """``body``, signed, to the bot's ``/slack/events``; None when it did not answer."""
        headers = signed_headers(self.secret, body, content_type=content_type)
        try:
            return await self.http.post(self.events_url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("could not deliver to the bot: %s", type(exc).__name__)
            return None

    def _show_ack(self, person: Person, response: httpx.Response, *, ts: str) -> None:
        # An ack with a body is the bot's immediate, ephemeral answer to the command.
        if not response.content.strip():
            return
        try:
            body = response.json()
        except json.JSONDecodeError:
            self._ephemeral(person, response.text, ts=ts)
            return
        if isinstance(body, dict) and (body.get("text") or body.get("blocks")):
            blocks = check_message(body.get("text"), body.get("blocks"))
            if isinstance(blocks, Refusal):
                # An ack is a message too, checked as one; Slack then shows the command
                # failed with the error's name [unverified wording].
                self._ephemeral(
                    person, f"`{SLASH_COMMAND}` failed with the error `{blocks.error}`.", ts=ts
                )
                return
            self.workspace.slack.post(
                channel=self.workspace.channel_id,
                user=BOT.id,
                text=str(body.get("text") or ""),
                blocks=blocks,
                visible_to=None if body.get("response_type") == "in_channel" else person.id,
                ts=ts,
            )

    def _ephemeral(
        self, person: Person, text: str, *, ts: str | None = None, thread: str | None = None
    ) -> None:
        self.workspace.slack.post(
            channel=self.workspace.channel_id,
            user=BOT.id,
            text=text,
            visible_to=person.id,
            ts=ts,
            thread_ts=thread,
        )

    def _response_url(self, target: ResponseTarget) -> str:
        return self.workspace.slack.response_url(target=target)
