"""The API's reads of the simulated world (server.py maps GET routes onto these)."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import not_found
from .records import AppRecord
from .world import World


class Reads(World):
    """The reads. In per-poll mode, a poll (`get_deployment(poll=True)`) or a look (a page
    of apps, `look_at_apps`) advances what it reads by one tick; other reads do not."""

    def list_apps(self) -> list[dict[str, object]]:
        """Every app, as `GET /v2/apps` lists them (a read, not a look: nothing moves)."""
        with self._lock:
            self._settle()
            return [self._listed(app) for app in self._apps.values()]

    def look_at_apps(self, page: slice) -> tuple[list[dict[str, object]], int]:
        """One page of `GET /v2/apps` (the apps in `page`) and how many apps there are.
        In per-poll mode each listed app's in-progress deployment advances a tick first,
        so a look paged over N pages advances each app once, not N times."""
        with self._lock:
            self._settle()
            apps = list(self._apps.values())[page]
            if self.step_seconds is None:
                for app in apps:
                    self._poll(app, app.in_progress_id)
            return [self._listed(app) for app in apps], len(self._apps)

    def _listed(self, app: AppRecord) -> dict[str, object]:
        return app.to_json(progress=not self.list_omits_progress)

    def get_app(self, app_id: str) -> dict[str, object]:
        with self._settled(app_id) as app:
            return app.to_json()

    def list_deployments(
        self, app_id: str, deployment_types: Sequence[str] = ()
    ) -> list[dict[str, object]]:
        """Newest first, like the real API (DO's own app_action relies on that order)."""
        with self._settled(app_id) as app:
            deps = reversed(app.deployments)
            return [
                d.to_json()
                for d in deps
                if not deployment_types or d.cause_details.get("type") in deployment_types
            ]

    def get_deployment(
        self, app_id: str, deployment_id: str, *, poll: bool = False
    ) -> dict[str, object]:
        """`poll=True` is an API poll: in per-poll mode it advances the deployment a tick
        (when it is the app's in-progress one)."""
        with self._settled(app_id) as app:
            dep = app.find(deployment_id)
            if dep is None:
                raise not_found()
            if poll and self.step_seconds is None:
                self._poll(app, dep.id)
            return dep.to_json()
