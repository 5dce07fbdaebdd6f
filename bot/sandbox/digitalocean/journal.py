"""The request journal: what the client under test actually sent, for assertions."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

# The collections whose next path segment is an id: /v2/apps/{id}/deployments/{id}.
_ID_AFTER = frozenset({"apps", "deployments"})


def endpoint_of(method: str, path: str) -> str:
    """ "GET /v2/apps/{id}/deployments/{id}" for a GET of one deployment: the route a
    request took, with its ids replaced, so calls can be tallied per endpoint."""
    parts = path.rstrip("/").split("/")
    template = [
        "{id}" if i > 0 and parts[i - 1] in _ID_AFTER and part else part
        for i, part in enumerate(parts)
    ]
    return f"{method.upper()} {'/'.join(template)}"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the simulator saw it. Headers are deliberately not kept (tokens)."""

    method: str
    path: str
    query: dict[str, list[str]]
    json: object | None
    authorized: bool
    status: int  # 0 when the connection was dropped on purpose
    # What varies from run to run is kept out of comparisons, so a test can compare
    # whole entries with ones it wrote down.
    request_id: str = field(default="", compare=False)  # the answer's x-request-id
    user_agent: str = field(default="", compare=False)
    at: float = field(default=0.0, compare=False)  # the simulator's clock at arrival


class Journal:
    def __init__(self) -> None:
        # The ASGI server may run in another thread than the test reading the journal.
        self._lock = threading.Condition()
        self._entries: list[RecordedRequest] = []
        self._arrived: list[tuple[str, str]] = []  # (method, path), as requests come in

    def arrive(self, method: str, path: str) -> None:
        """A request came in (it is recorded once answered, maybe much later)."""
        with self._lock:
            self._arrived.append((method.upper(), path))
            self._lock.notify_all()

    def wait_for_arrival(self, method: str, path_regex: str, *, timeout: float = 10.0) -> None:
        """Wait until a request like this has come in, answered or not."""
        pattern = re.compile(path_regex)

        def arrived() -> bool:
            return any(
                m == method.upper() and pattern.fullmatch(p) is not None for m, p in self._arrived
            )

        with self._lock:
            if not self._lock.wait_for(arrived, timeout=timeout):
                raise AssertionError(f"no {method} {path_regex} within {timeout} s")

    def record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._arrived.clear()

    def count(self, method: str, path_regex: str) -> int:
        pattern = re.compile(path_regex)
        return sum(
            1
            for e in self.entries()
            if e.method == method.upper() and pattern.fullmatch(e.path) is not None
        )

    def by_endpoint(self) -> Counter[str]:
        """Answered requests per endpoint template (see `endpoint_of`)."""
        return Counter(endpoint_of(e.method, e.path) for e in self.entries())
