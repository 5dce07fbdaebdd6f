"""The control panel's routes, mounted under ``/demo`` with the page's API.

| route | body | what |
| --- | --- | --- |
| ``GET /panel`` | | every app as DigitalOcean's control panel shows it |
| ``POST /panel/{action}`` | app (an id) | deploy-bad, rollback, commit, revert, unhealthy, fail |

An action's answer is the sentence the panel shows: ``{"ok": true, "said": …}``, or
``{"ok": false, "error": …}`` when DigitalOcean (or the demo) refuses it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.demo.api_helpers import body_of, problem
from bot.sandbox.demo.control_panel import ControlPanel, Refused


def panel_routes(panel: ControlPanel) -> list[Route]:
    async def apps(_: Request) -> Response:
        return JSONResponse({"apps": panel.apps()})

    async def act(request: Request) -> Response:
        body = await body_of(request)
        try:
            said = panel.act(str(request.path_params["action"]), str(body.get("app") or ""))
        except Refused as refused:
            return problem(refused.sentence, refused.status)
        return JSONResponse({"ok": True, "said": said})

    return [
        Route("/panel", apps, methods=["GET"]),
        Route("/panel/{action}", act, methods=["POST"]),
    ]
