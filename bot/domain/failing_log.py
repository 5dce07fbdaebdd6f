"""Which log tells why a deployment failed (pure): the failing component and the log type.

DigitalOcean's step tree names its components under ``build › components › <name>`` and
``deploy › components › <name>`` (responses/examples.yml ``deployment``); a failure
there is read in that component's BUILD or DEPLOY log (apps_get_logs.yml ``type``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.progress import FlatStep

_TYPES = {"build": "BUILD", "deploy": "DEPLOY"}


@dataclass(frozen=True)
class LogSource:
    component: str
    log_type: str
    """``BUILD`` or ``DEPLOY``."""


def log_source(failed: Iterable[FlatStep]) -> LogSource | None:
    """The log of the first failed step under a component, or None when no failed step
    names one (``deploy › finalize`` failing, say)."""
    for step in failed:
        parts = step.key.split("/")
        if len(parts) >= 3 and parts[0] in _TYPES and parts[1] == "components":
            # flatten numbers a repeated sibling name ("web#2"); the component is "web".
            component = parts[2].split("#", 1)[0]
            if component:
                return LogSource(component=component, log_type=_TYPES[parts[0]])
    return None
