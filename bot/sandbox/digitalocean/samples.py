"""The sample world used by the demo sandbox and the tests.

App ids are uuid5 of the app name (see `records.app_id_for`), so they are the same
in every process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from .progress import BUILD_FAILURE, StepFailure

SAMPLE_GOLANG = "sample-golang"
SAMPLE_BROKEN = "sample-broken"
SAMPLE_WARN = "sample-warn"
SAMPLE_PINNED = "sample-pinned"
SAMPLE_APPS = (SAMPLE_GOLANG, SAMPLE_BROKEN, SAMPLE_WARN, SAMPLE_PINNED)

BROKEN_ROLLBACK_FAILURE = BUILD_FAILURE
HEALTH_CHECK_FAILURE = StepFailure(
    "deploy/components/web/wait",
    "HealthChecksFailed",
    "Your deploy failed because the container did not pass its readiness check on port 8080",
)
MISSING_DIGEST_WARNING: dict[str, object] = {
    "code": "image_source_missing_digest",
    "message": "one or more components are missing an image digest and are not "
    "guaranteed rollback to the old version.",
    "components": ["web"],
}

_HOUR = 3600.0
_DAY = 24 * _HOUR


class Builder(Protocol):
    """The part of the Simulator that populating calls (it builds the world through the
    same methods a test would, so the samples obey the world's rules)."""

    clock: Callable[[], float]

    def add_app(
        self,
        name: str,
        *,
        region: str,
        created: float,
        warnings: Iterable[dict[str, object]] = ...,
        rollback_failure: StepFailure | None = ...,
    ) -> str: ...

    def add_deployment(
        self,
        app_id: str,
        *,
        phase: str,
        created: float,
        cause: str | None = ...,
        cause_type: str = ...,
        failure: StepFailure | None = ...,
    ) -> str: ...

    def create_rollback(self, app_id: str, body: object) -> dict[str, object]: ...

    def fast_forward(self, app_id: str) -> None: ...


def populate(sim: Builder, *, extra_apps: int = 0) -> None:
    now = sim.clock()

    # History oldest -> newest. The expected default rollback target is deployment #2:
    # the newest SUPERSEDED one older than the live #5 (#3 failed, #4 was canceled,
    # #6 is a newer failed push that left #5 live).
    golang = sim.add_app(SAMPLE_GOLANG, region="ams", created=now - 30 * _DAY)
    sim.add_deployment(golang, phase="SUPERSEDED", created=now - 9 * _DAY)
    sim.add_deployment(golang, phase="SUPERSEDED", created=now - 7 * _DAY)
    sim.add_deployment(golang, phase="ERROR", created=now - 5 * _DAY)
    sim.add_deployment(
        golang, phase="CANCELED", created=now - 3 * _DAY, cause="manual", cause_type="MANUAL"
    )
    sim.add_deployment(golang, phase="ACTIVE", created=now - 2 * _DAY)
    sim.add_deployment(golang, phase="ERROR", created=now - 4 * _HOUR, failure=HEALTH_CHECK_FAILURE)

    broken = sim.add_app(
        SAMPLE_BROKEN, region="fra", created=now - 20 * _DAY,
        rollback_failure=BROKEN_ROLLBACK_FAILURE,
    )  # fmt: skip
    sim.add_deployment(broken, phase="SUPERSEDED", created=now - 6 * _DAY)
    sim.add_deployment(broken, phase="ACTIVE", created=now - 1 * _DAY)

    warn = sim.add_app(
        SAMPLE_WARN, region="nyc", created=now - 20 * _DAY, warnings=[MISSING_DIGEST_WARNING]
    )
    sim.add_deployment(warn, phase="SUPERSEDED", created=now - 4 * _DAY)
    sim.add_deployment(warn, phase="ACTIVE", created=now - 1 * _DAY)

    # Pinned the honest way: a real rollback, run to completion, never committed.
    pinned = sim.add_app(SAMPLE_PINNED, region="sfo", created=now - 20 * _DAY)
    target = sim.add_deployment(pinned, phase="SUPERSEDED", created=now - 3 * _DAY)
    sim.add_deployment(pinned, phase="ACTIVE", created=now - 2 * _DAY)
    sim.create_rollback(pinned, {"deployment_id": target})
    sim.fast_forward(pinned)

    for i in range(1, extra_apps + 1):
        filler = sim.add_app(f"filler-{i:02d}", region="nyc", created=now - 10 * _DAY)
        sim.add_deployment(filler, phase="ACTIVE", created=now - 5 * _DAY)
