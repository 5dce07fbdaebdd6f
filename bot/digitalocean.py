"""DigitalOcean App Platform API client: the endpoints the bot needs, as typed calls.

The HTTP details (retries, pagination, the rate budget, errors) are in ``bot.do_http``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator

from bot.do_http import Transport
from bot.errors import DONotFoundError
from bot.models import App, Deployment, RollbackValidation

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def looks_like_id(text: str) -> bool:
    """Whether ``text`` is shaped like a DigitalOcean UUID."""
    return bool(_UUID.match(text))


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
        body = await self._t.read("GET", f"/v2/apps/{app_id}", what=f"an app with id `{app_id}`")
        return App.model_validate(body["app"])

    async def iter_apps(self, *, per_page: int = 200) -> AsyncIterator[App]:
        async for item in self._t.paged("/v2/apps", "apps", per_page=per_page, what="the app list"):
            yield App.model_validate(item)

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
            f"No app named `{name_or_id}` was found in this DigitalOcean account.", status=404
        )

    async def iter_deployments(
        self, app_id: str, *, per_page: int = 50
    ) -> AsyncIterator[Deployment]:
        """The app's deployments, newest first as DigitalOcean lists them, page by page."""
        path = f"/v2/apps/{app_id}/deployments"
        async for item in self._t.paged(
            path, "deployments", per_page=per_page, what=f"the deployments of app `{app_id}`"
        ):
            yield Deployment.model_validate(item)

    async def list_deployments(self, app_id: str, *, limit: int) -> list[Deployment]:
        found: list[Deployment] = []
        async for deployment in self.iter_deployments(app_id, per_page=min(max(limit, 1), 200)):
            found.append(deployment)
            if len(found) >= limit:
                break
        return found

    async def get_deployment(self, app_id: str, deployment_id: str) -> Deployment:
        body = await self._t.read(
            "GET",
            f"/v2/apps/{app_id}/deployments/{deployment_id}",
            what=f"deployment `{deployment_id}`",
        )
        return Deployment.model_validate(body["deployment"])

    async def validate_rollback(self, app_id: str, deployment_id: str) -> RollbackValidation:
        # Validation changes nothing on DigitalOcean's side, so it is retried like a GET.
        body = await self._t.read(
            "POST",
            f"/v2/apps/{app_id}/rollback/validate",
            json={"deployment_id": deployment_id, "skip_pin": False},
            what=f"deployment `{deployment_id}`",
        )
        return RollbackValidation.model_validate(body)

    # --- writes: sent once -------------------------------------------------------

    async def create_rollback(self, app_id: str, deployment_id: str) -> Deployment:
        body = await self._t.write(
            f"/v2/apps/{app_id}/rollback",
            json={"deployment_id": deployment_id, "skip_pin": False},
            what=f"deployment `{deployment_id}`",
        )
        return Deployment.model_validate(body["deployment"])

    async def commit_rollback(self, app_id: str) -> None:
        await self._t.write(f"/v2/apps/{app_id}/rollback/commit", json=None, what="the app")

    async def revert_rollback(self, app_id: str) -> Deployment:
        body = await self._t.write(f"/v2/apps/{app_id}/rollback/revert", json=None, what="the app")
        return Deployment.model_validate(body["deployment"])
