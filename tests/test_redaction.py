"""Secrets out of log lines (bot.domain.redaction), the failing log's source
(bot.domain.failing_log) and its reply (bot.slack.blockkit.failure_logs): pure, on lines
as real build and deploy logs print them."""

from __future__ import annotations

import pytest

from bot.digitalocean.models import StepStatus
from bot.domain.failing_log import LogSource, log_source
from bot.domain.mrkdwn import slack_len
from bot.domain.progress import FlatStep
from bot.domain.redaction import REDACTED, last_lines, redact
from bot.slack.blockkit import failure_logs, limits
from bot.slack.blockkit.blocks import Message

DO_TOKEN = "dop_v1_" + "4f" * 32

# (a log line, the secret that must be gone, what must stay)
LINES = [
    (f"│ DIGITALOCEAN_TOKEN={DO_TOKEN}", DO_TOKEN, "DIGITALOCEAN_TOKEN="),
    (f"│ + doctl auth init -t {DO_TOKEN}", DO_TOKEN, "doctl auth init -t"),
    ("oauth doo_v1_" + "a1" * 32 + " expired", "doo_v1_" + "a1" * 32, "expired"),
    ("refresh dor_v1_" + "b2" * 32, "dor_v1_" + "b2" * 32, "refresh"),
    ("SLACK_BOT_TOKEN: xoxb-1234567890-0987654321-AbCdEfGh", "xoxb-1234567890", "SLACK_BOT"),
    ("using xapp-1-A0123-4567-abcdef for socket mode", "xapp-1-A0123", "socket mode"),
    ("remote: ghp_" + "Z" * 36 + " rejected", "ghp_" + "Z" * 36, "rejected"),
    ("token gho_" + "y" * 36, "gho_" + "y" * 36, "token"),
    ("github_pat_11ABCDEFG0" + "x" * 60, "github_pat_11ABCDEFG0", ""),
    ("aws_access_key_id AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws_access_key_id"),
    (
        "Cloning into 'app'... https://deploy:s3cr3t-pass@github.com/acme/app.git",
        "s3cr3t-pass",
        "@github.com/acme/app.git",
    ),
    (
        "connecting to postgresql://doadmin:AVNS_pAsS@db-1.ondigitalocean.com:25060/defaultdb",
        "AVNS_pAsS",
        "db-1.ondigitalocean.com:25060",
    ),
    (
        "> Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
        "eyJhbGciOiJIUzI1NiJ9",
        "> Authorization",
    ),
    ("curl -H 'Authorization: Bearer abc123def' https://x", "abc123def", "https://x"),
    ("DB_PASSWORD=hunter2 npm run migrate", "hunter2", "npm run migrate"),
    ('{"api_key": "sk_live_0123456789", "region": "nyc3"}', "sk_live_0123456789", '"region"'),
    ("redis://cache?password=p4ss&db=0", "p4ss", "db=0"),
    ("  client_secret: 'quoted value with spaces'", "quoted value", "client_secret"),
    ("STRIPE_SECRET_KEY=sk_test_abc", "sk_test_abc", "STRIPE_SECRET_KEY="),
    (
        "MY_APPLICATION_PRODUCTION_DATABASE_PRIMARY_PASSWORD=x9y8z7",
        "x9y8z7",
        "MY_APPLICATION_PRODUCTION_DATABASE_PRIMARY_PASSWORD=",
    ),
]


@pytest.mark.parametrize(("line", "secret", "kept"), LINES)
def test_a_secret_in_a_log_line_is_redacted_and_the_rest_kept(
    line: str, secret: str, kept: str
) -> None:
    shown = redact(line)
    assert secret not in shown
    assert REDACTED in shown
    assert kept in shown


def test_a_private_key_block_is_hidden_whole() -> None:
    log = (
        "writing key\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
        "QyNTUxOQAAACDx\n-----END OPENSSH PRIVATE KEY-----\ndone"
    )
    shown = redact(log)
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in shown
    assert "QyNTUxOQAAACDx" not in shown
    assert shown == f"writing key\n{REDACTED}\ndone"


def test_a_private_key_cut_short_is_hidden_to_the_end() -> None:
    shown = redact("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nlast")
    assert shown == REDACTED


@pytest.mark.parametrize(
    "line",
    [
        "│ -----> Installing go1.22.5",
        "go: downloading github.com/gorilla/mux v1.8.1",
        "tokenizer loaded 3 models",
        "ERROR: failed to build: exit status 1",
        "Step 4/9 : RUN npm ci --omit=dev",
        "GET https://example.com/api/v1/items 200 12ms",
    ],
)
def test_ordinary_lines_are_left_alone(line: str) -> None:
    assert redact(line) == line


def test_last_lines_are_the_last_non_empty_ones_redacted() -> None:
    log = "\n".join(f"line {n}" for n in range(100)) + f"\n\nTOKEN={DO_TOKEN}\n\n"
    lines = last_lines(log, 40)
    assert len(lines) == 40
    assert lines[0] == "line 61"
    assert lines[-1] == f"TOKEN={REDACTED}"
    assert last_lines(log, 0) == []


def _step(key: str) -> FlatStep:
    return FlatStep(key=key, label=key, status=StepStatus.ERROR, detail="", reason="")


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["build", "build/components", "build/components/web"], LogSource("web", "BUILD")),
        (
            ["deploy", "deploy/components", "deploy/components/api", "deploy/components/api/wait"],
            LogSource("api", "DEPLOY"),
        ),
        (["deploy/components/web#2"], LogSource("web", "DEPLOY")),
        (["deploy", "deploy/finalize"], None),
        ([], None),
    ],
)
def test_the_failing_log_is_the_failed_components(
    keys: list[str], expected: LogSource | None
) -> None:
    assert log_source(_step(k) for k in keys) == expected


def _section(message: Message) -> str:
    (block,) = message.blocks
    text = block["text"]["text"]
    assert isinstance(text, str)
    return text


def test_the_log_reply_is_a_code_block_of_the_last_lines_escaped() -> None:
    lines = ["npm ERR! <html> & `rm -rf`", "```", "exit 1"]
    text = _section(failure_logs.failure_log(component="web", log_type="BUILD", lines=lines))
    assert text.startswith("📄 The end of `web`'s build log:\n```\n")
    assert text.endswith("\n```")
    body = text.split("\n", 1)[1]
    assert body.count("```") == 2  # the log's backticks end nothing
    assert "&lt;html&gt; &amp;" in body
    assert "exit 1" in body


def test_a_long_log_keeps_its_end_within_a_section() -> None:
    lines = [f"{n:04d} " + "x" * 120 for n in range(40)]
    text = _section(failure_logs.failure_log(component="web", log_type="DEPLOY", lines=lines))
    assert slack_len(text) <= limits.SECTION_TEXT
    assert "0039 " in text  # the last line, where it failed
    assert "0000 " not in text
    assert text.endswith("\n```")


def test_no_log_is_a_few_words() -> None:
    message = failure_logs.no_failure_log(component="web", log_type="BUILD")
    assert message.text == "📄 No build log available for `web`."


def test_a_key_that_begins_above_the_quoted_lines_is_still_hidden() -> None:
    key = ["-----BEGIN RSA PRIVATE KEY-----", *(["MIIEpAIBAAKCAQEA7x"] * 30)]
    log = "\n".join([*key, "-----END RSA PRIVATE KEY-----", "build failed"])
    assert last_lines(log, 5) == [REDACTED, "build failed"]


def test_a_huge_line_is_looked_at_only_in_part() -> None:
    line = "a" * 200_000 + " password=hunter2"  # the secret lies past what is shown
    (shown,) = last_lines(line, 40)
    assert shown == "a" * 2_000
    assert redact("a_" * 100_000) == "a_" * 100_000  # no quadratic name match
