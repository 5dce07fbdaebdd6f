"""``rollback-bot check`` as an operator runs it: one line per check, exit 1 on a failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.sandbox.ports import free_port
from bot.sandbox.slack.fake import APP_TOKEN, FakeSlack
from tests.constants import DO_TOKEN, SIGNING_SECRET, SLACK_TOKEN
from tests.deploy_files import ROOT
from tests.processes import clean_env

SECRETS = (SLACK_TOKEN, DO_TOKEN, SIGNING_SECRET, APP_TOKEN)
SLACK_OK = (
    "ok   slack: authenticated as @rollback-bot in Example "
    "(scopes: commands, chat:write, chat:write.public)"
)
SETTINGS_OK = "ok   settings: loaded; SLACK_SIGNING_SECRET is set, SLACK_APP_TOKEN is not set " + (
    "(socket needs it)"
)

CHECK_OF = {  # the check each setting is needed by
    "SLACK_BOT_TOKEN": "slack",
    "DIGITALOCEAN_TOKEN": "digitalocean",
    "REDIS_URL": "redis",
}


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


PLACEHOLDER_SENTENCE = (
    "still hold the example's placeholders: set their real values "
    '(README.md, "Install it into Slack").'
)


def test_the_example_env_file_is_refused_naming_each_placeholder(
    env: dict[str, str], tmp_path: Path, slack: FakeSlack, redis_url: str
) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DIGITALOCEAN_TOKEN"):
        del env[name]  # from .env, as an operator who copied the example and ran check
    code, lines = check(env, tmp_path)
    assert code == 1
    assert lines == [
        "FAIL settings: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and DIGITALOCEAN_TOKEN "
        + PLACEHOLDER_SENTENCE,
        "FAIL slack: not tried: SLACK_BOT_TOKEN holds a placeholder.",
        "FAIL digitalocean: not tried: DIGITALOCEAN_TOKEN holds a placeholder.",
        f"ok   redis: answered at {redis_url} (primary)",
    ]
    assert slack.calls == []  # a placeholder is never sent to Slack


@pytest.mark.parametrize(
    "name", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DIGITALOCEAN_TOKEN", "REDIS_URL"]
)
def test_each_placeholder_of_the_example_secret_is_named(
    env: dict[str, str], tmp_path: Path, name: str
) -> None:
    example = yaml.safe_load((ROOT / "deploy" / "k8s" / "secret.example.yaml").read_text())
    code, lines = check({**env, name: example["stringData"][name]}, tmp_path)
    assert code == 1
    assert lines[0] == (
        f"FAIL settings: {name} still holds the example's placeholder: set its real value "
        '(README.md, "Install it into Slack").'
    )
    if name in CHECK_OF:  # the signing secret is needed by serve, not by a check
        assert f"FAIL {CHECK_OF[name]}: not tried: {name} holds a placeholder." in lines
    assert len(lines) == 4  # the other checks still ran


@pytest.mark.parametrize("value", ["xapp-...", "xapp-", "xapp-<your app token>", "xapp-1-…"])
def test_a_placeholder_app_token_is_named_before_its_shape(
    env: dict[str, str], tmp_path: Path, value: str
) -> None:
    code, lines = check({**env, "SLACK_APP_TOKEN": value}, tmp_path)
    assert code == 1
    assert lines[0] == (
        "FAIL settings: SLACK_APP_TOKEN still holds the example's placeholder: set its real value "
        '(README.md, "Install it into Slack").'
    )


def test_words_that_merely_look_alike_are_not_placeholders(
    env: dict[str, str], tmp_path: Path
) -> None:
    # "change-me" ending a word, and ".." (not "..."), are no placeholders.
    code, lines = check({**env, "SLACK_SIGNING_SECRET": "exchange-me..0f3a"}, tmp_path)
    assert lines[0] == SETTINGS_OK
    assert code == 0


def test_an_unreachable_slack_prints_no_retry_lines_of_slack_sdk(
    env: dict[str, str], tmp_path: Path
) -> None:
    slack_url = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=tmp_path,
        env={**env, "SLACK_API_URL": slack_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines()[1].startswith(
        f"FAIL slack: could not reach Slack at {slack_url}"
    )
    assert "slack_sdk" not in result.stderr and "retry" not in result.stderr.lower()


def test_a_bad_policy_file_fails_the_settings_check_with_its_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("apps:\n  checkout-api:\n    approvals: 0\n")
    code, lines = check({**env, "ROLLBACK_POLICY_FILE": str(policy)}, tmp_path)
    assert code == 1
    assert lines[0] == (
        f"FAIL settings: ROLLBACK_POLICY_FILE {policy} line 3: "
        "apps.checkout-api.approvals must be a whole number from 1 to 10."
    )


def test_a_group_in_the_policy_file_needs_the_group_scope(
    env: dict[str, str], tmp_path: Path, slack: FakeSlack
) -> None:
    slack.scopes = ("commands", "chat:write")
    policy = tmp_path / "policy.yaml"
    policy.write_text("breakglass: {approvers: [S0ONCALL]}\n")
    code, lines = check({**env, "ROLLBACK_POLICY_FILE": str(policy)}, tmp_path)
    assert code == 1
    assert lines[0] == SETTINGS_OK + f"; ROLLBACK_POLICY_FILE {policy} gives rules for 0 app(s)"
    assert "lacks the scope(s) usergroups:read" in lines[1]
