"""One tree of errors: every exception class of production code derives from ``BotError``,
lives in ``bot.errors``, and is drawn where it sits in that module's docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import bot
import bot.errors
from bot.errors import BotError

_NODE = re.compile(r"^(?P<indent> *)[*+\-x·] (?P<name>\w+)$")


def _errors_module_classes() -> dict[str, type[BaseException]]:
    return {
        name: cls
        for name, cls in vars(bot.errors).items()
        if inspect.isclass(cls)
        and issubclass(cls, BaseException)
        and cls.__module__ == bot.errors.__name__
    }


def _drawn_tree() -> dict[str, str | None]:
    """Each class drawn in the docstring, with its parent as drawn (by indentation)."""
    parents: dict[str, str | None] = {}
    path: list[tuple[int, str]] = []
    for line in (bot.errors.__doc__ or "").splitlines():
        node = _NODE.match(line)
        if node is None:
            continue
        depth = len(node["indent"])
        while path and path[-1][0] >= depth:
            path.pop()
        parents[node["name"]] = path[-1][1] if path else None
        path.append((depth, node["name"]))
    return parents


def test_every_exception_in_bot_errors_derives_from_bot_error() -> None:
    classes = _errors_module_classes()
    assert "BotError" in classes
    assert [name for name, cls in classes.items() if not issubclass(cls, BotError)] == []


def test_the_docstring_draws_every_class_under_its_own_parent() -> None:
    classes = _errors_module_classes()
    drawn = _drawn_tree()
    assert set(drawn) == set(classes)
    for name, cls in classes.items():
        parent = cls.__bases__[0]
        assert drawn[name] == (None if cls is BotError else parent.__name__), name


def test_production_code_defines_exceptions_only_in_bot_errors() -> None:
    # The sandbox stands in for the outside services and keeps its own errors.
    elsewhere = []
    for info in pkgutil.walk_packages(bot.__path__, prefix="bot."):
        if info.name.startswith("bot.sandbox") or info.name in {"bot.errors", "bot.__main__"}:
            continue
        module = importlib.import_module(info.name)
        elsewhere += [
            f"{info.name}.{name}"
            for name, cls in vars(module).items()
            if inspect.isclass(cls)
            and issubclass(cls, BaseException)
            and cls.__module__ == info.name
        ]
    assert elsewhere == []


def test_every_error_carries_its_sentence() -> None:
    error = bot.errors.ListenError("Port 3000 is already in use; choose another with --port.")
    assert error.user_message == str(error)
