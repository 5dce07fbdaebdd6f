"""The page API's routes for modals and the Home tab (``surfaces.py`` does the sending).

| route | body | what |
| --- | --- | --- |
| ``POST /view/suggest`` | view_id, action_id, value | a menu's options from the bot |
| ``POST /view/choose`` | view_id, action_id, option or channel | a pick in a menu |
| ``POST /view/press`` | view_id, action_id | a button in a modal or the Home tab |
| ``POST /view/submit`` | view_id, texts ({action_id: text}) | Submit |
| ``POST /view/close`` | view_id | Cancel |
| ``POST /home`` | | the person opens the Home tab |
| ``POST /shortcut`` | | the person picks "Roll back an app" from the shortcuts |

Every body also names the ``user`` acting; a view must be one they have open.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.demo.api_helpers import body_of, person, problem
from bot.sandbox.demo.surfaces import Surfaces, View
from bot.sandbox.demo.workspace import Person, Workspace

Handler = Callable[[Surfaces, Person, View, dict[str, Any]], Awaitable[Response]]


def view_routes(workspace: Workspace, surfaces: Surfaces) -> list[Route]:
    def on_view(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            body = await body_of(request)
            who = person(workspace, body.get("user"))
            if who is None:
                return problem("unknown user", 404)
            view = surfaces.mine(who, str(body.get("view_id") or ""))
            if view is None:
                return problem("that view is not open any more", 409)
            try:
                return await handler(surfaces, who, view, body)
            except KeyError:
                return problem("that view has no such element", 409)

        return endpoint

    def on_person(
        act: Callable[[Person], Awaitable[bool]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            who = person(workspace, (await body_of(request)).get("user"))
            if who is None:
                return problem("unknown user", 404)
            return _answer(await act(who), "The bot did not answer.")

        return endpoint

    return [
        Route("/view/suggest", on_view(_suggest), methods=["POST"]),
        Route("/view/choose", on_view(_choose), methods=["POST"]),
        Route("/view/press", on_view(_press), methods=["POST"]),
        Route("/view/submit", on_view(_submit), methods=["POST"]),
        Route("/view/close", on_view(_close), methods=["POST"]),
        Route("/home", on_person(surfaces.open_home), methods=["POST"]),
        Route("/shortcut", on_person(surfaces.shortcut), methods=["POST"]),
    ]


async def _suggest(surfaces: Surfaces, who: Person, view: View, body: dict[str, Any]) -> Response:
    action_id, value = str(body.get("action_id") or ""), str(body.get("value") or "")
    options = await surfaces.suggest(who, view, action_id=action_id, value=value)
    if options is None:
        return problem("the bot did not answer with options", 502)
    return JSONResponse({"ok": True, "options": options})


async def _choose(surfaces: Surfaces, who: Person, view: View, body: dict[str, Any]) -> Response:
    option, channel = body.get("option"), body.get("channel")
    value = option if isinstance(option, dict) else str(channel or "") or None
    if value is None:
        return problem("nothing chosen", 400)
    action_id = str(body.get("action_id") or "")
    accepted = await surfaces.choose(who, view, action_id=action_id, value=value)
    return _answer(accepted, "The bot did not accept that choice.")


async def _press(surfaces: Surfaces, who: Person, view: View, body: dict[str, Any]) -> Response:
    accepted = await surfaces.press(who, view, action_id=str(body.get("action_id") or ""))
    return _answer(accepted, "The bot did not accept that click.")


async def _submit(surfaces: Surfaces, who: Person, view: View, body: dict[str, Any]) -> Response:
    if view["type"] != "modal":
        return problem("only a modal is submitted", 409)
    texts = body.get("texts")
    typed = {str(k): str(v) for k, v in texts.items()} if isinstance(texts, dict) else {}
    done = await surfaces.submit(who, view, texts=typed)
    answer = {"ok": done.problem is None, "errors": done.errors}
    if done.problem is not None:
        # What Slack shows at the top of a modal whose app answered badly [unverified wording].
        answer["error"] = f"We had some trouble connecting ({done.problem})."
    return JSONResponse(answer)


async def _close(surfaces: Surfaces, _: Person, view: View, __: dict[str, Any]) -> Response:
    if view["type"] != "modal":
        return problem("only a modal closes", 409)
    surfaces.cancel(view)
    return JSONResponse({"ok": True})


def _answer(accepted: bool, otherwise: str) -> Response:
    return JSONResponse({"ok": True} if accepted else {"ok": False, "error": otherwise})
