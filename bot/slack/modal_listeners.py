"""Slack listeners of the rollback modal: the shortcut that opens it, its menus' options,
the app menu's change, and the submission.

Everything here answers inside Slack's 3 s: ``views.open`` must use a ``trigger_id`` within
3 s of Slack sending it, a menu's options and a submission's ``response_action`` are the
HTTP answer itself. A submission that takes longer (DigitalOcean slow to validate) keeps
the modal open on a "working on it" view, which the outcome then replaces.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.digitalocean.models import Deployment
from bot.domain import grammar
from bot.domain.rollback_form import FormField
from bot.errors import BotError, FieldError
from bot.logs import bind, new_request_id
from bot.slack.blockkit import blocks, form_state, modal
from bot.slack.blockkit.blocks import Block
from bot.slack.blockkit.modal import ModalContext
from bot.slack.work_queue import Priority, WorkQueue
from bot.usecases import rollback_modal
from bot.usecases.dependencies import Deps

log = logging.getLogger(__name__)

SUBMIT_WAIT = 2.0
"""Seconds a submission may take before its answer keeps the modal open on "working on it"."""
WORKING = "Checking with DigitalOcean and posting the rollback card…"
INTERNAL = "Something went wrong inside the bot; nothing was done and the error was logged."


def register_modal(app: AsyncApp, deps: Deps, followups: WorkQueue) -> None:
    """Attach the modal's shortcut, menus and submission to ``app``."""
    targets = rollback_modal.TargetChoices(deps)

    @app.shortcut(modal.SHORTCUT_ID)
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user = _user(body)
        trigger = str(body.get("trigger_id") or "")
        with bind(request_id=new_request_id(), user=user):

            async def job() -> None:
                said = await open_form(deps, trigger=trigger, context=ModalContext(), user=user)
                if said is not None:  # a shortcut has no response_url: the app's DM then
                    await _tell(deps, user, said)

            followups.submit(job, name="modal", priority=Priority.NOW)

    @app.options(modal.APP_ACTION)
    async def on_app_options(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack(options=await _app_options(deps, body))

    @app.options(modal.TARGET_ACTION)
    async def on_target_options(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack(options=await _target_options(deps, targets, body))

    @app.action(modal.APP_ACTION)
    async def on_app_picked(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        _app_picked(deps, followups, body)

    @app.action(modal.FORM_ACTIONS)
    async def on_form_action(ack: AsyncAck) -> None:
        await ack()  # the other fields dispatch nothing; acknowledged all the same

    @app.view(modal.CALLBACK_ID)
    async def on_submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = _user(body)
        with bind(request_id=new_request_id(), user=user):
            await _on_submit(deps, followups, ack, body, user=user)


async def _app_options(deps: Deps, body: dict[str, Any]) -> list[Block]:
    view = _view(body)
    context = ModalContext.loads(view.get("private_metadata"))
    query = str(body.get("value") or "")
    channel = context.channel or form_state.form_of(view, context).channel
    try:
        async with asyncio.timeout(rollback_modal.MENU_DEADLINE):
            choices = await rollback_modal.app_choices(deps, channel=channel)
    except (BotError, TimeoutError) as exc:
        log.warning("app menu: fleet view unread (%s)", type(exc).__name__)
        choices = None
    options = modal.app_options(choices or [], query)
    if not options and query.strip():
        # No recent look, or an app made since: what was typed, as is; the submission
        # looks it up by name with DigitalOcean.
        options = [modal.typed_option(query.strip())]
    return options


async def _target_options(
    deps: Deps, targets: rollback_modal.TargetChoices, body: dict[str, Any]
) -> list[Block]:
    view = _view(body)
    context = ModalContext.loads(view.get("private_metadata"))
    app_ref = form_state.chosen_app(view, context)
    channel = context.channel or form_state.form_of(view, context).channel
    now = deps.clock()
    candidates: list[Deployment] = []
    default = None
    try:
        async with asyncio.timeout(rollback_modal.MENU_DEADLINE):
            if app_ref:
                candidates, default = await targets.of(app_ref, channel=channel)
    except (BotError, TimeoutError) as exc:
        log.warning("target menu of %s: %s", app_ref, getattr(exc, "user_message", "timeout"))
    query = str(body.get("value") or "")
    return modal.target_options(candidates, default=default, now=now, query=query)


def _app_picked(deps: Deps, followups: WorkQueue, body: dict[str, Any]) -> None:
    """A new app in the menu: the form again, its target menu emptied (``views.update``)."""
    view = _view(body)
    context = ModalContext.loads(view.get("private_metadata"))
    picked = _picked(body)
    if picked is None or picked[0] == context.app_ref:
        return
    app_ref, label = picked
    changed = ModalContext(channel=context.channel, app_ref=app_ref, app_label=label)
    new = modal.request_view(changed, require_reason=deps.settings.rollback_require_reason)
    view_id, hash_ = str(view.get("id") or ""), str(view.get("hash") or "")
    followups.submit(
        lambda: _replace(deps, view_id, new, hash_=hash_), name="modal", priority=Priority.NOW
    )


async def _on_submit(
    deps: Deps, followups: WorkQueue, ack: AsyncAck, body: dict[str, Any], *, user: str
) -> None:
    view = _view(body)
    context = ModalContext.loads(view.get("private_metadata"))
    form = form_state.form_of(view, context)
    problems = rollback_modal.problems(deps, form)
    if problems:
        log.info("rollback form from %s refused: %s", user, ", ".join(problems))
        await ack(response_action="errors", errors=form_state.errors_for(view, problems))
        return
    outcome: asyncio.Future[blocks.Message] = asyncio.get_running_loop().create_future()
    late = False

    async def work() -> None:
        try:
            outcome.set_result(await rollback_modal.submit(deps, user=user, form=form))
        except Exception as exc:  # every failure reaches the person: in the modal, or late
            outcome.set_exception(exc)
        if late:  # the answer said "working on it": the outcome replaces it
            await _replace(deps, str(view.get("id") or ""), modal.notice_view(_told(outcome)))

    followups.submit(work, name="modal submission", priority=Priority.NOW)
    await asyncio.wait([outcome], timeout=SUBMIT_WAIT)
    if not outcome.done():
        late = True
        log.info("rollback form from %s: still working after %.1f s", user, SUBMIT_WAIT)
        await ack(response_action="update", view=modal.notice_view(WORKING))
        return
    exc = outcome.exception()
    if exc is None:
        await ack()  # closes the modal: the card is in the channel
    elif isinstance(exc, FieldError):
        log.info("rollback form from %s refused: %s", user, exc.user_message)
        problem = {FormField(exc.field): exc.user_message}
        await ack(response_action="errors", errors=form_state.errors_for(view, problem))
    else:
        await ack(response_action="errors", errors=form_state.errors_for(view, _failure(exc)))


def _told(outcome: asyncio.Future[blocks.Message]) -> str:
    exc = outcome.exception()
    if exc is None:
        return outcome.result().text
    return f"⚠️ {next(iter(_failure(exc).values()))} Nothing was changed."


def _failure(exc: BaseException) -> dict[FormField, str]:
    if isinstance(exc, BotError):
        return {FormField(getattr(exc, "field", FormField.APP)): exc.user_message}
    log.error("rollback form failed", exc_info=exc)
    return {FormField.APP: INTERNAL}


def form_for(deps: Deps, parsed: grammar.Command, *, channel: str) -> ModalContext | None:
    """The modal a command opens instead of an answer: for ``/rollback`` alone, and for
    ``/rollback <app>`` where every rollback needs a reason (``ROLLBACK_REQUIRE_REASON``)."""
    if isinstance(parsed, grammar.Form):
        return ModalContext(channel=channel)
    if isinstance(parsed, grammar.Propose) and deps.settings.rollback_require_reason:
        return ModalContext(
            channel=channel, app_ref=parsed.app, target_id=parsed.deployment_id or ""
        )
    return None


async def open_form(
    deps: Deps, *, trigger: str, context: ModalContext, user: str
) -> blocks.Message | None:
    """Open the modal; a sentence for the person when Slack would not (None when opened)."""
    view = modal.request_view(context, require_reason=deps.settings.rollback_require_reason)
    try:
        await deps.chat.open_view(trigger, view)
    except BotError as exc:
        log.warning("rollback form for %s not opened: %s", user, exc.user_message)
        return blocks.Message(
            text=f"The rollback form could not be opened ({exc.user_message}) "
            "Try again, or use `/rollback <app>`."
        )
    return None


async def _tell(deps: Deps, user: str, message: blocks.Message) -> None:
    try:
        await deps.chat.post(user, message)
    except BotError as exc:
        log.warning("could not tell %s: %s", user, exc.user_message)


async def _replace(deps: Deps, view_id: str, view: modal.View, *, hash_: str = "") -> None:
    try:
        await deps.chat.update_view(view_id, view, hash_=hash_)
    except BotError as exc:
        # hash_conflict: the person changed the form meanwhile; their newer change wins.
        log.warning("rollback form %s not updated: %s", view_id, exc.user_message)


def _view(body: dict[str, Any]) -> dict[str, Any]:
    view = body.get("view")
    return view if isinstance(view, dict) else {}


def _user(body: dict[str, Any]) -> str:
    user = body.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else ""


def _picked(body: dict[str, Any]) -> tuple[str, str] | None:
    """The option picked in the app menu: (value, label)."""
    for action in body.get("actions") or ():
        option = action.get("selected_option") if isinstance(action, dict) else None
        if isinstance(option, dict) and isinstance(option.get("value"), str):
            text = option.get("text")
            label = text.get("text") if isinstance(text, dict) else ""
            return option["value"], str(label or option["value"])
    return None
