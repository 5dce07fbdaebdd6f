"""An app's health (``GET /v2/apps/{id}/health``), as pydantic models.

Shapes follow DigitalOcean's spec (``models/app_health_response.yml``, ``app_health.yml``,
``app_component_health.yml``): "A JSON with key `app_health`" holding ``components``,
each with ``name``, ``replicas_desired``, ``replicas_ready`` and ``state``
(``UNKNOWN | HEALTHY | UNHEALTHY``, default ``UNKNOWN``). The spec's own example
(``responses/examples.yml#/app_health``) leaves the ``app_health`` wrapper out, so an
answer with ``components`` at the top level is read too.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import field_validator

from bot.digitalocean.models import Count, Many, Text, _enum_or_unknown, _Model


class HealthState(StrEnum):
    UNKNOWN = "UNKNOWN"
    HEALTHY = "HEALTHY"
    UNHEALTHY = "UNHEALTHY"


class ComponentHealth(_Model):
    name: Text = ""
    replicas_desired: Count = 0
    replicas_ready: Count = 0
    state: HealthState = HealthState.UNKNOWN

    @field_validator("state", mode="before")
    @classmethod
    def _known_state(cls, value: Any) -> Any:
        return _enum_or_unknown(HealthState, value)


class AppHealth(_Model):
    components: Many[ComponentHealth] = ()


def unwrapped(body: dict[str, Any]) -> dict[str, Any]:
    """The ``app_health`` object of an answer, with or without the spec's wrapper."""
    inner = body.get("app_health")
    return inner if isinstance(inner, dict) else body


def unwell(component: ComponentHealth) -> bool:
    """UNHEALTHY, or short of its desired ready replicas."""
    return (
        component.state == HealthState.UNHEALTHY
        or component.replicas_ready < component.replicas_desired
    )


def healthy(health: AppHealth) -> bool:
    """Every component HEALTHY with all its desired replicas ready (and at least one)."""
    return bool(health.components) and all(
        c.state == HealthState.HEALTHY and c.replicas_ready >= c.replicas_desired
        for c in health.components
    )
