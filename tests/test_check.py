"""``rollback-bot check`` as an operator runs it: one line per check, exit 1 on a failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox.ports import free_port
from bot.sandbox.slack.fake import APP_TOKEN, FakeSlack
from tests.constants import DO_TOKEN, SIGNING_SECRET, SLACK_TOKEN
from tests.processes import clean_env

SECRETS = (SLACK_TOKEN, DO_TOKEN, SIGNING_SECRET, APP_TOKEN)
SLACK_OK = (
    "ok   slack: authenticated as @rollback-bot in Example "
    "(scopes: commands, chat:write, chat:write.public)"
)
SETTINGS_OK = "ok   settings: loaded; SLACK_SIGNING_SECRET is set, SLACK_APP_TOKEN is not set " + (
    "(socket needs it)"
)


@pytest.fixture
def env(slack: FakeSlack, sim_url: str, redis_url: str) -> dict[str, str]:
    return {
        **clean_env(),
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{slack.url}/api/",
        "DIGITALOCEAN_TOKEN": DO_TOKEN,
        "DIGITALOCEAN_API_URL": sim_url,
        "REDIS_URL": redis_url,
        "ROLLBACK_APPROVERS": "",
    }


def check(env: dict[str, str], cwd: Path) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=cwd,  # no stray .env
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    for secret in SECRETS:
        assert secret not in result.stdout and secret not in result.stderr
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout.splitlines()


def test_all_good_is_one_ok_line_per_check(
    env: dict[str, str], tmp_path: Path, slack: FakeSlack, sim_url: str, redis_url: str
) -> None:
    with slack.socket_mode():
        code, lines = check({**env, "SLACK_APP_TOKEN": APP_TOKEN}, tmp_path)
    assert lines == [
        "ok   settings: loaded; SLACK_SIGNING_SECRET is set, SLACK_APP_TOKEN is set",
        SLACK_OK,
        "ok   socket mode: SLACK_APP_TOKEN can open a connection",
        f"ok   digitalocean: the token can read apps at {sim_url}",
        f"ok   redis: answered at {redis_url} (primary)",
    ]
    assert code == 0
    assert [c.method for c in slack.calls] == ["auth.test", "apps.connections.open"]


def test_a_wrong_slack_token_is_named(env: dict[str, str], tmp_path: Path) -> None:
    code, lines = check({**env, "SLACK_BOT_TOKEN": "xoxb-0000-wrong"}, tmp_path)
    assert code == 1
    assert lines[0] == SETTINGS_OK
    assert lines[1] == (
        "FAIL slack: Slack rejected the bot token (invalid_auth): an operator should check "
        "SLACK_BOT_TOKEN (the app's Bot User OAuth Token, xoxb-…)."
    )
    assert [line[:4] for line in lines[2:]] == ["ok  ", "ok  "]  # the others still ran


def test_a_wrong_digitalocean_token_is_named(env: dict[str, str], tmp_path: Path) -> None:
    code, lines = check({**env, "DIGITALOCEAN_TOKEN": "dop_v1_" + "0" * 64}, tmp_path)
    assert code == 1
    assert lines[1] == SLACK_OK
    assert lines[2] == (
        "FAIL digitalocean: DigitalOcean rejected the bot's API token (401 Unauthorized): "
        "an operator should check DIGITALOCEAN_TOKEN."
    )


@pytest.mark.parametrize(
    "case",
    [
        (("commands",), "", "chat:write"),
        (("chat:write.public",), "", "commands, chat:write"),
        (("commands", "chat:write"), "UALICE,S0PS", "usergroups:read"),
    ],
)
def test_a_missing_scope_is_named(
    env: dict[str, str], tmp_path: Path, slack: FakeSlack, case: tuple[tuple[str, ...], str, str]
) -> None:
    slack.scopes, approvers, missing = case
    code, lines = check({**env, "ROLLBACK_APPROVERS": approvers}, tmp_path)
    assert code == 1
    assert lines[1] == (
        f"FAIL slack: authenticated as @rollback-bot in Example, but the token lacks the "
        f"scope(s) {missing}: add them under OAuth & Permissions › Scopes and reinstall the app."
    )


def test_group_scope_is_needed_only_for_group_approvers(
    env: dict[str, str], tmp_path: Path, slack: FakeSlack
) -> None:
    slack.scopes = ("commands", "chat:write")
    code, lines = check({**env, "ROLLBACK_APPROVERS": "UALICE,WBOB"}, tmp_path)
    assert code == 0
    assert lines[1] == (
        "ok   slack: authenticated as @rollback-bot in Example (scopes: commands, chat:write)"
    )


def test_unreachable_redis_is_named_without_its_password(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there
    code, lines = check({**env, "REDIS_URL": f"redis://:hunter2@127.0.0.1:{port}/0"}, tmp_path)
    assert code == 1
    assert lines[-1] == (
        f"FAIL redis: no answer from Redis at redis://127.0.0.1:{port}/0 (ConnectionError): "
        "check REDIS_URL and that the server is running."
    )
    assert "hunter2" not in "\n".join(lines)


def test_a_missing_setting_is_the_settings_sentence(env: dict[str, str], tmp_path: Path) -> None:
    del env["DIGITALOCEAN_TOKEN"]
    code, lines = check(env, tmp_path)
    assert code == 1
    assert lines == [
        "FAIL settings: DIGITALOCEAN_TOKEN is not set: set it to a DigitalOcean API token "
        "with app:read and app:update."
    ]


def test_a_malformed_app_token_fails_the_settings_check(
    env: dict[str, str], tmp_path: Path
) -> None:
    code, lines = check({**env, "SLACK_APP_TOKEN": SLACK_TOKEN}, tmp_path)
    assert code == 1
    assert lines[0].startswith("FAIL settings: SLACK_APP_TOKEN is not valid")
    assert not any(line.startswith(("ok   socket", "FAIL socket")) for line in lines)
    assert lines[1] == SLACK_OK
