"""The page's API, mounted under ``/demo``: what the browser (and the tests) read and do.

``GET /demo/state?user=U…`` is the channel as that person sees it (their ephemeral
messages included), ``POST /demo/message`` is Enter in the message box and
``POST /demo/action`` a button click; ``/demo/view/…`` and ``/demo/home`` are a modal's
and the Home tab's (``page_views.py``), ``/demo/panel…`` DigitalOcean's control panel
(``panel_api.py``). The page polls the state; each answer carries a
version number so an unchanged channel costs no redraw.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.demo.api_helpers import body_of, problem
from bot.sandbox.demo.api_helpers import person as person_of
from bot.sandbox.demo.control_panel import ControlPanel
from bot.sandbox.demo.page_views import view_routes
from bot.sandbox.demo.panel_api import panel_routes
from bot.sandbox.demo.relay import Relay
from bot.sandbox.demo.surfaces import Surfaces
from bot.sandbox.demo.workspace import Workspace

SUGGESTIONS = (
    "/rollback",
    "/rollback sample-golang",
    "/rollback sample-broken",
    "/rollback sample-warn",
    "/rollback status",
    "/rollback history sample-golang",
    "/rollback policy sample-warn",
    "/rollback help",
)


def create_page_api(workspace: Workspace, relay: Relay, panel: ControlPanel) -> Starlette:
    surfaces = Surfaces(relay)

    async def state(request: Request) -> Response:
        person = person_of(workspace, request.query_params.get("user"))
        if person is None:
            return problem("unknown user", 404)
        return JSONResponse(
            {
                "version": workspace.slack.version + surfaces.changes,
                "me": person.id,
                "channel": {"id": workspace.channel_id, "name": workspace.channel_name},
                "people": [p.to_json() for p in workspace.people.values()],
                "suggestions": list(SUGGESTIONS),
                "messages": workspace.slack.timeline(person.id),
                "modal": surfaces.modal(person),
                "home": surfaces.home(person),
            }
        )

    async def message(request: Request) -> Response:
        body = await body_of(request)
        person = person_of(workspace, body.get("user"))
        text = str(body.get("text") or "").strip()
        if person is None:
            return problem("unknown user", 404)
        if not text:
            return problem("nothing to send", 400)
        await relay.enter(person, text)
        return JSONResponse({"ok": True, "version": workspace.slack.version})

    async def action(request: Request) -> Response:
        body = await body_of(request)
        person = person_of(workspace, body.get("user"))
        if person is None:
            return problem("unknown user", 404)
        post = workspace.slack.find(str(body.get("ts") or ""))
        if post is None or post.visible_to not in (None, person.id):
            return problem("no such message", 404)
        value = body.get("value")
        clicked = await relay.click(
            person, post, str(body.get("action_id") or ""), str(value) if value else None
        )
        if not clicked:
            return problem("that message has no such button any more", 409)
        return JSONResponse({"ok": True, "version": workspace.slack.version})

    return Starlette(
        routes=[
            Route("/state", state, methods=["GET"]),
            Route("/message", message, methods=["POST"]),
            Route("/action", action, methods=["POST"]),
            *view_routes(workspace, surfaces),
            *panel_routes(panel),
        ]
    )
