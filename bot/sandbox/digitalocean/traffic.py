"""Request-level controls of the simulator: token, latency, rate limit, injected
faults and the journal. The world (state.py) inherits these so tests can say
`sim.inject(...)` and `sim.requests` on the one object they hold."""

from __future__ import annotations

import hmac
import re
from collections import Counter
from collections.abc import Callable

from .faults import Fault, FaultInjector
from .journal import Journal, RecordedRequest
from .ratelimit import RateLimiter


class TrafficControls:
    def __init__(
        self,
        *,
        token: str,
        rate_limit_per_minute: int,
        rate_limit_per_hour: int,
        enforce_rate_limit: bool,
        clock: Callable[[], float],
    ) -> None:
        self._token = token  # only ever compared, never logged, journaled or echoed
        self.clock = clock
        self.latency = 0.0  # seconds added to every request, to play a slow DigitalOcean
        self.journal = Journal()
        self.faults = FaultInjector()
        self.rate_limiter = RateLimiter(
            rate_limit_per_minute,
            per_hour=rate_limit_per_hour,
            enforce=enforce_rate_limit,
            clock=clock,
        )

    def check_token(self, authorization: str | None) -> bool:
        """True when the Authorization header is `Bearer <the token>`."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        return hmac.compare_digest(token.strip().encode(), self._token.encode())

    def inject(
        self,
        method: str,
        path_regex: str,
        *,
        status: int | None,
        times: int | None = 1,
        retry_after: int | None = None,
        body: object | None = None,
        delay: float = 0.0,
        after_effect: bool = False,
    ) -> None:
        """Make the next `times` requests whose path fully matches `path_regex` answer
        `status` with a DigitalOcean error body (or `body`). Status 0 drops the
        connection; None answers normally, only after `delay`. `times=None`: forever.
        With `after_effect`, the request is carried out first and only its answer is
        replaced: the failure a client cannot tell from one that did nothing."""
        fault = Fault(
            method.upper(), re.compile(path_regex), status=status, remaining=times,
            retry_after=retry_after, body=body, delay=delay, after_effect=after_effect,
        )  # fmt: skip
        self.faults.add(fault)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.journal.entries()

    def count(self, method: str, path_regex: str) -> int:
        """How many recorded requests used `method` on a path fully matching the regex."""
        return self.journal.count(method, path_regex)

    def calls_by_endpoint(self) -> Counter[str]:
        """Recorded requests tallied by endpoint template, e.g. `{"GET /v2/apps": 3,
        "GET /v2/apps/{id}/deployments/{id}": 1, "POST /v2/apps/{id}/rollback": 1}`:
        every answered request counts, whatever its status (dropped connections too)."""
        return self.journal.by_endpoint()
