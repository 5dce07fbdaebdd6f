"""REDIS_SENTINELS, REDIS_SENTINEL_SERVICE, REDIS_SENTINEL_PASSWORD and REDIS_CLUSTER:
read as the README says, a bad value stops start-up with one sentence, and the client
``bot.store.connect`` builds from them (before it connects: tests/test_redis_topologies.py
runs them against real servers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.sentinel import SentinelConnectionPool, SentinelManagedSSLConnection

from bot.errors import SettingsError
from bot.settings import load_settings
from bot.store.connect import connect
from tests.constants import DO_TOKEN, SLACK_TOKEN
from tests.processes import refused_start

TOKENS: dict[str, Any] = {"slack_bot_token": SLACK_TOKEN, "digitalocean_token": DO_TOKEN}


def test_sentinels_are_read_as_a_host_port_list() -> None:
    settings = load_settings(
        **TOKENS, redis_sentinels=" sentinel-1:26379, [::1]:26380 ,10.0.0.3:26379"
    )
    assert settings.redis_sentinels == (
        ("sentinel-1", 26379),
        ("::1", 26380),
        ("10.0.0.3", 26379),
    )
    assert settings.redis_sentinel_service == "mymaster"
    assert settings.redis_sentinel_password is None
    assert settings.redis_cluster is False


@pytest.mark.parametrize("value", ["sentinel-1", "sentinel-1:port", ":26379", "host:70000"])
def test_a_bad_sentinel_list_is_one_sentence(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**TOKENS, redis_sentinels=value)
    assert caught.value.user_message == (
        "REDIS_SENTINELS is not valid: must be a comma-separated list of host:port, like "
        "sentinel-1:26379."
    )


def test_sentinel_and_cluster_together_is_one_sentence() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**TOKENS, redis_sentinels="s:26379", redis_cluster=True)
    assert caught.value.user_message == (
        "REDIS_SENTINELS and REDIS_CLUSTER=true cannot both be set."
    )


def test_serve_with_a_bad_sentinel_list_stops_without_a_traceback(tmp_path: Path) -> None:
    said = refused_start("serve", cwd=tmp_path, REDIS_SENTINELS="sentinel-1")
    assert said.startswith("rollback-bot: REDIS_SENTINELS is not valid: must be")


def test_a_sentinel_url_names_the_setting_to_use_instead() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**TOKENS, redis_url="redis+sentinel://sentinel-1:26379/mymaster/0")
    assert caught.value.user_message == (
        "REDIS_URL is not valid: it must be a redis://, rediss:// (TLS) or unix:// URL; "
        "for Sentinel, set REDIS_SENTINELS and keep REDIS_URL for the db and password."
    )


async def test_behind_sentinel_redis_url_gives_db_password_and_tls() -> None:
    settings = load_settings(
        **TOKENS,
        redis_url="rediss://bot:s3cret@ignored.example:6380/3?ssl_ca_certs=/etc/ca.pem",
        redis_sentinels="sentinel-1:26379,sentinel-2:26379",
        redis_sentinel_service="bots",
        redis_sentinel_password="sentinel-pass",
    )
    client = connect(settings, socket_timeout=1.0)
    try:
        assert isinstance(client, redis.asyncio.Redis)
        pool = client.connection_pool
        assert isinstance(pool, SentinelConnectionPool)
        assert pool.service_name == "bots"
        assert pool.connection_class is SentinelManagedSSLConnection
        options = pool.connection_kwargs
        assert (options["db"], options["username"], options["password"]) == (3, "bot", "s3cret")
        assert options["ssl_ca_certs"] == "/etc/ca.pem"
        assert "host" not in options  # the primary's address comes from the sentinels
        sentinels = pool.sentinel_manager.sentinels
        assert [s.connection_pool.connection_kwargs["port"] for s in sentinels] == [26379, 26379]
        assert all(
            s.connection_pool.connection_kwargs["password"] == "sentinel-pass" for s in sentinels
        )
    finally:
        await client.aclose()


async def test_cluster_setting_gives_a_cluster_client() -> None:
    settings = load_settings(**TOKENS, redis_url="redis://node-1:7000/0", redis_cluster=True)
    client = connect(settings)
    try:
        assert isinstance(client, RedisCluster)
    finally:
        await client.aclose()
