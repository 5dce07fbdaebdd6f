"""The Helm chart rendered by Helm itself (``helm template`` through Helm's Go SDK), and
the bot's container in it."""

from __future__ import annotations

from typing import Any

import helm_python
import yaml

from tests.deploy_files import CHART


def render(values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The chart's manifests by kind (``helm template``); NOTES.txt under ``NOTES``."""
    with helm_python.Chart.load(CHART) as chart:
        files = chart.render(values or {}, name="rollback-bot", namespace="bots")
    found: dict[str, Any] = {}
    for path, text in files.items():
        if path.endswith("NOTES.txt"):
            found["NOTES"] = text
            continue
        for doc in yaml.safe_load_all(text):
            if doc is not None:
                assert doc["kind"] not in found, f"two {doc['kind']}s"
                found[doc["kind"]] = doc
    return found


def container(manifests: dict[str, Any]) -> Any:
    (bot,) = manifests["Deployment"]["spec"]["template"]["spec"]["containers"]
    return bot


def env(manifests: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(manifests)["env"]}
