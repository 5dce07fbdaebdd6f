"""The API's reads of the simulated world (server.py maps GET routes onto these)."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import not_found
from .world import World


class Reads(World):
    def list_apps(self) -> list[dict[str, object]]:
        with self._lock:
            self._settle()
            return [app.to_json() for app in self._apps.values()]

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
        """`poll=True` is an API poll: in per-poll mode it advances the deployment a tick."""
        with self._settled(app_id) as app:
            dep = app.find(deployment_id)
            if dep is None:
                raise not_found()
            if poll and self.step_seconds is None and dep.id == app.in_progress_id:
                self._advance(app, dep, dep.tick + 1)
            return dep.to_json()
