"""DigitalOcean's step tree kept within bounds, and walked without recursion: a malformed
deep tree must neither be refused whole nor exhaust Python's stack. Read through
``bot.digitalocean.models``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar, cast

N = TypeVar("N")
C = TypeVar("C")

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
