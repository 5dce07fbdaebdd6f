"""A REDIS_URL the bot cannot use stops ``serve`` and ``socket`` at start-up with one
sentence naming it (never its password) and no traceback: before, ``redis+sentinel://``
made ``serve`` exit with redis-py's ValueError."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.processes import refused_start

BAD_URLS = [
    "redis+sentinel://:s3cret@sentinel-a:26379/mymaster",
    "http://:s3cret@cache.internal:6379/0",
    "localhost:6379",
    "redis://:s3cret@cache.internal:sixthousand/0",
    "redis://:s3cret@cache.internal:6379/zero",
]


@pytest.mark.parametrize("command", ["serve", "socket"])
@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_redis_url_stops_start_up_with_one_sentence(
    tmp_path: Path, command: str, url: str
) -> None:
    said = refused_start(command, "--port", "0", cwd=tmp_path, REDIS_URL=url)
    assert "s3cret" not in said
    assert said.startswith("rollback-bot: REDIS_URL is not valid: it must be a redis://")
    if "sentinel" in url:
        assert "REDIS_SENTINELS" in said
