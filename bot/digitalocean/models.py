"""DigitalOcean App Platform data, as pydantic models.

Shapes follow DigitalOcean's OpenAPI spec (``resources/apps/models``). Unknown fields
are ignored so new API fields never break us; counters the API leaves out (it omits
zeros) read as 0; unset timestamps (``0001-01-01T00:00:00``) read as ``None``. Null reads
as "nothing": "" for text, 0 for counters, () for lists; a deployment on an app that is
``{}`` or has no id reads as ``None`` (there is nothing to follow or roll back to).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from bot.digitalocean.app_spec import AppSpec, ComponentSpec
from bot.digitalocean.cause import CauseDetails

__all__ = ["AppSpec", "ComponentSpec"]  # shapes of models/app_spec.yml, read from here

T = TypeVar("T")
N = TypeVar("N")
C = TypeVar("C")


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
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(item for item in value if item is not None)
    return value


def _none_as(empty: Any) -> BeforeValidator:
    def validate(value: Any) -> Any:
        return empty if value is None else value

    return BeforeValidator(validate)


# DigitalOcean sends null or nothing for an empty list; both read as (), and null items
# in a list are skipped. Null text reads as "" and a null counter as 0.
Many = Annotated[tuple[T, ...], BeforeValidator(_none_is_empty)]
Text = Annotated[str, _none_as("")]
Count = Annotated[int, _none_as(0)]


class StepReason(_Model):
    code: Text = ""
    message: Text = ""


class Step(_Model):
    name: Text = ""
    status: StepStatus = StepStatus.UNKNOWN
    steps: Many[Step] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    reason: StepReason | None = None
    component_name: Text = ""
    message_base: Text = ""

    @field_validator("status", mode="before")
    @classmethod
    def _known_status(cls, value: Any) -> Any:
        return _enum_or_unknown(StepStatus, value)

    @field_validator("started_at", "ended_at", mode="before")
    @classmethod
    def _set_times(cls, value: Any) -> Any:
        return _unset_as_none(value)


# Levels of the step tree kept as they are. DigitalOcean's trees have about four; pydantic
# refuses nesting past ~255 levels and a recursive walk past ~1000 exhausts the stack,
# so a deeper (malformed) tree is folded up before validation rather than refused.
STEP_DEPTH = 32
# Names kept when a step below STEP_DEPTH is named by its path: enough to tell it apart.
_FOLDED_NAMES = 3


def bounded_steps(steps: Any, depth: int = 1) -> Any:
    """Raw ``steps`` with every step below ``STEP_DEPTH`` levels moved up, flat and in
    order, under its ancestor at that level, named by its last few path names.

    No step is lost (a failure deep down still shows with its reason), and a step at
    most three levels below the fold keeps the key ``progress.flatten`` would give it
    (duplicate sibling names aside), so the stored statuses stay comparable.
    The recursion here is bounded by ``STEP_DEPTH``; below it ``_folded`` uses a stack.
    """
    if not isinstance(steps, list | tuple):
        return steps
    bounded = []
    for step in steps:
        children = step.get("steps") if isinstance(step, dict) else None
        if not children:
            bounded.append(step)
        elif depth < STEP_DEPTH:
            bounded.append({**step, "steps": bounded_steps(children, depth + 1)})
        else:
            bounded.append({**step, "steps": _folded(children)})
    return bounded


_END = object()


def walk_tree(
    roots: Iterable[N], context: C, visit: Callable[[N, C], tuple[Iterable[N], C]]
) -> None:
    """Visit every node of a tree, parents first, in order: ``visit(node, context)`` gets
    the context its siblings share and returns the node's children and theirs.

    An explicit stack of sibling iterators, not recursion: DigitalOcean's trees are a few
    levels deep, but a malformed deep one must not exhaust Python's stack."""
    stack: list[tuple[Iterator[N], C]] = [(iter(roots), context)]
    while stack:
        siblings, shared = stack[-1]
        node = next(siblings, _END)
        if node is _END:
            stack.pop()
            continue
        children, inner = visit(cast(N, node), shared)
        stack.append((iter(children), inner))


# The last names of the path above a group of raw siblings, and their depth below the fold.
_Above = tuple[tuple[str, ...], int]


def _folded(steps: Any) -> list[Any]:
    """Every step of a raw subtree, parents first, without children, named by its path."""
    folded: list[Any] = []

    def fold(step: Any, above: _Above) -> tuple[Iterable[Any], _Above]:
        parents, depth = above
        if not isinstance(step, dict):
            folded.append(step)
            return (), above
        tail = (*parents[1 - _FOLDED_NAMES :], str(step.get("name") or "step"))
        name = "/".join(tail) if depth <= _FOLDED_NAMES else "…/" + "/".join(tail)
        folded.append({**step, "name": name, "steps": ()})
        return _listed(step.get("steps")), (tail, depth + 1)

    top: _Above = ((), 1)
    walk_tree(_listed(steps), top, fold)
    return folded


def _listed(value: Any) -> list[Any] | tuple[Any, ...]:
    return value if isinstance(value, list | tuple) else ()


class Progress(_Model):
    pending_steps: Count = 0
    running_steps: Count = 0
    success_steps: Count = 0
    error_steps: Count = 0
    total_steps: Count = 0
    steps: Many[Step] = ()

    @field_validator("steps", mode="before")
    @classmethod
    def _bounded_depth(cls, value: Any) -> Any:
        return bounded_steps(value)


class ComponentSource(_Model):
    name: Text = ""
    source_commit_hash: Text = ""


class Deployment(_Model):
    id: str
    cause: Text = ""
    cause_details: CauseDetails | None = None
    phase: Phase = Phase.UNKNOWN
    progress: Progress = Field(default_factory=Progress)
    services: Many[ComponentSource] = ()
    workers: Many[ComponentSource] = ()
    jobs: Many[ComponentSource] = ()
    static_sites: Many[ComponentSource] = ()
    functions: Many[ComponentSource] = ()
    spec: AppSpec | None = None  # apps_deployment.yml: the spec it was built from
    cloned_from: Text = ""
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
        for group in (self.services, self.workers, self.jobs, self.static_sites, self.functions):
            for component in group:
                if component.source_commit_hash:
                    return component.source_commit_hash[:7]
        return ""


def _followable(value: Any) -> Any:
    # `{}` is how DigitalOcean says "none"; and a deployment without an id cannot be
    # followed, compared or rolled back to, so it counts as none too.
    if isinstance(value, dict) and not value.get("id"):
        return None
    return value


# A deployment named by an app (live, in progress, pending, pinned).
AppDeployment = Annotated[Deployment | None, BeforeValidator(_followable)]


class App(_Model):
    id: str
    spec: Annotated[AppSpec, _none_as({})] = Field(default_factory=AppSpec)
    live_url: Text = ""
    active_deployment: AppDeployment = None
    in_progress_deployment: AppDeployment = None
    pending_deployment: AppDeployment = None
    pinned_deployment: AppDeployment = None

    @property
    def name(self) -> str:
        return self.spec.name or self.id


class RollbackCondition(_Model):
    code: Text = ""
    message: Text = ""
    components: Many[str] = ()


class RollbackValidation(_Model):
    valid: Annotated[bool, _none_as(False)] = False
    error: RollbackCondition | None = None
    warnings: Many[RollbackCondition] = ()
