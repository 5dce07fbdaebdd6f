"""The simulated world: apps, their deployments, and how deployments progress.

Every public method takes the lock, so the ASGI server may run in another thread
(uvicorn for the demo) than the test or demo code inspecting the world.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from . import samples
from .errors import invalid_argument, not_found
from .progress import StepFailure
from .records import AppRecord, DeploymentRecord, app_id_for, history_deployment, new_deployment
from .rollback import check_rollback, parse_rollback_request
from .traffic import TrafficControls


class Simulator(TrafficControls):
    """DigitalOcean App Platform, in memory.

    Request-level knobs (`inject`, `latency`, `requests`, `count`, rate limit) come
    from TrafficControls.

    `step_seconds=None` ("per poll"): each GET of an in-progress deployment advances it
    by exactly one tick before answering, so a test sees every status change once.
    `step_seconds=1.5` (clock): tick = floor(seconds since creation / step_seconds).
    """

    def __init__(
        self,
        *,
        token: str,
        step_seconds: float | None = None,
        rate_limit_per_minute: int = 250,
        rate_limit_per_hour: int = 5000,
        enforce_rate_limit: bool = True,
        max_page_size: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if step_seconds is not None and step_seconds <= 0:
            raise ValueError("step_seconds must be positive (or None for per-poll mode)")
        if max_page_size is not None and max_page_size < 1:
            raise ValueError("max_page_size must be >= 1")
        super().__init__(
            token=token,
            rate_limit_per_minute=rate_limit_per_minute,
            rate_limit_per_hour=rate_limit_per_hour,
            enforce_rate_limit=enforce_rate_limit,
            clock=clock,
        )
        self.step_seconds = step_seconds
        self.max_page_size = max_page_size
        self.keep_failed_rollbacks_pinned = False
        """What the live API does with a failed rollback is unverified: by default the app
        is left unpinned on its previous deployment; True keeps it pinned to the failure."""
        self._lock = threading.RLock()
        self._apps: dict[str, AppRecord] = {}

    def __repr__(self) -> str:  # never show the token
        mode = "per-poll" if self.step_seconds is None else f"every {self.step_seconds}s"
        return f"<Simulator apps={len(self._apps)} progress={mode}>"

    @classmethod
    def with_sample_apps(
        cls,
        *,
        token: str,
        step_seconds: float | None = None,
        extra_apps: int = 0,
        rate_limit_per_minute: int = 250,
        rate_limit_per_hour: int = 5000,
        enforce_rate_limit: bool = True,
        max_page_size: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Simulator:
        sim = cls(
            token=token,
            step_seconds=step_seconds,
            rate_limit_per_minute=rate_limit_per_minute,
            rate_limit_per_hour=rate_limit_per_hour,
            enforce_rate_limit=enforce_rate_limit,
            max_page_size=max_page_size,
            clock=clock,
        )
        samples.populate(sim, extra_apps=extra_apps)
        return sim

    # ---- building the world ---------------------------------------------------------

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
        with self._lock:
            self._settle()
            app = self._app(app_id)
            dep = app.find(app.in_progress_id)
            if dep is not None:
                self._advance(app, dep, dep.script.terminal_tick)

    # ---- the API (server.py maps routes onto these) ---------------------------------

    def list_apps(self) -> list[dict[str, object]]:
        with self._lock:
            self._settle()
            return [app.to_json() for app in self._apps.values()]

    def get_app(self, app_id: str) -> dict[str, object]:
        with self._lock:
            self._settle()
            return self._app(app_id).to_json()

    def list_deployments(
        self, app_id: str, deployment_types: Sequence[str] = ()
    ) -> list[dict[str, object]]:
        """Newest first, like the real API (DO's own app_action relies on that order)."""
        with self._lock:
            self._settle()
            deps = reversed(self._app(app_id).deployments)
            return [
                d.to_json()
                for d in deps
                if not deployment_types or d.cause_details.get("type") in deployment_types
            ]

    def get_deployment(
        self, app_id: str, deployment_id: str, *, poll: bool = False
    ) -> dict[str, object]:
        """`poll=True` is an API poll: in per-poll mode it advances the deployment a tick."""
        with self._lock:
            self._settle()
            app = self._app(app_id)
            dep = app.find(deployment_id)
            if dep is None:
                raise not_found()
            if poll and self.step_seconds is None and dep.id == app.in_progress_id:
                self._advance(app, dep, dep.tick + 1)
            return dep.to_json()

    def validate_rollback(self, app_id: str, body: object) -> dict[str, object]:
        with self._lock:
            self._settle()
            app = self._app(app_id)
            target_id, _ = parse_rollback_request(body)
            error, warnings = check_rollback(app, target_id)
            out: dict[str, object] = {"valid": error is None}
            if error is not None:
                out["error"] = error
            if warnings:
                out["warnings"] = warnings
            return out

    def create_rollback(self, app_id: str, body: object) -> dict[str, object]:
        with self._lock:
            self._settle()
            app = self._app(app_id)
            target_id, skip_pin = parse_rollback_request(body)
            error, _ = check_rollback(app, target_id)
            if error is not None:
                raise invalid_argument(str(error["message"]))
            target = app.find(target_id)
            assert target is not None  # check_rollback raised 404 otherwise
            dep = self._start_deployment(
                app, target, "MANUAL_ROLLBACK", "ROLLBACK_APP", app.rollback_failure
            )
            dep.cloned_from = target.id
            app.pre_rollback_id = app.active_id
            # skip_pin: "the rollback will be immediately committed and the app will remain
            # unpinned" (apps_rollback_app_request.yml).
            app.pinned_id = None if skip_pin else dep.id
            return dep.to_json()

    def commit_rollback(self, app_id: str) -> None:
        with self._lock:
            self._settle()
            app = self._app(app_id)
            if app.pinned_id is None:
                raise invalid_argument("the app is not pinned to a rollback deployment")
            app.pinned_id = app.pre_rollback_id = None
            app.updated = self.clock()

    def revert_rollback(self, app_id: str) -> dict[str, object]:
        with self._lock:
            self._settle()
            app = self._app(app_id)
            rollback = app.find(app.pinned_id)
            previous = app.find(app.pre_rollback_id)
            if rollback is None:
                raise invalid_argument("the app is not pinned to a rollback deployment")
            if previous is None:
                raise invalid_argument("there is no deployment to revert to")
            if rollback.in_progress:
                rollback.override_phase, rollback.overridden_at = "CANCELED", self.clock()
            app.pinned_id = app.pre_rollback_id = None
            dep = self._start_deployment(app, previous, "MANUAL", "REVERT_APP_ROLLBACK", None)
            return dep.to_json()

    # ---- internals (lock held) ------------------------------------------------------

    def _app(self, app_id: str) -> AppRecord:
        app = self._apps.get(app_id)
        if app is None:
            raise not_found()
        return app

    def _start_deployment(
        self,
        app: AppRecord,
        source: DeploymentRecord,
        cause_type: str,
        action: str,
        failure: StepFailure | None,
    ) -> DeploymentRecord:
        now = self.clock()
        dep = new_deployment(
            app, source, cause_type=cause_type, action=action, failure=failure, now=now,
            step_seconds=self.step_seconds,
        )  # fmt: skip
        app.deployments.append(dep)
        app.in_progress_id = dep.id
        app.updated = now
        return dep

    def _advance(self, app: AppRecord, dep: DeploymentRecord, tick: int) -> None:
        tick = min(tick, dep.script.terminal_tick)
        now = self.clock()
        # Per-poll mode stamps a tick when it is polled; clock mode keeps its schedule
        # unless fast_forward jumped ahead of it (then "now", never a future time).
        reached = [
            now if dep.step_seconds is None else min(now, dep.time_of(t))
            for t in range(len(dep.tick_times), tick + 1)
        ]
        dep.tick_times.extend(reached)
        dep.tick = max(dep.tick, tick)
        if not dep.in_progress:
            self._finish(app, dep)

    def _settle(self) -> None:
        """Clock mode: bring every running deployment up to the current time."""
        if self.step_seconds is None:
            return
        now = self.clock()
        for app in self._apps.values():
            dep = app.find(app.in_progress_id)
            if dep is not None:
                self._advance(app, dep, math.floor((now - dep.created) / self.step_seconds))

    def _finish(self, app: AppRecord, dep: DeploymentRecord) -> None:
        ended = dep.time_of(dep.tick)
        if dep.phase == "ACTIVE":
            old = app.find(app.active_id)
            if old is not None and old is not dep:
                old.override_phase, old.overridden_at = "SUPERSEDED", ended
            app.active_id = dep.id
        elif (
            dep.phase == "ERROR"
            and app.pinned_id == dep.id
            and not self.keep_failed_rollbacks_pinned
        ):
            # Assumption (unverified against the live API): a failed rollback leaves the app
            # on its previous deployment and unpinned, so nothing is left to commit/revert.
            app.pinned_id = app.pre_rollback_id = None
        if app.in_progress_id == dep.id:
            app.in_progress_id = None
        app.updated = max(app.updated, ended)
