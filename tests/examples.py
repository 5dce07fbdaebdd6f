"""DigitalOcean's own example payloads (see data/README.md), as parsed models."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bot.digitalocean.models import App, Deployment

_RAW: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "do_examples.json").read_text())


def raw(name: str) -> dict[str, Any]:
    return copy.deepcopy(_RAW[name])


def example_deployment() -> Deployment:
    return Deployment.model_validate(raw("deployment")["deployment"])


def example_app() -> App:
    return App.model_validate(raw("app")["app"])


def with_statuses(statuses: dict[str, str], *, phase: str = "BUILDING") -> Deployment:
    """The example deployment with the given steps ("build/components/web") set."""
    body = raw("deployment")["deployment"]
    body["phase"] = phase

    def visit(steps: list[dict[str, Any]], parents: tuple[str, ...]) -> None:
        for step in steps:
            path = "/".join((*parents, step["name"]))
            if path in statuses:
                step["status"] = statuses[path]
            visit(step.get("steps", []), (*parents, step["name"]))

    visit(body["progress"]["steps"], ())
    return Deployment.model_validate(body)
