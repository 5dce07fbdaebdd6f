"""Which Redis can hold the bot's state: only a primary. A replica, a Sentinel and a cluster
node (without REDIS_CLUSTER) all answer PING; readiness and ``check`` must still refuse them
with the setting to change. Each case is a real server started by the one launcher."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis.asyncio
from redis.asyncio.cluster import RedisCluster

from bot.entrypoints import check
from bot.sandbox.ports import free_port
from bot.sandbox.redis_server import RedisServer
from bot.store.health import Role, Verdict, verdict
from tests.conftest import BotFactory, SettingsFactory


@pytest.fixture(scope="module")
def primary() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def replica(primary: RedisServer) -> Iterator[RedisServer]:
    server = RedisServer(args=["--replicaof", "127.0.0.1", str(primary.port)])
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sentinel(primary: RedisServer) -> Iterator[RedisServer]:
    monitor = f"sentinel monitor mymaster 127.0.0.1 {primary.port} 1"
    server = RedisServer(sentinel=[monitor])
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster_node() -> Iterator[RedisServer]:
    # One node that serves every slot: a cluster the cluster client accepts. Its bus port is
    # named: the default (port + 10000) may be taken, or past 65535.
    bus = ["--cluster-port", str(free_port())]
    server = RedisServer(args=["--cluster-enabled", "yes", *bus])
    server.start()
    client = server.client()
    client.execute_command("CLUSTER", "ADDSLOTSRANGE", "0", "16383")  # type: ignore[no-untyped-call]
    client.close()
    yield server
    server.stop()


async def ask(server: RedisServer, *, cluster: bool = False) -> Verdict:
    client = redis.asyncio.Redis(port=server.port, decode_responses=True)
    try:
        return await verdict(client, where=server.url, cluster=cluster)
    finally:
        await client.aclose()


async def test_a_primary_is_usable(primary: RedisServer) -> None:
    found = await ask(primary)
    assert found == Verdict(Role.PRIMARY, None) and found.usable


async def test_a_replica_is_refused_with_the_primary_to_point_at(replica: RedisServer) -> None:
    found = await ask(replica)
    assert found.role is Role.REPLICA and not found.usable
    assert found.problem == (
        f"Redis at {replica.url} is a replica (read-only): point REDIS_URL at the primary."
    )


async def test_a_sentinel_is_refused_with_redis_sentinels(sentinel: RedisServer) -> None:
    found = await ask(sentinel)
    assert found.role is Role.SENTINEL
    assert found.problem is not None and "set REDIS_SENTINELS" in found.problem


async def test_a_cluster_node_needs_redis_cluster(cluster_node: RedisServer) -> None:
    found = await ask(cluster_node)
    assert found.role is Role.CLUSTER_NODE
    assert found.problem == (
        f"Redis at {cluster_node.url} is a node of a Redis Cluster: set REDIS_CLUSTER=true."
    )
    assert (await ask(cluster_node, cluster=True)).usable


async def test_the_cluster_client_finds_a_cluster(cluster_node: RedisServer) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster_node.port)
    try:
        found = await verdict(client, where=cluster_node.url, cluster=True)
    finally:
        await client.aclose()
    assert found == Verdict(Role.PRIMARY, None)


async def test_redis_cluster_on_a_lone_server_is_refused(primary: RedisServer) -> None:
    found = await ask(primary, cluster=True)
    assert found.role is Role.NOT_CLUSTER and not found.usable


# --- what an operator sees: check and /readyz ----------------------------------------------


async def test_check_refuses_a_replica(
    replica: RedisServer, make_settings: SettingsFactory
) -> None:
    result = await check.redis_ping(make_settings(redis_url=replica.url))
    assert not result.ok
    assert result.line() == (
        f"FAIL redis: Redis at {replica.url} is a replica (read-only): "
        "point REDIS_URL at the primary."
    )


async def test_check_refuses_a_sentinel(
    sentinel: RedisServer, make_settings: SettingsFactory
) -> None:
    result = await check.redis_ping(make_settings(redis_url=sentinel.url))
    assert not result.ok and "set REDIS_SENTINELS" in result.detail


def test_readyz_is_unready_while_the_primary_is_demoted(
    primary: RedisServer, start_bot: BotFactory
) -> None:
    server = RedisServer()
    server.start()
    client = server.client()
    try:
        bot = start_bot(redis_url=server.url)
        assert bot.http.get(f"{bot.bot_url}/readyz").json() == {"status": "ready"}
        client.replicaof("127.0.0.1", primary.port)  # demoted
        answer = bot.http.get(f"{bot.bot_url}/readyz")
        assert answer.status_code == 503
        assert answer.json()["reason"] == (
            f"Redis at {server.url} is a replica (read-only): point REDIS_URL at the primary."
        )
        client.replicaof("NO", "ONE")  # promoted again
        assert bot.http.get(f"{bot.bot_url}/readyz").json() == {"status": "ready"}
    finally:
        client.close()
        server.stop()
