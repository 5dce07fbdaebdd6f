"""The Web API methods and the ``response_url``s: what Slack answers each, by its rules.

Each method gets the call's arguments and returns (HTTP status, JSON body, headers), by
Slack's conventions: HTTP 200 with ``{"ok": false, "error": ...}`` for a refusal, HTTP
429 with ``Retry-After`` for a channel posted to too fast. The rules, each quoting the
Slack page it follows, are ``bot.sandbox.slack.rules``; the state they apply to is the
``Workspace``, whose lock the caller holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.sandbox.slack.messages import Block
from bot.sandbox.slack.rules import (
    RATELIMITED,
    Refusal,
    check_message,
    may_post,
    may_post_ephemeral,
    may_see,
    may_update,
)
from bot.sandbox.slack.view_api import views_open, views_publish, views_update
from bot.sandbox.slack.workspace import ResponseTarget, Workspace

Answer = tuple[int, dict[str, Any], dict[str, str] | None]


def answer(workspace: Workspace, method: str, args: dict[str, Any]) -> Answer:
    handlers: dict[str, Callable[[Workspace, dict[str, Any]], Answer]] = {
        "auth.test": _auth_test,
        "chat.postMessage": _post_message,
        "chat.postEphemeral": _post_ephemeral,
        "chat.update": _update,
        "apps.connections.open": _connections_open,
        "usergroups.users.list": _group_members,
        "views.open": views_open,
        "views.update": views_update,
        "views.publish": views_publish,
    }
    handler = handlers.get(method)
    # Slack answers a method it does not have with HTTP 200 ``{"ok": false, "error":
    # "unknown_method"}`` (https://docs.slack.dev/apis/web-api/, "Evaluating responses":
    # errors come back as ``ok: false`` with an ``error`` code), never with a success.
    return handler(workspace, args) if handler is not None else _refuse("unknown_method")


def _auth_test(workspace: Workspace, _: dict[str, Any]) -> Answer:
    who = workspace.identity
    body = {
        "ok": True,
        "url": who.url,
        "team": who.team_name,
        "user": who.bot_name,
        "team_id": who.team_id,
        "user_id": who.bot_user,
        "bot_id": who.bot_id,
    }
    return 200, body, {"x-oauth-scopes": ",".join(workspace.scopes)}


def _post_message(workspace: Workspace, args: dict[str, Any]) -> Answer:
    channel, bot = str(args.get("channel") or ""), workspace.identity.bot_user
    refused = may_post(workspace.channels.get(channel), bot=bot, scopes=workspace.scopes)
    if refused is not None:
        return 200, refused.body(), None
    # The pace counts every post to a channel the bot may post in, whatever it carries
    # (the rate-limit page does not say; counting refused posts too is the stricter).
    retry_after = workspace.posting.take(channel, workspace.clock(), workspace.pace)
    if retry_after is not None:
        return 429, RATELIMITED.body(), {"Retry-After": str(retry_after)}
    blocks = check_message(args.get("text"), args.get("blocks"))
    if isinstance(blocks, Refusal):
        return 200, blocks.body(), None
    posted = workspace.post(
        channel=channel,
        user=bot,
        text=str(args.get("text") or ""),
        blocks=blocks,
        thread_ts=str(args.get("thread_ts") or "") or None,
    )
    body = {"ok": True, "channel": channel, "ts": posted.ts, "message": posted.to_slack()}
    return 200, body, None


def _post_ephemeral(workspace: Workspace, args: dict[str, Any]) -> Answer:
    channel, user = str(args.get("channel") or ""), str(args.get("user") or "")
    refused = may_post_ephemeral(
        workspace.channels.get(channel),
        user,
        bot=workspace.identity.bot_user,
        scopes=workspace.scopes,
    )
    if refused is not None:
        return 200, refused.body(), None
    blocks = check_message(args.get("text"), args.get("blocks"))
    if isinstance(blocks, Refusal):
        return 200, blocks.body(), None
    posted = workspace.post(
        channel=channel,
        user=workspace.identity.bot_user,
        text=str(args.get("text") or ""),
        blocks=blocks,
        thread_ts=str(args.get("thread_ts") or "") or None,
        visible_to=user,
    )
    return 200, {"ok": True, "message_ts": posted.ts}, None


def _update(workspace: Workspace, args: dict[str, Any]) -> Answer:
    channel, bot = str(args.get("channel") or ""), workspace.identity.bot_user
    refused = may_see(workspace.channels.get(channel), bot=bot, scopes=workspace.scopes)
    found = workspace.store.find(str(args.get("ts") or ""), channel=channel)
    if refused is None:
        author = found.user if found is not None else None
        ephemeral = found is not None and found.visible_to is not None
        refused = may_update(author, ephemeral=ephemeral, bot=bot)
    if refused is not None or found is None:
        return _refuse(refused or Refusal("message_not_found"))
    # chat.update keeps what it is not given: the text, or the blocks when omitted.
    blocks = check_message(args.get("text", found.text), args.get("blocks", found.blocks))
    if isinstance(blocks, Refusal):
        return 200, blocks.body(), None
    text = args.get("text")
    edited = workspace.edit(found.ts, text=None if text is None else str(text), blocks=blocks)
    assert edited is not None
    return 200, {"ok": True, "channel": channel, "ts": edited.ts, "text": edited.text}, None


def _connections_open(workspace: Workspace, _: dict[str, Any]) -> Answer:
    if workspace.socket_urls is None:
        return _refuse("internal_error")
    return 200, {"ok": True, "url": workspace.socket_urls()}, None


def _group_members(workspace: Workspace, args: dict[str, Any]) -> Answer:
    group = str(args.get("usergroup", ""))
    if group not in workspace.groups:
        return _refuse("no_such_subteam")
    return 200, {"ok": True, "users": list(workspace.groups[group])}, None


def respond(workspace: Workspace, key: str, body: Any) -> tuple[int, str]:
    """A post to a ``response_url``: Slack answers in plain text, "ok" or the error."""
    target = workspace.targets.get(key)
    if target is None and workspace.issued_urls_only:
        return 404, "no_such_response_url"
    if not isinstance(body, dict):
        return 400, "invalid_payload"
    refused = workspace.response_urls.check(key, workspace.clock())
    if refused is not None:
        return 404, refused.error
    blocks: list[Block] = []
    if not body.get("delete_original"):
        # What a response_url posts is a message like chat.postMessage's [unverified:
        # Slack documents no error table for response URLs; incoming webhooks answer
        # HTTP 400 with the error's name, e.g. "invalid_blocks" or "no_text"].
        content = check_message(body.get("text"), body.get("blocks"))
        if isinstance(content, Refusal):
            return 400, content.error
        blocks = content
    workspace.response_urls.spend(key)
    workspace.responses.append(body)
    workspace.answered.setdefault(key, []).append(body)
    if target is not None:
        _show_response(workspace, target, body, blocks)
    return 200, "ok"


def _show_response(
    workspace: Workspace, target: ResponseTarget, body: dict[str, Any], blocks: list[Block]
) -> None:
    """What a ``response_url`` post does to the conversation it answers."""
    text = str(body.get("text") or "")
    if body.get("delete_original"):
        if target.message_ts:
            workspace.delete(target.message_ts)
    elif body.get("replace_original") and target.message_ts:
        workspace.edit(target.message_ts, text=text, blocks=blocks)
    else:
        workspace.post(
            channel=target.channel,
            user=workspace.identity.bot_user,
            text=text,
            blocks=blocks,
            thread_ts=target.thread_ts,
            # Slack's default for response_url posts is ephemeral: only the actor sees it.
            visible_to=None if body.get("response_type") == "in_channel" else target.user,
        )


def _refuse(error: str | Refusal) -> Answer:
    refusal = error if isinstance(error, Refusal) else Refusal(error)
    return 200, refusal.body(), None
