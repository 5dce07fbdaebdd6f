"""The Slack Web API the bot talks to in the demo, and the ``response_url``s it answers.

The bot's ``SLACK_API_URL`` is ``<demo>/slack/api/``. These are routes rather than an app
mounted at ``/slack``, because ``/slack/events`` next to them belongs to the bot. Answers
follow Slack's conventions (HTTP 200 with ``{"ok": false, "error": ...}`` for refusals) so
the bot runs its production code unchanged.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.demo.workspace import BOT, Block, Workspace


def slack_routes(workspace: Workspace, *, token: str) -> list[Route]:
    async def api(request: Request) -> Response:
        method = str(request.path_params["method"]).split("?", 1)[0]
        args = _arguments(await request.body(), request.headers.get("content-type", ""))
        if request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        return JSONResponse(_answer(workspace, method, args))

    async def response_url(request: Request) -> Response:
        target = workspace.response_target(str(request.path_params["key"]))
        if target is None:
            return PlainTextResponse("no_such_response_url", status_code=404)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return PlainTextResponse("invalid_payload", status_code=400)
        if not isinstance(body, dict):
            return PlainTextResponse("invalid_payload", status_code=400)
        text, blocks = str(body.get("text") or ""), _blocks(body.get("blocks"))
        if body.get("delete_original") and target.message_ts:
            workspace.delete(target.message_ts)
        elif body.get("replace_original") and target.message_ts:
            workspace.update(target.message_ts, text=text, blocks=blocks)
        else:
            workspace.post(
                user=BOT.id,
                text=text,
                blocks=blocks,
                channel=target.channel,
                thread_ts=target.thread_ts,
                # Slack's default for response_url posts is ephemeral: only the actor sees it.
                visible_to=None if body.get("response_type") == "in_channel" else target.user,
            )
        return PlainTextResponse("ok")

    return [
        Route("/slack/api/{method:path}", api, methods=["GET", "POST"]),
        Route("/slack/response/{key}", response_url, methods=["POST"]),
    ]


def _answer(workspace: Workspace, method: str, args: dict[str, Any]) -> dict[str, Any]:
    channel = str(args.get("channel") or workspace.channel_id)
    if method == "auth.test":
        return {
            "ok": True,
            "url": "http://localhost/",
            "team": "Rollback demo",
            "user": BOT.name,
            "team_id": workspace.team_id,
            "user_id": BOT.id,
            "bot_id": "BROLLBACKBOT",
        }
    if method in ("chat.postMessage", "chat.postEphemeral"):
        ephemeral = method == "chat.postEphemeral"
        posted = workspace.post(
            user=BOT.id,
            text=str(args.get("text") or ""),
            blocks=_blocks(args.get("blocks")),
            channel=channel,
            thread_ts=str(args.get("thread_ts") or "") or None,
            visible_to=str(args.get("user") or "") if ephemeral else None,
        )
        if ephemeral:
            return {"ok": True, "message_ts": posted.ts}
        return {"ok": True, "channel": channel, "ts": posted.ts, "message": posted.to_json()}
    if method == "chat.update":
        existing = workspace.find(str(args.get("ts") or ""), channel=channel)
        if existing is None:
            return {"ok": False, "error": "message_not_found"}
        text = args.get("text")
        updated = workspace.update(
            existing.ts,
            text=str(text) if text is not None else None,
            blocks=_blocks(args["blocks"]) if "blocks" in args else None,
        )
        assert updated is not None
        return {"ok": True, "channel": channel, "ts": updated.ts, "text": updated.text}
    return {"ok": False, "error": "unknown_method"}


def _arguments(raw: bytes, content_type: str) -> dict[str, Any]:
    """Web API arguments arrive as JSON or form-encoded, depending on the method."""
    text = raw.decode("utf-8", "replace")
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text or "{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {k: v[0] for k, v in parse_qs(text).items()}


def _blocks(value: Any) -> list[Block]:
    if isinstance(value, str):  # form-encoded calls carry blocks as a JSON string
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [b for b in value or [] if isinstance(b, dict)] if isinstance(value, list) else []
