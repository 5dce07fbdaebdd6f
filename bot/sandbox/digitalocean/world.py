"""The simulated world's core: its apps, its lock, and how a deployment moves through
its ticks. The public faces (building.py, reads.py, rollback.py) are mixins on this.

Every public method takes the lock, so the ASGI server may run in another thread
(uvicorn for the demo) than the test or demo code inspecting the world.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypedDict

from .errors import not_found
from .progress import StepFailure
from .records import AppRecord, DeploymentRecord, new_deployment
from .traffic import TrafficControls


class Options(TypedDict, total=False):
    """The World's keyword options but the token, for constructors that pass them on."""

    step_seconds: float | None
    rate_limit_per_minute: int
    rate_limit_per_hour: int
    enforce_rate_limit: bool
    max_page_size: int | None
    clock: Callable[[], float]


class World(TrafficControls):
    """Apps and deployments in memory; the lock and the clock-driven progress.

    `step_seconds=None` ("per poll or look"): each GET of an in-progress deployment, and
    each page of `GET /v2/apps` (a look) for the apps on that page, advances it by exactly
    one tick before answering, so a test sees every status change once whichever way it
    reads. `step_seconds=1.5` (clock): tick = floor(seconds since creation /
    step_seconds), settled on every read.
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
        self.list_omits_progress = False
        """A fault: True makes `GET /v2/apps` answer its deployments without `progress`
        (the key absent) while `GET .../deployments/{id}` still carries it."""
        self._lock = threading.RLock()
        self._apps: dict[str, AppRecord] = {}

    @contextmanager
    def _settled(self, app_id: str) -> Iterator[AppRecord]:
        """Hold the lock, bring the world up to now, and yield the app (404 if unknown):
        how every call about one app begins."""
        with self._lock:
            self._settle()
            yield self._app(app_id)

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

    def _poll(self, app: AppRecord, dep_id: str | None) -> None:
        """Per-poll mode: a poll or look at the app's in-progress deployment moves it a
        tick (any other deployment stays as it is)."""
        dep = app.find(dep_id)
        if dep is not None and dep.id == app.in_progress_id:
            self._advance(app, dep, dep.tick + 1)

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
