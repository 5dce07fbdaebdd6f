"""DigitalOcean App Platform data, as pydantic models.

Shapes follow DigitalOcean's OpenAPI spec (``resources/apps/models``). Unknown fields
are ignored so new API fields never break us; counters the API leaves out (it omits
zeros) read as 0; unset timestamps (``0001-01-01T00:00:00``) read as ``None``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

T = TypeVar("T")


class Phase(StrEnum):
    UNKNOWN = "UNKNOWN"
    PENDING_BUILD = "PENDING_BUILD"
    BUILDING = "BUILDING"
    PENDING_DEPLOY = "PENDING_DEPLOY"
    DEPLOYING = "DEPLOYING"
    ACTIVE = "ACTIVE"
    SUPERSEDED = "SUPERSEDED"
    ERROR = "ERROR"
    CANCELED = "CANCELED"

    @property
    def is_terminal(self) -> bool:
        """Whether a deployment in this phase will change no more (DigitalOcean's own rule)."""
        return self in _TERMINAL


_TERMINAL = frozenset({Phase.ACTIVE, Phase.SUPERSEDED, Phase.ERROR, Phase.CANCELED})


class StepStatus(StrEnum):
    UNKNOWN = "UNKNOWN"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    ERROR = "ERROR"
    SUCCESS = "SUCCESS"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _enum_or_unknown(enum: type[StrEnum], value: Any) -> Any:
    if isinstance(value, str) and value not in enum.__members__:
        return "UNKNOWN"
    return value if value is not None else "UNKNOWN"


def _unset_as_none(value: Any) -> Any:
    # DigitalOcean writes "never" as year 1, with or without a trailing Z.
    if isinstance(value, str) and value.startswith("0001-01-01"):
        return None
    if isinstance(value, datetime) and value.year == 1:
        return None
    return value


def _none_is_empty(value: Any) -> Any:
    return () if value is None else value


# DigitalOcean sends null or nothing for an empty list; both read as ().
Many = Annotated[tuple[T, ...], BeforeValidator(_none_is_empty)]


class StepReason(_Model):
    code: str = ""
    message: str = ""


class Step(_Model):
    name: str = ""
    status: StepStatus = StepStatus.UNKNOWN
    steps: Many[Step] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    reason: StepReason | None = None
    component_name: str = ""
    message_base: str = ""

    @field_validator("status", mode="before")
    @classmethod
    def _known_status(cls, value: Any) -> Any:
        return _enum_or_unknown(StepStatus, value)

    @field_validator("started_at", "ended_at", mode="before")
    @classmethod
    def _set_times(cls, value: Any) -> Any:
        return _unset_as_none(value)


class Progress(_Model):
    pending_steps: int = 0
    running_steps: int = 0
    success_steps: int = 0
    error_steps: int = 0
    total_steps: int = 0
    steps: Many[Step] = ()


class ComponentSource(_Model):
    name: str = ""
    source_commit_hash: str = ""


class Deployment(_Model):
    id: str
    cause: str = ""
    phase: Phase = Phase.UNKNOWN
    progress: Progress = Field(default_factory=Progress)
    services: tuple[ComponentSource, ...] = ()
    workers: tuple[ComponentSource, ...] = ()
    jobs: tuple[ComponentSource, ...] = ()
    static_sites: tuple[ComponentSource, ...] = ()
    cloned_from: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    phase_last_updated_at: datetime | None = None

    @field_validator("phase", mode="before")
    @classmethod
    def _known_phase(cls, value: Any) -> Any:
        return _enum_or_unknown(Phase, value)

    @field_validator("created_at", "updated_at", "phase_last_updated_at", mode="before")
    @classmethod
    def _set_times(cls, value: Any) -> Any:
        return _unset_as_none(value)

    @field_validator("progress", mode="before")
    @classmethod
    def _absent_progress(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def commit(self) -> str:
        """The first component's source commit (short), or "" when none is known."""
        for group in (self.services, self.workers, self.jobs, self.static_sites):
            for component in group:
                if component.source_commit_hash:
                    return component.source_commit_hash[:7]
        return ""


class AppSpec(_Model):
    name: str = ""


class App(_Model):
    id: str
    spec: AppSpec = Field(default_factory=AppSpec)
    live_url: str = ""
    active_deployment: Deployment | None = None
    in_progress_deployment: Deployment | None = None
    pending_deployment: Deployment | None = None
    pinned_deployment: Deployment | None = None

    @property
    def name(self) -> str:
        return self.spec.name or self.id


class RollbackCondition(_Model):
    code: str = ""
    message: str = ""
    components: Many[str] = ()


class RollbackValidation(_Model):
    valid: bool = False
    error: RollbackCondition | None = None
    warnings: Many[RollbackCondition] = ()
