"""A managed Redis/Valkey with a standby, as DigitalOcean runs one, and its failover.

DigitalOcean's managed databases give one hostname; on a failure "the standby node is
promoted to primary" and the hostname is moved to it ("Database clusters ... automatically
fail over to a standby node", docs.digitalocean.com/products/databases/redis/how-to/
add-standby-nodes/). Here two real ``redis-server``s (a primary and a ``REPLICAOF``
replica) stand behind a TCP proxy on a free loopback port: the proxy is the hostname. A
failover is an outage (nothing answers at the hostname), the replica promoted
(``REPLICAOF NO ONE``), the old primary demoted but still running (``REPLICAOF`` the new
one: it answers reads, and every write with ``READONLY You can't write against a read only
replica.``), and the hostname re-pointed. Connections made before the move stay with the
old server, as TCP connections do when DNS moves.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress

import redis

from bot.sandbox.ports import free_port
from bot.sandbox.redis_server import RedisServer
from bot.store import keys


class RedisProxy:
    """A TCP proxy on a free loopback port, in a thread of its own: ``point_at`` a port,
    ``cut`` the connections it carries, ``refuse`` new ones for a while, ``lose_reply``."""

    def __init__(self, target: int) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.target = target
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()
        self._lose: bytes | None = None

    def start(self) -> RedisProxy:
        self._thread.start()
        self.listen()
        return self

    def stop(self) -> None:
        self.refuse()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def point_at(self, port: int) -> None:
        """New connections go to ``port``; those already open stay where they were."""
        self.target = port

    def listen(self) -> None:
        self._run(self._listen())

    def refuse(self) -> None:
        """Nothing listens (a connection is refused) and every open connection is cut."""
        self._run(self._refuse())

    def cut(self) -> None:
        self._run(self._cut())

    def lose_reply(self, pattern: bytes) -> None:
        """The next command that contains ``pattern`` is carried out, but its reply is lost
        and its connection cut (a connection dropped in a failover just after the server
        did the command): the client cannot tell it from a command never carried out."""
        self._lose = pattern

    def _run(self, work: Coroutine[object, object, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._carry, "127.0.0.1", self.port, reuse_address=True
            )

    async def _refuse(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await self._cut()

    async def _cut(self) -> None:
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def _carry(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        self._pipes.update((writer, up_writer))
        lost = asyncio.Event()  # the reply on its way back is to be lost
        await asyncio.gather(
            self._pump(reader, up_writer, mark=lost), self._pump(up_reader, writer, lose=lost)
        )
        self._pipes.difference_update((writer, up_writer))

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        mark: asyncio.Event | None = None,
        lose: asyncio.Event | None = None,
    ) -> None:
        with suppress(OSError):
            while data := await reader.read(65536):
                if lose is not None and lose.is_set():
                    break
                writer.write(data)
                await writer.drain()
                if mark is not None and self._lose is not None and self._lose in data:
                    self._lose = None
                    mark.set()
        writer.transport.abort()  # one side gone: the other goes too, as through a real hop


class ManagedRedis:
    """A primary, its standby and the hostname (``url``) that names the primary."""

    def __init__(self) -> None:
        self.primary = RedisServer()
        self.standby = RedisServer()
        self.proxy = RedisProxy(self.primary.port)
        self.url = self.proxy.url

    def start(self) -> ManagedRedis:
        self.primary.start()
        self.standby.start()
        for server in (self.primary, self.standby):
            # A full sync starts at once, not after the default 5 s wait for more replicas.
            _client(server).config_set("repl-diskless-sync-delay", 0)
        _client(self.standby).replicaof("127.0.0.1", self.primary.port)
        _wait(lambda: _replication(self.standby).get("master_link_status") == "up")
        self.proxy.start()
        return self

    def stop(self) -> None:
        self.proxy.stop()
        self.standby.stop()
        self.primary.stop()

    def client(self) -> redis.Redis:
        """A client of the server that is primary now (not through the hostname)."""
        return _client(self.primary)

    def leases(self) -> list[str]:
        """The watches' leases held now, as the primary says."""
        with self.client() as client:
            return [str(k) for k in client.scan_iter(f"{keys.LEASE_PREFIX}*")]

    def failover(self, *, outage: float, meanwhile: Callable[[], object] = lambda: None) -> None:
        """Nothing answers at the hostname for ``outage`` seconds, the standby becomes the
        primary and the old primary its standby, ``meanwhile`` happens; then the hostname
        names the new one."""
        self.proxy.refuse()
        self.promote()
        meanwhile()
        time.sleep(outage)  # the outage itself: nothing to wait for
        self.proxy.point_at(self.primary.port)
        self.proxy.listen()

    def promote(self) -> None:
        """The standby becomes the primary, once it has every write of the old one (as in
        a planned failover; an unplanned one may lose the last writes); the old primary
        becomes its standby and stays reachable, answering writes ``READONLY``. The
        hostname still names the old one."""
        old, new = self.primary, self.standby
        offset = int(_replication(old)["master_repl_offset"])
        _wait(lambda: int(_replication(new).get("slave_repl_offset", 0)) >= offset)
        _client(new).replicaof("NO", "ONE")
        _client(old).replicaof("127.0.0.1", new.port)
        _wait(lambda: _replication(old).get("role") == "slave")
        self.primary, self.standby = new, old

    def repoint(self) -> None:
        """The hostname names the new primary; open connections stay where they were."""
        self.proxy.point_at(self.primary.port)


@contextmanager
def managed_redis() -> Iterator[ManagedRedis]:
    pair = ManagedRedis().start()
    try:
        yield pair
    finally:
        pair.stop()


def _client(server: RedisServer) -> redis.Redis:
    return redis.Redis(port=server.port, decode_responses=True)


def _replication(server: RedisServer) -> dict[str, str]:
    with _client(server) as client:
        return {str(k): str(v) for k, v in client.info("replication").items()}


def _wait(condition: Callable[[], bool], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("redis replication did not settle")
        time.sleep(0.02)  # replication state can only be polled
