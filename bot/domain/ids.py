"""Ids: the shape of DigitalOcean's (apps and deployments are UUIDs), and the bot's own."""

from __future__ import annotations

import re

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def looks_like_id(text: str) -> bool:
    """Whether ``text`` is shaped like a DigitalOcean UUID (either case)."""
    return bool(UUID.match(text))


def settlement_id(deployment_id: str) -> str:
    """The id under which the one commit or revert of a pinned deployment is decided (the
    decision's key), carried by its buttons' block so a click names what it settles."""
    return f"settle:{deployment_id}"
