"""The App Home tab's listeners: publish it when opened, and answer clicks made on it.

Slack's ``app_home_opened`` event ("User clicked into your App Home") carries the user
and the ``tab`` ("home" or "messages"); the bot answers the home tab with
``views.publish``. A click on the tab has no channel and no ``response_url``
(``container.type`` is "view"), so its outcome is told on the tab itself: the tab is
published again with that outcome as a notice at the top.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import BotError
from bot.logs import bind, new_request_id
from bot.slack.command_work import Work
from bot.slack.work_queue import Priority, WorkQueue
from bot.usecases import home
from bot.usecases.dependencies import Deps

log = logging.getLogger(__name__)

FAILED = "Something went wrong inside the bot; the error was logged."
AGAIN = "That was already done; nothing more happened."
# Home publishes of one person queued or running at once: one running and one queued
# behind it (which reads the state after the first) is all a burst of openings needs.
PER_PERSON = 2


def register_home(app: AsyncApp, deps: Deps, followups: WorkQueue) -> None:
    """Publish a person's Home tab whenever they open it (Bolt acks events itself)."""

    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any]) -> None:
        user = str(event.get("user") or "")
        if not user or str(event.get("tab") or "home") != "home":
            return
        with bind(request_id=new_request_id(), user=user):
            followups.submit(
                lambda: _publish(deps, user),
                name="home",
                priority=Priority.COMMAND,
                owner=(user, "home"),
                limit=PER_PERSON,
            )


def answered_on_home(deps: Deps, *, user: str, work: Work) -> Work:
    """``work`` (a click's), its outcome told on ``user``'s Home tab, published again.

    Returns nothing to send elsewhere: there is no ``response_url`` to send it to."""

    async def run() -> None:
        try:
            message = await work()
            notice = message.text if message is not None else AGAIN
        except BotError as exc:
            log.warning("click from home refused: %s", exc.user_message)
            notice = f"⚠️ {exc.user_message}"
        except Exception:
            log.exception("click from home failed")
            notice = f"⚠️ {FAILED}"
        await _publish(deps, user, notice=notice)

    return run


async def _publish(deps: Deps, user: str, *, notice: str = "") -> None:
    try:
        await home.publish(deps, user=user, notice=notice)
    except BotError as exc:  # nowhere else to tell it: the tab stays as it was
        log.warning("home of %s not published: %s", user, exc.user_message)
    except Exception:
        log.exception("home of %s not published", user)
