"""DigitalOcean App Platform API client: the endpoints the bot needs, as typed calls.

The HTTP details (retries, pagination, the rate budget, errors) are in
``bot.digitalocean.transport``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.digitalocean.health import AppHealth, unwrapped
from bot.digitalocean.log_models import ComponentLogs
from bot.digitalocean.models import App, Deployment, RollbackValidation
from bot.digitalocean.transport import Transport
from bot.domain.ids import looks_like_id
from bot.domain.mrkdwn import escape
from bot.errors import DOMalformedError, DONotFoundError, DOUncertainError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class DigitalOceanClient:
    """The App Platform endpoints the bot needs, with typed errors."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    @property
    def calls(self) -> Counter[int]:
        """Answers by HTTP status (0: no answer), for metrics and benchmarks."""
        return self._t.calls

    async def aclose(self) -> None:
        await self._t.aclose()

    # --- reads -------------------------------------------------------------------

    async def get_app(self, app_id: str) -> App:
        what = f"an app with id `{escape(app_id)}`"
        body = await self._t.read("GET", f"/v2/apps/{app_id}", what=what)
        return _parse(App, body, "app", what=what)

    async def iter_apps(self, *, per_page: int = 200) -> AsyncIterator[App]:
        # apps_list.yml: "A JSON object with a `apps` key": an answer without it is no list.
        pages = self._t.paged(
            "/v2/apps", "apps", per_page=per_page, what="the app list", required=True
        )
        async for item in pages:
            app = _parse_item(App, item)
            if app is not None:
                yield app

    async def find_app(self, name_or_id: str) -> App:
        """Resolve an app by its id or its name (exact first, then ignoring case)."""
        if looks_like_id(name_or_id):
            return await self.get_app(name_or_id)
        folded = None
        async for app in self.iter_apps():
            if app.spec.name == name_or_id:
                return app
            if folded is None and app.spec.name.lower() == name_or_id.lower():
                folded = app
        if folded is not None:
            return folded
        raise DONotFoundError(
            f"No app named `{escape(name_or_id)}` was found in this DigitalOcean account.",
            status=404,
        )

    async def iter_deployments(
        self, app_id: str, *, per_page: int = 50
    ) -> AsyncIterator[Deployment]:
        """The app's deployments, newest first as DigitalOcean lists them, page by page."""
        path = f"/v2/apps/{app_id}/deployments"
        what = f"the deployments of app `{escape(app_id)}`"
        async for item in self._t.paged(path, "deployments", per_page=per_page, what=what):
            deployment = _parse_item(Deployment, item)
            if deployment is not None:
                yield deployment

    async def list_deployments(self, app_id: str, *, limit: int) -> list[Deployment]:
        found: list[Deployment] = []
        async for deployment in self.iter_deployments(app_id, per_page=min(max(limit, 1), 200)):
            found.append(deployment)
            if len(found) >= limit:
                break
        return found

    async def get_deployment(self, app_id: str, deployment_id: str) -> Deployment:
        what = f"deployment `{escape(deployment_id)}`"
        body = await self._t.read(
            "GET", f"/v2/apps/{app_id}/deployments/{deployment_id}", what=what
        )
        return _parse(Deployment, body, "deployment", what=what)

    async def component_logs(
        self, app_id: str, deployment_id: str, component: str, *, log_type: str
    ) -> ComponentLogs:
        """Where a component's ``log_type`` (BUILD, DEPLOY) log of a deployment is kept.
        DigitalOcean answers 400 for a step "never reached or skipped" (``DORequestError``)."""
        what = f"the {log_type.lower()} log of `{escape(component)}`"
        path = f"/v2/apps/{app_id}/deployments/{deployment_id}/components/{component}/logs"
        body = await self._t.read("GET", path, params={"type": log_type}, what=what)
        return _parse(ComponentLogs, {"logs": body}, "logs", what=what)

    async def get_health(self, app_id: str) -> AppHealth:
        what = f"the health of app `{escape(app_id)}`"
        body = await self._t.read("GET", f"/v2/apps/{app_id}/health", what=what)
        return _parse(AppHealth, {"health": unwrapped(body)}, "health", what=what)

    async def validate_rollback(self, app_id: str, deployment_id: str) -> RollbackValidation:
        # Validation changes nothing on DigitalOcean's side, so it is retried like a GET.
        what = f"deployment `{escape(deployment_id)}`"
        body = await self._t.read(
            "POST",
            f"/v2/apps/{app_id}/rollback/validate",
            json={"deployment_id": deployment_id, "skip_pin": False},
            what=what,
        )
        return _parse(RollbackValidation, {"answer": body}, "answer", what=what)

    # --- writes: sent once -------------------------------------------------------

    async def create_rollback(self, app_id: str, deployment_id: str) -> Deployment:
        what = f"deployment `{escape(deployment_id)}`"
        body = await self._t.write(
            f"/v2/apps/{app_id}/rollback",
            json={"deployment_id": deployment_id, "skip_pin": False},
            what=what,
        )
        return _written(Deployment, body, "deployment", what="the new rollback deployment")

    async def commit_rollback(self, app_id: str) -> None:
        await self._t.write(f"/v2/apps/{app_id}/rollback/commit", json=None, what="the app")

    async def revert_rollback(self, app_id: str) -> Deployment:
        body = await self._t.write(f"/v2/apps/{app_id}/rollback/revert", json=None, what="the app")
        return _written(Deployment, body, "deployment", what="the revert deployment")


def _parse(model: type[M], body: dict[str, Any], key: str, *, what: str) -> M:
    """``body[key]`` as ``model``, or ``DOMalformedError`` naming what could not be read:
    an answer DigitalOcean got wrong is a fault to report, never a crash of the caller."""
    try:
        return model.model_validate(body.get(key))
    except (ValidationError, RecursionError) as exc:
        log.warning("digitalocean: unreadable %s: %s", model.__name__, _first_problem(exc))
        raise DOMalformedError(
            f"DigitalOcean sent an answer about {what} that the bot could not read.",
            status=200,
        ) from None


def _written(model: type[M], body: dict[str, Any], key: str, *, what: str) -> M:
    """The answer to a POST that changes state: an answer that cannot be read says the
    request arrived and was done, but not what it made; like a lost answer, the caller
    must look at the app before doing anything again (``DOUncertainError``)."""
    try:
        return _parse(model, body, key, what=what)
    except DOMalformedError as exc:
        raise DOUncertainError(
            f"{exc.user_message} The request may still have taken effect.", status=200
        ) from None


def _parse_item(model: type[M], item: object) -> M | None:
    """One entry of a list, or None (logged) when DigitalOcean's entry cannot be read: one
    odd app or deployment must not hide the others."""
    try:
        return model.model_validate(item)
    except (ValidationError, RecursionError) as exc:
        log.warning(
            "digitalocean: skipped an unreadable %s: %s", model.__name__, _first_problem(exc)
        )
        return None


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return type(exc).__name__
