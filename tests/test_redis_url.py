"""A REDIS_URL the bot cannot use stops ``serve`` and ``socket`` at start-up with one
sentence naming it (never its password) and no traceback: before, ``redis+sentinel://``
made ``serve`` exit with redis-py's ValueError."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.slack.fake import APP_TOKEN
from tests.constants import DO_TOKEN, SIGNING_SECRET, SLACK_TOKEN
from tests.processes import clean_env, run_bot

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
    env = clean_env(
        SLACK_BOT_TOKEN=SLACK_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN=APP_TOKEN,
        DIGITALOCEAN_TOKEN=DO_TOKEN,
        REDIS_URL=url,
    )
    result = run_bot(command, "--port", "0", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("rollback-bot: REDIS_URL is not valid: it must be a redis://")
    if "sentinel" in url:
        assert "REDIS_SENTINELS" in lines[0]
