"""Redis as teams run it beyond one server, for the tests: a primary with a replica behind
Sentinel, and a Redis Cluster of three primaries. Every server is a private
``redis-server`` on a free loopback port (``bot.sandbox.redis_server``)."""

from __future__ import annotations

import redis

from bot.sandbox.ports import free_port
from bot.sandbox.redis_server import RedisServer
from tests.waiting import wait_until

SERVICE = "mymaster"
SLOTS = 16384


class SentinelSetup:
    """A primary, its replica and one Sentinel watching them. Sentinel's docs: "the
    failover is started only if the master is seen as down by quorum sentinels and the
    majority of sentinels authorize it" — one sentinel with quorum 1 is its own majority."""

    def __init__(self) -> None:
        # Redis 7 waits 5 s (repl-diskless-sync-delay) for more replicas before the first
        # sync; until then the replica is empty and a failover would lose everything.
        self.primary = RedisServer(args=["--repl-diskless-sync-delay", "0"])
        self.primary.start()
        self.replica = RedisServer(args=["--replicaof", "127.0.0.1", str(self.primary.port)])
        self.replica.start()
        self.sentinel = RedisServer(
            sentinel=[
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary.port} 1",
                # "down-after-milliseconds": how long an instance must not answer before
                # Sentinel takes it for down; short, so the test's failover is quick.
                f"sentinel down-after-milliseconds {SERVICE} 500",
                f"sentinel failover-timeout {SERVICE} 5000",
            ],
        )
        self.sentinel.start()
        wait_until(self._replica_synced, timeout=20, what="the replica's first sync")
        wait_until(self._replica_known, timeout=20, what="the sentinel to see the replica")

    @property
    def sentinels(self) -> str:
        """REDIS_SENTINELS: a sentinel that is not there, then the real one (the client
        must try the next one)."""
        return f"127.0.0.1:{free_port()},127.0.0.1:{self.sentinel.port}"

    def _sentinel(self) -> redis.Redis:
        return redis.Redis(port=self.sentinel.port, decode_responses=True)

    def _replica_synced(self) -> bool:
        client = redis.Redis(port=self.replica.port, decode_responses=True)
        try:
            return client.info("replication").get("master_link_status") == "up"
        finally:
            client.close()

    def _replica_known(self) -> bool:
        with self._sentinel() as client:
            replicas = client.sentinel_slaves(SERVICE)
        return isinstance(replicas, list) and len(replicas) == 1

    def primary_port(self) -> int:
        with self._sentinel() as client:
            answer = client.sentinel_get_master_addr_by_name(SERVICE)
        assert isinstance(answer, list | tuple)
        return int(answer[1])

    def kill_primary_and_wait_for_failover(self, *, timeout: float = 30) -> None:
        self.primary.kill()
        wait_until(
            lambda: self.primary_port() == self.replica.port,
            timeout=timeout,
            what="Sentinel to promote the replica",
        )

    def stop(self) -> None:
        for server in (self.sentinel, self.replica, self.primary):
            server.stop()


class Cluster:
    """Three primaries sharing the 16384 slots, as ``redis-cli --cluster create`` would
    make them (done here with CLUSTER MEET and ADDSLOTSRANGE, so no redis-cli is needed)."""

    def __init__(self, nodes: int = 3) -> None:
        self._buses = [free_port() for _ in range(nodes)]
        self.nodes = [
            RedisServer(
                args=[
                    *("--cluster-enabled", "yes"),
                    *("--cluster-config-file", "nodes.conf"),
                    *("--cluster-node-timeout", "2000"),
                    # The bus port defaults to the port + 10000, past 65535 for many of
                    # the kernel's free ports.
                    *("--cluster-port", str(bus)),
                ]
            )
            for bus in self._buses
        ]
        for node in self.nodes:
            node.start()
        self._join()
        wait_until(self._ok, timeout=30, what="the cluster to agree on its slots")

    @property
    def url(self) -> str:
        """REDIS_URL with REDIS_CLUSTER=true: any one node."""
        return self.nodes[0].url

    def _join(self) -> None:
        share = SLOTS // len(self.nodes)
        for i, node in enumerate(self.nodes):
            first = i * share
            last = SLOTS - 1 if i == len(self.nodes) - 1 else first + share - 1
            _cluster(node, "ADDSLOTSRANGE", first, last)
            for other, bus in zip(self.nodes[1:], self._buses[1:], strict=True) if i == 0 else ():
                _cluster(node, "MEET", "127.0.0.1", other.port, bus)

    def _ok(self) -> bool:
        return all("cluster_state:ok" in str(_cluster(node, "INFO")) for node in self.nodes)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def _cluster(node: RedisServer, *args: str | int) -> object:
    """A CLUSTER command to one node (redis-py's plain client has no method for them)."""
    with redis.Redis(port=node.port, decode_responses=True) as client:
        return client.execute_command("CLUSTER", *args)
