"""The page's API, mounted under ``/demo``: what the browser (and the tests) read and do.

``GET /demo/state?user=U…`` is the channel as that person sees it (their ephemeral
messages included), ``POST /demo/message`` is Enter in the message box and
``POST /demo/action`` a button click. The page polls the state; each answer carries a
version number so an unchanged channel costs no redraw.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.demo.relay import Relay
from bot.sandbox.demo.workspace import PEOPLE, Person, Workspace

SUGGESTIONS = (
    "/rollback sample-golang",
    "/rollback sample-broken",
    "/rollback sample-warn",
    "/rollback status",
    "/rollback history sample-golang",
    "/rollback help",
)


def create_page_api(workspace: Workspace, relay: Relay) -> Starlette:
    async def state(request: Request) -> Response:
        person = _person(workspace, request.query_params.get("user"))
        if person is None:
            return _problem("unknown user", 404)
        return JSONResponse(
            {
                "version": workspace.slack.version,
                "me": person.id,
                "channel": {"id": workspace.channel_id, "name": workspace.channel_name},
                "people": [p.to_json() for p in workspace.people.values()],
                "suggestions": list(SUGGESTIONS),
                "messages": workspace.slack.timeline(person.id),
            }
        )

    async def message(request: Request) -> Response:
        body = await _json(request)
        person = _person(workspace, body.get("user"))
        text = str(body.get("text") or "").strip()
        if person is None:
            return _problem("unknown user", 404)
        if not text:
            return _problem("nothing to send", 400)
        await relay.enter(person, text)
        return JSONResponse({"ok": True, "version": workspace.slack.version})

    async def action(request: Request) -> Response:
        body = await _json(request)
        person = _person(workspace, body.get("user"))
        if person is None:
            return _problem("unknown user", 404)
        post = workspace.slack.find(str(body.get("ts") or ""))
        if post is None or post.visible_to not in (None, person.id):
            return _problem("no such message", 404)
        value = body.get("value")
        clicked = await relay.click(
            person, post, str(body.get("action_id") or ""), str(value) if value else None
        )
        if not clicked:
            return _problem("that message has no such button any more", 409)
        return JSONResponse({"ok": True, "version": workspace.slack.version})

    return Starlette(
        routes=[
            Route("/state", state, methods=["GET"]),
            Route("/message", message, methods=["POST"]),
            Route("/action", action, methods=["POST"]),
        ]
    )


def _person(workspace: Workspace, user_id: object) -> Person | None:
    found = workspace.people.get(str(user_id or PEOPLE[0].id))
    return None if found is None or found.bot else found


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _problem(error: str, status: int) -> Response:
    return JSONResponse({"ok": False, "error": error}, status_code=status)
