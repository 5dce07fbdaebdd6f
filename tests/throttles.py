"""Throttles for a DigitalOcean ``Transport`` under test, in place of the Redis budget."""

from __future__ import annotations

from collections.abc import Mapping


class PatientFor:
    """A throttle that never makes anyone wait for a place, with a given patience."""

    def __init__(self, patience: float) -> None:
        self.patience = patience

    async def acquire(self) -> float:
        return 0.0

    async def observe(self, status: int, headers: Mapping[str, str]) -> None:
        return None
