"""App health (`GET /v2/apps/{id}/health`, apps_get_health.yml), and a test hook that makes
a deployment come up short of ready replicas or turn UNHEALTHY some time after it goes live.

The spec (models/app_component_health.yml): each component has `replicas_desired`,
`replicas_ready` and `state`, one of `UNKNOWN | HEALTHY | UNHEALTHY` ("default:
UNKNOWN"). The answer is "A JSON with key `app_health`" (models/app_health_response.yml),
though the spec's example leaves that wrapper out: `unwrapped_health` answers that way.
Health is the live (active) deployment's: an app with none live reports no components.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import AppRecord, DeploymentRecord
from .world import World


@dataclass(frozen=True)
class Sickness:
    """How a deployment's components stand once it has been live `after` seconds."""

    ready: int
    desired: int
    state: str
    after: float


class HealthReads(World):
    unwrapped_health = False
    """True: answer like the spec's example, without the `app_health` wrapper."""

    def get_health(self, app_id: str) -> dict[str, object]:
        with self._settled(app_id) as app:
            health: dict[str, object] = {"components": self._components(app)}
            return health if self.unwrapped_health else {"app_health": health}

    def sicken(
        self,
        deployment_id: str,
        *,
        ready: int = 0,
        desired: int = 2,
        state: str = "UNHEALTHY",
        after: float = 0.0,
    ) -> None:
        """Once `deployment_id` (or a rollback to it) has been live `after` seconds, its
        components report `ready`/`desired` replicas in `state` (until then: all `desired`
        ready, HEALTHY). `after` is in the simulator's clock's seconds."""
        with self._lock:
            self._sickness()[deployment_id] = Sickness(ready, desired, state, after)

    def _sickness(self) -> dict[str, Sickness]:
        # Kept off World.__init__, so this module stays the only one that knows of it.
        found: dict[str, Sickness] | None = self.__dict__.get("_sick")
        if found is None:
            found = self.__dict__["_sick"] = {}
        return found

    def _components(self, app: AppRecord) -> list[dict[str, object]]:
        dep = app.find(app.active_id)
        if dep is None:
            return []
        # A rollback redeploys its target (`cloned_from`): it comes up as the target did.
        faults = self._sickness()
        sick = faults.get(dep.id) or faults.get(dep.cloned_from or "")
        desired = sick.desired if sick is not None else _instance_count(dep)
        ready, state = desired, "HEALTHY"
        now = self.clock()
        # Went live when its last tick was reached; a history deployment added as live
        # "now" (building.py) has its ticks scheduled ahead: it counts from its creation.
        live_at = dep.time_of(dep.tick)
        live_at = live_at if live_at <= now else dep.created
        if sick is not None and now >= live_at + sick.after:
            ready, state = sick.ready, sick.state
        # The simulator's deployments have one service, `web` (records.py).
        return [
            {
                "name": "web",
                "cpu_usage_percent": 12.5,
                "memory_usage_percent": 40.0,
                "replicas_desired": desired,
                "replicas_ready": ready,
                "state": state,
            }
        ]


def _instance_count(dep: DeploymentRecord) -> int:
    services = dep.spec.get("services")
    if isinstance(services, list) and services and isinstance(services[0], dict):
        count = services[0].get("instance_count")
        if isinstance(count, int):
            return count
    return 1
