"""The ``/rollback`` slash-command grammar (pure: text in, command out).

| text                        | command              |
| ``<app> [<deployment-id>]`` | ``Propose``          |
| ``status [<app>]``          | ``Status``           |
| ``history <app>``           | ``History``          |
| ``commit <app>``            | ``Commit``           |
| ``revert <app>``            | ``Revert``           |
| ``audit [<app>]``           | ``Audit``            |
| ``policy <app>``            | ``Policy``           |
| ``help``                    | ``Help``             |
| empty                       | ``Form`` (the modal) |

Anything else is ``Help`` with a ``problem`` sentence saying what was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.ids import looks_like_id

_APP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
_MAX_SHOWN = 40


@dataclass(frozen=True)
class Propose:
    app: str
    deployment_id: str | None = None


@dataclass(frozen=True)
class Status:
    app: str | None = None


@dataclass(frozen=True)
class Audit:
    app: str | None = None


@dataclass(frozen=True)
class History:
    app: str


@dataclass(frozen=True)
class Commit:
    app: str


@dataclass(frozen=True)
class Revert:
    app: str


@dataclass(frozen=True)
class Policy:
    """The approval rule in force for an app."""

    app: str


@dataclass(frozen=True)
class Form:
    """Open the rollback modal (app, target, reason, incident link)."""


@dataclass(frozen=True)
class Help:
    problem: str = ""


Command = Propose | Status | Audit | History | Commit | Revert | Policy | Form | Help

_AppCommand = (
    type[Status] | type[Audit] | type[History] | type[Commit] | type[Revert] | type[Policy]
)
_ONE_APP: dict[str, _AppCommand] = {
    "history": History,
    "commit": Commit,
    "revert": Revert,
    "policy": Policy,
}


def parse(text: str) -> Command:
    words = text.split()
    if not words:
        return Form()
    if len(words) == 1 and words[0].lower() in {"help", "-h", "--help"}:
        return Help()
    verb = words[0].lower()
    if verb == "help":
        return Help(f"`help` takes no arguments, but got `{_shown(' '.join(words[1:]))}`.")
    if verb in {"status", "audit"}:
        kind: type[Status] | type[Audit] = Status if verb == "status" else Audit
        if len(words) > 2:
            return Help(f"`{verb}` takes at most one app name.")
        if len(words) == 2:
            return _with_app(words[1], kind)
        return kind()
    if verb in _ONE_APP:
        if len(words) != 2:
            return Help(f"`{verb}` takes exactly one app name, e.g. `{verb} sample-golang`.")
        return _with_app(words[1], _ONE_APP[verb])
    if len(words) > 2:
        return Help(
            f"Too many words: expected `<app> [<deployment-id>]`, got `{_shown(text.strip())}`."
        )
    app_problem = _app_problem(words[0])
    if app_problem:
        return Help(app_problem)
    if len(words) == 2:
        if not looks_like_id(words[1]):
            return Help(
                f"`{_shown(words[1])}` is not a deployment id; ids look like "
                "`3aa4d20e-5527-4c00-b496-601fbd22520a` (see `/rollback history <app>`)."
            )
        return Propose(words[0], words[1].lower())
    return Propose(words[0])


def _with_app(word: str, kind: _AppCommand) -> Command:
    problem = _app_problem(word)
    return Help(problem) if problem else kind(word)


def _app_problem(word: str) -> str:
    if _APP.match(word) or looks_like_id(word):
        return ""
    return (
        f"`{_shown(word)}` is not an app name: app names are letters, digits and dashes, "
        "like `sample-golang`."
    )


def _shown(text: str) -> str:
    # Echo user text back safely: no backticks to break formatting, and bounded length.
    cleaned = text.replace("`", "'")
    return cleaned if len(cleaned) <= _MAX_SHOWN else cleaned[: _MAX_SHOWN - 1] + "…"
