"""The Slack Web API the bot talks to in the demo, and the ``response_url``s it answers.

The bot's ``SLACK_API_URL`` is ``<demo>/slack/api/``. These are routes rather than an app
mounted at ``/slack``, because ``/slack/events`` next to them belongs to the bot. Answers
follow Slack's conventions (HTTP 200 with ``{"ok": false, "error": ...}`` for refusals,
HTTP 429 with ``Retry-After`` for a channel posted to too fast) so the bot runs its
production code unchanged, and it refuses what Slack refuses: the rules, each quoting the
Slack page it follows, are ``bot.sandbox.slack.rules``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.sandbox.demo.workspace import BOT, Block, Post, ResponseTarget, Workspace
from bot.sandbox.slack.rules import (
    RATELIMITED,
    Refusal,
    check_message,
    may_post,
    may_post_ephemeral,
    may_see,
    may_update,
)


def slack_routes(workspace: Workspace, *, token: str) -> list[Route]:
    async def api(request: Request) -> Response:
        method = str(request.path_params["method"]).split("?", 1)[0]
        args = _arguments(await request.body(), request.headers.get("content-type", ""))
        if request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        return _answer(workspace, method, args)

    async def response_url(request: Request) -> Response:
        key = str(request.path_params["key"])
        target = workspace.response_target(key)
        if target is None:
            return PlainTextResponse("no_such_response_url", status_code=404)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = None
        status, answer = _respond(workspace, key, target, body)
        return PlainTextResponse(answer, status_code=status)

    return [
        Route("/slack/api/{method:path}", api, methods=["GET", "POST"]),
        Route("/slack/response/{key}", response_url, methods=["POST"]),
    ]


def _answer(workspace: Workspace, method: str, args: dict[str, Any]) -> Response:
    if method == "auth.test":
        body = {
            "ok": True,
            "url": "http://localhost/",
            "team": "Rollback demo",
            "user": BOT.name,
            "team_id": workspace.team_id,
            "user_id": BOT.id,
            "bot_id": "BROLLBACKBOT",
        }
        return JSONResponse(body, headers={"x-oauth-scopes": ",".join(workspace.scopes)})
    if method == "chat.postMessage":
        return _post(workspace, args)
    if method == "chat.postEphemeral":
        return _post_ephemeral(workspace, args)
    if method == "chat.update":
        return _update(workspace, args)
    return _refuse(Refusal("unknown_method"))


def _post(workspace: Workspace, args: dict[str, Any]) -> Response:
    channel = str(args.get("channel") or "")
    refused = may_post(workspace.channels.get(channel), bot=BOT.id, scopes=workspace.scopes)
    if refused is not None:
        return _refuse(refused)
    retry_after = workspace.posting.take(channel, workspace.clock(), workspace.pace)
    if retry_after is not None:
        return JSONResponse(
            RATELIMITED.body(), status_code=429, headers={"Retry-After": str(retry_after)}
        )
    posted = _checked_post(workspace, args, channel=channel, visible_to=None)
    if isinstance(posted, Response):
        return posted
    return JSONResponse(
        {"ok": True, "channel": channel, "ts": posted.ts, "message": posted.to_json()}
    )


def _post_ephemeral(workspace: Workspace, args: dict[str, Any]) -> Response:
    channel, user = str(args.get("channel") or ""), str(args.get("user") or "")
    refused = may_post_ephemeral(
        workspace.channels.get(channel), user, bot=BOT.id, scopes=workspace.scopes
    )
    if refused is not None:
        return _refuse(refused)
    posted = _checked_post(workspace, args, channel=channel, visible_to=user)
    if isinstance(posted, Response):
        return posted
    return JSONResponse({"ok": True, "message_ts": posted.ts})


def _checked_post(
    workspace: Workspace, args: dict[str, Any], *, channel: str, visible_to: str | None
) -> Post | Response:
    """The message posted, or Slack's refusal of its content."""
    blocks = check_message(args.get("text"), args.get("blocks"))
    if isinstance(blocks, Refusal):
        return _refuse(blocks)
    return workspace.post(
        user=BOT.id,
        text=str(args.get("text") or ""),
        blocks=blocks,
        channel=channel,
        thread_ts=str(args.get("thread_ts") or "") or None,
        visible_to=visible_to,
    )


def _update(workspace: Workspace, args: dict[str, Any]) -> Response:
    channel = str(args.get("channel") or "")
    refused = may_see(workspace.channels.get(channel), bot=BOT.id, scopes=workspace.scopes)
    existing = workspace.find(str(args.get("ts") or ""), channel=channel)
    if refused is None:
        author = existing.user if existing is not None else None
        ephemeral = existing is not None and existing.visible_to is not None
        refused = may_update(author, ephemeral=ephemeral, bot=BOT.id)
    if refused is not None or existing is None:
        return _refuse(refused or Refusal("message_not_found"))
    # chat.update keeps what it is not given: the text, or the blocks when omitted.
    blocks = check_message(args.get("text", existing.text), args.get("blocks", existing.blocks))
    if isinstance(blocks, Refusal):
        return _refuse(blocks)
    text = args.get("text")
    updated = workspace.update(
        existing.ts,
        text=str(text) if text is not None else None,
        blocks=blocks if "blocks" in args else None,
    )
    assert updated is not None
    return JSONResponse({"ok": True, "channel": channel, "ts": updated.ts, "text": updated.text})


def _respond(workspace: Workspace, key: str, target: ResponseTarget, body: Any) -> tuple[int, str]:
    """A post to a ``response_url``: Slack answers in plain text, "ok" or the error."""
    if not isinstance(body, dict):
        return 400, "invalid_payload"
    refused = workspace.response_urls.check(key, workspace.clock())
    if refused is not None:
        return 404, refused.error
    blocks: list[Block] = []
    if not body.get("delete_original"):
        # The message a response_url posts is checked like chat.postMessage's; Slack answers
        # HTTP 400 with the error's name, as incoming webhooks do [unverified].
        content = check_message(body.get("text"), body.get("blocks"))
        if isinstance(content, Refusal):
            return 400, content.error
        blocks = content
    workspace.response_urls.spend(key)
    text = str(body.get("text") or "")
    if body.get("delete_original"):
        if target.message_ts:
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
    return 200, "ok"


def _refuse(refusal: Refusal) -> Response:
    return JSONResponse(refusal.body())


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
