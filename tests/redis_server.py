"""A private redis-server on a free port, for tests (the binary from PATH)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    def __init__(self, *, persistent: bool = False) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not on PATH; .ci/run installs it")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.TemporaryDirectory(prefix="rollback-bot-redis-")
        self._binary = binary
        self._proc: subprocess.Popen[bytes] | None = None
        # Persistent: an fsync'd append-only file, as production Redis should have.
        self._persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if persistent
            else ["--appendonly", "no"]
        )

    def start(self, *, timeout: float = 10.0) -> None:
        self._proc = subprocess.Popen(
            [
                self._binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *self._persistence,
                "--dir",
                self._dir.name,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if client.ping():
                    client.close()
                    return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)  # polling a process we cannot be notified by

    def flush(self) -> None:
        client = redis.Redis(port=self.port)
        client.flushall()
        client.close()

    def kill(self) -> None:
        """Stop the server abruptly (it keeps nothing); ``start()`` brings it back empty."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(10)
            self._proc = None

    def restart(self, *, down_for: float = 0.0) -> None:
        """A clean stop (SIGTERM: a persistent server syncs its append-only file), ``down_for``
        seconds with nothing listening, then a start on the same port and data directory."""
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            self._proc = None
        time.sleep(down_for)  # the outage itself: nothing to wait for
        self.start()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            self._proc = None
        self._dir.cleanup()
