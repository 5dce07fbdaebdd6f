"""A private redis-server on a free loopback port, in a temporary directory of its own.

The demo starts one when no Redis is given; the tests and the bench start one per
session. The binary is the one on PATH unless another is named.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence

import redis

from bot.sandbox.ports import free_port


class RedisDidNotStart(RuntimeError):
    """redis-server is missing, exited, or did not answer PING in time."""


class RedisServer:
    """``start()`` it, use ``url``, ``stop()`` it; ``kill``/``restart`` make outages.

    ``persistent``: an fsync'd append-only file, as production Redis should have (so a
    restart keeps what it had). ``own_session``: the server runs in a session of its own,
    so Ctrl-C in a terminal does not stop it under the feet of a bot still shutting down.
    """

    def __init__(
        self,
        *,
        persistent: bool = False,
        binary: str | None = None,
        own_session: bool = False,
        config: Sequence[str] = (),
        sentinel: bool = False,
    ) -> None:
        found = binary or shutil.which("redis-server")
        if found is None:
            raise RedisDidNotStart("redis-server is not on PATH; .ci/run installs it")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.TemporaryDirectory(prefix="rollback-bot-redis-")
        self._binary = found
        self._own_session = own_session
        self._proc: subprocess.Popen[bytes] | None = None
        self._config = os.path.join(self._dir.name, "redis.conf")
        with open(self._config, "w") as file:
            file.write("".join(f"{line}\n" for line in config))
        self._mode = ["--sentinel"] if sentinel else []
        self._persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if persistent
            else ["--appendonly", "no"]
        )

    def start(self, *, timeout: float = 10.0) -> None:
        self._proc = subprocess.Popen(  # noqa: S603 (our argv: the binary and its flags)
            [
                self._binary,
                self._config,
                *self._mode,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *self._persistence,
                *("--dir", self._dir.name),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=self._own_session,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self._proc.poll() is not None:
                        raise RedisDidNotStart("redis-server did not start") from None
                    time.sleep(0.02)  # polling a process we cannot be notified by
        finally:
            client.close()

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
        self._terminate()
        time.sleep(down_for)  # the outage itself: nothing to wait for
        self.start()

    def stop(self) -> None:
        self._terminate()
        self._dir.cleanup()

    def _terminate(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None
