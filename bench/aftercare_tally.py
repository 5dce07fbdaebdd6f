"""Section 7's tally: the bot's DigitalOcean calls by endpoint from the simulator's tap,
the busiest minute, and how long rollbacks were followed (looks every poll interval)."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import redis

from bench.tap import Hit, max_in_window
from bench.watch_tally import looks
from bot.store import keys

LIST = "GET /v2/apps (list pages)"
HEALTH = "GET app health"
LOGS = "GET component logs"
COMMANDS = (
    "GET app", "GET deployments (list)", "GET deployment", "POST rollback/validate",
    "POST rollback", "POST rollback/commit", "POST rollback/revert",
)  # fmt: skip
"""What people's commands (and the bad deploy's card) call: reading an app, its
deployments, validating, creating, committing and reverting."""
_APP = r"/v2/apps/[^/]+"
_DEP = _APP + r"/deployments/[^/]+"
# (name, method, path) in the order a path is tried; the first full match names it.
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    (LIST, "GET", r"/v2/apps"),
    ("GET app", "GET", _APP),
    (HEALTH, "GET", _APP + r"/health"),
    ("GET deployments (list)", "GET", _APP + r"/deployments"),
    ("GET deployment", "GET", _DEP),
    (LOGS, "GET", _DEP + r"/components/[^/]+/logs"),
    ("POST rollback/validate", "POST", _APP + r"/rollback/validate"),
    ("POST rollback", "POST", _APP + r"/rollback"),
    ("POST rollback/commit", "POST", _APP + r"/rollback/commit"),
    ("POST rollback/revert", "POST", _APP + r"/rollback/revert"),
)
ARCHIVE = "GET archived log file (pre-signed, not the API)"
OTHER = "other"


def endpoint(hit: Hit) -> str:
    if hit.path.startswith("/logs/"):
        return ARCHIVE
    for name, method, path in ENDPOINTS:
        if hit.method == method and re.fullmatch(path, hit.path):
            return name
    return OTHER


@dataclass
class Tally:
    """What the bot asked of DigitalOcean during the hour."""

    by_endpoint: Counter[str] = field(default_factory=Counter)
    api_calls: int = 0  # everything but the archived log files
    busiest_minute: int = 0
    busiest_minute_at: float = 0.0  # simulated minutes into the hour
    too_many: int = 0  # 429 answers
    looks: int = 0  # first pages of GET /v2/apps
    health_by_app: Counter[str] = field(default_factory=Counter)  # app id → health reads


def tally(hits: Sequence[Hit], *, began: float, ended: float, window: float) -> Tally:
    """``hits`` between ``began`` and ``ended`` (real seconds); a minute is ``window`` s."""
    during = [h for h in hits if began <= h.start <= ended]
    out = Tally(by_endpoint=Counter(endpoint(h) for h in during))
    api = sorted(h.start for h in during if endpoint(h) != ARCHIVE)
    out.api_calls = len(api)
    out.busiest_minute = max_in_window(api, window)
    out.busiest_minute_at = _busiest_at(api, window) / window
    out.too_many = sum(h.status == 429 for h in during)
    out.looks = len(looks(during))
    out.health_by_app = Counter(h.path.split("/")[3] for h in during if endpoint(h) == HEALTH)
    return out


def _busiest_at(times: list[float], window: float) -> float:
    """Seconds from the first call to the start of the busiest window."""
    best, best_at, lo = 0, 0.0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window:
            lo += 1
        if hi - lo + 1 > best:
            best, best_at = hi - lo + 1, times[lo]
    return best_at - times[0] if times else 0.0


class Following:
    """Samples, in a thread, whether any watch is followed (the looker then looks every
    poll interval instead of every fleet interval): the real seconds it was."""

    def __init__(self, client: redis.Redis, *, every: float = 0.02) -> None:
        self._client, self._every = client, every
        self._stop = threading.Event()
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._run, name="following", daemon=True)

    def __enter__(self) -> Following:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self._every):
            now = time.monotonic()
            if int(self._client.scard(keys.ACTIVE_WATCHES)) > 0:
                self.seconds += now - last
            last = now
