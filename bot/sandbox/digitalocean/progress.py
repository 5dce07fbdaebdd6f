"""The deployment step-tree script: what `progress` and `phase` look like at tick k.

Pure functions only. The world (state.py) decides *when* a deployment is at which
tick; this module decides what that tick looks like, so the same script drives
per-poll tests, the clock-driven demo and the pre-built history.

Timing rules (chosen so a poller sees every transition exactly once):
- leaves run one after another; a leaf is RUNNING for one tick, then SUCCESS;
- inside one top-level step the next leaf starts on the tick the previous ends;
- a new top-level step starts one tick *after* the previous one ended, which gives
  the real API's PENDING_DEPLOY gap between BUILDING and DEPLOYING.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

# The API's "unset" timestamp (research notes, pitfall 7).
ZERO_TIME = "0001-01-01T00:00:00Z"

PENDING = "PENDING"
RUNNING = "RUNNING"
SUCCESS = "SUCCESS"
ERROR = "ERROR"

# Phases a deployment passes through while a top-level step is waiting / running.
# Unknown top-level names fall back to the deploy pair.
_TOP_LEVEL_PHASES = {
    "build": ("PENDING_BUILD", "BUILDING"),
    "deploy": ("PENDING_DEPLOY", "DEPLOYING"),
}
_FALLBACK_PHASES = _TOP_LEVEL_PHASES["deploy"]


@dataclass(frozen=True)
class StepTemplate:
    """One node of the step tree; leaves are the units that actually run."""

    name: str
    steps: tuple[StepTemplate, ...] = ()
    component_name: str | None = None
    message_base: str | None = None


def _component_steps(component: str) -> tuple[StepTemplate, ...]:
    # Mirrors responses/examples.yml key `deployment` of the official spec.
    return (
        StepTemplate(
            "build",
            (
                StepTemplate("initialize"),
                StepTemplate(
                    "components",
                    (StepTemplate(component, (), component, "Building service"),),
                ),
            ),
        ),
        StepTemplate(
            "deploy",
            (
                StepTemplate("initialize"),
                StepTemplate(
                    "components",
                    (
                        StepTemplate(
                            component,
                            (
                                StepTemplate("deploy", (), component, "Deploying service"),
                                StepTemplate("wait", (), component, "Waiting for service"),
                            ),
                            component,
                        ),
                    ),
                ),
                StepTemplate("finalize"),
            ),
        ),
    )


DEFAULT_TEMPLATE: tuple[StepTemplate, ...] = _component_steps("web")


@dataclass(frozen=True)
class StepFailure:
    """Make the leaf at `path` (e.g. "build/components/web") end in ERROR with a reason."""

    path: str
    code: str
    message: str


# A realistic build failure, used by sample apps and failed history deployments.
BUILD_FAILURE = StepFailure(
    "build/components/web",
    "BuildJobFailed",
    "Build failed: exit status 1 — go: cannot find module providing package example.com/missing",
)


@dataclass(frozen=True)
class _Leaf:
    path: str
    top: int
    start: int
    end: int


@dataclass(frozen=True)
class ProgressScript:
    """A step tree plus an optional failure point; hashable so schedules can be cached."""

    template: tuple[StepTemplate, ...] = DEFAULT_TEMPLATE
    failure: StepFailure | None = None
    _leaves: tuple[_Leaf, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        leaves = _schedule(self.template)
        if self.failure is not None and self.failure.path not in {x.path for x in leaves}:
            raise ValueError(f"failure path {self.failure.path!r} is not a leaf step")
        object.__setattr__(self, "_leaves", leaves)

    @property
    def leaf_paths(self) -> tuple[str, ...]:
        return tuple(leaf.path for leaf in self._leaves)

    @property
    def terminal_tick(self) -> int:
        """First tick at which the deployment is ACTIVE (or ERROR for a failure script)."""
        return _failed_leaf(self).end if self.failure else self._leaves[-1].end

    def phase_at(self, tick: int) -> str:
        return _phase(self, min(max(tick, 0), self.terminal_tick))

    def phase_changed_at(self, tick: int) -> int:
        """The tick at which the phase shown at `tick` was entered."""
        tick = min(max(tick, 0), self.terminal_tick)
        phase = self.phase_at(tick)
        while tick > 0 and self.phase_at(tick - 1) == phase:
            tick -= 1
        return tick

    def render(self, tick: int, tick_time: Callable[[int], datetime]) -> dict[str, object]:
        """The `progress` object at `tick`; ticks past the end render the final state."""
        tick = min(max(tick, 0), self.terminal_tick)
        status = _leaf_statuses(self, tick)
        renderer = _Renderer(status, {x.path: x for x in self._leaves}, tick_time, self.failure)
        steps = [renderer.step(node, node.name) for node in self.template]
        counts = {
            "pending_steps": sum(s == PENDING for s in status.values()),
            "running_steps": sum(s == RUNNING for s in status.values()),
            "success_steps": sum(s == SUCCESS for s in status.values()),
            "error_steps": sum(s == ERROR for s in status.values()),
            "total_steps": len(status),
        }
        # The real API omits zero-valued counters (pitfall 6), so clients must default them.
        progress: dict[str, object] = {k: v for k, v in counts.items() if v}
        progress["steps"] = steps
        return progress


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iter_steps(steps: object, prefix: str = "") -> Iterator[tuple[str, Mapping[str, object]]]:
    """Walk a rendered step list depth-first, yielding ("build/components/web", step)."""
    if not isinstance(steps, list):
        return
    for step in steps:
        if isinstance(step, Mapping):
            path = f"{prefix}{step['name']}"
            yield path, step
            yield from iter_steps(step.get("steps"), f"{path}/")


def step_statuses(progress: Mapping[str, object]) -> dict[str, str]:
    """Flatten a rendered progress object to {path: status}, parents included."""
    return {path: str(step["status"]) for path, step in iter_steps(progress.get("steps"))}


def _walk_leaves(node: StepTemplate, path: str) -> Iterator[str]:
    if not node.steps:
        yield path
    for child in node.steps:
        yield from _walk_leaves(child, f"{path}/{child.name}")


@lru_cache(maxsize=64)
def _schedule(template: tuple[StepTemplate, ...]) -> tuple[_Leaf, ...]:
    if not template:
        raise ValueError("a step template needs at least one step")
    leaves: list[_Leaf] = []
    tick = 0
    for top, node in enumerate(template):
        tick += 1  # the gap before each top-level step is where PENDING_* phases live
        for path in _walk_leaves(node, node.name):
            leaves.append(_Leaf(path, top, tick, tick + 1))
            tick += 1
    return tuple(leaves)


def _failed_leaf(script: ProgressScript) -> _Leaf:
    assert script.failure is not None
    return next(x for x in script._leaves if x.path == script.failure.path)


def _leaf_statuses(script: ProgressScript, tick: int) -> dict[str, str]:
    failed = _failed_leaf(script) if script.failure else None
    status: dict[str, str] = {}
    for leaf in script._leaves:
        if failed is not None and leaf.start > failed.start:
            status[leaf.path] = PENDING  # nothing runs after the failure
        elif tick < leaf.start:
            status[leaf.path] = PENDING
        elif tick < leaf.end:
            status[leaf.path] = RUNNING
        else:
            status[leaf.path] = ERROR if leaf is failed else SUCCESS
    return status


def _combine(children: list[str]) -> str:
    if ERROR in children:
        return ERROR
    if all(s == SUCCESS for s in children):
        return SUCCESS
    if all(s == PENDING for s in children):
        return PENDING
    return RUNNING


@dataclass(frozen=True)
class _Renderer:
    status: Mapping[str, str]
    leaves: Mapping[str, _Leaf]
    tick_time: Callable[[int], datetime]
    failure: StepFailure | None

    def step(self, node: StepTemplate, path: str) -> dict[str, object]:
        out: dict[str, object] = {"name": node.name}
        if node.steps:
            children = [self.step(c, f"{path}/{c.name}") for c in node.steps]
            state = _combine([str(c["status"]) for c in children])
            out["status"] = state
            out["steps"] = children
            started = [c["started_at"] for c in children if "started_at" in c]
            ended = [c["ended_at"] for c in children if c.get("ended_at", ZERO_TIME) != ZERO_TIME]
            if started:
                out["started_at"] = started[0]
                # A finished parent ends with its last finished child (the failed one on ERROR).
                out["ended_at"] = ended[-1] if state in (SUCCESS, ERROR) else ZERO_TIME
        else:
            leaf, state = self.leaves[path], self.status[path]
            out["status"] = state
            if state != PENDING:
                out["started_at"] = format_time(self.tick_time(leaf.start))
                out["ended_at"] = (
                    ZERO_TIME if state == RUNNING else format_time(self.tick_time(leaf.end))
                )
            if state == ERROR and self.failure is not None:
                out["reason"] = {"code": self.failure.code, "message": self.failure.message}
        if node.component_name is not None:
            out["component_name"] = node.component_name
        if node.message_base is not None:
            out["message_base"] = node.message_base
        return out


def _phase(script: ProgressScript, tick: int) -> str:
    if tick >= script.terminal_tick:
        return "ERROR" if script.failure else "ACTIVE"
    status = _leaf_statuses(script, tick)
    for top, node in enumerate(script.template):
        states = [status[x.path] for x in script._leaves if x.top == top]
        waiting, running = _TOP_LEVEL_PHASES.get(node.name, _FALLBACK_PHASES)
        if all(s == SUCCESS for s in states):
            continue
        return waiting if all(s == PENDING for s in states) else running
    return "ACTIVE"  # unreachable: all leaves succeed only at the terminal tick
