"""DigitalOcean's per-token request window and its `ratelimit-*` headers."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """Sliding window: each request counts for 60 s on its own timer (no fixed reset).

    The real API also has an hourly budget (5000); the per-minute burst is what a
    chatty poller hits first, so only that one is modelled.
    """

    def __init__(self, limit: int, *, enforce: bool, clock: Callable[[], float]) -> None:
        if limit < 1:
            raise ValueError("rate limit must be >= 1")
        self.limit = limit
        self.enforce = enforce
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: deque[float] = deque()

    def hit(self, *, count: bool = True) -> RateDecision:
        """Account for one request and return the headers to send with its answer."""
        with self._lock:
            now = self._prune()
            if self.enforce and len(self._hits) >= self.limit:
                headers = self._headers(now)
                headers["retry-after"] = str(
                    max(1, math.ceil(self._hits[0] + WINDOW_SECONDS - now))
                )
                return RateDecision(False, headers)
            if count:
                self._hits.append(now)
            return RateDecision(True, self._headers(now))

    def peek_headers(self) -> dict[str, str]:
        with self._lock:
            return self._headers(self._prune())

    def _prune(self) -> float:
        now = self._clock()
        while self._hits and self._hits[0] <= now - WINDOW_SECONDS:
            self._hits.popleft()
        return now

    def _headers(self, now: float) -> dict[str, str]:
        oldest = self._hits[0] if self._hits else now
        return {
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(max(0, self.limit - len(self._hits))),
            "ratelimit-reset": str(math.ceil(oldest + WINDOW_SECONDS)),
        }
