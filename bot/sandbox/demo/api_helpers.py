"""What the page API's routes share: who is acting, the JSON body, a refusal."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.sandbox.demo.workspace import PEOPLE, Person, Workspace


def person(workspace: Workspace, user_id: object) -> Person | None:
    found = workspace.people.get(str(user_id or PEOPLE[0].id))
    return None if found is None or found.bot else found


async def body_of(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def problem(error: str, status: int) -> Response:
    return JSONResponse({"ok": False, "error": error}, status_code=status)
