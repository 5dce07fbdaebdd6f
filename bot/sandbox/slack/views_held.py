"""The stand-in's record of views (modals and Home tabs), as tests read and steer it: which
are open, whose they are, and what the app's answer to a submission did to them."""

from __future__ import annotations

import copy
import json
from typing import Any

from bot.sandbox.slack.surfaces import TRIGGER_LIFETIME, trigger_id
from bot.sandbox.slack.workspace import Call, Workspace


class ViewsHeld(Workspace):
    """``Workspace`` with its views read and steered (``FakeSlack`` mixes it in)."""

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every view still open, by id, as Slack holds it now (a copy)."""
        with self.lock:
            held = self.surfaces.held.items()
            return {key: copy.deepcopy(h.view) for key, h in held if not h.closed}

    def open_view(self, user: str | None = None) -> dict[str, Any] | None:
        """The newest open modal (``user``'s, when its trigger was issued by ``trigger``)."""
        with self.lock:
            for held in reversed(self.surfaces.held.values()):
                mine = user is None or held.user == user
                if held.view["type"] == "modal" and not held.closed and mine:
                    return copy.deepcopy(held.view)
            return None

    def home(self, user: str) -> dict[str, Any] | None:
        """``user``'s published Home tab, or None."""
        with self.lock:
            view_id = self.surfaces.homes.get(user)
            return None if view_id is None else copy.deepcopy(self.surfaces.held[view_id].view)

    def close_view(self, view_id: str) -> None:
        """The person closed the modal, or the app's empty answer to its view_submission
        did ("an empty 200 closes it"): views.update no longer finds it."""
        with self.lock:
            self.surfaces.held[view_id].closed = True
            self.notify()

    def submission_answered(
        self, view_id: str, *, status: int, body: str, seconds: float = 0.0
    ) -> str | None:
        """The app answered a ``view_submission`` of ``view_id`` (HTTP status, body, how long
        it took): the modal changes as Slack changes it. The problem the person would see,
        if any, is returned and kept in ``refusals`` (method "view_submission").

        "your app has to respond to the request within 3 seconds by ack() method.
        Otherwise, the user will see the timeout error on Slack" (Bolt's modals guide).
        """
        problem: str | None
        if seconds > TRIGGER_LIFETIME:
            problem = "timeout"
        elif status != 200:
            problem = f"http_{status}"
        else:
            try:
                parsed = json.loads(body) if body.strip() else None
            except ValueError:
                parsed = "not json"
            with self.lock:
                problem = self.surfaces.answered(view_id, parsed, who=self.app_ids())
        with self.lock:
            if problem is not None:
                answer = {"view_id": view_id, "body": body}
                self.refusals.append(Call("view_submission", answer, status, problem))
            self.notify()
        return problem

    def trigger(self, user: str, *, issued: float | None = None) -> str:
        """A trigger Slack would give the app for ``user``'s interaction (now, or at Unix
        time ``issued``): a modal it opens is ``user``'s."""
        with self.lock:
            n = len(self.surfaces.trigger_users) + 1
            made = trigger_id(n, self.wall() if issued is None else issued, "fake")
            self.note_trigger(made, user)
            return made

    def note_trigger(self, trigger: str, user: str) -> None:
        """``trigger`` was given for ``user``'s interaction (a driver's command or click)."""
        with self.lock:
            self.surfaces.trigger_users[trigger] = user
