"""``rollback-bot`` as an operator runs it: a real process, configured by environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from bot.sandbox.ports import free_port
from bot.sandbox.slack.fake import FakeSlack
from tests.constants import DO_TOKEN, SIGNING_SECRET, SLACK_TOKEN
from tests.processes import clean_env, refused_start, run_bot, serve_env, wait_http


def test_missing_setting_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    result = run_bot(
        "serve", env=clean_env(SLACK_SIGNING_SECRET="x", DIGITALOCEAN_TOKEN="y"), cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "rollback-bot: SLACK_BOT_TOKEN is not set: set it to the Slack bot token (xoxb-…)."
    )


def test_serve_without_signing_secret_refuses_to_start(tmp_path: Path) -> None:
    result = run_bot(
        "serve",
        env=clean_env(SLACK_BOT_TOKEN=SLACK_TOKEN, DIGITALOCEAN_TOKEN=DO_TOKEN),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr
    assert SLACK_TOKEN not in result.stderr and DO_TOKEN not in result.stderr


def test_malformed_setting_is_named_without_its_value(tmp_path: Path) -> None:
    said = refused_start("serve", cwd=tmp_path, ROLLBACK_POLL_INTERVAL="soon")
    assert said.startswith("rollback-bot: ROLLBACK_POLL_INTERVAL is not valid")


def test_serve_answers_health_and_readiness(
    tmp_path: Path, redis_url: str, sim_url: str, slack: FakeSlack
) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=serve_env(slack_url=slack.url, do_url=sim_url, redis_url=redis_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ready = wait_http(f"http://127.0.0.1:{port}/readyz", proc)
        assert ready.json() == {"status": "ready"}
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    # uvicorn shuts down cleanly, then re-raises SIGTERM so the exit status tells the truth.
    assert proc.returncode in (0, -15)
    assert "Application shutdown complete." in output
    assert SLACK_TOKEN not in output and DO_TOKEN not in output and SIGNING_SECRET not in output


def test_a_bad_policy_file_stops_start_up_with_its_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("defaults:\n  self_approval: yes\n")
    for command in ("serve", "socket"):
        said = refused_start(command, cwd=tmp_path, ROLLBACK_POLICY_FILE=str(policy))
        assert said == (
            f"rollback-bot: ROLLBACK_POLICY_FILE {policy} line 2: defaults.self_approval "
            "must be true or false (not yes, no, on or off)."
        )
