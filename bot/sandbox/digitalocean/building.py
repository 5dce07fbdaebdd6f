"""Building the simulated world: apps, their history, and the knobs a test turns."""

from __future__ import annotations

from collections.abc import Iterable

from .progress import StepFailure
from .records import AppRecord, app_id_for, history_deployment
from .world import World


class Building(World):
    def add_app(
        self,
        name: str,
        *,
        region: str = "ams",
        tier_slug: str = "basic",
        warnings: Iterable[dict[str, object]] = (),
        rollback_failure: StepFailure | None = None,
        created: float | None = None,
    ) -> str:
        app_id = app_id_for(name)
        with self._lock:
            if app_id in self._apps:
                raise ValueError(f"app {name!r} already exists")
            now = self.clock() if created is None else created
            self._apps[app_id] = AppRecord(
                app_id, name, region, tier_slug, now, now,
                warnings=[dict(w) for w in warnings], rollback_failure=rollback_failure,
            )  # fmt: skip
        return app_id

    def add_deployment(
        self,
        app_id: str,
        *,
        phase: str,
        created: float,
        cause: str | None = None,
        cause_type: str = "DEPLOY_ON_PUSH",
        failure: StepFailure | None = None,
    ) -> str:
        """Append a finished deployment to an app's history (call oldest first)."""
        with self._lock:
            app = self._app(app_id)
            dep = history_deployment(
                app, phase=phase, created=created, cause=cause, cause_type=cause_type,
                failure=failure,
            )  # fmt: skip
            app.deployments.append(dep)
            if phase == "ACTIVE":
                self._finish(app, dep)
            app.updated = max(app.updated, dep.time_of(dep.tick))
            return dep.id

    def set_rollback_failure(self, app_id: str, failure: StepFailure | None) -> None:
        """Every later rollback of this app fails at `failure` (None: rollbacks succeed)."""
        with self._lock:
            self._app(app_id).rollback_failure = failure

    def set_rollback_warnings(self, app_id: str, warnings: Iterable[dict[str, object]]) -> None:
        with self._lock:
            self._app(app_id).warnings = [dict(w) for w in warnings]

    def fast_forward(self, app_id: str) -> None:
        """Run the app's in-progress deployment to its terminal phase right now."""
        with self._settled(app_id) as app:
            dep = app.find(app.in_progress_id)
            if dep is not None:
                self._advance(app, dep, dep.script.terminal_tick)
