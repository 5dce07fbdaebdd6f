"""Deployment progress: flatten the step tree and diff it against what was reported.

Pure functions over ``bot.digitalocean.models`` values; the watcher does the I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.digitalocean.models import Step, StepStatus, walk_tree

_QUIET = frozenset({StepStatus.PENDING, StepStatus.UNKNOWN})
# Labels with more parts than this are shortened (DigitalOcean's trees have about four).
_LABEL_PARTS = 7

# The path of names above a group of siblings, and how often each name came up among them.
_Siblings = tuple[tuple[str, ...], dict[str, int]]


@dataclass(frozen=True)
class FlatStep:
    """One node of the step tree, addressed by its path of names."""

    key: str
    label: str
    status: StepStatus
    detail: str
    reason: str


@dataclass(frozen=True)
class StepChange:
    label: str
    status: StepStatus
    detail: str


def flatten(steps: Iterable[Step]) -> list[FlatStep]:
    """Every step of the tree, parents before children, in DigitalOcean's order."""
    flat: list[FlatStep] = []

    def add(step: Step, siblings: _Siblings) -> tuple[Iterable[Step], _Siblings]:
        parents, seen = siblings
        name = step.name or "step"
        seen[name] = seen.get(name, 0) + 1
        # Sibling names are unique in practice; numbering keeps keys distinct if not.
        unique = name if seen[name] == 1 else f"{name}#{seen[name]}"
        path = (*parents, unique)
        flat.append(
            FlatStep(
                key="/".join(path),
                label=_label(path),
                status=step.status,
                detail=_detail(step),
                reason=step.reason.message if step.reason and step.reason.message else "",
            )
        )
        return step.steps, (path, {})

    top: _Siblings = ((), {})
    walk_tree(steps, top, add)
    return flat


def _label(path: tuple[str, ...]) -> str:
    # A reader needs where a step sits (the top) and what it is (the last few names);
    # a deep path keeps those and elides the middle, so a reply line stays readable.
    if len(path) > _LABEL_PARTS:
        path = (*path[:2], "…", *path[-4:])
    return " › ".join(path)


def _detail(step: Step) -> str:
    if step.message_base:
        return f"{step.message_base} {step.component_name}".strip()
    return ""


def statuses(steps: Iterable[Step]) -> dict[str, str]:
    return {flat.key: flat.status.value for flat in flatten(steps)}


def diff(previous: Mapping[str, str], steps: Iterable[Step]) -> list[StepChange]:
    """The steps whose status differs from ``previous``.

    A step seen for the first time is reported only once it has started, so the initial
    all-PENDING tree makes no noise.
    """
    changes = []
    for flat in flatten(steps):
        before = previous.get(flat.key)
        if before == flat.status.value:
            continue
        if before is None and flat.status in _QUIET:
            continue
        detail = flat.reason if flat.status == StepStatus.ERROR and flat.reason else flat.detail
        changes.append(StepChange(label=flat.label, status=flat.status, detail=detail))
    return changes


def failed_steps(steps: Iterable[Step]) -> list[FlatStep]:
    """Steps in ERROR, deepest causes included, for the failure reply."""
    return [flat for flat in flatten(steps) if flat.status == StepStatus.ERROR]
