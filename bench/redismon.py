"""Count the bot's Redis round trips with MONITOR on the private server.

Each line MONITOR prints is one command a client sent (one round trip), except those
run inside a Lua script, which are tagged ``lua`` and skipped here. Commands are put in
buckets by the key they touch (names from ``bot.store.keys``), so a poll's own round trips can
be told from the scan, the lease heartbeat and the sweeper.
"""

from __future__ import annotations

import re
import shlex
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass

from bot.store import keys

_LINE = re.compile(r"^\+(?P<at>[\d.]+) \[\d+ (?P<client>[^\]]+)\] (?P<cmd>.*)$")

_BUCKETS = (  # (bucket, key prefix); first match wins
    ("budget", keys.PREFIX + "budget:"),
    ("lease", keys.LEASE_PREFIX),
    ("watch", keys.WATCH_PREFIX),
    ("scan", keys.ACTIVE_WATCHES),
    ("card", keys.CARD_PREFIX),
    ("decision", keys.DECISION_PREFIX),
    ("sweeper", keys.PENDING_CARDS),
    ("audit", keys.AUDIT_STREAM),
    ("seen", keys.SEEN_PREFIX),
    ("lock", keys.APP_LOCK_PREFIX),
    ("app-rollback", keys.APP_ROLLBACK_PREFIX),
    ("fleet", keys.PREFIX + "fleet:"),
)


@dataclass(frozen=True)
class Command:
    at: float
    name: str  # e.g. GET, EVALSHA, MGET
    bucket: str  # what it is for, from the first key it names


def bucket_of(words: list[str]) -> str:
    if words[0].upper() == "MGET" and len(words) > 1 and words[1].startswith(keys.WATCH_PREFIX):
        return "scan"  # the watcher's scan reads every listed watch at once
    for word in words[1:]:
        for bucket, prefix in _BUCKETS:
            if word.startswith(prefix):
                return bucket
    return "other"


class Monitor:
    """Runs MONITOR in a thread until ``stop()``; ``commands()`` lists what it saw."""

    def __init__(self, port: int) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port))
        self._sock.sendall(b"MONITOR\r\n")
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._seen: list[Command] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            try:
                chunk = self._sock.recv(1 << 16)
            except TimeoutError:
                continue
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\r\n")
            for raw in lines:
                self._take(raw.decode(errors="replace"))

    def _take(self, line: str) -> None:
        match = _LINE.match(line)
        if match is None or match["client"] == "lua":
            return
        try:
            words = shlex.split(match["cmd"])
        except ValueError:
            words = match["cmd"].split()
        if not words:
            return
        command = Command(float(match["at"]), words[0].upper(), bucket_of(words))
        with self._lock:
            self._seen.append(command)

    def commands(self, start: float = 0.0, end: float = float("inf")) -> list[Command]:
        with self._lock:
            return [c for c in self._seen if start <= c.at <= end]

    def stop(self) -> None:
        time.sleep(0.1)  # let the last lines arrive
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


def tally(commands: list[Command]) -> Counter[str]:
    """``"bucket NAME"`` → count."""
    return Counter(f"{c.bucket} {c.name}" for c in commands)
