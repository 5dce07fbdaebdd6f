"""The shape of DigitalOcean's ids (apps and deployments are UUIDs)."""

from __future__ import annotations

import re

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def looks_like_id(text: str) -> bool:
    """Whether ``text`` is shaped like a DigitalOcean UUID (either case)."""
    return bool(UUID.match(text))
