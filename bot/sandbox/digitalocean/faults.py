"""Fault injection: make the next N matching requests fail (or stall) on purpose."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

# `status` value meaning "drop the connection instead of answering".
DROP_CONNECTION = 0


@dataclass
class Fault:
    method: str  # upper-case, or "*" for any method
    pattern: re.Pattern[str]
    status: int | None  # None: answer normally, after `delay`
    remaining: int | None  # None: forever
    retry_after: int | None
    body: object | None
    delay: float
    after_effect: bool = False  # do the work, then fail: the answer is lost, not the request

    def __post_init__(self) -> None:
        if self.remaining is not None and self.remaining < 1:
            raise ValueError("times must be >= 1 (or None for every request)")

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and self.pattern.fullmatch(path) is not None


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the oldest matching fault, if any (first registered wins)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method.upper(), path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> int:
        """How many faults still have uses left."""
        with self._lock:
            return len(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
