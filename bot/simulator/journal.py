"""The request journal: what the client under test actually sent, for assertions."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field


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
        self._lock = threading.Lock()
        self._entries: list[RecordedRequest] = []

    def record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def count(self, method: str, path_regex: str) -> int:
        pattern = re.compile(path_regex)
        return sum(
            1
            for e in self.entries()
            if e.method == method.upper() and pattern.fullmatch(e.path) is not None
        )
