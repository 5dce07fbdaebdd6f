"""DigitalOcean's two per-token request windows and their ``ratelimit-*`` headers.

Modelled on the API reference (``specification/description.yml``, "Rate Limit"):

* "5,000 requests per hour; 250 requests per minute (5% of the hourly total)".
* "each request instead has its own timer… each request contributes toward the
  `ratelimit-remaining` count for one complete hour after the request is made": both
  windows slide; nothing resets on the hour.
* "ratelimit-limit: The number of requests that can be made per hour",
  "ratelimit-remaining: The number of requests that remain before you hit your request
  limit", "ratelimit-reset: … the time when the _oldest_ request will expire" — so the
  headers speak of the *hour*, and the reset is often about an hour away.
* "If the `ratelimit-remaining` reaches zero, subsequent requests will receive a 429
  error code until the request reset has been reached" (the hourly limit: no
  ``retry-after``).
* "`ratelimit-remaining` reaching zero can also indicate that the 'burst limit' of 250
  requests per minute limit was met, even if the 5,000 requests per hour limit was not.
  In this case, the 429 error response will include a `retry-after` header" — and the
  sample burst answer shows ``ratelimit-remaining: 0`` with ``retry-after: 29``.

A refused request is not counted (it did nothing).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

MINUTE = 60.0
HOUR = 3600.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    def __init__(
        self,
        per_minute: int = 250,
        *,
        per_hour: int = 5000,
        enforce: bool = True,
        clock: Callable[[], float],
    ) -> None:
        if per_minute < 1 or per_hour < 1:
            raise ValueError("rate limits must be >= 1")
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.enforce = enforce
        self._clock = clock
        self._lock = threading.Lock()
        self._hour: deque[float] = deque()  # every counted request of the last hour
        self._minute: deque[float] = deque()  # … and of the last minute

    @property
    def limit(self) -> int:
        """What ``ratelimit-limit`` says: the hourly limit."""
        return self.per_hour

    def hit(self, *, count: bool = True) -> RateDecision:
        """Account for one request and return the headers to send with its answer."""
        with self._lock:
            now = self._prune()
            if self.enforce and len(self._minute) >= self.per_minute:
                headers = self._headers(now, remaining=0)
                wait = self._minute[0] + MINUTE - now
                headers["retry-after"] = str(max(1, math.ceil(wait)))
                return RateDecision(False, headers)
            if self.enforce and len(self._hour) >= self.per_hour:
                return RateDecision(False, self._headers(now, remaining=0))
            if count:
                self._hour.append(now)
                self._minute.append(now)
            return RateDecision(True, self._headers(now))

    def peek_headers(self) -> dict[str, str]:
        with self._lock:
            return self._headers(self._prune())

    def used(self) -> tuple[int, int]:
        """Requests counted in the last minute and the last hour."""
        with self._lock:
            self._prune()
            return len(self._minute), len(self._hour)

    def _prune(self) -> float:
        now = self._clock()
        for window, span in ((self._hour, HOUR), (self._minute, MINUTE)):
            while window and window[0] <= now - span:
                window.popleft()
        return now

    def _headers(self, now: float, *, remaining: int | None = None) -> dict[str, str]:
        oldest = self._hour[0] if self._hour else now
        left = max(0, self.per_hour - len(self._hour)) if remaining is None else remaining
        return {
            "ratelimit-limit": str(self.per_hour),
            "ratelimit-remaining": str(left),
            "ratelimit-reset": str(math.ceil(oldest + HOUR)),
        }
