"""What the tests of the deployment files share: where the files are, the secrets every
deployment passes, reading YAML, changing one item of a document, and reading a
Dockerfile's instructions."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
CHART = DEPLOY / "helm" / "rollback-bot"
HELM_EXAMPLES = DEPLOY / "helm" / "examples"
K8S_VERSION = "1.33.0"  # the Kubernetes API the manifests are checked against
DATA = Path(__file__).resolve().parent / "data"
SECRET_KEYS = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DIGITALOCEAN_TOKEN", "REDIS_URL"}
DELETE = object()


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def changed(doc: Any, path: tuple[str | int, ...], value: object) -> Any:
    """A deep copy of `doc` with the item at `path` replaced (or deleted)."""
    doc = copy.deepcopy(doc)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]
